// Layer: X86 (CPU model), instruction handlers: x87 arithmetic on the SoftFloat core
// (Emulator/X86/Float/SoftFloat.swift): FADD/FSUB/FSUBR/FMUL/FDIV/FDIVR in every form (ST(0)
// with ST(i), m32, m64, m16int, m32int; ST(i) with ST(0); the popping forms) and FSQRT.
//
// Rules: results are rounded to the precision control (PC, control word bits 8-9: 24, 53 or
// 64 bits, the exponent range staying extended) with the rounding control. An unmasked IE or ZE
// leaves the destination alone. An unmasked OE or UE still writes the destination, with the
// exponent wrapped by 24576 into range (Intel SDM vol. 1 §8.5.4/8.5.5: "bias adjust"). C1 is
// set when the result was rounded up in magnitude.

extension UnsafeMutablePointer where Pointee == CPUState {
    /// Significand bits of results per the precision control (01, reserved, behaves as 64).
    @inline(__always) var fpuPrecision: Int {
        switch (pointee.fpuControl >> 8) & 3 {
        case 0: return 24
        case 2: return 53
        default: return 64
        }
    }
}

enum X87Arith {
    @inline(__always) static func bits(_ v: F80) -> Float80Bits { Float80Bits(sig: v.significand, signExp: v.signExponent) }
    @inline(__always) static func f80(_ b: Float80Bits) -> F80 { F80(significand: b.sig, signExponent: b.signExp) }

    /// op: 0 add, 1 mul, 2 sub (a - b), 3 subr (b - a), 4 div (a / b), 5 divr (b / a).
    @inline(__always) static func compute(_ op: Int, _ a: Unpacked, _ b: Unpacked, _ env: inout FPEnv) -> Float80Bits {
        switch op {
        case 0: return SoftFloat.addSub(a, b, negateB: false, Extended80.self, &env)
        case 1: return SoftFloat.mul(a, b, Extended80.self, &env)
        case 2: return SoftFloat.addSub(a, b, negateB: true, Extended80.self, &env)
        case 3: return SoftFloat.addSub(b, a, negateB: true, Extended80.self, &env)
        case 4: return SoftFloat.div(a, b, Extended80.self, &env)
        default: return SoftFloat.div(b, a, Extended80.self, &env)
        }
    }

    /// a op b under the current control word. Returns the value to store (nil: an unmasked IE/ZE
    /// suppresses it), the x87 exception flags and C1 (rounded up).
    @inline(__always) static func evaluate(_ cpu: CPU, _ op: Int, _ a: Unpacked, _ b: Unpacked) -> (F80?, UInt16, Bool) {
        let cw = cpu.pointee.fpuControl
        let rc = UInt32(cpu.fpuRounding)
        var env = FPEnv(rounding: rc, precision: cpu.fpuPrecision, nanRule: .x87)
        var r = compute(op, a, b, &env)
        var flags = UInt16(truncatingIfNeeded: env.flags & FPFlag.x86Mask)
        if flags & (FSW.ie | FSW.ze | FSW.de) & ~cw != 0 { return (nil, flags & (FSW.ie | FSW.ze | FSW.de), false) }
        var x = a, y = b
        if env.flags & FPFlag.overflow != 0 && cw & FSW.oe == 0 {
            // Unmasked overflow: the exact result scaled by 2^-24576, rounded, stored.
            scale(op, &x, &y, by: -24576)
            var e2 = FPEnv(rounding: rc, precision: cpu.fpuPrecision, nanRule: .x87)
            r = compute(op, x, y, &e2)
            flags = (flags & FSW.de) | FSW.oe | UInt16(truncatingIfNeeded: e2.flags & FPFlag.inexact)
            env = e2
        } else if env.flags & FPFlag.tiny != 0 && cw & FSW.ue == 0 {
            // Unmasked underflow (tiny, exact or not): the result scaled by 2^24576.
            scale(op, &x, &y, by: 24576)
            var e2 = FPEnv(rounding: rc, precision: cpu.fpuPrecision, nanRule: .x87)
            r = compute(op, x, y, &e2)
            flags = (flags & FSW.de) | FSW.ue | UInt16(truncatingIfNeeded: e2.flags & FPFlag.inexact)
            env = e2
        }
        var up = false
        if flags & FSW.pe != 0 {
            // Rounded up when the result's magnitude exceeds the truncated one.
            var chop = FPEnv(rounding: FPRound.towardZero, precision: env.precision, nanRule: .x87)
            let t = compute(op, x, y, &chop)
            up = (r.signExp & 0x7FFF, r.sig) != (t.signExp & 0x7FFF, t.sig)
        }
        return (f80(r), flags, up)
    }

    /// Scales the exact result by 2^k through the operands' exponents.
    @inline(__always) static func scale(_ op: Int, _ a: inout Unpacked, _ b: inout Unpacked, by k: Int32) {
        switch op {
        case 0, 2, 3: a.exp &+= k; b.exp &+= k
        case 1, 4: a.exp &+= k
        default: b.exp &+= k   // divr: b / a
        }
    }

    /// Stores a result into ST(dest) (and pops), or handles the flags of a suppressed one.
    @inline(__always) static func deliver(_ cpu: CPU, _ dest: Int, _ result: (F80?, UInt16, Bool), pop: Bool) {
        let (v, flags, up) = result
        cpu.fpuSetC1(up)
        if flags != 0 { cpu.fpuSignal(flags) }
        guard let value = v else { return }
        cpu.setST(dest, value)
        if pop { cpu.fpuPop() }
    }

    /// Underflow on an empty operand: masked, the destination becomes the indefinite.
    @inline(__always) static func emptyOperand(_ cpu: CPU, _ dest: Int, pop: Bool) {
        if cpu.fpuUnderflow() {
            cpu.setST(dest, .indefinite)
            if pop { cpu.fpuPop() }
        }
    }

    // MARK: forms

    /// ST(0) = ST(0) op ST(i) (D8 register forms).
    @inline(__always) static func st0WithST(_ cpu: CPU, _ i: Instr, _ op: Int) throws(CPUFault) {
        try cpu.fpuBegin()
        cpu.fpuRecord(i, memory: false)
        let k = cpu.fpuRegisterOperand(i)
        if cpu.fpuEmpty(0) || cpu.fpuEmpty(k) { emptyOperand(cpu, 0, pop: false); return }
        deliver(cpu, 0, evaluate(cpu, op, Extended80.unpack(bits(cpu.st(0))), Extended80.unpack(bits(cpu.st(k)))), pop: false)
    }

    /// ST(i) = ST(i) op ST(0) (DC register forms; DE: then pop).
    @inline(__always) static func stWithST0(_ cpu: CPU, _ i: Instr, _ op: Int, pop: Bool) throws(CPUFault) {
        try cpu.fpuBegin()
        cpu.fpuRecord(i, memory: false)
        let k = cpu.fpuRegisterOperand(i)
        if cpu.fpuEmpty(0) || cpu.fpuEmpty(k) { emptyOperand(cpu, k, pop: pop); return }
        deliver(cpu, k, evaluate(cpu, op, Extended80.unpack(bits(cpu.st(k))), Extended80.unpack(bits(cpu.st(0)))), pop: pop)
    }

    /// ST(0) = ST(0) op m32/m64 (D8/DC memory forms).
    @inline(__always) static func st0WithFloat<T: FixedWidthInteger>(_ cpu: CPU, _ i: Instr, _ op: Int, _ t: T.Type) throws(CPUFault) {
        try cpu.fpuBegin()
        let raw: T = try cpu.load(cpu.effectiveAddress(i))
        cpu.fpuRecord(i, memory: true)
        if cpu.fpuEmpty(0) { emptyOperand(cpu, 0, pop: false); return }
        let b = T.bitWidth == 32 ? Binary32.unpack(UInt32(truncatingIfNeeded: raw)) : Binary64.unpack(UInt64(truncatingIfNeeded: raw))
        deliver(cpu, 0, evaluate(cpu, op, Extended80.unpack(bits(cpu.st(0))), b), pop: false)
    }

    /// ST(0) = ST(0) op m16int/m32int (DE/DA memory forms; the integer converts exactly).
    @inline(__always) static func st0WithInteger<T: FixedWidthInteger & SignedInteger>(_ cpu: CPU, _ i: Instr, _ op: Int, _ t: T.Type) throws(CPUFault) {
        try cpu.fpuBegin()
        let x: T = try cpu.load(cpu.effectiveAddress(i))
        cpu.fpuRecord(i, memory: true)
        if cpu.fpuEmpty(0) { emptyOperand(cpu, 0, pop: false); return }
        let b = Extended80.unpack(bits(X87Convert.fromInteger(Int64(x))))
        deliver(cpu, 0, evaluate(cpu, op, Extended80.unpack(bits(cpu.st(0))), b), pop: false)
    }

    /// FSQRT (D9 FA).
    @inline(__always) static func fsqrt(_ cpu: CPU, _ i: Instr) { do { try fsqrtBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fsqrtBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.fpuBegin()
        cpu.fpuRecord(i, memory: false)
        if cpu.fpuEmpty(0) { emptyOperand(cpu, 0, pop: false); return }
        let a = Extended80.unpack(bits(cpu.st(0)))
        let cw = cpu.pointee.fpuControl
        var env = FPEnv(rounding: UInt32(cpu.fpuRounding), precision: cpu.fpuPrecision, nanRule: .x87)
        let r = SoftFloat.sqrt(a, Extended80.self, &env)
        let flags = UInt16(truncatingIfNeeded: env.flags & FPFlag.x86Mask)
        if flags & (FSW.ie | FSW.de) & ~cw != 0 { deliver(cpu, 0, (nil, flags & (FSW.ie | FSW.de), false), pop: false); return }
        var up = false
        if flags & FSW.pe != 0 {
            var chop = FPEnv(rounding: FPRound.towardZero, precision: env.precision, nanRule: .x87)
            let t = SoftFloat.sqrt(a, Extended80.self, &chop)
            up = t != r
        }
        deliver(cpu, 0, (f80(r), flags, up), pop: false)
    }
}

/// The concrete handlers (one per operation and form: handlers must be fully concrete).
enum X87ArithHandlers {
    // D8 /0-/7 register: ST(0) = ST(0) op ST(i). Digits 0 add, 1 mul, 4 sub, 5 subr, 6 div, 7 divr.
    @inline(__always) static func faddST0(_ cpu: CPU, _ i: Instr) { do { try X87Arith.st0WithST(cpu, i, 0) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fmulST0(_ cpu: CPU, _ i: Instr) { do { try X87Arith.st0WithST(cpu, i, 1) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fsubST0(_ cpu: CPU, _ i: Instr) { do { try X87Arith.st0WithST(cpu, i, 2) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fsubrST0(_ cpu: CPU, _ i: Instr) { do { try X87Arith.st0WithST(cpu, i, 3) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fdivST0(_ cpu: CPU, _ i: Instr) { do { try X87Arith.st0WithST(cpu, i, 4) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fdivrST0(_ cpu: CPU, _ i: Instr) { do { try X87Arith.st0WithST(cpu, i, 5) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }

    // DC register: ST(i) = ST(i) op ST(0); DC /4 is FSUBR (ST(0) - ST(i)), /5 FSUB, /6 FDIVR, /7 FDIV.
    @inline(__always) static func faddSTi(_ cpu: CPU, _ i: Instr) { do { try X87Arith.stWithST0(cpu, i, 0, pop: false) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fmulSTi(_ cpu: CPU, _ i: Instr) { do { try X87Arith.stWithST0(cpu, i, 1, pop: false) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fsubrSTi(_ cpu: CPU, _ i: Instr) { do { try X87Arith.stWithST0(cpu, i, 3, pop: false) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fsubSTi(_ cpu: CPU, _ i: Instr) { do { try X87Arith.stWithST0(cpu, i, 2, pop: false) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fdivrSTi(_ cpu: CPU, _ i: Instr) { do { try X87Arith.stWithST0(cpu, i, 5, pop: false) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fdivSTi(_ cpu: CPU, _ i: Instr) { do { try X87Arith.stWithST0(cpu, i, 4, pop: false) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    // DE register: the same, then pop.
    @inline(__always) static func faddp(_ cpu: CPU, _ i: Instr) { do { try X87Arith.stWithST0(cpu, i, 0, pop: true) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fmulp(_ cpu: CPU, _ i: Instr) { do { try X87Arith.stWithST0(cpu, i, 1, pop: true) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fsubrp(_ cpu: CPU, _ i: Instr) { do { try X87Arith.stWithST0(cpu, i, 3, pop: true) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fsubp(_ cpu: CPU, _ i: Instr) { do { try X87Arith.stWithST0(cpu, i, 2, pop: true) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fdivrp(_ cpu: CPU, _ i: Instr) { do { try X87Arith.stWithST0(cpu, i, 5, pop: true) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fdivp(_ cpu: CPU, _ i: Instr) { do { try X87Arith.stWithST0(cpu, i, 4, pop: true) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }

    // D8 memory (m32), DC memory (m64).
    @inline(__always) static func faddM32(_ cpu: CPU, _ i: Instr) { do { try X87Arith.st0WithFloat(cpu, i, 0, UInt32.self) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fmulM32(_ cpu: CPU, _ i: Instr) { do { try X87Arith.st0WithFloat(cpu, i, 1, UInt32.self) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fsubM32(_ cpu: CPU, _ i: Instr) { do { try X87Arith.st0WithFloat(cpu, i, 2, UInt32.self) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fsubrM32(_ cpu: CPU, _ i: Instr) { do { try X87Arith.st0WithFloat(cpu, i, 3, UInt32.self) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fdivM32(_ cpu: CPU, _ i: Instr) { do { try X87Arith.st0WithFloat(cpu, i, 4, UInt32.self) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fdivrM32(_ cpu: CPU, _ i: Instr) { do { try X87Arith.st0WithFloat(cpu, i, 5, UInt32.self) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func faddM64(_ cpu: CPU, _ i: Instr) { do { try X87Arith.st0WithFloat(cpu, i, 0, UInt64.self) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fmulM64(_ cpu: CPU, _ i: Instr) { do { try X87Arith.st0WithFloat(cpu, i, 1, UInt64.self) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fsubM64(_ cpu: CPU, _ i: Instr) { do { try X87Arith.st0WithFloat(cpu, i, 2, UInt64.self) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fsubrM64(_ cpu: CPU, _ i: Instr) { do { try X87Arith.st0WithFloat(cpu, i, 3, UInt64.self) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fdivM64(_ cpu: CPU, _ i: Instr) { do { try X87Arith.st0WithFloat(cpu, i, 4, UInt64.self) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fdivrM64(_ cpu: CPU, _ i: Instr) { do { try X87Arith.st0WithFloat(cpu, i, 5, UInt64.self) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }

    // DA memory (m32int), DE memory (m16int).
    @inline(__always) static func fiaddM32(_ cpu: CPU, _ i: Instr) { do { try X87Arith.st0WithInteger(cpu, i, 0, Int32.self) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fimulM32(_ cpu: CPU, _ i: Instr) { do { try X87Arith.st0WithInteger(cpu, i, 1, Int32.self) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fisubM32(_ cpu: CPU, _ i: Instr) { do { try X87Arith.st0WithInteger(cpu, i, 2, Int32.self) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fisubrM32(_ cpu: CPU, _ i: Instr) { do { try X87Arith.st0WithInteger(cpu, i, 3, Int32.self) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fidivM32(_ cpu: CPU, _ i: Instr) { do { try X87Arith.st0WithInteger(cpu, i, 4, Int32.self) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fidivrM32(_ cpu: CPU, _ i: Instr) { do { try X87Arith.st0WithInteger(cpu, i, 5, Int32.self) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fiaddM16(_ cpu: CPU, _ i: Instr) { do { try X87Arith.st0WithInteger(cpu, i, 0, Int16.self) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fimulM16(_ cpu: CPU, _ i: Instr) { do { try X87Arith.st0WithInteger(cpu, i, 1, Int16.self) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fisubM16(_ cpu: CPU, _ i: Instr) { do { try X87Arith.st0WithInteger(cpu, i, 2, Int16.self) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fisubrM16(_ cpu: CPU, _ i: Instr) { do { try X87Arith.st0WithInteger(cpu, i, 3, Int16.self) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fidivM16(_ cpu: CPU, _ i: Instr) { do { try X87Arith.st0WithInteger(cpu, i, 4, Int16.self) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fidivrM16(_ cpu: CPU, _ i: Instr) { do { try X87Arith.st0WithInteger(cpu, i, 5, Int16.self) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
}
