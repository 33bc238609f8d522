// Layer: X86 (CPU model), instruction handlers: SSE/SSE2 data movement (MOVAPS/MOVUPS/MOVAPD/
// MOVUPD/MOVDQA/MOVDQU/MOVNT*, MOVSS/MOVSD, MOVLPS/MOVHPS/MOVLPD/MOVHPD/MOVHLPS/MOVLHPS,
// MOVD/MOVQ, MOVMSKPS/MOVMSKPD/PMOVMSKB, PINSRW/PEXTRW, MOVNTI), LDMXCSR/STMXCSR and the fences.
// V = XMM in ModRM.reg (i.reg), W/U = XMM in ModRM.rm (i.rm) or the memory operand.

extension SSE {
    // MARK: full 128-bit moves
    /// V <- W (register form of every full move).
    @inline(__always) static func movVW(_ cpu: CPU, _ i: Instr) { do { try movVWBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func movVWBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.sseAvailable(); cpu.setXmm(i.reg, cpu.xmm(i.rm))
    }
    /// W <- V, register form.
    @inline(__always) static func movWV(_ cpu: CPU, _ i: Instr) { do { try movWVBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func movWVBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.sseAvailable(); cpu.setXmm(i.rm, cpu.xmm(i.reg))
    }
    @inline(__always) static func loadA(_ cpu: CPU, _ i: Instr) { do { try loadABody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func loadABody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.sseAvailable(); cpu.setXmm(i.reg, try cpu.load128(cpu.effectiveAddress(i), aligned: true))
    }
    @inline(__always) static func loadU(_ cpu: CPU, _ i: Instr) { do { try loadUBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func loadUBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.sseAvailable(); cpu.setXmm(i.reg, try cpu.load128(cpu.effectiveAddress(i), aligned: false))
    }
    @inline(__always) static func storeA(_ cpu: CPU, _ i: Instr) { do { try storeABody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func storeABody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.sseAvailable(); try cpu.store128(cpu.effectiveAddress(i), cpu.xmm(i.reg), aligned: true)
    }
    @inline(__always) static func storeU(_ cpu: CPU, _ i: Instr) { do { try storeUBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func storeUBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.sseAvailable(); try cpu.store128(cpu.effectiveAddress(i), cpu.xmm(i.reg), aligned: false)
    }
    static let movAligned = xmmSet(movVW, loadA)
    static let movUnaligned = xmmSet(movVW, loadU)
    static let movAlignedStore = xmmSet(movWV, storeA)
    static let movUnalignedStore = xmmSet(movWV, storeU)
    /// MOVNTPS/MOVNTPD/MOVNTDQ: memory only, aligned.
    static let movNT = xmmSet(nil, storeA)

    // MARK: scalar moves
    /// MOVSS/MOVSD xmm, xmm: only the low 32/64 bits are copied.
    @inline(__always) static func movssRR(_ cpu: CPU, _ i: Instr) { do { try movssRRBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func movssRRBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.sseAvailable()
        var d = cpu.xmm(i.reg); d.lo = (d.lo & ~0xFFFF_FFFF) | (cpu.xmm(i.rm).lo & 0xFFFF_FFFF); cpu.setXmm(i.reg, d)
    }
    /// MOVSS xmm, m32: the upper 96 bits are zeroed.
    @inline(__always) static func movssRM(_ cpu: CPU, _ i: Instr) { do { try movssRMBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func movssRMBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.sseAvailable()
        let v: UInt32 = try cpu.load(cpu.effectiveAddress(i)); cpu.setXmm(i.reg, V128(lo: UInt64(v), hi: 0))
    }
    /// MOVSS xmm/m32, xmm (0F 11 store form).
    @inline(__always) static func movssStoreRR(_ cpu: CPU, _ i: Instr) { do { try movssStoreRRBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func movssStoreRRBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.sseAvailable()
        var d = cpu.xmm(i.rm); d.lo = (d.lo & ~0xFFFF_FFFF) | (cpu.xmm(i.reg).lo & 0xFFFF_FFFF); cpu.setXmm(i.rm, d)
    }
    @inline(__always) static func movssStoreM(_ cpu: CPU, _ i: Instr) { do { try movssStoreMBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func movssStoreMBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.sseAvailable(); try cpu.store(cpu.effectiveAddress(i), UInt32(truncatingIfNeeded: cpu.xmm(i.reg).lo))
    }
    @inline(__always) static func movsdRR(_ cpu: CPU, _ i: Instr) { do { try movsdRRBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func movsdRRBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.sseAvailable(); var d = cpu.xmm(i.reg); d.lo = cpu.xmm(i.rm).lo; cpu.setXmm(i.reg, d)
    }
    /// MOVSD xmm, m64 and MOVQ xmm, m64 (F3 0F 7E): the upper 64 bits are zeroed.
    @inline(__always) static func loadQZero(_ cpu: CPU, _ i: Instr) { do { try loadQZeroBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func loadQZeroBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.sseAvailable(); let v: UInt64 = try cpu.load(cpu.effectiveAddress(i)); cpu.setXmm(i.reg, V128(lo: v, hi: 0))
    }
    @inline(__always) static func movsdStoreRR(_ cpu: CPU, _ i: Instr) { do { try movsdStoreRRBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func movsdStoreRRBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.sseAvailable(); var d = cpu.xmm(i.rm); d.lo = cpu.xmm(i.reg).lo; cpu.setXmm(i.rm, d)
    }
    /// Stores the low 64 bits (MOVSD m64, MOVLPS/MOVLPD m64, MOVQ m64 66 0F D6).
    @inline(__always) static func storeLow64(_ cpu: CPU, _ i: Instr) { do { try storeLow64Body(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func storeLow64Body(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.sseAvailable(); try cpu.store(cpu.effectiveAddress(i), cpu.xmm(i.reg).lo)
    }
    @inline(__always) static func storeHigh64(_ cpu: CPU, _ i: Instr) { do { try storeHigh64Body(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func storeHigh64Body(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.sseAvailable(); try cpu.store(cpu.effectiveAddress(i), cpu.xmm(i.reg).hi)
    }
    static let movss = xmmSet(movssRR, movssRM)
    static let movssStore = xmmSet(movssStoreRR, movssStoreM)
    static let movsd = xmmSet(movsdRR, loadQZero)
    static let movsdStore = xmmSet(movsdStoreRR, storeLow64)

    // MARK: half moves
    /// MOVLPS/MOVLPD xmm, m64: low half from memory.
    @inline(__always) static func loadLow(_ cpu: CPU, _ i: Instr) { do { try loadLowBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func loadLowBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.sseAvailable(); let v: UInt64 = try cpu.load(cpu.effectiveAddress(i)); var d = cpu.xmm(i.reg); d.lo = v; cpu.setXmm(i.reg, d)
    }
    @inline(__always) static func loadHigh(_ cpu: CPU, _ i: Instr) { do { try loadHighBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func loadHighBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.sseAvailable(); let v: UInt64 = try cpu.load(cpu.effectiveAddress(i)); var d = cpu.xmm(i.reg); d.hi = v; cpu.setXmm(i.reg, d)
    }
    /// MOVHLPS: low half <- source's high half.
    @inline(__always) static func movhlps(_ cpu: CPU, _ i: Instr) { do { try movhlpsBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func movhlpsBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.sseAvailable(); var d = cpu.xmm(i.reg); d.lo = cpu.xmm(i.rm).hi; cpu.setXmm(i.reg, d)
    }
    /// MOVLHPS: high half <- source's low half.
    @inline(__always) static func movlhps(_ cpu: CPU, _ i: Instr) { do { try movlhpsBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func movlhpsBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.sseAvailable(); var d = cpu.xmm(i.reg); d.hi = cpu.xmm(i.rm).lo; cpu.setXmm(i.reg, d)
    }
    static let movlpsOrHlps = xmmSet(movhlps, loadLow)
    static let movhpsOrLhps = xmmSet(movlhps, loadHigh)
    static let loadLowOnly = xmmSet(nil, loadLow)
    static let loadHighOnly = xmmSet(nil, loadHigh)
    static let storeLowOnly = xmmSet(nil, storeLow64)
    static let storeHighOnly = xmmSet(nil, storeHigh64)

    // MARK: MOVD/MOVQ
    /// 66 0F 6E: MOVD/MOVQ xmm, r/m32/64 (REX.W selects 64), zero-extended to 128 bits.
    @inline(__always) static func movdToXmmR(_ cpu: CPU, _ i: Instr) { do { try movdToXmmRBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func movdToXmmRBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.sseAvailable()
        let v: UInt64 = cpu.reg(i.rm)
        cpu.setXmm(i.reg, V128(lo: i.pointee.prefixes.contains(.rexW) ? v : v & 0xFFFF_FFFF, hi: 0))
    }
    @inline(__always) static func movdToXmmM(_ cpu: CPU, _ i: Instr) { do { try movdToXmmMBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func movdToXmmMBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.sseAvailable()
        let ea = cpu.effectiveAddress(i)
        let v: UInt64 = i.pointee.prefixes.contains(.rexW) ? try cpu.load(ea) : UInt64(try cpu.load(ea) as UInt32)
        cpu.setXmm(i.reg, V128(lo: v, hi: 0))
    }
    /// 66 0F 7E: MOVD/MOVQ r/m32/64, xmm.
    @inline(__always) static func movdFromXmmR(_ cpu: CPU, _ i: Instr) { do { try movdFromXmmRBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func movdFromXmmRBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.sseAvailable()
        let v = cpu.xmm(i.reg).lo
        if i.pointee.prefixes.contains(.rexW) { cpu.setReg(i.rm, v) } else { cpu.setReg(i.rm, UInt32(truncatingIfNeeded: v)) }
    }
    @inline(__always) static func movdFromXmmM(_ cpu: CPU, _ i: Instr) { do { try movdFromXmmMBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func movdFromXmmMBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.sseAvailable()
        let v = cpu.xmm(i.reg).lo, ea = cpu.effectiveAddress(i)
        if i.pointee.prefixes.contains(.rexW) { try cpu.store(ea, v) } else { try cpu.store(ea, UInt32(truncatingIfNeeded: v)) }
    }
    /// F3 0F 7E MOVQ xmm, xmm: low 64 bits, upper zeroed.
    @inline(__always) static func movqRR(_ cpu: CPU, _ i: Instr) { do { try movqRRBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func movqRRBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.sseAvailable(); cpu.setXmm(i.reg, V128(lo: cpu.xmm(i.rm).lo, hi: 0))
    }
    /// 66 0F D6 MOVQ xmm/m64, xmm: register form zeroes the destination's upper half.
    @inline(__always) static func movqStoreRR(_ cpu: CPU, _ i: Instr) { do { try movqStoreRRBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func movqStoreRRBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.sseAvailable(); cpu.setXmm(i.rm, V128(lo: cpu.xmm(i.reg).lo, hi: 0))
    }
    static let movdToXmm = xmmSet(movdToXmmR, movdToXmmM)
    static let movdFromXmm = xmmSet(movdFromXmmR, movdFromXmmM)
    static let movqLoad = xmmSet(movqRR, loadQZero)
    static let movqStore = xmmSet(movqStoreRR, storeLow64)

    // MARK: masks, word insert/extract
    @inline(__always) static func movmskps(_ cpu: CPU, _ i: Instr) { do { try movmskpsBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func movmskpsBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.sseAvailable()
        let s = cpu.xmm(i.rm)
        let m = (s.lo >> 31 & 1) | (s.lo >> 62 & 2) | (s.hi >> 29 & 4) | (s.hi >> 60 & 8)
        cpu.setReg(i.reg, UInt32(truncatingIfNeeded: m))
    }
    @inline(__always) static func movmskpd(_ cpu: CPU, _ i: Instr) { do { try movmskpdBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func movmskpdBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.sseAvailable()
        let s = cpu.xmm(i.rm)
        cpu.setReg(i.reg, UInt32(truncatingIfNeeded: (s.lo >> 63) | (s.hi >> 62 & 2)))
    }
    @inline(__always) static func pmovmskb(_ cpu: CPU, _ i: Instr) { do { try pmovmskbBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func pmovmskbBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.sseAvailable()
        let s = cpu.xmm(i.rm)
        var m: UInt32 = 0
        for k in 0..<8 {
            m |= UInt32((s.lo >> UInt64(8 * k + 7)) & 1) << UInt32(k)
            m |= UInt32((s.hi >> UInt64(8 * k + 7)) & 1) << UInt32(k + 8)
        }
        cpu.setReg(i.reg, m)
    }
    static let movmskpsSet = xmmSet(movmskps, nil)
    static let movmskpdSet = xmmSet(movmskpd, nil)
    static let pmovmskbSet = xmmSet(pmovmskb, nil)

    /// PINSRW xmm, r32/m16, imm8: word imm&7 replaced.
    @inline(__always) static func pinsrwR(_ cpu: CPU, _ i: Instr) { do { try pinsrwRBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func pinsrwRBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.sseAvailable()
        var d = cpu.xmm(i.reg); d.setLane(Int(i.imm & 7), cpu.reg(i.rm) as UInt16); cpu.setXmm(i.reg, d)
    }
    @inline(__always) static func pinsrwM(_ cpu: CPU, _ i: Instr) { do { try pinsrwMBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func pinsrwMBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.sseAvailable()
        let v: UInt16 = try cpu.load(cpu.effectiveAddress(i))
        var d = cpu.xmm(i.reg); d.setLane(Int(i.imm & 7), v); cpu.setXmm(i.reg, d)
    }
    /// PEXTRW r32, xmm, imm8: word imm&7, zero-extended.
    @inline(__always) static func pextrw(_ cpu: CPU, _ i: Instr) { do { try pextrwBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func pextrwBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.sseAvailable()
        cpu.setReg(i.reg, UInt32(cpu.xmm(i.rm).lane(Int(i.imm & 7), UInt16.self)))
    }
    static let pinsrw = xmmSet(pinsrwR, pinsrwM)
    static let pextrwSet = xmmSet(pextrw, nil)

    /// MOVNTI m32/m64, r32/r64 (an ordinary store here: there is no cache to bypass).
    @inline(__always) static func movnti32(_ cpu: CPU, _ i: Instr) { do { try movnti32Body(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func movnti32Body(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.store(cpu.effectiveAddress(i), cpu.reg(i.reg) as UInt32)
    }
    @inline(__always) static func movnti64(_ cpu: CPU, _ i: Instr) { do { try movnti64Body(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func movnti64Body(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.store(cpu.effectiveAddress(i), cpu.reg(i.reg) as UInt64)
    }
    static let movnti = HandlerSet(mem32: movnti32, mem64: movnti64)

    // MARK: MXCSR, fences
    /// LDMXCSR m32: setting a reserved bit is #GP(0).
    @inline(__always) static func ldmxcsr(_ cpu: CPU, _ i: Instr) { do { try ldmxcsrBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func ldmxcsrBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.sseAvailable()
        let v: UInt32 = try cpu.load(cpu.effectiveAddress(i))
        if v & ~MXCSR.writableMask != 0 { throw .gp(0) }
        cpu.pointee.mxcsr = v
    }
    @inline(__always) static func stmxcsr(_ cpu: CPU, _ i: Instr) { do { try stmxcsrBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func stmxcsrBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.sseAvailable()
        try cpu.store(cpu.effectiveAddress(i), cpu.pointee.mxcsr)
    }
    /// LFENCE/MFENCE/SFENCE: one CPU, program-order memory: nothing to order.
    @inline(__always) static func fence(_ cpu: CPU, _ i: Instr) { cpu.retireAndContinue(i) }
    static let ldmxcsrSet = xmmSet(nil, ldmxcsr)
    static let stmxcsrSet = xmmSet(nil, stmxcsr)
    static let fenceSet = HandlerSet(all: fence)
}
