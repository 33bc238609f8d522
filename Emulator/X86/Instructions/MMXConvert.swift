// Layer: X86 (CPU model), instruction handlers: the SSE/SSE2 conversions between packed floats in
// XMM and packed int32 in MMX registers (CVTPI2PS, CVTPS2PI, CVTTPS2PI: no prefix 0F 2A/2D/2C;
// CVTPI2PD, CVTPD2PI, CVTTPD2PI: 66 0F 2A/2D/2C). They are SSE instructions (SSE checks, MXCSR
// rounding and exceptions, #XM) that read or write MMX registers, so an MMX-register operand also
// brings the MMX checks (#MF on a pending x87 exception) and the MMX transition (TOP = 0, all
// tags valid). The arithmetic is the XMM conversions' (SSEFloatConvert.swift, SoftFloat core).

/// CVTPI2PS: two int32 -> two singles in the low 64 bits; the destination's high 64 bits stay.
enum CvtPI2PS: SSEFloatOp {
    static var memBytes: Int { 8 }
    @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8, _ env: inout FPEnv) -> V128 {
        V128(lo: CvtDQ2PS.apply(d, V128(lo: s.lo, hi: 0), imm, &env).lo, hi: d.hi)
    }
}
/// CVTPS2PI / CVTTPS2PI: the two singles of the low 64 bits -> two int32 (the high lanes are not read).
enum CvtPS2PI<T: SSETruncation>: SSEFloatOp {
    static var memBytes: Int { 8 }
    @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8, _ env: inout FPEnv) -> V128 {
        CvtPS2DQ<T>.apply(d, V128(lo: s.lo, hi: 0), imm, &env)
    }
}

/// XMM destination, MMX-register or m64 source (CVTPI2PS, CVTPI2PD).
enum XmmFromMm<Op: SSEFloatOp> {
    @inline(__always) static func reg(_ cpu: CPU, _ i: Instr) { do { try regBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func regBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.sseAvailable()
        if cpu.pointee.fpuStatus & FSW.es != 0 { throw CPUFault(.x87) }
        var env = FPEnv(mxcsr: cpu.pointee.mxcsr)
        let r = Op.apply(cpu.xmm(i.reg), V128(lo: cpu.mm(i.rm), hi: 0), 0, &env)
        try cpu.sseFloatExceptions(env.flags)
        cpu.setXmm(i.reg, r)
        cpu.mmxTransition()
    }
    /// The memory form touches no MMX register: no x87 checks, no transition.
    @inline(__always) static func mem(_ cpu: CPU, _ i: Instr) { do { try memBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func memBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.sseAvailable()
        let s: UInt64 = try cpu.load(cpu.effectiveAddress(i))
        var env = FPEnv(mxcsr: cpu.pointee.mxcsr)
        let r = Op.apply(cpu.xmm(i.reg), V128(lo: s, hi: 0), 0, &env)
        try cpu.sseFloatExceptions(env.flags)
        cpu.setXmm(i.reg, r)
    }
}

/// MMX destination, XMM or memory source (CVT(T)PS2PI with m64, CVT(T)PD2PI with aligned m128).
enum MmFromXmm<Op: SSEFloatOp> {
    @inline(__always) static func reg(_ cpu: CPU, _ i: Instr) { do { try regBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func regBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.sseAvailable()
        if cpu.pointee.fpuStatus & FSW.es != 0 { throw CPUFault(.x87) }
        var env = FPEnv(mxcsr: cpu.pointee.mxcsr)
        let r = Op.apply(V128(lo: 0, hi: 0), cpu.xmm(i.rm), 0, &env)
        try cpu.sseFloatExceptions(env.flags)
        cpu.setMM(i.reg, r.lo)
    }
    @inline(__always) static func mem(_ cpu: CPU, _ i: Instr) { do { try memBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func memBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.sseAvailable()
        if cpu.pointee.fpuStatus & FSW.es != 0 { throw CPUFault(.x87) }
        let ea = cpu.effectiveAddress(i)
        let s: V128 = Op.memBytes == 8 ? V128(lo: try cpu.load(ea) as UInt64, hi: 0)
            : try cpu.load128(ea, aligned: cpu.pointee.mxcsr & MXCSR.misalignedMode == 0)
        var env = FPEnv(mxcsr: cpu.pointee.mxcsr)
        let r = Op.apply(V128(lo: 0, hi: 0), s, 0, &env)
        try cpu.sseFloatExceptions(env.flags)
        cpu.setMM(i.reg, r.lo)
    }
}

extension MMX {
    static let cvtPI2PS = xmmSet(XmmFromMm<CvtPI2PS>.reg, XmmFromMm<CvtPI2PS>.mem)
    static let cvtPI2PD = xmmSet(XmmFromMm<CvtDQ2PD>.reg, XmmFromMm<CvtDQ2PD>.mem)
    static let cvtPS2PI = xmmSet(MmFromXmm<CvtPS2PI<RoundByMXCSR>>.reg, MmFromXmm<CvtPS2PI<RoundByMXCSR>>.mem)
    static let cvttPS2PI = xmmSet(MmFromXmm<CvtPS2PI<Truncating>>.reg, MmFromXmm<CvtPS2PI<Truncating>>.mem)
    static let cvtPD2PI = xmmSet(MmFromXmm<CvtPD2DQ<RoundByMXCSR>>.reg, MmFromXmm<CvtPD2DQ<RoundByMXCSR>>.mem)
    static let cvttPD2PI = xmmSet(MmFromXmm<CvtPD2DQ<Truncating>>.reg, MmFromXmm<CvtPD2DQ<Truncating>>.mem)
}
