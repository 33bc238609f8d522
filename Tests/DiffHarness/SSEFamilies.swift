// Layer: Tests (differential harness). Case generators for SSE/SSE2 (64-bit mode): every XMM
// register starts with edge-biased lanes (integer edges and float specials: +-0, +-inf, quiet
// and signalling NaNs, denormals, max/min), MXCSR with random flag bits; memory operands are
// usually aligned and sometimes not (the aligned forms must raise #GP(0)).

import X86

/// Operand shape of one SSE form.
enum SSEShape {
    case vw(Int)        // V, W: memory operand of n bytes (16: aligned unless `unaligned`)
    case wv(Int)        // W, V store form
    case vwImm          // V, W(m128), imm8
    case uImm(Int)      // U, imm8 with /digit
    case vu             // V, U (register only)
    case mv(Int)        // M(n), V (memory only store)
    case vm(Int)        // V, M(n) (memory only load)
    case gu             // G(32), U
    case guImm          // G(32), U, imm8
    case vE             // V, E(32/64)
    case eV             // E(32/64), V
    case vEwImm         // PINSRW V, r32/m16, imm8
    case mxcsr(Int)     // 0F AE /2 /3
}

struct SSEForm {
    let prefix: UInt8?
    let op: UInt8
    let name: String
    let shape: SSEShape
    var unaligned = false
    init(_ prefix: UInt8?, _ op: UInt8, _ name: String, _ shape: SSEShape, unaligned: Bool = false) {
        self.prefix = prefix; self.op = op; self.name = name; self.shape = shape; self.unaligned = unaligned
    }
}

enum SSEFamilies {
    static let moves: [SSEForm] = [
        SSEForm(nil, 0x10, "movups", .vw(16), unaligned: true), SSEForm(0x66, 0x10, "movupd", .vw(16), unaligned: true),
        SSEForm(0xF3, 0x10, "movss", .vw(4)), SSEForm(0xF2, 0x10, "movsd", .vw(8)),
        SSEForm(nil, 0x11, "movups st", .wv(16), unaligned: true), SSEForm(0x66, 0x11, "movupd st", .wv(16), unaligned: true),
        SSEForm(0xF3, 0x11, "movss st", .wv(4)), SSEForm(0xF2, 0x11, "movsd st", .wv(8)),
        SSEForm(nil, 0x12, "movlps/movhlps", .vw(8)), SSEForm(0x66, 0x12, "movlpd", .vm(8)),
        SSEForm(nil, 0x13, "movlps st", .mv(8)), SSEForm(0x66, 0x13, "movlpd st", .mv(8)),
        SSEForm(nil, 0x16, "movhps/movlhps", .vw(8)), SSEForm(0x66, 0x16, "movhpd", .vm(8)),
        SSEForm(nil, 0x17, "movhps st", .mv(8)), SSEForm(0x66, 0x17, "movhpd st", .mv(8)),
        SSEForm(nil, 0x28, "movaps", .vw(16)), SSEForm(0x66, 0x28, "movapd", .vw(16)),
        SSEForm(nil, 0x29, "movaps st", .wv(16)), SSEForm(0x66, 0x29, "movapd st", .wv(16)),
        SSEForm(nil, 0x2B, "movntps", .mv(16)), SSEForm(0x66, 0x2B, "movntpd", .mv(16)), SSEForm(0x66, 0xE7, "movntdq", .mv(16)),
        SSEForm(0x66, 0x6F, "movdqa", .vw(16)), SSEForm(0xF3, 0x6F, "movdqu", .vw(16), unaligned: true),
        SSEForm(0x66, 0x7F, "movdqa st", .wv(16)), SSEForm(0xF3, 0x7F, "movdqu st", .wv(16), unaligned: true),
        SSEForm(0x66, 0x6E, "movd/movq to xmm", .vE), SSEForm(0x66, 0x7E, "movd/movq from xmm", .eV),
        SSEForm(0xF3, 0x7E, "movq load", .vw(8)), SSEForm(0x66, 0xD6, "movq store", .wv(8)),
        SSEForm(nil, 0x50, "movmskps", .gu), SSEForm(0x66, 0x50, "movmskpd", .gu), SSEForm(0x66, 0xD7, "pmovmskb", .gu),
        SSEForm(0x66, 0xC4, "pinsrw", .vEwImm), SSEForm(0x66, 0xC5, "pextrw", .guImm),
        SSEForm(nil, 0xAE, "ldmxcsr", .mxcsr(2)), SSEForm(nil, 0xAE, "stmxcsr", .mxcsr(3)),
    ]
    static let logic: [SSEForm] = [
        SSEForm(nil, 0x54, "andps", .vw(16)), SSEForm(0x66, 0x54, "andpd", .vw(16)),
        SSEForm(nil, 0x55, "andnps", .vw(16)), SSEForm(0x66, 0x55, "andnpd", .vw(16)),
        SSEForm(nil, 0x56, "orps", .vw(16)), SSEForm(0x66, 0x56, "orpd", .vw(16)),
        SSEForm(nil, 0x57, "xorps", .vw(16)), SSEForm(0x66, 0x57, "xorpd", .vw(16)),
        SSEForm(0x66, 0xDB, "pand", .vw(16)), SSEForm(0x66, 0xDF, "pandn", .vw(16)),
        SSEForm(0x66, 0xEB, "por", .vw(16)), SSEForm(0x66, 0xEF, "pxor", .vw(16)),
        SSEForm(nil, 0x14, "unpcklps", .vw(16)), SSEForm(0x66, 0x14, "unpcklpd", .vw(16)),
        SSEForm(nil, 0x15, "unpckhps", .vw(16)), SSEForm(0x66, 0x15, "unpckhpd", .vw(16)),
        SSEForm(nil, 0xC6, "shufps", .vwImm), SSEForm(0x66, 0xC6, "shufpd", .vwImm),
    ]
    static var integer: [SSEForm] {
        var f: [SSEForm] = []
        let names: [UInt8: String] = [
            0x60: "punpcklbw", 0x61: "punpcklwd", 0x62: "punpckldq", 0x63: "packsswb", 0x64: "pcmpgtb", 0x65: "pcmpgtw",
            0x66: "pcmpgtd", 0x67: "packuswb", 0x68: "punpckhbw", 0x69: "punpckhwd", 0x6A: "punpckhdq", 0x6B: "packssdw",
            0x6C: "punpcklqdq", 0x6D: "punpckhqdq", 0x74: "pcmpeqb", 0x75: "pcmpeqw", 0x76: "pcmpeqd",
            0xD1: "psrlw", 0xD2: "psrld", 0xD3: "psrlq", 0xD4: "paddq", 0xD5: "pmullw", 0xD8: "psubusb", 0xD9: "psubusw",
            0xDA: "pminub", 0xDC: "paddusb", 0xDD: "paddusw", 0xDE: "pmaxub", 0xE0: "pavgb", 0xE1: "psraw", 0xE2: "psrad",
            0xE3: "pavgw", 0xE4: "pmulhuw", 0xE5: "pmulhw", 0xE8: "psubsb", 0xE9: "psubsw", 0xEA: "pminsw", 0xEC: "paddsb",
            0xED: "paddsw", 0xEE: "pmaxsw", 0xF1: "psllw", 0xF2: "pslld", 0xF3: "psllq", 0xF4: "pmuludq", 0xF5: "pmaddwd",
            0xF6: "psadbw", 0xF8: "psubb", 0xF9: "psubw", 0xFA: "psubd", 0xFB: "psubq", 0xFC: "paddb", 0xFD: "paddw", 0xFE: "paddd",
        ]
        for (op, n) in names.sorted(by: { $0.key < $1.key }) { f.append(SSEForm(0x66, op, n, .vw(16))) }
        f.append(SSEForm(0x66, 0x70, "pshufd", .vwImm))
        f.append(SSEForm(0xF3, 0x70, "pshufhw", .vwImm))
        f.append(SSEForm(0xF2, 0x70, "pshuflw", .vwImm))
        for (op, digits) in [(UInt8(0x71), [2, 4, 6]), (0x72, [2, 4, 6]), (0x73, [2, 3, 6, 7])] {
            for d in digits { f.append(SSEForm(0x66, op, "shift imm \(String(op, radix: 16))/\(d)", .uImm(d))) }
        }
        return f
    }

    /// A 64-bit lane biased to integer edges and float specials.
    static func lane(_ b: inout Builder) -> UInt64 {
        let floats: [UInt32] = [0, 0x8000_0000, 0x7F80_0000, 0xFF80_0000, 0x7FC0_0000, 0x7FA0_0000, 0x0000_0001,
                                0x807F_FFFF, 0x7F7F_FFFF, 0x0080_0000, 0x3F80_0000, 0xFFFF_FFFF]
        let doubles: [UInt64] = [0, 1 << 63, 0x7FF0_0000_0000_0000, 0xFFF0_0000_0000_0000, 0x7FF8_0000_0000_0000,
                                 0x7FF4_0000_0000_0000, 1, 0x800F_FFFF_FFFF_FFFF, 0x7FEF_FFFF_FFFF_FFFF,
                                 0x0010_0000_0000_0000, 0x3FF0_0000_0000_0000]
        switch b.rng.below(6) {
        case 0: return UInt64(b.rng.pick(floats)) | UInt64(b.rng.pick(floats)) << 32
        case 1: return b.rng.pick(doubles)
        case 2: return b.edge(64)
        case 3:
            // Lanes of 8/16/32 bits with edge values (saturation, sign boundaries).
            let w = b.rng.pick([8, 16, 32] as [Int])
            var v: UInt64 = 0
            for k in 0..<(64 / w) { v |= b.edge(w) << UInt64(k * w) }
            return v
        default: return b.rng.next()
        }
    }

    static func generate(_ forms: [SSEForm], _ family: String, _ b: inout Builder) -> TestCase {
        for k in 0..<32 { b.xmm[k] = lane(&b) }
        b.mxcsr = b.rng.chance(70) ? 0x1F80 : (UInt32(truncatingIfNeeded: b.rng.next()) & 0x2FFFF) | 0x1F80
        if b.rng.chance(5) { b.mxcsr |= 1 << 17 }   // AMD misaligned SSE mode
        let f = b.rng.pick(forms)
        if let p = f.prefix { b.legacy.append(p) }
        b.opcode = [0x0F, f.op]
        let x = b.rng.below(16), y = b.rng.below(16)
        func memory(_ size: Int, aligned: Bool) -> UInt64 {
            let align = aligned ? (b.rng.chance(90) ? 16 : nil) : (b.rng.chance(50) ? size : nil)
            let ea = b.pickEA(size: size, margin: 0, alignment: align)
            var bytes: [UInt8] = []
            for _ in 0..<2 { bytes += b.leBytes(lane(&b), 8) }
            b.pokeBytes(ea, Array(bytes.prefix(max(size, 1))))
            return ea
        }
        switch f.shape {
        case let .vw(n), let .wv(n):
            b.modrmReg = x
            if b.rng.chance(50) { b.encodeRegisterRM(y) }
            else { b.encodeMemory(memory(n, aligned: n == 16 && !f.unaligned)) }
        case .vwImm:
            b.modrmReg = x
            if b.rng.chance(50) { b.encodeRegisterRM(y) } else { b.encodeMemory(memory(16, aligned: true)) }
            b.immBytes(UInt64(b.rng.below(256)), 1)
        case let .uImm(d):
            b.modrmReg = d
            b.encodeRegisterRM(y)
            let c: UInt64 = b.rng.chance(70) ? UInt64(b.rng.below(17)) : UInt64(b.rng.pick([31, 32, 33, 63, 64, 65, 0x80, 0xFF] as [Int]))
            b.immBytes(c, 1)
        case .vu:
            b.modrmReg = x; b.encodeRegisterRM(y)
        case let .mv(n), let .vm(n):
            b.modrmReg = x; b.encodeMemory(memory(n, aligned: n == 16))
        case .gu, .guImm:
            let g = b.pickReg(); b.reserve(g)
            b.modrmReg = g; b.encodeRegisterRM(y)
            if case .guImm = f.shape { b.immBytes(UInt64(b.rng.below(256)), 1) }
        case .vE, .eV, .vEwImm:
            if case .vEwImm = f.shape {} else if b.rng.bool() { b.rex |= 8 }
            b.modrmReg = x
            if b.rng.chance(50) {
                let r = b.pickReg(); b.reserve(r); b.encodeRegisterRM(r)
            } else {
                b.encodeMemory(memory(8, aligned: false))
            }
            if case .vEwImm = f.shape { b.immBytes(UInt64(b.rng.below(256)), 1) }
        case let .mxcsr(d):
            b.modrmReg = d
            let ea = b.pickEA(size: 4, margin: 0, alignment: b.rng.chance(80) ? 4 : nil)
            var v = (UInt32(truncatingIfNeeded: b.rng.next()) & 0xFFFF)
            if b.rng.chance(10) { v |= UInt32(1) << UInt32(16 + b.rng.below(16)) }
            if b.rng.chance(10) { v |= 1 << 17 }
            b.poke(ea, UInt64(v), size: 4)
            b.encodeMemory(ea)
        }
        return b.finish(family, f.name)
    }

    static func move(_ b: inout Builder) -> TestCase { generate(moves, "sse-move", &b) }
    static func logicFamily(_ b: inout Builder) -> TestCase { generate(logic, "sse-logic", &b) }
    static let integerForms = integer
    static func int(_ b: inout Builder) -> TestCase { generate(integerForms, "sse-int", &b) }

    static let families: [Family] = [
        Family(name: "sse-move", summary: "SSE/SSE2 moves, MOVMSK*, PINSRW/PEXTRW, LDMXCSR/STMXCSR", generate: move),
        Family(name: "sse-logic", summary: "ANDPS..XORPD, PAND/PANDN/POR/PXOR, UNPCK*PS/PD, SHUFPS/SHUFPD", generate: logicFamily),
        Family(name: "sse-int", summary: "SSE2 packed integer: add/sub/sat, compares, min/max, avg, mul, shifts, pack/unpack, pshuf*", generate: int),
    ]
}
