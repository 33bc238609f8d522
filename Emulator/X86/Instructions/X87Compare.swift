// Layer: X86 (CPU model), instruction handlers: the x87 compares. FCOM/FCOMP/FCOMPP/FICOM/FICOMP
// and FTST set C3 C2 C0 (greater 000, less 001, equal 100, unordered 111); FCOMI/FCOMIP/FUCOMI/
// FUCOMIP set ZF PF CF the same way and clear OF SF AF. The ordered forms (FCOM, FCOMI, FICOM,
// FTST) raise IE for any NaN, the unordered ones (FUCOM*) only for a signalling NaN; both raise
// IE for unsupported encodings and DE for denormal operands. C1 is cleared.

enum X87Compare {
    /// -1, 0 or 1 for two ordered (non-NaN, supported) values; +0 equals -0.
    @inline(__always) static func order(_ a: F80, _ b: F80) -> Int {
        if a.isZero && b.isZero { return 0 }
        if a.sign != b.sign { return a.sign ? -1 : 1 }
        var magnitude = 0
        if a.isZero { magnitude = -1 }
        else if b.isZero { magnitude = 1 }
        else {
            let (ea, sa) = a.normalized, (eb, sb) = b.normalized
            if ea != eb { magnitude = ea < eb ? -1 : 1 }
            else if sa != sb { magnitude = sa < sb ? -1 : 1 }
        }
        return a.sign ? -magnitude : magnitude
    }

    /// Compares ST(0) (`a`) with `b`, sets the condition codes or EFLAGS, pops `pops` times.
    /// `loadFlags` are the exceptions the memory operand's conversion raised (IE for a
    /// signalling NaN, DE for a denormal).
    @inline(__always) static func compare(_ cpu: CPU, _ b: F80, bEmpty: Bool, loadFlags: UInt16,
                                          ordered: Bool, eflags: Bool, pops: Int) {
        let aEmpty = cpu.fpuEmpty(0)
        var result = 3   // 0 greater, 1 less, 2 equal, 3 unordered
        // The result is reported even when the exception is unmasked (measured on the host);
        // an unmasked exception only suppresses the pops.
        var unmasked = false
        if aEmpty || bEmpty {
            unmasked = !cpu.fpuUnderflow()
        } else {
            let a = cpu.st(0)
            // A denormal memory operand (DE from its conversion) counts only when both are numbers.
            var flags = loadFlags & FSW.ie
            if a.isUnsupported || b.isUnsupported {
                flags |= FSW.ie
            } else if a.isNaN || b.isNaN {
                if ordered || a.isSignalingNaN || b.isSignalingNaN { flags |= FSW.ie }
            } else {
                if a.isDenormal || b.isDenormal || loadFlags & FSW.de != 0 { flags |= FSW.de }
                let o = order(a, b)
                result = o > 0 ? 0 : o < 0 ? 1 : 2
            }
            // FCOM* clear C1; FCOMI* leave it alone on the reference CPU.
            if !eflags { cpu.fpuSetC1(false) }
            if flags != 0 { unmasked = cpu.fpuSignal(flags) }
        }
        if eflags {
            let bits: UInt64 = result == 0 ? 0 : result == 1 ? Flag.cf : result == 2 ? Flag.zf : Flag.zf | Flag.pf | Flag.cf
            cpu.pointee.setArithmeticFlags(bits)
        } else {
            let c: UInt16 = result == 0 ? 0 : result == 1 ? FSW.c0 : result == 2 ? FSW.c3 : FSW.c3 | FSW.c2 | FSW.c0
            cpu.pointee.fpuStatus = (cpu.pointee.fpuStatus & ~(FSW.c3 | FSW.c2 | FSW.c0)) | c
        }
        if unmasked { return }
        if pops > 0 { cpu.fpuPop() }
        if pops > 1 { cpu.fpuPop() }
    }

    @inline(__always) static func registerForm(_ cpu: CPU, _ i: Instr, ordered: Bool, eflags: Bool, pops: Int) throws(CPUFault) {
        try cpu.fpuBegin()
        cpu.fpuRecord(i, memory: false)
        let k = cpu.fpuRegisterOperand(i)
        compare(cpu, cpu.st(k), bEmpty: cpu.fpuEmpty(k), loadFlags: 0, ordered: ordered, eflags: eflags, pops: pops)
    }

    @inline(__always) static func floatForm<T: FixedWidthInteger>(_ cpu: CPU, _ i: Instr, _ t: T.Type, _ f: FloatFormat, pops: Int) throws(CPUFault) {
        try cpu.fpuBegin()
        let bits: T = try cpu.load(cpu.effectiveAddress(i))
        cpu.fpuRecord(i, memory: true)
        let (b, flags) = X87Convert.widen(UInt64(truncatingIfNeeded: bits), f)
        compare(cpu, b, bEmpty: false, loadFlags: flags, ordered: true, eflags: false, pops: pops)
    }

    @inline(__always) static func integerForm<T: FixedWidthInteger & SignedInteger>(_ cpu: CPU, _ i: Instr, _ t: T.Type, pops: Int) throws(CPUFault) {
        try cpu.fpuBegin()
        let x: T = try cpu.load(cpu.effectiveAddress(i))
        cpu.fpuRecord(i, memory: true)
        compare(cpu, X87Convert.fromInteger(Int64(x)), bEmpty: false, loadFlags: 0, ordered: true, eflags: false, pops: pops)
    }

    // Register forms (ST(i) from ModRM.rm; FCOMPP/FUCOMPP compare with ST(1), encoded as rm = 1).
    @inline(__always) static func fcom(_ cpu: CPU, _ i: Instr) { do { try fcomBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fcomBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) { try registerForm(cpu, i, ordered: true, eflags: false, pops: 0) }
    @inline(__always) static func fcomp(_ cpu: CPU, _ i: Instr) { do { try fcompBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fcompBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) { try registerForm(cpu, i, ordered: true, eflags: false, pops: 1) }
    @inline(__always) static func fcompp(_ cpu: CPU, _ i: Instr) { do { try fcomppBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fcomppBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) { try registerForm(cpu, i, ordered: true, eflags: false, pops: 2) }
    @inline(__always) static func fucom(_ cpu: CPU, _ i: Instr) { do { try fucomBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fucomBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) { try registerForm(cpu, i, ordered: false, eflags: false, pops: 0) }
    @inline(__always) static func fucomp(_ cpu: CPU, _ i: Instr) { do { try fucompBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fucompBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) { try registerForm(cpu, i, ordered: false, eflags: false, pops: 1) }
    @inline(__always) static func fucompp(_ cpu: CPU, _ i: Instr) { do { try fucomppBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fucomppBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) { try registerForm(cpu, i, ordered: false, eflags: false, pops: 2) }
    @inline(__always) static func fcomi(_ cpu: CPU, _ i: Instr) { do { try fcomiBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fcomiBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) { try registerForm(cpu, i, ordered: true, eflags: true, pops: 0) }
    @inline(__always) static func fcomip(_ cpu: CPU, _ i: Instr) { do { try fcomipBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fcomipBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) { try registerForm(cpu, i, ordered: true, eflags: true, pops: 1) }
    @inline(__always) static func fucomi(_ cpu: CPU, _ i: Instr) { do { try fucomiBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fucomiBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) { try registerForm(cpu, i, ordered: false, eflags: true, pops: 0) }
    @inline(__always) static func fucomip(_ cpu: CPU, _ i: Instr) { do { try fucomipBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fucomipBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) { try registerForm(cpu, i, ordered: false, eflags: true, pops: 1) }

    /// FTST: ST(0) against +0.0.
    @inline(__always) static func ftst(_ cpu: CPU, _ i: Instr) { do { try ftstBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func ftstBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.fpuBegin()
        cpu.fpuRecord(i, memory: false)
        compare(cpu, .zero(false), bEmpty: false, loadFlags: 0, ordered: true, eflags: false, pops: 0)
    }

    // Memory forms.
    @inline(__always) static func fcomM32(_ cpu: CPU, _ i: Instr) { do { try fcomM32Body(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fcomM32Body(_ cpu: CPU, _ i: Instr) throws(CPUFault) { try floatForm(cpu, i, UInt32.self, .single, pops: 0) }
    @inline(__always) static func fcompM32(_ cpu: CPU, _ i: Instr) { do { try fcompM32Body(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fcompM32Body(_ cpu: CPU, _ i: Instr) throws(CPUFault) { try floatForm(cpu, i, UInt32.self, .single, pops: 1) }
    @inline(__always) static func fcomM64(_ cpu: CPU, _ i: Instr) { do { try fcomM64Body(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fcomM64Body(_ cpu: CPU, _ i: Instr) throws(CPUFault) { try floatForm(cpu, i, UInt64.self, .double, pops: 0) }
    @inline(__always) static func fcompM64(_ cpu: CPU, _ i: Instr) { do { try fcompM64Body(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fcompM64Body(_ cpu: CPU, _ i: Instr) throws(CPUFault) { try floatForm(cpu, i, UInt64.self, .double, pops: 1) }
    @inline(__always) static func ficomM16(_ cpu: CPU, _ i: Instr) { do { try ficomM16Body(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func ficomM16Body(_ cpu: CPU, _ i: Instr) throws(CPUFault) { try integerForm(cpu, i, Int16.self, pops: 0) }
    @inline(__always) static func ficompM16(_ cpu: CPU, _ i: Instr) { do { try ficompM16Body(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func ficompM16Body(_ cpu: CPU, _ i: Instr) throws(CPUFault) { try integerForm(cpu, i, Int16.self, pops: 1) }
    @inline(__always) static func ficomM32(_ cpu: CPU, _ i: Instr) { do { try ficomM32Body(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func ficomM32Body(_ cpu: CPU, _ i: Instr) throws(CPUFault) { try integerForm(cpu, i, Int32.self, pops: 0) }
    @inline(__always) static func ficompM32(_ cpu: CPU, _ i: Instr) { do { try ficompM32Body(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func ficompM32Body(_ cpu: CPU, _ i: Instr) throws(CPUFault) { try integerForm(cpu, i, Int32.self, pops: 1) }
}
