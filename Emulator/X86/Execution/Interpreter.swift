// Layer: X86 (CPU model), execution. The dispatcher: finds (or builds) the decoded block at RIP
// and calls its handlers one after the other, within an instruction budget so that events
// (timers, input) happen at exact instruction counts. Exceptions stop the run here; from [3/6]
// on they are delivered through the IDT.

import EmulatorCore

public enum StopReason: Equatable, Sendable, CustomStringConvertible {
    /// The instruction budget ran out.
    case budgetExhausted
    /// HLT executed (nothing can wake the CPU yet).
    case halted
    /// An exception was raised; `rip` is the faulting instruction (for a trap such as INT3 or
    /// INT n, `fault.isTrap`: the instruction after it).
    case exception(CPUFault, rip: UInt64)
    /// A device (debug exit, power-off) asked the machine to stop.
    case stopRequested
    /// A fault while delivering a double fault (only with `deliversExceptions`). A real PC
    /// resets; the board decides (see `X86CPU.tripleFaultAction`).
    case tripleFault

    public var description: String {
        switch self {
        case .budgetExhausted: return "instruction budget exhausted"
        case .halted: return "halted"
        case let .exception(f, rip): return "\(f) at rip 0x\(String(rip, radix: 16))"
        case .stopRequested: return "stop requested"
        case .tripleFault: return "triple fault"
        }
    }
}

/// Raises the exception stored in the instruction's `imm` (vector) and `imm2` (error code flag).
/// Used for encodings the decoder rejected, so a block can end in the fault it will raise.
@usableFromInline
func raiseDecodedFault(_ cpu: CPU, _ i: Instr) {
    let vector = ExceptionVector(rawValue: UInt8(truncatingIfNeeded: i.imm))
    cpu.raise(CPUFault(vector, errorCode: i.pointee.imm2 != 0 ? 0 : nil), at: i)
}

public final class X86CPU {
    /// The architectural state; handlers receive this pointer.
    public let state: CPU
    let cache = BlockCache()
    /// Strong references for the unowned ones inside CPUState.memory.
    let ram: PhysicalMemory
    let mmio: IOBus
    let ports: IOBus
    /// Statistics for `orrery bench` (host-side only).
    public var blocksBuilt: Int { cache.blocksBuilt }
    public var blockCacheFlushes: Int { cache.flushes }

    // System architecture ([3/6], see Execution/Delivery.swift).
    /// Deliver exceptions and INT n/INT3/INTO through the IDT and keep running, as a real CPU
    /// does. Off (the default), `run` stops with `.exception` instead: the host-CPU harness and
    /// the unit tests of single instructions rely on that. The Machine turns it on.
    public var deliversExceptions = false
    /// The interrupt controller the CPU asks for maskable interrupts at block boundaries.
    /// Not reference-counted: it is read at every block boundary while RFLAGS.IF = 1, and a
    /// `weak` load there (side-table lookup, then retain/release through the slow path) cost
    /// ~18% of a Linux boot (perf); a strong one still ~9%. Ownership rule: whoever sets it
    /// keeps the controller alive at least as long as this CPU runs (the Board owns both).
    /// Setting it also points `interruptRequest` at the controller's INTR output.
    public unowned(unsafe) var interruptSource: InterruptSource? {
        didSet {
            if let source = interruptSource {
                interruptRequest = source.interruptRequestLine ?? UnsafePointer(constantLines + 1)
            } else {
                interruptRequest = UnsafePointer(constantLines)
            }
        }
    }
    /// The INTR pin the run loop samples at block boundaries: the controller's output byte,
    /// or a constant (false without a controller, true for one that drives no output, which is
    /// then asked at every boundary). Plain data, so the poll costs a load and a test: no
    /// retain/release, no protocol call while no interrupt is requested.
    public private(set) var interruptRequest: UnsafePointer<Bool>
    /// Two constant lines, [false, true], owned by this CPU.
    private let constantLines: UnsafeMutablePointer<Bool>
    /// Keeps the box CPUState's `msr.apic` points at alive (LocalAPICPort.swift).
    var apicLinkStorage: LocalAPICLink?
    /// What a triple fault does (only `.stop` so far: `run` returns `.tripleFault`, and the
    /// board resets the machine or ends the run).
    public var tripleFaultAction: TripleFaultAction = .stop
    /// Latches an NMI (the NMI pin is edge-triggered); it is delivered at the next block
    /// boundary unless an NMI handler is still running (until its IRET).
    public func requestNMI() { state.pointee.system.nmiPending = true }
    /// Events delivered (exceptions, software and external interrupts): host-side statistics.
    public private(set) var eventsDelivered = 0

    public init(ram: PhysicalMemory, mmio: IOBus, ports: IOBus) {
        self.ram = ram; self.mmio = mmio; self.ports = ports
        state = .allocate(capacity: 1)
        state.initialize(to: CPUState(ram: ram, mmio: mmio, ports: ports))
        constantLines = .allocate(capacity: 2)
        constantLines.initialize(to: false)
        (constantLines + 1).initialize(to: true)
        interruptRequest = UnsafePointer(constantLines)
    }

    deinit {
        constantLines.deinitialize(count: 2)
        constantLines.deallocate()
        state.pointee.deallocate()
        state.deinitialize(count: 1)
        state.deallocate()
    }

    /// Forgets every decoded block (after a mode change or when memory was replaced wholesale).
    public func invalidateDecodedCode() {
        cache.flush()
        state.pointee.memory.flushTLB()
    }

    /// Executes up to `maxInstructions` instructions.
    public func run(maxInstructions: UInt64) -> StopReason {
        let cpu = state
        var remaining = maxInstructions
        while remaining > 0 {
            if cpu.pointee.stopRequested { return .stopRequested }
            // Interrupts are accepted here, between blocks, never inside one; a one-instruction
            // shadow (STI, MOV SS) holds them off until the next instruction has run.
            if !cpu.pointee.system.interruptShadow
                && (cpu.pointee.system.nmiPending || (cpu.pointee.flagBits & Flag.if != 0 && interruptRequest.pointee)) {
                if !acceptInterrupt() { return .tripleFault }
                cpu.pointee.msr.debugHits = 0   // the frame's writes are not the program's (Debug.swift)
            }
            // HLT: the CPU sleeps until an interrupt it accepts (above) clears `halted`. The
            // board's run loop, on `.halted`, fast-forwards virtual time to its next event,
            // raises the interrupt lines it implies, and calls `run` again.
            if cpu.pointee.halted { return .halted }
            // TF or a DR7 breakpoint armed: one instruction per block, checked for #DB
            // (Execution/Debug.swift). A code breakpoint is a fault taken before the fetch.
            let debugging = debugFeaturesArmed
            if _slowPath(debugging) {
                var delivered = false
                if !checkInstructionBreakpoint(delivered: &delivered) { return .tripleFault }
                if delivered { remaining -= 1; continue }
            }
            let rip = cpu.pointee.regs[Reg.rip]
            let block: (start: Int32, count: Int32)
            do { block = try findBlock(rip) } catch {
                // An instruction fetch fault (#PF, #GP outside RAM) belongs to the instruction at RIP.
                if !deliversExceptions { return .exception(error, rip: rip) }
                var f = error
                if f.nonCanonical { f = .gp(0) }
                if !deliver(f, returnRIP: rip, instructionRIP: rip) { return .tripleFault }
                remaining -= 1
                continue
            }
            // Inside an interrupt shadow run exactly one instruction, then let interrupts in.
            let shadow = cpu.pointee.system.interruptShadow
            var limit = UInt64(block.count) < remaining ? Int(block.count) : Int(remaining)
            if shadow || debugging { limit = 1 }
            // TF and RF as the instruction starts (only needed in debug mode).
            var flagsBefore: UInt64 = 0
            var cplBefore: UInt8 = 0
            if _slowPath(debugging) { flagsBefore = cpu.pointee.flagBits; cplBefore = cpu.pointee.cpl }
            let first = UnsafePointer(cache.arena + Int(block.start))
            // RDTSC finds its position in the block from this (one store per block).
            cpu.pointee.blockEntry = UnsafeRawPointer(first)
            cpu.pointee.budget = limit
            cpu.pointee.exitBlock = BlockExit.none
            // Run the block: the handlers call each other (see retireAndContinue) until the
            // budget is spent, one leaves the block, or one raises an exception.
            first.pointee.handler(cpu, first)
            if let raised = cpu.pointee.pendingFault, let at = cpu.pointee.faultEntry {
                cpu.pointee.pendingFault = nil
                cpu.pointee.faultEntry = nil
                let entry = at.assumingMemoryBound(to: DecodedInstruction.self)
                var error = raised
                var executed = (at - UnsafeRawPointer(first)) / MemoryLayout<DecodedInstruction>.stride
                if error.nonCanonical {
                    let segment = Int(entry.pointee.segment)
                    if segment == Seg.stack64 || (cpu.pointee.mode != .long64 && segment == Seg.ss) { error = .ss(0) }
                    error.nonCanonical = false
                }
                if error.isTrap {
                    // A trap (INT3, INT n, INTO) completes its instruction: RIP stays after it.
                    executed += 1
                    cpu.pointee.regs[Reg.rip] = entry.pointee.nextRIP
                } else {
                    cpu.pointee.regs[Reg.rip] = entry.pointee.nextRIP &- UInt64(entry.pointee.length)
                }
                cpu.pointee.instructionsRetired &+= UInt64(executed)
                cpu.pointee.exitBlock = BlockExit.none
                if !deliversExceptions { return .exception(error, rip: cpu.pointee.regs[Reg.rip]) }
                // Delivering an event ends any interrupt shadow.
                cpu.pointee.system.interruptShadow = false
                let instructionRIP = entry.pointee.nextRIP &- UInt64(entry.pointee.length)
                if _slowPath(debugging) { prepareDebugEvent(error) } else { cpu.pointee.msr.debugHits = 0 }
                if !deliver(error, returnRIP: cpu.pointee.regs[Reg.rip], instructionRIP: instructionRIP) {
                    return .tripleFault
                }
                // A #DB held by a MOV SS shadow follows the event (Execution/Debug.swift).
                if _slowPath(debugging) && !deliverHeldDebugTrap() { return .tripleFault }
                cpu.pointee.msr.debugHits = 0
                // A delivered fault costs one unit of budget (a trap's instruction already
                // counted), so a guest that faults forever still returns to the board; only
                // retired instructions advance virtual time.
                remaining -= min(remaining, UInt64(executed) + (error.isTrap ? 0 : 1))
                continue
            }
            let executed = limit - cpu.pointee.budget
            if shadow { cpu.pointee.system.interruptShadow = false }
            if cpu.pointee.exitBlock != BlockExit.jumped {
                // Fell through (or left after a non-branch): continue after the last instruction run.
                cpu.pointee.regs[Reg.rip] = first[executed - 1].nextRIP
            }
            cpu.pointee.exitBlock = BlockExit.none
            cpu.pointee.instructionsRetired &+= UInt64(executed)
            remaining -= UInt64(executed)
            if _slowPath(debugging) {
                // Single-step and data-breakpoint traps (held back after MOV SS / POP SS).
                if !finishDebugStep(tfBefore: flagsBefore & Flag.tf != 0, rfBefore: flagsBefore & Flag.rf != 0,
                                    cplBefore: cplBefore) { return .tripleFault }
            } else if _slowPath(cpu.pointee.msr.debugHits != 0) {
                // A data or I/O breakpoint hit ended the block after its instruction.
                if !finishDebugStep(tfBefore: false, rfBefore: false, cplBefore: cpu.pointee.cpl) { return .tripleFault }
            }
        }
        return cpu.pointee.stopRequested ? .stopRequested : .budgetExhausted
    }

    /// Delivers a fault or trap raised by an instruction. INT n (INT 1 too), INT3 and INTO
    /// (trap-class events other than the CPU's own #DB) are software interrupts: their gate's
    /// DPL is checked.
    func deliver(_ fault: CPUFault, returnRIP: UInt64, instructionRIP: UInt64) -> Bool {
        eventsDelivered &+= 1
        let software = fault.isTrap && !fault.hardwareDebug
        return state.deliverEvent(vector: fault.vector.rawValue, errorCode: fault.errorCode,
                                  source: software ? .software : .exception,
                                  returnRIP: returnRIP, instructionRIP: instructionRIP)
    }

    /// NMI first (not masked by IF; held off while an NMI handler runs), then the interrupt
    /// controller's vector when RFLAGS.IF = 1. Returns false on a triple fault.
    func acceptInterrupt() -> Bool {
        let cpu = state
        let rip = cpu.pointee.regs[Reg.rip]
        if cpu.pointee.system.nmiPending && !cpu.pointee.system.nmiBlocked {
            cpu.pointee.system.nmiPending = false
            cpu.pointee.system.nmiBlocked = true
            eventsDelivered &+= 1
            return cpu.deliverEvent(vector: 2, errorCode: nil, source: .external, returnRIP: rip, instructionRIP: rip)
        }
        guard cpu.pointee.flagBits & Flag.if != 0, let source = interruptSource,
              let vector = source.pendingVector() else { return true }
        source.acknowledge(vector)
        eventsDelivered &+= 1
        return cpu.deliverEvent(vector: vector, errorCode: nil, source: .external, returnRIP: rip, instructionRIP: rip)
    }

    /// Executes exactly one instruction (or stops on a fault). Same semantics as `run`.
    public func step() -> StopReason { run(maxInstructions: 1) }

    // MARK: block lookup and translation

    @inline(__always)
    func findBlock(_ rip: UInt64) throws(CPUFault) -> (start: Int32, count: Int32) {
        // RIP is an offset in CS: code is fetched from CS.base + RIP (the base is 0 in 64-bit
        // mode and with flat segments; real mode has base = CS << 4). Through paging when
        // CR0.PG is set (fetch permissions, #PF with the I/D bit).
        let physical = try state.pointee.translateFetch(rip &+ state.pointee.segmentBase[Seg.cs])
        let slot = BlockCache.slot(physical)
        // Compared in place through a pointer: copying the 48-byte record to the stack and
        // reading its fields back cost a store-forwarding stall on every block (measured).
        let r = cache.directory + slot
        let gen = state.pointee.memory.pageGeneration
        if r.pointee.physical == physical && r.pointee.virtualRIP == rip && r.pointee.mode == state.pointee.mode
            && gen[Int(r.pointee.page0)] == r.pointee.generation0 && gen[Int(r.pointee.page1)] == r.pointee.generation1
            && (r.pointee.page1 == r.pointee.page0 || secondPageStillMapped(rip, r.pointee)) {
            if _slowPath(state.pointee.mode != .long64) { return try clipToCodeLimit(rip, r.pointee.start, r.pointee.count) }
            return (r.pointee.start, r.pointee.count)
        }
        let built = try buildBlock(rip, physical: physical, slot: slot)
        if state.pointee.mode != .long64 { return try clipToCodeLimit(rip, built.start, built.count) }
        return (built.start, built.count)
    }

    /// A block whose last instruction crosses into the next page is only valid while that
    /// virtual page still maps to the physical page it was decoded from (paging may remap it).
    @inline(never)
    func secondPageStillMapped(_ rip: UInt64, _ record: BlockRecord) -> Bool {
        if state.pointee.cr0 & CR0.pg == 0 { return true }
        let saved = state.pointee.cr2
        defer { state.pointee.cr2 = saved }
        let linear = rip &+ state.pointee.segmentBase[Seg.cs]
        guard let np = try? state.pointee.translateFetch((linear & ~0xFFF) &+ 0x1000) else { return false }
        return UInt32(truncatingIfNeeded: np >> 12) == record.page1
    }

    @inline(never)
    func buildBlock(_ rip: UInt64, physical: UInt64, slot: Int) throws(CPUFault) -> BlockRecord {
        let memory = state.pointee.memory
        let ram = memory.ram
        guard ram.contains(physical, count: 1) else {
            // Executing outside RAM (MMIO, ROM holes) arrives with the board in [3/6].
            throw .gp(0)
        }
        if cache.arenaUsed + BlockCache.maxBlockInstructions > BlockCache.arenaCapacity { cache.flush() }
        let mode = state.pointee.mode
        var record = BlockRecord()
        record.physical = physical
        record.virtualRIP = rip
        record.start = Int32(cache.arenaUsed)
        record.mode = mode
        let firstPage = physical >> 12
        record.page0 = UInt32(firstPage)
        record.page1 = UInt32(firstPage)
        memory.markCodePage(Int(firstPage))

        // Instructions are decoded at their CS offsets (`address`: branch targets and nextRIP
        // are offsets); pages are judged by the linear address CS.base + offset.
        let csBase = state.pointee.segmentBase[Seg.cs]
        let startLinear = rip &+ csBase
        var address = rip
        var count = 0
        var buffer: (UInt64, UInt64) = (0, 0)
        decodeLoop: while count < BlockCache.maxBlockInstructions {
            // Instruction bytes: straight from RAM, or copied when they may cross the page end.
            let linear = address &+ csBase
            let pa = (physical & ~0xFFF) | (linear & 0xFFF)
            let inPage = Int(4096 - (linear & 0xFFF))
            var outcome: DecodeOutcome
            // A fault translating the next page (#PF under paging), for an instruction that needs it.
            var crossFault: CPUFault? = nil
            if inPage >= Decoder.maxLength + 1 {
                outcome = Decoder.decode(ram.base + Int(pa), available: Decoder.maxLength + 1, address: address, mode: mode)
            } else {
                // Copy the tail of this page and as much of the next page as is RAM.
                var available = inPage
                let nextLinear = linear &+ UInt64(inPage)
                var nextPhysical: UInt64? = nil
                let savedCR2 = state.pointee.cr2
                do {
                    let np = try state.pointee.translateFetch(nextLinear)
                    if ram.contains(np, count: 16) {
                        nextPhysical = np
                        available = 16
                    }
                } catch {
                    crossFault = error
                }
                state.pointee.cr2 = savedCR2
                outcome = withUnsafeMutableBytes(of: &buffer) { buf in
                    buf.baseAddress!.copyMemory(from: ram.base + Int(pa), byteCount: inPage)
                    if let np = nextPhysical {
                        (buf.baseAddress! + inPage).copyMemory(from: ram.base + Int(np), byteCount: 16 - inPage)
                    }
                    return Decoder.decode(buf.baseAddress!, available: available, address: address, mode: mode)
                }
                if case let .instruction(_, info) = outcome, info.length > inPage, let np = nextPhysical {
                    record.page1 = UInt32(np >> 12)
                    memory.markCodePage(Int(np >> 12))
                }
            }

            let slotPointer = cache.arena + cache.arenaUsed + count
            switch outcome {
            case let .instruction(decoded, info):
                slotPointer.initialize(to: decoded)
                count += 1
                address = decoded.nextRIP
                let ends = info.entry?.attributes.contains(.endsBlock) ?? true
                let nextLinear = address &+ csBase
                if ends || (nextLinear & 0xFFF) == 0 || nextLinear >> 12 != startLinear >> 12 || record.page1 != record.page0 {
                    break decodeLoop
                }
                continue decodeLoop
            case let .fault(fault, info):
                var f = DecodedInstruction(handler: raiseDecodedFault)
                f.imm = UInt64(fault.vector.rawValue)
                f.imm2 = fault.errorCode != nil ? 1 : 0
                f.length = UInt8(max(1, min(info.length, Decoder.maxLength)))
                f.nextRIP = address &+ UInt64(f.length)
                slotPointer.initialize(to: f)
                count += 1
            case .truncated:
                if let f = crossFault {
                    // The instruction continues on a page that does not translate: a fetch #PF
                    // (CR2 = the first byte of that page) when this instruction is reached.
                    if count == 0 {
                        state.pointee.cr2 = linear &+ UInt64(inPage)
                        throw f
                    }
                    break decodeLoop
                }
                // The instruction runs off the end of RAM: a fetch fault when it executes.
                var f = DecodedInstruction(handler: raiseDecodedFault)
                f.imm = UInt64(ExceptionVector.generalProtection.rawValue)
                f.imm2 = 1
                f.length = 1
                f.nextRIP = address &+ 1
                slotPointer.initialize(to: f)
                count += 1
            }
            break decodeLoop
        }
        let gen = memory.pageGeneration
        record.generation0 = gen[Int(record.page0)]
        record.generation1 = gen[Int(record.page1)]
        record.count = Int32(count)
        cache.arenaUsed += count
        cache.directory[slot] = record
        cache.blocksBuilt &+= 1
        return record
    }
}
