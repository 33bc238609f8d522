// Layer: X86 (CPU model), instruction handlers: the x87 transcendental instructions (FSIN, FCOS,
// FSINCOS, FPTAN, FPATAN, F2XM1, FYL2X, FYL2XP1), computed in software by
// Float/X87Transcendental.swift (never the host libm). Special operands follow the Intel SDM
// tables of each instruction; FSIN/FCOS/FSINCOS/FPTAN leave an operand with |x| >= 2^63 alone and
// set C2 ("out of range", the OS reduces it).

enum X87Trig {
    typealias T = X87Transcendental

    /// Rounds a Wide result and delivers it to ST(dest): flags (PE, UE...), C1 when rounded up.
    /// An unmasked OE/UE delivers the result wrapped by 24576, as the arithmetic instructions do.
    @inline(__always) static func rounded(_ cpu: CPU, _ w: Wide) -> (F80, UInt16, Bool) {
        let rc = UInt32(cpu.fpuRounding)
        let cw = cpu.pointee.fpuControl
        var (r, flags, up) = T.round(w, rc: rc)
        if flags & FPFlag.overflow != 0 && cw & FSW.oe == 0 {
            let (r2, f2, u2) = T.round(w.scaled(-24576), rc: rc)
            (r, flags, up) = (r2, FPFlag.overflow | (f2 & FPFlag.inexact), u2)
        } else if flags & FPFlag.tiny != 0 && cw & FSW.ue == 0 {
            let (r2, f2, u2) = T.round(w.scaled(24576), rc: rc)
            (r, flags, up) = (r2, FPFlag.underflow | (f2 & FPFlag.inexact), u2)
        }
        return (X87Arith.f80(r), UInt16(truncatingIfNeeded: flags & FPFlag.x86Mask), up)
    }

    /// Common prologue for one-operand functions: nil when ST(0) was handled (empty, NaN,
    /// unsupported, unmasked DE); else the unpacked operand and the DE flag to report.
    /// `trig`: FSIN/FCOS/FSINCOS/FPTAN also clear C2 on these paths (F2XM1 keeps it).
    @inline(__always) static func operand(_ cpu: CPU, pushes: Bool, trig: Bool) -> (Unpacked, UInt16)? {
        let c2: UInt16 = trig ? FSW.c2 : 0
        if cpu.fpuEmpty(0) {
            cpu.pointee.fpuStatus &= ~c2
            if cpu.fpuUnderflow() {
                cpu.setST(0, .indefinite)
                if pushes { cpu.fpuPushValue(.indefinite) }
            }
            return nil
        }
        if pushes && !cpu.fpuEmpty(7) {
            cpu.pointee.fpuStatus &= ~FSW.c2
            if cpu.fpuOverflow() { cpu.setST(0, .indefinite); cpu.fpuPushValue(.indefinite) }
            return nil
        }
        let v = cpu.st(0)
        let a = X87Special.unpack(v)
        if a.cls == .unsupported || a.isNaN {
            cpu.pointee.fpuStatus &= ~(FSW.c1 | c2)
            let r: F80 = a.cls == .unsupported ? .indefinite : v.quieted
            if (a.cls == .unsupported || a.isSignalingNaN) && cpu.fpuSignal(FSW.ie) { return nil }
            cpu.setST(0, r)
            if pushes { cpu.fpuPushValue(r) }
            return nil
        }
        if a.denormal {
            if cpu.pointee.fpuControl & FSW.de == 0 {
                cpu.pointee.fpuStatus &= ~(FSW.c1 | c2)
                cpu.fpuSignal(FSW.de)
                return nil
            }
            return (a, FSW.de)
        }
        return (a, 0)
    }

    /// FSIN (0), FCOS (1), FSINCOS (2), FPTAN (3).
    @inline(__always) static func trig(_ cpu: CPU, _ i: Instr, _ which: Int) throws(CPUFault) {
        try cpu.fpuBegin()
        cpu.fpuRecord(i, memory: false)
        let pushes = which >= 2
        guard let (a, de) = operand(cpu, pushes: pushes, trig: true) else { return }
        if a.cls == .infinity {
            cpu.pointee.fpuStatus &= ~(FSW.c1 | FSW.c2)
            if cpu.fpuSignal(FSW.ie) { return }
            cpu.setST(0, .indefinite)
            if pushes { cpu.fpuPushValue(.indefinite) }
            return
        }
        if a.cls == .finite && a.exp >= 63 {
            // Out of range: C2 = 1, the operand is left for the OS to reduce.
            cpu.pointee.fpuStatus = (cpu.pointee.fpuStatus & ~FSW.c1) | FSW.c2
            return
        }
        cpu.pointee.fpuStatus &= ~FSW.c2
        let one = F80(significand: F80.integerBit, signExponent: 0x3FFF)
        if a.cls == .zero {
            cpu.fpuSetC1(false)
            let z = F80.zero(a.sign)
            switch which {
            case 0: cpu.setST(0, z)
            case 1: cpu.setST(0, one)
            case 2: cpu.setST(0, z); cpu.fpuPushValue(one)
            default: cpu.setST(0, z); cpu.fpuPushValue(one)
            }
            return
        }
        let (s, c) = T.sinCos(Wide(a))
        var flags = de
        var up = false
        switch which {
        case 0:
            let (r, f, u) = rounded(cpu, s); flags |= f; up = u
            cpu.fpuSetC1(up); cpu.fpuSignal(flags); cpu.setST(0, r)
        case 1:
            let (r, f, u) = rounded(cpu, c); flags |= f; up = u
            cpu.fpuSetC1(up); cpu.fpuSignal(flags); cpu.setST(0, r)
        case 2:
            let (rs, fs, _) = rounded(cpu, s)
            let (rc, fc, uc) = rounded(cpu, c)
            flags |= fs | fc
            cpu.fpuSetC1(uc); cpu.fpuSignal(flags)
            cpu.setST(0, rs); cpu.fpuPushValue(rc)
        default:
            // Tiny x: tan x = x + x^3/3 + ... directly, so the correction's sign survives.
            let x = Wide(a)
            let t = a.exp < -64 ? x + x * x * x / Wide(integer: 3) : s / c
            let (r, f, u) = rounded(cpu, t); flags |= f; up = u
            cpu.fpuSetC1(up); cpu.fpuSignal(flags)
            cpu.setST(0, r); cpu.fpuPushValue(one)
        }
    }

    @inline(__always) static func fsin(_ cpu: CPU, _ i: Instr) { do { try trig(cpu, i, 0) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fcos(_ cpu: CPU, _ i: Instr) { do { try trig(cpu, i, 1) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fsincos(_ cpu: CPU, _ i: Instr) { do { try trig(cpu, i, 2) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fptan(_ cpu: CPU, _ i: Instr) { do { try trig(cpu, i, 3) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }

    /// F2XM1: 2^x - 1 (defined for -1 <= x <= 1).
    @inline(__always) static func f2xm1(_ cpu: CPU, _ i: Instr) { do { try f2xm1Body(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func f2xm1Body(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.fpuBegin()
        cpu.fpuRecord(i, memory: false)
        guard let (a, de) = operand(cpu, pushes: false, trig: false) else { return }
        cpu.fpuSetC1(false)
        switch a.cls {
        case .zero: return
        case .infinity:
            cpu.setST(0, a.sign ? F80(significand: F80.integerBit, signExponent: 0xBFFF) : .infinity(false))
            return
        default: break
        }
        let (r, f, up) = rounded(cpu, T.expm1(Wide(a) * T.ln2))
        cpu.fpuSetC1(up)
        cpu.fpuSignal(f | de)
        cpu.setST(0, r)
    }

    /// Two-operand prologue (ST(0) = x, ST(1) = y; result to ST(1), then pop): nil when handled.
    /// `deferDE`: the caller checks its invalid cases first (IE wins over an unmasked DE).
    @inline(__always) static func operands(_ cpu: CPU, deferDE: Bool = false) -> (Unpacked, Unpacked, UInt16)? {
        if cpu.fpuEmpty(0) || cpu.fpuEmpty(1) {
            if cpu.fpuUnderflow() { cpu.setST(1, .indefinite); cpu.fpuPop() }
            return nil
        }
        let x = X87Special.unpack(cpu.st(0)), y = X87Special.unpack(cpu.st(1))
        if x.cls == .unsupported || y.cls == .unsupported || x.isNaN || y.isNaN {
            cpu.fpuSetC1(false)
            var flags: UInt16 = 0
            let r = x.cls == .unsupported || y.cls == .unsupported ? { flags = FSW.ie; return F80.indefinite }()
                : X87Special.nanResult(x, y, &flags)
            if flags != 0 && cpu.fpuSignal(flags) { return nil }
            cpu.setST(1, r); cpu.fpuPop()
            return nil
        }
        var de: UInt16 = 0
        if x.denormal || y.denormal {
            if !deferDE && cpu.pointee.fpuControl & FSW.de == 0 { cpu.fpuSetC1(false); cpu.fpuSignal(FSW.de); return nil }
            de = FSW.de
        }
        return (x, y, de)
    }

    @inline(__always) static func finish(_ cpu: CPU, _ v: F80, _ flags: UInt16, up: Bool) {
        cpu.fpuSetC1(up)
        if flags != 0 && cpu.fpuSignal(flags) && flags & (FSW.ie | FSW.ze) & ~cpu.pointee.fpuControl != 0 { return }
        cpu.setST(1, v)
        cpu.fpuPop()
    }

    /// FYL2X: ST(1) = ST(1) * log2(ST(0)), pop. An invalid operand pair reports IE without DE.
    @inline(__always) static func fyl2x(_ cpu: CPU, _ i: Instr) { do { try fyl2xBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fyl2xBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.fpuBegin()
        cpu.fpuRecord(i, memory: false)
        guard let (x, y, de) = operands(cpu, deferDE: true) else { return }
        let one = x.cls == .finite && x.exp == 0 && x.sig == F80.integerBit && !x.sign
        if x.sign && x.cls != .zero { finish(cpu, .indefinite, FSW.ie, up: false); return }
        if x.cls == .zero {
            // log2(0) = -inf: a finite y gives ZE, and the reference CPU (AMD Zen 4, checked with
            // the harness) then reports no DE for a denormal y, masked or not.
            if y.cls == .zero { finish(cpu, .indefinite, FSW.ie, up: false); return }
            if y.cls == .infinity { finish(cpu, .infinity(!y.sign), 0, up: false); return }
            finish(cpu, .infinity(!y.sign), FSW.ze, up: false); return
        }
        if de != 0 && cpu.pointee.fpuControl & FSW.de == 0 { cpu.fpuSetC1(false); cpu.fpuSignal(FSW.de); return }
        if x.cls == .infinity {
            if y.cls == .zero { finish(cpu, .indefinite, FSW.ie, up: false); return }
            finish(cpu, .infinity(y.sign), de, up: false); return
        }
        if one {
            if y.cls == .infinity { finish(cpu, .indefinite, FSW.ie, up: false); return }
            finish(cpu, .zero(y.sign), de, up: false); return
        }
        let below = x.exp < 0   // 0 < x < 1: log2 negative
        if y.cls == .infinity { finish(cpu, .infinity(y.sign != below), de, up: false); return }
        if y.cls == .zero { finish(cpu, .zero(y.sign != below), de, up: false); return }
        let (r, f, up) = rounded(cpu, Wide(y) * T.log2(Wide(x)))
        finish(cpu, r, f | de, up: up)
    }

    /// FYL2XP1: ST(1) = ST(1) * log2(ST(0) + 1), pop (|x| < 1 - sqrt(2)/2).
    @inline(__always) static func fyl2xp1(_ cpu: CPU, _ i: Instr) { do { try fyl2xp1Body(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fyl2xp1Body(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.fpuBegin()
        cpu.fpuRecord(i, memory: false)
        guard let (x, y, de) = operands(cpu) else { return }
        if x.cls == .zero {
            if y.cls == .infinity { finish(cpu, .indefinite, FSW.ie, up: false); return }
            finish(cpu, .zero(x.sign != y.sign), de, up: false); return
        }
        if x.cls == .infinity {
            // Outside the documented domain; the reference CPU treats it like FYL2X does.
            if x.sign || y.cls == .zero { finish(cpu, .indefinite, FSW.ie, up: false); return }
            finish(cpu, .infinity(y.sign), de, up: false); return
        }
        if y.cls == .infinity { finish(cpu, .infinity(x.sign != y.sign), de, up: false); return }
        if y.cls == .zero { finish(cpu, .zero(x.sign != y.sign), de, up: false); return }
        let (r, f, up) = rounded(cpu, Wide(y) * T.log2p1(Wide(x)))
        finish(cpu, r, f | de, up: up)
    }

    /// FPATAN: ST(1) = atan2(ST(1), ST(0)), pop.
    @inline(__always) static func fpatan(_ cpu: CPU, _ i: Instr) { do { try fpatanBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fpatanBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.fpuBegin()
        cpu.fpuRecord(i, memory: false)
        guard let (x, y, de) = operands(cpu) else { return }
        let pi = T.pi
        var w: Wide
        if y.cls == .zero {
            if !x.sign { finish(cpu, .zero(y.sign), de, up: false); return }
            w = pi
        } else if x.cls == .zero {
            w = pi.scaled(-1)
        } else if y.cls == .infinity {
            if x.cls == .infinity { w = x.sign ? pi.scaled(-2) * Wide(integer: 3) : pi.scaled(-2) }
            else { w = pi.scaled(-1) }
        } else if x.cls == .infinity {
            if !x.sign { finish(cpu, .zero(y.sign), de, up: false); return }
            w = pi
        } else {
            var ya = Wide(y), xa = Wide(x)
            ya.neg = false; xa.neg = false
            let t = T.atan(ya / xa)
            w = x.sign ? pi - t : t
        }
        w.neg = y.sign
        let (r, f, up) = rounded(cpu, w)
        finish(cpu, r, f | de, up: up)
    }
}
