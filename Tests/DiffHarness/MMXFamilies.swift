// Layer: Tests (differential harness). Case generators for the MMX instructions (no-prefix
// 0F 60-7F, D0-FF and the SSE-era MMX extensions) and MOVQ2DQ/MOVDQ2Q. The MMX registers are
// the x87 registers' significands, so every case starts from a random x87 state (X87Families:
// TOP, tags, a pending exception sometimes, which must turn an MMX instruction into #MF) whose
// significands are mostly replaced by edge-biased integer lanes; the harness compares the x87
// registers, tag word and status word (TOP = 0, all tags valid, exponents all ones after a write).
// Operand shapes are SSEFamilies' (V/W/U here name MMX registers: the REX bits the builder adds
// to ModRM must be ignored).

import X86

enum MMXFamilies {
    static var forms: [SSEForm] {
        var f: [SSEForm] = []
        let names: [UInt8: String] = [
            0x60: "punpcklbw", 0x61: "punpcklwd", 0x62: "punpckldq", 0x63: "packsswb", 0x64: "pcmpgtb", 0x65: "pcmpgtw",
            0x66: "pcmpgtd", 0x67: "packuswb", 0x68: "punpckhbw", 0x69: "punpckhwd", 0x6A: "punpckhdq", 0x6B: "packssdw",
            0x74: "pcmpeqb", 0x75: "pcmpeqw", 0x76: "pcmpeqd",
            0xD1: "psrlw", 0xD2: "psrld", 0xD3: "psrlq", 0xD4: "paddq", 0xD5: "pmullw", 0xD8: "psubusb", 0xD9: "psubusw",
            0xDA: "pminub", 0xDB: "pand", 0xDC: "paddusb", 0xDD: "paddusw", 0xDE: "pmaxub", 0xDF: "pandn", 0xE0: "pavgb",
            0xE1: "psraw", 0xE2: "psrad", 0xE3: "pavgw", 0xE4: "pmulhuw", 0xE5: "pmulhw", 0xE8: "psubsb", 0xE9: "psubsw",
            0xEA: "pminsw", 0xEB: "por", 0xEC: "paddsb", 0xED: "paddsw", 0xEE: "pmaxsw", 0xEF: "pxor",
            0xF1: "psllw", 0xF2: "pslld", 0xF3: "psllq", 0xF4: "pmuludq", 0xF5: "pmaddwd",
            0xF6: "psadbw", 0xF8: "psubb", 0xF9: "psubw", 0xFA: "psubd", 0xFB: "psubq", 0xFC: "paddb", 0xFD: "paddw", 0xFE: "paddd",
        ]
        for (op, n) in names.sorted(by: { $0.key < $1.key }) { f.append(SSEForm(nil, op, "mmx " + n, .vw(8))) }
        f.append(SSEForm(nil, 0x70, "pshufw", .vwImm))
        for (op, digits) in [(UInt8(0x71), [2, 4, 6]), (0x72, [2, 4, 6]), (0x73, [2, 6])] {
            for d in digits { f.append(SSEForm(nil, op, "mmx shift imm \(String(op, radix: 16))/\(d)", .uImm(d))) }
        }
        f += [
            SSEForm(nil, 0x6E, "movd/movq to mm", .vE), SSEForm(nil, 0x7E, "movd/movq from mm", .eV),
            SSEForm(nil, 0x6F, "movq mm load", .vw(8)), SSEForm(nil, 0x7F, "movq mm store", .wv(8)),
            SSEForm(nil, 0xE7, "movntq", .mv(8)), SSEForm(nil, 0xD7, "pmovmskb mm", .gu),
            SSEForm(nil, 0xC4, "pinsrw mm", .vEwImm), SSEForm(nil, 0xC5, "pextrw mm", .guImm),
            SSEForm(0xF3, 0xD6, "movq2dq", .vu), SSEForm(0xF2, 0xD6, "movdq2q", .vu),
            SSEForm(nil, 0x2A, "cvtpi2ps", .vw(8)), SSEForm(0x66, 0x2A, "cvtpi2pd", .vw(8)),
            SSEForm(nil, 0x2D, "cvtps2pi", .vw(8)), SSEForm(nil, 0x2C, "cvttps2pi", .vw(8)),
            SSEForm(0x66, 0x2D, "cvtpd2pi", .vw(16)), SSEForm(0x66, 0x2C, "cvttpd2pi", .vw(16)),
        ]
        return f
    }
    static let allForms = forms
    /// SSSE3 MMX forms (0F 38 xx, 0F 3A 0F): their opcode is three bytes.
    static let ssse3: [(UInt8, String)] = [
        (0x00, "pshufb"), (0x01, "phaddw"), (0x02, "phaddd"), (0x03, "phaddsw"), (0x04, "pmaddubsw"), (0x05, "phsubw"),
        (0x06, "phsubd"), (0x07, "phsubsw"), (0x08, "psignb"), (0x09, "psignw"), (0x0A, "psignd"), (0x0B, "pmulhrsw"),
        (0x1C, "pabsb"), (0x1D, "pabsw"), (0x1E, "pabsd"),
    ]

    static func mmx(_ b: inout Builder) -> TestCase {
        X87Families.randomState(&b)
        // Mostly MMX-style register contents: integer lanes with edge values, exponents left
        // random (an MMX read ignores them; a write must set them to all ones).
        for k in 0..<8 where b.rng.chance(80) { b.x87.st[2 * k] = SSEFamilies.lane(&b) }
        // EMMS (0F 77, no ModRM): every tag empty, TOP unchanged; #MF when an exception is pending.
        if b.rng.chance(3) {
            for k in 0..<32 { b.xmm[k] = SSEFamilies.lane(&b) }
            b.opcode = [0x0F, 0x77]
            return b.finish("mmx", "emms")
        }
        return SSEFamilies.generate(allForms, "mmx", &b)
    }

    static func ssse3Family(_ b: inout Builder) -> TestCase {
        X87Families.randomState(&b)
        for k in 0..<8 where b.rng.chance(80) { b.x87.st[2 * k] = SSEFamilies.lane(&b) }
        let align = b.rng.below(ssse3.count + 1) == 0
        let (op, name) = align ? (UInt8(0x0F), "palignr") : b.rng.pick(ssse3)
        b.opcode = align ? [0x0F, 0x3A, op] : [0x0F, 0x38, op]
        b.modrmReg = b.rng.below(16)
        if b.rng.chance(50) {
            b.encodeRegisterRM(b.rng.below(16))
        } else {
            let ea = b.pickEA(size: 8, margin: 0, alignment: b.rng.chance(50) ? 8 : nil)
            b.pokeBytes(ea, b.leBytes(SSEFamilies.lane(&b), 8))
            b.encodeMemory(ea)
        }
        if align { b.immBytes(UInt64(b.rng.chance(80) ? b.rng.below(17) : b.rng.below(256)), 1) }
        return b.finish("ssse3-mmx", name + " mm")
    }

    static let families: [Family] = [
        Family(name: "mmx", summary: "MMX: moves, packed integer, shifts, pack/unpack, SSE extensions (PSHUFW PINSRW PEXTRW PMOVMSKB MOVNTQ), MOVQ2DQ/MOVDQ2Q, EMMS", generate: mmx),
        Family(name: "mmx32", summary: "MMX (32-bit mode)", generate: mmx, mode32: true),
        Family(name: "ssse3-mmx", summary: "SSSE3 on MMX registers: PSHUFB PHADD*/PHSUB* PMADDUBSW PMULHRSW PSIGN* PABS* PALIGNR", generate: ssse3Family),
        Family(name: "ssse3-mmx32", summary: "SSSE3 on MMX registers (32-bit mode)", generate: ssse3Family, mode32: true),
    ]
}
