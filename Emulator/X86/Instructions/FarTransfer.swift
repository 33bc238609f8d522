// Layer: X86 (CPU model), instruction handlers: control transfers that change CS. Far JMP and
// CALL (EA/9A ptr16:16/32 outside 64-bit mode, FF /5 and FF /3 m16:16/32), far RET (CB, CA iw)
// and IRET/IRETD/IRETQ (CF), with the protected-mode checks of SDM vol. 2 (JMP, CALL, RET,
// IRET pseudo-code) and AMD APM vol. 2 §4.11-4.12, 8.9.
//
// AMD (the reference CPU) ignores REX.W on FF /3 and FF /5: the operand is always m16:32 in
// 64-bit mode (Intel would read m16:64).
// Not modelled: call gates, task gates and task switches (#GP(selector)), IRET with NT set
// (a task return: #GP(0)), returns to virtual-8086 mode (#GP(0)). In real mode (CR0.PE = 0)
// these load CS without descriptors: see Execution/RealMode.swift.

enum FarOps<T: GuestInt> {
    /// Reads stack slot `k` (of width T) above RSP (+ `extra` bytes), without popping.
    @inline(__always) static func slot(_ cpu: CPU, _ k: Int, extra: UInt64 = 0) throws(CPUFault) -> T {
        let off = UInt64(k * MemoryLayout<T>.size) &+ extra
        if cpu.pointee.mode == .long64 {
            return try cpu.pointee.read(cpu.pointee.regs[Reg.rsp] &+ off, stack: true)
        }
        let esp = (cpu.pointee.regs[Reg.rsp] &+ off) & cpu.stackWidthMask
        return try cpu.pointee.read(cpu.segmentedLinear(Seg.ss, esp), stack: true)
    }

    /// The offset a far transfer may load into RIP: canonical for a 64-bit target, else
    /// truncated to the operand size (a 32-bit target must also lie within the CS limit).
    @inline(__always) static func targetOffset(_ cpu: CPU, _ offset: UInt64, _ cs: Descriptor) throws(CPUFault) -> UInt64 {
        if cpu.modeForCS(cs.attributes) == .long64 {
            if !CPU.canonical(offset) { throw .gp(0) }
            return offset
        }
        let o = offset & (T.bitWidth == 16 ? 0xFFFF : 0xFFFF_FFFF)
        if o > UInt64(cs.limit) { throw .gp(0) }
        return o
    }

    /// Checks a JMP/CALL far target at the same privilege level (no gates): conforming code
    /// needs DPL <= CPL; non-conforming code needs RPL <= CPL and DPL = CPL.
    @inline(__always) static func directTarget(_ cpu: CPU, _ sel: UInt16) throws(CPUFault) -> Descriptor {
        let cpl = cpu.pointee.cpl
        let d = try cpu.checkedCodeDescriptor(sel)
        let fault = UInt32(sel & 0xFFFC)
        if d.conforming { if d.dpl > cpl { throw .gp(fault) } }
        else if UInt8(sel & 3) > cpl || d.dpl != cpl { throw .gp(fault) }
        if !d.present { throw CPUFault(.segmentNotPresent, errorCode: fault) }
        return d
    }

    @inline(__always) static func jumpFar(_ cpu: CPU, _ sel: UInt16, _ offset: UInt64) throws(CPUFault) {
        if cpu.pointee.realMode { return RealModeFar<T>.jump(cpu, sel, offset) }
        let d = try directTarget(cpu, sel)
        let rip = try targetOffset(cpu, offset, d)
        cpu.loadCodeSegment(sel, d, cpl: cpu.pointee.cpl)
        cpu.pointee.rip = rip
    }

    @inline(__always) static func callFar(_ cpu: CPU, _ i: Instr, _ sel: UInt16, _ offset: UInt64) throws(CPUFault) {
        if cpu.pointee.realMode { return try RealModeFar<T>.call(cpu, i, sel, offset) }
        let d = try directTarget(cpu, sel)
        let rip = try targetOffset(cpu, offset, d)
        let savedRSP = cpu.pointee.regs[Reg.rsp]
        do throws(CPUFault) {
            try cpu.push(T(truncatingIfNeeded: cpu.pointee.moveSelector(Seg.cs)))
            try cpu.push(T(truncatingIfNeeded: i.pointee.nextRIP))
        } catch {
            cpu.pointee.regs[Reg.rsp] = savedRSP
            throw error
        }
        cpu.loadCodeSegment(sel, d, cpl: cpu.pointee.cpl)
        cpu.pointee.rip = rip
    }

    /// The far pointer in memory: offset (T), then the selector.
    @inline(__always) static func memoryPointer(_ cpu: CPU, _ i: Instr) throws(CPUFault) -> (UInt16, UInt64) {
        let ea = cpu.effectiveAddress(i)
        let off: T = try cpu.load(ea)
        let wrap: UInt64 = cpu.pointee.mode == .long64 ? ~0 : 0xFFFF_FFFF
        let sel: UInt16 = try cpu.load((ea &+ UInt64(MemoryLayout<T>.size)) & wrap)
        return (sel, UInt64(off))
    }

    static func jmpPtr(_ cpu: CPU, _ i: Instr) { do { try jmpPtrBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func jmpPtrBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try jumpFar(cpu, i.pointee.imm2, i.imm)
    }
    static func callPtr(_ cpu: CPU, _ i: Instr) { do { try callPtrBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func callPtrBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try callFar(cpu, i, i.pointee.imm2, i.imm)
    }
    static func jmpMem(_ cpu: CPU, _ i: Instr) { do { try jmpMemBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func jmpMemBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        let (sel, off) = try memoryPointer(cpu, i)
        try jumpFar(cpu, sel, off)
    }
    static func callMem(_ cpu: CPU, _ i: Instr) { do { try callMemBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func callMemBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        let (sel, off) = try memoryPointer(cpu, i)
        try callFar(cpu, i, sel, off)
    }

    /// Checks the CS popped by RETF/IRET: RPL >= CPL; conforming: DPL <= RPL; non-conforming:
    /// DPL = RPL; present.
    @inline(__always) static func returnTarget(_ cpu: CPU, _ sel: UInt16) throws(CPUFault) -> Descriptor {
        let d = try cpu.checkedCodeDescriptor(sel)
        let rpl = UInt8(sel & 3)
        let fault = UInt32(sel & 0xFFFC)
        if rpl < cpu.pointee.cpl { throw .gp(fault) }
        if d.conforming ? d.dpl > rpl : d.dpl != rpl { throw .gp(fault) }
        if !d.present { throw CPUFault(.segmentNotPresent, errorCode: fault) }
        return d
    }

    /// Checks the SS popped by a return to ring `rpl` (RETF/IRET to an outer ring, or any IRET
    /// in 64-bit mode). A null SS is allowed only when returning to 64-bit code below ring 3.
    @inline(__always) static func returnStack(_ cpu: CPU, _ sel: UInt16, rpl: UInt8, to64: Bool) throws(CPUFault) -> Descriptor? {
        if sel & 0xFFFC == 0 {
            if !to64 || rpl == 3 { throw .gp(0) }
            return nil
        }
        let fault = UInt32(sel & 0xFFFC)
        let d: Descriptor
        do throws(CPUFault) { d = try cpu.readDescriptor(sel) } catch { throw .gp(fault) }
        if UInt8(sel & 3) != rpl || d.dpl != rpl || !d.isData || !d.readableOrWritable { throw .gp(fault) }
        if !d.present { throw .ss(fault) }
        return d
    }

    @inline(__always) static func commitStack(_ cpu: CPU, _ sel: UInt16, _ d: Descriptor?, rpl: UInt8) {
        if let d {
            let base = cpu.pointee.mode == .long64 ? 0 : d.base & 0xFFFF_FFFF
            cpu.commitSegment(Seg.ss, selector: sel, base: base, limit: d.limit, attributes: d.attributes | 1)
        } else {
            cpu.commitSegment(Seg.ss, selector: sel, base: 0, limit: 0xFFFF_FFFF, attributes: 0xC93 | UInt16(rpl) << 5)
        }
    }

    /// CB / CA iw: RETF [imm16]. Pops RIP and CS; to an outer ring also RSP and SS (after
    /// skipping imm16 bytes of parameters), then nulls data segments the outer ring may not use.
    static func retf(_ cpu: CPU, _ i: Instr) { do { try retfBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func retfBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        if cpu.pointee.realMode { return try RealModeFar<T>.retf(cpu, i) }
        let size = UInt64(MemoryLayout<T>.size)
        let skip = i.imm & 0xFFFF
        let newIP: T = try slot(cpu, 0)
        let csSel = UInt16(truncatingIfNeeded: try slot(cpu, 1) as T)
        let d = try returnTarget(cpu, csSel)
        let rpl = UInt8(csSel & 3)
        let rip = try targetOffset(cpu, UInt64(newIP), d)
        let oldCPL = cpu.pointee.cpl
        if rpl > oldCPL {
            let newSP: T = try slot(cpu, 2, extra: skip)
            let ssSel = UInt16(truncatingIfNeeded: try slot(cpu, 3, extra: skip) as T)
            let ssDesc = try returnStack(cpu, ssSel, rpl: rpl, to64: cpu.modeForCS(d.attributes) == .long64)
            cpu.loadCodeSegment(csSel, d, cpl: rpl)
            commitStack(cpu, ssSel, ssDesc, rpl: rpl)
            cpu.pointee.regs[Reg.rsp] = UInt64(newSP) &+ skip
            if cpu.pointee.mode != .long64 { cpu.pointee.regs[Reg.rsp] &= 0xFFFF_FFFF }
            cpu.nullifyInaccessibleSegments()
        } else {
            cpu.setStackPointerKeepingWidth(cpu.pointee.regs[Reg.rsp] &+ 2 &* size &+ skip)
            cpu.loadCodeSegment(csSel, d, cpl: rpl)
        }
        cpu.pointee.rip = rip
    }

    /// CF: IRET (16), IRETD (32), IRETQ (64, REX.W). Pops RIP, CS, RFLAGS; in 64-bit mode, or
    /// to an outer ring, also RSP and SS. The popped RFLAGS may change IF only when CPL <= IOPL
    /// and IOPL only at CPL 0 (the old CPL); VM is never set here. Ends NMI blocking.
    static func iret(_ cpu: CPU, _ i: Instr) { do { try iretBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func iretBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        if cpu.pointee.realMode { return try RealModeFar<T>.iret(cpu) }
        let size = UInt64(MemoryLayout<T>.size)
        let old = cpu.pointee.rflags
        // NT = 1: a return to the previous task (not modelled; in long mode always #GP(0)).
        if old & Flag.nt != 0 { throw .gp(0) }
        let in64 = cpu.pointee.mode == .long64
        let newIP: T = try slot(cpu, 0)
        let csSel = UInt16(truncatingIfNeeded: try slot(cpu, 1) as T)
        let popped = UInt64(try slot(cpu, 2) as T)
        let oldCPL = cpu.pointee.cpl
        if T.bitWidth > 16 && popped & Flag.vm != 0 && oldCPL == 0 && !cpu.longModeActive { throw .gp(0) }
        let d = try returnTarget(cpu, csSel)
        let rpl = UInt8(csSel & 3)
        let rip = try targetOffset(cpu, UInt64(newIP), d)
        let popStack = in64 || rpl > oldCPL
        var newSP: UInt64 = 0
        var ssSel: UInt16 = 0
        var ssDesc: Descriptor? = nil
        if popStack {
            newSP = UInt64(try slot(cpu, 3) as T)
            ssSel = UInt16(truncatingIfNeeded: try slot(cpu, 4) as T)
            ssDesc = try returnStack(cpu, ssSel, rpl: rpl, to64: cpu.modeForCS(d.attributes) == .long64)
        }
        // RFLAGS: which bits the popped image may change (judged at the old CPL).
        var writable = Flag.arithmetic | Flag.tf | Flag.df | Flag.nt
        if T.bitWidth > 16 { writable |= Flag.ac | Flag.id | Flag.rf | (1 << 19) | (1 << 20) }  // + VIF, VIP
        if oldCPL == 0 { writable |= Flag.iopl }
        if oldCPL <= (old & Flag.iopl) >> 12 { writable |= Flag.if }
        let flags = (old & ~writable) | (popped & writable) | Flag.reserved1
        // Commit.
        cpu.loadCodeSegment(csSel, d, cpl: rpl)
        if popStack {
            commitStack(cpu, ssSel, ssDesc, rpl: rpl)
            cpu.pointee.regs[Reg.rsp] = newSP
        } else {
            cpu.setStackPointerKeepingWidth(cpu.pointee.regs[Reg.rsp] &+ 3 &* size)
        }
        cpu.pointee.rflags = flags
        if rpl > oldCPL { cpu.nullifyInaccessibleSegments() }
        cpu.pointee.system.nmiBlocked = false
        cpu.pointee.rip = rip
    }
}

public enum FarTransfer {
    /// EA / 9A ptr16:16 or ptr16:32 (not in 64-bit mode).
    public static let jmpPtr = HandlerSet(any16: FarOps<UInt16>.jmpPtr, any32: FarOps<UInt32>.jmpPtr)
    public static let callPtr = HandlerSet(any16: FarOps<UInt16>.callPtr, any32: FarOps<UInt32>.callPtr)
    /// FF /5 and FF /3, memory only; REX.W ignored (AMD).
    public static let jmpMem = HandlerSet(mem16: FarOps<UInt16>.jmpMem, mem32: FarOps<UInt32>.jmpMem, mem64: FarOps<UInt32>.jmpMem)
    public static let callMem = HandlerSet(mem16: FarOps<UInt16>.callMem, mem32: FarOps<UInt32>.callMem, mem64: FarOps<UInt32>.callMem)
    /// CB / CA iw.
    public static let retf = HandlerSet(any16: FarOps<UInt16>.retf, any32: FarOps<UInt32>.retf, any64: FarOps<UInt64>.retf)
    /// CF.
    public static let iret = HandlerSet(any16: FarOps<UInt16>.iret, any32: FarOps<UInt32>.iret, any64: FarOps<UInt64>.iret)
}
