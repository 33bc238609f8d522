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

extension UnsafeMutablePointer where Pointee == CPUState {
    /// Ends an SSE floating-point instruction of this file group: ORs the detected exception
    /// flags into MXCSR and reports whether the result may be written. An exception whose mask
    /// bit (MXCSR bits 12:7) is clear is a SIMD floating-point exception: #XM, or #UD when the
    /// OS has not set CR4.OSXMMEXCPT (bit 10); the destination stays unchanged. If an unmasked
    /// pre-computation exception (IE, DE, ZE) is found, post-computation flags (OE, UE, PE) are
    /// not reported (SDM vol. 1, 11.5.2). With underflow unmasked, UE is raised for any tiny
    /// result, exact or not (the core reports tininess as FPFlag.tiny).
    @inline(__always) func commitSSEFloat(_ detected: UInt32) throws(CPUFault) {
        let mx = pointee.mxcsr
        let masks = (mx >> 7) & FPFlag.x86Mask
        var flags = detected & FPFlag.x86Mask
        if masks & FPFlag.underflow == 0 && detected & FPFlag.tiny != 0 { flags |= FPFlag.underflow }
        let unmasked = flags & ~masks
        if unmasked != 0 {
            let pre = FPFlag.invalid | FPFlag.denormal | FPFlag.divideByZero
            pointee.mxcsr = mx | (unmasked & pre != 0 ? flags & pre : flags)
            if pointee.cr4 & 0x400 == 0 { throw .ud }
            throw CPUFault(.simd)
        }
        pointee.mxcsr = mx | flags
    }
}

enum XmmFloat<Op: XmmFloatOp> {
    @inline(__always) static func reg(_ cpu: CPU, _ i: Instr) { do { try regBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func regBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.sseAvailable()
        var env = FPEnv(mxcsr: cpu.pointee.mxcsr)
        let r = Op.apply(cpu.xmm(i.reg), cpu.xmm(i.rm), UInt8(truncatingIfNeeded: i.imm), &env)
        try cpu.commitSSEFloat(env.flags)
        cpu.setXmm(i.reg, r)
    }
    @inline(__always) static func mem(_ cpu: CPU, _ i: Instr) { do { try memBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func memBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.sseAvailable()
        let s = try cpu.load128(cpu.effectiveAddress(i), aligned: cpu.pointee.mxcsr & MXCSR.misalignedMode == 0)
        var env = FPEnv(mxcsr: cpu.pointee.mxcsr)
        let r = Op.apply(cpu.xmm(i.reg), s, UInt8(truncatingIfNeeded: i.imm), &env)
        try cpu.commitSSEFloat(env.flags)
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
        try cpu.commitSSEFloat(env.flags)
        cpu.setXmm(i.reg, r)
    }
}
