// Layer: X86 (CPU model), execution. The debug exception (#DB, vector 1) for instruction
// breakpoints (DR0-DR3 with R/W = 00 in DR7) and single-stepping (RFLAGS.TF).
//
// Rules (Intel SDM vol. 3 §18.2-18.3, AMD APM vol. 2 §13.1):
// - DR7 enables breakpoint n with its L (bit 2n) or G (bit 2n+1) bit; R/Wn (bits 16+4n) = 00 is
//   an instruction breakpoint, which must have LENn = 00. It matches when the linear address
//   of the instruction (CS.base + RIP) equals DRn, and is a *fault*: #DB is raised before the
//   instruction executes, RIP stays at it. RFLAGS.RF = 1 suppresses instruction breakpoints
//   for one instruction (a handler returns with RF set in the IRET image); the CPU clears RF
//   after each instruction that completes.
// - TF = 1 at the start of an instruction: a *trap* after it completes, RIP at the next one,
//   unless the instruction cleared TF (SYSCALL masks it through SFMASK: no trap after it).
//   An instruction that sets TF (POPF, IRET) traps only after the next one; SYSRET that loads
//   TF = 1 traps right after itself (as KVM on hardware, checked by kvm-unit-tests' syscall
//   test). After MOV SS / POP SS the trap waits one more instruction (the stack-switch shadow).
// - #DB sets DR6: Bn for each enabled breakpoint that matched, BS (bit 14) for a single step.
//   DR6 bits are sticky: the handler clears them.
// On AMD (the reference CPU) an instruction breakpoint on the instruction after MOV SS is not
// suppressed; with `--cpu intel` it is (SDM vol. 3A 6.8.3: debug exceptions are inhibited
// after MOV SS / POP SS until the next instruction completes); kvm-unit-tests' emulator test
// expects exactly this split (is_intel() ? 0 : 1 #DBs).
//
// The dispatcher takes this path only while TF or a DR7 enable bit is set: it then runs one
// instruction per block so each instruction can be checked (a slower mode, as on hardware
// where single-stepping costs an exception per instruction). Data breakpoints (R/W = 01, 11),
// I/O breakpoints, DR7.GD and the INT1 instruction are not modelled.

extension X86CPU {
    /// DR6.BS: the #DB was a single-step trap.
    static let dr6SingleStep: UInt64 = 1 << 14

    /// True when TF or any breakpoint enable bit (DR7 bits 7:0) is set.
    @inline(__always) var debugFeaturesArmed: Bool {
        state.pointee.flagBits & Flag.tf != 0 || state.pointee.msr.breakpointsEnabled
    }

    /// The DR6 Bn bits of the enabled instruction breakpoints at linear address `linear`.
    func instructionBreakpointHits(_ linear: UInt64) -> UInt64 {
        let msr = state.pointee.msr
        let dr7 = msr.debugRegister(7)
        var hits: UInt64 = 0
        for n in 0..<4 {
            let enabled = (dr7 >> UInt64(2 * n)) & 3 != 0
            let rwLen = (dr7 >> UInt64(16 + 4 * n)) & 0xF     // R/W in bits 1:0, LEN in 3:2
            if enabled && rwLen == 0 && msr.debugRegister(n) == linear { hits |= 1 << UInt64(n) }
        }
        return hits
    }

    /// Before one instruction runs in debug mode: an instruction-breakpoint #DB (a fault) when
    /// a breakpoint matches and RF is clear. Returns false on a triple fault; sets `delivered`.
    func checkInstructionBreakpoint(delivered: inout Bool) -> Bool {
        let cpu = state
        delivered = false
        if cpu.pointee.system.singleStepAfterReturn {
            // The single-step trap of a SYSRET that set TF (see the file comment).
            cpu.pointee.system.singleStepAfterReturn = false
            cpu.pointee.msr.setDebugRegister(6, cpu.pointee.msr.debugRegister(6) | Self.dr6SingleStep)
            delivered = true
            let rip = cpu.pointee.regs[Reg.rip]
            return deliver(CPUFault(.debug, trap: true), returnRIP: rip, instructionRIP: rip)
        }
        if cpu.pointee.flagBits & Flag.rf != 0 { return true }
        if cpu.pointee.vendor == .intel && cpu.pointee.system.interruptShadow && cpu.pointee.system.stackShadow { return true }
        let rip = cpu.pointee.regs[Reg.rip]
        var linear = rip &+ cpu.pointee.segmentBase[Seg.cs]
        if cpu.pointee.mode != .long64 { linear &= 0xFFFF_FFFF }
        let hits = instructionBreakpointHits(linear)
        if hits == 0 { return true }
        cpu.pointee.msr.setDebugRegister(6, cpu.pointee.msr.debugRegister(6) | hits)
        delivered = true
        cpu.pointee.system.interruptShadow = false
        return deliver(CPUFault(.debug), returnRIP: rip, instructionRIP: rip)
    }

    /// After one instruction completed in debug mode: clears RF (if it was set before the
    /// instruction) and raises the single-step trap when TF was set before it. Returns false on
    /// a triple fault.
    func finishDebugStep(tfBefore: Bool, rfBefore: Bool, shadowOpened: Bool) -> Bool {
        let cpu = state
        if rfBefore { cpu.pointee.flagBits &= ~Flag.rf }
        // SYSRET's own trap is taken at the next boundary (checkInstructionBreakpoint).
        if cpu.pointee.system.singleStepAfterReturn { return true }
        let tfAfter = cpu.pointee.flagBits & Flag.tf != 0
        guard tfBefore && tfAfter && !shadowOpened else { return true }
        cpu.pointee.msr.setDebugRegister(6, cpu.pointee.msr.debugRegister(6) | Self.dr6SingleStep)
        let rip = cpu.pointee.regs[Reg.rip]
        return deliver(CPUFault(.debug, trap: true), returnRIP: rip, instructionRIP: rip)
    }
}
