// Layer: X86 (CPU model), execution. The debug exception (#DB, vector 1): instruction, data and
// I/O breakpoints (DR0-DR3 as set up by DR7), single-stepping (RFLAGS.TF), general detect
// (DR7.GD) and ICEBP (opcode F1), with the DR6 status each reports.
//
// Rules (Intel SDM vol. 3 §18.2-18.3, AMD APM vol. 2 §13.1):
// - DR7 enables breakpoint n with its L (bit 2n) or G (bit 2n+1) bit. R/Wn (bits 16+4n) says
//   what it watches: 00 instruction execution, 01 data writes, 11 data reads and writes, 10 I/O
//   port accesses (only with CR4.DE = 1; undefined otherwise, here: never matches). LENn (bits
//   18+4n) is its size: 00 = 1 byte, 01 = 2, 11 = 4, 10 = 8; the address in DRn is aligned down
//   to that size (the CPU ignores its low bits), and *any* byte of an access inside the range
//   matches (a 4-byte write at 0x1002 hits a 2-byte breakpoint at 0x1004).
// - An instruction breakpoint (R/W = 00, LEN = 00) matches when CS.base + RIP equals DRn. It is a
//   *fault*: #DB is raised before the instruction executes, RIP stays at it. RFLAGS.RF = 1
//   suppresses instruction breakpoints for one instruction (a handler returns with RF set in the
//   IRET image; the CPU sets RF in the image of every other fault); the CPU clears RF after each
//   instruction that completes.
// - Data and I/O breakpoints are *traps*: #DB after the instruction completes, RIP at the next
//   one. A REP string instruction traps after the iteration that matched (rCX/rSI/rDI describe
//   the iterations done, RIP stays at the instruction when iterations remain). An instruction
//   that faults reports no data breakpoint (it will run again).
// - TF = 1 at the start of an instruction: a *trap* after it completes, even when the instruction
//   cleared TF (POPF), except SYSCALL, which masks TF through SFMASK and enters CPL 0 without
//   a trap (modelled as: an instruction that changed CPL and cleared TF does not trap). An
//   instruction that sets TF (POPF, IRET) traps only after the next one; SYSRET that loads
//   TF = 1 traps right after itself (as KVM on hardware, checked by kvm-unit-tests' syscall
//   test). INT n, INT3, INTO and ICEBP deliver their own event instead (the handler starts
//   with TF = 0).
// - After MOV SS / POP SS the traps (single-step, data breakpoints, including the one the
//   MOV SS itself hit) wait until the next instruction completes (the stack-switch shadow;
//   STI's interrupt shadow does not delay #DB). If that next instruction delivers an event
//   (INT n, INT3, a fault), the held #DB is delivered right after it, before the handler's first
//   instruction; if the event is itself a #DB (ICEBP, general detect), the held bits join its
//   DR6 report (one #DB, as kvm-unit-tests' debug test checks).
// - DR7.GD = 1: any MOV to or from a debug register raises a #DB *fault* with DR6.BD (bit 13)
//   set, and the CPU clears GD so the handler can use the registers.
// - ICEBP (F1, also called INT1) raises a #DB trap delivered as an exception (no gate DPL
//   check) that leaves DR6 unchanged; INT 1 (CD 01) is an ordinary software interrupt.
// - DR6 on a breakpoint or single-step #DB: B0-B3 (bits 3:0) report exactly the breakpoints
//   that matched (the CPU clears the others); BS (bit 14) is set for a single step; every other
//   bit is sticky (BD, BS stay set until software clears them).
// On AMD (the reference CPU) an instruction breakpoint on the instruction after MOV SS is not
// suppressed; with `--cpu intel` it is (SDM vol. 3A 6.8.3: debug exceptions are inhibited
// after MOV SS / POP SS until the next instruction completes; Bochs does the same); kvm-unit-
// tests' emulator test expects exactly this split (is_intel() ? 0 : 1 #DBs). Oracles: QEMU
// (roms/tests/debugtrap.S, watchpoints.S), Bochs's Ryzen model where QEMU is wrong
// (roms/board/debugregs.c), the AMD host itself through ptrace (tools/probe-debugregs.c: MOV SS
// delay, several breakpoints in one #DB, REP, the MOV SS code breakpoint) and kvm-unit-tests'
// debug test.
//
// Cost: the dispatcher runs one checked instruction per block only while TF or RF is set, an
// instruction breakpoint is enabled or a MOV SS shadow holds a #DB (a slower mode, as on
// hardware where single-stepping costs an exception per instruction). Data and I/O breakpoints
// alone keep full blocks: memory accesses are checked only on the TLB slow path, and while a
// data breakpoint is armed the pages it covers never enter the software TLB (MMU/TLB.swift), so
// every access to them takes the slow path while accesses elsewhere keep the fast path; a hit
// ends the block after its instruction and the dispatcher raises the trap there. With no data
// breakpoint armed the slow path pays one flag test, and each block one test of the hit bits.

extension X86CPU {
    /// DR6.BS: the #DB was a single-step trap.
    static let dr6SingleStep: UInt64 = 1 << 14
    /// DR6.BD: the #DB was a general-detect fault (MOV DR with DR7.GD set).
    static let dr6GeneralDetect: UInt64 = 1 << 13

    /// True when TF or RF is set, an instruction breakpoint is enabled, or a MOV SS shadow holds
    /// a #DB. Data and I/O breakpoints alone do not need it: blocks run at full speed, and an
    /// access that hits ends its block after the instruction (`noteDataAccess`).
    @inline(__always) var debugFeaturesArmed: Bool {
        state.pointee.flagBits & (Flag.tf | Flag.rf) != 0 || state.pointee.msr.breakpointsEnabled
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

    /// Writes the B0-B3 bits of DR6 (replaced: they report this #DB only) and ORs in `sticky`.
    func reportDebugStatus(hits: UInt64, sticky: UInt64 = 0) {
        let cpu = state
        let dr6 = cpu.pointee.msr.debugRegister(6)
        cpu.pointee.msr.setDebugRegister(6, (dr6 & ~0xF) | (hits & 0xF) | sticky)
    }

    /// Before one instruction runs in debug mode: an instruction-breakpoint #DB (a fault) when
    /// a breakpoint matches and RF is clear. Returns false on a triple fault; sets `delivered`.
    func checkInstructionBreakpoint(delivered: inout Bool) -> Bool {
        let cpu = state
        delivered = false
        // Data hits are counted per instruction; a MOV SS shadow opens anew.
        cpu.pointee.msr.debugHits = 0
        let afterStackLoad = cpu.pointee.system.stackShadow && cpu.pointee.system.interruptShadow
        cpu.pointee.system.stackShadow = false
        if cpu.pointee.system.singleStepAfterReturn {
            // The single-step trap of a SYSRET that set TF (see the file comment).
            cpu.pointee.system.singleStepAfterReturn = false
            reportDebugStatus(hits: 0, sticky: Self.dr6SingleStep)
            delivered = true
            return deliverDebug(.debugTrap, at: cpu.pointee.regs[Reg.rip])
        }
        if cpu.pointee.flagBits & Flag.rf != 0 { return true }
        if cpu.pointee.vendor == .intel && afterStackLoad { return true }
        let rip = cpu.pointee.regs[Reg.rip]
        var linear = rip &+ cpu.pointee.segmentBase[Seg.cs]
        if cpu.pointee.mode != .long64 { linear &= 0xFFFF_FFFF }
        let hits = instructionBreakpointHits(linear)
        if hits == 0 { return true }
        // Data breakpoints held by a MOV SS shadow are reported with this #DB.
        reportDebugStatus(hits: hits | cpu.pointee.msr.heldDebugHits)
        if cpu.pointee.msr.heldDebugHits != 0 { cpu.pointee.msr.heldDebugHits = 0 }
        delivered = true
        cpu.pointee.system.interruptShadow = false
        return deliverDebug(.debugFault, at: rip)
    }

    /// After one instruction completed in debug mode (or a block that a data / I/O breakpoint
    /// hit ended, with tfBefore = false): clears RF (if it was set before the instruction) and
    /// raises the #DB trap for a single step (TF set before it) or for the data / I/O
    /// breakpoints it hit, unless a MOV SS / POP SS holds them back. Returns false on a triple
    /// fault.
    func finishDebugStep(tfBefore: Bool, rfBefore: Bool, cplBefore: UInt8) -> Bool {
        let cpu = state
        if rfBefore { cpu.pointee.flagBits &= ~Flag.rf }
        let hits = cpu.pointee.msr.debugHits
        cpu.pointee.msr.debugHits = 0
        // SYSRET's own trap is taken at the next boundary (checkInstructionBreakpoint).
        if cpu.pointee.system.singleStepAfterReturn { return true }
        // The instruction was MOV SS / POP SS: its shadow is open (interruptShadow), and
        // stackShadow says it was not STI's. Every trap waits one instruction (the single step
        // too: the next instruction starts with TF set and traps after itself).
        if cpu.pointee.system.stackShadow && cpu.pointee.system.interruptShadow {
            if hits != 0 { cpu.pointee.msr.heldDebugHits |= hits }
            return true
        }
        let tfAfter = cpu.pointee.flagBits & Flag.tf != 0
        // SYSCALL clears TF on its way to CPL 0: no trap (see the file comment).
        let singleStep = tfBefore && (tfAfter || cpu.pointee.cpl == cplBefore)
        let all = hits | cpu.pointee.msr.heldDebugHits
        if cpu.pointee.msr.heldDebugHits != 0 { cpu.pointee.msr.heldDebugHits = 0 }
        if all == 0 && !singleStep { return true }
        reportDebugStatus(hits: all, sticky: singleStep ? Self.dr6SingleStep : 0)
        return deliverDebug(.debugTrap, at: cpu.pointee.regs[Reg.rip])
    }

    /// Delivers a #DB with the frame's RIP = `rip`; hits the delivery's own frame writes made
    /// are not the program's and are dropped.
    func deliverDebug(_ event: CPUFault, at rip: UInt64) -> Bool {
        let ok = deliver(event, returnRIP: rip, instructionRIP: rip)
        state.pointee.msr.debugHits = 0
        return ok
    }

    /// In debug mode, before an instruction's own event (fault, INT n, ICEBP) is delivered:
    /// its data hits are dropped (a faulting instruction reports none; the event's frame pushes
    /// are not the program's accesses), and a #DB of the CPU's own takes the held bits into its
    /// report.
    func prepareDebugEvent(_ event: CPUFault) {
        let cpu = state
        cpu.pointee.msr.debugHits = 0
        let held = cpu.pointee.msr.heldDebugHits
        if event.hardwareDebug && held != 0 {
            let dr6 = cpu.pointee.msr.debugRegister(6)
            cpu.pointee.msr.setDebugRegister(6, dr6 | held)
            cpu.pointee.msr.heldDebugHits = 0
        }
    }

    /// In debug mode, after an instruction's event was delivered: a #DB held by a MOV SS shadow
    /// is delivered now, at the first instruction of the handler. Returns false on a triple fault.
    func deliverHeldDebugTrap() -> Bool {
        let cpu = state
        cpu.pointee.msr.debugHits = 0
        let held = cpu.pointee.msr.heldDebugHits
        if held == 0 { return true }
        cpu.pointee.msr.heldDebugHits = 0
        reportDebugStatus(hits: held)
        return deliverDebug(.debugTrap, at: cpu.pointee.regs[Reg.rip])
    }
}

extension MSRFile {
    /// Recomputes `breakpointsEnabled`, `dataWatch` and `ioWatch` from DR7 and the held #DB
    /// (called on every DR0-DR3 / DR7 write and when `heldDebugHits` changes).
    mutating func updateWatchFlags() {
        let dr7 = debugRegister(7)
        var code = false, data = false, io = false
        for n in 0..<4 where (dr7 >> UInt64(2 * n)) & 3 != 0 {
            switch (dr7 >> UInt64(16 + 4 * n)) & 3 {
            case 0: code = true
            case 1, 3: data = true
            default: io = true
            }
        }
        breakpointsEnabled = code || heldDebugHits != 0
        dataWatch = data
        ioWatch = io
    }
}

extension CPUState {
    /// Bytes covered by a breakpoint's LEN field (DR7 bits 19:18 + 4n): 00 = 1, 01 = 2,
    /// 10 = 8, 11 = 4.
    @inline(__always) static func breakpointLength(_ len: UInt64) -> UInt64 {
        switch len & 3 {
        case 0: return 1
        case 1: return 2
        case 2: return 8
        default: return 4
        }
    }

    /// The DR6 B bits of the enabled breakpoints with an R/W field in `kinds` (a bit mask of
    /// R/W values: bit 1 = writes, bit 3 = reads and writes, bit 2 = I/O) whose range shares a
    /// byte with [address, address + size).
    func breakpointMatches(_ address: UInt64, size: Int, kinds: UInt64, addressMask: UInt64) -> UInt64 {
        let dr7 = msr.debugRegister(7)
        var hits: UInt64 = 0
        for n in 0..<4 where (dr7 >> UInt64(2 * n)) & 3 != 0 {
            let rw = (dr7 >> UInt64(16 + 4 * n)) & 3
            guard (kinds >> rw) & 1 != 0 else { continue }
            let length = Self.breakpointLength(dr7 >> UInt64(18 + 4 * n))
            // The CPU ignores the address bits below the breakpoint's size.
            let start = msr.debugRegister(n) & ~(length &- 1) & addressMask
            // Two ranges overlap when either one starts inside the other (wrapping differences
            // are huge, so they compare false).
            if (address &- start) < length || (start &- address) < UInt64(size) { hits |= 1 << UInt64(n) }
        }
        return hits
    }

    /// A data access that reached the TLB slow path while a data breakpoint is armed: records
    /// the breakpoints it hits (a write matches R/W = 01 and 11, a read only 11).
    /// A hit ends the block after this instruction, where the dispatcher raises the #DB.
    @inline(never)
    mutating func noteDataAccess(_ address: UInt64, size: Int, write: Bool) {
        let mask: UInt64 = mode == .long64 ? ~0 : 0xFFFF_FFFF
        let hits = breakpointMatches(address & mask, size: size, kinds: write ? 0b1010 : 0b1000, addressMask: mask)
        if hits != 0 { noteHits(hits) }
    }

    @inline(__always) mutating func noteHits(_ hits: UInt64) {
        msr.debugHits |= hits
        if exitBlock == BlockExit.none { exitBlock = BlockExit.next }
    }

    /// True when the page of `address` holds an armed data breakpoint: its translation must not
    /// enter the read or write TLB (so every access to it is checked).
    @inline(never)
    func watchesPage(_ address: UInt64) -> Bool {
        let mask: UInt64 = mode == .long64 ? ~0 : 0xFFFF_FFFF
        let page = (address & mask) & ~0xFFF
        // A breakpoint range is aligned to its size (at most 8), so it never crosses a page.
        return breakpointMatches(page, size: 4096, kinds: 0b1010, addressMask: mask) != 0
    }

    /// A port access (IN, OUT, INS, OUTS) while an I/O breakpoint is armed: with CR4.DE = 1,
    /// records the breakpoints whose port range it touches.
    @inline(never)
    mutating func notePortAccess(_ port: UInt16, size: Int) {
        if cr4 & CR4.de == 0 { return }
        let hits = breakpointMatches(UInt64(port), size: size, kinds: 0b0100, addressMask: 0xFFFF)
        if hits != 0 { noteHits(hits) }
    }
}
