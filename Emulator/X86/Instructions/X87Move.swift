// Layer: X86 (CPU model), instruction handlers: x87 data movement and the instructions that need
// no rounding arithmetic: FLD/FST/FSTP (m32/m64/m80/ST(i)), FILD/FIST/FISTP/FISTTP, FBLD/FBSTP,
// FXCH, the constants, FCHS/FABS, FCMOVcc, FFREE(P), FINCSTP/FDECSTP, FNOP, FWAIT, FXAM, FTST,
// FRNDINT and the compares (FCOM*/FUCOM*/FCOMI*/FUCOMI*/FICOM*).
//
// The common shape: `fpuBegin` (#NM, pending #MF), read operands (memory faults change nothing),
// compute, store, then `fpuRecord` (FIP/FOP/FDP) and the status word. Masked exceptions deliver
// the x87 "masked response" (QNaN indefinite, integer indefinite); an unmasked one leaves the
// destination and the stack alone and sets ES, so the next waiting instruction raises #MF.

enum X87 {
    // MARK: shared pieces

    /// Pushes a loaded value: stack overflow first, then the load's own exceptions (IE for a
    /// signalling NaN, DE for a denormal binary32/64). An unmasked IE pushes nothing; an
    /// unmasked DE still loads the value on the reference CPU (measured on the host).
    @inline(__always) static func load(_ cpu: CPU, _ v: F80, _ flags: UInt16) {
        cpu.fpuSetC1(false)
        if !cpu.fpuEmpty(7) {
            if cpu.fpuOverflow() { cpu.fpuPushValue(.indefinite) }
            return
        }
        if flags != 0 && cpu.fpuSignal(flags) && flags & FSW.ie != 0 { return }
        cpu.fpuPushValue(v)
    }

    @inline(__always) static func ieMasked(_ cpu: CPU) -> Bool { cpu.pointee.fpuControl & FSW.ie != 0 }

    @inline(__always) static func loadFloat<T: FixedWidthInteger>(_ cpu: CPU, _ i: Instr, _ t: T.Type, _ f: FloatFormat) throws(CPUFault) {
        try cpu.fpuBegin()
        let bits: T = try cpu.load(cpu.effectiveAddress(i))
        cpu.fpuRecord(i, memory: true)
        let (v, flags) = X87Convert.widen(UInt64(truncatingIfNeeded: bits), f)
        load(cpu, v, flags)
    }

    @inline(__always) static func storeFloat<T: FixedWidthInteger>(_ cpu: CPU, _ i: Instr, _ t: T.Type, _ f: FloatFormat, pop: Bool) throws(CPUFault) {
        try cpu.fpuBegin()
        let ea = cpu.effectiveAddress(i)
        if cpu.fpuEmpty(0) {
            // The indefinite QNaN of the destination format: sign, all-ones exponent, quiet bit.
            let indefinite: UInt64 = f.precision == 24 ? 0xFFC0_0000 : 0xFFF8_0000_0000_0000
            let masked = ieMasked(cpu)
            if masked { try cpu.store(ea, T(truncatingIfNeeded: indefinite)) }
            cpu.fpuRecord(i, memory: true)
            _ = cpu.fpuUnderflow()
            if masked && pop { cpu.fpuPop() }
            return
        }
        let control = cpu.pointee.fpuControl
        let (bits, flags, up) = X87Convert.narrow(cpu.st(0), f, control: control)
        // An unmasked IE, OE or UE leaves memory alone; an unmasked PE still stores.
        let unmasked = flags & ~control & (FSW.ie | FSW.oe | FSW.ue) != 0
        if !unmasked { try cpu.store(ea, T(truncatingIfNeeded: bits)) }
        cpu.fpuRecord(i, memory: true)
        cpu.fpuSetC1(up)
        if flags != 0 { cpu.fpuSignal(flags) }
        if !unmasked && pop { cpu.fpuPop() }
    }

    @inline(__always) static func loadInteger<T: FixedWidthInteger & SignedInteger>(_ cpu: CPU, _ i: Instr, _ t: T.Type) throws(CPUFault) {
        try cpu.fpuBegin()
        let x: T = try cpu.load(cpu.effectiveAddress(i))
        cpu.fpuRecord(i, memory: true)
        load(cpu, X87Convert.fromInteger(Int64(x)), 0)
    }

    /// FIST/FISTP (rounding per RC) and FISTTP (truncating). An invalid conversion stores the
    /// integer indefinite (only the sign bit set) when IE is masked.
    @inline(__always) static func storeInteger<T: FixedWidthInteger & SignedInteger>(_ cpu: CPU, _ i: Instr, _ t: T.Type, pop: Bool, truncate: Bool) throws(CPUFault) {
        try cpu.fpuBegin()
        let ea = cpu.effectiveAddress(i)
        let indefinite = T.min
        if cpu.fpuEmpty(0) {
            let masked = ieMasked(cpu)
            if masked { try cpu.store(ea, indefinite) }
            cpu.fpuRecord(i, memory: true)
            _ = cpu.fpuUnderflow()
            if masked && pop { cpu.fpuPop() }
            return
        }
        let (value, inexact, up) = X87Convert.toInteger(cpu.st(0), bits: T.bitWidth, rc: truncate ? 3 : cpu.fpuRounding)
        guard let v = value else {
            let masked = ieMasked(cpu)
            if masked { try cpu.store(ea, indefinite) }
            cpu.fpuRecord(i, memory: true)
            cpu.fpuSetC1(false)
            cpu.fpuSignal(FSW.ie)
            if masked && pop { cpu.fpuPop() }
            return
        }
        try cpu.store(ea, T(truncatingIfNeeded: v))
        cpu.fpuRecord(i, memory: true)
        cpu.fpuSetC1(up)
        if inexact { cpu.fpuSignal(FSW.pe) }
        if pop { cpu.fpuPop() }
    }

    // MARK: FLD / FST / FSTP

    @inline(__always) static func fldM32(_ cpu: CPU, _ i: Instr) { do { try fldM32Body(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fldM32Body(_ cpu: CPU, _ i: Instr) throws(CPUFault) { try loadFloat(cpu, i, UInt32.self, .single) }
    @inline(__always) static func fldM64(_ cpu: CPU, _ i: Instr) { do { try fldM64Body(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fldM64Body(_ cpu: CPU, _ i: Instr) throws(CPUFault) { try loadFloat(cpu, i, UInt64.self, .double) }

    /// FLD m80: the bits are loaded as they are (no exceptions, not even for a signalling NaN).
    @inline(__always) static func fldM80(_ cpu: CPU, _ i: Instr) { do { try fldM80Body(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fldM80Body(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.fpuBegin()
        let ea = cpu.effectiveAddress(i)
        let low: UInt64 = try cpu.load(ea)
        let high: UInt16 = try cpu.load(ea &+ 8)
        cpu.fpuRecord(i, memory: true)
        load(cpu, F80(significand: low, signExponent: high), 0)
    }

    @inline(__always) static func fstM32(_ cpu: CPU, _ i: Instr) { do { try fstM32Body(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fstM32Body(_ cpu: CPU, _ i: Instr) throws(CPUFault) { try storeFloat(cpu, i, UInt32.self, .single, pop: false) }
    @inline(__always) static func fstpM32(_ cpu: CPU, _ i: Instr) { do { try fstpM32Body(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fstpM32Body(_ cpu: CPU, _ i: Instr) throws(CPUFault) { try storeFloat(cpu, i, UInt32.self, .single, pop: true) }
    @inline(__always) static func fstM64(_ cpu: CPU, _ i: Instr) { do { try fstM64Body(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fstM64Body(_ cpu: CPU, _ i: Instr) throws(CPUFault) { try storeFloat(cpu, i, UInt64.self, .double, pop: false) }
    @inline(__always) static func fstpM64(_ cpu: CPU, _ i: Instr) { do { try fstpM64Body(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fstpM64Body(_ cpu: CPU, _ i: Instr) throws(CPUFault) { try storeFloat(cpu, i, UInt64.self, .double, pop: true) }

    /// FSTP m80: the register bits as they are; an empty ST(0) stores the indefinite (masked).
    @inline(__always) static func fstpM80(_ cpu: CPU, _ i: Instr) { do { try fstpM80Body(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fstpM80Body(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.fpuBegin()
        let ea = cpu.effectiveAddress(i)
        let empty = cpu.fpuEmpty(0)
        if empty && !ieMasked(cpu) {
            cpu.fpuRecord(i, memory: true)
            _ = cpu.fpuUnderflow()
            return
        }
        let v = empty ? F80.indefinite : cpu.st(0)
        try cpu.pointee.probeWrite(ea, size: 10)
        try cpu.store(ea, v.significand)
        try cpu.store(ea &+ 8, v.signExponent)
        cpu.fpuRecord(i, memory: true)
        if empty { _ = cpu.fpuUnderflow() } else { cpu.fpuSetC1(false) }
        cpu.fpuPop()
    }

    /// FLD ST(i): reads ST(i) before the push (FLD ST(0) duplicates the top).
    @inline(__always) static func fldST(_ cpu: CPU, _ i: Instr) { do { try fldSTBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fldSTBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.fpuBegin()
        cpu.fpuRecord(i, memory: false)
        let k = cpu.fpuRegisterOperand(i)
        if cpu.fpuEmpty(k) {
            // Underflow only (C1 = 0), even when the push would also overflow.
            if cpu.fpuUnderflow() { cpu.fpuPushValue(.indefinite) }
            return
        }
        load(cpu, cpu.st(k), 0)
    }

    /// FST/FSTP ST(i): a copy of ST(0) (no rounding in register-to-register stores).
    @inline(__always) static func storeST(_ cpu: CPU, _ i: Instr, pop: Bool) throws(CPUFault) {
        try cpu.fpuBegin()
        cpu.fpuRecord(i, memory: false)
        let k = cpu.fpuRegisterOperand(i)
        if cpu.fpuEmpty(0) {
            if cpu.fpuUnderflow() {
                cpu.setST(k, .indefinite)
                if pop { cpu.fpuPop() }
            }
            return
        }
        cpu.fpuSetC1(false)
        cpu.setST(k, cpu.st(0))
        if pop { cpu.fpuPop() }
    }
    @inline(__always) static func fstST(_ cpu: CPU, _ i: Instr) { do { try fstSTBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fstSTBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) { try storeST(cpu, i, pop: false) }
    @inline(__always) static func fstpST(_ cpu: CPU, _ i: Instr) { do { try fstpSTBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fstpSTBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) { try storeST(cpu, i, pop: true) }

    /// D9 D8+i, an undocumented alias of FSTP ST(i). On the reference CPU an empty ST(0) is
    /// not a stack underflow here: the instruction only pops (measured on the host).
    @inline(__always) static func fstp1(_ cpu: CPU, _ i: Instr) { do { try fstp1Body(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fstp1Body(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        if cpu.fpuEmpty(0) {
            try cpu.fpuBegin()
            cpu.fpuRecord(i, memory: false)
            cpu.fpuSetC1(false)
            cpu.fpuPop()
            return
        }
        try storeST(cpu, i, pop: true)
    }

    /// FENI/FDISI/FSETPM (DB E0 E1 E4): 8087/287 leftovers, no-ops that do not wait (no #MF).
    @inline(__always) static func fnopLegacy(_ cpu: CPU, _ i: Instr) { do { try fnopLegacyBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fnopLegacyBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.x87Available()
    }

    // MARK: FILD / FIST / FISTP / FISTTP

    @inline(__always) static func fildM16(_ cpu: CPU, _ i: Instr) { do { try fildM16Body(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fildM16Body(_ cpu: CPU, _ i: Instr) throws(CPUFault) { try loadInteger(cpu, i, Int16.self) }
    @inline(__always) static func fildM32(_ cpu: CPU, _ i: Instr) { do { try fildM32Body(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fildM32Body(_ cpu: CPU, _ i: Instr) throws(CPUFault) { try loadInteger(cpu, i, Int32.self) }
    @inline(__always) static func fildM64(_ cpu: CPU, _ i: Instr) { do { try fildM64Body(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fildM64Body(_ cpu: CPU, _ i: Instr) throws(CPUFault) { try loadInteger(cpu, i, Int64.self) }

    @inline(__always) static func fistM16(_ cpu: CPU, _ i: Instr) { do { try fistM16Body(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fistM16Body(_ cpu: CPU, _ i: Instr) throws(CPUFault) { try storeInteger(cpu, i, Int16.self, pop: false, truncate: false) }
    @inline(__always) static func fistpM16(_ cpu: CPU, _ i: Instr) { do { try fistpM16Body(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fistpM16Body(_ cpu: CPU, _ i: Instr) throws(CPUFault) { try storeInteger(cpu, i, Int16.self, pop: true, truncate: false) }
    @inline(__always) static func fisttpM16(_ cpu: CPU, _ i: Instr) { do { try fisttpM16Body(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fisttpM16Body(_ cpu: CPU, _ i: Instr) throws(CPUFault) { try storeInteger(cpu, i, Int16.self, pop: true, truncate: true) }
    @inline(__always) static func fistM32(_ cpu: CPU, _ i: Instr) { do { try fistM32Body(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fistM32Body(_ cpu: CPU, _ i: Instr) throws(CPUFault) { try storeInteger(cpu, i, Int32.self, pop: false, truncate: false) }
    @inline(__always) static func fistpM32(_ cpu: CPU, _ i: Instr) { do { try fistpM32Body(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fistpM32Body(_ cpu: CPU, _ i: Instr) throws(CPUFault) { try storeInteger(cpu, i, Int32.self, pop: true, truncate: false) }
    @inline(__always) static func fisttpM32(_ cpu: CPU, _ i: Instr) { do { try fisttpM32Body(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fisttpM32Body(_ cpu: CPU, _ i: Instr) throws(CPUFault) { try storeInteger(cpu, i, Int32.self, pop: true, truncate: true) }
    @inline(__always) static func fistpM64(_ cpu: CPU, _ i: Instr) { do { try fistpM64Body(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fistpM64Body(_ cpu: CPU, _ i: Instr) throws(CPUFault) { try storeInteger(cpu, i, Int64.self, pop: true, truncate: false) }
    @inline(__always) static func fisttpM64(_ cpu: CPU, _ i: Instr) { do { try fisttpM64Body(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fisttpM64Body(_ cpu: CPU, _ i: Instr) throws(CPUFault) { try storeInteger(cpu, i, Int64.self, pop: true, truncate: true) }

    // MARK: FBLD / FBSTP

    @inline(__always) static func fbld(_ cpu: CPU, _ i: Instr) { do { try fbldBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fbldBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.fpuBegin()
        let ea = cpu.effectiveAddress(i)
        let low: UInt64 = try cpu.load(ea)
        let high: UInt16 = try cpu.load(ea &+ 8)
        cpu.fpuRecord(i, memory: true)
        load(cpu, X87Convert.fromBCD(low: low, high: high), 0)
    }

    /// FBSTP: ST(0) rounded to an integer per RC, as 18 BCD digits; NaN, infinity or a value of
    /// 19 digits or more is invalid (masked: the BCD indefinite, FFFF C000 0000 0000 0000).
    @inline(__always) static func fbstp(_ cpu: CPU, _ i: Instr) { do { try fbstpBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fbstpBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.fpuBegin()
        let ea = cpu.effectiveAddress(i)
        var flags: UInt16 = 0
        var image: (UInt64, UInt16) = (0xC000_0000_0000_0000, 0xFFFF)
        var up = false
        if cpu.fpuEmpty(0) {
            flags = FSW.ie | FSW.sf
        } else {
            let v = cpu.st(0)
            if v.isUnsupported || v.exponent == 0x7FFF {
                flags = FSW.ie
            } else if v.isZero {
                image = X87Convert.toBCD(magnitude: 0, negative: v.sign)
            } else {
                let (m, inexact, u) = X87Convert.roundToInteger(v, rc: cpu.fpuRounding)
                if let mag = m, mag < 1_000_000_000_000_000_000 {
                    image = X87Convert.toBCD(magnitude: mag, negative: v.sign)
                    if inexact { flags = FSW.pe }
                    up = u
                } else {
                    flags = FSW.ie
                }
            }
        }
        let invalidUnmasked = flags & FSW.ie != 0 && !ieMasked(cpu)
        if !invalidUnmasked {
            try cpu.pointee.probeWrite(ea, size: 10)
            try cpu.store(ea, image.0)
            try cpu.store(ea &+ 8, image.1)
        }
        cpu.fpuRecord(i, memory: true)
        cpu.fpuSetC1(up)
        if flags != 0 { cpu.fpuSignal(flags) }
        if !invalidUnmasked { cpu.fpuPop() }
    }

    // MARK: register operations

    /// FXCH ST(i). An empty operand is a stack underflow; masked, it reads as the indefinite.
    @inline(__always) static func fxch(_ cpu: CPU, _ i: Instr) { do { try fxchBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fxchBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.fpuBegin()
        cpu.fpuRecord(i, memory: false)
        let k = cpu.fpuRegisterOperand(i)
        let e0 = cpu.fpuEmpty(0), ek = cpu.fpuEmpty(k)
        if e0 || ek {
            if !cpu.fpuUnderflow() { return }
        } else {
            cpu.fpuSetC1(false)
        }
        let a = e0 ? F80.indefinite : cpu.st(0)
        let b = ek ? F80.indefinite : cpu.st(k)
        cpu.setST(0, b)
        cpu.setST(k, a)
    }

    /// FCHS / FABS: sign bit only (NaNs too), C1 = 0.
    @inline(__always) static func signOp(_ cpu: CPU, _ i: Instr, abs: Bool) throws(CPUFault) {
        try cpu.fpuBegin()
        cpu.fpuRecord(i, memory: false)
        if cpu.fpuEmpty(0) {
            if cpu.fpuUnderflow() { cpu.setST(0, .indefinite) }
            return
        }
        cpu.fpuSetC1(false)
        var v = cpu.st(0)
        v.signExponent = abs ? v.signExponent & 0x7FFF : v.signExponent ^ 0x8000
        cpu.setST(0, v)
    }
    @inline(__always) static func fchs(_ cpu: CPU, _ i: Instr) { do { try fchsBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fchsBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) { try signOp(cpu, i, abs: false) }
    @inline(__always) static func fabs(_ cpu: CPU, _ i: Instr) { do { try fabsBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fabsBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) { try signOp(cpu, i, abs: true) }

    /// FFREE ST(i): tags the register empty (value, TOP and flags unchanged).
    @inline(__always) static func ffree(_ cpu: CPU, _ i: Instr) { do { try ffreeBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func ffreeBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.fpuBegin()
        cpu.fpuRecord(i, memory: false)
        cpu.fpuSetC1(false)   // C1 is undefined; the reference CPU clears it
        cpu.pointee.fpuTagAbridged &= ~(1 << UInt8(cpu.fpuPhysical(cpu.fpuRegisterOperand(i))))
    }
    /// FFREEP ST(i) (DF C0+i, undocumented by Intel, listed by AMD): FFREE, then pop.
    @inline(__always) static func ffreep(_ cpu: CPU, _ i: Instr) { do { try ffreepBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func ffreepBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try ffreeBody(cpu, i)
        cpu.fpuPop()
    }

    @inline(__always) static func fincstp(_ cpu: CPU, _ i: Instr) { do { try fincstpBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fincstpBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.fpuBegin()
        cpu.fpuRecord(i, memory: false)
        cpu.fpuSetC1(false)
        cpu.setFpuTop(cpu.fpuTop &+ 1)
    }
    @inline(__always) static func fdecstp(_ cpu: CPU, _ i: Instr) { do { try fdecstpBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fdecstpBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.fpuBegin()
        cpu.fpuRecord(i, memory: false)
        cpu.fpuSetC1(false)
        cpu.setFpuTop(cpu.fpuTop &- 1)
    }

    /// FNOP (D9 D0) and the 8087/287 leftovers FENI/FDISI/FSETPM (DB E0 E1 E4), no-ops since the 387.
    @inline(__always) static func fnop(_ cpu: CPU, _ i: Instr) { do { try fnopBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fnopBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.fpuBegin()
        cpu.fpuRecord(i, memory: false)
    }

    /// FWAIT (9B): #NM when CR0.MP and CR0.TS are both set, #MF when an exception is pending.
    @inline(__always) static func fwait(_ cpu: CPU, _ i: Instr) { do { try fwaitBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fwaitBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        if cpu.pointee.cr0 & 0xA == 0xA { throw CPUFault(.deviceNotAvailable) }   // MP (bit 1) and TS (bit 3)
        if cpu.pointee.fpuStatus & FSW.es != 0 { throw CPUFault(.x87) }
    }

    // MARK: constants

    /// The constants as 128-bit significands (integer bit at bit 127) and unbiased exponents;
    /// FLDxx rounds them to 64 bits per RC, as the hardware does (Intel SDM vol. 1 §8.3.8).
    static func constant(_ which: Int) -> (UInt64, UInt64, Int) {
        switch which {
        case 1: return (0xD49A_784B_CD1B_8AFE, 0x492B_F6FF_4DAF_DB4C, 1)    // log2(10)
        case 2: return (0xB8AA_3B29_5C17_F0BB, 0xBE87_FED0_691D_3E88, 0)    // log2(e)
        case 3: return (0xC90F_DAA2_2168_C234, 0xC4C6_628B_80DC_1CD1, 1)    // pi
        case 4: return (0x9A20_9A84_FBCF_F798, 0x8F89_59AC_0B7C_9178, -2)   // log10(2)
        default: return (0xB172_17F7_D1CF_79AB, 0xC9E3_B398_03F2_F6AF, -1)  // ln(2)
        }
    }
    @inline(__always) static func loadConstant(_ cpu: CPU, _ i: Instr, _ which: Int) throws(CPUFault) {
        try cpu.fpuBegin()
        cpu.fpuRecord(i, memory: false)
        var v: F80
        switch which {
        case 0: v = .zero(false)
        case 6: v = F80(significand: F80.integerBit, signExponent: 0x3FFF)
        default:
            let (hi, lo, e) = constant(which)
            let r = X87Round.round(sign: false, exponent: e, significand: hi, extra: lo, precision: 64,
                                   emin: -16382, emax: 16383, rc: cpu.fpuRounding)
            v = F80(sign: false, exponent: r.exponent + 16383, significand: r.significand)
        }
        load(cpu, v, 0)
    }
    @inline(__always) static func fldz(_ cpu: CPU, _ i: Instr) { do { try fldzBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fldzBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) { try loadConstant(cpu, i, 0) }
    @inline(__always) static func fld1(_ cpu: CPU, _ i: Instr) { do { try fld1Body(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fld1Body(_ cpu: CPU, _ i: Instr) throws(CPUFault) { try loadConstant(cpu, i, 6) }
    @inline(__always) static func fldl2t(_ cpu: CPU, _ i: Instr) { do { try fldl2tBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fldl2tBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) { try loadConstant(cpu, i, 1) }
    @inline(__always) static func fldl2e(_ cpu: CPU, _ i: Instr) { do { try fldl2eBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fldl2eBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) { try loadConstant(cpu, i, 2) }
    @inline(__always) static func fldpi(_ cpu: CPU, _ i: Instr) { do { try fldpiBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fldpiBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) { try loadConstant(cpu, i, 3) }
    @inline(__always) static func fldlg2(_ cpu: CPU, _ i: Instr) { do { try fldlg2Body(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fldlg2Body(_ cpu: CPU, _ i: Instr) throws(CPUFault) { try loadConstant(cpu, i, 4) }
    @inline(__always) static func fldln2(_ cpu: CPU, _ i: Instr) { do { try fldln2Body(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fldln2Body(_ cpu: CPU, _ i: Instr) throws(CPUFault) { try loadConstant(cpu, i, 5) }

    // MARK: FCMOVcc

    /// FCMOVcc ST(0), ST(i): copies when the EFLAGS condition holds (DA: B E BE U, DB: NB NE
    /// NBE NU). An empty operand is a stack underflow whatever the condition.
    @inline(__always) static func fcmov(_ cpu: CPU, _ i: Instr, _ cc: UInt8) throws(CPUFault) {
        try cpu.fpuBegin()
        cpu.fpuRecord(i, memory: false)
        let k = cpu.fpuRegisterOperand(i)
        if cpu.fpuEmpty(0) || cpu.fpuEmpty(k) {
            if cpu.fpuUnderflow() { cpu.setST(0, .indefinite) }
            return
        }
        if cpu.pointee.condition(cc) { cpu.setST(0, cpu.st(k)) }
    }
    @inline(__always) static func fcmovb(_ cpu: CPU, _ i: Instr) { do { try fcmovbBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fcmovbBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) { try fcmov(cpu, i, 0x2) }
    @inline(__always) static func fcmove(_ cpu: CPU, _ i: Instr) { do { try fcmoveBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fcmoveBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) { try fcmov(cpu, i, 0x4) }
    @inline(__always) static func fcmovbe(_ cpu: CPU, _ i: Instr) { do { try fcmovbeBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fcmovbeBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) { try fcmov(cpu, i, 0x6) }
    @inline(__always) static func fcmovu(_ cpu: CPU, _ i: Instr) { do { try fcmovuBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fcmovuBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) { try fcmov(cpu, i, 0xA) }
    @inline(__always) static func fcmovnb(_ cpu: CPU, _ i: Instr) { do { try fcmovnbBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fcmovnbBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) { try fcmov(cpu, i, 0x3) }
    @inline(__always) static func fcmovne(_ cpu: CPU, _ i: Instr) { do { try fcmovneBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fcmovneBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) { try fcmov(cpu, i, 0x5) }
    @inline(__always) static func fcmovnbe(_ cpu: CPU, _ i: Instr) { do { try fcmovnbeBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fcmovnbeBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) { try fcmov(cpu, i, 0x7) }
    @inline(__always) static func fcmovnu(_ cpu: CPU, _ i: Instr) { do { try fcmovnuBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fcmovnuBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) { try fcmov(cpu, i, 0xB) }

    // MARK: FXAM / FTST / FRNDINT

    /// FXAM: C1 = sign; C3 C2 C0 = class: unsupported 000, NaN 001, normal 010, infinity 011,
    /// zero 100, empty 101, denormal 110.
    @inline(__always) static func fxam(_ cpu: CPU, _ i: Instr) { do { try fxamBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fxamBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.fpuBegin()
        cpu.fpuRecord(i, memory: false)
        let v = cpu.st(0)
        var c: UInt16
        if cpu.fpuEmpty(0) { c = FSW.c3 | FSW.c0 }
        else if v.isUnsupported { c = 0 }
        else if v.isNaN { c = FSW.c0 }
        else if v.isInfinity { c = FSW.c2 | FSW.c0 }
        else if v.isZero { c = FSW.c3 }
        else if v.isDenormal { c = FSW.c3 | FSW.c2 }
        else { c = FSW.c2 }
        if v.sign { c |= FSW.c1 }
        cpu.fpuSetConditions(c)
    }

    /// FRNDINT: ST(0) rounded to an integer per RC (PE if inexact, C1 if rounded up).
    @inline(__always) static func frndint(_ cpu: CPU, _ i: Instr) { do { try frndintBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func frndintBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.fpuBegin()
        cpu.fpuRecord(i, memory: false)
        if cpu.fpuEmpty(0) {
            if cpu.fpuUnderflow() { cpu.setST(0, .indefinite) }
            return
        }
        let v = cpu.st(0)
        if v.isUnsupported || v.isSignalingNaN {
            cpu.fpuSetC1(false)
            if !cpu.fpuSignal(FSW.ie) { cpu.setST(0, v.isUnsupported ? .indefinite : v.quieted) }
            return
        }
        cpu.fpuSetC1(false)
        if v.exponent == 0x7FFF || v.isZero { return }
        if v.isDenormal && cpu.fpuSignal(FSW.de) { return }
        let (e, _) = v.normalized
        if e >= 63 { cpu.fpuSetC1(false); return }   // already an integer
        let (m, inexact, up) = X87Convert.roundToInteger(v, rc: cpu.fpuRounding)
        let r = X87Convert.fromMagnitude(m ?? 0, negative: v.sign)
        // An unmasked PE still delivers the rounded result (only #MF follows).
        if inexact { cpu.fpuSignal(FSW.pe) }
        cpu.fpuSetC1(up)
        cpu.setST(0, r)
    }
}
