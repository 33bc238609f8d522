// Layer: X86 (CPU model), instruction handlers: instructions that exist only outside 64-bit
// mode (they are #UD there): the BCD adjusts DAA/DAS/AAA/AAS/AAM/AAD and PUSHA/POPA.
// Undefined flags follow the host CPU (AMD), as measured with orrery-diff (families bcd32,
// pusha32); see the comment on each handler.

enum Legacy32 {
    @inline(__always) static func al(_ cpu: CPU) -> UInt8 { cpu.reg(0) as UInt8 }
    @inline(__always) static func setAL(_ cpu: CPU, _ v: UInt8) { cpu.setReg(0, v) }
    @inline(__always) static func ah(_ cpu: CPU) -> UInt8 { cpu.reg(1) as UInt8 }
    @inline(__always) static func setAH(_ cpu: CPU, _ v: UInt8) { cpu.setReg(1, v) }

    /// DAA: decimal adjust AL after an addition of two packed-BCD bytes.
    @inline(__always) static func daa(_ cpu: CPU, _ i: Instr) { do { try daaBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func daaBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) { decimalAdjust(cpu, subtract: false) }

    /// DAS: decimal adjust AL after a subtraction.
    @inline(__always) static func das(_ cpu: CPU, _ i: Instr) { do { try dasBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func dasBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) { decimalAdjust(cpu, subtract: true) }

    /// DAA/DAS (SDM pseudocode): add/subtract 6 when the low digit overflowed (or AF), then
    /// 0x60 when the high digit did (or CF). DAA clears CF when no high adjustment happens; DAS
    /// keeps the borrow of the low adjustment. OF is undefined: the reference CPU (AMD) sets it
    /// as the signed overflow of the whole adjustment, which is what the last line computes.
    @inline(__always) static func decimalAdjust(_ cpu: CPU, subtract: Bool) {
        let oldAL = al(cpu)
        let oldCF = cpu.pointee.carryFlag
        var a = oldAL
        var cf = false, af = false
        if a & 0x0F > 9 || cpu.pointee.auxCarryFlag {
            let (r, out) = subtract ? a.subtractingReportingOverflow(6) : a.addingReportingOverflow(6)
            a = r
            cf = oldCF || out
            af = true
        }
        if oldAL > 0x99 || oldCF {
            a = subtract ? a &- 0x60 : a &+ 0x60
            cf = true
        } else if !subtract {
            cf = false
        }
        setAL(cpu, a)
        let overflow = (oldAL ^ a) & (subtract ? oldAL : a) & 0x80 != 0
        bcdFlags(cpu, a, cf: cf, af: af, overflow: overflow)
    }

    /// AAA: ASCII adjust after addition: AX += 0x106 when the low digit overflowed, then AL &= 0x0F.
    /// CF = AF = "adjusted". SF, ZF, PF and OF are undefined; the reference CPU (AMD) sets them
    /// as the 16-bit addition AX + 0x106 (or AX + 0 without adjustment) would.
    @inline(__always) static func aaa(_ cpu: CPU, _ i: Instr) { do { try aaaBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func aaaBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        let adjust = al(cpu) & 0x0F > 9 || cpu.pointee.auxCarryFlag
        let ax = cpu.reg(0) as UInt16
        let addend: UInt16 = adjust ? 0x106 : 0
        let r = ax &+ addend
        cpu.setReg(0, r & 0xFF0F)
        asciiFlags(cpu, r, adjust: adjust, overflow: (ax ^ r) & (addend ^ r) & 0x8000 != 0)
    }

    /// AAS: ASCII adjust after subtraction: AX -= 0x106 (AL -= 6, AH -= 1) when the low digit
    /// borrowed, then AL &= 0x0F. Undefined flags as the 16-bit subtraction (AMD).
    @inline(__always) static func aas(_ cpu: CPU, _ i: Instr) { do { try aasBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func aasBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        let adjust = al(cpu) & 0x0F > 9 || cpu.pointee.auxCarryFlag
        let ax = cpu.reg(0) as UInt16
        let subtrahend: UInt16 = adjust ? 0x106 : 0
        let r = ax &- subtrahend
        cpu.setReg(0, r & 0xFF0F)
        asciiFlags(cpu, r, adjust: adjust, overflow: (ax ^ subtrahend) & (ax ^ r) & 0x8000 != 0)
    }

    @inline(__always) static func asciiFlags(_ cpu: CPU, _ r: UInt16, adjust: Bool, overflow: Bool) {
        var f = FlagMath.szp(r)
        if adjust { f |= Flag.cf | Flag.af }
        if overflow { f |= Flag.of }
        cpu.pointee.setArithmeticFlags(f)
    }

    /// AAM imm8: AH = AL / imm8, AL = AL % imm8 (#DE when imm8 is 0). SF, ZF, PF from AL;
    /// OF, AF, CF undefined (cleared by the reference CPU).
    @inline(__always) static func aam(_ cpu: CPU, _ i: Instr) { do { try aamBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func aamBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        let base = UInt8(truncatingIfNeeded: i.imm)
        guard base != 0 else { throw .de }
        let a = al(cpu)
        setAH(cpu, a / base)
        setAL(cpu, a % base)
        cpu.pointee.setArithmeticFlags(FlagMath.szp(a % base))
    }

    /// AAD imm8: AL = AL + AH * imm8, AH = 0. Flags as the byte addition that computes it.
    @inline(__always) static func aad(_ cpu: CPU, _ i: Instr) { do { try aadBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func aadBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        let base = UInt8(truncatingIfNeeded: i.imm)
        let product = ah(cpu) &* base
        let a = al(cpu)
        let r = a &+ product
        cpu.setReg(0, UInt16(r))
        cpu.pointee.setLazy(.add, r, a, product)
    }

    /// Flags after DAA/DAS/AAA/AAS: CF and AF as computed; SF, ZF, PF from the result.
    @inline(__always) static func bcdFlags(_ cpu: CPU, _ result: UInt8, cf: Bool, af: Bool, overflow: Bool) {
        var f = FlagMath.szp(result)
        if cf { f |= Flag.cf }
        if af { f |= Flag.af }
        if overflow { f |= Flag.of }
        cpu.pointee.setArithmeticFlags(f)
    }

    /// SALC (D6, undocumented but implemented by AMD and Intel outside 64-bit mode):
    /// AL = CF ? 0xFF : 0x00. Flags unchanged.
    @inline(__always) static func salc(_ cpu: CPU, _ i: Instr) { do { try salcBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func salcBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        setAL(cpu, cpu.pointee.carryFlag ? 0xFF : 0)
    }

    /// ARPL r/m16, r16 (63 outside 64-bit mode): if the destination selector's RPL (bits 1:0)
    /// is below the source's, raise it to the source's and set ZF; else clear ZF. Only ZF changes.
    @inline(__always) static func arpl(_ cpu: CPU, _ i: Instr, destination: UInt16) -> UInt16? {
        let source = cpu.reg(i.reg) as UInt16
        let raise = destination & 3 < source & 3
        cpu.pointee.updateArithmeticFlags(mask: Flag.zf, bits: raise ? Flag.zf : 0)
        return raise ? (destination & ~3) | (source & 3) : nil
    }
    @inline(__always) static func arplReg(_ cpu: CPU, _ i: Instr) { do { try arplRegBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func arplRegBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        if let v = arpl(cpu, i, destination: cpu.reg(i.rm) as UInt16) { cpu.setReg(i.rm, v) }
    }
    @inline(__always) static func arplMem(_ cpu: CPU, _ i: Instr) { do { try arplMemBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func arplMemBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        let ea = cpu.effectiveAddress(i)
        let old: UInt16 = try cpu.load(ea)
        try cpu.pointee.probeWrite(ea, size: 2)
        if let v = arpl(cpu, i, destination: old) { try cpu.store(ea, v) }
    }
    static let arplSet = HandlerSet(reg16: arplReg, reg32: arplReg, mem16: arplMem, mem32: arplMem)

    // MARK: PUSHA / POPA

    /// PUSHA/PUSHAD: push AX/EAX, CX, DX, BX, the original SP, BP, SI, DI. All eight stores are
    /// made to a private stack pointer; ESP changes only when all succeeded.
    @inline(__always) static func pushAll<T: GuestInt>(_ cpu: CPU, _: T.Type) throws(CPUFault) {
        let size = UInt32(MemoryLayout<T>.size)
        let esp = UInt32(truncatingIfNeeded: cpu.gpr(Reg.rsp))
        // A 16-bit stack segment (SS.B = 0) wraps SP at 64 KiB and keeps ESP's upper half.
        let mask = UInt32(truncatingIfNeeded: cpu.stackWidthMask)
        var sp = esp & mask
        for r in 0..<8 {
            sp = (sp &- size) & mask
            let value: T = r == Reg.rsp ? T(truncatingIfNeeded: esp) : T(truncatingIfNeeded: cpu.gpr(r))
            try cpu.pointee.write(cpu.segmentedLinear(Seg.ss, UInt64(sp)), value, stack: true)
        }
        cpu.setStackPointerKeepingWidth(UInt64(sp))
    }

    /// POPA/POPAD: pop DI, SI, BP, (skip SP), BX, DX, CX, AX.
    @inline(__always) static func popAll<T: GuestInt>(_ cpu: CPU, _: T.Type) throws(CPUFault) {
        let size = UInt32(MemoryLayout<T>.size)
        let mask = UInt32(truncatingIfNeeded: cpu.stackWidthMask)
        var sp = UInt32(truncatingIfNeeded: cpu.gpr(Reg.rsp)) & mask
        var values: (T, T, T, T, T, T, T, T) = (0, 0, 0, 0, 0, 0, 0, 0)
        // Read all eight first so a fault leaves every register unchanged.
        values.7 = try cpu.pointee.read(cpu.segmentedLinear(Seg.ss, UInt64(sp)), stack: true); sp = (sp &+ size) & mask
        values.6 = try cpu.pointee.read(cpu.segmentedLinear(Seg.ss, UInt64(sp)), stack: true); sp = (sp &+ size) & mask
        values.5 = try cpu.pointee.read(cpu.segmentedLinear(Seg.ss, UInt64(sp)), stack: true); sp = (sp &+ size) & mask
        sp = (sp &+ size) & mask  // the saved SP is discarded
        values.3 = try cpu.pointee.read(cpu.segmentedLinear(Seg.ss, UInt64(sp)), stack: true); sp = (sp &+ size) & mask
        values.2 = try cpu.pointee.read(cpu.segmentedLinear(Seg.ss, UInt64(sp)), stack: true); sp = (sp &+ size) & mask
        values.1 = try cpu.pointee.read(cpu.segmentedLinear(Seg.ss, UInt64(sp)), stack: true); sp = (sp &+ size) & mask
        values.0 = try cpu.pointee.read(cpu.segmentedLinear(Seg.ss, UInt64(sp)), stack: true); sp = (sp &+ size) & mask
        cpu.setReg(UInt8(Reg.rdi * 8), values.7)
        cpu.setReg(UInt8(Reg.rsi * 8), values.6)
        cpu.setReg(UInt8(Reg.rbp * 8), values.5)
        cpu.setReg(UInt8(Reg.rbx * 8), values.3)
        cpu.setReg(UInt8(Reg.rdx * 8), values.2)
        cpu.setReg(UInt8(Reg.rcx * 8), values.1)
        cpu.setReg(UInt8(Reg.rax * 8), values.0)
        cpu.setStackPointerKeepingWidth(UInt64(sp))
    }

    @inline(__always) static func pusha16(_ cpu: CPU, _ i: Instr) { do { try pusha16Body(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func pusha16Body(_ cpu: CPU, _ i: Instr) throws(CPUFault) { try pushAll(cpu, UInt16.self) }
    @inline(__always) static func pusha32(_ cpu: CPU, _ i: Instr) { do { try pusha32Body(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func pusha32Body(_ cpu: CPU, _ i: Instr) throws(CPUFault) { try pushAll(cpu, UInt32.self) }
    @inline(__always) static func popa16(_ cpu: CPU, _ i: Instr) { do { try popa16Body(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func popa16Body(_ cpu: CPU, _ i: Instr) throws(CPUFault) { try popAll(cpu, UInt16.self) }
    @inline(__always) static func popa32(_ cpu: CPU, _ i: Instr) { do { try popa32Body(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func popa32Body(_ cpu: CPU, _ i: Instr) throws(CPUFault) { try popAll(cpu, UInt32.self) }

    static let pusha = HandlerSet(any16: pusha16, any32: pusha32)
    static let popa = HandlerSet(any16: popa16, any32: popa32)
}
