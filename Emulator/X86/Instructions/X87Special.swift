// Layer: X86 (CPU model), instruction handlers: the x87 operations the IEEE core does not have,
// built on its unpack/roundPack: FSCALE (ST(0) * 2^trunc(ST(1))), FXTRACT (split into exponent and
// significand) and FPREM/FPREM1 (partial remainders, exact integer long division).
// None of them is affected by the precision control (Intel SDM vol. 1 §8.1.5.2).

enum X87Special {
    @inline(__always) static func unpack(_ v: F80) -> Unpacked { Extended80.unpack(X87Arith.bits(v)) }

    /// Rounds sig * 2^(exp-127) to extended precision with the current RC; an unmasked OE/UE
    /// delivers the result wrapped by 24576 (as the arithmetic instructions do).
    @inline(__always) static func roundExtended(_ cpu: CPU, sign: Bool, exp: Int32, sig: UInt128) -> (F80, UInt16, Bool) {
        let cw = cpu.pointee.fpuControl
        let rc = UInt32(cpu.fpuRounding)
        var env = FPEnv(rounding: rc, precision: 64, nanRule: .x87)
        var r = SoftFloat.roundPack(sign: sign, exp: exp, sig: sig, as: Extended80.self, &env)
        var e = exp
        if env.flags & FPFlag.overflow != 0 && cw & FSW.oe == 0 {
            e = exp &- 24576
        } else if env.flags & FPFlag.tiny != 0 && cw & FSW.ue == 0 {
            e = exp &+ 24576
        }
        var flags = UInt16(truncatingIfNeeded: env.flags & FPFlag.x86Mask)
        if e != exp {
            let wasOverflow = env.flags & FPFlag.overflow != 0
            env = FPEnv(rounding: rc, precision: 64, nanRule: .x87)
            r = SoftFloat.roundPack(sign: sign, exp: e, sig: sig, as: Extended80.self, &env)
            flags = (wasOverflow ? FSW.oe : FSW.ue) | UInt16(truncatingIfNeeded: env.flags & FPFlag.inexact)
            // Still out of range after the 24576 wrap (FSCALE by a huge power): infinity / zero.
            if wasOverflow && env.flags & FPFlag.overflow != 0 { return (.infinity(sign), FSW.oe | FSW.pe, true) }
            if !wasOverflow && env.flags & FPFlag.tiny != 0 { return (.zero(sign), FSW.ue | FSW.pe, false) }
        }
        var up = false
        if flags & FSW.pe != 0 {
            var chop = FPEnv(rounding: FPRound.towardZero, precision: 64, nanRule: .x87)
            let t = SoftFloat.roundPack(sign: sign, exp: e, sig: sig, as: Extended80.self, &chop)
            up = t != r
        }
        return (X87Arith.f80(r), flags, up)
    }

    /// The NaN result of a two-operand x87 operation (a or b is a NaN), IE for a signalling one.
    @inline(__always) static func nanResult(_ a: Unpacked, _ b: Unpacked, _ flags: inout UInt16) -> F80 {
        var env = FPEnv(rounding: 0, nanRule: .x87)
        let r = SoftFloat.propagateNaN(a, b, Extended80.self, &env)
        flags |= UInt16(truncatingIfNeeded: env.flags & FPFlag.x86Mask)
        return X87Arith.f80(r)
    }

    // MARK: FSCALE

    @inline(__always) static func fscale(_ cpu: CPU, _ i: Instr) { do { try fscaleBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fscaleBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.fpuBegin()
        cpu.fpuRecord(i, memory: false)
        if cpu.fpuEmpty(0) || cpu.fpuEmpty(1) { X87Arith.emptyOperand(cpu, 0, pop: false); return }
        let a = unpack(cpu.st(0)), b = unpack(cpu.st(1))
        var flags: UInt16 = 0
        var result: F80
        var up = false
        if a.cls == .unsupported || b.cls == .unsupported {
            flags = FSW.ie; result = .indefinite
        } else if a.isNaN || b.isNaN {
            result = nanResult(a, b, &flags)
        } else {
            if a.denormal || b.denormal {
                // An unmasked DE stops the operation before it computes anything.
                if cpu.pointee.fpuControl & FSW.de == 0 { cpu.fpuSetC1(false); cpu.fpuSignal(FSW.de); return }
                flags |= FSW.de
            }
            switch (a.cls, b.cls) {
            case (.zero, .infinity) where !b.sign, (.infinity, .infinity) where b.sign:
                flags |= FSW.ie; result = .indefinite          // 0 * 2^inf, inf * 2^-inf
            case (.zero, _), (.infinity, _):
                result = cpu.st(0)
            case (_, .infinity):
                result = b.sign ? .zero(a.sign) : .infinity(a.sign)
            default:
                // n = ST(1) truncated toward zero; clamped (beyond +-2^17 the result saturates anyway).
                var n: Int32 = 0
                if b.cls == .finite && b.exp >= 0 {
                    n = b.exp >= 17 ? 1 << 17 : Int32(truncatingIfNeeded: b.sig >> UInt64(63 - b.exp))
                    if b.sign { n = -n }
                }
                let (r, f, u) = roundExtended(cpu, sign: a.sign, exp: a.exp &+ n, sig: UInt128(a.sig) << 64)
                result = r; flags |= f; up = u
            }
        }
        cpu.fpuSetC1(up)
        if flags != 0 && cpu.fpuSignal(flags) && flags & (FSW.ie | FSW.de) & ~cpu.pointee.fpuControl != 0 { return }
        cpu.setST(0, result)
    }

    // MARK: FXTRACT

    @inline(__always) static func fxtract(_ cpu: CPU, _ i: Instr) { do { try fxtractBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fxtractBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.fpuBegin()
        cpu.fpuRecord(i, memory: false)
        if cpu.fpuEmpty(0) {
            if cpu.fpuUnderflow() {
                cpu.setST(0, .indefinite)
                cpu.fpuPushValue(.indefinite)   // underflow only (C1 = 0), even if ST(7) is full
            }
            return
        }
        if !cpu.fpuEmpty(7) {
            if cpu.fpuOverflow() { cpu.setST(0, .indefinite); cpu.fpuPushValue(.indefinite) }
            return
        }
        let v = cpu.st(0)
        let a = unpack(v)
        var flags: UInt16 = 0
        var exponent: F80, significand: F80
        switch a.cls {
        case .unsupported:
            flags = FSW.ie; exponent = .indefinite; significand = .indefinite
        case .nan:
            if a.isSignalingNaN { flags = FSW.ie }
            exponent = v.quieted; significand = v.quieted
        case .zero:
            flags = FSW.ze; exponent = .infinity(true); significand = v
        case .infinity:
            exponent = .infinity(false); significand = v
        case .finite:
            if a.denormal { flags = FSW.de }
            exponent = X87Convert.fromInteger(Int64(a.exp))
            significand = F80(sign: a.sign, exponent: 16383, significand: a.sig)
        }
        cpu.fpuSetC1(false)
        if flags != 0 && cpu.fpuSignal(flags) && flags & (FSW.ie | FSW.ze | FSW.de) & ~cpu.pointee.fpuControl != 0 { return }
        cpu.setST(0, exponent)
        cpu.fpuPushValue(significand)
    }

    // MARK: FPREM / FPREM1

    /// An exact remainder packed as it is (a pseudo-denormal comes out in its exponent-1 form).
    /// A tiny result is delivered unscaled even when UE is unmasked; UE is then flagged.
    @inline(__always) static func exactResult(_ cpu: CPU, sign: Bool, exp: Int32, sig: UInt128) -> (F80, UInt16) {
        let (v, f, _) = roundExtended(cpu, sign: sign, exp: exp, sig: sig)
        return (v, f)
    }

    /// Bits of the exponent difference one partial-remainder step reduces at most.
    static let partialLimit: Int32 = 64

    @inline(__always) static func fprem(_ cpu: CPU, _ i: Instr) { do { try premBody(cpu, i, nearest: false) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fprem1(_ cpu: CPU, _ i: Instr) { do { try premBody(cpu, i, nearest: true) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }

    /// ST(0) = ST(0) - q * ST(1), q = ST(0)/ST(1) truncated (FPREM) or rounded to nearest-even
    /// (FPREM1). C0 C3 C1 = q bits 2, 0, 1 when complete (C2 = 0); with an exponent difference
    /// of 64 or more only a partial reduction is done and C2 = 1.
    @inline(__always) static func premBody(_ cpu: CPU, _ i: Instr, nearest: Bool) throws(CPUFault) {
        try cpu.fpuBegin()
        cpu.fpuRecord(i, memory: false)
        if cpu.fpuEmpty(0) || cpu.fpuEmpty(1) {
            if cpu.fpuUnderflow() { cpu.setST(0, .indefinite) }
            cpu.pointee.fpuStatus &= ~FSW.c2
            return
        }
        let a = unpack(cpu.st(0)), b = unpack(cpu.st(1))
        var flags: UInt16 = 0
        var result = cpu.st(0)
        var conditions: UInt16 = 0      // C0 C1 C3 from the quotient; C2 for a partial result
        if a.cls == .unsupported || b.cls == .unsupported {
            flags = FSW.ie; result = .indefinite
        } else if a.isNaN || b.isNaN {
            result = nanResult(a, b, &flags)
        } else if a.cls == .infinity || b.cls == .zero {
            flags = FSW.ie; result = .indefinite      // no DE reported with this IE (host)
        } else {
            if a.denormal || b.denormal {
                if cpu.pointee.fpuControl & FSW.de == 0 {
                    cpu.pointee.fpuStatus &= ~(FSW.c1 | FSW.c2)
                    cpu.fpuSignal(FSW.de)
                    return
                }
                flags |= FSW.de
            }
            if a.cls != .zero && b.cls != .infinity {
                var d = a.exp &- b.exp
                var bexp = b.exp
                var partial = false
                if d >= partialLimit {
                    // Reduce by b * 2^(d - n) only: n quotient bits this step.
                    let n: Int32 = 32 + (d - partialLimit) % 32
                    bexp = a.exp &- n
                    d = n
                    partial = true
                }
                var q: UInt64 = 0
                var r = UInt128(a.sig)
                var negate = false
                let m = UInt128(b.sig)
                if d >= 0 {
                    // Long division: r = a.sig * 2^d mod b.sig, q = the quotient's low bits.
                    if r >= m { r -= m; q = 1 }
                    var k: Int32 = 0
                    while k < d {
                        r <<= 1; q <<= 1
                        if r >= m { r -= m; q |= 1 }
                        k += 1
                    }
                    if nearest && !partial && (r << 1 > m || (r << 1 == m && q & 1 != 0)) {
                        r = m - r; q &+= 1; negate = true
                    }
                    // The remainder is r * 2^(bexp - 63).
                    if r == 0 {
                        result = .zero(a.sign)
                    } else {
                        let (v, f) = exactResult(cpu, sign: a.sign != negate, exp: bexp &+ 64, sig: r)
                        result = v; flags |= f
                    }
                } else if nearest && d == -1 && a.sig > b.sig {
                    // |a| in (|b|/2, |b|): q = 1, r = a - b (exact: (2*b.sig - a.sig) * 2^(a.exp - 63)).
                    q = 1
                    let diff = (UInt128(b.sig) << 1) - UInt128(a.sig)
                    let (v, f) = exactResult(cpu, sign: !a.sign, exp: a.exp &+ 64, sig: diff)
                    result = v; flags |= f
                } else {
                    // |a| < |b|: the remainder is a itself.
                    let (v, f) = exactResult(cpu, sign: a.sign, exp: a.exp &+ 64, sig: UInt128(a.sig))
                    result = v; flags |= f
                }
                if partial {
                    conditions = FSW.c2
                } else {
                    // C0 = Q2, C3 = Q1, C1 = Q0 (Intel SDM FPREM).
                    if q & 4 != 0 { conditions |= FSW.c0 }
                    if q & 2 != 0 { conditions |= FSW.c3 }
                    if q & 1 != 0 { conditions |= FSW.c1 }
                }
            } else if a.cls == .finite {
                // b is infinite: the remainder is a (repacked).
                let (v, f) = exactResult(cpu, sign: a.sign, exp: a.exp &+ 64, sig: UInt128(a.sig))
                result = v; flags |= f
            }
        }
        if flags & FSW.ie != 0 || a.isNaN || b.isNaN || a.cls == .unsupported || b.cls == .unsupported {
            // Invalid or NaN: C1 and C2 cleared, C0 and C3 kept (measured on the host).
            cpu.pointee.fpuStatus &= ~(FSW.c1 | FSW.c2)
        } else {
            cpu.fpuSetConditions(conditions)
        }
        if flags != 0 && cpu.fpuSignal(flags) && flags & (FSW.ie | FSW.de) & ~cpu.pointee.fpuControl != 0 { return }
        cpu.setST(0, result)
    }
}
