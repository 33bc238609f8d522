// Layer: Devices/Timers. The High Precision Event Timer (IA-PC HPET Specification 1.0a): a 64-bit
// up-counter at 100 MHz of virtual time (period 10 ns = 10,000,000 fs, as QEMU's), three
// comparators (one-shot or periodic, 64- or 32-bit, edge or level interrupts), legacy replacement
// routing (timer 0 -> IRQ0, timer 1 -> IRQ8). The board maps the 1 KiB register block at
// 0xFED00000 and names it in the ACPI HPET table.
//
// Interrupt wiring: `gsiLines[n]` is I/O APIC input n (Tn_INT_ROUTE_CNF selects n); in legacy
// replacement mode timer 0 drives `legacyLines.irq0` and timer 1 `legacyLines.irq8` (the board's
// ISA IRQ 0 and 8 wires; it also stops routing the PIT to IRQ0 when `legacyReplacement` is set).

import EmulatorCore

public final class HPET: BusDevice, Snapshottable {
    public static let timerCount = 3
    /// Main counter tick in femtoseconds (spec §2.3.4: at most 100 ns).
    public static let periodFemtoseconds: UInt64 = 10_000_000
    static let tickNanoseconds: UInt64 = periodFemtoseconds / 1_000_000
    /// Tn_INT_ROUTE_CAP: I/O APIC inputs a timer may be routed to: 2, 8 and 16-23, the value QEMU's
    /// q35/pc HPET reports (measured: 0x00FF0104).
    public static let routeCapability: UInt64 = 0x00FF_0104

    // General configuration (offset 0x10) bits.
    public static let enableCnf: UInt64 = 1 << 0
    public static let legacyRouteCnf: UInt64 = 1 << 1
    // Timer N configuration (offset 0x100 + 0x20 N) bits (spec table 8).
    public static let tnLevel: UInt64 = 1 << 1
    public static let tnIntEnable: UInt64 = 1 << 2
    public static let tnPeriodic: UInt64 = 1 << 3
    public static let tnPeriodicCap: UInt64 = 1 << 4
    public static let tnSize64Cap: UInt64 = 1 << 5
    public static let tnValSet: UInt64 = 1 << 6
    public static let tn32Bit: UInt64 = 1 << 8
    public static let tnRouteShift: UInt64 = 9
    static let tnWritable: UInt64 = tnLevel | tnIntEnable | tnPeriodic | tnValSet | tn32Bit | 0x1F << 9

    /// General capabilities (offset 0): rev 1, 3 timers (NUM_TIM_CAP = 2), 64-bit counter,
    /// legacy replacement capable, vendor 0x8086, period in fs.
    public static let capabilities: UInt64 = periodFemtoseconds << 32 | 0x8086 << 16 | 1 << 15 | 1 << 13
        | UInt64(timerCount - 1) << 8 | 0x01

    public private(set) var config: UInt64 = 0
    public private(set) var interruptStatus: UInt64 = 0
    /// Main counter value when it was last stopped or written; while enabled, the counter is
    /// counterBase + (now - enabledAt) / 10 ns.
    private var counterBase: UInt64 = 0
    private var enabledAt: UInt64 = 0
    public private(set) var timerConfig = [UInt64](repeating: 0, count: HPET.timerCount)
    public private(set) var comparator = [UInt64](repeating: 0, count: HPET.timerCount)
    public private(set) var period = [UInt64](repeating: 0, count: HPET.timerCount)

    public let queue: EventQueue
    private var events: [EventQueue.Timer] = []
    public let gsiLines: [InterruptLine]
    public let legacyLines: (irq0: InterruptLine, irq8: InterruptLine)

    public init(queue: EventQueue, gsiLines: [InterruptLine], legacyLines: (irq0: InterruptLine, irq8: InterruptLine)) {
        self.queue = queue
        self.gsiLines = gsiLines
        self.legacyLines = legacyLines
        for n in 0..<Self.timerCount {
            events.append(queue.makeTimer(name: "hpet.timer\(n)") { [weak self] d in self?.fired(n, at: d) })
        }
        reset()
    }

    public func reset() {
        config = 0; interruptStatus = 0; counterBase = 0; enabledAt = 0
        for n in 0..<Self.timerCount {
            timerConfig[n] = Self.tnPeriodicCap | Self.tnSize64Cap | Self.routeCapability << 32
            comparator[n] = ~0
            period[n] = 0
            queue.cancel(events[n])
        }
    }

    public var enabled: Bool { config & Self.enableCnf != 0 }
    public var legacyReplacement: Bool { config & Self.legacyRouteCnf != 0 }

    /// The main counter now.
    public var mainCounter: UInt64 {
        guard enabled else { return counterBase }
        return counterBase &+ (queue.clock.now &- enabledAt) / Self.tickNanoseconds
    }

    /// Virtual time at which the main counter reaches `value` (enabled counter only).
    private func time(ofCounter value: UInt64) -> UInt64 {
        let ticks = value &- counterBase
        let (ns, o) = ticks.multipliedReportingOverflow(by: Self.tickNanoseconds)
        let (t, o2) = enabledAt.addingReportingOverflow(ns)
        return o || o2 ? UInt64.max : t
    }

    // MARK: Comparators

    private func is32Bit(_ n: Int) -> Bool { timerConfig[n] & Self.tn32Bit != 0 }

    private func mask(_ n: Int) -> UInt64 { is32Bit(n) ? 0xFFFF_FFFF : ~0 }

    /// Arms timer n for the first counter value after `counter` (default: now) whose low 32 or 64
    /// bits equal the comparator. A comparator already passed is reached again only after the
    /// counter wraps (spec §2.3.9.2.1); equal now fires at once.
    private func arm(_ n: Int, from counter: UInt64? = nil) {
        queue.cancel(events[n])
        guard enabled else { return }
        let now = counter ?? mainCounter
        let delta = (comparator[n] &- now) & mask(n)
        let (target, overflow) = now.addingReportingOverflow(delta)
        if overflow { return }                          // beyond 2^64 ticks: never
        queue.schedule(events[n], at: time(ofCounter: target))
    }

    private func fired(_ n: Int, at deadline: UInt64) {
        guard enabled else { return }
        // The counter value at the match (the deadline is exact even if the event runs late).
        let counter = counterBase &+ (deadline &- enabledAt) / Self.tickNanoseconds
        if timerConfig[n] & Self.tnPeriodic != 0 && period[n] != 0 {
            // Periodic: the comparator advances by the period (spec §2.3.9.2.2).
            comparator[n] = (comparator[n] &+ period[n]) & mask(n)
            arm(n, from: counter &+ 1)
        } else if is32Bit(n) {
            // One-shot 32-bit: the low 32 bits match again after a wrap.
            arm(n, from: counter &+ 1)
        }
        raise(n)
    }

    private func line(_ n: Int) -> InterruptLine? {
        if legacyReplacement && n == 0 { return legacyLines.irq0 }
        if legacyReplacement && n == 1 { return legacyLines.irq8 }
        let route = Int((timerConfig[n] >> Self.tnRouteShift) & 0x1F)
        return route < gsiLines.count ? gsiLines[route] : nil
    }

    /// Timer n's comparator matched: edge mode pulses its line; level mode sets its status bit
    /// and holds the line until software clears the bit (spec §2.3.6, 2.4.3).
    private func raise(_ n: Int) {
        let c = timerConfig[n]
        guard c & Self.tnIntEnable != 0 else {
            if c & Self.tnLevel != 0 { interruptStatus |= 1 << UInt64(n) }
            return
        }
        if c & Self.tnLevel != 0 {
            interruptStatus |= 1 << UInt64(n)
            line(n)?.raise()
        } else {
            line(n)?.pulse()
        }
    }

    // MARK: Registers (64-bit; 32-bit halves at +0 and +4)

    public func readRegister(_ offset: UInt64) -> UInt64 {
        switch offset {
        case 0x000: return Self.capabilities
        case 0x010: return config
        case 0x020: return interruptStatus
        case 0x0F0: return mainCounter
        case 0x100..<0x100 + 0x20 * UInt64(Self.timerCount):
            let n = Int((offset - 0x100) / 0x20)
            switch (offset - 0x100) % 0x20 {
            case 0x00: return timerConfig[n]
            case 0x08: return is32Bit(n) ? comparator[n] & 0xFFFF_FFFF : comparator[n]
            default: return 0                                   // FSB route: not supported
            }
        default: return 0
        }
    }

    public func writeRegister(_ offset: UInt64, _ value: UInt64, mask: UInt64) {
        let merge = { (old: UInt64) in (old & ~mask) | (value & mask) }
        switch offset {
        case 0x010:
            let wasEnabled = enabled, wasLegacy = legacyReplacement
            let now = queue.clock.now
            if wasEnabled { counterBase = mainCounter }
            config = merge(config) & (Self.enableCnf | Self.legacyRouteCnf)
            if enabled { enabledAt = now }
            if wasLegacy != legacyReplacement {
                // Lines stop being driven by the timers that moved off them.
                legacyLines.irq0.lower(); legacyLines.irq8.lower()
            }
            if wasEnabled != enabled || wasLegacy != legacyReplacement {
                for n in 0..<Self.timerCount { arm(n) }
            }
        case 0x020:
            // Write 1 to clear; a level-triggered timer's line drops with its status bit.
            let clear = value & mask & ((1 << UInt64(Self.timerCount)) - 1)
            for n in 0..<Self.timerCount where clear & (1 << UInt64(n)) != 0 && interruptStatus & (1 << UInt64(n)) != 0 {
                interruptStatus &= ~(1 << UInt64(n))
                if timerConfig[n] & Self.tnLevel != 0 { line(n)?.lower() }
            }
        case 0x0F0:
            guard !enabled else { return }                  // written only while halted (spec §2.3.5)
            counterBase = merge(counterBase)
        case 0x100..<0x100 + 0x20 * UInt64(Self.timerCount):
            let n = Int((offset - 0x100) / 0x20)
            switch (offset - 0x100) % 0x20 {
            case 0x00:
                let old = timerConfig[n]
                let w = Self.tnWritable & mask
                timerConfig[n] = (old & ~w) | (value & w)
                if old & Self.tnLevel != 0 && (timerConfig[n] & Self.tnLevel == 0 || timerConfig[n] & Self.tnIntEnable == 0) {
                    line(n)?.lower()
                }
                if is32Bit(n) { comparator[n] &= 0xFFFF_FFFF; period[n] &= 0xFFFF_FFFF }
                arm(n)
            case 0x08:
                var v = merge(comparator[n])
                if is32Bit(n) { v &= 0xFFFF_FFFF }
                // Periodic: the write sets the period; with Tn_VAL_SET_CNF also the comparator
                // (spec §2.3.9.2.2). One-shot: the comparator.
                let periodic = timerConfig[n] & Self.tnPeriodic != 0
                if !periodic || timerConfig[n] & Self.tnValSet != 0 { comparator[n] = v }
                period[n] = merge(period[n]) & (is32Bit(n) ? 0xFFFF_FFFF : ~0)
                timerConfig[n] &= ~Self.tnValSet
                arm(n)
            default:
                break
            }
        default:
            break
        }
    }

    public func read(offset: UInt64, size: Int) -> UInt64 {
        let v = readRegister(offset & ~7) >> ((offset & 4) * 8)
        return size >= 8 ? v : v & ((1 << UInt64(size * 8)) - 1)
    }

    /// 32-bit writes change one half of a 64-bit register; 64-bit writes the whole.
    public func write(offset: UInt64, size: Int, value: UInt64) {
        let shift = (offset & 4) * 8
        let mask: UInt64 = size >= 8 ? ~0 : ((1 << UInt64(size * 8)) - 1) << shift
        writeRegister(offset & ~7, value << shift, mask: mask)
    }

    // MARK: Snapshottable (deadlines are saved by the EventQueue)

    public func save(to w: StateWriter) {
        w.section("HPET", version: 1) {
            w.u64(config); w.u64(interruptStatus); w.u64(counterBase); w.u64(enabledAt)
            for n in 0..<Self.timerCount { w.u64(timerConfig[n]); w.u64(comparator[n]); w.u64(period[n]) }
            w.bool(legacyLines.irq0.level); w.bool(legacyLines.irq8.level)
            w.u32(UInt32(gsiLines.count))
            for l in gsiLines { w.bool(l.level) }
        }
    }

    public func restore(from r: StateReader) throws(SnapshotError) {
        try r.section("HPET", maxVersion: 1) { _ throws(SnapshotError) in
            config = try r.u64(); interruptStatus = try r.u64(); counterBase = try r.u64(); enabledAt = try r.u64()
            for n in 0..<Self.timerCount {
                timerConfig[n] = try r.u64(); comparator[n] = try r.u64(); period[n] = try r.u64()
            }
            legacyLines.irq0.restoreLevel(try r.bool()); legacyLines.irq8.restoreLevel(try r.bool())
            let count = try r.u32()
            guard count == gsiLines.count else { throw SnapshotError.invalidValue(field: "HPET.lines", value: UInt64(count)) }
            for l in gsiLines { l.restoreLevel(try r.bool()) }
        }
    }
}
