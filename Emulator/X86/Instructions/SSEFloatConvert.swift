// Layer: X86 (CPU model), instruction handlers: SSE/SSE2 conversions. CVTSI2SS/CVTSI2SD (32/64-bit
// integer sources), CVTSS2SI/CVTSD2SI and the truncating CVTTSS2SI/CVTTSD2SI (32/64-bit GPR
// destinations), CVTPS2PD, CVTPD2PS, CVTSS2SD, CVTSD2SS, CVTDQ2PS, CVTPS2DQ, CVTTPS2DQ, CVTDQ2PD,
// CVTPD2DQ, CVTTPD2DQ. Values come from SoftFloat (Float/SoftFloat.swift); out-of-range and NaN
// sources give the integer indefinite (0x80000000 / 0x8000000000000000) with IE.
// The MMX-register forms (CVTPI2PS, CVTPS2PI, CVTTPS2PI, CVTPI2PD, CVTPD2PI, CVTTPD2PI) need the
// MMX state, which this CPU model does not have: they decode as #UD.

// MARK: XMM -> XMM conversions (SSEFloatOp, run by SSEFloatRun)

/// CVTPS2PD V, W(m64): two singles from the low 64 bits -> two doubles (exact; IE/DE only).
enum CvtPS2PD: SSEFloatOp {
    static var memBytes: Int { 8 }
    @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8, _ env: inout FPEnv) -> V128 {
        V128(lo: SoftFloat.convert(UInt32(truncatingIfNeeded: s.lo), from: Binary32.self, to: Binary64.self, &env),
             hi: SoftFloat.convert(UInt32(truncatingIfNeeded: s.lo >> 32), from: Binary32.self, to: Binary64.self, &env))
    }
}
/// CVTPD2PS V, W(m128): two doubles -> two singles in the low 64 bits; the high 64 bits are zeroed.
enum CvtPD2PS: SSEFloatOp {
    static var memBytes: Int { 16 }
    @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8, _ env: inout FPEnv) -> V128 {
        let a: UInt32 = SoftFloat.convert(s.lo, from: Binary64.self, to: Binary32.self, &env)
        let b: UInt32 = SoftFloat.convert(s.hi, from: Binary64.self, to: Binary32.self, &env)
        return V128(lo: UInt64(a) | UInt64(b) << 32, hi: 0)
    }
}
/// CVTSS2SD V, W(m32): lane 0 only, the rest of the destination is kept.
enum CvtSS2SD: SSEFloatOp {
    static var memBytes: Int { 4 }
    @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8, _ env: inout FPEnv) -> V128 {
        V128(lo: SoftFloat.convert(UInt32(truncatingIfNeeded: s.lo), from: Binary32.self, to: Binary64.self, &env), hi: d.hi)
    }
}
/// CVTSD2SS V, W(m64): the low single is replaced, bits 32-127 are kept.
enum CvtSD2SS: SSEFloatOp {
    static var memBytes: Int { 8 }
    @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8, _ env: inout FPEnv) -> V128 {
        let v: UInt32 = SoftFloat.convert(s.lo, from: Binary64.self, to: Binary32.self, &env)
        return V128(lo: (d.lo & 0xFFFF_FFFF_0000_0000) | UInt64(v), hi: d.hi)
    }
}
/// CVTDQ2PS V, W(m128): four int32 -> four singles (rounded per MXCSR.RC; PE when inexact).
enum CvtDQ2PS: SSEFloatOp {
    static var memBytes: Int { 16 }
    @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8, _ env: inout FPEnv) -> V128 {
        var r = V128(lo: 0, hi: 0)
        for k in 0..<4 { r.setLane(k, SoftFloat.fromInt32(s.lane(k, Int32.self), Binary32.self, &env) as UInt32) }
        return r
    }
}
/// CVTPS2DQ (66) / CVTTPS2DQ (F3) V, W(m128): four singles -> four int32.
enum CvtPS2DQ<T: SSETruncation>: SSEFloatOp {
    static var memBytes: Int { 16 }
    @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8, _ env: inout FPEnv) -> V128 {
        var r = V128(lo: 0, hi: 0)
        for k in 0..<4 { r.setLane(k, SoftFloat.toInt32(s.lane(k, UInt32.self), Binary32.self, &env, truncate: T.truncate)) }
        return r
    }
}
/// CVTDQ2PD V, W(m64): two int32 from the low 64 bits -> two doubles (always exact).
enum CvtDQ2PD: SSEFloatOp {
    static var memBytes: Int { 8 }
    @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8, _ env: inout FPEnv) -> V128 {
        V128(lo: SoftFloat.fromInt32(Int32(truncatingIfNeeded: s.lo), Binary64.self, &env),
             hi: SoftFloat.fromInt32(Int32(truncatingIfNeeded: s.lo >> 32), Binary64.self, &env))
    }
}
/// CVTPD2DQ (F2) / CVTTPD2DQ (66) V, W(m128): two doubles -> two int32 in the low 64 bits, high zeroed.
enum CvtPD2DQ<T: SSETruncation>: SSEFloatOp {
    static var memBytes: Int { 16 }
    @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8, _ env: inout FPEnv) -> V128 {
        let a = UInt32(bitPattern: SoftFloat.toInt32(s.lo, Binary64.self, &env, truncate: T.truncate))
        let b = UInt32(bitPattern: SoftFloat.toInt32(s.hi, Binary64.self, &env, truncate: T.truncate))
        return V128(lo: UInt64(a) | UInt64(b) << 32, hi: 0)
    }
}

/// Rounding of a float -> integer conversion: MXCSR.RC (CVT*) or toward zero (CVTT*).
protocol SSETruncation { static var truncate: Bool { get } }
enum RoundByMXCSR: SSETruncation { static var truncate: Bool { false } }
enum Truncating: SSETruncation { static var truncate: Bool { true } }

/// Which scalar format an integer conversion reads or writes.
protocol SSEScalarKind { static var double: Bool { get } }
enum ScalarSingle: SSEScalarKind { static var double: Bool { false } }
enum ScalarDouble: SSEScalarKind { static var double: Bool { true } }

// MARK: CVTSI2SS / CVTSI2SD V, E(32/64)

/// The source integer is 64-bit with REX.W, else 32-bit; lane 0 of the destination is replaced.
enum SSECvtFromInt<K: SSEScalarKind> {
    @inline(__always) static func run(_ cpu: CPU, _ i: Instr, _ v: Int64) throws(CPUFault) {
        var env = FPEnv(mxcsr: cpu.pointee.mxcsr)
        var d = cpu.xmm(i.reg)
        if K.double {
            d.lo = SoftFloat.fromInt64(v, Binary64.self, &env)
        } else {
            d.lo = (d.lo & 0xFFFF_FFFF_0000_0000) | UInt64(SoftFloat.fromInt64(v, Binary32.self, &env) as UInt32)
        }
        try cpu.sseFloatExceptions(env.flags)
        cpu.setXmm(i.reg, d)
    }
    @inline(__always) static func regBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.sseAvailable()
        let v: Int64 = i.pointee.prefixes.contains(.rexW) ? Int64(bitPattern: cpu.reg(i.rm)) : Int64(Int32(bitPattern: cpu.reg(i.rm)))
        try run(cpu, i, v)
    }
    @inline(__always) static func memBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.sseAvailable()
        let ea = cpu.effectiveAddress(i)
        let v: Int64 = i.pointee.prefixes.contains(.rexW) ? Int64(bitPattern: try cpu.load(ea)) : Int64(Int32(bitPattern: try cpu.load(ea)))
        try run(cpu, i, v)
    }
}

// MARK: CVT(T)SS2SI / CVT(T)SD2SI G(32/64), W

/// The destination GPR is 64-bit with REX.W (a 32-bit write zero-extends as usual).
enum SSECvtToInt<K: SSEScalarKind, T: SSETruncation> {
    @inline(__always) static func run(_ cpu: CPU, _ i: Instr, _ s: UInt64) throws(CPUFault) {
        var env = FPEnv(mxcsr: cpu.pointee.mxcsr)
        let wide = i.pointee.prefixes.contains(.rexW)
        let r: UInt64
        if K.double {
            r = wide ? UInt64(bitPattern: SoftFloat.toInt64(s, Binary64.self, &env, truncate: T.truncate))
                     : UInt64(UInt32(bitPattern: SoftFloat.toInt32(s, Binary64.self, &env, truncate: T.truncate)))
        } else {
            let f = UInt32(truncatingIfNeeded: s)
            r = wide ? UInt64(bitPattern: SoftFloat.toInt64(f, Binary32.self, &env, truncate: T.truncate))
                     : UInt64(UInt32(bitPattern: SoftFloat.toInt32(f, Binary32.self, &env, truncate: T.truncate)))
        }
        try cpu.sseFloatExceptions(env.flags)
        if wide { cpu.setReg(i.reg, r) } else { cpu.setReg(i.reg, UInt32(truncatingIfNeeded: r)) }
    }
    @inline(__always) static func regBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.sseAvailable()
        try run(cpu, i, cpu.xmm(i.rm).lo)
    }
    @inline(__always) static func memBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.sseAvailable()
        let ea = cpu.effectiveAddress(i)
        let s: UInt64 = K.double ? try cpu.load(ea) : UInt64(try cpu.load(ea) as UInt32)
        try run(cpu, i, s)
    }
}

/// Concrete handlers (see SSEFloatRun: no handler is a member of a generic type).
extension SSE {
    @inline(__always) static func cvtPS2PDReg(_ cpu: CPU, _ i: Instr) { do { try SSEFloatRun.regBody(CvtPS2PD.self, cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func cvtPS2PDMem(_ cpu: CPU, _ i: Instr) { do { try SSEFloatRun.memBody(CvtPS2PD.self, cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    static let cvtPS2PD = xmmSet(cvtPS2PDReg, cvtPS2PDMem)
    @inline(__always) static func cvtPD2PSReg(_ cpu: CPU, _ i: Instr) { do { try SSEFloatRun.regBody(CvtPD2PS.self, cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func cvtPD2PSMem(_ cpu: CPU, _ i: Instr) { do { try SSEFloatRun.memBody(CvtPD2PS.self, cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    static let cvtPD2PS = xmmSet(cvtPD2PSReg, cvtPD2PSMem)
    @inline(__always) static func cvtSS2SDReg(_ cpu: CPU, _ i: Instr) { do { try SSEFloatRun.regBody(CvtSS2SD.self, cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func cvtSS2SDMem(_ cpu: CPU, _ i: Instr) { do { try SSEFloatRun.memBody(CvtSS2SD.self, cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    static let cvtSS2SD = xmmSet(cvtSS2SDReg, cvtSS2SDMem)
    @inline(__always) static func cvtSD2SSReg(_ cpu: CPU, _ i: Instr) { do { try SSEFloatRun.regBody(CvtSD2SS.self, cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func cvtSD2SSMem(_ cpu: CPU, _ i: Instr) { do { try SSEFloatRun.memBody(CvtSD2SS.self, cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    static let cvtSD2SS = xmmSet(cvtSD2SSReg, cvtSD2SSMem)
    @inline(__always) static func cvtDQ2PSReg(_ cpu: CPU, _ i: Instr) { do { try SSEFloatRun.regBody(CvtDQ2PS.self, cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func cvtDQ2PSMem(_ cpu: CPU, _ i: Instr) { do { try SSEFloatRun.memBody(CvtDQ2PS.self, cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    static let cvtDQ2PS = xmmSet(cvtDQ2PSReg, cvtDQ2PSMem)
    @inline(__always) static func cvtPS2DQReg(_ cpu: CPU, _ i: Instr) { do { try SSEFloatRun.regBody(CvtPS2DQ<RoundByMXCSR>.self, cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func cvtPS2DQMem(_ cpu: CPU, _ i: Instr) { do { try SSEFloatRun.memBody(CvtPS2DQ<RoundByMXCSR>.self, cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    static let cvtPS2DQ = xmmSet(cvtPS2DQReg, cvtPS2DQMem)
    @inline(__always) static func cvttPS2DQReg(_ cpu: CPU, _ i: Instr) { do { try SSEFloatRun.regBody(CvtPS2DQ<Truncating>.self, cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func cvttPS2DQMem(_ cpu: CPU, _ i: Instr) { do { try SSEFloatRun.memBody(CvtPS2DQ<Truncating>.self, cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    static let cvttPS2DQ = xmmSet(cvttPS2DQReg, cvttPS2DQMem)
    @inline(__always) static func cvtDQ2PDReg(_ cpu: CPU, _ i: Instr) { do { try SSEFloatRun.regBody(CvtDQ2PD.self, cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func cvtDQ2PDMem(_ cpu: CPU, _ i: Instr) { do { try SSEFloatRun.memBody(CvtDQ2PD.self, cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    static let cvtDQ2PD = xmmSet(cvtDQ2PDReg, cvtDQ2PDMem)
    @inline(__always) static func cvtPD2DQReg(_ cpu: CPU, _ i: Instr) { do { try SSEFloatRun.regBody(CvtPD2DQ<RoundByMXCSR>.self, cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func cvtPD2DQMem(_ cpu: CPU, _ i: Instr) { do { try SSEFloatRun.memBody(CvtPD2DQ<RoundByMXCSR>.self, cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    static let cvtPD2DQ = xmmSet(cvtPD2DQReg, cvtPD2DQMem)
    @inline(__always) static func cvttPD2DQReg(_ cpu: CPU, _ i: Instr) { do { try SSEFloatRun.regBody(CvtPD2DQ<Truncating>.self, cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func cvttPD2DQMem(_ cpu: CPU, _ i: Instr) { do { try SSEFloatRun.memBody(CvtPD2DQ<Truncating>.self, cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    static let cvttPD2DQ = xmmSet(cvttPD2DQReg, cvttPD2DQMem)
    @inline(__always) static func cvtSI2SSReg(_ cpu: CPU, _ i: Instr) { do { try SSECvtFromInt<ScalarSingle>.regBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func cvtSI2SSMem(_ cpu: CPU, _ i: Instr) { do { try SSECvtFromInt<ScalarSingle>.memBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    static let cvtSI2SS = xmmSet(cvtSI2SSReg, cvtSI2SSMem)
    @inline(__always) static func cvtSI2SDReg(_ cpu: CPU, _ i: Instr) { do { try SSECvtFromInt<ScalarDouble>.regBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func cvtSI2SDMem(_ cpu: CPU, _ i: Instr) { do { try SSECvtFromInt<ScalarDouble>.memBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    static let cvtSI2SD = xmmSet(cvtSI2SDReg, cvtSI2SDMem)
    @inline(__always) static func cvtSS2SIReg(_ cpu: CPU, _ i: Instr) { do { try SSECvtToInt<ScalarSingle, RoundByMXCSR>.regBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func cvtSS2SIMem(_ cpu: CPU, _ i: Instr) { do { try SSECvtToInt<ScalarSingle, RoundByMXCSR>.memBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    static let cvtSS2SI = xmmSet(cvtSS2SIReg, cvtSS2SIMem)
    @inline(__always) static func cvttSS2SIReg(_ cpu: CPU, _ i: Instr) { do { try SSECvtToInt<ScalarSingle, Truncating>.regBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func cvttSS2SIMem(_ cpu: CPU, _ i: Instr) { do { try SSECvtToInt<ScalarSingle, Truncating>.memBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    static let cvttSS2SI = xmmSet(cvttSS2SIReg, cvttSS2SIMem)
    @inline(__always) static func cvtSD2SIReg(_ cpu: CPU, _ i: Instr) { do { try SSECvtToInt<ScalarDouble, RoundByMXCSR>.regBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func cvtSD2SIMem(_ cpu: CPU, _ i: Instr) { do { try SSECvtToInt<ScalarDouble, RoundByMXCSR>.memBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    static let cvtSD2SI = xmmSet(cvtSD2SIReg, cvtSD2SIMem)
    @inline(__always) static func cvttSD2SIReg(_ cpu: CPU, _ i: Instr) { do { try SSECvtToInt<ScalarDouble, Truncating>.regBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func cvttSD2SIMem(_ cpu: CPU, _ i: Instr) { do { try SSECvtToInt<ScalarDouble, Truncating>.memBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    static let cvttSD2SI = xmmSet(cvttSD2SIReg, cvttSD2SIMem)
}
