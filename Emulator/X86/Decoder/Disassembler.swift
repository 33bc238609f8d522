// Layer: X86 (CPU model), decoder side: the disassembler. It has no opcode knowledge of its own:
// it runs `Decoder.decode` and prints the table entry the decoder chose (mnemonic + operand
// specs, OpcodeTable.swift) with the operands the decoder found (DecodeInfo). What lives here is
// only *syntax*: register names, how Intel and AT&T (GNU as) spell memory operands, immediates,
// prefixes and size suffixes. The output follows GNU objdump, which the tests use as the oracle.
//
// Not on the hot path (tracer, debugger, tests): it allocates Strings freely.

public enum AssemblySyntax: Sendable {
    /// `mov dword ptr [rax+0x10], ecx`
    case intel
    /// `movl %ecx,0x10(%rax)` (GNU as): operands reversed, %registers, $immediates, size suffixes.
    case att
}

public enum Disassembler {
    /// Disassembles the instruction at the start of `bytes`, located at virtual address `address`
    /// (used for branch targets and RIP-relative comments). Returns the text and the number of
    /// bytes it covers. Undefined encodings print as "(bad)"; their length is the number of bytes
    /// the decoder examined (at least 1), so a caller can step past them.
    public static func format(bytes: [UInt8], address: UInt64 = 0, mode: CPUMode = .long64,
                              syntax: AssemblySyntax = .intel) -> (text: String, length: Int) {
        if bytes.isEmpty { return ("(bad)", 0) }
        let outcome = bytes.withUnsafeBytes { raw in
            Decoder.decode(raw.baseAddress!, available: raw.count, address: address, mode: mode)
        }
        switch outcome {
        case .truncated:
            return ("(bad)", bytes.count)
        case let .instruction(_, info):
            return (Printer(info: info, entry: info.entry!, address: address, syntax: syntax).text(), info.length)
        case let .fault(_, info):
            // Defined encodings that fault only because no handler exists yet, or because of a
            // misplaced LOCK, still have a meaning worth printing (objdump prints them too).
            if let entry = info.entry, info.failure == .missingHandler || info.failure == .lockNotAllowed {
                return (Printer(info: info, entry: entry, address: address, syntax: syntax).text(), info.length)
            }
            return ("(bad)", max(info.length, 1))
        }
    }

    /// Disassembles consecutive instructions (for listings and tests): one line per instruction,
    /// "address: text".
    public static func listing(bytes: [UInt8], address: UInt64 = 0, mode: CPUMode = .long64,
                               syntax: AssemblySyntax = .intel) -> [String] {
        var lines: [String] = []
        var offset = 0
        while offset < bytes.count {
            let (text, length) = format(bytes: Array(bytes[offset...]), address: address &+ UInt64(offset),
                                        mode: mode, syntax: syntax)
            lines.append(hex(address &+ UInt64(offset)) + ": " + text)
            offset += max(length, 1)
        }
        return lines
    }

    // MARK: register names

    static let names64 = ["rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
                          "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"]
    static let names32 = ["eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi",
                          "r8d", "r9d", "r10d", "r11d", "r12d", "r13d", "r14d", "r15d"]
    static let names16 = ["ax", "cx", "dx", "bx", "sp", "bp", "si", "di",
                          "r8w", "r9w", "r10w", "r11w", "r12w", "r13w", "r14w", "r15w"]
    /// Byte registers when a REX prefix is present: 4-7 are the low bytes of RSP..RDI.
    static let names8REX = ["al", "cl", "dl", "bl", "spl", "bpl", "sil", "dil",
                            "r8b", "r9b", "r10b", "r11b", "r12b", "r13b", "r14b", "r15b"]
    /// Without REX, byte registers 4-7 are the high bytes of RAX..RBX.
    static let names8 = ["al", "cl", "dl", "bl", "ah", "ch", "dh", "bh"]

    /// Name of general register `n` (0-15) at `size` bytes; `rex` selects SPL..DIL over AH..BH.
    public static func registerName(_ n: Int, size: Int, rex: Bool) -> String {
        let i = n & 15
        switch size {
        case 1: return rex ? names8REX[i] : (i < 8 ? names8[i] : names8REX[i])
        case 2: return names16[i]
        case 4: return names32[i]
        default: return names64[i]
        }
    }

    static func hex(_ v: UInt64) -> String { "0x" + String(v, radix: 16) }
}

/// Formats one decoded instruction. Everything it knows about the instruction comes from the
/// table entry and DecodeInfo.
private struct Printer {
    let info: DecodeInfo
    let entry: OpcodeEntry
    let address: UInt64
    let syntax: AssemblySyntax

    var att: Bool { syntax == .att }
    var long: Bool { info.mode == .long64 }
    var opsize: Int { info.operandSizeBytes }
    var rexPresent: Bool { info.rex != 0 }

    /// One rendered operand, before syntax-specific ordering.
    enum Operand {
        case register(String, size: Int, sizing: Bool)
        case memory(String, size: Int)
        case immediate(UInt64, width: Int)
        case target(UInt64)
        case one
        case port  // DX as an I/O port
    }

    /// Bytes an operand of size `s` occupies.
    func bytes(_ s: OperandSize) -> Int {
        switch s {
        case .b: return 1
        case .w: return 2
        case .d: return 4
        case .q: return 8
        case .v, .bs: return opsize
        case .z: return opsize == 2 ? 2 : 4
        case .y: return opsize == 8 ? 8 : 4
        case .x: return 16
        }
    }

    func reg(_ n: Int, _ size: Int) -> String {
        let name = Disassembler.registerName(n, size: size, rex: rexPresent)
        return att ? "%" + name : name
    }

    // MARK: what the instruction uses (decides which prefixes are printed as plain names)

    var isString: Bool {
        entry.operands.contains { if case .X = $0 { return true }; if case .Y = $0 { return true }; return false }
    }
    var hasSourceString: Bool { entry.operands.contains { if case .X = $0 { return true }; return false } }
    var hasBranch: Bool { entry.operands.contains { if case .J = $0 { return true }; return false } }
    var nameParts: [Substring] { entry.mnemonic.split(separator: " ", maxSplits: 1)[0].split(separator: "/") }
    /// "nop/xchg" resolved to NOP (no operands): the register is eAX and there is no 66
    /// (objdump prints 66 90 as "xchg ax,ax").
    var isPlainNop: Bool {
        let parts = nameParts
        return parts.count == 2 && parts[0] == "nop" && info.opcodeRegNumber == 0 && !info.prefixBytes.contains(0x66)
    }
    /// MOV to/from Sreg: the SDM's "Mw/Rv": a register operand has the operand size.
    var sregRegisterForm: Bool { !info.isMemory && entry.operands.contains(.S) }
    var stackSized: Bool { entry.attributes.contains(.default64) || entry.attributes.contains(.force64) }
    /// "push fs": PUSH/POP of a segment register (the only names with an operand).
    var hasEmbeddedOperand: Bool { entry.mnemonic.contains(" ") }

    /// The operation's size depends on the operand-size attribute: 66 matters when `capped`
    /// sizes count (z: 16 or 32), REX.W only for sizes that can be 64 (v, y).
    func sizeDependent(rexW: Bool) -> Bool {
        if isPlainNop { return false }
        if entry.isByteOperation { return false }
        // CRC32 r, r/m8 (F2 0F 38 F0): REX.W widens the destination, 66 changes nothing.
        if entry.mnemonic == "crc32" && entry.operands.contains(.E(.b)) { return rexW }
        if nameParts.count == 3 && !hasBranch { return true }
        if nameParts.count == 2 && rexW { return true }  // "cmpxchg8b/cmpxchg16b": only REX.W matters
        // Near branches: 66 selects 16 bits on the AMD reference CPU (the decoder follows it);
        // objdump still calls 66 on a rel8 branch "data16", as its encoding does not change.
        if entry.attributes.contains(.force64) { return !rexW && !entry.operands.contains(.J(.b)) }
        if entry.attributes.contains(.default64) || hasEmbeddedOperand { return !rexW }
        if sregRegisterForm { return true }
        for op in entry.operands {
            switch op {
            case .E(let s), .G(let s), .M(let s), .R(let s), .I(let s), .Z(let s), .O(let s), .X(let s), .Y(let s),
                 .fixed(_, let s):
                if s == .v || s == .y || s == .bs { return true }
                if s == .z && !rexW { return true }
            default: break
            }
        }
        return false
    }

    /// Segment override shown inside a memory operand (else it is printed as a prefix name):
    /// in 64-bit mode only FS and GS do anything, and objdump prints the others as prefixes.
    var segmentInOperand: Bool {
        guard let s = info.segmentOverride else { return false }
        if !long || s == Seg.fs || s == Seg.gs { return info.isMemory || hasSourceString }
        return false
    }

    /// A segment override a string source operand absorbs: in 64-bit mode ES/CS/SS/DS equal DS
    /// there, so objdump prints nothing for them.
    var segmentAbsorbedByString: Bool { hasSourceString && info.segmentOverride != nil }

    /// String instructions print as movsb/stosq... unless a segment or address-size override
    /// needs the operands spelled out.
    var stringFullForm: Bool {
        info.prefixBytes.contains(0x67) || (segmentInOperand && hasSourceString)
    }

    /// A relative branch other than JMP/CALL (Jcc, LOOPcc, JrCXZ).
    var conditionalBranch: Bool {
        hasBranch && !entry.mnemonic.hasPrefix("jmp") && !entry.mnemonic.hasPrefix("call")
    }

    var addressSizeUsed: Bool { info.isMemory || isString || (hasBranch && nameParts.count == 3) }

    // MARK: mnemonic

    func baseMnemonic() -> String {
        let parts = nameParts
        if isPlainNop { return "nop" }
        if parts.count == 2 && parts[0] == "nop" { return String(parts[1]) }
        if parts.count == 3 {
            let size = hasBranch ? info.addressSizeBytes : opsize
            return String(parts[size == 2 ? 0 : size == 4 ? 1 : 2])
        }
        if parts.count == 2 { return String(parts[opsize == 8 ? 1 : 0]) }
        return String(parts[0])
    }

    static let attNames = ["cbw": "cbtw", "cwde": "cwtl", "cdqe": "cltq",
                           "cwd": "cwtd", "cdq": "cltd", "cqo": "cqto"]

    /// Instructions whose memory operand has one fixed size: GNU objdump prints no AT&T suffix.
    static let unsuffixedMemoryMnemonics: Set<String> = ["invlpg", "fldcw", "fnstcw", "fnstsw", "fxsave",
                                                         "fxrstor", "fxsave64", "fxrstor64"]

    static func suffix(_ size: Int, att: Bool) -> String {
        switch size {
        case 1: return "b"
        case 2: return "w"
        case 4: return att ? "l" : "d"
        default: return "q"
        }
    }

    // MARK: operands

    func stringOperandSize() -> Int {
        for op in entry.operands {
            switch op {
            case .X(let s), .Y(let s): return bytes(s)
            default: continue
            }
        }
        return opsize
    }

    func memoryText(size: Int, isMoffs: Bool) -> String {
        let a32 = info.addressSizeBytes == 4
        let a16 = info.addressSizeBytes == 2
        let segName: String? = segmentInOperand ? Seg.names[info.segmentOverride!] : nil
        func addrReg(_ n: Int) -> String {
            if n == Reg.rip { return att ? (a32 ? "%eip" : "%rip") : (a32 ? "eip" : "rip") }
            let name = a16 ? Disassembler.registerName(n & 15, size: 2, rex: false)
                : a32 ? Disassembler.names32[n & 15] : Disassembler.names64[n & 15]
            return att ? "%" + name : name
        }
        let mask: UInt64 = a16 ? 0xFFFF : a32 ? 0xFFFF_FFFF : ~0
        // 16-bit addressing has no scale: [bx+si], (%bx,%si).
        let scaleText = a16 ? nil : String(1 << info.scale)
        let hasBase = info.base != Reg.zero
        let hasIndex = info.index != Reg.zero
        var text: String
        if !hasBase && !hasIndex {
            // An absolute address: printed unsigned, like objdump ("ds:0x10").
            let abs = Disassembler.hex(UInt64(bitPattern: info.disp) & mask)
            if att { text = (segName.map { "%\($0):" } ?? "") + abs }
            else { text = (segName ?? "ds") + ":" + abs }
            _ = isMoffs
            return text
        }
        let d = info.disp
        if att {
            var s = ""
            if info.dispSize > 0 {
                s = info.base == Reg.rip ? Disassembler.hex(UInt64(bitPattern: d) & mask)
                    : d < 0 ? "-" + Disassembler.hex(UInt64(bitPattern: 0 &- d)) : Disassembler.hex(UInt64(d))
            }
            s += "("
            if hasBase { s += addrReg(info.base) }
            if hasIndex { s += "," + addrReg(info.index) + (scaleText.map { "," + $0 } ?? "") }
            s += ")"
            text = (segName.map { "%\($0):" } ?? "") + s
        } else {
            var s = "["
            if hasBase { s += addrReg(info.base) }
            if hasIndex { s += (hasBase ? "+" : "") + addrReg(info.index) + (scaleText.map { "*" + $0 } ?? "") }
            if info.dispSize > 0 {
                if info.base == Reg.rip { s += "+" + Disassembler.hex(UInt64(bitPattern: d) & mask) }
                else if d < 0 { s += "-" + Disassembler.hex(UInt64(bitPattern: 0 &- d)) }
                else { s += "+" + Disassembler.hex(UInt64(d)) }
            }
            s += "]"
            text = (segName.map { $0 + ":" } ?? "") + s
        }
        return text
    }

    func sizeKeyword(_ size: Int) -> String {
        switch size {
        case 1: return "byte ptr "
        case 2: return "word ptr "
        case 4: return "dword ptr "
        case 8: return "qword ptr "
        case 10: return "tbyte ptr "
        case 16: return "xmmword ptr "
        default: return ""
        }
    }

    func operands() -> [Operand] {
        var out: [Operand] = []
        var immIndex = 0
        for op in entry.operands {
            switch op {
            case .G(let s):
                out.append(.register(reg(info.regNumber, bytes(s)), size: bytes(s), sizing: true))
            case .E(let s), .M(let s), .R(let s):
                if info.isMemory { out.append(.memory(memoryText(size: bytes(s), isMoffs: false), size: bytes(s))) }
                else {
                    let size = sregRegisterForm ? opsize : bytes(s)
                    out.append(.register(reg(info.rmNumber, size), size: size, sizing: true))
                }
            case .O(let s):
                out.append(.memory(memoryText(size: bytes(s), isMoffs: true), size: bytes(s)))
            case .Z(let s):
                out.append(.register(reg(info.opcodeRegNumber, bytes(s)), size: bytes(s), sizing: true))
            case .fixed(let n, let s):
                if n == Reg.rdx && s == .w {
                    out.append(.port)
                } else {
                    // CL as a shift count does not tell the operation's size.
                    let isCount = n == Reg.rcx && s == .b
                    out.append(.register(reg(n, bytes(s)), size: bytes(s), sizing: !isCount))
                }
            case .S:
                let name = Seg.names[Int((info.modrm >> 3) & 7) % 6]
                out.append(.register(att ? "%" + name : name, size: 2, sizing: true))
            case .C, .D:
                // GNU objdump names debug registers %db0-%db7 in AT&T syntax, dr0-dr7 in Intel.
                let name = (op == .C ? "cr" : (att ? "db" : "dr")) + String(info.regNumber)
                out.append(.register(att ? "%" + name : name, size: 8, sizing: true))
            case .V:
                let name = "xmm" + String(info.regNumber)
                out.append(.register(att ? "%" + name : name, size: 16, sizing: false))
            case .W(let s), .U(let s):
                if info.isMemory { out.append(.memory(memoryText(size: bytes(s), isMoffs: false), size: bytes(s))) }
                else {
                    let name = "xmm" + String(info.rmNumber)
                    out.append(.register(att ? "%" + name : name, size: 16, sizing: false))
                }
            case .I(let s):
                let value = immIndex == 0 ? info.imm : UInt64(info.imm2)
                immIndex += 1
                // Sign-extended immediates (Iz, sIb) print at the operation's width.
                out.append(.immediate(value, width: s == .z ? opsize : bytes(s)))
            case .J:
                out.append(.target(info.branchTarget))
            case .one:
                out.append(.one)
            case .farPointer:
                out.append(.immediate(UInt64(info.imm2), width: 2))
                out.append(.immediate(info.imm, width: info.immSize))
            case .X(let s):
                let r = Disassembler.registerName(Reg.rsi, size: info.addressSizeBytes, rex: false)
                let seg = segmentInOperand ? Seg.names[info.segmentOverride!] : "ds"
                out.append(.memory(att ? "%\(seg):(%\(r))" : "\(seg):[\(r)]", size: bytes(s)))
            case .Y(let s):
                let r = Disassembler.registerName(Reg.rdi, size: info.addressSizeBytes, rex: false)
                out.append(.memory(att ? "%es:(%\(r))" : "es:[\(r)]", size: bytes(s)))
            }
        }
        return out
    }

    // MARK: prefixes

    /// objdump's name for a REX byte: "rex", "rex.W", "rex.WRXB", ...
    static func rexName(_ r: UInt8) -> String {
        if r & 0xF == 0 { return "rex" }
        var s = "rex."
        if r & 8 != 0 { s += "W" }
        if r & 4 != 0 { s += "R" }
        if r & 2 != 0 { s += "X" }
        if r & 1 != 0 { s += "B" }
        return s
    }

    /// Whether every bit of the effective REX prefix changed something.
    func rexFullyUsed(renderedHighByteRegs: Bool) -> Bool {
        let r = info.rex
        if r == 0 { return true }
        if isPlainNop { return false }
        var used: UInt8 = 0
        if r & 8 != 0 && sizeDependent(rexW: true) && !stackSized { used |= 8 }
        if r & 8 != 0 && nameParts.count == 2 && !isPlainNop { used |= 8 }
        for op in entry.operands {
            switch op {
            case .G, .C, .D, .V: if info.hasModRM { used |= 4 }
            case .E, .M, .R, .W, .U:
                // objdump counts REX.B as used by any ModRM.rm operand, REX.X by any SIB.
                used |= 1
                if info.isMemory && info.hasSIB { used |= 2 }
            case .Z: used |= 1
            default: break
            }
        }
        if r & 0xF == 0 { return renderedHighByteRegs }
        return r & 0xF & ~used == 0
    }

    func text() -> String {
        var mnemonic = baseMnemonic()
        var ops = isPlainNop ? [] : operands()
        // A name with a space carries its operand ("push fs").
        let fullName = entry.mnemonic.split(separator: " ", maxSplits: 1)
        if fullName.count == 2 {
            let name = String(fullName[1])
            ops.insert(.register(att ? "%" + name : name, size: 2, sizing: false), at: 0)
        }

        let string = isString
        let stringSize = string ? stringOperandSize() : 0
        if string && !stringFullForm {
            mnemonic += Printer.suffix(stringSize, att: att)
            ops = []
        } else if string && att && !ops.contains(where: { if case .register = $0 { return true }; return false }) {
            mnemonic += Printer.suffix(stringSize, att: true)
        }

        let hasMemory = ops.contains { if case .memory = $0 { return true }; return false }
        let hasSizingRegister = ops.contains {
            if case let .register(_, _, sizing) = $0 { return sizing }
            if case .port = $0 { return false }
            return false
        }
        // 16-bit JMP/CALL rel16 are "jmpw"/"callw" (objdump leaves Jcc rel16 unmarked).
        if hasBranch && opsize == 2 && !conditionalBranch && entry.operands.contains(.J(.z)) { mnemonic += "w" }
        // movabs: GNU as's name for MOV with a 64-bit immediate or a 64-bit absolute offset.
        if mnemonic == "mov" && ((info.immSize == 8) || entry.operands.contains(where: {
            if case .O = $0 { return info.dispSize == 8 }; return false })) {
            mnemonic = "movabs"
        }
        if att {
            if let renamed = Printer.attNames[mnemonic] { mnemonic = renamed }
            if mnemonic == "movzx" || mnemonic == "movsx" {
                // movzbl, movswq, ...: source then destination size.
                var src = 1
                for op in entry.operands { if case .E(let s) = op { src = bytes(s) } }
                mnemonic = (mnemonic == "movzx" ? "movz" : "movs") + Printer.suffix(src, att: true)
                    + Printer.suffix(opsize, att: true)
            } else if mnemonic == "movsxd" && opsize == 8 {
                mnemonic = "movslq"
            } else if mnemonic == "crc32" && hasMemory {
                // crc32b/w/l/q: the suffix gives the source (memory) size, as GNU as writes it.
                let memSize = ops.compactMap { if case let .memory(_, s) = $0 { return s }; return nil }.first ?? opsize
                mnemonic += Printer.suffix(memSize, att: true)
            } else if !string && hasMemory && !hasSizingRegister && !Printer.unsuffixedMemoryMnemonics.contains(mnemonic) {
                let memSize = ops.compactMap { if case let .memory(_, s) = $0 { return s }; return nil }.first ?? opsize
                // Stack operations and indirect branches at the mode's default size need none.
                if !stackSized || memSize != (long ? 8 : 4) { mnemonic += Printer.suffix(memSize, att: true) }
            } else if !string && (stackSized || hasEmbeddedOperand) && !hasSizingRegister && opsize == 2 && !hasBranch {
                mnemonic += "w"
            }
        } else if (stackSized || hasEmbeddedOperand) && !hasMemory && !hasSizingRegister && opsize == 2 && !hasBranch {
            mnemonic += "w"
        }

        // Prefixes, in byte order. Effective ones appear through their effect; the rest by name.
        var names: [String] = []
        let bytes = info.prefixBytes
        let lastIndex: (UInt8) -> Int? = { b in bytes.lastIndex(of: b) }
        let lastRepIndex = bytes.lastIndex { $0 == 0xF2 || $0 == 0xF3 }
        let lastSegIndex = bytes.lastIndex { [0x26, 0x2E, 0x36, 0x3E, 0x64, 0x65].contains($0) }
        let repeatable = entry.attributes.contains(.repeatable)
        let compares = mnemonic.hasPrefix("cmps") || mnemonic.hasPrefix("scas")
        for (i, b) in bytes.enumerated() {
            switch b {
            case 0xF0:
                names.append("lock")
            case 0xF2, 0xF3:
                if i == lastRepIndex && info.mandatoryPrefixUsed == b { continue }
                if i == lastRepIndex && repeatable {
                    names.append(b == 0xF3 ? (compares ? "repe" : "rep") : "repne")
                } else {
                    names.append(b == 0xF3 ? "repz" : "repnz")
                }
            case 0x66:
                if i == lastIndex(0x66) && (info.mandatoryPrefixUsed == 0x66 || (sizeDependent(rexW: false) && opsize == 2)) { continue }
                names.append("data16")
            case 0x67:
                if i == lastIndex(0x67) && addressSizeUsed { continue }
                names.append(long ? "addr32" : "addr16")
            case 0x26, 0x2E, 0x36, 0x3E, 0x64, 0x65:
                if i == lastSegIndex && (segmentInOperand || segmentAbsorbedByString) { continue }
                // AT&T writes CS/DS on a conditional branch as a static prediction hint.
                if att && i == lastSegIndex && (b == 0x2E || b == 0x3E) && conditionalBranch {
                    mnemonic += b == 0x2E ? ",pn" : ",pt"
                    continue
                }
                let seg: [UInt8: String] = [0x26: "es", 0x2E: "cs", 0x36: "ss", 0x3E: "ds", 0x64: "fs", 0x65: "gs"]
                names.append(seg[b] ?? "")
            case 0x40...0x4F:
                names.append(Printer.rexName(b))  // an ignored REX (not last before the opcode)
            default:
                break
            }
        }
        let highByteRegs = ops.contains {
            if case let .register(n, size, _) = $0, size == 1 {
                return ["spl", "bpl", "sil", "dil", "%spl", "%bpl", "%sil", "%dil"].contains(n)
            }
            return false
        }
        if !rexFullyUsed(renderedHighByteRegs: highByteRegs) { names.append(Printer.rexName(info.rex)) }

        // Operand text.
        var rendered: [String] = []
        let indirect = att && entry.attributes.contains(.endsBlock) && stackSized
            && entry.operands.contains { if case .E = $0 { return true }; return false }
        for op in ops {
            switch op {
            case let .register(name, _, _):
                rendered.append((indirect ? "*" : "") + name)
            case let .memory(text, size):
                if att { rendered.append((indirect ? "*" : "") + text) }
                else {
                    let addressOnly = entry.attributes.contains(.addressOnly)
                        && entry.operands.contains { if case .G = $0 { return true }; return false }
                    let moffs = entry.operands.contains { if case .O = $0 { return true }; return false }
                    rendered.append((addressOnly || moffs || string ? "" : sizeKeyword(size)) + text)
                }
            case let .immediate(v, width):
                let masked = width >= 8 ? v : v & ((1 << UInt64(width * 8)) - 1)
                rendered.append((att ? "$" : "") + Disassembler.hex(masked))
            case let .target(t):
                rendered.append(Disassembler.hex(t))
            case .one:
                if !att { rendered.append("1") }
            case .port:
                rendered.append(att ? "(%dx)" : "dx")
            }
        }
        // String operands in full form (Intel) carry their size keyword.
        if !att && string && stringFullForm {
            rendered = zip(ops, rendered).map { op, text in
                if case let .memory(_, size) = op { return sizeKeyword(size) + text }
                return text
            }
        }
        // AT&T reverses the operands, except two immediates (ENTER, far pointers: "$sel,$off").
        let immediates = ops.filter { if case .immediate = $0 { return true }; return false }.count
        if att && !(immediates == 2 && ops.count == 2) { rendered.reverse() }

        var line = (names + [mnemonic]).joined(separator: " ")
        if !rendered.isEmpty {
            let sep = att ? "," : ", "
            if entry.operands.contains(where: { $0 == .farPointer }) && !att {
                line += " " + rendered.joined(separator: ":")
            } else {
                line += " " + rendered.joined(separator: sep)
            }
        }
        // RIP-relative: the target address as a comment, like objdump.
        if info.isMemory && info.base == Reg.rip {
            var target = address &+ UInt64(info.length) &+ UInt64(bitPattern: info.disp)
            if info.addressSizeBytes == 4 { target &= 0xFFFF_FFFF }
            line += "  # " + Disassembler.hex(target)
        }
        return line
    }
}
