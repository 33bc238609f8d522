// Layer: X86 (CPU model), instruction handlers: SSE/SSE2 floating-point arithmetic and compares
// (ADD/SUB/MUL/DIV/MIN/MAX/SQRT {PS,PD,SS,SD}, RCPPS/RCPSS/RSQRTPS/RSQRTSS, CMPccPS/PD/SS/SD,
// COMISS/UCOMISS/COMISD/UCOMISD) and the MXCSR exception rules they share. Every value is
// computed by the software IEEE engine (Float/SoftFloat.swift), never by host floating point.
// The conversions (CVT*) are in SSEFloatConvert.swift.
// V = XMM in ModRM.reg (i.reg, the first source and destination), W = XMM (i.rm) or memory.

extension UnsafeMutablePointer where Pointee == CPUState {
    /// Applies the exception flags one SSE floating-point instruction raised (OR of all lanes).
    /// Masked exceptions (MXCSR bits 7-12 set) only set their sticky flag (bits 0-5). An unmasked
    /// one raises #XM (vector 19), or #UD when the OS has not enabled it (CR4.OSXMMEXCPT, bit 10),
    /// and the destination is NOT written (the caller writes only after this returns):
    /// - pre-computation exceptions (IE, DE, ZE) are checked first; if one is unmasked only
    ///   those flags are set;
    /// - otherwise the post-computation ones (OE, UE, PE). With UE unmasked, underflow is
    ///   reported whenever the result is tiny, even if exact (SoftFloat's `tiny`).
    @inline(__always) func sseFloatExceptions(_ flags: UInt32) throws(CPUFault) {
        let mx = pointee.mxcsr
        let masks = (mx >> 7) & 0x3F
        var raised = flags & FPFlag.x86Mask
        if masks & FPFlag.underflow == 0 && flags & FPFlag.tiny != 0 { raised |= FPFlag.underflow }
        if raised & ~masks == 0 { pointee.mxcsr = mx | raised; return }
        // Unmasked overflow/underflow deliver the exponent-scaled result to the handler: PE then
        // says whether THAT rounding was inexact.
        if raised & ~masks & (FPFlag.overflow | FPFlag.underflow) != 0 {
            raised = (raised & ~FPFlag.inexact) | (flags & FPFlag.inexactUnbounded != 0 ? FPFlag.inexact : 0)
        }
        let pre = raised & (FPFlag.invalid | FPFlag.denormal | FPFlag.divideByZero)
        pointee.mxcsr = mx | (pre & ~masks != 0 ? pre : raised)
        if pointee.cr4 & 0x400 == 0 { throw .ud }
        throw CPUFault(.simd)
    }
}

/// One SSE floating-point operation producing a whole XMM destination from the destination's
/// old value `d` and the source `s` (for a memory source of fewer than 16 bytes, `s.lo` holds it).
protocol SSEFloatOp {
    /// Bytes of the memory operand: 4 or 8 (scalar, any alignment) or 16 (packed, 16-byte
    /// aligned unless AMD's misaligned mode MXCSR.MM is on).
    static var memBytes: Int { get }
    static func apply(_ d: V128, _ s: V128, _ imm: UInt8, _ env: inout FPEnv) -> V128
}

/// The bodies shared by every XMM-destination floating-point handler. Handlers are concrete
/// functions (`SSE.addPSReg`...) that pass their operation type: a `@convention(thin)` reference
/// to a static method of a *generic* type is not reliable (the compiler folded the SS and SD
/// specializations into one function), so no handler is a member of a generic type.
enum SSEFloatRun {
    @inline(__always) static func regBody<Op: SSEFloatOp>(_ op: Op.Type, _ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.sseAvailable()
        var env = FPEnv(mxcsr: cpu.pointee.mxcsr)
        let r = Op.apply(cpu.xmm(i.reg), cpu.xmm(i.rm), UInt8(truncatingIfNeeded: i.imm), &env)
        try cpu.sseFloatExceptions(env.flags)
        cpu.setXmm(i.reg, r)
    }
    @inline(__always) static func memBody<Op: SSEFloatOp>(_ op: Op.Type, _ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.sseAvailable()
        let ea = cpu.effectiveAddress(i)
        let s: V128
        switch Op.memBytes {
        case 4: s = V128(lo: UInt64(try cpu.load(ea) as UInt32), hi: 0)
        case 8: s = V128(lo: try cpu.load(ea) as UInt64, hi: 0)
        default: s = try cpu.load128(ea, aligned: cpu.pointee.mxcsr & MXCSR.misalignedMode == 0)
        }
        var env = FPEnv(mxcsr: cpu.pointee.mxcsr)
        let r = Op.apply(cpu.xmm(i.reg), s, UInt8(truncatingIfNeeded: i.imm), &env)
        try cpu.sseFloatExceptions(env.flags)
        cpu.setXmm(i.reg, r)
    }
}

/// A lane operation in either format: `a` is the destination's lane (first source), `b` the source's.
protocol SSEFloatLane {
    static func lane<F: SoftFloatFormat>(_ a: F.Bits, _ b: F.Bits, _ f: F.Type, _ imm: UInt8, _ env: inout FPEnv) -> F.Bits
        where F.Bits: FixedWidthInteger
}

enum SSEAdd: SSEFloatLane {
    @inline(__always) static func lane<F: SoftFloatFormat>(_ a: F.Bits, _ b: F.Bits, _ f: F.Type, _ imm: UInt8, _ env: inout FPEnv) -> F.Bits where F.Bits: FixedWidthInteger {
        SoftFloat.add(a, b, F.self, &env)
    }
}
enum SSESub: SSEFloatLane {
    @inline(__always) static func lane<F: SoftFloatFormat>(_ a: F.Bits, _ b: F.Bits, _ f: F.Type, _ imm: UInt8, _ env: inout FPEnv) -> F.Bits where F.Bits: FixedWidthInteger {
        SoftFloat.sub(a, b, F.self, &env)
    }
}
enum SSEMul: SSEFloatLane {
    @inline(__always) static func lane<F: SoftFloatFormat>(_ a: F.Bits, _ b: F.Bits, _ f: F.Type, _ imm: UInt8, _ env: inout FPEnv) -> F.Bits where F.Bits: FixedWidthInteger {
        SoftFloat.mul(a, b, F.self, &env)
    }
}
enum SSEDiv: SSEFloatLane {
    @inline(__always) static func lane<F: SoftFloatFormat>(_ a: F.Bits, _ b: F.Bits, _ f: F.Type, _ imm: UInt8, _ env: inout FPEnv) -> F.Bits where F.Bits: FixedWidthInteger {
        SoftFloat.div(a, b, F.self, &env)
    }
}
enum SSEMin: SSEFloatLane {
    @inline(__always) static func lane<F: SoftFloatFormat>(_ a: F.Bits, _ b: F.Bits, _ f: F.Type, _ imm: UInt8, _ env: inout FPEnv) -> F.Bits where F.Bits: FixedWidthInteger {
        SoftFloat.sseMin(a, b, F.self, &env)
    }
}
enum SSEMax: SSEFloatLane {
    @inline(__always) static func lane<F: SoftFloatFormat>(_ a: F.Bits, _ b: F.Bits, _ f: F.Type, _ imm: UInt8, _ env: inout FPEnv) -> F.Bits where F.Bits: FixedWidthInteger {
        SoftFloat.sseMax(a, b, F.self, &env)
    }
}
/// SQRT: a unary operation on the source lane.
enum SSESqrt: SSEFloatLane {
    @inline(__always) static func lane<F: SoftFloatFormat>(_ a: F.Bits, _ b: F.Bits, _ f: F.Type, _ imm: UInt8, _ env: inout FPEnv) -> F.Bits where F.Bits: FixedWidthInteger {
        SoftFloat.sqrt(b, F.self, &env)
    }
}
/// CMPccPS/PD/SS/SD: all-ones when predicate imm8[2:0] holds, else zero. LT, LE, NLT, NLE are
/// signalling (IE for a QNaN operand too); EQ, UNORD, NEQ, ORD only signal on an SNaN.
enum SSECmp: SSEFloatLane {
    @inline(__always) static func lane<F: SoftFloatFormat>(_ a: F.Bits, _ b: F.Bits, _ f: F.Type, _ imm: UInt8, _ env: inout FPEnv) -> F.Bits where F.Bits: FixedWidthInteger {
        let p = imm & 7
        let signaling = p == 1 || p == 2 || p == 5 || p == 6
        let r = SoftFloat.compare(a, b, F.self, signaling: signaling, &env)
        let t: Bool
        switch p {
        case 0: t = r == .equal
        case 1: t = r == .less
        case 2: t = r == .less || r == .equal
        case 3: t = r == .unordered
        case 4: t = r != .equal
        case 5: t = r != .less
        case 6: t = !(r == .less || r == .equal)
        default: t = r != .unordered
        }
        return t ? ~F.Bits.zero : F.Bits.zero
    }
}

/// How a lane operation is spread over the XMM register (a non-generic type: handler types
/// take it as one of their generic arguments, never nested inside another generic type, because
/// `@convention(thin)` handler references to nested generic specializations are miscompiled).
protocol SSEFloatShape {
    static var memBytes: Int { get }
    static func apply<L: SSEFloatLane>(_ l: L.Type, _ d: V128, _ s: V128, _ imm: UInt8, _ env: inout FPEnv) -> V128
}
/// Packed single: four binary32 lanes.
enum PS: SSEFloatShape {
    static var memBytes: Int { 16 }
    @inline(__always) static func apply<L: SSEFloatLane>(_ l: L.Type, _ d: V128, _ s: V128, _ imm: UInt8, _ env: inout FPEnv) -> V128 {
        var r = V128(lo: 0, hi: 0)
        for k in 0..<4 { r.setLane(k, L.lane(d.lane(k, UInt32.self), s.lane(k, UInt32.self), Binary32.self, imm, &env)) }
        return r
    }
}
/// Packed double: two binary64 lanes.
enum PD: SSEFloatShape {
    static var memBytes: Int { 16 }
    @inline(__always) static func apply<L: SSEFloatLane>(_ l: L.Type, _ d: V128, _ s: V128, _ imm: UInt8, _ env: inout FPEnv) -> V128 {
        let lo = L.lane(d.lo, s.lo, Binary64.self, imm, &env)
        return V128(lo: lo, hi: L.lane(d.hi, s.hi, Binary64.self, imm, &env))
    }
}
/// Scalar single: lane 0 only, the destination's other lanes are kept.
enum SS: SSEFloatShape {
    static var memBytes: Int { 4 }
    @inline(__always) static func apply<L: SSEFloatLane>(_ l: L.Type, _ d: V128, _ s: V128, _ imm: UInt8, _ env: inout FPEnv) -> V128 {
        let v = L.lane(UInt32(truncatingIfNeeded: d.lo), UInt32(truncatingIfNeeded: s.lo), Binary32.self, imm, &env)
        return V128(lo: (d.lo & 0xFFFF_FFFF_0000_0000) | UInt64(v), hi: d.hi)
    }
}
/// Scalar double: lane 0 only.
enum SD: SSEFloatShape {
    static var memBytes: Int { 8 }
    @inline(__always) static func apply<L: SSEFloatLane>(_ l: L.Type, _ d: V128, _ s: V128, _ imm: UInt8, _ env: inout FPEnv) -> V128 {
        V128(lo: L.lane(d.lo, s.lo, Binary64.self, imm, &env), hi: d.hi)
    }
}

/// The 32 arithmetic/compare operations as concrete SSEFloatOp types (shape x lane operation).
enum AddPS: SSEFloatOp { static var memBytes: Int { PS.memBytes }; @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8, _ env: inout FPEnv) -> V128 { PS.apply(SSEAdd.self, d, s, imm, &env) } }
enum AddPD: SSEFloatOp { static var memBytes: Int { PD.memBytes }; @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8, _ env: inout FPEnv) -> V128 { PD.apply(SSEAdd.self, d, s, imm, &env) } }
enum AddSS: SSEFloatOp { static var memBytes: Int { SS.memBytes }; @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8, _ env: inout FPEnv) -> V128 { SS.apply(SSEAdd.self, d, s, imm, &env) } }
enum AddSD: SSEFloatOp { static var memBytes: Int { SD.memBytes }; @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8, _ env: inout FPEnv) -> V128 { SD.apply(SSEAdd.self, d, s, imm, &env) } }
enum SubPS: SSEFloatOp { static var memBytes: Int { PS.memBytes }; @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8, _ env: inout FPEnv) -> V128 { PS.apply(SSESub.self, d, s, imm, &env) } }
enum SubPD: SSEFloatOp { static var memBytes: Int { PD.memBytes }; @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8, _ env: inout FPEnv) -> V128 { PD.apply(SSESub.self, d, s, imm, &env) } }
enum SubSS: SSEFloatOp { static var memBytes: Int { SS.memBytes }; @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8, _ env: inout FPEnv) -> V128 { SS.apply(SSESub.self, d, s, imm, &env) } }
enum SubSD: SSEFloatOp { static var memBytes: Int { SD.memBytes }; @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8, _ env: inout FPEnv) -> V128 { SD.apply(SSESub.self, d, s, imm, &env) } }
enum MulPS: SSEFloatOp { static var memBytes: Int { PS.memBytes }; @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8, _ env: inout FPEnv) -> V128 { PS.apply(SSEMul.self, d, s, imm, &env) } }
enum MulPD: SSEFloatOp { static var memBytes: Int { PD.memBytes }; @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8, _ env: inout FPEnv) -> V128 { PD.apply(SSEMul.self, d, s, imm, &env) } }
enum MulSS: SSEFloatOp { static var memBytes: Int { SS.memBytes }; @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8, _ env: inout FPEnv) -> V128 { SS.apply(SSEMul.self, d, s, imm, &env) } }
enum MulSD: SSEFloatOp { static var memBytes: Int { SD.memBytes }; @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8, _ env: inout FPEnv) -> V128 { SD.apply(SSEMul.self, d, s, imm, &env) } }
enum DivPS: SSEFloatOp { static var memBytes: Int { PS.memBytes }; @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8, _ env: inout FPEnv) -> V128 { PS.apply(SSEDiv.self, d, s, imm, &env) } }
enum DivPD: SSEFloatOp { static var memBytes: Int { PD.memBytes }; @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8, _ env: inout FPEnv) -> V128 { PD.apply(SSEDiv.self, d, s, imm, &env) } }
enum DivSS: SSEFloatOp { static var memBytes: Int { SS.memBytes }; @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8, _ env: inout FPEnv) -> V128 { SS.apply(SSEDiv.self, d, s, imm, &env) } }
enum DivSD: SSEFloatOp { static var memBytes: Int { SD.memBytes }; @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8, _ env: inout FPEnv) -> V128 { SD.apply(SSEDiv.self, d, s, imm, &env) } }
enum MinPS: SSEFloatOp { static var memBytes: Int { PS.memBytes }; @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8, _ env: inout FPEnv) -> V128 { PS.apply(SSEMin.self, d, s, imm, &env) } }
enum MinPD: SSEFloatOp { static var memBytes: Int { PD.memBytes }; @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8, _ env: inout FPEnv) -> V128 { PD.apply(SSEMin.self, d, s, imm, &env) } }
enum MinSS: SSEFloatOp { static var memBytes: Int { SS.memBytes }; @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8, _ env: inout FPEnv) -> V128 { SS.apply(SSEMin.self, d, s, imm, &env) } }
enum MinSD: SSEFloatOp { static var memBytes: Int { SD.memBytes }; @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8, _ env: inout FPEnv) -> V128 { SD.apply(SSEMin.self, d, s, imm, &env) } }
enum MaxPS: SSEFloatOp { static var memBytes: Int { PS.memBytes }; @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8, _ env: inout FPEnv) -> V128 { PS.apply(SSEMax.self, d, s, imm, &env) } }
enum MaxPD: SSEFloatOp { static var memBytes: Int { PD.memBytes }; @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8, _ env: inout FPEnv) -> V128 { PD.apply(SSEMax.self, d, s, imm, &env) } }
enum MaxSS: SSEFloatOp { static var memBytes: Int { SS.memBytes }; @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8, _ env: inout FPEnv) -> V128 { SS.apply(SSEMax.self, d, s, imm, &env) } }
enum MaxSD: SSEFloatOp { static var memBytes: Int { SD.memBytes }; @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8, _ env: inout FPEnv) -> V128 { SD.apply(SSEMax.self, d, s, imm, &env) } }
enum SqrtPS: SSEFloatOp { static var memBytes: Int { PS.memBytes }; @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8, _ env: inout FPEnv) -> V128 { PS.apply(SSESqrt.self, d, s, imm, &env) } }
enum SqrtPD: SSEFloatOp { static var memBytes: Int { PD.memBytes }; @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8, _ env: inout FPEnv) -> V128 { PD.apply(SSESqrt.self, d, s, imm, &env) } }
enum SqrtSS: SSEFloatOp { static var memBytes: Int { SS.memBytes }; @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8, _ env: inout FPEnv) -> V128 { SS.apply(SSESqrt.self, d, s, imm, &env) } }
enum SqrtSD: SSEFloatOp { static var memBytes: Int { SD.memBytes }; @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8, _ env: inout FPEnv) -> V128 { SD.apply(SSESqrt.self, d, s, imm, &env) } }
enum CmpPS: SSEFloatOp { static var memBytes: Int { PS.memBytes }; @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8, _ env: inout FPEnv) -> V128 { PS.apply(SSECmp.self, d, s, imm, &env) } }
enum CmpPD: SSEFloatOp { static var memBytes: Int { PD.memBytes }; @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8, _ env: inout FPEnv) -> V128 { PD.apply(SSECmp.self, d, s, imm, &env) } }
enum CmpSS: SSEFloatOp { static var memBytes: Int { SS.memBytes }; @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8, _ env: inout FPEnv) -> V128 { SS.apply(SSECmp.self, d, s, imm, &env) } }
enum CmpSD: SSEFloatOp { static var memBytes: Int { SD.memBytes }; @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8, _ env: inout FPEnv) -> V128 { SD.apply(SSECmp.self, d, s, imm, &env) } }

extension SSE {
    @inline(__always) static func addPSReg(_ cpu: CPU, _ i: Instr) { do { try SSEFloatRun.regBody(AddPS.self, cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func addPSMem(_ cpu: CPU, _ i: Instr) { do { try SSEFloatRun.memBody(AddPS.self, cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    static let addPS = xmmSet(addPSReg, addPSMem)
    @inline(__always) static func addPDReg(_ cpu: CPU, _ i: Instr) { do { try SSEFloatRun.regBody(AddPD.self, cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func addPDMem(_ cpu: CPU, _ i: Instr) { do { try SSEFloatRun.memBody(AddPD.self, cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    static let addPD = xmmSet(addPDReg, addPDMem)
    @inline(__always) static func addSSReg(_ cpu: CPU, _ i: Instr) { do { try SSEFloatRun.regBody(AddSS.self, cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func addSSMem(_ cpu: CPU, _ i: Instr) { do { try SSEFloatRun.memBody(AddSS.self, cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    static let addSS = xmmSet(addSSReg, addSSMem)
    @inline(__always) static func addSDReg(_ cpu: CPU, _ i: Instr) { do { try SSEFloatRun.regBody(AddSD.self, cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func addSDMem(_ cpu: CPU, _ i: Instr) { do { try SSEFloatRun.memBody(AddSD.self, cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    static let addSD = xmmSet(addSDReg, addSDMem)
    @inline(__always) static func subPSReg(_ cpu: CPU, _ i: Instr) { do { try SSEFloatRun.regBody(SubPS.self, cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func subPSMem(_ cpu: CPU, _ i: Instr) { do { try SSEFloatRun.memBody(SubPS.self, cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    static let subPS = xmmSet(subPSReg, subPSMem)
    @inline(__always) static func subPDReg(_ cpu: CPU, _ i: Instr) { do { try SSEFloatRun.regBody(SubPD.self, cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func subPDMem(_ cpu: CPU, _ i: Instr) { do { try SSEFloatRun.memBody(SubPD.self, cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    static let subPD = xmmSet(subPDReg, subPDMem)
    @inline(__always) static func subSSReg(_ cpu: CPU, _ i: Instr) { do { try SSEFloatRun.regBody(SubSS.self, cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func subSSMem(_ cpu: CPU, _ i: Instr) { do { try SSEFloatRun.memBody(SubSS.self, cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    static let subSS = xmmSet(subSSReg, subSSMem)
    @inline(__always) static func subSDReg(_ cpu: CPU, _ i: Instr) { do { try SSEFloatRun.regBody(SubSD.self, cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func subSDMem(_ cpu: CPU, _ i: Instr) { do { try SSEFloatRun.memBody(SubSD.self, cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    static let subSD = xmmSet(subSDReg, subSDMem)
    @inline(__always) static func mulPSReg(_ cpu: CPU, _ i: Instr) { do { try SSEFloatRun.regBody(MulPS.self, cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func mulPSMem(_ cpu: CPU, _ i: Instr) { do { try SSEFloatRun.memBody(MulPS.self, cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    static let mulPS = xmmSet(mulPSReg, mulPSMem)
    @inline(__always) static func mulPDReg(_ cpu: CPU, _ i: Instr) { do { try SSEFloatRun.regBody(MulPD.self, cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func mulPDMem(_ cpu: CPU, _ i: Instr) { do { try SSEFloatRun.memBody(MulPD.self, cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    static let mulPD = xmmSet(mulPDReg, mulPDMem)
    @inline(__always) static func mulSSReg(_ cpu: CPU, _ i: Instr) { do { try SSEFloatRun.regBody(MulSS.self, cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func mulSSMem(_ cpu: CPU, _ i: Instr) { do { try SSEFloatRun.memBody(MulSS.self, cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    static let mulSS = xmmSet(mulSSReg, mulSSMem)
    @inline(__always) static func mulSDReg(_ cpu: CPU, _ i: Instr) { do { try SSEFloatRun.regBody(MulSD.self, cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func mulSDMem(_ cpu: CPU, _ i: Instr) { do { try SSEFloatRun.memBody(MulSD.self, cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    static let mulSD = xmmSet(mulSDReg, mulSDMem)
    @inline(__always) static func divPSReg(_ cpu: CPU, _ i: Instr) { do { try SSEFloatRun.regBody(DivPS.self, cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func divPSMem(_ cpu: CPU, _ i: Instr) { do { try SSEFloatRun.memBody(DivPS.self, cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    static let divPS = xmmSet(divPSReg, divPSMem)
    @inline(__always) static func divPDReg(_ cpu: CPU, _ i: Instr) { do { try SSEFloatRun.regBody(DivPD.self, cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func divPDMem(_ cpu: CPU, _ i: Instr) { do { try SSEFloatRun.memBody(DivPD.self, cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    static let divPD = xmmSet(divPDReg, divPDMem)
    @inline(__always) static func divSSReg(_ cpu: CPU, _ i: Instr) { do { try SSEFloatRun.regBody(DivSS.self, cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func divSSMem(_ cpu: CPU, _ i: Instr) { do { try SSEFloatRun.memBody(DivSS.self, cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    static let divSS = xmmSet(divSSReg, divSSMem)
    @inline(__always) static func divSDReg(_ cpu: CPU, _ i: Instr) { do { try SSEFloatRun.regBody(DivSD.self, cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func divSDMem(_ cpu: CPU, _ i: Instr) { do { try SSEFloatRun.memBody(DivSD.self, cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    static let divSD = xmmSet(divSDReg, divSDMem)
    @inline(__always) static func minPSReg(_ cpu: CPU, _ i: Instr) { do { try SSEFloatRun.regBody(MinPS.self, cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func minPSMem(_ cpu: CPU, _ i: Instr) { do { try SSEFloatRun.memBody(MinPS.self, cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    static let minPS = xmmSet(minPSReg, minPSMem)
    @inline(__always) static func minPDReg(_ cpu: CPU, _ i: Instr) { do { try SSEFloatRun.regBody(MinPD.self, cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func minPDMem(_ cpu: CPU, _ i: Instr) { do { try SSEFloatRun.memBody(MinPD.self, cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    static let minPD = xmmSet(minPDReg, minPDMem)
    @inline(__always) static func minSSReg(_ cpu: CPU, _ i: Instr) { do { try SSEFloatRun.regBody(MinSS.self, cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func minSSMem(_ cpu: CPU, _ i: Instr) { do { try SSEFloatRun.memBody(MinSS.self, cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    static let minSS = xmmSet(minSSReg, minSSMem)
    @inline(__always) static func minSDReg(_ cpu: CPU, _ i: Instr) { do { try SSEFloatRun.regBody(MinSD.self, cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func minSDMem(_ cpu: CPU, _ i: Instr) { do { try SSEFloatRun.memBody(MinSD.self, cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    static let minSD = xmmSet(minSDReg, minSDMem)
    @inline(__always) static func maxPSReg(_ cpu: CPU, _ i: Instr) { do { try SSEFloatRun.regBody(MaxPS.self, cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func maxPSMem(_ cpu: CPU, _ i: Instr) { do { try SSEFloatRun.memBody(MaxPS.self, cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    static let maxPS = xmmSet(maxPSReg, maxPSMem)
    @inline(__always) static func maxPDReg(_ cpu: CPU, _ i: Instr) { do { try SSEFloatRun.regBody(MaxPD.self, cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func maxPDMem(_ cpu: CPU, _ i: Instr) { do { try SSEFloatRun.memBody(MaxPD.self, cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    static let maxPD = xmmSet(maxPDReg, maxPDMem)
    @inline(__always) static func maxSSReg(_ cpu: CPU, _ i: Instr) { do { try SSEFloatRun.regBody(MaxSS.self, cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func maxSSMem(_ cpu: CPU, _ i: Instr) { do { try SSEFloatRun.memBody(MaxSS.self, cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    static let maxSS = xmmSet(maxSSReg, maxSSMem)
    @inline(__always) static func maxSDReg(_ cpu: CPU, _ i: Instr) { do { try SSEFloatRun.regBody(MaxSD.self, cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func maxSDMem(_ cpu: CPU, _ i: Instr) { do { try SSEFloatRun.memBody(MaxSD.self, cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    static let maxSD = xmmSet(maxSDReg, maxSDMem)
    @inline(__always) static func sqrtPSReg(_ cpu: CPU, _ i: Instr) { do { try SSEFloatRun.regBody(SqrtPS.self, cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func sqrtPSMem(_ cpu: CPU, _ i: Instr) { do { try SSEFloatRun.memBody(SqrtPS.self, cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    static let sqrtPS = xmmSet(sqrtPSReg, sqrtPSMem)
    @inline(__always) static func sqrtPDReg(_ cpu: CPU, _ i: Instr) { do { try SSEFloatRun.regBody(SqrtPD.self, cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func sqrtPDMem(_ cpu: CPU, _ i: Instr) { do { try SSEFloatRun.memBody(SqrtPD.self, cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    static let sqrtPD = xmmSet(sqrtPDReg, sqrtPDMem)
    @inline(__always) static func sqrtSSReg(_ cpu: CPU, _ i: Instr) { do { try SSEFloatRun.regBody(SqrtSS.self, cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func sqrtSSMem(_ cpu: CPU, _ i: Instr) { do { try SSEFloatRun.memBody(SqrtSS.self, cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    static let sqrtSS = xmmSet(sqrtSSReg, sqrtSSMem)
    @inline(__always) static func sqrtSDReg(_ cpu: CPU, _ i: Instr) { do { try SSEFloatRun.regBody(SqrtSD.self, cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func sqrtSDMem(_ cpu: CPU, _ i: Instr) { do { try SSEFloatRun.memBody(SqrtSD.self, cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    static let sqrtSD = xmmSet(sqrtSDReg, sqrtSDMem)
    @inline(__always) static func cmpPSReg(_ cpu: CPU, _ i: Instr) { do { try SSEFloatRun.regBody(CmpPS.self, cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func cmpPSMem(_ cpu: CPU, _ i: Instr) { do { try SSEFloatRun.memBody(CmpPS.self, cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    static let cmpPS = xmmSet(cmpPSReg, cmpPSMem)
    @inline(__always) static func cmpPDReg(_ cpu: CPU, _ i: Instr) { do { try SSEFloatRun.regBody(CmpPD.self, cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func cmpPDMem(_ cpu: CPU, _ i: Instr) { do { try SSEFloatRun.memBody(CmpPD.self, cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    static let cmpPD = xmmSet(cmpPDReg, cmpPDMem)
    @inline(__always) static func cmpSSReg(_ cpu: CPU, _ i: Instr) { do { try SSEFloatRun.regBody(CmpSS.self, cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func cmpSSMem(_ cpu: CPU, _ i: Instr) { do { try SSEFloatRun.memBody(CmpSS.self, cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    static let cmpSS = xmmSet(cmpSSReg, cmpSSMem)
    @inline(__always) static func cmpSDReg(_ cpu: CPU, _ i: Instr) { do { try SSEFloatRun.regBody(CmpSD.self, cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func cmpSDMem(_ cpu: CPU, _ i: Instr) { do { try SSEFloatRun.memBody(CmpSD.self, cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    static let cmpSD = xmmSet(cmpSDReg, cmpSDMem)

    // MARK: COMISS / UCOMISS / COMISD / UCOMISD

    /// Sets ZF, PF, CF from the comparison (unordered 1,1,1; less 0,0,1; equal 1,0,0; greater
    /// 0,0,0) and clears OF, SF, AF. COMIS signals IE on any NaN, UCOMIS only on an SNaN.
    @inline(__always) static func comiFlags(_ cpu: CPU, _ r: FPRelation, _ flags: UInt32) throws(CPUFault) {
        try cpu.sseFloatExceptions(flags)
        let bits: UInt64
        switch r {
        case .unordered: bits = Flag.zf | Flag.pf | Flag.cf
        case .less: bits = Flag.cf
        case .equal: bits = Flag.zf
        case .greater: bits = 0
        }
        cpu.pointee.setArithmeticFlags(bits)
    }
    @inline(__always) static func comissReg(_ cpu: CPU, _ i: Instr) { do { try SSEComi<ComissKind>.regBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func comissMem(_ cpu: CPU, _ i: Instr) { do { try SSEComi<ComissKind>.memBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    static let comiss = xmmSet(comissReg, comissMem)
    @inline(__always) static func ucomissReg(_ cpu: CPU, _ i: Instr) { do { try SSEComi<UcomissKind>.regBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func ucomissMem(_ cpu: CPU, _ i: Instr) { do { try SSEComi<UcomissKind>.memBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    static let ucomiss = xmmSet(ucomissReg, ucomissMem)
    @inline(__always) static func comisdReg(_ cpu: CPU, _ i: Instr) { do { try SSEComi<ComisdKind>.regBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func comisdMem(_ cpu: CPU, _ i: Instr) { do { try SSEComi<ComisdKind>.memBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    static let comisd = xmmSet(comisdReg, comisdMem)
    @inline(__always) static func ucomisdReg(_ cpu: CPU, _ i: Instr) { do { try SSEComi<UcomisdKind>.regBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func ucomisdMem(_ cpu: CPU, _ i: Instr) { do { try SSEComi<UcomisdKind>.memBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    static let ucomisd = xmmSet(ucomisdReg, ucomisdMem)
}

/// Which of the four (U)COMIS instructions.
protocol SSEComiKind { static var signaling: Bool { get }; static var double: Bool { get } }
enum ComissKind: SSEComiKind { static var signaling: Bool { true }; static var double: Bool { false } }
enum UcomissKind: SSEComiKind { static var signaling: Bool { false }; static var double: Bool { false } }
enum ComisdKind: SSEComiKind { static var signaling: Bool { true }; static var double: Bool { true } }
enum UcomisdKind: SSEComiKind { static var signaling: Bool { false }; static var double: Bool { true } }

/// (U)COMISS V, W(m32) / (U)COMISD V, W(m64): the memory operand has no alignment requirement.
enum SSEComi<K: SSEComiKind> {
    @inline(__always) static func run(_ cpu: CPU, _ a: UInt64, _ b: UInt64) throws(CPUFault) {
        var env = FPEnv(mxcsr: cpu.pointee.mxcsr)
        let r = K.double
            ? SoftFloat.compare(a, b, Binary64.self, signaling: K.signaling, &env)
            : SoftFloat.compare(UInt32(truncatingIfNeeded: a), UInt32(truncatingIfNeeded: b), Binary32.self, signaling: K.signaling, &env)
        try SSE.comiFlags(cpu, r, env.flags)
    }
    @inline(__always) static func regBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.sseAvailable()
        try run(cpu, cpu.xmm(i.reg).lo, cpu.xmm(i.rm).lo)
    }
    @inline(__always) static func memBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.sseAvailable()
        let ea = cpu.effectiveAddress(i)
        let b: UInt64 = K.double ? try cpu.load(ea) : UInt64(try cpu.load(ea) as UInt32)
        try run(cpu, cpu.xmm(i.reg).lo, b)
    }
}

// MARK: RCPPS / RCPSS / RSQRTPS / RSQRTSS

/// The approximate reciprocal (square root) instructions. Their exact bits are model-specific
/// (a hardware table whose rule is not published; Intel and AMD differ). The architectural
/// contract is a relative error of at most 1.5 * 2^-12. This model is deterministic and
/// documented instead of copying a table: the exact value is computed (binary64, correctly
/// rounded, then rounded to nearest-even at 12 fraction bits: error <= 2^-13 + 2^-53), which is
/// well inside the bound. The differential harness checks both the host and Orrery against
/// that bound rather than bit equality (family sse-fp-rcp). Special cases follow the SDM and
/// are compared exactly: ±0 and denormals (treated as ±0) -> ±inf; ±inf -> ±0; NaN -> the NaN
/// quietened; RSQRT of a negative number -> the default NaN; results below the normal range
/// flush to ±0. No MXCSR flags are set and MXCSR.RC is ignored.
enum SSEApprox {
    /// Rounds a binary64 value to 13 significant bits and converts it to binary32, flushing
    /// results below the binary32 normal range to a signed zero.
    @inline(__always) static func narrow(_ d: UInt64) -> UInt32 {
        let sign = UInt32(truncatingIfNeeded: d >> 63) << 31
        // Round the 52-bit fraction to 12 bits (nearest, ties to even): add half an ulp of the
        // kept part (minus one when the kept part is even), then clear the dropped bits. A
        // carry into the exponent field is the correctly rounded power of two.
        let drop: UInt64 = 40
        let keptLSB = (d >> drop) & 1
        let r = (d &+ ((1 << (drop - 1)) &- 1 &+ keptLSB)) & ~((1 << drop) &- 1)
        let e = Int((r >> 52) & 0x7FF) - 1023
        if e < -126 { return sign }
        if e > 127 { return sign | 0x7F80_0000 }
        return sign | UInt32(e + 127) << 23 | UInt32(truncatingIfNeeded: (r >> 29) & 0x7F_FFFF)
    }

    static func rcp(_ x: UInt32) -> UInt32 {
        let u = Binary32.unpack(x)
        let sign = x & 0x8000_0000
        switch u.cls {
        case .nan: return x | 0x0040_0000
        case .infinity: return sign
        case .zero: return sign | 0x7F80_0000
        default: break
        }
        if u.denormal { return sign | 0x7F80_0000 }
        var env = FPEnv(rounding: FPRound.nearestEven)
        let d = SoftFloat.convert(x, from: Binary32.self, to: Binary64.self, &env)
        return narrow(SoftFloat.div(0x3FF0_0000_0000_0000, d, Binary64.self, &env))  // the quotient carries x's sign
    }

    static func rsqrt(_ x: UInt32) -> UInt32 {
        let u = Binary32.unpack(x)
        let sign = x & 0x8000_0000
        switch u.cls {
        case .nan: return x | 0x0040_0000
        case .infinity: return sign != 0 ? Binary32.defaultNaN : 0
        case .zero: return sign | 0x7F80_0000
        default: break
        }
        if u.denormal { return sign | 0x7F80_0000 }
        if sign != 0 { return Binary32.defaultNaN }
        var env = FPEnv(rounding: FPRound.nearestEven)
        let d = SoftFloat.convert(x, from: Binary32.self, to: Binary64.self, &env)
        let s = SoftFloat.sqrt(d, Binary64.self, &env)
        return narrow(SoftFloat.div(0x3FF0_0000_0000_0000, s, Binary64.self, &env))
    }
}

/// RCPPS/RSQRTPS (packed, m128) and RCPSS/RSQRTSS (lane 0, m32).
enum RcpPS: SSEFloatOp {
    static var memBytes: Int { 16 }
    @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8, _ env: inout FPEnv) -> V128 {
        var r = V128(lo: 0, hi: 0)
        for k in 0..<4 { r.setLane(k, SSEApprox.rcp(s.lane(k, UInt32.self))) }
        return r
    }
}
enum RsqrtPS: SSEFloatOp {
    static var memBytes: Int { 16 }
    @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8, _ env: inout FPEnv) -> V128 {
        var r = V128(lo: 0, hi: 0)
        for k in 0..<4 { r.setLane(k, SSEApprox.rsqrt(s.lane(k, UInt32.self))) }
        return r
    }
}
enum RcpSS: SSEFloatOp {
    static var memBytes: Int { 4 }
    @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8, _ env: inout FPEnv) -> V128 {
        V128(lo: (d.lo & 0xFFFF_FFFF_0000_0000) | UInt64(SSEApprox.rcp(UInt32(truncatingIfNeeded: s.lo))), hi: d.hi)
    }
}
enum RsqrtSS: SSEFloatOp {
    static var memBytes: Int { 4 }
    @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8, _ env: inout FPEnv) -> V128 {
        V128(lo: (d.lo & 0xFFFF_FFFF_0000_0000) | UInt64(SSEApprox.rsqrt(UInt32(truncatingIfNeeded: s.lo))), hi: d.hi)
    }
}

extension SSE {
    @inline(__always) static func rcpPSReg(_ cpu: CPU, _ i: Instr) { do { try SSEFloatRun.regBody(RcpPS.self, cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func rcpPSMem(_ cpu: CPU, _ i: Instr) { do { try SSEFloatRun.memBody(RcpPS.self, cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    static let rcpPS = xmmSet(rcpPSReg, rcpPSMem)
    @inline(__always) static func rcpSSReg(_ cpu: CPU, _ i: Instr) { do { try SSEFloatRun.regBody(RcpSS.self, cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func rcpSSMem(_ cpu: CPU, _ i: Instr) { do { try SSEFloatRun.memBody(RcpSS.self, cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    static let rcpSS = xmmSet(rcpSSReg, rcpSSMem)
    @inline(__always) static func rsqrtPSReg(_ cpu: CPU, _ i: Instr) { do { try SSEFloatRun.regBody(RsqrtPS.self, cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func rsqrtPSMem(_ cpu: CPU, _ i: Instr) { do { try SSEFloatRun.memBody(RsqrtPS.self, cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    static let rsqrtPS = xmmSet(rsqrtPSReg, rsqrtPSMem)
    @inline(__always) static func rsqrtSSReg(_ cpu: CPU, _ i: Instr) { do { try SSEFloatRun.regBody(RsqrtSS.self, cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func rsqrtSSMem(_ cpu: CPU, _ i: Instr) { do { try SSEFloatRun.memBody(RsqrtSS.self, cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    static let rsqrtSS = xmmSet(rsqrtSSReg, rsqrtSSMem)
}
