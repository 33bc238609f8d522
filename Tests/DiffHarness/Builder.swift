// Layer: Tests (differential harness). Assembles one test case: picks operand registers and
// memory operands, encodes prefixes/REX/ModRM/SIB/displacement/immediates, and chooses the
// base and index register values so every memory operand lands inside the data pages.
//
// Encoding order: legacy prefixes, REX (only directly before the opcode, else it is ignored),
// opcode bytes, ModRM, SIB, displacement, immediate. RIP-relative displacements are fixed up
// once the instruction length is known.

import X86

public enum EOperand {
    case reg(Int)
    case mem(UInt64)

    var isMemory: Bool { if case .mem = self { return true }; return false }
}

public struct Builder {
    public var rng: SplitMix64
    public var regs: [UInt64]
    public var rflags: UInt64
    public var patches: [(offset: Int, bytes: [UInt8])] = []
    /// Registers (bit per GPR) that base/index selection must not touch.
    public var reserved: UInt16 = 0
    /// Registers r8-r15 may appear (false for byte forms encoded without REX).
    public var allowExtended = true

    // Encoding under construction.
    public var legacy: [UInt8] = []
    public var rex: UInt8 = 0
    public var forceRex = false
    public var opcode: [UInt8] = []
    public var modrmReg: Int? = nil
    var modrmMod: UInt8 = 3
    var modrmRM: Int = 0
    var sib: UInt8? = nil
    var disp: [UInt8] = []
    public var imm: [UInt8] = []
    var ripTarget: UInt64? = nil
    /// Set by the family: allow random redundant prefixes (segment prefixes, repeated 66).
    public var redundantPrefixes = true

    public var undefinedFlags: UInt64 = 0
    public var undefinedRegs: UInt16 = 0
    public var undefinedMemory: Range<Int>? = nil
    public var repeatUntilDone = false
    public var codeOffset = Layout.defaultOffset
    /// SSE families: XMM0-15 (lo, hi qwords) and MXCSR of the case.
    public var xmm = [UInt64](repeating: 0, count: 32)
    public var mxcsr: UInt32 = 0x1F80
    /// x87 families: the input x87 state and the status bits left undefined.
    public var x87 = X87State()
    public var undefinedStatus: UInt16 = 0
    public var x87LowBitsUndefined = 0

    /// 32-bit compatibility mode: no REX, no 64-bit operands, 67 would select 16-bit addressing
    /// (not generated), and ModRM rm=5 with mod 0 is an absolute disp32 instead of RIP-relative.
    public let mode32: Bool

    public init(rng: SplitMix64, mode32: Bool = false) {
        self.rng = rng
        self.mode32 = mode32
        if mode32 { allowExtended = false }
        regs = []
        rflags = 0
        for _ in 0..<16 { regs.append(garbage()) }
        // The stack: inside the data pages with room both ways, usually 8-byte aligned.
        regs[Reg.rsp] = stackAddress()
        rflags = self.rng.next() & (Flag.arithmetic | Flag.df)
    }

    // MARK: values

    /// A register's initial contents: random, or a value with a recognisable structure.
    public mutating func garbage() -> UInt64 {
        switch rng.below(4) {
        case 0: return edge(64)
        default: return rng.next()
        }
    }

    /// An operand value of `bits` width biased to edge cases.
    public mutating func edge(_ bits: Int) -> UInt64 {
        let mask: UInt64 = bits == 64 ? ~0 : (1 << UInt64(bits)) - 1
        let sign: UInt64 = 1 << UInt64(bits - 1)
        let v: UInt64
        switch rng.below(16) {
        case 0: v = 0
        case 1: v = 1
        case 2: v = mask
        case 3: v = sign
        case 4: v = sign - 1
        case 5: v = sign + 1
        case 6: v = mask - 1
        case 7: v = UInt64(rng.below(17))
        case 8: v = 1 << UInt64(rng.below(bits))
        case 9: v = (1 << UInt64(rng.below(bits))) &- 1
        case 10: v = mask &- UInt64(rng.below(17))
        case 11: v = rng.next() & rng.next()   // few bits set
        case 12: v = rng.next() | rng.next()   // many bits set
        case 13: v = UInt64(rng.below(256)) << UInt64(rng.below(bits))
        default: v = rng.next()
        }
        return v & mask
    }

    /// A stack pointer inside the data pages (at least 0x800 bytes of room on both sides).
    public mutating func stackAddress() -> UInt64 {
        let off = 0x1000 + rng.below(Layout.dataSize - 0x2000)
        let aligned = rng.chance(85) ? off & ~7 : off
        return Layout.dataAddress + UInt64(aligned)
    }

    // MARK: registers

    /// True when byte registers 4-7 mean AH, CH, DH, BH (no REX prefix in the instruction).
    public var highByteRegs: Bool { mode32 || (!forceRex && rex == 0) }

    /// The GPR that holds operand register `n` and the bit shift of the operand inside it.
    public func slot(_ n: Int, bits: Int) -> (Int, UInt64) {
        if bits == 8 && highByteRegs && n >= 4 && n < 8 { return (n - 4, 8) }
        return (n, 0)
    }

    public mutating func setReg(_ n: Int, bits: Int, _ value: UInt64) {
        let (r, shift) = slot(n, bits: bits)
        let mask: UInt64 = bits == 64 ? ~0 : ((1 << UInt64(bits)) - 1) << shift
        regs[r] = (regs[r] & ~mask) | ((value << shift) & mask)
    }

    public func getReg(_ n: Int, bits: Int) -> UInt64 {
        let (r, shift) = slot(n, bits: bits)
        let mask: UInt64 = bits == 64 ? ~0 : (1 << UInt64(bits)) - 1
        return (regs[r] >> shift) & mask
    }

    public mutating func reserve(_ n: Int, bits: Int = 64) {
        let (r, _) = slot(n, bits: bits)
        reserved |= 1 << UInt16(r)
    }

    /// Operand size prefixes: 66 for 16 bits, REX.W for 64. For byte operations it decides
    /// whether a REX prefix is present (SPL..DIL and r8b-r15b) or not (AH..BH).
    public mutating func setSize(_ bits: Int) {
        switch bits {
        case 8:
            if !mode32 && rng.bool() { forceRex = true } else { allowExtended = false }
        case 16: legacy.append(0x66)
        case 64: rex |= 8
        default: break
        }
    }

    /// A register operand number (0-15, or 0-7 when r8-r15 are not encodable), not reserved.
    public mutating func pickReg(avoid: UInt16 = 0) -> Int {
        let n = allowExtended ? 16 : 8
        for _ in 0..<64 {
            let r = rng.below(n)
            if avoid & (1 << UInt16(r)) == 0 { return r }
        }
        return 0
    }

    // MARK: memory operands

    /// An effective address inside the data pages for a `size`-byte operand, `margin` bytes
    /// away from the edges. Sometimes unaligned or straddling a page boundary.
    public mutating func pickEA(size: Int, margin: Int = 0, alignment: Int? = nil) -> UInt64 {
        let lo = 16 + margin, hi = Layout.dataSize - size - 16 - margin
        var off: Int
        switch rng.below(10) {
        case 0:
            let page = 1 + rng.below(Layout.dataSize / 4096 - 1)
            off = page * 4096 - 1 - rng.below(max(1, size))
        case 1, 2, 3, 4, 5, 6:
            off = lo + rng.below(hi - lo)
            off &= ~(max(1, size) - 1)
        default:
            off = lo + rng.below(hi - lo)
        }
        if let a = alignment { off &= ~(a - 1) }
        off = min(max(off, lo), hi)
        if let a = alignment { off &= ~(a - 1); if off < lo { off += a } }
        return Layout.dataAddress + UInt64(off)
    }

    /// Writes the little-endian `value` (`size` <= 8 bytes) at linear address `ea` (data pages).
    public mutating func poke(_ ea: UInt64, _ value: UInt64, size: Int) {
        pokeBytes(ea, leBytes(value, min(size, 8)))
    }

    public mutating func pokeBytes(_ ea: UInt64, _ bytes: [UInt8]) {
        patches.append((offset: Int(Int64(bitPattern: ea &- Layout.dataAddress)), bytes: bytes))
    }

    /// Encodes a memory operand at `ea` into ModRM/SIB/displacement and sets the base and
    /// index registers. Call after every explicit register operand is reserved.
    public mutating func encodeMemory(_ ea: UInt64, addr32: Bool = false, allowRIP: Bool = true,
                                      freeEA: Bool = false) {
        let addr32 = addr32 && !mode32
        if addr32 && !legacy.contains(0x67) { legacy.append(0x67) }
        let mask: UInt64 = addr32 || mode32 ? 0xFFFF_FFFF : ~0
        if mode32 && (allowRIP && rng.chance(10)) {
            // 32-bit mode: mod 0, rm 5 is [disp32].
            modrmMod = 0; modrmRM = 5; sib = nil
            disp = le32(UInt32(truncatingIfNeeded: ea))
            return
        }
        let count = allowExtended ? 16 : 8
        let candidates = (0..<count).filter { reserved & (1 << UInt16($0)) == 0 }
        let shape = rng.below(100)
        if !mode32 && ((allowRIP && shape < 10) || (candidates.isEmpty && allowRIP)) {
            // RIP-relative: the displacement reaches from the code page into the data pages.
            modrmMod = 0; modrmRM = 5; sib = nil
            disp = [0, 0, 0, 0]
            ripTarget = ea
            return
        }
        if shape < 16 || candidates.isEmpty || ea >= 0x8000_0000 && !freeEA {
            // Absolute disp32 through a SIB byte with neither base nor index.
            modrmMod = 0; modrmRM = 4
            sib = UInt8(rng.below(4) << 6) | (4 << 3) | 5
            disp = le32(UInt32(truncatingIfNeeded: ea))
            return
        }
        let base = rng.pick(candidates)
        var useSIB = base & 7 == 4 || rng.chance(40)
        var mod = UInt8(rng.below(3))
        if base & 7 == 5 && mod == 0 { mod = 1 }
        var d: Int64
        switch mod {
        case 0: d = 0
        case 1: d = Int64(Int8(truncatingIfNeeded: rng.next()))
        default: d = rng.chance(50) ? Int64(rng.below(0x2000)) - 0x1000 : Int64(Int32(truncatingIfNeeded: rng.next()))
        }
        var index = -1
        var scale: UInt64 = 0
        var noBase = false
        if useSIB {
            scale = UInt64(rng.below(4))
            let indexCandidates = candidates.filter { $0 != base && $0 != 4 }
            if !indexCandidates.isEmpty && rng.chance(75) { index = rng.pick(indexCandidates) }
            if index >= 0 && rng.chance(12) { noBase = true }
        }
        if noBase {
            // [index*scale + disp32]
            mod = 0
            let v = UInt64(rng.below(0x1000))
            let dd = Int64(bitPattern: (ea &- (v << scale)) & mask)
            let disp32 = Int32(truncatingIfNeeded: dd)
            var iv = v
            if addr32 || mode32 { iv |= rng.next() << 32 }
            regs[index] = iv
            sib = UInt8(scale << 6) | UInt8((index & 7) << 3) | 5
            if index >= 8 { rex |= 2 }
            modrmRM = 4; modrmMod = 0
            disp = le32(UInt32(bitPattern: disp32))
            return
        }
        if !useSIB && base & 7 == 4 { useSIB = true }
        var iv: UInt64 = 0
        if index >= 0 {
            iv = rng.chance(50) ? edge(64) : UInt64(rng.below(0x100))
            if rng.chance(20) { iv = UInt64(bitPattern: -Int64(rng.below(0x100))) }
            regs[index] = iv
            if index >= 8 { rex |= 2 }
        }
        var bv = (ea &- UInt64(bitPattern: d) &- (iv << scale)) & mask
        if addr32 || mode32 { bv |= rng.next() << 32 }
        regs[base] = bv
        if base >= 8 { rex |= 1 }
        modrmMod = mod
        if useSIB {
            modrmRM = 4
            sib = UInt8(scale << 6) | UInt8(((index >= 0 ? index : 4) & 7) << 3) | UInt8(base & 7)
        } else {
            modrmRM = base & 7
            sib = nil
        }
        disp = mod == 0 ? [] : mod == 1 ? [UInt8(truncatingIfNeeded: d)] : le32(UInt32(truncatingIfNeeded: d))
    }

    /// A register operand in ModRM.rm.
    public mutating func encodeRegisterRM(_ r: Int) {
        modrmMod = 3; modrmRM = r; sib = nil; disp = []
        if r >= 8 { rex |= 1 }
    }

    /// Chooses ModRM.rm: a register (reserved) or a memory operand address (encoded later by
    /// `placeE`).
    public mutating func chooseE(memPercent: Int = 50, allowReg: Bool = true, size: Int = 8,
                                 bits: Int = 64, margin: Int = 0, avoid: UInt16 = 0) -> EOperand {
        if !allowReg || rng.chance(memPercent) {
            return .mem(pickEA(size: size, margin: margin))
        }
        let r = pickReg(avoid: avoid)
        reserve(r, bits: bits)
        return .reg(r)
    }

    /// Puts `value` into the E operand and encodes it (memory: writes the value and picks
    /// base/index registers).
    public mutating func placeE(_ e: EOperand, bits: Int, _ value: UInt64, addr32: Bool? = nil) {
        switch e {
        case let .reg(r):
            setReg(r, bits: bits, value)
            encodeRegisterRM(r)
        case let .mem(ea):
            poke(ea, value, size: bits / 8)
            encodeMemory(ea, addr32: addr32 ?? rng.chance(10))
        }
    }

    // MARK: assembling

    func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * UInt32($0))) } }

    public func leBytes(_ v: UInt64, _ n: Int) -> [UInt8] { (0..<n).map { UInt8(truncatingIfNeeded: v >> (8 * UInt64($0))) } }

    /// The instruction bytes.
    public mutating func assemble() -> [UInt8] {
        var prefixes = legacy
        if redundantPrefixes && rng.chance(8) {
            // Redundant prefixes: null segment overrides (ignored in 64-bit mode) and repeats.
            for _ in 0..<(1 + rng.below(3)) {
                // (In 32-bit mode CS is not writable: no 2E there, the emulator has no segment checks.)
                var p = rng.pick(mode32 ? [0x3E, 0x26, 0x36] : [0x2E, 0x3E, 0x26, 0x36] as [UInt8])
                if prefixes.contains(0x66) && rng.chance(30) { p = 0x66 }
                if prefixes.contains(0x67) && rng.chance(20) { p = 0x67 }
                prefixes.insert(p, at: rng.below(prefixes.count + 1))
            }
        }
        var out = prefixes
        if mode32 {
            // No REX in 32-bit mode (40-4F are INC/DEC): registers are encoded modulo 8.
        } else if rex != 0 || forceRex {
            var r = rex
            if let m = modrmReg, m >= 8 { r |= 4 }
            out.append(0x40 | r)
        } else if let m = modrmReg, m >= 8 {
            out.append(0x44)
        }
        out += opcode
        var dispPos = -1
        if let reg = modrmReg {
            out.append((modrmMod << 6) | UInt8((reg & 7) << 3) | UInt8(modrmRM & 7))
            if let s = sib { out.append(s) }
            dispPos = out.count
            out += disp
        }
        out += imm
        if let target = ripTarget, dispPos >= 0, !mode32 {
            let next = Layout.codeAddress + UInt64(codeOffset) + UInt64(out.count)
            let d = le32(UInt32(truncatingIfNeeded: target &- next))
            for k in 0..<4 { out[dispPos + k] = d[k] }
        }
        return out
    }

    public mutating func finish(_ family: String, _ name: String) -> TestCase {
        let familyName = mode32 && !family.hasSuffix("32") ? family + "32" : family
        var c = TestCase(family: familyName, name: name, code: assemble(), regs: regs, rflags: rflags)
        c.patches = patches
        c.undefinedFlags = undefinedFlags
        c.undefinedRegs = undefinedRegs
        c.undefinedMemory = undefinedMemory
        c.repeatUntilDone = repeatUntilDone
        c.codeOffset = codeOffset
        c.mode32 = mode32
        c.xmm = xmm
        c.mxcsr = mxcsr
        c.x87 = x87
        c.undefinedStatus = undefinedStatus
        c.x87LowBitsUndefined = x87LowBitsUndefined
        return c
    }

    // MARK: helpers for the families

    public static func sizeSuffix(_ bits: Int) -> String {
        switch bits { case 8: return "8"; case 16: return "16"; case 32: return "32"; default: return "64" }
    }

    public mutating func immBytes(_ v: UInt64, _ n: Int) { imm += leBytes(v, n) }
}
