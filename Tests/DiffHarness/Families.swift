// Layer: Tests (differential harness). Case generators, one per instruction family. Each
// produces encodings over every operand size (66 / none / REX.W; byte forms with and without
// REX to reach AH..BH and SPL..DIL), register and memory forms, and operand values biased to
// edge cases. Each records which flags (and results) the SDM leaves undefined for its operands.

import X86

public struct Family {
    public let name: String
    public let summary: String
    let generate: (inout Builder) -> TestCase
    /// Runs in 32-bit compatibility mode (CS = 0x23); these families are named "<name>32".
    public var mode32 = false

    init(name: String, summary: String, generate: @escaping (inout Builder) -> TestCase, mode32: Bool = false) {
        self.name = name; self.summary = summary; self.generate = generate; self.mode32 = mode32
    }
}

let aluNames = ["add", "or", "adc", "sbb", "and", "sub", "xor", "cmp"]
let shiftNames = ["rol", "ror", "rcl", "rcr", "shl", "shr", "sal", "sar"]
let ccNames = ["o", "no", "b", "ae", "e", "ne", "be", "a", "s", "ns", "p", "np", "l", "ge", "le", "g"]
let szap: UInt64 = Flag.sf | Flag.zf | Flag.af | Flag.pf

extension Builder {
    mutating func pickBits(_ options: [Int] = [8, 16, 32, 64]) -> Int {
        rng.pick(mode32 ? options.filter { $0 != 64 } : options)
    }

    /// Immediate of an "Iz" operand for operand width `bits` (imm16, or imm32 sign-extended).
    mutating func immZ(_ bits: Int) -> UInt64 {
        let v = edge(bits == 16 ? 16 : 32)
        immBytes(v, bits == 16 ? 2 : 4)
        return v
    }

    /// E,G form: G register (reserved) with a value, E register or memory with a value.
    @discardableResult
    mutating func formEG(bits: Int, memPercent: Int = 50, allowReg: Bool = true, gValue: UInt64? = nil,
                         eValue: UInt64? = nil, eBits: Int? = nil, margin: Int = 0) -> (Int, EOperand) {
        let g = pickReg()
        reserve(g, bits: bits)
        let eb = eBits ?? bits
        let e = chooseE(memPercent: memPercent, allowReg: allowReg, size: eb / 8, bits: eb, margin: margin)
        setReg(g, bits: bits, gValue ?? edge(bits))
        placeE(e, bits: eb, eValue ?? edge(eb))
        modrmReg = g
        return (g, e)
    }

    /// Group form (/digit): E register or memory.
    @discardableResult
    mutating func formE(digit: Int, bits: Int, memPercent: Int = 50, allowReg: Bool = true,
                        value: UInt64? = nil, margin: Int = 0) -> EOperand {
        let e = chooseE(memPercent: memPercent, allowReg: allowReg, size: bits / 8, bits: bits, margin: margin)
        placeE(e, bits: bits, value ?? edge(bits))
        modrmReg = digit
        return e
    }

    mutating func maybeLock(_ e: EOperand, percent: Int = 15) {
        if e.isMemory ? rng.chance(percent) : rng.chance(2) { legacy.append(0xF0) }
    }

    /// Marks the register operand `n` (ModRM numbering) as having an undefined result.
    mutating func undefinedResult(_ n: Int, bits: Int) {
        let (r, _) = slot(n, bits: bits)
        undefinedRegs |= 1 << UInt16(r)
    }

    mutating func shiftCount(_ bits: Int) -> UInt64 {
        switch rng.below(10) {
        case 0: return 0
        case 1, 2: return 1
        case 3: return UInt64(bits - 1)
        case 4: return UInt64(bits)
        case 5: return UInt64(bits + 1)
        case 6: return UInt64(rng.pick([31, 32, 33, 63, 64, 65, 0x80, 0xFF] as [Int]))
        case 7: return UInt64(rng.below(bits))
        default: return UInt64(rng.below(256))
        }
    }

    /// A branch target in the code page outside the instruction [start, start+length), or
    /// (rarely) an unmapped low address.
    mutating func branchTarget(length: Int, allowFar: Bool) -> UInt64 {
        if allowFar && rng.chance(10) {
            return rng.bool() ? UInt64(0x10000 + rng.below(0xF0000)) : UInt64(0x101000 + rng.below(0xFF000))
        }
        while true {
            let off = rng.below(Layout.codeSize)
            if off < codeOffset || off >= codeOffset + length { return Layout.codeAddress + UInt64(off) }
        }
    }
}

public enum Families {
    /// Every family: the 64-bit ones, then their 32-bit compatibility-mode variants.
    public static let all: [Family] = families64 + families64.filter { !["nop", "movbe"].contains($0.name) }.map {
        Family(name: $0.name + "32", summary: $0.summary + " (32-bit mode)", generate: $0.generate, mode32: true)
    } + [
        Family(name: "bcd32", summary: "DAA DAS AAA AAS AAM AAD (32-bit mode)", generate: bcd, mode32: true),
        Family(name: "pusha32", summary: "PUSHA POPA (32-bit mode)", generate: pusha, mode32: true),
    ] + SSEFamilies.families + SSEFloatFamilies.families + SSEExtendedFamilies.families + SSEExtendedFamilies.families32
        + X87Families.families + MMXFamilies.families

    public static let families64: [Family] = [
        Family(name: "alu", summary: "ADD OR ADC SBB AND SUB XOR CMP, all forms", generate: alu),
        Family(name: "test", summary: "TEST", generate: test),
        Family(name: "incdec", summary: "INC/DEC", generate: incdec),
        Family(name: "negnot", summary: "NEG/NOT", generate: negnot),
        Family(name: "muldiv", summary: "MUL IMUL DIV IDIV (F6/F7)", generate: muldiv),
        Family(name: "imul", summary: "IMUL 0F AF, 69, 6B", generate: imul),
        Family(name: "shift", summary: "ROL ROR RCL RCR SHL SHR SAL SAR", generate: shift),
        Family(name: "shiftd", summary: "SHLD/SHRD", generate: shiftd),
        Family(name: "bittest", summary: "BT BTS BTR BTC", generate: bittest),
        Family(name: "bitscan", summary: "BSF BSR TZCNT LZCNT", generate: bitscan),
        Family(name: "popcnt", summary: "POPCNT", generate: popcnt),
        Family(name: "bswap", summary: "BSWAP", generate: bswap),
        Family(name: "mov", summary: "MOV 88-8B C6 C7 B0-BF A0-A3", generate: mov),
        Family(name: "movx", summary: "MOVZX MOVSX MOVSXD", generate: movx),
        Family(name: "lea", summary: "LEA", generate: lea),
        Family(name: "xchg", summary: "XCHG, NOP, PAUSE", generate: xchg),
        Family(name: "xadd", summary: "XADD", generate: xadd),
        Family(name: "cmpxchg", summary: "CMPXCHG, CMPXCHG8B/16B", generate: cmpxchg),
        Family(name: "pushpop", summary: "PUSH POP PUSHF POPF", generate: pushpop),
        Family(name: "convert", summary: "CBW CWDE CDQE CWD CDQ CQO", generate: convert),
        Family(name: "flagops", summary: "LAHF SAHF CLC STC CMC CLD STD", generate: flagops),
        Family(name: "setcc", summary: "SETcc", generate: setcc),
        Family(name: "cmov", summary: "CMOVcc", generate: cmov),
        Family(name: "jcc", summary: "Jcc JMP (short, near, indirect)", generate: jcc),
        Family(name: "callret", summary: "CALL RET", generate: callret),
        Family(name: "loop", summary: "LOOP LOOPE LOOPNE JRCXZ", generate: loop),
        Family(name: "enterleave", summary: "ENTER LEAVE", generate: enterleave),
        Family(name: "string", summary: "MOVS STOS LODS CMPS SCAS (+REP)", generate: string),
        Family(name: "xlat", summary: "XLAT", generate: xlat),
        Family(name: "movbe", summary: "MOVBE", generate: movbe),
        Family(name: "nop", summary: "NOP forms, hint NOPs, PREFETCH", generate: nop),
        Family(name: "random", summary: "random bytes", generate: random),
    ]

    public static func named(_ n: String) -> Family? { all.first { $0.name == n } }

    // MARK: arithmetic and logic

    static func alu(_ b: inout Builder) -> TestCase {
        let op = b.rng.below(8)
        let form = b.rng.below(10)
        let bits = [0, 2, 4, 6].contains(form) ? 8 : b.pickBits([16, 32, 64])
        b.setSize(bits)
        let w = Builder.sizeSuffix(bits)
        var name: String
        switch form {
        case 0, 1, 2, 3:
            let (_, e) = b.formEG(bits: bits)
            b.opcode = [UInt8(op * 8 + form)]
            if form < 2 && op != 7 { b.maybeLock(e) } else if b.rng.chance(2) { b.legacy.append(0xF0) }
            name = "\(aluNames[op]) \(form < 2 ? "E,G" : "G,E")\(w)\(e.isMemory ? " mem" : "")"
        case 4, 5:
            b.setReg(0, bits: bits, b.edge(bits))
            if bits == 8 { b.immBytes(b.edge(8), 1) } else { _ = b.immZ(bits) }
            b.opcode = [UInt8(op * 8 + form)]
            name = "\(aluNames[op]) acc,imm\(w)"
        case 9:
            // 82 is #UD in 64-bit mode.
            let e = b.formE(digit: op, bits: 8)
            b.immBytes(b.edge(8), 1)
            b.opcode = [0x82]
            name = "82 /\(op)\(e.isMemory ? " mem" : "")"
        default:
            let e = b.formE(digit: op, bits: bits)
            let opc: UInt8 = form == 6 ? 0x80 : form == 7 ? 0x81 : 0x83
            if opc == 0x81 { _ = b.immZ(bits) } else { b.immBytes(b.edge(8), 1) }
            b.opcode = [opc]
            if op != 7 { b.maybeLock(e) }
            name = "\(aluNames[op]) E,imm\(w) (\(String(opc, radix: 16)))\(e.isMemory ? " mem" : "")"
        }
        if [1, 4, 6].contains(op) { b.undefinedFlags = Flag.af }
        if b.rng.chance(1) {
            // More than 15 bytes: #GP(0).
            b.legacy = [UInt8](repeating: 0x3E, count: 15 - b.legacy.count) + b.legacy
        }
        return b.finish("alu", name)
    }

    static func test(_ b: inout Builder) -> TestCase {
        let form = b.rng.below(6)
        let bits = form % 2 == 0 ? 8 : b.pickBits([16, 32, 64])
        b.setSize(bits)
        var name = "test"
        switch form {
        case 0, 1:
            let (_, e) = b.formEG(bits: bits)
            b.opcode = [UInt8(0x84 + form)]
            name = "test E,G\(bits)\(e.isMemory ? " mem" : "")"
        case 2, 3:
            b.setReg(0, bits: bits, b.edge(bits))
            if bits == 8 { b.immBytes(b.edge(8), 1) } else { _ = b.immZ(bits) }
            b.opcode = [form == 2 ? 0xA8 : 0xA9]
            name = "test acc,imm\(bits)"
        default:
            let digit = b.rng.chance(80) ? 0 : 1
            let e = b.formE(digit: digit, bits: bits)
            if bits == 8 { b.immBytes(b.edge(8), 1) } else { _ = b.immZ(bits) }
            b.opcode = [bits == 8 ? 0xF6 : 0xF7]
            name = "test E,imm\(bits) /\(digit)\(e.isMemory ? " mem" : "")"
        }
        b.undefinedFlags = Flag.af
        return b.finish("test", name)
    }

    static func incdec(_ b: inout Builder) -> TestCase {
        let bits = b.pickBits()
        b.setSize(bits)
        let digit = b.rng.below(2)
        if b.mode32 && bits != 8 && b.rng.bool() {
            // 40+r / 48+r: the one-byte INC/DEC of 32-bit mode (REX prefixes in 64-bit mode).
            let r = b.pickReg()
            b.setReg(r, bits: bits, b.edge(bits))
            b.opcode = [UInt8((digit == 0 ? 0x40 : 0x48) + r)]
            return b.finish("incdec", "\(digit == 0 ? "inc" : "dec") r\(bits) (4x)")
        }
        let e = b.formE(digit: digit, bits: bits)
        b.opcode = [bits == 8 ? 0xFE : 0xFF]
        b.maybeLock(e)
        return b.finish("incdec", "\(digit == 0 ? "inc" : "dec")\(bits)\(e.isMemory ? " mem" : "")")
    }

    static func negnot(_ b: inout Builder) -> TestCase {
        let bits = b.pickBits()
        b.setSize(bits)
        let digit = 2 + b.rng.below(2)
        let e = b.formE(digit: digit, bits: bits)
        b.opcode = [bits == 8 ? 0xF6 : 0xF7]
        b.maybeLock(e)
        return b.finish("negnot", "\(digit == 2 ? "not" : "neg")\(bits)\(e.isMemory ? " mem" : "")")
    }

    static func muldiv(_ b: inout Builder) -> TestCase {
        let bits = b.pickBits()
        b.setSize(bits)
        let digit = 4 + b.rng.below(4)
        b.reserve(Reg.rax); b.reserve(Reg.rdx)
        let mask: UInt64 = bits == 64 ? ~0 : (1 << UInt64(bits)) - 1
        var divisor = b.edge(bits)
        var low = b.edge(bits), high = b.edge(bits)
        if digit >= 6 && b.rng.chance(60) {
            // Mostly dividends whose quotient fits (else #DE).
            if divisor == 0 { divisor = 1 + (b.rng.next() & mask >> 1) }
            if digit == 6 { high = divisor == 0 ? 0 : high % divisor }
            else { high = low >> UInt64(bits - 1) != 0 ? mask : 0 }
        }
        if bits == 8 {
            b.regs[Reg.rax] = (b.regs[Reg.rax] & ~0xFFFF) | (high << 8) | low   // AH:AL
        } else {
            b.setReg(0, bits: bits, low); b.setReg(2, bits: bits, high)
        }
        let e = b.formE(digit: digit, bits: bits, value: divisor)
        b.opcode = [bits == 8 ? 0xF6 : 0xF7]
        b.undefinedFlags = digit < 6 ? szap : Flag.arithmetic
        let names = ["mul", "imul", "div", "idiv"]
        return b.finish("muldiv", "\(names[digit - 4])\(bits)\(e.isMemory ? " mem" : "")")
    }

    static func imul(_ b: inout Builder) -> TestCase {
        let bits = b.pickBits([16, 32, 64])
        b.setSize(bits)
        let form = b.rng.below(3)
        let (_, e) = b.formEG(bits: bits)
        switch form {
        case 0: b.opcode = [0x0F, 0xAF]
        case 1: b.opcode = [0x69]; _ = b.immZ(bits)
        default: b.opcode = [0x6B]; b.immBytes(b.edge(8), 1)
        }
        b.undefinedFlags = szap
        return b.finish("imul", "imul \(["G,E", "G,E,Iz", "G,E,Ib"][form])\(bits)\(e.isMemory ? " mem" : "")")
    }

    // MARK: shifts

    static func shiftUndefined(op: Int, bits: Int, count: UInt64) -> UInt64 {
        let mc = count & (bits == 64 ? 63 : 31)
        if mc == 0 { return 0 }
        if op < 4 { return mc == 1 ? 0 : Flag.of }
        var u = Flag.af
        if mc != 1 { u |= Flag.of }
        if op != 7 && mc >= UInt64(bits) { u |= Flag.cf }
        return u
    }

    static func shift(_ b: inout Builder) -> TestCase {
        let bits = b.pickBits()
        b.setSize(bits)
        let op = b.rng.below(8)
        let form = b.rng.below(3)   // imm8, 1, CL
        if form == 2 { b.reserve(Reg.rcx) }
        var count = b.shiftCount(bits)
        let e = b.formE(digit: op, bits: bits)
        let byte = bits == 8
        switch form {
        case 0: b.opcode = [byte ? 0xC0 : 0xC1]; b.immBytes(count, 1)
        case 1: b.opcode = [byte ? 0xD0 : 0xD1]; count = 1
        default:
            b.opcode = [byte ? 0xD2 : 0xD3]
            if case .reg(1) = e {
                count = b.regs[Reg.rcx] & 0xFF   // e.g. shl cl, cl: the count is the operand
            } else {
                b.regs[Reg.rcx] = (b.regs[Reg.rcx] & ~0xFF) | count
            }
        }
        b.undefinedFlags = shiftUndefined(op: op, bits: bits, count: count)
        return b.finish("shift", "\(shiftNames[op]) \(["E,imm", "E,1", "E,CL"][form])\(bits)\(e.isMemory ? " mem" : "")")
    }

    static func shiftd(_ b: inout Builder) -> TestCase {
        let bits = b.pickBits([16, 32, 64])
        b.setSize(bits)
        let right = b.rng.bool()
        let cl = b.rng.bool()
        if cl { b.reserve(Reg.rcx) }
        var count = b.shiftCount(bits)
        let (g, e) = b.formEG(bits: bits)
        if cl {
            if g == Reg.rcx { count = b.regs[Reg.rcx] & 0xFF }
            else if case .reg(1) = e { count = b.regs[Reg.rcx] & 0xFF }
            else { b.regs[Reg.rcx] = (b.regs[Reg.rcx] & ~0xFF) | count }
            b.opcode = [0x0F, right ? 0xAD : 0xA5]
        } else {
            b.opcode = [0x0F, right ? 0xAC : 0xA4]
            b.immBytes(count, 1)
        }
        let mc = count & (bits == 64 ? 63 : 31)
        if mc > UInt64(bits) {
            // Count above the operand width (16-bit only): result and all flags undefined.
            b.undefinedFlags = Flag.arithmetic
            switch e {
            case let .reg(r): b.undefinedResult(r, bits: bits)
            case let .mem(ea):
                let o = Int(ea - Layout.dataAddress)
                b.undefinedMemory = o..<(o + bits / 8)
            }
        } else if mc != 0 {
            b.undefinedFlags = Flag.af | (mc == 1 ? 0 : Flag.of)
        }
        return b.finish("shiftd", "\(right ? "shrd" : "shld") \(cl ? "CL" : "imm")\(bits)\(e.isMemory ? " mem" : "")")
    }

    // MARK: bit operations

    static func bittest(_ b: inout Builder) -> TestCase {
        let bits = b.pickBits([16, 32, 64])
        b.setSize(bits)
        let op = b.rng.below(4)   // bt bts btr btc
        let names = ["bt", "bts", "btr", "btc"]
        let immediate = b.rng.bool()
        var e: EOperand
        if immediate {
            e = b.formE(digit: 4 + op, bits: bits)
            b.opcode = [0x0F, 0xBA]
            b.immBytes(b.rng.chance(70) ? UInt64(b.rng.below(bits)) : UInt64(b.rng.below(256)), 1)
        } else {
            // Register bit offsets: signed, and beyond the operand for memory forms.
            let mem = b.rng.bool()
            var offset: UInt64
            if mem {
                let limit = bits == 16 ? 16000 : 16000
                offset = UInt64(bitPattern: Int64(b.rng.below(2 * limit)) - Int64(limit))
            } else {
                offset = b.edge(bits)
            }
            (_, e) = b.formEG(bits: bits, memPercent: mem ? 100 : 0, gValue: offset, margin: 2100)
            b.opcode = [0x0F, [0xA3, 0xAB, 0xB3, 0xBB][op]]
        }
        if op > 0 { b.maybeLock(e) } else if b.rng.chance(2) { b.legacy.append(0xF0) }
        b.undefinedFlags = Flag.of | Flag.sf | Flag.af | Flag.pf
        return b.finish("bittest", "\(names[op]) \(immediate ? "E,imm" : "E,G")\(bits)\(e.isMemory ? " mem" : "")")
    }

    static func bitscan(_ b: inout Builder) -> TestCase {
        let bits = b.pickBits([16, 32, 64])
        let kind = b.rng.below(4)   // bsf bsr tzcnt lzcnt
        if kind >= 2 { b.legacy.append(0xF3) }
        b.setSize(bits)
        let zero = b.rng.chance(25)
        let src = zero ? 0 : b.edge(bits)
        let (g, e) = b.formEG(bits: bits, eValue: src)
        b.opcode = [0x0F, kind % 2 == 0 ? 0xBC : 0xBD]
        if kind < 2 {
            b.undefinedFlags = Flag.cf | Flag.of | Flag.sf | Flag.af | Flag.pf
            // SDM: destination undefined for a zero source (AMD documents it unchanged).
            if src == 0 { b.undefinedResult(g, bits: bits) }
        } else {
            b.undefinedFlags = Flag.of | Flag.sf | Flag.af | Flag.pf
        }
        let names = ["bsf", "bsr", "tzcnt", "lzcnt"]
        return b.finish("bitscan", "\(names[kind])\(bits)\(e.isMemory ? " mem" : "")\(zero ? " zero" : "")")
    }

    static func popcnt(_ b: inout Builder) -> TestCase {
        let bits = b.pickBits([16, 32, 64])
        b.legacy.append(0xF3)
        b.setSize(bits)
        let (_, e) = b.formEG(bits: bits)
        b.opcode = [0x0F, 0xB8]
        return b.finish("popcnt", "popcnt\(bits)\(e.isMemory ? " mem" : "")")
    }

    static func bswap(_ b: inout Builder) -> TestCase {
        let bits = b.rng.chance(10) ? 16 : b.pickBits([32, 64])
        b.setSize(bits)
        let r = b.pickReg()
        if r >= 8 { b.rex |= 1 }
        b.opcode = [0x0F, UInt8(0xC8 + (r & 7))]
        b.regs[r] = b.rng.next()
        if bits == 16 { b.undefinedRegs |= 1 << UInt16(r) }
        return b.finish("bswap", "bswap\(bits)")
    }

    // MARK: data transfer

    static func mov(_ b: inout Builder) -> TestCase {
        let form = b.rng.below(8)
        let bits = (form == 0 || form == 2 || form == 4) ? 8 : form >= 6 ? b.pickBits() : b.pickBits([16, 32, 64])
        b.setSize(bits)
        var name: String
        switch form {
        case 0, 1, 2, 3:
            let (_, e) = b.formEG(bits: bits)
            b.opcode = [UInt8(0x88 + form)]
            name = "mov \(form < 2 ? "E,G" : "G,E")\(bits)\(e.isMemory ? " mem" : "")"
        case 4, 5:
            let digit = b.rng.chance(95) ? 0 : 1 + b.rng.below(7)
            let e = b.formE(digit: digit, bits: bits)
            b.opcode = [form == 4 ? 0xC6 : 0xC7]
            if bits == 8 { b.immBytes(b.edge(8), 1) } else { _ = b.immZ(bits) }
            name = "mov E,imm\(bits) /\(digit)\(e.isMemory ? " mem" : "")"
        case 6:
            let r = b.pickReg()
            if r >= 8 { b.rex |= 1 }
            b.setReg(r, bits: bits, b.edge(bits))
            b.opcode = [UInt8((bits == 8 ? 0xB0 : 0xB8) + (r & 7))]
            b.immBytes(b.edge(bits), bits / 8)
            name = "mov r,imm\(bits)"
        default:
            // A0-A3 moffs: an absolute address (8 bytes, or 4 with 67).
            let store = b.rng.bool()
            let ea = b.pickEA(size: bits / 8)
            b.poke(ea, b.edge(bits), size: bits / 8)
            b.setReg(0, bits: bits, b.edge(bits))
            let a32 = !b.mode32 && b.rng.chance(20)
            if a32 { b.legacy.append(0x67) }
            b.opcode = [UInt8((bits == 8 ? 0xA0 : 0xA1) + (store ? 2 : 0))]
            b.immBytes(ea, a32 || b.mode32 ? 4 : 8)
            name = "mov \(store ? "moffs,acc" : "acc,moffs")\(bits)\(a32 ? " a32" : "")"
        }
        return b.finish("mov", name)
    }

    static func movx(_ b: inout Builder) -> TestCase {
        let kind = b.rng.below(b.mode32 ? 4 : 5)   // movzx b/w, movsx b/w, movsxd (63 is ARPL in 32-bit mode)
        let bits = b.pickBits([16, 32, 64])
        let srcBits = kind == 4 ? 32 : kind % 2 == 0 ? 8 : 16
        b.setSize(bits)
        if srcBits == 8 && b.rex == 0 {
            if b.rng.bool() { b.forceRex = true } else { b.allowExtended = false }
        }
        let (_, e) = b.formEG(bits: bits, eBits: srcBits)
        b.opcode = kind == 4 ? [0x63] : [0x0F, [0xB6, 0xB7, 0xBE, 0xBF][kind]]
        let names = ["movzx8", "movzx16", "movsx8", "movsx16", "movsxd"]
        return b.finish("movx", "\(names[kind])->\(bits)\(e.isMemory ? " mem" : "")")
    }

    static func lea(_ b: inout Builder) -> TestCase {
        let bits = b.pickBits([16, 32, 64])
        b.setSize(bits)
        let g = b.pickReg()
        b.reserve(g)
        b.modrmReg = g
        b.opcode = [0x8D]
        if b.rng.chance(4) {
            b.encodeRegisterRM(b.pickReg())
            return b.finish("lea", "lea reg (#UD)")
        }
        let a32 = !b.mode32 && b.rng.chance(20)
        let ea = b.rng.chance(50) ? b.rng.next() : b.pickEA(size: 1)
        b.encodeMemory(ea, addr32: a32, freeEA: true)
        return b.finish("lea", "lea\(bits)\(a32 ? " a32" : "")")
    }

    static func xchg(_ b: inout Builder) -> TestCase {
        let form = b.rng.below(4)
        switch form {
        case 0, 1:
            let bits = form == 0 ? 8 : b.pickBits([16, 32, 64])
            b.setSize(bits)
            let (_, e) = b.formEG(bits: bits)
            b.opcode = [UInt8(0x86 + form)]
            if b.rng.chance(10) { b.legacy.append(0xF0) }
            return b.finish("xchg", "xchg E,G\(bits)\(e.isMemory ? " mem" : "")")
        case 2:
            let bits = b.pickBits([16, 32, 64])
            b.setSize(bits)
            let r = b.pickReg()
            if r >= 8 { b.rex |= 1 }
            b.opcode = [UInt8(0x90 + (r & 7))]
            return b.finish("xchg", "xchg r,acc\(bits)\(r == 0 ? " (nop)" : "")")
        default:
            b.legacy.append(b.rng.pick([0xF3, 0x66] as [UInt8]))
            b.opcode = [0x90]
            return b.finish("xchg", b.legacy.last == 0xF3 ? "pause" : "66 nop")
        }
    }

    static func xadd(_ b: inout Builder) -> TestCase {
        let bits = b.pickBits()
        b.setSize(bits)
        let (_, e) = b.formEG(bits: bits)
        b.opcode = [0x0F, bits == 8 ? 0xC0 : 0xC1]
        b.maybeLock(e, percent: 30)
        return b.finish("xadd", "xadd\(bits)\(e.isMemory ? " mem" : "")")
    }

    static func cmpxchg(_ b: inout Builder) -> TestCase {
        if b.rng.chance(30) {
            // CMPXCHG8B m64 / CMPXCHG16B m128 (REX.W; 16-byte alignment or #GP(0)).
            let wide = !b.mode32 && b.rng.bool()
            if wide { b.rex |= 8 }
            for r in [Reg.rax, Reg.rcx, Reg.rdx, Reg.rbx] { b.reserve(r) }
            let size = wide ? 16 : 8
            b.opcode = [0x0F, 0xC7]
            b.modrmReg = 1
            if b.rng.chance(4) {
                b.encodeRegisterRM(b.pickReg())
                return b.finish("cmpxchg", "cmpxchg\(size * 8)b reg (#UD)")
            }
            let ea = b.pickEA(size: size, alignment: wide && b.rng.chance(85) ? 16 : nil)
            var mem: [UInt8] = []
            for _ in 0..<size { mem.append(UInt8(truncatingIfNeeded: b.rng.next())) }
            b.pokeBytes(ea, mem)
            let half = size / 2
            func value(_ bytes: ArraySlice<UInt8>) -> UInt64 {
                var v: UInt64 = 0
                for (k, x) in bytes.enumerated() { v |= UInt64(x) << UInt64(8 * k) }
                return v
            }
            if b.rng.chance(50) {
                let lo = value(mem[0..<half]), hi = value(mem[half..<size])
                if wide { b.regs[Reg.rax] = lo; b.regs[Reg.rdx] = hi }
                else { b.regs[Reg.rax] = (b.regs[Reg.rax] & ~0xFFFF_FFFF) | lo; b.regs[Reg.rdx] = (b.regs[Reg.rdx] & ~0xFFFF_FFFF) | hi }
            }
            if b.rng.chance(20) { b.legacy.append(0xF0) }
            b.encodeMemory(ea, addr32: b.rng.chance(10))
            return b.finish("cmpxchg", "cmpxchg\(size * 8)b\(ea % UInt64(size) != 0 && wide ? " misaligned" : "")")
        }
        let bits = b.pickBits()
        b.setSize(bits)
        b.reserve(Reg.rax)
        let value = b.edge(bits)
        let (_, e) = b.formEG(bits: bits, eValue: value)
        if b.rng.chance(50) {
            // Make the compare succeed, unless E is the accumulator itself.
            if case .reg(let r) = e, b.slot(r, bits: bits).0 == Reg.rax {} else { b.setReg(0, bits: bits, value) }
        } else {
            b.setReg(0, bits: bits, b.edge(bits))
        }
        b.opcode = [0x0F, bits == 8 ? 0xB0 : 0xB1]
        b.maybeLock(e, percent: 30)
        return b.finish("cmpxchg", "cmpxchg\(bits)\(e.isMemory ? " mem" : "")")
    }

    static func pushpop(_ b: inout Builder) -> TestCase {
        b.reserve(Reg.rsp)
        let form = b.rng.below(8)
        let bits = b.rng.chance(20) ? 16 : 64
        if bits == 16 { b.legacy.append(0x66) }
        var name: String
        switch form {
        case 0, 1:
            let r = b.rng.below(16)
            if r >= 8 { b.rex |= 1 }
            if b.rng.chance(10) { b.rex |= 8 }   // REX.W changes nothing
            b.opcode = [UInt8((form == 0 ? 0x50 : 0x58) + (r & 7))]
            name = "\(form == 0 ? "push" : "pop") r\(bits)"
        case 2, 3:
            let pop = form == 2
            b.opcode = [pop ? 0x8F : 0xFF]
            b.modrmReg = pop ? 0 : 6
            if b.rng.chance(50) {
                b.encodeRegisterRM(b.rng.below(16))
                name = "\(pop ? "pop" : "push") E\(bits) reg"
            } else if b.rng.chance(25) {
                // [rsp+disp8]: for POP the address uses RSP after the pop.
                b.modrmMod = 1; b.modrmRM = 4; b.sib = 0x24
                b.disp = [UInt8(truncatingIfNeeded: b.rng.below(64) - 32)]
                name = "\(pop ? "pop" : "push") [rsp+d8]\(bits)"
            } else {
                let ea = b.pickEA(size: bits / 8)
                b.poke(ea, b.edge(bits), size: bits / 8)
                b.encodeMemory(ea, addr32: b.rng.chance(10))
                name = "\(pop ? "pop" : "push") E\(bits) mem"
            }
        case 4:
            b.opcode = [0x68]
            b.immBytes(b.edge(32), bits == 16 ? 2 : 4)
            name = "push imm\(bits == 16 ? 16 : 32)"
        case 5:
            b.opcode = [0x6A]
            b.immBytes(b.edge(8), 1)
            name = "push imm8 \(bits)"
        case 6:
            b.opcode = [0x9C]
            name = "pushf\(bits)"
        default:
            b.opcode = [0x9D]
            // Only the arithmetic flags and DF change; IF stays set, TF/AC/NT stay clear.
            let v = (b.rng.next() & (Flag.arithmetic | Flag.df)) | 0x202
            b.poke(b.regs[Reg.rsp], v, size: bits / 8)
            name = "popf\(bits)"
        }
        b.redundantPrefixes = false
        return b.finish("pushpop", name)
    }

    static func convert(_ b: inout Builder) -> TestCase {
        let bits = b.pickBits([16, 32, 64])
        b.setSize(bits)
        let cwd = b.rng.bool()
        b.regs[Reg.rax] = (b.regs[Reg.rax] & ~0xFFFF_FFFF) | b.edge(32)
        if b.rng.chance(50) { b.regs[Reg.rax] = b.edge(64) }
        b.opcode = [cwd ? 0x99 : 0x98]
        let names = cwd ? ["cwd", "cdq", "cqo"] : ["cbw", "cwde", "cdqe"]
        return b.finish("convert", names[bits == 16 ? 0 : bits == 32 ? 1 : 2])
    }

    static func flagops(_ b: inout Builder) -> TestCase {
        let ops: [(UInt8, String)] = [(0x9E, "sahf"), (0x9F, "lahf"), (0xF8, "clc"), (0xF9, "stc"),
                                      (0xF5, "cmc"), (0xFC, "cld"), (0xFD, "std")]
        let (opc, name) = b.rng.pick(ops)
        if b.rng.chance(10) { b.rex |= UInt8(b.rng.below(16)) ; b.forceRex = true }
        b.opcode = [opc]
        return b.finish("flagops", name)
    }

    static func setcc(_ b: inout Builder) -> TestCase {
        b.setSize(8)
        let cc = b.rng.below(16)
        let e = b.chooseE(size: 1, bits: 8)
        b.placeE(e, bits: 8, b.edge(8))
        b.modrmReg = b.rng.chance(80) ? 0 : b.rng.below(b.allowExtended ? 16 : 8)
        b.opcode = [0x0F, UInt8(0x90 + cc)]
        return b.finish("setcc", "set\(ccNames[cc])\(e.isMemory ? " mem" : "")")
    }

    static func cmov(_ b: inout Builder) -> TestCase {
        let bits = b.pickBits([16, 32, 64])
        b.setSize(bits)
        let cc = b.rng.below(16)
        let (_, e) = b.formEG(bits: bits)
        b.opcode = [0x0F, UInt8(0x40 + cc)]
        return b.finish("cmov", "cmov\(ccNames[cc])\(bits)\(e.isMemory ? " mem" : "")")
    }

    // MARK: control transfer

    static func jcc(_ b: inout Builder) -> TestCase {
        b.redundantPrefixes = false
        let form = b.rng.below(7)
        let o16 = b.rng.chance(8)
        if o16 { b.legacy.append(0x66) }
        let cc = b.rng.below(16)
        var name: String
        switch form {
        case 0, 1, 2, 3:
            let short = form == 0 || form == 2
            b.opcode = form == 0 ? [UInt8(0x70 + cc)] : form == 1 ? [0x0F, UInt8(0x80 + cc)] : form == 2 ? [0xEB] : [0xE9]
            // With 66, near branches take a rel16 (AMD in 64-bit mode, everyone in 32-bit mode;
            // Intel ignores 66 in 64-bit mode) and the target is truncated to 16 bits.
            let dispBytes = short ? 1 : o16 ? 2 : 4
            let length = b.legacy.count + b.opcode.count + dispBytes
            let next = Layout.codeAddress + UInt64(b.codeOffset + length)
            var target = b.branchTarget(length: length, allowFar: !short)
            if short {
                let rel = Int64(bitPattern: target &- next)
                if rel < -128 || rel > 127 {
                    var r = Int64(b.rng.below(256)) - 128
                    if r >= -Int64(length) && r < 0 { r = -Int64(length) - 1 }
                    target = next &+ UInt64(bitPattern: r)
                }
                b.immBytes(target &- next, 1)
            } else {
                b.immBytes(target &- next, dispBytes)
            }
            name = form < 2 ? "j\(ccNames[cc]) \(short ? "rel8" : "rel32")" : "jmp \(short ? "rel8" : "rel32")"
        default:
            // FF /4: JMP r/m64.
            b.opcode = [0xFF]
            b.modrmReg = 4
            let target = b.branchTarget(length: 8, allowFar: true)
            if form == 4 {
                let r = b.rng.below(b.mode32 ? 8 : 16)
                b.regs[r] = target
                b.encodeRegisterRM(r)
                name = "jmp reg"
            } else {
                let ea = b.pickEA(size: 8)
                b.poke(ea, target, size: 8)
                b.encodeMemory(ea, addr32: b.rng.chance(10))
                name = "jmp mem"
            }
            if b.rng.chance(20) { b.rex |= 8 }
        }
        return b.finish("jcc", name + (o16 ? " o16" : ""))
    }

    static func callret(_ b: inout Builder) -> TestCase {
        b.redundantPrefixes = false
        b.reserve(Reg.rsp)
        let form = b.rng.below(5)
        let o16 = b.rng.chance(8)
        if o16 { b.legacy.append(0x66) }
        var name: String
        switch form {
        case 0:
            b.opcode = [0xE8]
            let dispBytes = o16 ? 2 : 4   // see jcc
            let length = b.legacy.count + 1 + dispBytes
            let target = b.branchTarget(length: length, allowFar: true)
            b.immBytes(target &- (Layout.codeAddress + UInt64(b.codeOffset + length)), dispBytes)
            name = "call rel32"
        case 1, 2:
            b.opcode = [0xFF]
            b.modrmReg = 2
            let target = b.branchTarget(length: 8, allowFar: true)
            if form == 1 {
                let r = b.rng.below(b.mode32 ? 8 : 16)
                if r != Reg.rsp { b.regs[r] = target }
                b.encodeRegisterRM(r)
                name = "call reg"
            } else {
                let ea = b.pickEA(size: 8)
                b.poke(ea, target, size: 8)
                b.encodeMemory(ea, addr32: b.rng.chance(10))
                name = "call mem"
            }
            if b.rng.chance(20) { b.rex |= 8 }
        default:
            let target = b.branchTarget(length: 3, allowFar: true)
            b.poke(b.regs[Reg.rsp], target, size: 8)
            if form == 3 {
                b.opcode = [0xC3]
                name = "ret"
            } else {
                b.opcode = [0xC2]
                b.immBytes(b.rng.chance(50) ? UInt64(b.rng.below(64)) : b.rng.next(), 2)
                name = "ret imm16"
            }
        }
        return b.finish("callret", name + (o16 ? " o16" : ""))
    }

    static func loop(_ b: inout Builder) -> TestCase {
        b.redundantPrefixes = false
        let op = b.rng.below(4)   // loopne loope loop jrcxz
        let a32 = !b.mode32 && b.rng.chance(30)
        if a32 { b.legacy.append(0x67) }
        b.regs[Reg.rcx] = b.rng.pick([0, 1, 2, 0x1_0000_0000, 0x1_0000_0001, 0xFFFF_FFFF, b.rng.next(),
                                       UInt64(b.rng.below(100))] as [UInt64])
        b.opcode = [UInt8(0xE0 + op)]
        let length = b.legacy.count + 2
        var r = Int64(b.rng.below(256)) - 128
        if r >= -Int64(length) && r < 0 { r = -Int64(length) - 1 }
        b.immBytes(UInt64(bitPattern: r), 1)
        let names = ["loopne", "loope", "loop", a32 || b.mode32 ? "jecxz" : "jrcxz"]
        return b.finish("loop", names[op] + (a32 ? " a32" : ""))
    }

    static func enterleave(_ b: inout Builder) -> TestCase {
        b.redundantPrefixes = false
        b.reserve(Reg.rsp)
        let o16 = b.rng.chance(15)
        if o16 { b.legacy.append(0x66) }
        b.regs[Reg.rbp] = Layout.dataAddress + 0x4000 + UInt64(b.rng.below(0x8000))
        if b.rng.chance(85) { b.regs[Reg.rbp] &= ~7 }
        b.regs[Reg.rsp] = Layout.dataAddress + 0x4000 + UInt64(b.rng.below(0x8000))
        if b.rng.chance(85) { b.regs[Reg.rsp] &= ~7 }
        if b.rng.bool() {
            b.opcode = [0xC9]
            return b.finish("enterleave", "leave" + (o16 ? " o16" : ""))
        }
        let level: Int
        switch b.rng.below(10) {
        case 0, 1, 2, 3: level = 0
        case 4, 5, 6: level = 1
        case 7, 8: level = 2 + b.rng.below(4)
        default: level = b.rng.below(256)
        }
        b.opcode = [0xC8]
        // The host writes-probes the final RSP (a #PF below the data pages otherwise): keep the
        // frame inside them.
        let room = Int(b.regs[Reg.rsp] - Layout.dataAddress) - 8 * 33 - 0x100
        b.immBytes(b.rng.chance(70) ? UInt64(b.rng.below(0x200)) : UInt64(b.rng.below(min(room, 0xFFFF))), 2)
        b.immBytes(UInt64(level), 1)
        return b.finish("enterleave", "enter level \(level & 31 > 1 ? "n" : String(level & 31))" + (o16 ? " o16" : ""))
    }

    // MARK: strings

    static func string(_ b: inout Builder) -> TestCase {
        let ops: [(UInt8, String)] = [(0xA4, "movs"), (0xAA, "stos"), (0xAC, "lods"), (0xA6, "cmps"), (0xAE, "scas")]
        let (base, opName) = b.rng.pick(ops)
        let bits = b.pickBits()
        let size = bits / 8
        switch bits {
        case 16: b.legacy.append(0x66)
        case 64: b.rex |= 8
        default: break
        }
        let rep = b.rng.below(3)   // none, F3, F2
        let a32 = !b.mode32 && b.rng.chance(20)
        if a32 { b.legacy.append(0x67) }
        if rep == 1 { b.legacy.append(0xF3) } else if rep == 2 { b.legacy.append(0xF2) }
        b.opcode = [bits == 8 ? base : base + 1]
        let count = rep == 0 ? b.rng.next() : UInt64(b.rng.below(41))
        let df = b.rng.bool()
        b.rflags = (b.rflags & ~Flag.df) | (df ? Flag.df : 0)
        let span = 41 * size + 16
        func pointer(_ b: inout Builder) -> UInt64 {
            var p = Layout.dataAddress + UInt64(span + b.rng.below(Layout.dataSize - 2 * span))
            if b.rng.chance(70) { p &= ~UInt64(size - 1) }
            return p
        }
        let src = pointer(&b), dst = pointer(&b)
        let n = Int(rep == 0 ? 1 : count)
        // Region of each pointer that the instruction walks.
        let srcLo = df ? src - UInt64((n - 1 > 0 ? n - 1 : 0) * size) : src
        let dstLo = df ? dst - UInt64((n - 1 > 0 ? n - 1 : 0) * size) : dst
        if base == 0xA6 && n > 0 && b.rng.chance(60) {
            // CMPS: equal regions with one difference somewhere (or none).
            var bytes: [UInt8] = []
            for _ in 0..<(n * size) { bytes.append(UInt8(truncatingIfNeeded: b.rng.next())) }
            b.pokeBytes(srcLo, bytes)
            if b.rng.chance(70) { bytes[b.rng.below(bytes.count)] ^= UInt8(1 + b.rng.below(255)) }
            b.pokeBytes(dstLo, bytes)
        }
        if base == 0xAE && n > 0 && b.rng.chance(60) {
            // SCAS: fill the region with the accumulator's value, one element different (or not).
            let acc = b.regs[Reg.rax]
            for k in 0..<n { b.poke(dstLo + UInt64(k * size), b.rng.chance(80) ? acc : b.rng.next(), size: size) }
        }
        let wide32 = a32 || b.mode32
        b.regs[Reg.rsi] = src | (wide32 ? b.rng.next() << 32 : 0)
        b.regs[Reg.rdi] = dst | (wide32 ? b.rng.next() << 32 : 0)
        b.regs[Reg.rcx] = wide32 ? (count & 0xFFFF_FFFF) | (b.rng.next() << 32) : count
        b.repeatUntilDone = rep != 0
        b.redundantPrefixes = false
        let repName = ["", "rep ", "repne "][rep]
        return b.finish("string", "\(repName)\(opName)\(bits)\(a32 ? " a32" : "")\(df ? " std" : "")")
    }

    static func xlat(_ b: inout Builder) -> TestCase {
        let a32 = !b.mode32 && b.rng.chance(20)
        if a32 { b.legacy.append(0x67) }
        if b.rng.chance(20) { b.rex |= 8 }
        let table = Layout.dataAddress + UInt64(0x100 + b.rng.below(Layout.dataSize - 0x300))
        b.regs[Reg.rbx] = table | (a32 ? b.rng.next() << 32 : 0)
        b.opcode = [0xD7]
        return b.finish("xlat", "xlat" + (a32 ? " a32" : ""))
    }

    static func movbe(_ b: inout Builder) -> TestCase {
        let bits = b.pickBits([16, 32, 64])
        b.setSize(bits)
        let store = b.rng.bool()
        let (_, e) = b.formEG(bits: bits, memPercent: b.rng.chance(4) ? 0 : 100)
        b.opcode = [0x0F, 0x38, store ? 0xF1 : 0xF0]
        return b.finish("movbe", "movbe \(store ? "M,G" : "G,M")\(bits)\(e.isMemory ? "" : " reg (#UD)")")
    }

    static func nop(_ b: inout Builder) -> TestCase {
        let form = b.rng.below(5)
        if b.rng.chance(30) { b.legacy.append(0x66) }
        switch form {
        case 0:
            b.opcode = [0x90]
            return b.finish("nop", "nop 90")
        default:
            let second: UInt8
            switch form {
            case 1, 2: second = 0x1F
            case 3: second = UInt8(0x18 + b.rng.below(8))
            default: second = 0x0D
            }
            b.opcode = [0x0F, second]
            b.modrmReg = b.rng.below(second == 0x1F && b.rng.chance(70) ? 1 : 8)
            var regForm = false
            if b.rng.chance(15) {
                regForm = true
                b.encodeRegisterRM(b.rng.below(16))
            } else {
                // Hint NOPs never access memory: any address, even non-canonical.
                for r in 0..<16 { b.regs[r] = b.rng.next() }
                b.encodeMemory(b.rng.chance(50) ? b.rng.next() : b.pickEA(size: 1), addr32: b.rng.chance(10), freeEA: true)
            }
            return b.finish("nop", "0f \(String(second, radix: 16)) /\(b.modrmReg! & 7)\(regForm ? " reg" : "")")
        }
    }

    // MARK: 32-bit only

    static func bcd(_ b: inout Builder) -> TestCase {
        let ops: [(UInt8, String, UInt64)] = [(0x27, "daa", Flag.of), (0x2F, "das", Flag.of),
                                              (0x37, "aaa", Flag.of | Flag.sf | Flag.zf | Flag.pf),
                                              (0x3F, "aas", Flag.of | Flag.sf | Flag.zf | Flag.pf),
                                              (0xD4, "aam", Flag.of | Flag.af | Flag.cf), (0xD5, "aad", Flag.of | Flag.af | Flag.cf)]
        let (opc, name, undefined) = b.rng.pick(ops)
        b.regs[Reg.rax] = (b.regs[Reg.rax] & ~0xFFFF) | (b.rng.chance(50) ? b.edge(16) : UInt64(b.rng.below(0x100)) * 0x0101 & 0x0FFF)
        b.opcode = [opc]
        if opc >= 0xD4 {
            b.immBytes(b.rng.chance(70) ? 10 : b.rng.chance(10) ? 0 : b.rng.next(), 1)   // AAM 0: #DE
        }
        b.undefinedFlags = undefined
        return b.finish("bcd32", name)
    }

    static func pusha(_ b: inout Builder) -> TestCase {
        b.reserve(Reg.rsp)
        let o16 = b.rng.chance(25)
        if o16 { b.legacy.append(0x66) }
        let popa = b.rng.bool()
        b.opcode = [popa ? 0x61 : 0x60]
        b.redundantPrefixes = false
        return b.finish("pusha32", (popa ? "popa" : "pusha") + (o16 ? "16" : "32"))
    }

    // MARK: random bytes

    /// Register values for random code: small, inside the data pages, or far from anything
    /// the harness maps (so a random memory access cannot touch the harness's own memory).
    static func safeValue(_ b: inout Builder) -> UInt64 {
        switch b.rng.below(10) {
        case 0: return 0
        case 1: return UInt64(b.rng.below(0x100))
        // (32-bit mode: nothing near 0xFFFFFFFF, where an access past the 4 GiB segment limit
        // raises #GP on the host; the emulator has no segment limit checks yet.)
        case 2: return b.mode32 ? 0x7FFF_0000 : ~0
        case 3: return 0x8000_0000_0000_0000 | b.rng.next() & (b.mode32 ? 0x7FFF_FFFF : ~0)
        case 4, 5, 6: return Layout.dataAddress + UInt64(0x800 + b.rng.below(Layout.dataSize - 0x1000))
        case 7: return b.rng.pick(b.mode32 ? [0x7FFF_FFFF, 0x8000_0000] : [0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, 0xFFFF_FFFF_8000_0000] as [UInt64])
        default: return UInt64(b.rng.below(0x1000)) | 0xFFFF_8000_0000_0000
        }
    }

    /// Opcodes the harness must not run natively: system calls, software interrupts, far
    /// transfers, segment and FS/GS-base writes, VEX/EVEX (vector registers hold harness
    /// pointers that gathers would use), and instructions the emulator cannot model the same way
    /// (CPUID, RDTSC, RDRAND, POPF with arbitrary flags).
    static func acceptableRandom(_ bytes: [UInt8], mode32: Bool) -> Bool {
        var i = 0
        while i < bytes.count {
            let p = bytes[i]
            if [0x64, 0x65].contains(p) || (mode32 && p == 0x2E) { return false }
            if [0x66, 0x67, 0xF0, 0xF2, 0xF3, 0x2E, 0x3E, 0x26, 0x36].contains(p) || (!mode32 && (p & 0xF0) == 0x40) { i += 1; continue }
            break
        }
        guard i < bytes.count else { return false }
        let op = bytes[i]
        let modrm: UInt8? = i + 1 < bytes.count ? bytes[i + 1] : nil
        switch op {
        case 0xC4, 0xC5, 0x62, 0x8F, 0xCC, 0xCD, 0xCE, 0xF1, 0xCF, 0xCA, 0xCB, 0x9D, 0x8E, 0x9A, 0xEA:
            return false
        case 0x07, 0x17, 0x1F:
            return false   // POP ES/SS/DS (32-bit mode): segment loads
        case 0x6C, 0x6D, 0x6E, 0x6F, 0xE4, 0xE5, 0xE6, 0xE7, 0xEC, 0xED, 0xEE, 0xEF, 0xF4, 0xFA, 0xFB:
            // I/O, HLT, CLI/STI: #GP at CPL 3 on the host; the emulator does not model privilege yet.
            return false
        case 0xFF:
            if let m = modrm, (m >> 3) & 7 == 3 || (m >> 3) & 7 == 5 { return false }
            return true
        case 0x0F:
            guard let op2 = modrm else { return false }
            let m3: UInt8? = i + 2 < bytes.count ? bytes[i + 2] : nil
            switch op2 {
            case 0x00, 0x01, 0x02, 0x03, 0x05, 0x07, 0x34, 0x35, 0x31, 0x33, 0xA2, 0xAE, 0xA1, 0xA9, 0x37, 0x0E, 0x77:
                return false
            case 0xB2, 0xB4, 0xB5:
                return false   // LSS/LFS/LGS: segment loads (LFS/LGS would move the harness's TLS base)
            case 0x06, 0x08, 0x09, 0x20, 0x21, 0x22, 0x23, 0x30, 0x32:
                // CLTS, INVD, WBINVD, MOV CRn/DRn, WRMSR, RDMSR: privileged (not modelled yet).
                return false
            case 0xC7:
                if let m = m3, m >> 6 == 3 { return false }
                return true
            case 0x38, 0x3A:
                return true
            default:
                return true
            }
        default:
            return true
        }
    }

    static func random(_ b: inout Builder) -> TestCase {
        b.redundantPrefixes = false
        var bytes: [UInt8] = []
        repeat {
            bytes = []
            let n = 1 + b.rng.below(15)
            for _ in 0..<n { bytes.append(UInt8(truncatingIfNeeded: b.rng.next())) }
            if b.rng.chance(30) { bytes.insert(0x0F, at: b.rng.below(min(3, bytes.count) + 1)) }
        } while !acceptableRandom(bytes, mode32: b.mode32)
        for r in 0..<16 { b.regs[r] = safeValue(&b) }
        b.regs[Reg.rcx] = UInt64(b.rng.below(0x200))
        b.regs[Reg.rsp] = b.stackAddress()
        b.opcode = bytes
        var c = b.finish(b.mode32 ? "random32" : "random", "random")
        c.probeLength = true
        return c
    }
}
