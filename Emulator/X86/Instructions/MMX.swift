// Layer: X86 (CPU model), instruction handlers: the MMX instructions (no-prefix 0F 60-7F, D0-FF,
// 0F 70-73, C4/C5/D7/E7, EMMS) and the SSE/SSE2 instructions that move between MMX and XMM.
// The eight 64-bit MMX registers MM0-MM7 are the significands (bits 63:0) of the x87 physical
// registers R0-R7 (Intel SDM vol. 1 ch. 9.5): MMn is Rn whatever TOP is, and REX.R/REX.B do not
// extend the register number. The packed operations reuse the 128-bit lane operations of
// SSEInteger.swift on a V128 whose high half is zero (MmxBinary); the two kinds whose lane
// placement depends on the register width (PACK*, PUNPCKH*) go through small adapters.

extension UnsafeMutablePointer where Pointee == CPUState {
    /// The checks every MMX instruction makes first: CR0.EM -> #UD (there is no MMX emulation),
    /// CR0.TS -> #NM (lazy FPU context switch), a pending unmasked x87 exception (status word ES)
    /// -> #MF, as for a waiting x87 instruction.
    @inline(__always) func mmxAvailable() throws(CPUFault) {
        if pointee.cr0 & 0x4 != 0 { throw CPUFault(.invalidOpcode) }
        if pointee.cr0 & 0x8 != 0 { throw CPUFault(.deviceNotAvailable) }
        if pointee.fpuStatus & FSW.es != 0 { throw CPUFault(.x87) }
    }
    /// Every MMX instruction but EMMS (SDM vol. 1 §9.5.1): TOP = 0 and every register tagged
    /// valid. Called once the instruction can no longer fault.
    @inline(__always) func mmxTransition() {
        setFpuTop(0)
        pointee.fpuTagAbridged = 0xFF
    }
    /// MMn for a V/W/U operand offset (register number * 16); only the low 3 bits select MMn.
    @inline(__always) func mm(_ off: UInt8) -> UInt64 {
        pointee.fpuRegisters.load(fromByteOffset: 16 &* Int((off >> 4) & 7), as: UInt64.self)
    }
    /// Writes MMn and the MMX transition. A write sets bits 79:64 of Rn (sign and exponent) to
    /// all ones, so the register reads as a NaN or infinity to x87 code.
    @inline(__always) func setMM(_ off: UInt8, _ v: UInt64) {
        let p = 16 &* Int((off >> 4) & 7)
        pointee.fpuRegisters.storeBytes(of: v, toByteOffset: p, as: UInt64.self)
        pointee.fpuRegisters.storeBytes(of: UInt16(0xFFFF), toByteOffset: p &+ 8, as: UInt16.self)
        mmxTransition()
    }
}

/// PACKSSWB/PACKSSDW/PACKUSWB on 64-bit registers: the 128-bit form packs the destination's lanes
/// into the low half and the source's into the high half; packing (d:s) with itself puts the
/// destination's lanes in bytes 0-3 and the source's in bytes 4-7 of the low half, the MMX result.
enum MmxPack<Op: XmmBinaryOp>: XmmBinaryOp {
    @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 {
        let both = V128(lo: d.lo, hi: s.lo)
        return V128(lo: Op.apply(both, both, imm).lo, hi: 0)
    }
}
/// PUNPCKH* on 64-bit registers interleave the high 32 bits of each: that is the high half of
/// the 128-bit low interleave (`Op` is the PUNPCKL* operation of the same lane width).
enum MmxUnpackHigh<Op: XmmBinaryOp>: XmmBinaryOp {
    @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 {
        V128(lo: Op.apply(d, s, imm).hi, hi: 0)
    }
}

/// Handlers for an XmmBinaryOp applied to MMX registers: P (ModRM.reg) = f(P, Q, imm8), where Q is
/// an MMX register or an m64 (no alignment rule).
enum MmxBinary<Op: XmmBinaryOp> {
    @inline(__always) static func reg(_ cpu: CPU, _ i: Instr) { do { try regBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func regBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.mmxAvailable()
        let r = Op.apply(V128(lo: cpu.mm(i.reg), hi: 0), V128(lo: cpu.mm(i.rm), hi: 0), UInt8(truncatingIfNeeded: i.imm))
        cpu.setMM(i.reg, r.lo)
    }
    @inline(__always) static func mem(_ cpu: CPU, _ i: Instr) { do { try memBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func memBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.mmxAvailable()
        let s: UInt64 = try cpu.load(cpu.effectiveAddress(i))
        let r = Op.apply(V128(lo: cpu.mm(i.reg), hi: 0), V128(lo: s, hi: 0), UInt8(truncatingIfNeeded: i.imm))
        cpu.setMM(i.reg, r.lo)
    }
}

/// Shifts by immediate (0F 71/72/73 /digit, register only): N (ModRM.rm) is source and destination.
enum MmxShiftImm<Op: XmmShiftOp> {
    @inline(__always) static func reg(_ cpu: CPU, _ i: Instr) { do { try regBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func regBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.mmxAvailable()
        cpu.setMM(i.rm, Op.apply(V128(lo: cpu.mm(i.rm), hi: 0), UInt8(truncatingIfNeeded: i.imm)).lo)
    }
}

enum MMX {
    static let emmsSet = HandlerSet(all: emms)

    /// EMMS (0F 77; with a 66/F3/F2 prefix it is #UD, as on the reference CPU): all x87 tags
    /// empty (the FXSAVE abridged tag byte 0 = all empty). Linux runs it on AMD CPUs in
    /// restore_fpregs_from_fpstate ("fnclex; emms; fildl": the FXSAVE information-leak
    /// workaround). Like every MMX instruction it also sets TOP to 0 (SDM vol. 1 table 9-2; the
    /// reference CPU does, measured with the harness family mmx).
    @inline(__always) static func emms(_ cpu: CPU, _ i: Instr) { do { try emmsBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func emmsBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.mmxAvailable()
        cpu.setFpuTop(0)
        cpu.pointee.fpuTagAbridged = 0
    }

    // MARK: moves

    /// 0F 6E MOVD/MOVQ mm, r/m32/64 (REX.W selects 64), zero-extended to 64 bits.
    @inline(__always) static func movdToMmR(_ cpu: CPU, _ i: Instr) { do { try movdToMmRBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func movdToMmRBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.mmxAvailable()
        let v: UInt64 = cpu.reg(i.rm)
        cpu.setMM(i.reg, i.pointee.prefixes.contains(.rexW) ? v : v & 0xFFFF_FFFF)
    }
    @inline(__always) static func movdToMmM(_ cpu: CPU, _ i: Instr) { do { try movdToMmMBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func movdToMmMBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.mmxAvailable()
        let ea = cpu.effectiveAddress(i)
        let v: UInt64 = i.pointee.prefixes.contains(.rexW) ? try cpu.load(ea) : UInt64(try cpu.load(ea) as UInt32)
        cpu.setMM(i.reg, v)
    }
    /// 0F 7E MOVD/MOVQ r/m32/64, mm.
    @inline(__always) static func movdFromMmR(_ cpu: CPU, _ i: Instr) { do { try movdFromMmRBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func movdFromMmRBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.mmxAvailable()
        let v = cpu.mm(i.reg)
        if i.pointee.prefixes.contains(.rexW) { cpu.setReg(i.rm, v) } else { cpu.setReg(i.rm, UInt32(truncatingIfNeeded: v)) }
        cpu.mmxTransition()
    }
    @inline(__always) static func movdFromMmM(_ cpu: CPU, _ i: Instr) { do { try movdFromMmMBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func movdFromMmMBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.mmxAvailable()
        let v = cpu.mm(i.reg), ea = cpu.effectiveAddress(i)
        if i.pointee.prefixes.contains(.rexW) { try cpu.store(ea, v) } else { try cpu.store(ea, UInt32(truncatingIfNeeded: v)) }
        cpu.mmxTransition()
    }
    /// 0F 6F MOVQ mm, mm/m64.
    @inline(__always) static func movqLoadR(_ cpu: CPU, _ i: Instr) { do { try movqLoadRBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func movqLoadRBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.mmxAvailable(); cpu.setMM(i.reg, cpu.mm(i.rm))
    }
    @inline(__always) static func movqLoadM(_ cpu: CPU, _ i: Instr) { do { try movqLoadMBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func movqLoadMBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.mmxAvailable(); cpu.setMM(i.reg, try cpu.load(cpu.effectiveAddress(i)) as UInt64)
    }
    /// 0F 7F MOVQ mm/m64, mm; 0F E7 MOVNTQ m64, mm (an ordinary store: there is no cache).
    @inline(__always) static func movqStoreR(_ cpu: CPU, _ i: Instr) { do { try movqStoreRBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func movqStoreRBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.mmxAvailable(); cpu.setMM(i.rm, cpu.mm(i.reg))
    }
    @inline(__always) static func movqStoreM(_ cpu: CPU, _ i: Instr) { do { try movqStoreMBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func movqStoreMBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.mmxAvailable()
        try cpu.store(cpu.effectiveAddress(i), cpu.mm(i.reg))
        cpu.mmxTransition()
    }
    static let movdToMm = xmmSet(movdToMmR, movdToMmM)
    static let movdFromMm = xmmSet(movdFromMmR, movdFromMmM)
    static let movqLoad = xmmSet(movqLoadR, movqLoadM)
    static let movqStore = xmmSet(movqStoreR, movqStoreM)
    static let movntq = xmmSet(nil, movqStoreM)

    // MARK: SSE-era MMX extensions

    /// 0F C4 PINSRW mm, r32/m16, imm8: word imm&3 replaced.
    @inline(__always) static func pinsrwR(_ cpu: CPU, _ i: Instr) { do { try pinsrwRBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func pinsrwRBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.mmxAvailable()
        cpu.setMM(i.reg, insertWord(cpu.mm(i.reg), cpu.reg(i.rm) as UInt16, i.imm))
    }
    @inline(__always) static func pinsrwM(_ cpu: CPU, _ i: Instr) { do { try pinsrwMBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func pinsrwMBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.mmxAvailable()
        let v: UInt16 = try cpu.load(cpu.effectiveAddress(i))
        cpu.setMM(i.reg, insertWord(cpu.mm(i.reg), v, i.imm))
    }
    @inline(__always) static func insertWord(_ d: UInt64, _ w: UInt16, _ imm: UInt64) -> UInt64 {
        let sh = (imm & 3) &* 16
        return (d & ~(0xFFFF << sh)) | UInt64(w) << sh
    }
    /// 0F C5 PEXTRW r32, mm, imm8: word imm&3, zero-extended.
    @inline(__always) static func pextrw(_ cpu: CPU, _ i: Instr) { do { try pextrwBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func pextrwBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.mmxAvailable()
        cpu.setReg(i.reg, UInt32(truncatingIfNeeded: (cpu.mm(i.rm) >> ((i.imm & 3) &* 16)) & 0xFFFF))
        cpu.mmxTransition()
    }
    /// 0F D7 PMOVMSKB r32, mm: the top bit of each byte.
    @inline(__always) static func pmovmskb(_ cpu: CPU, _ i: Instr) { do { try pmovmskbBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func pmovmskbBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.mmxAvailable()
        let s = cpu.mm(i.rm)
        var m: UInt32 = 0
        for k in 0..<8 { m |= UInt32((s >> UInt64(8 * k + 7)) & 1) << UInt32(k) }
        cpu.setReg(i.reg, m)
        cpu.mmxTransition()
    }
    static let pinsrw = xmmSet(pinsrwR, pinsrwM)
    static let pextrwSet = xmmSet(pextrw, nil)
    static let pmovmskbSet = xmmSet(pmovmskb, nil)

    // MARK: MMX <-> XMM (SSE2)

    /// F3 0F D6 MOVQ2DQ xmm, mm: the XMM register gets MMn zero-extended. It is an SSE2
    /// instruction (SSE checks) that also makes the MMX transition.
    @inline(__always) static func movq2dq(_ cpu: CPU, _ i: Instr) { do { try movq2dqBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func movq2dqBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.sseAvailable()
        if cpu.pointee.fpuStatus & FSW.es != 0 { throw CPUFault(.x87) }
        cpu.setXmm(i.reg, V128(lo: cpu.mm(i.rm), hi: 0))
        cpu.mmxTransition()
    }
    /// F2 0F D6 MOVDQ2Q mm, xmm: the low 64 bits.
    @inline(__always) static func movdq2q(_ cpu: CPU, _ i: Instr) { do { try movdq2qBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func movdq2qBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.sseAvailable()
        if cpu.pointee.fpuStatus & FSW.es != 0 { throw CPUFault(.x87) }
        cpu.setMM(i.reg, cpu.xmm(i.rm).lo)
    }
    static let movq2dqSet = xmmSet(movq2dq, nil)
    static let movdq2qSet = xmmSet(movdq2q, nil)
}

extension MMX {
    /// The MMX form (no prefix) of a packed-integer opcode of the 0F 60-6B, 74-76, D1-FE table in
    /// SSEMap.swift, or nil when the opcode has none (PUNPCKLQDQ/PUNPCKHQDQ are XMM-only).
    static func packedSet(_ op: Int) -> HandlerSet? {
        switch op {
        case 0x60: return xmmSet(MmxBinary<PUnpckLBW>.reg, MmxBinary<PUnpckLBW>.mem)   // punpcklbw
        case 0x61: return xmmSet(MmxBinary<PUnpckLWD>.reg, MmxBinary<PUnpckLWD>.mem)   // punpcklwd
        case 0x62: return xmmSet(MmxBinary<PUnpckLDQ>.reg, MmxBinary<PUnpckLDQ>.mem)   // punpckldq
        case 0x63: return xmmSet(MmxBinary<MmxPack<PackSSWB>>.reg, MmxBinary<MmxPack<PackSSWB>>.mem)   // packsswb
        case 0x64: return xmmSet(MmxBinary<PCmpGtB>.reg, MmxBinary<PCmpGtB>.mem)   // pcmpgtb
        case 0x65: return xmmSet(MmxBinary<PCmpGtW>.reg, MmxBinary<PCmpGtW>.mem)   // pcmpgtw
        case 0x66: return xmmSet(MmxBinary<PCmpGtD>.reg, MmxBinary<PCmpGtD>.mem)   // pcmpgtd
        case 0x67: return xmmSet(MmxBinary<MmxPack<PackUSWB>>.reg, MmxBinary<MmxPack<PackUSWB>>.mem)   // packuswb
        case 0x68: return xmmSet(MmxBinary<MmxUnpackHigh<PUnpckLBW>>.reg, MmxBinary<MmxUnpackHigh<PUnpckLBW>>.mem)   // punpckhbw
        case 0x69: return xmmSet(MmxBinary<MmxUnpackHigh<PUnpckLWD>>.reg, MmxBinary<MmxUnpackHigh<PUnpckLWD>>.mem)   // punpckhwd
        case 0x6A: return xmmSet(MmxBinary<MmxUnpackHigh<PUnpckLDQ>>.reg, MmxBinary<MmxUnpackHigh<PUnpckLDQ>>.mem)   // punpckhdq
        case 0x6B: return xmmSet(MmxBinary<MmxPack<PackSSDW>>.reg, MmxBinary<MmxPack<PackSSDW>>.mem)   // packssdw
        case 0x74: return xmmSet(MmxBinary<PCmpEqB>.reg, MmxBinary<PCmpEqB>.mem)   // pcmpeqb
        case 0x75: return xmmSet(MmxBinary<PCmpEqW>.reg, MmxBinary<PCmpEqW>.mem)   // pcmpeqw
        case 0x76: return xmmSet(MmxBinary<PCmpEqD>.reg, MmxBinary<PCmpEqD>.mem)   // pcmpeqd
        case 0xD1: return xmmSet(MmxBinary<PSrlWx>.reg, MmxBinary<PSrlWx>.mem)   // psrlw
        case 0xD2: return xmmSet(MmxBinary<PSrlDx>.reg, MmxBinary<PSrlDx>.mem)   // psrld
        case 0xD3: return xmmSet(MmxBinary<PSrlQx>.reg, MmxBinary<PSrlQx>.mem)   // psrlq
        case 0xD4: return xmmSet(MmxBinary<PAddQ>.reg, MmxBinary<PAddQ>.mem)   // paddq
        case 0xD5: return xmmSet(MmxBinary<PMulLW>.reg, MmxBinary<PMulLW>.mem)   // pmullw
        case 0xD8: return xmmSet(MmxBinary<PSubUSB>.reg, MmxBinary<PSubUSB>.mem)   // psubusb
        case 0xD9: return xmmSet(MmxBinary<PSubUSW>.reg, MmxBinary<PSubUSW>.mem)   // psubusw
        case 0xDA: return xmmSet(MmxBinary<PMinUB>.reg, MmxBinary<PMinUB>.mem)   // pminub
        case 0xDB: return xmmSet(MmxBinary<PAnd>.reg, MmxBinary<PAnd>.mem)   // pand
        case 0xDC: return xmmSet(MmxBinary<PAddUSB>.reg, MmxBinary<PAddUSB>.mem)   // paddusb
        case 0xDD: return xmmSet(MmxBinary<PAddUSW>.reg, MmxBinary<PAddUSW>.mem)   // paddusw
        case 0xDE: return xmmSet(MmxBinary<PMaxUB>.reg, MmxBinary<PMaxUB>.mem)   // pmaxub
        case 0xDF: return xmmSet(MmxBinary<PAndN>.reg, MmxBinary<PAndN>.mem)   // pandn
        case 0xE0: return xmmSet(MmxBinary<PAvgB>.reg, MmxBinary<PAvgB>.mem)   // pavgb
        case 0xE1: return xmmSet(MmxBinary<PSraWx>.reg, MmxBinary<PSraWx>.mem)   // psraw
        case 0xE2: return xmmSet(MmxBinary<PSraDx>.reg, MmxBinary<PSraDx>.mem)   // psrad
        case 0xE3: return xmmSet(MmxBinary<PAvgW>.reg, MmxBinary<PAvgW>.mem)   // pavgw
        case 0xE4: return xmmSet(MmxBinary<PMulHUW>.reg, MmxBinary<PMulHUW>.mem)   // pmulhuw
        case 0xE5: return xmmSet(MmxBinary<PMulHW>.reg, MmxBinary<PMulHW>.mem)   // pmulhw
        case 0xE8: return xmmSet(MmxBinary<PSubSB>.reg, MmxBinary<PSubSB>.mem)   // psubsb
        case 0xE9: return xmmSet(MmxBinary<PSubSW>.reg, MmxBinary<PSubSW>.mem)   // psubsw
        case 0xEA: return xmmSet(MmxBinary<PMinSW>.reg, MmxBinary<PMinSW>.mem)   // pminsw
        case 0xEB: return xmmSet(MmxBinary<POr>.reg, MmxBinary<POr>.mem)   // por
        case 0xEC: return xmmSet(MmxBinary<PAddSB>.reg, MmxBinary<PAddSB>.mem)   // paddsb
        case 0xED: return xmmSet(MmxBinary<PAddSW>.reg, MmxBinary<PAddSW>.mem)   // paddsw
        case 0xEE: return xmmSet(MmxBinary<PMaxSW>.reg, MmxBinary<PMaxSW>.mem)   // pmaxsw
        case 0xEF: return xmmSet(MmxBinary<PXor>.reg, MmxBinary<PXor>.mem)   // pxor
        case 0xF1: return xmmSet(MmxBinary<PSllWx>.reg, MmxBinary<PSllWx>.mem)   // psllw
        case 0xF2: return xmmSet(MmxBinary<PSllDx>.reg, MmxBinary<PSllDx>.mem)   // pslld
        case 0xF3: return xmmSet(MmxBinary<PSllQx>.reg, MmxBinary<PSllQx>.mem)   // psllq
        case 0xF4: return xmmSet(MmxBinary<PMulUDQ>.reg, MmxBinary<PMulUDQ>.mem)   // pmuludq
        case 0xF5: return xmmSet(MmxBinary<PMAddWD>.reg, MmxBinary<PMAddWD>.mem)   // pmaddwd
        case 0xF6: return xmmSet(MmxBinary<PSadBW>.reg, MmxBinary<PSadBW>.mem)   // psadbw
        case 0xF8: return xmmSet(MmxBinary<PSubB>.reg, MmxBinary<PSubB>.mem)   // psubb
        case 0xF9: return xmmSet(MmxBinary<PSubW>.reg, MmxBinary<PSubW>.mem)   // psubw
        case 0xFA: return xmmSet(MmxBinary<PSubD>.reg, MmxBinary<PSubD>.mem)   // psubd
        case 0xFB: return xmmSet(MmxBinary<PSubQ>.reg, MmxBinary<PSubQ>.mem)   // psubq
        case 0xFC: return xmmSet(MmxBinary<PAddB>.reg, MmxBinary<PAddB>.mem)   // paddb
        case 0xFD: return xmmSet(MmxBinary<PAddW>.reg, MmxBinary<PAddW>.mem)   // paddw
        case 0xFE: return xmmSet(MmxBinary<PAddD>.reg, MmxBinary<PAddD>.mem)   // paddd
        default: return nil
        }
    }
    static let pShufW = xmmSet(MmxBinary<PShufLW>.reg, MmxBinary<PShufLW>.mem)
    static let pSrlWi = xmmSet(MmxShiftImm<PSrlWi>.reg, nil)
    static let pSrlDi = xmmSet(MmxShiftImm<PSrlDi>.reg, nil)
    static let pSrlQi = xmmSet(MmxShiftImm<PSrlQi>.reg, nil)
    static let pSllWi = xmmSet(MmxShiftImm<PSllWi>.reg, nil)
    static let pSllDi = xmmSet(MmxShiftImm<PSllDi>.reg, nil)
    static let pSllQi = xmmSet(MmxShiftImm<PSllQi>.reg, nil)
    static let pSraWi = xmmSet(MmxShiftImm<PSraWi>.reg, nil)
    static let pSraDi = xmmSet(MmxShiftImm<PSraDi>.reg, nil)
}

// MARK: SSSE3 on MMX registers (no-prefix 0F 38 00-0B, 1C-1E, 0F 3A 0F)

/// PSHUFB mm: index bits 2:0 select a byte of the 8-byte destination; with the destination in both
/// halves the 128-bit rule (bits 3:0 over 16 bytes) picks the same byte.
enum MmxDuplicateDest<Op: XmmBinaryOp>: XmmBinaryOp {
    @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 {
        V128(lo: Op.apply(V128(lo: d.lo, hi: d.lo), s, imm).lo, hi: 0)
    }
}
/// PALIGNR mm: the 16-byte value d:s shifted right by imm8 bytes, the low 8 remain; as the
/// 32-byte rule on (0 : d : s) the same bytes land in the low half.
enum MmxAlignR: XmmBinaryOp {
    @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 {
        V128(lo: PAlignR.apply(V128(lo: 0, hi: 0), V128(lo: s.lo, hi: d.lo), imm).lo, hi: 0)
    }
}

extension MMX {
    /// The MMX form of an SSSE3 0F 38 opcode, or nil. PHADD*/PHSUB* pair lanes like PACK*: the
    /// destination's pairs fill the low lanes, the source's the next (MmxPack's (d:s) trick).
    static func ssse3Set(_ op: Int) -> HandlerSet? {
        switch op {
        case 0x00: return xmmSet(MmxBinary<MmxDuplicateDest<PShufB>>.reg, MmxBinary<MmxDuplicateDest<PShufB>>.mem)
        case 0x01: return xmmSet(MmxBinary<MmxPack<PHAddW>>.reg, MmxBinary<MmxPack<PHAddW>>.mem)
        case 0x02: return xmmSet(MmxBinary<MmxPack<PHAddD>>.reg, MmxBinary<MmxPack<PHAddD>>.mem)
        case 0x03: return xmmSet(MmxBinary<MmxPack<PHAddSW>>.reg, MmxBinary<MmxPack<PHAddSW>>.mem)
        case 0x04: return xmmSet(MmxBinary<PMAddUBSW>.reg, MmxBinary<PMAddUBSW>.mem)
        case 0x05: return xmmSet(MmxBinary<MmxPack<PHSubW>>.reg, MmxBinary<MmxPack<PHSubW>>.mem)
        case 0x06: return xmmSet(MmxBinary<MmxPack<PHSubD>>.reg, MmxBinary<MmxPack<PHSubD>>.mem)
        case 0x07: return xmmSet(MmxBinary<MmxPack<PHSubSW>>.reg, MmxBinary<MmxPack<PHSubSW>>.mem)
        case 0x08: return xmmSet(MmxBinary<PSignB>.reg, MmxBinary<PSignB>.mem)
        case 0x09: return xmmSet(MmxBinary<PSignW>.reg, MmxBinary<PSignW>.mem)
        case 0x0A: return xmmSet(MmxBinary<PSignD>.reg, MmxBinary<PSignD>.mem)
        case 0x0B: return xmmSet(MmxBinary<PMulHRSW>.reg, MmxBinary<PMulHRSW>.mem)
        case 0x1C: return xmmSet(MmxBinary<PAbsB>.reg, MmxBinary<PAbsB>.mem)
        case 0x1D: return xmmSet(MmxBinary<PAbsW>.reg, MmxBinary<PAbsW>.mem)
        case 0x1E: return xmmSet(MmxBinary<PAbsD>.reg, MmxBinary<PAbsD>.mem)
        default: return nil
        }
    }
    static let pAlignR = xmmSet(MmxBinary<MmxAlignR>.reg, MmxBinary<MmxAlignR>.mem)
}
