// Layer: Machine. Runs a loaded guest to completion in instruction-budget slices, so that a
// caller can show progress and so that (later) events happen at slice boundaries chosen by
// virtual time only. Host wall time is measured for reports but never reaches the guest.

import EmulatorCore
import X86

/// Why a run ended, with the process exit status `orrery run` reports (see docs/cli.md).
public enum RunOutcome: Equatable, CustomStringConvertible {
    /// The guest wrote V to isa-debug-exit: status (V << 1) | 1, as QEMU.
    case debugExit(UInt64)
    /// The instruction limit was reached.
    case instructionLimit
    /// An exception the CPU stopped on (bare machine: exceptions are not delivered through the IDT).
    case unhandledException(CPUFault, rip: UInt64)
    /// HLT with nothing that could ever wake the CPU.
    case haltedForever
    /// The guest powered the machine off (ACPI SLP_TYP(S5) | SLP_EN): status 0, as QEMU.
    case powerOff
    /// A fault while delivering a double fault (PC board): the machine stops (QEMU would reset;
    /// `--on-triple-fault reset` does too).
    case tripleFault(rip: UInt64)
    /// The guest asked for a reset (0xCF9, i8042 command 0xFE, the FADT reset register) and the
    /// machine was told to stop on resets (`--on-reset stop`, the default).
    case guestReset
    /// The user ended the run (the terminal's escape sequence, or a replayed `quit`).
    case userQuit

    public var exitStatus: Int32 {
        switch self {
        case .debugExit(let v): return Int32(truncatingIfNeeded: ((v & 0xFFFF_FFFF) << 1) | 1) & 0xFF
        case .instructionLimit: return 4
        case .unhandledException: return 6
        case .haltedForever: return 8
        case .powerOff: return 0
        case .tripleFault: return 10
        case .guestReset: return 12
        case .userQuit: return 14
        }
    }

    public var description: String {
        switch self {
        case .debugExit(let v): return "guest exit 0x\(String(v, radix: 16)) (isa-debug-exit)"
        case .instructionLimit: return "instruction limit reached"
        case let .unhandledException(f, rip): return "unhandled exception \(f) at rip 0x\(String(rip, radix: 16))"
        case .haltedForever: return "CPU halted with interrupts that can never arrive"
        case .powerOff: return "guest power-off (ACPI S5)"
        case .tripleFault(let rip): return "triple fault at rip 0x\(String(rip, radix: 16))"
        case .guestReset: return "guest reset request (machine stops: --on-reset stop)"
        case .userQuit: return "quit by the user"
        }
    }
}

extension Machine {
    /// Timer events a halted CPU may skip to without waking before the run ends as halted forever.
    static let maxIdleSkips = 100_000

    /// Runs until the guest stops or `maxInstructions` retire. `progress` is called between
    /// slices with the instructions retired so far.
    public func run(maxInstructions: UInt64, slice: UInt64 = 50_000_000,
                    progress: ((UInt64) -> Void)? = nil) -> RunOutcome {
        let start = cpu.state.pointee.instructionsRetired
        var nextProgress = slice
        var lastHaltAt: UInt64 = .max
        var idleSkips = 0
        while true {
            let done = cpu.state.pointee.instructionsRetired &- start
            if done >= maxInstructions { return .instructionLimit }
            // Timer events fire at exact instruction counts: the budget ends at the next one.
            events.runDue()
            // External input enters here, at a position the input queue logs (DESIGN §2).
            if let q = input, q.service(self) { return .userQuit }
            var budget = min(slice, maxInstructions - done)
            budgetDeadline = .max
            if let deadline = events.nextDeadline {
                budget = min(budget, max(1, clock.instructions(until: deadline)))
                budgetDeadline = deadline
            }
            if let q = input, let limit = q.budgetLimit(self) { budget = min(budget, limit) }
            let reason = cpu.run(maxInstructions: budget)
            switch reason {
            case .budgetExhausted:
                events.runDue()
                let total = cpu.state.pointee.instructionsRetired &- start
                if total >= nextProgress { progress?(total); nextProgress = total &+ slice }
            case .stopRequested:
                if let v = debugExit.exitValue { return .debugExit(v) }
                if power.poweredOff { return .powerOff }
                if resetRequested {
                    resetRequested = false
                    cpu.state.pointee.stopRequested = false
                    if resetAction == .stop { return .guestReset }
                    if let failure = reboot() { return failure }
                    continue
                }
                if returnForEvent {
                    // A device armed an event inside this budget: recompute it (not a stop).
                    returnForEvent = false
                    cpu.state.pointee.stopRequested = false
                    continue
                }
                return .debugExit(0)
            case .halted:
                // HLT with interrupts enabled waits for the next timer event: virtual time skips
                // to it (DESIGN §2) and the CPU runs again if an interrupt woke it. With IF = 0,
                // no event armed, or events that never wake it, the CPU is halted for good.
                let retired = cpu.state.pointee.instructionsRetired
                if retired != lastHaltAt { lastHaltAt = retired; idleSkips = 0 }
                if let q = input, q.isActive, cpu.state.pointee.rflags & Flag.if != 0 {
                    // Input may still arrive: sleep to the next timer event or input (the queue
                    // paces live input to host time; a replay jumps to the logged position).
                    let skippedBefore = clock.skippedNanoseconds
                    guard q.sleep(self, until: events.nextDeadline) else { return .haltedForever }
                    cpu.state.pointee.tscOffset &+= clock.skippedNanoseconds &- skippedBefore
                    events.runDue()
                    if q.service(self, wokenFromHalt: true) { return .userQuit }
                    progress?(cpu.state.pointee.instructionsRetired &- start)
                    continue
                }
                guard cpu.state.pointee.rflags & Flag.if != 0, let deadline = events.nextDeadline,
                      idleSkips < Self.maxIdleSkips else { return .haltedForever }
                idleSkips += 1
                // The TSC keeps counting while the CPU sleeps (1 GHz, as virtual time): a TSC-
                // deadline timer that woke the CPU finds TSC >= its deadline (SDM 11.5.4.1).
                let skippedBefore = clock.skippedNanoseconds
                clock.skip(to: deadline)
                cpu.state.pointee.tscOffset &+= clock.skippedNanoseconds &- skippedBefore
                events.runDue()
            case let .exception(f, rip): return .unhandledException(f, rip: rip)
            case .tripleFault:
                // A triple fault asserts the processor's shutdown cycle; a PC board turns it into
                // a reset (QEMU does), or the machine stops (the default: status 10).
                if tripleFaultAction == .reset {
                    if let failure = reboot() { return failure }
                    continue
                }
                return .tripleFault(rip: cpu.state.pointee.regs[Reg.rip])
            }
        }
    }
}
