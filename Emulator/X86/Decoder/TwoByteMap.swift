// Layer: X86 (CPU model), opcode tables: the two-byte (0F xx) map, integer part. SSE entries
// arrive with [2/6]; descriptor-table and control-register instructions with [3/6].

func buildTwoByteMap() -> [OpcodeNode] {
    var m = [OpcodeNode](repeating: .invalid, count: 256)
    // 0F 00: SLDT, STR, LLDT, LTR, VERR, VERW (Descriptors.swift).
    m[0x00] = .group([.op("sldt", [.E(.v)], DescriptorTables.sldt),
                      .op("str", [.E(.v)], DescriptorTables.str),
                      .op("lldt", [.E(.w)], DescriptorTables.lldt),
                      .op("ltr", [.E(.w)], DescriptorTables.ltr),
                      .op("verr", [.E(.w)], DescriptorTables.verr),
                      .op("verw", [.E(.w)], DescriptorTables.verw),
                      .invalid, .invalid])
    m[0x02] = .op("lar", [.G(.v), .E(.w)], DescriptorTables.lar)
    m[0x03] = .op("lsl", [.G(.v), .E(.w)], DescriptorTables.lsl)
    // Fast system calls (FastSystemCall.swift).
    m[0x05] = .op("syscall", [], FastSystemCall.syscall, [.endsBlock])
    m[0x07] = .op("sysretd/sysretq", [], FastSystemCall.sysret, [.endsBlock])
    m[0x34] = .op("sysenter", [], FastSystemCall.sysenter, [.endsBlock])
    m[0x35] = .op("sysexitd/sysexitq", [], FastSystemCall.sysexit, [.endsBlock])
    // Control registers, caches, MSRs (Instructions/ControlRegisters.swift).
    m[0x06] = .op("clts", [], ControlRegisterOps.cltsSet)
    m[0x08] = .op("invd", [], ControlRegisterOps.invdSet)
    m[0x09] = .op("wbinvd", [], ControlRegisterOps.invdSet)
    // MOV CRn/DRn: the general register is 64-bit in 64-bit mode, 32-bit otherwise (66 ignored).
    m[0x20] = .byMode(long: .op("mov", [.R(.q), .C], ControlRegisterOps.movFromCRSet, [.modIgnored]),
                      legacy: .op("mov", [.R(.d), .C], ControlRegisterOps.movFromCRSet, [.modIgnored]))
    m[0x21] = .byMode(long: .op("mov", [.R(.q), .D], ControlRegisterOps.movFromDRSet, [.modIgnored]),
                      legacy: .op("mov", [.R(.d), .D], ControlRegisterOps.movFromDRSet, [.modIgnored]))
    m[0x22] = .byMode(long: .op("mov", [.C, .R(.q)], ControlRegisterOps.movToCRSet, [.modIgnored]),
                      legacy: .op("mov", [.C, .R(.d)], ControlRegisterOps.movToCRSet, [.modIgnored]))
    m[0x23] = .byMode(long: .op("mov", [.D, .R(.q)], ControlRegisterOps.movToDRSet, [.modIgnored]),
                      legacy: .op("mov", [.D, .R(.d)], ControlRegisterOps.movToDRSet, [.modIgnored]))
    m[0x30] = .op("wrmsr", [], ControlRegisterOps.wrmsrSet)
    m[0x32] = .op("rdmsr", [], ControlRegisterOps.rdmsrSet)
    m[0x0B] = .op("ud2", [], System.ud2, [.endsBlock])
    m[0x0D] = .op("prefetch", [.M(.b)], Move.nop, [.addressOnly])
    // 0F 18-1F: hint NOPs (prefetch, reserved NOP space, 0F 1F /0 the multi-byte NOP).
    for op in 0x18...0x1F {
        m[op] = .op("nop", [.E(.v)], Move.nop, [.addressOnly])
    }
    m[0x31] = .op("rdtsc", [], System.rdtsc)
    m[0x33] = .op("rdpmc", [], System.rdpmc)
    m[0x77] = .byPrefix(none: .op("emms", [], MMX.emmsSet), p66: .invalid, pF3: .invalid, pF2: .invalid)
    m[0x38] = .invalid  // escape to 0F38 (handled by the decoder)
    m[0x3A] = .invalid  // escape to 0F3A
    for cc in 0..<16 {
        m[0x40 + cc] = .op("cmov" + conditionNames[cc], [.G(.v), .E(.v)], Move.cmov(UInt8(cc)))
        m[0x80 + cc] = .op("j" + conditionNames[cc], [.J(.z)], Control.jcc(UInt8(cc)), [.force64, .endsBlock])
        m[0x90 + cc] = .op("set" + conditionNames[cc], [.E(.b)], Move.setcc(UInt8(cc)))
    }
    m[0xA0] = .op("push fs", [], Move.pushSreg(Seg.fs), [.default64])
    m[0xA1] = .op("pop fs", [], Move.popSreg(Seg.fs), [.default64])
    m[0xA2] = .op("cpuid", [], System.cpuid)
    m[0xA3] = .op("bt", [.E(.v), .G(.v)], Bit.bitTest(.bt, immediate: false))
    m[0xA4] = .op("shld", [.E(.v), .G(.v), .I(.b)], Shift.shld(.imm))
    m[0xA5] = .op("shld", [.E(.v), .G(.v), .fixed(Reg.rcx, .b)], Shift.shld(.cl))
    m[0xA8] = .op("push gs", [], Move.pushSreg(Seg.gs), [.default64])
    m[0xA9] = .op("pop gs", [], Move.popSreg(Seg.gs), [.default64])
    m[0xAB] = .op("bts", [.E(.v), .G(.v)], Bit.bitTest(.bts, immediate: false), [.lockable])
    m[0xAC] = .op("shrd", [.E(.v), .G(.v), .I(.b)], Shift.shrd(.imm))
    m[0xAD] = .op("shrd", [.E(.v), .G(.v), .fixed(Reg.rcx, .b)], Shift.shrd(.cl))
    m[0xAF] = .op("imul", [.G(.v), .E(.v)], Arith.imulGE)
    m[0xB0] = .op("cmpxchg", [.E(.b), .G(.b)], Move.cmpxchg, [.lockable])
    m[0xB1] = .op("cmpxchg", [.E(.v), .G(.v)], Move.cmpxchg, [.lockable])
    m[0xB3] = .op("btr", [.E(.v), .G(.v)], Bit.bitTest(.btr, immediate: false), [.lockable])
    // LSS/LFS/LGS Gv, Mp (SegmentLoads.swift).
    m[0xB2] = .op("lss", [.G(.v), .M(.v)], SegmentLoads.lss, [.endsBlock])
    m[0xB4] = .op("lfs", [.G(.v), .M(.v)], SegmentLoads.lfs, [.endsBlock])
    m[0xB5] = .op("lgs", [.G(.v), .M(.v)], SegmentLoads.lgs, [.endsBlock])
    m[0xB6] = .op("movzx", [.G(.v), .E(.b)], Move.movzx(sourceBytes: 1))
    m[0xB7] = .op("movzx", [.G(.v), .E(.w)], Move.movzx(sourceBytes: 2))
    m[0xB8] = .byPrefix(none: .invalid, p66: nil, pF3: .op("popcnt", [.G(.v), .E(.v)], Bit.popcnt), pF2: nil)
    m[0xB9] = .op("ud1", [.G(.v), .E(.v)], System.ud2, [.endsBlock])
    m[0xBA] = .group([.invalid, .invalid, .invalid, .invalid,
                      .op("bt", [.E(.v), .I(.b)], Bit.bitTest(.bt, immediate: true)),
                      .op("bts", [.E(.v), .I(.b)], Bit.bitTest(.bts, immediate: true), [.lockable]),
                      .op("btr", [.E(.v), .I(.b)], Bit.bitTest(.btr, immediate: true), [.lockable]),
                      .op("btc", [.E(.v), .I(.b)], Bit.bitTest(.btc, immediate: true), [.lockable])])
    m[0xBB] = .op("btc", [.E(.v), .G(.v)], Bit.bitTest(.btc, immediate: false), [.lockable])
    m[0xBC] = .byPrefix(none: .op("bsf", [.G(.v), .E(.v)], Bit.bsf), p66: nil,
                        pF3: .op("tzcnt", [.G(.v), .E(.v)], Bit.tzcnt), pF2: nil)
    m[0xBD] = .byPrefix(none: .op("bsr", [.G(.v), .E(.v)], Bit.bsr), p66: nil,
                        pF3: .op("lzcnt", [.G(.v), .E(.v)], Bit.lzcnt), pF2: nil)
    m[0xBE] = .op("movsx", [.G(.v), .E(.b)], Move.movsx(sourceBytes: 1))
    m[0xBF] = .op("movsx", [.G(.v), .E(.w)], Move.movsx(sourceBytes: 2))
    m[0xC0] = .op("xadd", [.E(.b), .G(.b)], Move.xadd, [.lockable])
    m[0xC1] = .op("xadd", [.E(.v), .G(.v)], Move.xadd, [.lockable])
    // 0F C7 /1: CMPXCHG8B / CMPXCHG16B (memory only).
    m[0xC7] = .group([.invalid,
                      .byMod(memory: .op("cmpxchg8b/cmpxchg16b", [.M(.q)], Move.cmpxchg8b16b, [.lockable]), register: .invalid),
                      .invalid, .invalid, .invalid, .invalid, .invalid, .invalid])
    for r in 0..<8 {
        m[0xC8 + r] = .op("bswap", [.Z(.y)], Bit.bswap)
    }
    // 0F 01 /0-/3 memory forms: SGDT, SIDT, LGDT, LIDT (Descriptors.swift; register forms are
    // other instructions: MONITOR, XGETBV, VMRUN...).
    m[0x01] = .group([.byMod(memory: .op("sgdt", [.M(.q)], DescriptorTables.sgdt), register: .invalid),
                      .byMod(memory: .op("sidt", [.M(.q)], DescriptorTables.sidt), register: .invalid),
                      .byMod(memory: .op("lgdt", [.M(.q)], DescriptorTables.lgdt), register: .invalid),
                      .byMod(memory: .op("lidt", [.M(.q)], DescriptorTables.lidt), register: .invalid),
                      .op("smsw", [.E(.v)], ControlRegisterOps.smswSet),
                      .invalid,
                      .op("lmsw", [.E(.w)], ControlRegisterOps.lmswSet, [.endsBlock]),
                      .byMod(memory: .op("invlpg", [.M(.b)], ControlRegisterOps.invlpgSet, [.addressOnly]),
                             register: .byRM([.op("swapgs", [], ControlRegisterOps.swapgsSet), .op("rdtscp", [], System.rdtscp), .invalid, .invalid,
                                              .invalid, .invalid, .invalid, .invalid]))])
    addSSEEntries(&m)   // SSE/SSE2: Decoder/SSEMap.swift
    addSSE3Entries(&m)  // SSE3: Decoder/SSEExtendedMap.swift
    return m
}

func buildMap0F38() -> [OpcodeNode] {
    var m = [OpcodeNode](repeating: .invalid, count: 256)
    // MOVBE (no prefix or 66); F2 0F 38 F0/F1 is CRC32 ([2/6], SSE4.2).
    m[0xF0] = .byPrefix(none: .op("movbe", [.G(.v), .M(.v)], Move.movbeLoad), p66: nil, pF3: .invalid, pF2: .invalid)
    m[0xF1] = .byPrefix(none: .op("movbe", [.M(.v), .G(.v)], Move.movbeStore), p66: nil, pF3: .invalid, pF2: .invalid)
    // 66 0F 38 82 INVPCID Gy, Mdq (ControlRegisters.swift): the register is 64-bit in 64-bit mode.
    m[0x82] = .byPrefix(none: .invalid, p66: .op("invpcid", [.G(.y), .M(.x)], ControlRegisterOps.invpcidSet, [.default64]),
                        pF3: .invalid, pF2: .invalid)
    addSSEEntries0F38(&m)  // SSSE3, SSE4.1, SSE4.2: Decoder/SSEExtendedMap.swift
    return m
}

func buildMap0F3A() -> [OpcodeNode] {
    var m = [OpcodeNode](repeating: .invalid, count: 256)
    addSSEEntries0F3A(&m)  // SSSE3, SSE4.1, SSE4.2: Decoder/SSEExtendedMap.swift
    return m
}
