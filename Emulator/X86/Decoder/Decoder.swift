// Layer: X86 (CPU model), decoder. Turns instruction bytes into a DecodedInstruction, driven by
// the opcode maps. Handles legacy prefixes (repeated and redundant ones too), REX, ModRM, SIB,
// displacements, RIP-relative addressing, immediates, the 15-byte limit (#GP) and undefined
// encodings (#UD). It never reads past the bytes it is given.

public struct DecodeInfo {
    /// The table entry (nil when the encoding is undefined).
    public var entry: OpcodeEntry?
    public var mode: CPUMode = .long64
    public var operandSizeBytes: Int = 4
    public var addressSizeBytes: Int = 8
    public var hasModRM = false
    public var modrm: UInt8 = 0
    public var isMemory = false
    /// ModRM.reg and .rm with REX extensions applied (register numbers 0-15).
    public var regNumber = 0
    public var rmNumber = 0
    /// Register from the opcode's low three bits (+REX.B), for Z operands.
    public var opcodeRegNumber = 0
    public var rex: UInt8 = 0
    public var segmentOverride: Int? = nil
    /// Prefix bytes in order, for the disassembler.
    public var prefixBytes: [UInt8] = []
    /// Memory operand shape, as register numbers (Reg.zero if absent, Reg.rip for RIP-relative).
    public var base = Reg.zero
    public var index = Reg.zero
    public var scale = 0
    public var disp: Int64 = 0
    public var imm: UInt64 = 0
    public var imm2: UInt16 = 0
    public var length = 0
    public var mandatoryPrefixUsed: UInt8 = 0
    /// Bytes of displacement actually encoded (0, 1, 4; 4 or 8 for a moffs): the disassembler
    /// prints an encoded displacement even when it is zero, as objdump does.
    public var dispSize = 0
    /// A SIB byte was present.
    public var hasSIB = false
    /// Encoded sizes in bytes of the first and second immediate (0 when absent).
    public var immSize = 0
    public var imm2Size = 0
    /// For relative branches: the absolute target (already truncated to the mode's width).
    public var branchTarget: UInt64 = 0
    /// F0 seen; the last of F2/F3 seen (0 if none).
    public var lockPrefix = false
    public var repPrefix: UInt8 = 0
    /// Why decoding produced a fault (nil for an instruction). `length` is then the number of
    /// bytes examined, at least 1 (for `.missingHandler` and `.lockNotAllowed` the full length).
    public var failure: DecodeFailure? = nil
}

/// Why an encoding faults at decode time.
public enum DecodeFailure: Sendable, Equatable {
    /// No instruction has this encoding (an `.invalid` table node): #UD.
    case undefined
    /// Defined, but not in this mode (invalid64 / only64): #UD.
    case invalidInMode
    /// The ModRM form is not allowed (M operand with mod=3, R with memory, bad Sreg): #UD.
    case badOperandForm
    /// 16-bit addressing is not supported yet: #UD.
    case unsupportedAddressSize
    /// Longer than 15 bytes: #GP(0).
    case tooLong
    /// LOCK on an instruction (or form) that does not accept it: #UD.
    case lockNotAllowed
    /// The table entry is defined but has no handler for this size/form (not implemented): #UD.
    case missingHandler
}

public enum DecodeOutcome {
    case instruction(DecodedInstruction, DecodeInfo)
    /// The bytes form an instruction that raises this exception when executed (#UD or #GP).
    case fault(CPUFault, DecodeInfo)
    /// Fewer bytes were available than the instruction needs (and fewer than 15).
    case truncated
}

public enum Decoder {
    /// The longest legal instruction; a longer one raises #GP(0).
    public static let maxLength = 15

    /// Decodes one instruction. `bytes` must be readable for `available` bytes.
    /// `address` is the instruction's virtual address (RIP), used for RIP-relative and branch targets.
    public static func decode(_ bytes: UnsafeRawPointer, available: Int, address: UInt64, mode: CPUMode) -> DecodeOutcome {
        var d = Cursor(bytes: bytes, available: min(available, maxLength + 1))
        var info = DecodeInfo()
        info.mode = mode
        let long = mode == .long64
        // Every fault records why and how many bytes were examined (the disassembler needs both).
        func fail(_ fault: CPUFault, _ why: DecodeFailure) -> DecodeOutcome {
            info.failure = why
            info.length = max(d.offset, 1)
            return .fault(fault, info)
        }
        // Out of bytes: past the 15-byte limit it is #GP(0), otherwise the caller has to supply more.
        func ranOut() -> DecodeOutcome {
            d.exhausted ? fail(.gp(0), .tooLong) : .truncated
        }

        // 1. Legacy prefixes, then (64-bit mode only) REX. A REX followed by another prefix is ignored.
        var opsize16 = false, addrOverride = false
        var lock = false, lastRep: UInt8 = 0
        var rex: UInt8 = 0
        var byte: UInt8 = 0
        prefixLoop: while true {
            guard let b = d.next() else { return ranOut() }
            switch b {
            case 0xF0: lock = true
            case 0xF2, 0xF3: lastRep = b
            case 0x66: opsize16 = true
            case 0x67: addrOverride = true
            case 0x26: info.segmentOverride = Seg.es
            case 0x2E: info.segmentOverride = Seg.cs
            case 0x36: info.segmentOverride = Seg.ss
            case 0x3E: info.segmentOverride = Seg.ds
            case 0x64: info.segmentOverride = Seg.fs
            case 0x65: info.segmentOverride = Seg.gs
            case 0x40...0x4F where long:
                if rex != 0 { info.prefixBytes.append(rex) }  // an earlier REX is ignored
                rex = b
                continue prefixLoop
            default:
                byte = b
                break prefixLoop
            }
            if rex != 0 { info.prefixBytes.append(rex); rex = 0 }  // a prefix after REX cancels it
            info.prefixBytes.append(b)
        }
        info.rex = rex
        let rexW = rex & 8 != 0, rexR = rex & 4 != 0, rexX = rex & 2 != 0, rexB = rex & 1 != 0

        // 2. Opcode bytes and map.
        var node: OpcodeNode
        var opcodeByte = byte
        if byte == 0x0F {
            guard let b2 = d.next() else { return ranOut() }
            if b2 == 0x38 || b2 == 0x3A {
                guard let b3 = d.next() else { return ranOut() }
                node = b2 == 0x38 ? OpcodeMaps.map0F38[Int(b3)] : OpcodeMaps.map0F3A[Int(b3)]
                opcodeByte = b3
            } else {
                node = OpcodeMaps.map0F[Int(b2)]
                opcodeByte = b2
            }
        } else {
            node = OpcodeMaps.oneByte[Int(byte)]
        }
        info.opcodeRegNumber = Int(opcodeByte & 7) | (rexB ? 8 : 0)

        // 3. Resolve prefix/ModRM-selected nodes. ModRM is read at most once.
        var modrmRead = false
        var undefinedInGroup: OpcodeEntry? = nil
        var consumedRep = false
        resolve: while true {
            switch node {
            case .invalid:
                info.entry = nil
                return fail(.ud, .undefined)
            case .instruction:
                break resolve
            case let .byMode(longNode, legacyNode):
                node = long ? longNode : legacyNode
            case let .byPrefix(none, p66, pF3, pF2):
                if lastRep == 0xF3, let n = pF3 { node = n; consumedRep = true; info.mandatoryPrefixUsed = 0xF3 }
                else if lastRep == 0xF2, let n = pF2 { node = n; consumedRep = true; info.mandatoryPrefixUsed = 0xF2 }
                else if opsize16, let n = p66 { node = n; info.mandatoryPrefixUsed = 0x66 }
                else { node = none }
            case .group, .byMod, .byRM:
                if !modrmRead {
                    guard let m = d.next() else { return ranOut() }
                    info.modrm = m; modrmRead = true; info.hasModRM = true
                }
                let m = info.modrm
                switch node {
                case let .group(nodes):
                    node = nodes[Int((m >> 3) & 7)]
                    // An undefined /digit still has its opcode's length on real CPUs (C7 /2 is
                    // ModRM + imm32): decode it with a defined sibling's shape so an instruction
                    // longer than 15 bytes is #GP (as the host reports), then #UD.
                    if case .invalid = node, undefinedInGroup == nil {
                        for sibling in nodes { if case let .instruction(e) = sibling { undefinedInGroup = e; break } }
                        if let e = undefinedInGroup { node = .instruction(e) }
                    }
                case let .byMod(memory, register): node = (m >> 6) == 3 ? register : memory
                case let .byRM(nodes): node = nodes[Int(m & 7)]
                default: break
                }
            }
        }
        guard case let .instruction(entry) = node else { return fail(.ud, .undefined) }
        info.entry = entry
        let attrs = entry.attributes

        info.lockPrefix = lock
        info.repPrefix = lastRep
        if long && attrs.contains(.invalid64) { return fail(.ud, .invalidInMode) }
        if !long && attrs.contains(.only64) { return fail(.ud, .invalidInMode) }

        // 4. Operand and address size.
        let isByte = entry.isByteOperation
        var opsize: Int
        if long {
            // Near branches: 64-bit, except that the AMD reference CPU honours 66 (without REX.W)
            // as a 16-bit operand size (measured on the host; Intel ignores 66 here).
            if attrs.contains(.force64) { opsize = opsize16 && !rexW ? 2 : 8 }
            else if rexW { opsize = 8 }
            else if attrs.contains(.default64) { opsize = opsize16 && info.mandatoryPrefixUsed != 0x66 ? 2 : 8 }
            else { opsize = opsize16 && info.mandatoryPrefixUsed != 0x66 ? 2 : 4 }
        } else if mode == .mode16 {
            // 16-bit code segment: 66 selects a 32-bit operand (unless it is a mandatory prefix).
            opsize = opsize16 && info.mandatoryPrefixUsed != 0x66 ? 4 : 2
        } else {
            opsize = opsize16 && info.mandatoryPrefixUsed != 0x66 ? 2 : 4
        }
        if isByte { opsize = 1 }
        let addrsize = long ? (addrOverride ? 4 : 8) : mode == .mode16 ? (addrOverride ? 4 : 2) : (addrOverride ? 2 : 4)
        info.operandSizeBytes = opsize
        info.addressSizeBytes = addrsize

        // 5. ModRM, SIB, displacement.
        var isMemory = false
        if entry.needsModRM && !modrmRead {
            guard let m = d.next() else { return ranOut() }
            info.modrm = m; modrmRead = true; info.hasModRM = true
        }
        if modrmRead {
            let m = info.modrm
            let mod = m >> 6
            info.regNumber = Int((m >> 3) & 7) | (rexR ? 8 : 0)
            info.rmNumber = Int(m & 7) | (rexB ? 8 : 0)
            if mod != 3 && !attrs.contains(.modIgnored) {
                isMemory = true
                var rmLow = Int(m & 7)
                if addrsize == 2 {
                    // 16-bit addressing (67 prefix in 32-bit mode; real mode later): no SIB,
                    // rm picks one of eight base/index pairs, disp8 or disp16, and the sum
                    // wraps at 64 KiB (see DecodedInstruction.addr16).
                    let pairs: [(Int, Int)] = [(Reg.rbx, Reg.rsi), (Reg.rbx, Reg.rdi), (Reg.rbp, Reg.rsi),
                                               (Reg.rbp, Reg.rdi), (Reg.rsi, Reg.zero), (Reg.rdi, Reg.zero),
                                               (Reg.rbp, Reg.zero), (Reg.rbx, Reg.zero)]
                    (info.base, info.index) = pairs[rmLow]
                    if mod == 0 && rmLow == 6 {
                        info.base = Reg.zero   // [disp16] alone
                        guard let v = d.signed(2) else { return ranOut() }
                        info.disp = v; info.dispSize = 2
                    } else if mod == 1 {
                        guard let v = d.signed(1) else { return ranOut() }
                        info.disp = v; info.dispSize = 1
                    } else if mod == 2 {
                        guard let v = d.signed(2) else { return ranOut() }
                        info.disp = v; info.dispSize = 2
                    }
                    rmLow = -1  // done: skip the 32/64-bit forms below
                }
                if rmLow == -1 {
                    // 16-bit form decoded above.
                } else if rmLow == 4 {
                    guard let sib = d.next() else { return ranOut() }
                    info.hasSIB = true
                    let idx = Int((sib >> 3) & 7) | (rexX ? 8 : 0)
                    info.index = idx == 4 ? Reg.zero : idx  // index 100b without REX.X means none
                    info.scale = Int(sib >> 6)
                    rmLow = Int(sib & 7)
                    if rmLow == 5 && mod == 0 {
                        info.base = Reg.zero
                        guard let v = d.signed(4) else { return ranOut() }
                        info.disp = v; info.dispSize = 4
                    } else {
                        info.base = rmLow | (rexB ? 8 : 0)
                    }
                } else if rmLow == 5 && mod == 0 {
                    // disp32 alone: RIP-relative in 64-bit mode, absolute in 32-bit mode.
                    info.base = long ? Reg.rip : Reg.zero
                    guard let v = d.signed(4) else { return ranOut() }
                    info.disp = v; info.dispSize = 4
                } else {
                    info.base = rmLow | (rexB ? 8 : 0)
                }
                if addrsize != 2 && mod == 1 {
                    guard let v = d.signed(1) else { return ranOut() }
                    info.disp = v; info.dispSize = 1
                } else if addrsize != 2 && mod == 2 {
                    guard let v = d.signed(4) else { return ranOut() }
                    info.disp = v; info.dispSize = 4
                }
            }
        }
        info.isMemory = isMemory

        // Operand-shape checks that need ModRM (not for an undefined /digit decoded for its length).
        for op in entry.operands where undefinedInGroup == nil {
            switch op {
            case .M: if !isMemory { return fail(.ud, .badOperandForm) }
            case .R, .U: if isMemory { return fail(.ud, .badOperandForm) }
            case .S: if (info.modrm >> 3) & 7 > 5 { return fail(.ud, .badOperandForm) }
            default: break
            }
        }

        // 6. Immediates and offsets, in operand order.
        var immCount = 0
        for op in entry.operands {
            var size = 0
            var isOffset = false
            switch op {
            case .I(let s), .J(let s):
                switch s {
                case .b, .bs: size = 1
                case .w: size = 2
                case .d: size = 4
                case .q: size = 8
                case .x: size = 16
                case .z: size = opsize == 2 ? 2 : 4
                case .v: size = opsize
                case .y: size = opsize == 8 ? 8 : 4
                }
                if case .J = op, long { size = s == .b ? 1 : (opsize == 2 ? 2 : 4) }
            case .O:
                size = addrsize; isOffset = true
            case .farPointer:
                guard let off = d.unsigned(opsize == 2 ? 2 : 4), let sel = d.unsigned(2) else {
                    return ranOut()
                }
                info.imm = off; info.imm2 = UInt16(sel)
                info.immSize = opsize == 2 ? 2 : 4; info.imm2Size = 2
                continue
            default: continue
            }
            if isOffset {
                guard let v = d.unsigned(size) else { return ranOut() }
                info.disp = Int64(bitPattern: v); info.dispSize = size
                info.base = Reg.zero; info.index = Reg.zero; info.scale = 0
                isMemory = true
                continue
            }
            guard let v = d.signed(size) else { return ranOut() }
            if immCount == 0 { info.imm = UInt64(bitPattern: v); info.immSize = size }
            else { info.imm2 = UInt16(truncatingIfNeeded: v); info.imm2Size = size }
            immCount += 1
        }
        info.isMemory = isMemory
        info.length = d.offset
        if d.offset > maxLength { return fail(.gp(0), .tooLong) }
        if undefinedInGroup != nil {
            info.entry = nil
            return fail(.ud, .undefined)
        }

        // Relative branch targets become absolute. They wrap at the operand size: 32 bits
        // outside 64-bit mode, 16 bits with a 16-bit operand size in any mode.
        let next = address &+ UInt64(d.offset)
        for op in entry.operands {
            if case .J = op {
                var target = next &+ info.imm
                if !long || opsize == 2 { target &= opsize == 2 ? 0xFFFF : 0xFFFF_FFFF }
                info.branchTarget = target
            }
        }

        // 7. LOCK: only on lockable instructions with a memory destination.
        if lock && !(attrs.contains(.lockable) && isMemory) { return fail(.ud, .lockNotAllowed) }

        // 8. Build the decoded record.
        let sizeIndex = opsize == 1 ? 0 : opsize == 2 ? 1 : opsize == 4 ? 2 : 3
        guard let handler = entry.handlers.handler(sizeIndex: sizeIndex, memory: isMemory) else {
            return fail(.ud, .missingHandler)
        }
        var di = DecodedInstruction(handler: handler)
        di.length = UInt8(d.offset)
        di.nextRIP = long ? next : next & 0xFFFF_FFFF
        di.operandSize = UInt8(opsize)
        di.addr32 = addrsize == 4
        di.addr16 = addrsize == 2
        di.imm = info.imm
        di.imm2 = info.imm2
        // x87 (one-byte opcodes D8-DF): the 11-bit FPU opcode FOP (escape byte's low 3 bits,
        // ModRM), which FNSTENV/FXSAVE report; its low 3 bits name ST(i) in register forms.
        if byte != 0x0F && opcodeByte & 0xF8 == 0xD8 { di.imm2 = UInt16(opcodeByte & 7) << 8 | UInt16(info.modrm) }
        var prefixes: Prefixes = []
        if lock { prefixes.insert(.lock) }
        if !consumedRep && lastRep == 0xF3 { prefixes.insert(.rep) }
        if !consumedRep && lastRep == 0xF2 { prefixes.insert(.repne) }
        if opsize16 { prefixes.insert(.operandSize) }
        if addrOverride { prefixes.insert(.addressSize) }
        if info.segmentOverride != nil { prefixes.insert(.segmentOverride) }
        if rex != 0 { prefixes.insert(.rex) }
        if rexW { prefixes.insert(.rexW) }
        di.prefixes = prefixes

        // Relative branch targets become absolute.
        for op in entry.operands {
            if case .J = op { di.imm = info.branchTarget }
        }

        // Register operands as byte offsets into the register file.
        func offset(_ n: Int, byte: Bool) -> UInt8 {
            if byte && rex == 0 && n >= 4 && n < 8 { return UInt8((n - 4) * 8 + 1) }  // AH, CH, DH, BH
            return UInt8(n * 8)
        }
        var eSlotUsed = entry.hasEOperand
        for op in entry.operands {
            switch op {
            case .G(let s): di.reg = offset(info.regNumber, byte: s == .b)
            case .E(let s), .R(let s), .M(let s):
                if !isMemory { di.rm = offset(info.rmNumber, byte: s == .b) }
            case .Z(let s):
                if eSlotUsed { di.reg = offset(info.opcodeRegNumber, byte: s == .b) }
                else { di.rm = offset(info.opcodeRegNumber, byte: s == .b); eSlotUsed = true }
            case .fixed(let n, _):
                // A fixed operand after E and G (SHLD/SHRD's CL) must not replace G in `reg`.
                if eSlotUsed { if !entry.operands.contains(where: { if case .G = $0 { return true }; return false }) { di.reg = UInt8(n * 8) } }
                else { di.rm = UInt8(n * 8); eSlotUsed = true }
            case .S, .C, .D:
                di.reg = UInt8((info.modrm >> 3) & 7) | (rexR ? 8 : 0)
            // SSE: byte offsets into the XMM file (CPUState.xmm), 16 bytes per register.
            case .V: di.reg = UInt8(info.regNumber * 16)
            case .W, .U: if !isMemory { di.rm = UInt8(info.rmNumber * 16) }
            default: break
            }
        }
        if isMemory {
            di.base = UInt8(info.base)
            di.index = UInt8(info.index)
            di.scale = UInt8(info.scale)
            di.disp = UInt64(bitPattern: info.disp)
            if info.base == Reg.rip {
                // RIP-relative: blocks are keyed by their virtual address, so the next RIP is
                // known here and the address becomes absolute; handlers never read RIP.
                // (With a 32-bit address size, effectiveAddress truncates the sum.)
                di.base = UInt8(Reg.zero)
                di.disp = next &+ di.disp
            }
            di.segment = UInt8(effectiveSegment(info: info, long: long))
        } else {
            // Implicit memory operands (string source DS:rSI, XLAT's DS:[rBX+AL]) honour the
            // segment override too: record it (base is Reg.zero here, so the default is DS).
            di.segment = UInt8(effectiveSegment(info: info, long: long))
        }
        return .instruction(di, info)
    }

    /// The segment a memory operand uses: the override, else SS for rSP/rBP bases, else DS.
    /// In 64-bit mode only FS and GS have bases; the rest use the always-zero slot.
    static func effectiveSegment(info: DecodeInfo, long: Bool) -> Int {
        let defaultSegment = info.base == Reg.rsp || info.base == Reg.rbp ? Seg.ss : Seg.ds
        if long {
            // 64-bit mode ignores ES/CS/SS/DS overrides entirely (they are null prefixes, so an
            // SS override does not turn a non-canonical #GP into #SS: checked on the host).
            // Only FS and GS have bases.
            if let o = info.segmentOverride, o == Seg.fs || o == Seg.gs { return o }
            return defaultSegment == Seg.ss ? Seg.stack64 : Seg.flat64
        }
        return info.segmentOverride ?? defaultSegment
    }
}

/// Reads instruction bytes without ever going past `available`.
struct Cursor {
    let bytes: UnsafeRawPointer
    let available: Int
    var offset = 0
    /// True when we stopped because the 15-byte limit (not the buffer) was reached.
    var exhausted: Bool { offset >= Decoder.maxLength }

    init(bytes: UnsafeRawPointer, available: Int) { self.bytes = bytes; self.available = available }

    mutating func next() -> UInt8? {
        guard offset < available, offset < Decoder.maxLength else {
            if offset >= Decoder.maxLength { offset = Decoder.maxLength }
            return nil
        }
        let b = bytes.load(fromByteOffset: offset, as: UInt8.self)
        offset += 1
        return b
    }

    mutating func unsigned(_ n: Int) -> UInt64? {
        var v: UInt64 = 0
        for i in 0..<n {
            guard let b = next() else { return nil }
            v |= UInt64(b) << UInt64(8 * i)
        }
        return v
    }

    mutating func signed(_ n: Int) -> Int64? {
        guard let u = unsigned(n) else { return nil }
        let shift = UInt64(64 - 8 * n)
        return n == 8 ? Int64(bitPattern: u) : Int64(bitPattern: u << shift) >> Int64(shift)
    }
}
