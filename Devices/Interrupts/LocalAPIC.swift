// Layer: Devices/Interrupts. The local APIC of the (one) vCPU, Intel SDM vol. 3A ch. 11
// ("Advanced Programmable Interrupt Controller"): the xAPIC register page (mapped by the board at
// 0xFEE00000), the same registers as x2APIC MSRs 0x800-0x8FF, interrupt acceptance into IRR,
// priority (TPR/PPR/APR), ISR/EOI, the local vector table, self-IPIs through the ICR, the error
// status register and the timer (one-shot, periodic, TSC-deadline) in virtual time.
//
// Wiring (done by the board, never by this file):
// - the board maps the xAPIC page as the MMIO bus's relocatable window: `windowBase` is the base
//   address from IA32_APIC_BASE (SDM 11.4.4), nil while the APIC is disabled or in x2APIC mode;
// - the CPU asks `pendingVector()` and calls `acknowledge(_:)` (the X86 `InterruptSource` shape;
//   the board declares the conformance, since Devices does not depend on X86), but only while
//   `interruptRequestLine` (the APIC's INTR output to the core) is asserted;
// - `onNMI` raises NMI on the CPU; `onEOI` broadcasts EOIs of level-triggered vectors to the IOAPIC;
// - the 8259's INTR output drives `setLINT(0, level:)`, and `externalPending`/`externalAcknowledge`
//   are the 8259's INTA cycle, used when LINT0 (or an IOAPIC entry) is in ExtINT mode;
// - the IOAPIC (and later MSI) sends `APICMessage`s to `receive(_:)`.
// - RDMSR/WRMSR of 0x800-0x8FF call `readMSR`/`writeMSR`; MSR 0x6E0 calls `readTSCDeadline`/
//   `writeTSCDeadline`; a write to IA32_APIC_BASE calls `apicBaseWritten`.

import EmulatorCore

/// Delivery modes of LVT entries, the ICR and IOAPIC redirection entries (SDM 11.5.1, 11.6.1).
public enum APICDeliveryMode: UInt8, Sendable {
    case fixed = 0, lowestPriority = 1, smi = 2, reserved3 = 3, nmi = 4, initialize = 5, startup = 6, extINT = 7
}

/// An interrupt message on the APIC bus (from the IOAPIC, an IPI, or later MSI).
public struct APICMessage: Equatable, Sendable {
    public var vector: UInt8
    public var deliveryMode: APICDeliveryMode
    /// 8-bit xAPIC destination (32-bit in x2APIC mode).
    public var destination: UInt32
    public var logicalDestination: Bool
    public var levelTriggered: Bool
    public init(vector: UInt8, deliveryMode: APICDeliveryMode = .fixed, destination: UInt32 = 0,
                logicalDestination: Bool = false, levelTriggered: Bool = false) {
        self.vector = vector; self.deliveryMode = deliveryMode; self.destination = destination
        self.logicalDestination = logicalDestination; self.levelTriggered = levelTriggered
    }

    /// Decodes a message-signalled interrupt (a device's DWORD write of `data` to `address`,
    /// SDM 11.11): address 0xFEExxxxx with destination ID in bits 19:12 and destination mode in
    /// bit 2; data with the vector in bits 7:0, delivery mode in 10:8, trigger mode in bit 15.
    /// Returns nil if the address is not in the interrupt window 0xFEE00000-0xFEEFFFFF.
    public static func msi(address: UInt64, data: UInt32) -> APICMessage? {
        guard address >> 20 == 0xFEE else { return nil }
        return APICMessage(vector: UInt8(truncatingIfNeeded: data),
                           deliveryMode: APICDeliveryMode(rawValue: UInt8((data >> 8) & 7)) ?? .fixed,
                           destination: UInt32((address >> 12) & 0xFF),
                           logicalDestination: address & (1 << 2) != 0,
                           levelTriggered: data & (1 << 15) != 0)
    }
}

public final class LocalAPIC: BusDevice, RelocatableWindow, Snapshottable {
    /// Register offsets in the xAPIC page (SDM table 11-1); the x2APIC MSR is 0x800 + offset >> 4.
    public enum Reg {
        public static let id = 0x020, version = 0x030, tpr = 0x080, apr = 0x090, ppr = 0x0A0
        public static let eoi = 0x0B0, rrd = 0x0C0, ldr = 0x0D0, dfr = 0x0E0, svr = 0x0F0
        public static let isr = 0x100, tmr = 0x180, irr = 0x200, esr = 0x280, lvtCMCI = 0x2F0
        public static let icrLow = 0x300, icrHigh = 0x310, lvtTimer = 0x320, lvtThermal = 0x330
        public static let lvtPerf = 0x340, lvtLINT0 = 0x350, lvtLINT1 = 0x360, lvtError = 0x370
        public static let timerInitial = 0x380, timerCurrent = 0x390, timerDivide = 0x3E0
        public static let selfIPI = 0x3F0     // x2APIC only (MSR 0x83F)
    }

    /// Version register: version 0x14 (integrated APIC), max LVT entry 5: six LVTs, no CMCI
    /// (no machine-check architecture is advertised), as QEMU's APIC reports (measured: 0x00050014).
    public static let versionValue: UInt32 = 0x0005_0014
    public static let lvtMasked: UInt32 = 1 << 16
    /// SVR bit 8: APIC software enable.
    public static let svrEnable: UInt32 = 1 << 8

    // ESR bits (SDM 11.5.3).
    public static let esrSendIllegalVector: UInt32 = 1 << 5
    public static let esrReceiveIllegalVector: UInt32 = 1 << 6
    public static let esrIllegalRegister: UInt32 = 1 << 7

    // LVT slots in `lvt` (order of the registers' addresses).
    static let lvtCMCIIndex = 0, lvtTimerIndex = 1, lvtThermalIndex = 2, lvtPerfIndex = 3
    static let lvtLINT0Index = 4, lvtLINT1Index = 5, lvtErrorIndex = 6
    /// Writable bits per LVT: vector, delivery mode, polarity, trigger, mask, timer mode (SDM fig. 11-8).
    static let lvtWritable: [UInt32] = [0x0001_07FF, 0x0007_00FF, 0x0001_07FF, 0x0001_07FF,
                                        0x0001_A7FF, 0x0001_A7FF, 0x0001_00FF]

    // MARK: State
    public private(set) var apicID: UInt32
    // Every property `pendingVector()` depends on (TPR, SVR, ISR, IRR, the LVT, the global
    // enable, the LINT pins, a waiting ExtINT) recomputes the INTR output when it changes: see
    // `updateINTR()`. A new such property must get the same `didSet`.
    public private(set) var tpr: UInt32 = 0 { didSet { updateINTR() } }
    public private(set) var ldr: UInt32 = 0
    public private(set) var dfr: UInt32 = 0xFFFF_FFFF
    public private(set) var svr: UInt32 = 0xFF { didSet { updateINTR() } }
    /// ISR, TMR, IRR: 256-bit sets as 8 words (bit v%32 of word v/32).
    public private(set) var isr = [UInt32](repeating: 0, count: 8) { didSet { updateINTR() } }
    public private(set) var tmr = [UInt32](repeating: 0, count: 8)
    public private(set) var irr = [UInt32](repeating: 0, count: 8) { didSet { updateINTR() } }
    /// ESR as last latched by a write, and the errors seen since.
    public private(set) var esr: UInt32 = 0
    private var esrPending: UInt32 = 0
    public private(set) var icrLow: UInt32 = 0
    public private(set) var icrHigh: UInt32 = 0
    /// CMCI (not implemented: always masked, not addressable), timer, thermal, perf, LINT0, LINT1, error.
    public private(set) var lvt = [UInt32](repeating: LocalAPIC.lvtMasked, count: 7) { didSet { updateINTR() } }
    public private(set) var timerInitialCount: UInt32 = 0
    public private(set) var timerDivide: UInt32 = 0
    /// Virtual ns at which the current count was last (re)loaded: the initial-count write, then
    /// each periodic reload.
    private var timerStart: UInt64 = 0
    /// Counting down (false once a one-shot count reached 0, or with no count loaded).
    public private(set) var timerRunning = false
    public private(set) var tscDeadline: UInt64 = 0
    /// IA32_APIC_BASE bit 11 (global enable) and bit 10 (x2APIC mode).
    public private(set) var hardwareEnabled = true { didSet { updateINTR() } }
    public private(set) var x2APICMode = false
    /// IA32_APIC_BASE bits 51:12: where the xAPIC page is decoded (0xFEE00000 at power-on).
    /// Clearing EN resets the registers but keeps the MSR, so `reset()` keeps this too.
    public private(set) var baseAddress: UInt64 = LocalAPIC.defaultBase
    public static let defaultBase: UInt64 = 0xFEE0_0000
    /// LINT0/LINT1 pin levels.
    public private(set) var lintLevel = [false, false] { didSet { updateINTR() } }
    /// An ExtINT message arrived from the IOAPIC and waits for the 8259's INTA.
    public private(set) var extINTRequested = false { didSet { updateINTR() } }

    /// The INTR output to the core: true whenever `pendingVector()` may return a vector (an
    /// APIC vector above PPR is in IRR, or the 8259 may interrupt through ExtINT; whether the
    /// 8259 itself has a request is its own state, asked at INTA time). The CPU reads this one
    /// byte at every block boundary while RFLAGS.IF = 1 and calls into the APIC only when it is
    /// set, as a core samples its INTR pin. Allocated here, so it lives as long as the APIC.
    private let intrOutput: UnsafeMutablePointer<Bool> = {
        let p = UnsafeMutablePointer<Bool>.allocate(capacity: 1)
        p.initialize(to: false)
        return p
    }()
    /// The INTR output for the CPU (X86 `InterruptSource.interruptRequestLine`); valid while this
    /// APIC exists.
    public var interruptRequestLine: UnsafePointer<Bool>? { UnsafePointer(intrOutput) }

    // MARK: Wiring
    public let queue: EventQueue
    private var timerEvent: EventQueue.Timer! = nil
    /// Virtual ns per APIC timer input tick before the divider (1 = a 1 GHz bus clock, as QEMU).
    public let busTickNanoseconds: UInt64
    /// TSC frequency used to turn TSC-deadline values into virtual time.
    public let tscHz: UInt64
    public var onNMI: (() -> Void)?
    public var onEOI: ((UInt8) -> Void)?
    public var externalPending: (() -> UInt8?)?
    public var externalAcknowledge: (() -> Void)?

    public init(queue: EventQueue, apicID: UInt32 = 0, busTickNanoseconds: UInt64 = 1,
                tscHz: UInt64 = 1_000_000_000) {
        self.queue = queue
        self.apicID = apicID
        self.busTickNanoseconds = max(1, busTickNanoseconds)
        self.tscHz = max(1, tscHz)
        // `unowned`, not `weak`: a weak reference gives the object a side table, and then every
        // retain/release of the APIC takes the runtime's slow path; the CPU asks the APIC for a
        // vector at each block boundary while IF = 1, which made that ~20% of a Linux boot
        // (perf). Safe: deinit cancels the timer, so the closure never runs after the APIC is gone.
        timerEvent = queue.makeTimer(name: "lapic\(apicID).timer") { [unowned self] d in self.timerFired(at: d) }
        reset()
    }

    deinit {
        queue.cancel(timerEvent)
        intrOutput.deinitialize(count: 1)
        intrOutput.deallocate()
    }

    /// Power-on / INIT state (SDM 11.4.7.1), with LINT0 in unmasked ExtINT mode as a PC's firmware
    /// (and QEMU's reset of the bootstrap processor) leaves it, so 8259 interrupts reach the CPU.
    public func reset() {
        tpr = 0; ldr = 0; dfr = 0xFFFF_FFFF; svr = 0xFF
        for i in 0..<8 { isr[i] = 0; tmr[i] = 0; irr[i] = 0 }
        esr = 0; esrPending = 0; icrLow = 0; icrHigh = 0
        for i in 0..<7 { lvt[i] = Self.lvtMasked }
        lvt[Self.lvtLINT0Index] = UInt32(APICDeliveryMode.extINT.rawValue) << 8
        timerInitialCount = 0; timerDivide = 0; timerStart = 0; tscDeadline = 0; timerRunning = false
        extINTRequested = false
        queue.cancel(timerEvent)
    }

    public var softwareEnabled: Bool { svr & Self.svrEnable != 0 }
    public var spuriousVector: UInt8 { UInt8(truncatingIfNeeded: svr) }

    // MARK: 256-bit sets
    @inline(__always) static func test(_ s: [UInt32], _ v: UInt8) -> Bool { s[Int(v >> 5)] & (1 << UInt32(v & 31)) != 0 }
    @inline(__always) static func set(_ s: inout [UInt32], _ v: UInt8) { s[Int(v >> 5)] |= 1 << UInt32(v & 31) }
    @inline(__always) static func clear(_ s: inout [UInt32], _ v: UInt8) { s[Int(v >> 5)] &= ~(1 << UInt32(v & 31)) }
    static func highest(_ s: [UInt32]) -> UInt8? {
        for w in stride(from: 7, through: 0, by: -1) where s[w] != 0 {
            return UInt8(w * 32 + 31 - s[w].leadingZeroBitCount)
        }
        return nil
    }

    // MARK: Priorities (SDM 11.8.3.1)

    /// PPR: TPR if TPR[7:4] >= ISRV[7:4], else ISRV[7:4] << 4.
    public var processorPriority: UInt32 {
        let isrv = UInt32(Self.highest(isr) ?? 0)
        return (tpr & 0xF0) >= (isrv & 0xF0) ? tpr & 0xFF : isrv & 0xF0
    }

    /// APR (SDM 11.6.2.2 / 10.8.3.1 of older editions): TPR if TPR[7:4] >= IRRV[7:4] and
    /// TPR[7:4] > ISRV[7:4], else the largest of the three classes.
    public var arbitrationPriority: UInt32 {
        let isrv = UInt32(Self.highest(isr) ?? 0), irrv = UInt32(Self.highest(irr) ?? 0)
        if (tpr & 0xF0) >= (irrv & 0xF0) && (tpr & 0xF0) > (isrv & 0xF0) { return tpr & 0xFF }
        return max(tpr & 0xF0, isrv & 0xF0, irrv & 0xF0)
    }

    /// Task priority as CR8 sees it (TPR[7:4]); MOV to CR8 sets TPR = value << 4 (SDM 10.8.6.1).
    public var cr8: UInt64 {
        get { UInt64(tpr >> 4) & 0xF }
        set { tpr = UInt32(newValue & 0xF) << 4 }
    }

    // MARK: Interrupt acceptance

    /// Accepts a fixed interrupt into IRR (TMR records the trigger mode). Vectors 0-15 are illegal:
    /// the error "receive illegal vector" is signalled instead.
    public func accept(vector: UInt8, levelTriggered: Bool) {
        guard hardwareEnabled else { return }
        if vector < 16 {
            signalError(Self.esrReceiveIllegalVector)
            return
        }
        Self.set(&irr, vector)
        if levelTriggered { Self.set(&tmr, vector) } else { Self.clear(&tmr, vector) }
    }

    /// An APIC-bus message (IOAPIC redirection, MSI). Messages not addressed to this APIC are dropped.
    public func receive(_ m: APICMessage) {
        guard hardwareEnabled, matches(destination: m.destination, logical: m.logicalDestination) else { return }
        deliver(mode: m.deliveryMode, vector: m.vector, levelTriggered: m.levelTriggered)
    }

    private func deliver(mode: APICDeliveryMode, vector: UInt8, levelTriggered: Bool) {
        switch mode {
        case .fixed, .lowestPriority: accept(vector: vector, levelTriggered: levelTriggered)
        case .nmi: onNMI?()
        case .extINT: extINTRequested = true
        case .smi, .initialize, .startup, .reserved3: break   // no SMM; INIT/SIPI need a second vCPU
        }
    }

    /// Destination matching (SDM 11.6.2): physical ID or broadcast; logical flat or cluster model.
    public func matches(destination: UInt32, logical: Bool) -> Bool {
        if x2APICMode {
            if destination == 0xFFFF_FFFF { return true }
            if !logical { return destination == apicID }
            return (destination >> 16) == (x2LDR >> 16) && (destination & 0xFFFF) & (x2LDR & 0xFFFF) != 0
        }
        let d = destination & 0xFF
        if d == 0xFF { return true }
        if !logical { return d == (apicID & 0xFF) }
        let logicalID = ldr >> 24
        if dfr >> 28 == 0xF { return d & logicalID != 0 }                       // flat model
        return (d >> 4) == (logicalID >> 4) && (d & logicalID & 0xF) != 0       // cluster model
    }

    /// The x2APIC logical ID, derived from the APIC ID (SDM 11.12.10.2): cluster << 16 | 1 << (id & 15).
    var x2LDR: UInt32 { (apicID >> 4) << 16 | 1 << (apicID & 0xF) }

    /// Drives LINT0 (index 0) or LINT1 (1). Fixed and NMI modes act on the rising edge for edge-
    /// triggered entries; ExtINT is level-sensitive (the 8259's INTR is looked at by `pendingVector`).
    public func setLINT(_ index: Int, level: Bool) {
        guard index == 0 || index == 1 else { return }
        let old = lintLevel[index]
        lintLevel[index] = level
        let entry = lvt[Self.lvtLINT0Index + index]
        guard hardwareEnabled, entry & Self.lvtMasked == 0 else { return }
        let mode = APICDeliveryMode(rawValue: UInt8((entry >> 8) & 7)) ?? .fixed
        let levelTriggered = index == 0 && entry & (1 << 15) != 0      // LINT1 is always edge
        switch mode {
        case .fixed where levelTriggered:
            if level { accept(vector: UInt8(truncatingIfNeeded: entry), levelTriggered: true) }
        case .fixed, .nmi:
            if level && !old { deliver(mode: mode, vector: UInt8(truncatingIfNeeded: entry), levelTriggered: false) }
        default:
            break
        }
    }

    /// Whether the 8259 may interrupt through LINT0 now: the APIC is globally disabled (the INTR
    /// pin then goes straight to the core) or LINT0 is an unmasked ExtINT entry (as on QEMU, the
    /// software-enable bit does not gate it), or the IOAPIC sent an ExtINT message.
    private var externalAllowed: Bool {
        if extINTRequested { return true }
        guard lintLevel[0] else { return false }
        if !hardwareEnabled { return true }
        let e = lvt[Self.lvtLINT0Index]
        return e & Self.lvtMasked == 0 && (e >> 8) & 7 == UInt32(APICDeliveryMode.extINT.rawValue)
    }

    /// The APIC's own deliverable vector: highest IRR whose class is above PPR (SDM 11.8.3).
    private var apicVector: UInt8? {
        guard hardwareEnabled, softwareEnabled, let v = Self.highest(irr) else { return nil }
        return UInt32(v & 0xF0) > (processorPriority & 0xF0) ? v : nil
    }

    /// Recomputes the INTR output from the state `pendingVector()` reads (the one function that
    /// writes it; called by the `didSet` of each such property, so no path that changes the
    /// answer can forget it). Invariant: `pendingVector() != nil` implies the line is set.
    private func updateINTR() {
        intrOutput.pointee = apicVector != nil || externalAllowed
    }

    /// The vector the CPU would get on an INTA cycle now, or nil. APIC vectors first, then the
    /// 8259 through ExtINT (as QEMU orders them).
    public func pendingVector() -> UInt8? {
        if let v = apicVector { return v }
        if externalAllowed, let v = externalPending?() { return v }
        return nil
    }

    /// The CPU took `vector`: IRR -> ISR for an APIC vector, or the 8259's INTA for ExtINT.
    public func acknowledge(_ vector: UInt8) {
        if let v = apicVector, v == vector {
            Self.clear(&irr, v)
            Self.set(&isr, v)
            return
        }
        if externalAllowed {
            extINTRequested = false
            externalAcknowledge?()
        }
    }

    /// EOI: clears the highest ISR bit; a level-triggered vector (TMR set) is broadcast to the
    /// IOAPIC so it clears Remote IRR (SDM 11.8.5). The TMR bit itself stays: it only changes
    /// when the vector is accepted again (SDM 11.8.4; kvm-unit-tests' ioapic reads it after EOI).
    public func endOfInterrupt() {
        guard let v = Self.highest(isr) else { return }
        Self.clear(&isr, v)
        if Self.test(tmr, v) { onEOI?(v) }
    }

    private func signalError(_ bit: UInt32) {
        esrPending |= bit
        let e = lvt[Self.lvtErrorIndex]
        guard e & Self.lvtMasked == 0 else { return }
        let v = UInt8(truncatingIfNeeded: e)
        if v < 16 { esrPending |= Self.esrReceiveIllegalVector; return }   // no recursion
        accept(vector: v, levelTriggered: false)
    }

    // MARK: ICR (SDM 11.6.1); one vCPU, so only the self-directed part of an IPI does anything

    private func sendIPI() {
        let vector = UInt8(truncatingIfNeeded: icrLow)
        let mode = APICDeliveryMode(rawValue: UInt8((icrLow >> 8) & 7)) ?? .fixed
        let logical = icrLow & (1 << 11) != 0
        let shorthand = (icrLow >> 18) & 3
        let toSelf: Bool
        switch shorthand {
        case 1, 2: toSelf = true                          // self; all including self
        case 3: toSelf = false                            // all excluding self
        default:
            let dest = x2APICMode ? icrHigh : icrHigh >> 24
            toSelf = matches(destination: dest, logical: logical)
        }
        if (mode == .fixed || mode == .lowestPriority) && vector < 16 {
            signalError(Self.esrSendIllegalVector)
            return
        }
        // INIT level de-assert (mode 5, level bit 14 clear) is a no-op on modern processors.
        if toSelf { deliver(mode: mode, vector: vector, levelTriggered: false) }
    }

    // MARK: Timer (SDM 11.5.4)

    public enum TimerMode: UInt32 { case oneShot = 0, periodic = 1, tscDeadline = 2, reserved = 3 }
    public var timerMode: TimerMode { TimerMode(rawValue: (lvt[Self.lvtTimerIndex] >> 17) & 3) ?? .oneShot }

    /// Divide configuration bits 0, 1, 3 -> divide by 2, 4, 8, 16, 32, 64, 128, 1 (SDM fig. 11-10).
    public var timerDivisorShift: UInt64 {
        let v = (timerDivide & 3) | ((timerDivide >> 1) & 4)
        return UInt64((v + 1) & 7)
    }

    private var tickNanoseconds: UInt64 { busTickNanoseconds << timerDivisorShift }

    /// Current count register: counts down from the initial count at the divided bus rate; periodic
    /// mode reloads, one-shot stays at 0; TSC-deadline mode reads 0. Switching between one-shot
    /// and periodic keeps the count going (a one-shot count that reached 0 stays 0).
    public var timerCurrentCount: UInt32 {
        guard timerRunning, timerInitialCount != 0, timerMode != .tscDeadline else { return 0 }
        let now = queue.clock.now
        let ticks = now >= timerStart ? (now - timerStart) / tickNanoseconds : 0
        let initial = UInt64(timerInitialCount)
        return ticks >= initial ? 0 : UInt32(initial - ticks)
    }

    private func startTimer() {
        queue.cancel(timerEvent)
        timerStart = queue.clock.now
        timerRunning = timerInitialCount != 0
        guard timerRunning else { return }
        queue.schedule(timerEvent, at: timerStart &+ UInt64(timerInitialCount) * tickNanoseconds)
    }

    private func timerFired(at deadline: UInt64) {
        let entry = lvt[Self.lvtTimerIndex]
        switch timerMode {
        case .periodic:
            // Reload: the next period starts at this deadline (exact, even if run late).
            timerStart = deadline
            let period = UInt64(timerInitialCount) * tickNanoseconds
            if period > 0 { queue.schedule(timerEvent, at: deadline &+ period) } else { timerRunning = false }
        case .tscDeadline:
            tscDeadline = 0
        default:
            timerRunning = false
        }
        // A masked timer still counts; it just does not interrupt.
        if entry & Self.lvtMasked == 0 {
            accept(vector: UInt8(truncatingIfNeeded: entry), levelTriggered: false)
        }
    }

    /// IA32_TSC_DEADLINE (MSR 0x6E0) read: 0 unless armed in TSC-deadline mode.
    public func readTSCDeadline() -> UInt64 { timerMode == .tscDeadline ? tscDeadline : 0 }

    /// IA32_TSC_DEADLINE write, with the TSC value at the WRMSR. Arms the timer to fire when the
    /// TSC reaches `value` (at once if it has passed); 0 disarms. Ignored outside TSC-deadline mode.
    public func writeTSCDeadline(_ value: UInt64, currentTSC: UInt64) {
        guard timerMode == .tscDeadline else { return }
        tscDeadline = value
        queue.cancel(timerEvent)
        guard value != 0 else { return }
        let deltaTicks = value > currentTSC ? value - currentTSC : 0
        // ns = ceil(ticks * 1e9 / tscHz), overflow-free; a deadline beyond 2^64 ns never fires.
        let p = deltaTicks.multipliedFullWidth(by: 1_000_000_000)
        guard p.high < tscHz else { return }
        let q = tscHz.dividingFullWidth(p)
        let ns = q.quotient &+ (q.remainder != 0 ? 1 : 0)
        let (t, o) = queue.clock.now.addingReportingOverflow(ns)
        if !o { queue.schedule(timerEvent, at: t) }
    }

    // MARK: Register file (shared by MMIO and MSR access)

    /// Reads the 32-bit register at xAPIC offset `offset` (16-byte aligned); nil = no such register.
    public func readRegister(_ offset: Int) -> UInt32? {
        switch offset {
        case Reg.id: return x2APICMode ? apicID : apicID << 24
        case Reg.version: return Self.versionValue
        case Reg.tpr: return tpr
        case Reg.apr: return x2APICMode ? nil : arbitrationPriority
        case Reg.ppr: return processorPriority
        case Reg.eoi: return x2APICMode ? nil : 0
        case Reg.rrd: return x2APICMode ? nil : 0
        case Reg.ldr: return x2APICMode ? x2LDR : ldr
        case Reg.dfr: return x2APICMode ? nil : dfr
        case Reg.svr: return svr
        case Reg.isr..<Reg.isr + 0x80: return isr[(offset - Reg.isr) >> 4]
        case Reg.tmr..<Reg.tmr + 0x80: return tmr[(offset - Reg.tmr) >> 4]
        case Reg.irr..<Reg.irr + 0x80: return irr[(offset - Reg.irr) >> 4]
        case Reg.esr: return esr
        case Reg.icrLow: return icrLow
        case Reg.icrHigh: return x2APICMode ? nil : icrHigh
        case Reg.lvtTimer...Reg.lvtError: return lvt[Self.lvtTimerIndex + (offset - Reg.lvtTimer) >> 4]
        case Reg.timerInitial: return timerInitialCount
        case Reg.timerCurrent: return timerCurrentCount
        case Reg.timerDivide: return timerDivide
        default: return nil
        }
    }

    /// Writes the register at xAPIC offset `offset`. Returns false for a read-only or absent
    /// register (x2APIC: #GP; xAPIC: ignored, with "illegal register address" in ESR).
    @discardableResult
    public func writeRegister(_ offset: Int, _ value: UInt32) -> Bool {
        switch offset {
        case Reg.id:
            guard !x2APICMode else { return false }
            apicID = value >> 24
        case Reg.tpr:
            tpr = value & 0xFF
        case Reg.eoi:
            if x2APICMode && value != 0 { return false }
            endOfInterrupt()
        case Reg.ldr:
            guard !x2APICMode else { return false }
            ldr = value & 0xFF00_0000
        case Reg.dfr:
            guard !x2APICMode else { return false }
            dfr = value | 0x0FFF_FFFF
        case Reg.svr:
            svr = value & 0x1FF            // vector, software enable (focus checking/EOI suppression: absent)
            if !softwareEnabled { for i in 0..<7 { lvt[i] |= Self.lvtMasked } }
        case Reg.esr:
            if x2APICMode && value != 0 { return false }
            esr = esrPending     // a write latches the errors seen since the last write
            esrPending = 0
        case Reg.icrLow:
            icrLow = value & 0x000C_CFFF
            sendIPI()
        case Reg.icrHigh:
            guard !x2APICMode else { return false }
            icrHigh = value & 0xFF00_0000
        case Reg.lvtTimer...Reg.lvtError:
            let i = Self.lvtTimerIndex + (offset - Reg.lvtTimer) >> 4
            var v = value & Self.lvtWritable[i]
            if !softwareEnabled { v |= Self.lvtMasked }            // SDM 11.4.7.2
            if i == Self.lvtTimerIndex {
                let oldMode = timerMode
                lvt[i] = v
                // Changing into or out of TSC-deadline mode disarms the timer (SDM 11.5.4.1).
                if (oldMode == .tscDeadline) != (timerMode == .tscDeadline) {
                    queue.cancel(timerEvent)
                    timerInitialCount = 0
                    timerRunning = false
                    tscDeadline = 0
                }
            } else {
                lvt[i] = v
            }
        case Reg.timerInitial:
            guard timerMode != .tscDeadline else { return true }   // ignored in TSC-deadline mode
            timerInitialCount = value
            startTimer()
        case Reg.timerDivide:
            // Keep the current count running at the new rate: re-anchor the start time.
            let current = UInt64(timerCurrentCount)
            timerDivide = value & 0xB
            if timerRunning, timerInitialCount != 0, timerMode != .tscDeadline, current != 0 {
                let elapsed = (UInt64(timerInitialCount) - current) * tickNanoseconds
                let now = queue.clock.now
                timerStart = now >= elapsed ? now - elapsed : 0
                queue.schedule(timerEvent, at: now &+ current * tickNanoseconds)
            }
        case Reg.selfIPI:
            guard x2APICMode else { return false }
            accept(vector: UInt8(truncatingIfNeeded: value), levelTriggered: false)
        default:
            return false
        }
        return true
    }

    // MARK: xAPIC MMIO (the 4 KiB page; registers are 32 bits wide, 16-byte aligned)

    /// The page's address for the MMIO bus: the CPU's accesses to [base, base + 4 KiB) reach the
    /// APIC, before any other device there (SDM 11.4.1: the APIC page takes priority). Not
    /// decoded while globally disabled or in x2APIC mode (SDM 11.12.1: in x2APIC mode the MMIO
    /// interface is gone; the addresses reach the rest of the system).
    public var windowBase: UInt64? { hardwareEnabled && !x2APICMode ? baseAddress : nil }

    /// With the APIC globally disabled or in x2APIC mode the page is not decoded: all ones
    /// (kvm-unit-tests' apic_disable checks this).
    public func read(offset: UInt64, size: Int) -> UInt64 {
        guard hardwareEnabled, !x2APICMode else { return size >= 8 ? ~0 : (1 << UInt64(size * 8)) - 1 }
        let reg = Int(offset & 0xFF0), within = Int(offset & 0xF)
        guard within < 4, offset < 0x1000 else { return 0 }
        guard let v = readRegister(reg) else {
            signalError(Self.esrIllegalRegister)
            return 0
        }
        let shifted = UInt64(v) >> UInt64(within * 8)
        return size >= 4 ? shifted : shifted & ((1 << UInt64(size * 8)) - 1)
    }

    /// Only aligned 32-bit (or wider: low dword) writes reach a register; narrower writes are
    /// dropped (the SDM requires 32-bit accesses; results of others are undefined).
    public func write(offset: UInt64, size: Int, value: UInt64) {
        guard hardwareEnabled, !x2APICMode, size >= 4, offset & 0xF == 0, offset < 0x1000 else { return }
        if !writeRegister(Int(offset), UInt32(truncatingIfNeeded: value)) {
            if readRegister(Int(offset)) == nil { signalError(Self.esrIllegalRegister) }
        }
    }

    // MARK: x2APIC MSRs and IA32_APIC_BASE

    /// RDMSR of 0x800-0x8FF (called by Emulator/X86/MSRs.swift): the value, or nil for #GP (not in
    /// x2APIC mode, or no readable register at that index).
    public func readMSR(_ index: UInt32) -> UInt64? {
        guard x2APICMode, index >= 0x800, index <= 0x8FF else { return nil }
        let offset = Int(index - 0x800) << 4
        if offset == Reg.icrLow { return UInt64(icrHigh) << 32 | UInt64(icrLow) }
        if offset == Reg.selfIPI || offset == Reg.eoi { return nil }     // write-only
        return readRegister(offset).map { UInt64($0) }
    }

    /// WRMSR of 0x800-0x8FF: false means #GP (not in x2APIC mode, read-only or absent register,
    /// reserved bits in the upper half).
    public func writeMSR(_ index: UInt32, _ value: UInt64) -> Bool {
        guard x2APICMode, index >= 0x800, index <= 0x8FF else { return false }
        let offset = Int(index - 0x800) << 4
        if offset == Reg.icrLow {
            icrHigh = UInt32(truncatingIfNeeded: value >> 32)
            icrLow = UInt32(truncatingIfNeeded: value) & 0x000C_CFFF
            sendIPI()
            return true
        }
        guard value >> 32 == 0 else { return false }
        switch offset {
        case Reg.version, Reg.ppr, Reg.ldr, Reg.timerCurrent, Reg.isr..<Reg.irr + 0x80: return false
        // SELF IPI: bits 31:8 are reserved, and in x2APIC mode a WRMSR that sets reserved bits
        // #GPs (SDM 11.12.1.2, "x2APIC Register Address Space"; kvm-unit-tests msr checks it).
        case Reg.selfIPI where value & 0xFFFF_FF00 != 0: return false
        default: return writeRegister(offset, UInt32(truncatingIfNeeded: value))
        }
    }

    /// Called after a write to IA32_APIC_BASE: bit 11 global enable, bit 10 x2APIC mode, bits
    /// 51:12 the page's base (SDM 11.4.4; the CPU has checked reserved bits above MAXPHYADDR).
    /// Clearing the global enable resets the APIC to its power-on state (SDM 11.4.3).
    public func apicBaseWritten(_ value: UInt64) {
        baseAddress = value & 0x000F_FFFF_FFFF_F000
        let enable = value & (1 << 11) != 0
        if hardwareEnabled && !enable { reset() }
        hardwareEnabled = enable
        x2APICMode = enable && value & (1 << 10) != 0
    }

    // MARK: Snapshottable (the timer's deadline is saved by the EventQueue)

    public func save(to w: StateWriter) {
        w.section("LAPC", version: 2) {
            w.u32(apicID); w.u32(tpr); w.u32(ldr); w.u32(dfr); w.u32(svr)
            for a in [isr, tmr, irr, lvt] { for v in a { w.u32(v) } }
            w.u32(esr); w.u32(esrPending); w.u32(icrLow); w.u32(icrHigh)
            w.u32(timerInitialCount); w.u32(timerDivide); w.u64(timerStart); w.u64(tscDeadline)
            w.bool(hardwareEnabled); w.bool(x2APICMode)
            w.bool(lintLevel[0]); w.bool(lintLevel[1]); w.bool(extINTRequested); w.bool(timerRunning)
            w.u64(baseAddress)                                       // version 2
        }
    }

    public func restore(from r: StateReader) throws(SnapshotError) {
        try r.section("LAPC", maxVersion: 2) { version throws(SnapshotError) in
            apicID = try r.u32(); tpr = try r.u32(); ldr = try r.u32(); dfr = try r.u32(); svr = try r.u32()
            for i in 0..<8 { isr[i] = try r.u32() }
            for i in 0..<8 { tmr[i] = try r.u32() }
            for i in 0..<8 { irr[i] = try r.u32() }
            for i in 0..<7 { lvt[i] = try r.u32() }
            esr = try r.u32(); esrPending = try r.u32(); icrLow = try r.u32(); icrHigh = try r.u32()
            timerInitialCount = try r.u32(); timerDivide = try r.u32()
            timerStart = try r.u64(); tscDeadline = try r.u64()
            hardwareEnabled = try r.bool(); x2APICMode = try r.bool()
            lintLevel[0] = try r.bool(); lintLevel[1] = try r.bool(); extINTRequested = try r.bool()
            timerRunning = try r.bool()
            baseAddress = Self.defaultBase
            if version >= 2 { baseAddress = try r.u64() & 0x000F_FFFF_FFFF_F000 }
        }
    }
}
