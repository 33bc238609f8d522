// Layer: Tests (differential harness). Case generators for SSE3, SSSE3, SSE4.1 and SSE4.2
// (64-bit mode): the integer and data-movement instructions of the 0F, 0F 38 and 0F 3A maps,
// the general-register forms (PEXTR*/PINSR*/EXTRACTPS, CRC32 of every operand size) and the
// string compares PCMPESTRI/PCMPESTRM/PCMPISTRI/PCMPISTRM with every imm8 value on
// string-like data (small alphabets, 0x00/0x7F/0x80/0xFF bytes, zero-terminated and
// unterminated operands, explicit lengths around and beyond the element count).

import X86

enum SSEExtShape {
    /// V, W: register or memory of `bytes` (16 bytes: aligned unless `unaligned`).
    case vw(Int)
    /// V, W, imm8.
    case vwImm(Int)
    /// V, M(m128) only.
    case vm
    /// E (r32/r64 or memory of `bytes`), V, imm8: extracts.
    case eVImm(Int)
    /// V, E (r32/r64 or memory of `bytes`), imm8: inserts.
    case vEImm(Int)
}

struct SSEExtForm {
    let prefix: UInt8?
    let opcode: [UInt8]
    let name: String
    let shape: SSEExtShape
    var unaligned = false
    init(_ prefix: UInt8?, _ opcode: [UInt8], _ name: String, _ shape: SSEExtShape, unaligned: Bool = false) {
        self.prefix = prefix; self.opcode = opcode; self.name = name; self.shape = shape; self.unaligned = unaligned
    }
}

public enum SSEExtendedFamilies {
    static func m38(_ op: UInt8, _ name: String, _ shape: SSEExtShape = .vw(16)) -> SSEExtForm { SSEExtForm(0x66, [0x0F, 0x38, op], name, shape) }
    static func m3A(_ op: UInt8, _ name: String, _ shape: SSEExtShape = .vwImm(16)) -> SSEExtForm { SSEExtForm(0x66, [0x0F, 0x3A, op], name, shape) }

    static let sse3: [SSEExtForm] = [
        SSEExtForm(0xF3, [0x0F, 0x12], "movsldup", .vw(16)), SSEExtForm(0xF3, [0x0F, 0x16], "movshdup", .vw(16)),
        SSEExtForm(0xF2, [0x0F, 0x12], "movddup", .vw(8)), SSEExtForm(0xF2, [0x0F, 0xF0], "lddqu", .vm, unaligned: true),
    ]
    static let ssse3: [SSEExtForm] = [
        m38(0x00, "pshufb"), m38(0x01, "phaddw"), m38(0x02, "phaddd"), m38(0x03, "phaddsw"), m38(0x04, "pmaddubsw"),
        m38(0x05, "phsubw"), m38(0x06, "phsubd"), m38(0x07, "phsubsw"), m38(0x08, "psignb"), m38(0x09, "psignw"),
        m38(0x0A, "psignd"), m38(0x0B, "pmulhrsw"), m38(0x1C, "pabsb"), m38(0x1D, "pabsw"), m38(0x1E, "pabsd"),
        m3A(0x0F, "palignr"),
    ]
    static let sse41: [SSEExtForm] = [
        m38(0x10, "pblendvb"), m38(0x14, "blendvps"), m38(0x15, "blendvpd"), m38(0x17, "ptest"),
        m38(0x20, "pmovsxbw", .vw(8)), m38(0x21, "pmovsxbd", .vw(4)), m38(0x22, "pmovsxbq", .vw(2)),
        m38(0x23, "pmovsxwd", .vw(8)), m38(0x24, "pmovsxwq", .vw(4)), m38(0x25, "pmovsxdq", .vw(8)),
        m38(0x30, "pmovzxbw", .vw(8)), m38(0x31, "pmovzxbd", .vw(4)), m38(0x32, "pmovzxbq", .vw(2)),
        m38(0x33, "pmovzxwd", .vw(8)), m38(0x34, "pmovzxwq", .vw(4)), m38(0x35, "pmovzxdq", .vw(8)),
        m38(0x28, "pmuldq"), m38(0x29, "pcmpeqq"), m38(0x2A, "movntdqa", .vm), m38(0x2B, "packusdw"),
        m38(0x38, "pminsb"), m38(0x39, "pminsd"), m38(0x3A, "pminuw"), m38(0x3B, "pminud"),
        m38(0x3C, "pmaxsb"), m38(0x3D, "pmaxsd"), m38(0x3E, "pmaxuw"), m38(0x3F, "pmaxud"),
        m38(0x40, "pmulld"), m38(0x41, "phminposuw"),
        m3A(0x0C, "blendps"), m3A(0x0D, "blendpd"), m3A(0x0E, "pblendw"), m3A(0x42, "mpsadbw"),
        m3A(0x21, "insertps", .vwImm(4)),
    ]
    static let sse41gpr: [SSEExtForm] = [
        m3A(0x14, "pextrb", .eVImm(1)), m3A(0x15, "pextrw", .eVImm(2)), m3A(0x16, "pextrd/q", .eVImm(4)),
        m3A(0x17, "extractps", .eVImm(4)), m3A(0x20, "pinsrb", .vEImm(1)), m3A(0x22, "pinsrd/q", .vEImm(4)),
    ]

    /// Forms the hand-written generators (sse42, pcmpstr) produce, for the coverage test.
    static let generatedForms: [SSEExtForm] = [
        SSEExtForm(0xF2, [0x0F, 0x38, 0xF0], "crc32 r, r/m8", .vw(1)), SSEExtForm(0xF2, [0x0F, 0x38, 0xF1], "crc32 r, r/m16/32/64", .vw(8)),
        m38(0x37, "pcmpgtq"), m3A(0x60, "pcmpestrm"), m3A(0x61, "pcmpestri"), m3A(0x62, "pcmpistrm"), m3A(0x63, "pcmpistri"),
    ]
    /// Every (mandatory prefix, opcode bytes) pair some family of this file generates.
    public static var coveredEncodings: [(prefix: UInt8?, opcode: [UInt8])] {
        (sse3 + ssse3 + sse41 + sse41gpr + sse3fp + sse41fp + generatedForms).map { ($0.prefix, $0.opcode) }
    }
    /// Family names of this file.
    public static var familyNames: [String] { families.map { $0.name } }

    /// Per-lane data for the packed families: the SSE2 edge lanes, plus lanes whose bytes are
    /// all from {0x00, 0x01, 0x7F, 0x80, 0xFF} (saturation and sign boundaries of every width).
    static func lane(_ b: inout Builder, float: Bool = false) -> UInt64 {
        if float && b.rng.chance(40) {
            // Values near integers and halfway points (rounding), tiny and huge magnitudes
            // (denormal products, overflow), as float pairs or one double.
            func value() -> Double {
                let k = Double(b.rng.below(9)) - 4, frac = Double(b.rng.below(8)) / 4
                let scale = b.rng.pick([1.0, 1.0, 1.0, 0x1p-70, 0x1p-140, 0x1p-1030, 0x1p70, 0x1p130, 0x1p1000] as [Double])
                return (k + frac) * scale
            }
            if b.rng.bool() { return value().bitPattern }
            return UInt64(Float(value()).bitPattern) | UInt64(Float(value()).bitPattern) << 32
        }
        if b.rng.chance(20) {
            var v: UInt64 = 0
            for k in 0..<8 { v |= UInt64(b.rng.pick([0x00, 0x01, 0x7F, 0x80, 0xFF] as [UInt8])) << UInt64(8 * k) }
            return v
        }
        return SSEFamilies.lane(&b)
    }

    static func generate(_ forms: [SSEExtForm], _ family: String, _ b: inout Builder, float: Bool = false) -> TestCase {
        for k in 0..<32 { b.xmm[k] = lane(&b, float: float) }
        b.mxcsr = b.rng.chance(70) ? 0x1F80 : (UInt32(truncatingIfNeeded: b.rng.next()) & 0x2FFFF) | 0x1F80
        if b.rng.chance(5) { b.mxcsr |= 1 << 17 }   // AMD misaligned SSE mode
        let f = b.rng.pick(forms)
        if let p = f.prefix { b.legacy.append(p) }
        b.opcode = f.opcode
        let x = b.rng.below(16), y = b.rng.below(16)
        func memory(_ size: Int, aligned: Bool) -> UInt64 {
            let align = aligned ? (b.rng.chance(90) ? 16 : nil) : (b.rng.chance(50) ? size : nil)
            let ea = b.pickEA(size: size, margin: 0, alignment: align)
            var bytes: [UInt8] = []
            for _ in 0..<2 { bytes += b.leBytes(lane(&b, float: float), 8) }
            b.pokeBytes(ea, Array(bytes.prefix(size)))
            return ea
        }
        func imm8() -> UInt64 {
            // PALIGNR and the element selectors: small counts often, any byte sometimes.
            b.rng.chance(60) ? UInt64(b.rng.below(34)) : UInt64(b.rng.below(256))
        }
        switch f.shape {
        case let .vw(n), let .vwImm(n):
            b.modrmReg = x
            if b.rng.chance(50) { b.encodeRegisterRM(y) }
            else { b.encodeMemory(memory(n, aligned: n == 16 && !f.unaligned)) }
            if case .vwImm = f.shape { b.immBytes(imm8(), 1) }
        case .vm:
            b.modrmReg = x
            if b.rng.chance(4) { b.encodeRegisterRM(y) }   // register form: #UD
            else { b.encodeMemory(memory(16, aligned: !f.unaligned)) }
        case let .eVImm(n), let .vEImm(n):
            if !b.mode32 && b.rng.bool() { b.rex |= 8 }   // PEXTRQ/PINSRQ; ignored by the byte/word/EXTRACTPS forms
            let size = n == 4 && b.rex & 8 != 0 ? 8 : n
            b.modrmReg = x
            if b.rng.chance(50) {
                let r = b.pickReg(); b.reserve(r); b.encodeRegisterRM(r)
            } else {
                b.encodeMemory(memory(size, aligned: false))
            }
            b.immBytes(imm8(), 1)
        }
        return b.finish(family, f.name)
    }

    // MARK: CRC32 and PCMPGTQ

    static func crc32(_ b: inout Builder) -> TestCase {
        if b.rng.chance(15) {
            // PCMPGTQ rides along here (the other SSE4.2 packed instruction).
            return generate([m38(0x37, "pcmpgtq")], "sse42", &b)
        }
        let byteSource = b.rng.chance(35)
        var srcBits = byteSource ? 8 : b.rng.pick(b.mode32 ? [16, 32] : [16, 32, 64])
        var destBits = 32
        var prefixes: [UInt8] = [0xF2]
        if srcBits == 16 { prefixes.insert(0x66, at: b.rng.below(2)) }
        if srcBits == 64 || (byteSource && !b.mode32 && b.rng.bool()) { b.rex |= 8; destBits = 64 }
        if srcBits == 16 && !b.mode32 && b.rng.chance(10) { b.rex |= 8; srcBits = 64; destBits = 64 }   // REX.W beats 66
        if byteSource {
            if !b.mode32 && b.rng.bool() { b.forceRex = true } else if b.rex == 0 { b.allowExtended = false }
        }
        b.legacy += prefixes
        b.opcode = [0x0F, 0x38, byteSource ? 0xF0 : 0xF1]
        let (_, e) = b.formEG(bits: destBits, eBits: srcBits)
        return b.finish("sse42", "crc32 r\(destBits), \(e.isMemory ? "m" : "r")\(srcBits)")
    }

    // MARK: PCMPxSTRx

    /// 16 bytes of string-like data in the element format of imm8[0] (bytes or words): a small
    /// alphabet with sign-boundary values, sometimes zero-terminated at a random element.
    static func stringData(_ b: inout Builder, words: Bool) -> [UInt8] {
        let n = words ? 8 : 16
        let byteAlphabet: [UInt8] = [0x61, 0x62, 0x63, 0x7A, 0x41, 0x5A, 0x30, 0x39, 0x20, 0x7F, 0x80, 0x81, 0xFF, 0x01]
        let wordAlphabet: [UInt16] = [0x0061, 0x0062, 0x0063, 0x007A, 0x0041, 0x7FFF, 0x8000, 0xFFFF, 0x0100, 0x6100, 0x0001]
        // A small alphabet makes matches likely; sometimes the full range.
        let letters = b.rng.below(4) == 0 ? byteAlphabet.count : 2 + b.rng.below(4)
        var out: [UInt8] = []
        for _ in 0..<n {
            if words {
                let w = b.rng.chance(10) ? UInt16(truncatingIfNeeded: b.rng.next()) : wordAlphabet[b.rng.below(min(letters, wordAlphabet.count))]
                out += [UInt8(w & 0xFF), UInt8(w >> 8)]
            } else {
                out.append(b.rng.chance(10) ? UInt8(truncatingIfNeeded: b.rng.next()) : byteAlphabet[b.rng.below(letters)])
            }
        }
        // Zero-terminated (at any element, including 0) or not terminated at all.
        if b.rng.chance(60) {
            let z = b.rng.below(n)
            let size = words ? 2 : 1
            for k in 0..<size { out[z * size + k] = 0 }
            if b.rng.chance(30) { for k in (z * size)..<(n * size) { out[k] = 0 } }
        }
        return out
    }

    /// An explicit length register: small signed values around the element count, or edges.
    static func lengthValue(_ b: inout Builder) -> UInt64 {
        switch b.rng.below(10) {
        case 0: return b.edge(64)
        case 1: return UInt64(b.rng.pick([0x8000_0000, 0x7FFF_FFFF, 0xFFFF_FFFF, 0x1_0000_0005, 0x8000_0000_0000_0000,
                                          0xFFFF_FFFF_0000_0003] as [UInt64]))
        default:
            let v = Int64(b.rng.below(41)) - 20
            // Bits 63:32 matter only with REX.W: sometimes garbage there.
            return b.rng.chance(30) ? (UInt64(bitPattern: v) & 0xFFFF_FFFF) | (b.rng.next() << 32) : UInt64(bitPattern: v)
        }
    }

    static func pcmpstr(_ b: inout Builder) -> TestCase {
        let op = UInt8(0x60 + b.rng.below(4))
        let imm = UInt8(truncatingIfNeeded: b.rng.below(256))
        let words = imm & 1 != 0
        for k in 0..<16 {
            let s = b.rng.chance(85) ? stringData(&b, words: words) : b.leBytes(lane(&b), 8) + b.leBytes(lane(&b), 8)
            b.xmm[2 * k] = s[0..<8].enumerated().reduce(0) { $0 | UInt64($1.element) << UInt64(8 * $1.offset) }
            b.xmm[2 * k + 1] = s[8..<16].enumerated().reduce(0) { $0 | UInt64($1.element) << UInt64(8 * $1.offset) }
        }
        b.mxcsr = 0x1F80
        let explicit = op <= 0x61
        if explicit {
            b.regs[Reg.rax] = lengthValue(&b)
            b.regs[Reg.rdx] = lengthValue(&b)
            b.reserve(Reg.rax); b.reserve(Reg.rdx)
        }
        if !b.mode32 && b.rng.chance(30) { b.rex |= 8 }   // RAX/RDX as 64-bit lengths (explicit forms)
        b.legacy.append(0x66)
        b.opcode = [0x0F, 0x3A, op]
        b.modrmReg = b.rng.below(16)
        let memory = b.rng.chance(40)
        if memory {
            let ea = b.pickEA(size: 16, margin: 0, alignment: b.rng.chance(50) ? 16 : nil)
            b.pokeBytes(ea, stringData(&b, words: words))
            b.encodeMemory(ea)
        } else {
            b.encodeRegisterRM(b.rng.below(16))
        }
        b.immBytes(UInt64(imm), 1)
        let names = ["pcmpestrm", "pcmpestri", "pcmpistrm", "pcmpistri"]
        let agg = ["any", "ranges", "each", "ordered"][Int(imm >> 2) & 3]
        return b.finish("pcmpstr", "\(names[Int(op - 0x60)]) \(agg)\(memory ? " mem" : "")")
    }

    static let sse3fp: [SSEExtForm] = [
        SSEExtForm(0x66, [0x0F, 0xD0], "addsubpd", .vw(16)), SSEExtForm(0xF2, [0x0F, 0xD0], "addsubps", .vw(16)),
        SSEExtForm(0x66, [0x0F, 0x7C], "haddpd", .vw(16)), SSEExtForm(0xF2, [0x0F, 0x7C], "haddps", .vw(16)),
        SSEExtForm(0x66, [0x0F, 0x7D], "hsubpd", .vw(16)), SSEExtForm(0xF2, [0x0F, 0x7D], "hsubps", .vw(16)),
    ]
    static let sse41fp: [SSEExtForm] = [
        m3A(0x08, "roundps"), m3A(0x09, "roundpd"), m3A(0x0A, "roundss", .vwImm(4)), m3A(0x0B, "roundsd", .vwImm(8)),
        m3A(0x40, "dpps"), m3A(0x41, "dppd"),
    ]

    /// Floating-point cases: every rounding mode, DAZ and FTZ, random sticky flags, all
    /// exceptions masked (an unmasked one is a SIGFPE in the host oracle, not comparable here).
    static func generateFloat(_ forms: [SSEExtForm], _ family: String, _ b: inout Builder) -> TestCase {
        var c = generate(forms, family, &b, float: true)
        var mx: UInt32 = 0x1F80 | UInt32(b.rng.below(4)) << 13
        if b.rng.chance(25) { mx |= 0x40 }                       // DAZ
        if b.rng.chance(25) { mx |= 0x8000 }                     // FTZ
        if b.rng.chance(30) { mx |= UInt32(b.rng.below(64)) }    // sticky flags already set
        c.mxcsr = mx
        return c
    }

    /// Random encodings in the 0F 38 and 0F 3A maps: random mandatory/redundant prefixes, REX,
    /// opcode (half the time one of this file's), ModRM and trailing bytes; the host measures the
    /// length. Decoding (length, #UD for undefined prefix/opcode pairs) must match the host; forms
    /// the emulator does not implement (MMX, AES, SHA, PCLMULQDQ...) are reported as such.
    static func randomMaps(_ b: inout Builder) -> TestCase {
        b.redundantPrefixes = false
        let known = (ssse3 + sse41 + sse41gpr + sse41fp + generatedForms).map { $0.opcode }
        var bytes: [UInt8] = []
        repeat {
            bytes = []
            for _ in 0..<b.rng.below(4) { bytes.append(b.rng.pick([0x66, 0x66, 0xF2, 0xF3, 0x3E, 0x26, 0x67] as [UInt8])) }
            if !b.mode32 && b.rng.chance(40) { bytes.append(0x40 | UInt8(b.rng.below(16))) }
            let op = b.rng.chance(50) ? b.rng.pick(known) : [0x0F, b.rng.bool() ? 0x38 : 0x3A, UInt8(b.rng.below(256))]
            bytes += op
            for _ in 0..<(1 + b.rng.below(7)) { bytes.append(UInt8(truncatingIfNeeded: b.rng.next())) }
        } while !Families.acceptableRandom(bytes, mode32: b.mode32)
        for r in 0..<16 { b.regs[r] = Families.safeValue(&b) }
        b.regs[Reg.rsp] = b.stackAddress()
        for k in 0..<32 { b.xmm[k] = lane(&b) }
        b.opcode = bytes
        var c = b.finish("random-sse4", "random 0F38/0F3A")
        c.probeLength = true
        return c
    }

    static func sse3Family(_ b: inout Builder) -> TestCase { generate(sse3, "sse3", &b) }
    static func ssse3Family(_ b: inout Builder) -> TestCase { generate(ssse3, "ssse3", &b) }
    static func sse41Family(_ b: inout Builder) -> TestCase { generate(sse41, "sse41", &b) }
    static func sse41GPRFamily(_ b: inout Builder) -> TestCase { generate(sse41gpr, "sse41-gpr", &b) }

    static func sse3FPFamily(_ b: inout Builder) -> TestCase { generateFloat(sse3fp, "sse3-fp", &b) }
    static func sse41FPFamily(_ b: inout Builder) -> TestCase { generateFloat(sse41fp, "sse41-fp", &b) }

    /// The same generators in 32-bit compatibility mode (XMM0-7, no REX: PEXTRQ/PINSRQ and
    /// 64-bit CRC32 do not exist there), named "<name>32".
    static var families32: [Family] {
        families.map { Family(name: $0.name + "32", summary: $0.summary + " (32-bit mode)", generate: $0.generate, mode32: true) }
    }

    static let families: [Family] = [
        Family(name: "sse3", summary: "SSE3 MOVSLDUP MOVSHDUP MOVDDUP LDDQU", generate: sse3Family),
        Family(name: "ssse3", summary: "SSSE3 PSHUFB PHADD*/PHSUB* PMADDUBSW PMULHRSW PSIGN* PABS* PALIGNR", generate: ssse3Family),
        Family(name: "sse41", summary: "SSE4.1 packed integer, PMOVSX/ZX, blends, PTEST, INSERTPS, MPSADBW, PHMINPOSUW, MOVNTDQA", generate: sse41Family),
        Family(name: "sse41-gpr", summary: "SSE4.1 PEXTRB/W/D/Q EXTRACTPS PINSRB/D/Q", generate: sse41GPRFamily),
        Family(name: "sse42", summary: "SSE4.2 CRC32 (all operand sizes), PCMPGTQ", generate: crc32),
        Family(name: "sse3-fp", summary: "SSE3 ADDSUBPS/PD HADDPS/PD HSUBPS/PD", generate: sse3FPFamily),
        Family(name: "sse41-fp", summary: "SSE4.1 ROUNDPS/PD/SS/SD (every imm8) DPPS/DPPD", generate: sse41FPFamily),
        Family(name: "pcmpstr", summary: "SSE4.2 PCMPESTRI/PCMPESTRM/PCMPISTRI/PCMPISTRM, every imm8", generate: pcmpstr),
        Family(name: "random-sse4", summary: "random bytes in the 0F 38 / 0F 3A maps", generate: randomMaps),
    ]
}
