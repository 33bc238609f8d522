// Layer: X86 (CPU model), opcode tables: the SSE/SSE2 entries of the two-byte (0F xx) map.
// The mandatory prefix (none / 66 / F3 / F2) selects the instruction (`.byPrefix`); with
// 66 as a mandatory prefix the operand size is not changed (see Decoder). The no-prefix forms
// of 0F 60-7F and D0-FF are the MMX instructions (Instructions/MMX.swift): their V/W/U operands
// name MMX registers (only ModRM's 3 bits count; the handlers mask the REX extension off).
// Operands: V = XMM in ModRM.reg, W = XMM or memory in ModRM.rm, U = XMM in ModRM.rm only.

func addSSEEntries(_ m: inout [OpcodeNode]) {
    func p66(_ n: OpcodeNode) -> OpcodeNode { .byPrefix(none: .invalid, p66: n, pF3: .invalid, pF2: .invalid) }
    let vw: [OperandSpec] = [.V(.x), .W(.x)], wv: [OperandSpec] = [.W(.x), .V(.x)]
    let vwi: [OperandSpec] = [.V(.x), .W(.x), .I(.b)]

    m[0x10] = .byPrefix(none: .op("movups", vw, SSE.movUnaligned), p66: .op("movupd", vw, SSE.movUnaligned),
                        pF3: .op("movss", [.V(.x), .W(.d)], SSE.movss), pF2: .op("movsd", [.V(.x), .W(.q)], SSE.movsd))
    m[0x11] = .byPrefix(none: .op("movups", wv, SSE.movUnalignedStore), p66: .op("movupd", wv, SSE.movUnalignedStore),
                        pF3: .op("movss", [.W(.d), .V(.x)], SSE.movssStore), pF2: .op("movsd", [.W(.q), .V(.x)], SSE.movsdStore))
    m[0x12] = .byPrefix(none: .byMod(memory: .op("movlps", [.V(.x), .M(.q)], SSE.movlpsOrHlps),
                                     register: .op("movhlps", [.V(.x), .U(.x)], SSE.movlpsOrHlps)),
                        p66: .op("movlpd", [.V(.x), .M(.q)], SSE.loadLowOnly), pF3: .invalid, pF2: .invalid)
    m[0x13] = .byPrefix(none: .op("movlps", [.M(.q), .V(.x)], SSE.storeLowOnly),
                        p66: .op("movlpd", [.M(.q), .V(.x)], SSE.storeLowOnly), pF3: .invalid, pF2: .invalid)
    m[0x14] = .byPrefix(none: .op("unpcklps", vw, SSE.pUnpckLDQ), p66: .op("unpcklpd", vw, SSE.pUnpckLQDQ), pF3: .invalid, pF2: .invalid)
    m[0x15] = .byPrefix(none: .op("unpckhps", vw, SSE.pUnpckHDQ), p66: .op("unpckhpd", vw, SSE.pUnpckHQDQ), pF3: .invalid, pF2: .invalid)
    m[0x16] = .byPrefix(none: .byMod(memory: .op("movhps", [.V(.x), .M(.q)], SSE.movhpsOrLhps),
                                     register: .op("movlhps", [.V(.x), .U(.x)], SSE.movhpsOrLhps)),
                        p66: .op("movhpd", [.V(.x), .M(.q)], SSE.loadHighOnly), pF3: .invalid, pF2: .invalid)
    m[0x17] = .byPrefix(none: .op("movhps", [.M(.q), .V(.x)], SSE.storeHighOnly),
                        p66: .op("movhpd", [.M(.q), .V(.x)], SSE.storeHighOnly), pF3: .invalid, pF2: .invalid)
    m[0x28] = .byPrefix(none: .op("movaps", vw, SSE.movAligned), p66: .op("movapd", vw, SSE.movAligned), pF3: .invalid, pF2: .invalid)
    m[0x29] = .byPrefix(none: .op("movaps", wv, SSE.movAlignedStore), p66: .op("movapd", wv, SSE.movAlignedStore), pF3: .invalid, pF2: .invalid)
    m[0x2B] = .byPrefix(none: .op("movntps", [.M(.x), .V(.x)], SSE.movNT), p66: .op("movntpd", [.M(.x), .V(.x)], SSE.movNT), pF3: .invalid, pF2: .invalid)
    m[0x50] = .byPrefix(none: .op("movmskps", [.G(.d), .U(.x)], SSE.movmskpsSet), p66: .op("movmskpd", [.G(.d), .U(.x)], SSE.movmskpdSet),
                        pF3: .invalid, pF2: .invalid)
    m[0x54] = .byPrefix(none: .op("andps", vw, SSE.pAnd), p66: .op("andpd", vw, SSE.pAnd), pF3: .invalid, pF2: .invalid)
    m[0x55] = .byPrefix(none: .op("andnps", vw, SSE.pAndN), p66: .op("andnpd", vw, SSE.pAndN), pF3: .invalid, pF2: .invalid)
    m[0x56] = .byPrefix(none: .op("orps", vw, SSE.pOr), p66: .op("orpd", vw, SSE.pOr), pF3: .invalid, pF2: .invalid)
    m[0x57] = .byPrefix(none: .op("xorps", vw, SSE.pXor), p66: .op("xorpd", vw, SSE.pXor), pF3: .invalid, pF2: .invalid)

    let packed: [(Int, String, HandlerSet)] = [
        (0x60, "punpcklbw", SSE.pUnpckLBW), (0x61, "punpcklwd", SSE.pUnpckLWD), (0x62, "punpckldq", SSE.pUnpckLDQ),
        (0x63, "packsswb", SSE.packSSWB), (0x64, "pcmpgtb", SSE.pCmpGtB), (0x65, "pcmpgtw", SSE.pCmpGtW),
        (0x66, "pcmpgtd", SSE.pCmpGtD), (0x67, "packuswb", SSE.packUSWB), (0x68, "punpckhbw", SSE.pUnpckHBW),
        (0x69, "punpckhwd", SSE.pUnpckHWD), (0x6A, "punpckhdq", SSE.pUnpckHDQ), (0x6B, "packssdw", SSE.packSSDW),
        (0x6C, "punpcklqdq", SSE.pUnpckLQDQ), (0x6D, "punpckhqdq", SSE.pUnpckHQDQ),
        (0x74, "pcmpeqb", SSE.pCmpEqB), (0x75, "pcmpeqw", SSE.pCmpEqW), (0x76, "pcmpeqd", SSE.pCmpEqD),
        (0xD1, "psrlw", SSE.pSrlWx), (0xD2, "psrld", SSE.pSrlDx), (0xD3, "psrlq", SSE.pSrlQx),
        (0xD4, "paddq", SSE.pAddQ), (0xD5, "pmullw", SSE.pMulLW), (0xD8, "psubusb", SSE.pSubUSB),
        (0xD9, "psubusw", SSE.pSubUSW), (0xDA, "pminub", SSE.pMinUB), (0xDB, "pand", SSE.pAnd),
        (0xDC, "paddusb", SSE.pAddUSB), (0xDD, "paddusw", SSE.pAddUSW), (0xDE, "pmaxub", SSE.pMaxUB),
        (0xDF, "pandn", SSE.pAndN), (0xE0, "pavgb", SSE.pAvgB), (0xE1, "psraw", SSE.pSraWx),
        (0xE2, "psrad", SSE.pSraDx), (0xE3, "pavgw", SSE.pAvgW), (0xE4, "pmulhuw", SSE.pMulHUW),
        (0xE5, "pmulhw", SSE.pMulHW), (0xE8, "psubsb", SSE.pSubSB), (0xE9, "psubsw", SSE.pSubSW),
        (0xEA, "pminsw", SSE.pMinSW), (0xEB, "por", SSE.pOr), (0xEC, "paddsb", SSE.pAddSB),
        (0xED, "paddsw", SSE.pAddSW), (0xEE, "pmaxsw", SSE.pMaxSW), (0xEF, "pxor", SSE.pXor),
        (0xF1, "psllw", SSE.pSllWx), (0xF2, "pslld", SSE.pSllDx), (0xF3, "psllq", SSE.pSllQx),
        (0xF4, "pmuludq", SSE.pMulUDQ), (0xF5, "pmaddwd", SSE.pMAddWD), (0xF6, "psadbw", SSE.pSadBW),
        (0xF8, "psubb", SSE.pSubB), (0xF9, "psubw", SSE.pSubW), (0xFA, "psubd", SSE.pSubD),
        (0xFB, "psubq", SSE.pSubQ), (0xFC, "paddb", SSE.pAddB), (0xFD, "paddw", SSE.pAddW), (0xFE, "paddd", SSE.pAddD),
    ]
    // No prefix: the MMX form on MMX registers (P = ModRM.reg, Q = MMX register or m64), Instructions/MMX.swift.
    let pq: [OperandSpec] = [.V(.q), .W(.q)], qp: [OperandSpec] = [.W(.q), .V(.q)]
    for (op, name, h) in packed {
        let mmx: OpcodeNode = MMX.packedSet(op).map { .op(name, pq, $0) } ?? .invalid
        m[op] = .byPrefix(none: mmx, p66: .op(name, vw, h), pF3: .invalid, pF2: .invalid)
    }

    m[0x6E] = .byPrefix(none: .op("movd/movq", [.V(.q), .E(.y)], MMX.movdToMm), p66: .op("movd/movq", [.V(.x), .E(.y)], SSE.movdToXmm),
                        pF3: .invalid, pF2: .invalid)
    m[0x7E] = .byPrefix(none: .op("movd/movq", [.E(.y), .V(.q)], MMX.movdFromMm), p66: .op("movd/movq", [.E(.y), .V(.x)], SSE.movdFromXmm),
                        pF3: .op("movq", [.V(.x), .W(.q)], SSE.movqLoad), pF2: .invalid)
    m[0x6F] = .byPrefix(none: .op("movq", pq, MMX.movqLoad), p66: .op("movdqa", vw, SSE.movAligned), pF3: .op("movdqu", vw, SSE.movUnaligned), pF2: .invalid)
    m[0x7F] = .byPrefix(none: .op("movq", qp, MMX.movqStore), p66: .op("movdqa", wv, SSE.movAlignedStore), pF3: .op("movdqu", wv, SSE.movUnalignedStore), pF2: .invalid)
    m[0x70] = .byPrefix(none: .op("pshufw", [.V(.q), .W(.q), .I(.b)], MMX.pShufW), p66: .op("pshufd", vwi, SSE.pShufD), pF3: .op("pshufhw", vwi, SSE.pShufHW),
                        pF2: .op("pshuflw", vwi, SSE.pShufLW))
    let ui: [OperandSpec] = [.U(.x), .I(.b)], ni: [OperandSpec] = [.U(.q), .I(.b)]
    // No prefix: the MMX shifts by immediate (no PSRLDQ/PSLLDQ).
    func mmxOr66(_ mmx: OpcodeNode, _ x: OpcodeNode) -> OpcodeNode { .byPrefix(none: mmx, p66: x, pF3: .invalid, pF2: .invalid) }
    m[0x71] = mmxOr66(.group([.invalid, .invalid, .op("psrlw", ni, MMX.pSrlWi), .invalid,
                              .op("psraw", ni, MMX.pSraWi), .invalid, .op("psllw", ni, MMX.pSllWi), .invalid]),
                      .group([.invalid, .invalid, .op("psrlw", ui, SSE.pSrlWi), .invalid,
                          .op("psraw", ui, SSE.pSraWi), .invalid, .op("psllw", ui, SSE.pSllWi), .invalid]))
    m[0x72] = mmxOr66(.group([.invalid, .invalid, .op("psrld", ni, MMX.pSrlDi), .invalid,
                              .op("psrad", ni, MMX.pSraDi), .invalid, .op("pslld", ni, MMX.pSllDi), .invalid]),
                      .group([.invalid, .invalid, .op("psrld", ui, SSE.pSrlDi), .invalid,
                          .op("psrad", ui, SSE.pSraDi), .invalid, .op("pslld", ui, SSE.pSllDi), .invalid]))
    m[0x73] = mmxOr66(.group([.invalid, .invalid, .op("psrlq", ni, MMX.pSrlQi), .invalid,
                              .invalid, .invalid, .op("psllq", ni, MMX.pSllQi), .invalid]),
                      .group([.invalid, .invalid, .op("psrlq", ui, SSE.pSrlQi), .op("psrldq", ui, SSE.pSrlDQi),
                          .invalid, .invalid, .op("psllq", ui, SSE.pSllQi), .op("pslldq", ui, SSE.pSllDQi)]))
    m[0xC3] = .byPrefix(none: .op("movnti", [.M(.y), .G(.y)], SSE.movnti), p66: nil, pF3: .invalid, pF2: .invalid)
    m[0xC4] = mmxOr66(.op("pinsrw", [.V(.q), .E(.w), .I(.b)], MMX.pinsrw), .op("pinsrw", [.V(.x), .E(.w), .I(.b)], SSE.pinsrw))
    m[0xC5] = mmxOr66(.op("pextrw", [.G(.d), .U(.q), .I(.b)], MMX.pextrwSet), .op("pextrw", [.G(.d), .U(.x), .I(.b)], SSE.pextrwSet))
    m[0xC6] = .byPrefix(none: .op("shufps", vwi, SSE.shufPS), p66: .op("shufpd", vwi, SSE.shufPD), pF3: .invalid, pF2: .invalid)
    m[0xD6] = .byPrefix(none: .invalid, p66: .op("movq", [.W(.q), .V(.x)], SSE.movqStore),
                        pF3: .op("movq2dq", [.V(.x), .U(.q)], MMX.movq2dqSet), pF2: .op("movdq2q", [.V(.q), .U(.x)], MMX.movdq2qSet))
    m[0xD7] = mmxOr66(.op("pmovmskb", [.G(.d), .U(.q)], MMX.pmovmskbSet), .op("pmovmskb", [.G(.d), .U(.x)], SSE.pmovmskbSet))
    m[0xE7] = mmxOr66(.op("movntq", [.M(.q), .V(.q)], MMX.movntq), .op("movntdq", [.M(.x), .V(.x)], SSE.movNT))
    // 0F AE: memory forms /2 LDMXCSR, /3 STMXCSR; register forms /5 /6 /7 LFENCE/MFENCE/SFENCE.
    // /0 /1 FXSAVE/FXRSTOR (X87Control.swift). XSAVE*, CLFLUSH and FSGSBASE are not here yet.
    m[0xAE] = .byPrefix(none: .byMod(memory: .group([.op("fxsave/fxsave/fxsave64", [.M(.q)], X87Control.fxsaveSet),
                                                     .op("fxrstor/fxrstor/fxrstor64", [.M(.q)], X87Control.fxrstorSet),
                                                     .op("ldmxcsr", [.M(.d)], SSE.ldmxcsrSet),
                                                     .op("stmxcsr", [.M(.d)], SSE.stmxcsrSet),
                                                     .invalid, .invalid, .invalid, .invalid]),
                                     register: .group([.invalid, .invalid, .invalid, .invalid, .invalid,
                                                       .op("lfence", [], SSE.fenceSet), .op("mfence", [], SSE.fenceSet),
                                                       .op("sfence", [], SSE.fenceSet)])),
                        p66: .invalid, pF3: .invalid, pF2: .invalid)
    addSSEFloatEntries(&m)
}

/// SSE/SSE2 floating point (Instructions/SSEFloat.swift, SSEFloatConvert.swift). The MMX-register
/// conversions (no prefix / 66 on 0F 2A, 2C, 2D) are in Instructions/MMXConvert.swift.
func addSSEFloatEntries(_ m: inout [OpcodeNode]) {
    let vw: [OperandSpec] = [.V(.x), .W(.x)], vwd: [OperandSpec] = [.V(.x), .W(.d)], vwq: [OperandSpec] = [.V(.x), .W(.q)]
    func arith(_ n: String, _ ps: HandlerSet, _ pd: HandlerSet, _ ss: HandlerSet, _ sd: HandlerSet) -> OpcodeNode {
        .byPrefix(none: .op(n + "ps", vw, ps), p66: .op(n + "pd", vw, pd), pF3: .op(n + "ss", vwd, ss), pF2: .op(n + "sd", vwq, sd))
    }
    m[0x51] = arith("sqrt", SSE.sqrtPS, SSE.sqrtPD, SSE.sqrtSS, SSE.sqrtSD)
    m[0x52] = .byPrefix(none: .op("rsqrtps", vw, SSE.rsqrtPS), p66: .invalid, pF3: .op("rsqrtss", vwd, SSE.rsqrtSS), pF2: .invalid)
    m[0x53] = .byPrefix(none: .op("rcpps", vw, SSE.rcpPS), p66: .invalid, pF3: .op("rcpss", vwd, SSE.rcpSS), pF2: .invalid)
    m[0x58] = arith("add", SSE.addPS, SSE.addPD, SSE.addSS, SSE.addSD)
    m[0x59] = arith("mul", SSE.mulPS, SSE.mulPD, SSE.mulSS, SSE.mulSD)
    m[0x5C] = arith("sub", SSE.subPS, SSE.subPD, SSE.subSS, SSE.subSD)
    m[0x5D] = arith("min", SSE.minPS, SSE.minPD, SSE.minSS, SSE.minSD)
    m[0x5E] = arith("div", SSE.divPS, SSE.divPD, SSE.divSS, SSE.divSD)
    m[0x5F] = arith("max", SSE.maxPS, SSE.maxPD, SSE.maxSS, SSE.maxSD)
    m[0xC2] = .byPrefix(none: .op("cmpps", [.V(.x), .W(.x), .I(.b)], SSE.cmpPS), p66: .op("cmppd", [.V(.x), .W(.x), .I(.b)], SSE.cmpPD),
                        pF3: .op("cmpss", [.V(.x), .W(.d), .I(.b)], SSE.cmpSS), pF2: .op("cmpsd", [.V(.x), .W(.q), .I(.b)], SSE.cmpSD))
    m[0x2E] = .byPrefix(none: .op("ucomiss", vwd, SSE.ucomiss), p66: .op("ucomisd", vwq, SSE.ucomisd), pF3: .invalid, pF2: .invalid)
    m[0x2F] = .byPrefix(none: .op("comiss", vwd, SSE.comiss), p66: .op("comisd", vwq, SSE.comisd), pF3: .invalid, pF2: .invalid)
    m[0x2A] = .byPrefix(none: .op("cvtpi2ps", [.V(.x), .W(.q)], MMX.cvtPI2PS), p66: .op("cvtpi2pd", [.V(.x), .W(.q)], MMX.cvtPI2PD), pF3: .op("cvtsi2ss", [.V(.x), .E(.y)], SSE.cvtSI2SS),
                        pF2: .op("cvtsi2sd", [.V(.x), .E(.y)], SSE.cvtSI2SD))
    m[0x2C] = .byPrefix(none: .op("cvttps2pi", [.V(.q), .W(.q)], MMX.cvttPS2PI), p66: .op("cvttpd2pi", [.V(.q), .W(.x)], MMX.cvttPD2PI), pF3: .op("cvttss2si", [.G(.y), .W(.d)], SSE.cvttSS2SI),
                        pF2: .op("cvttsd2si", [.G(.y), .W(.q)], SSE.cvttSD2SI))
    m[0x2D] = .byPrefix(none: .op("cvtps2pi", [.V(.q), .W(.q)], MMX.cvtPS2PI), p66: .op("cvtpd2pi", [.V(.q), .W(.x)], MMX.cvtPD2PI), pF3: .op("cvtss2si", [.G(.y), .W(.d)], SSE.cvtSS2SI),
                        pF2: .op("cvtsd2si", [.G(.y), .W(.q)], SSE.cvtSD2SI))
    m[0x5A] = .byPrefix(none: .op("cvtps2pd", vwq, SSE.cvtPS2PD), p66: .op("cvtpd2ps", vw, SSE.cvtPD2PS),
                        pF3: .op("cvtss2sd", vwd, SSE.cvtSS2SD), pF2: .op("cvtsd2ss", vwq, SSE.cvtSD2SS))
    m[0x5B] = .byPrefix(none: .op("cvtdq2ps", vw, SSE.cvtDQ2PS), p66: .op("cvtps2dq", vw, SSE.cvtPS2DQ),
                        pF3: .op("cvttps2dq", vw, SSE.cvttPS2DQ), pF2: .invalid)
    m[0xE6] = .byPrefix(none: .invalid, p66: .op("cvttpd2dq", vw, SSE.cvttPD2DQ), pF3: .op("cvtdq2pd", vwq, SSE.cvtDQ2PD),
                        pF2: .op("cvtpd2dq", vw, SSE.cvtPD2DQ))
}
