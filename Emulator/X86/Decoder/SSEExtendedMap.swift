// Layer: X86 (CPU model), opcode tables: the SSE3, SSSE3, SSE4.1 and SSE4.2 entries, in the
// two-byte map (0F xx: MOVSLDUP/MOVSHDUP/MOVDDUP/LDDQU) and the three-byte maps 0F 38 xx and
// 0F 3A xx (every 0F 3A instruction has an imm8). They are added to the maps built in
// TwoByteMap.swift by the three functions below. The XMM forms need the 66 prefix; the
// no-prefix forms of SSSE3 operate on MMX registers and decode as #UD (MMX is not modelled).
// Operands: V = XMM in ModRM.reg, W = XMM or memory in ModRM.rm, U = XMM register only,
// sizes of W give the memory operand width (q = m64, d = m32, w = m16, x = m128).

/// Replaces the F3/F2 alternatives of a mandatory-prefix node, keeping the others.
private func withRepPrefixes(_ node: OpcodeNode, pF3: OpcodeNode? = nil, pF2: OpcodeNode? = nil) -> OpcodeNode {
    guard case let .byPrefix(none, p66, f3, f2) = node else { return node }
    return .byPrefix(none: none, p66: p66, pF3: pF3 ?? f3, pF2: pF2 ?? f2)
}

private func only66(_ n: OpcodeNode) -> OpcodeNode { .byPrefix(none: .invalid, p66: n, pF3: .invalid, pF2: .invalid) }

/// 0F xx: SSE3 data movement.
func addSSE3Entries(_ m: inout [OpcodeNode]) {
    let vw: [OperandSpec] = [.V(.x), .W(.x)]
    m[0x12] = withRepPrefixes(m[0x12], pF3: .op("movsldup", vw, SSE.movsldup),
                              pF2: .op("movddup", [.V(.x), .W(.q)], SSE.movddup))
    m[0x16] = withRepPrefixes(m[0x16], pF3: .op("movshdup", vw, SSE.movshdup))
    m[0xF0] = .byPrefix(none: .invalid, p66: .invalid, pF3: .invalid, pF2: .op("lddqu", [.V(.x), .M(.x)], SSE.lddqu))
    // Floating point: 66 = packed double, F2 = packed single.
    m[0xD0] = .byPrefix(none: .invalid, p66: .op("addsubpd", vw, SSE.addSubPD), pF3: .invalid, pF2: .op("addsubps", vw, SSE.addSubPS))
    m[0x7C] = .byPrefix(none: .invalid, p66: .op("haddpd", vw, SSE.hAddPD), pF3: .invalid, pF2: .op("haddps", vw, SSE.hAddPS))
    m[0x7D] = .byPrefix(none: .invalid, p66: .op("hsubpd", vw, SSE.hSubPD), pF3: .invalid, pF2: .op("hsubps", vw, SSE.hSubPS))
}

/// 0F 38 xx: SSSE3, SSE4.1, SSE4.2 (PCMPGTQ, CRC32).
func addSSEEntries0F38(_ m: inout [OpcodeNode]) {
    let vw: [OperandSpec] = [.V(.x), .W(.x)]
    let full: [(Int, String, HandlerSet)] = [
        (0x00, "pshufb", SSE.pShufB), (0x01, "phaddw", SSE.pHAddW), (0x02, "phaddd", SSE.pHAddD),
        (0x03, "phaddsw", SSE.pHAddSW), (0x04, "pmaddubsw", SSE.pMAddUBSW), (0x05, "phsubw", SSE.pHSubW),
        (0x06, "phsubd", SSE.pHSubD), (0x07, "phsubsw", SSE.pHSubSW), (0x08, "psignb", SSE.pSignB),
        (0x09, "psignw", SSE.pSignW), (0x0A, "psignd", SSE.pSignD), (0x0B, "pmulhrsw", SSE.pMulHRSW),
        (0x1C, "pabsb", SSE.pAbsB), (0x1D, "pabsw", SSE.pAbsW), (0x1E, "pabsd", SSE.pAbsD),
        // SSE4.1 (PBLENDVB/BLENDVPS/BLENDVPD read XMM0 implicitly as the mask).
        (0x10, "pblendvb", SSE.pBlendVB), (0x14, "blendvps", SSE.blendVPS), (0x15, "blendvpd", SSE.blendVPD),
        (0x17, "ptest", SSE.pTest), (0x28, "pmuldq", SSE.pMulDQ), (0x29, "pcmpeqq", SSE.pCmpEqQ),
        (0x2B, "packusdw", SSE.packUSDW), (0x38, "pminsb", SSE.pMinSB), (0x39, "pminsd", SSE.pMinSD),
        (0x3A, "pminuw", SSE.pMinUW), (0x3B, "pminud", SSE.pMinUD), (0x3C, "pmaxsb", SSE.pMaxSB),
        (0x3D, "pmaxsd", SSE.pMaxSD), (0x3E, "pmaxuw", SSE.pMaxUW), (0x3F, "pmaxud", SSE.pMaxUD),
        (0x40, "pmulld", SSE.pMulLD), (0x41, "phminposuw", SSE.pHMinPosUW),
        // SSE4.2
        (0x37, "pcmpgtq", SSE.pCmpGtQ),
    ]
    for (op, name, h) in full {
        // No prefix: the SSSE3 MMX-register forms (Instructions/MMX.swift); SSE4 has none.
        let mmx: OpcodeNode = MMX.ssse3Set(op).map { .op(name, [.V(.q), .W(.q)], $0) } ?? .invalid
        m[op] = .byPrefix(none: mmx, p66: .op(name, vw, h), pF3: .invalid, pF2: .invalid)
    }
    // PMOVSX/PMOVZX: the memory operand is as wide as the lanes read.
    let widen: [(Int, String, OperandSize, HandlerSet, HandlerSet)] = [
        (0x20, "bw", .q, SSE.pMovSXBW, SSE.pMovZXBW), (0x21, "bd", .d, SSE.pMovSXBD, SSE.pMovZXBD),
        (0x22, "bq", .w, SSE.pMovSXBQ, SSE.pMovZXBQ), (0x23, "wd", .q, SSE.pMovSXWD, SSE.pMovZXWD),
        (0x24, "wq", .d, SSE.pMovSXWQ, SSE.pMovZXWQ), (0x25, "dq", .q, SSE.pMovSXDQ, SSE.pMovZXDQ),
    ]
    for (op, suffix, size, sx, zx) in widen {
        m[op] = only66(.op("pmovsx" + suffix, [.V(.x), .W(size)], sx))
        m[op + 0x10] = only66(.op("pmovzx" + suffix, [.V(.x), .W(size)], zx))
    }
    m[0x2A] = only66(.op("movntdqa", [.V(.x), .M(.x)], SSE.movNTDQA))
    // F2 0F 38 F0/F1: CRC32 shares its opcodes with MOVBE (no prefix / 66).
    m[0xF0] = withRepPrefixes(m[0xF0], pF2: .op("crc32", [.G(.y), .E(.b)], SSE.crc32Byte))
    m[0xF1] = withRepPrefixes(m[0xF1], pF2: .op("crc32", [.G(.y), .E(.v)], SSE.crc32))
}

/// 0F 3A xx: SSSE3 PALIGNR, SSE4.1 blends/inserts/extracts/MPSADBW, SSE4.2 string compares.
func addSSEEntries0F3A(_ m: inout [OpcodeNode]) {
    let vwi: [OperandSpec] = [.V(.x), .W(.x), .I(.b)]
    let full: [(Int, String, HandlerSet)] = [
        (0x0C, "blendps", SSE.blendPS), (0x0D, "blendpd", SSE.blendPD), (0x0E, "pblendw", SSE.pBlendW),
        (0x0F, "palignr", SSE.pAlignR), (0x42, "mpsadbw", SSE.mpSadBW),
        (0x08, "roundps", SSE.roundPS), (0x09, "roundpd", SSE.roundPD), (0x40, "dpps", SSE.dpPS), (0x41, "dppd", SSE.dpPD),
        (0x60, "pcmpestrm", SSE.pCmpEStrM), (0x61, "pcmpestri", SSE.pCmpEStrI),
        (0x62, "pcmpistrm", SSE.pCmpIStrM), (0x63, "pcmpistri", SSE.pCmpIStrI),
    ]
    for (op, name, h) in full { m[op] = only66(.op(name, vwi, h)) }
    m[0x0F] = .byPrefix(none: .op("palignr", [.V(.q), .W(.q), .I(.b)], MMX.pAlignR), p66: .op("palignr", vwi, SSE.pAlignR),
                        pF3: .invalid, pF2: .invalid)
    // Extracts to r32/r64 or memory of the element's width; inserts from r32/r64 or memory.
    m[0x14] = only66(.op("pextrb", [.E(.d), .V(.x), .I(.b)], SSE.pExtrB))
    m[0x15] = only66(.op("pextrw", [.E(.d), .V(.x), .I(.b)], SSE.pExtrW))
    m[0x16] = only66(.op("pextrd/pextrq", [.E(.y), .V(.x), .I(.b)], SSE.pExtrDQ))
    m[0x17] = only66(.op("extractps", [.E(.d), .V(.x), .I(.b)], SSE.extractPS))
    m[0x20] = only66(.op("pinsrb", [.V(.x), .E(.d), .I(.b)], SSE.pInsrB))
    m[0x21] = only66(.op("insertps", [.V(.x), .W(.d), .I(.b)], SSE.insertPS))
    m[0x0A] = only66(.op("roundss", [.V(.x), .W(.d), .I(.b)], SSE.roundSS))
    m[0x0B] = only66(.op("roundsd", [.V(.x), .W(.q), .I(.b)], SSE.roundSD))
    m[0x22] = only66(.op("pinsrd/pinsrq", [.V(.x), .E(.y), .I(.b)], SSE.pInsrDQ))
}
