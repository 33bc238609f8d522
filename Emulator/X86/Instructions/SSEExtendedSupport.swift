// Layer: X86 (CPU model), SSE3-SSE4.2 support: handler templates for the operand shapes the
// SSE2 templates (SSESupport.swift: XmmBinary) do not cover. Every template supplies a register
// form and a memory form for an XmmBinaryOp (dst = f(dst, src, imm8)):
//   XmmUnaligned  m128 source without the 16-byte alignment rule (PCMPxSTRx, LDDQU)
//   XmmLow<T>     a narrower memory source (m16/m32/m64) loaded into the low lanes with the
//                 rest zero: PMOVSX/PMOVZX, MOVDDUP, INSERTPS, ROUNDSS/SD. Narrow memory
//                 operands are never alignment-checked.
//   XmmBlendV     the variable blends, whose third operand is the implicit XMM0.

/// dst = f(dst, src, mask) with an implicit mask register (XMM0).
protocol XmmTernaryOp { static func apply(_ d: V128, _ s: V128, _ mask: V128) -> V128 }

enum XmmUnaligned<Op: XmmBinaryOp> {
    @inline(__always) static func mem(_ cpu: CPU, _ i: Instr) { do { try memBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func memBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.sseAvailable()
        let s = try cpu.load128(cpu.effectiveAddress(i), aligned: false)
        cpu.setXmm(i.reg, Op.apply(cpu.xmm(i.reg), s, UInt8(truncatingIfNeeded: i.imm)))
    }
}

enum XmmLow<Op: XmmBinaryOp, T: FixedWidthInteger & UnsignedInteger> {
    @inline(__always) static func mem(_ cpu: CPU, _ i: Instr) { do { try memBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func memBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.sseAvailable()
        let v: T = try cpu.load(cpu.effectiveAddress(i))
        cpu.setXmm(i.reg, Op.apply(cpu.xmm(i.reg), V128(lo: UInt64(v), hi: 0), UInt8(truncatingIfNeeded: i.imm)))
    }
}

enum XmmBlendV<Op: XmmTernaryOp> {
    @inline(__always) static func reg(_ cpu: CPU, _ i: Instr) { do { try regBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func regBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.sseAvailable()
        cpu.setXmm(i.reg, Op.apply(cpu.xmm(i.reg), cpu.xmm(i.rm), cpu.xmm(0)))
    }
    @inline(__always) static func mem(_ cpu: CPU, _ i: Instr) { do { try memBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func memBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.sseAvailable()
        let s = try cpu.load128(cpu.effectiveAddress(i), aligned: cpu.pointee.mxcsr & MXCSR.misalignedMode == 0)
        cpu.setXmm(i.reg, Op.apply(cpu.xmm(i.reg), s, cpu.xmm(0)))
    }
}

// MARK: floating point (ADDSUBPx, HADDPx/HSUBPx, ROUNDxx, DPPS/DPPD)

/// dst = f(dst, src, imm8) computed with the software IEEE core in the MXCSR environment;
/// exception flags accumulate in `env.flags`.
protocol XmmFloatOp { static func apply(_ d: V128, _ s: V128, _ imm: UInt8, _ env: inout FPEnv) -> V128 }

// Exception flags are applied by `sseFloatExceptions` (SSEFloat.swift), shared with SSE/SSE2.

enum XmmFloat<Op: XmmFloatOp> {
    @inline(__always) static func reg(_ cpu: CPU, _ i: Instr) { do { try regBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func regBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.sseAvailable()
        var env = FPEnv(mxcsr: cpu.pointee.mxcsr)
        let r = Op.apply(cpu.xmm(i.reg), cpu.xmm(i.rm), UInt8(truncatingIfNeeded: i.imm), &env)
        try cpu.sseFloatExceptions(env.flags)
        cpu.setXmm(i.reg, r)
    }
    @inline(__always) static func mem(_ cpu: CPU, _ i: Instr) { do { try memBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func memBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.sseAvailable()
        let s = try cpu.load128(cpu.effectiveAddress(i), aligned: cpu.pointee.mxcsr & MXCSR.misalignedMode == 0)
        var env = FPEnv(mxcsr: cpu.pointee.mxcsr)
        let r = Op.apply(cpu.xmm(i.reg), s, UInt8(truncatingIfNeeded: i.imm), &env)
        try cpu.sseFloatExceptions(env.flags)
        cpu.setXmm(i.reg, r)
    }
}

/// Scalar forms whose memory operand is m32/m64 (ROUNDSS/ROUNDSD): loaded into the low lane.
enum XmmFloatLow<Op: XmmFloatOp, T: FixedWidthInteger & UnsignedInteger> {
    @inline(__always) static func mem(_ cpu: CPU, _ i: Instr) { do { try memBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func memBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.sseAvailable()
        let v: T = try cpu.load(cpu.effectiveAddress(i))
        var env = FPEnv(mxcsr: cpu.pointee.mxcsr)
        let r = Op.apply(cpu.xmm(i.reg), V128(lo: UInt64(v), hi: 0), UInt8(truncatingIfNeeded: i.imm), &env)
        try cpu.sseFloatExceptions(env.flags)
        cpu.setXmm(i.reg, r)
    }
}
