// Layer: Devices. The Intel 8254 programmable interval timer (datasheet 8254, order 231164)
// and the PC's "system control port B" at 0x61 (timer 2 gate, speaker, OUT2 status).
//
// PC board wiring: counters at ports 0x40-0x42, control word at 0x43 (`ports`, 4 bytes);
// port 0x61 is `systemControlPort` (1 byte). Counter 0's OUT drives IRQ 0 (`irq0`, an
// InterruptLine the board connects to PIC input 0 / IOAPIC pin 2); counter 1 (DRAM refresh) has
// no output; counter 2's gate is port 0x61 bit 0 and its OUT is readable at 0x61 bit 5.
//
// Time: the counters' clock input is 1.193182 MHz *virtual* time. Nothing counts step by step:
// a counter remembers when it started (virtual ns) and its count and output are computed from
// the elapsed ticks; counter 0's output transitions are EventQueue events at the exact virtual
// nanosecond of the tick (rounded up), so IRQ 0 is raised at the same instruction in every run.
// Simplifications (documented): a count written while a mode 2/3 counter runs takes effect at
// once (the 8254 waits for the end of the period); a new count starts on the write, not on the
// next clock edge (OUT changes up to one tick, 838 ns, early).

import EmulatorCore

public final class PIT: Snapshottable {
    public static let inputHz: UInt64 = 1_193_182

    struct Counter {
        var mode: UInt8 = 0
        var access: UInt8 = 3          // 1 = LSB only, 2 = MSB only, 3 = LSB then MSB
        var bcd = false
        var gate = true
        var reload: UInt32 = 0x10000   // N: the count in binary, 1 ... 0x10000 (0 written = max)
        var loaded = false             // a count has been written since the control word
        var counting = false           // ticks are elapsing now
        var startTime: UInt64 = 0      // virtual ns when counting (re)started
        var tickOffset: UInt64 = 0     // ticks already elapsed before startTime (gate pauses)
        var writeMSBNext = false       // access 3: the next write is the MSB
        var writeLatch: UInt8 = 0      // access 3: the LSB waiting for its MSB
        var readMSBNext = false        // access 3: the next read is the MSB
        var latched: UInt16? = nil     // counter latch command / read-back
        var latchMSBNext = false
        var status: UInt8? = nil       // read-back status latch
        var nullCount = true           // status bit 6: count written but not yet loaded
        var out = false                // last output level delivered (for counter 0: IRQ 0)

        var maxCount: UInt32 { bcd ? 10000 : 0x10000 }
    }

    let clock: VirtualClock
    let events: EventQueue
    var counters = [Counter(), Counter(), Counter(gate: false)]
    /// Port 0x61 bits 0-3 as written (gate 2, speaker enable, parity/IOCHK enables).
    var portB: UInt8 = 0
    /// Counter 0's output: IRQ 0.
    public let irq0 = InterruptLine(name: "PIT IRQ0")
    private var timer0: EventQueue.Timer?

    /// Ports 0x40-0x43.
    public var ports: CounterPorts { CounterPorts(self) }
    /// Port 0x61.
    public var systemControlPort: SystemControlPort { SystemControlPort(self) }

    public init(clock: VirtualClock, events: EventQueue) {
        self.clock = clock
        self.events = events
        timer0 = events.makeTimer(name: "PIT counter 0") { [weak self] due in self?.transition0(at: due) }
    }

    // MARK: Time arithmetic

    /// Whole input-clock ticks in `ns` nanoseconds.
    static func ticks(inNanoseconds ns: UInt64) -> UInt64 {
        let p = ns.multipliedFullWidth(by: inputHz)
        if p.high >= 1_000_000_000 { return UInt64.max }
        return UInt64(1_000_000_000).dividingFullWidth(p).quotient
    }

    /// The first nanosecond at which `ticks` whole ticks have elapsed.
    static func nanoseconds(forTicks t: UInt64) -> UInt64 {
        let p = t.multipliedFullWidth(by: 1_000_000_000)
        if p.high >= inputHz { return UInt64.max }
        let (q, r) = inputHz.dividingFullWidth(p)
        return r == 0 ? q : q &+ 1
    }

    /// Ticks elapsed for counter `c` at virtual time `now`.
    func elapsed(_ c: Counter, at now: UInt64) -> UInt64 {
        guard c.counting else { return c.tickOffset }
        return c.tickOffset &+ Self.ticks(inNanoseconds: now &- c.startTime)
    }

    /// The counting element's value after `d` ticks (binary, 0 ... 0xFFFF).
    static func count(_ c: Counter, ticks d: UInt64) -> UInt32 {
        let n = UInt64(c.reload)
        let m = UInt64(c.maxCount)
        switch c.mode {
        case 2:
            return UInt32(n - d % n) % c.maxCount
        case 3:
            // Square wave: the element decrements by 2 each half period.
            return UInt32(n - (2 &* d) % n) % c.maxCount
        default:
            // One-shot modes: after terminal count the element wraps and keeps counting.
            return UInt32((n &+ m &- d % m) % m)
        }
    }

    /// OUT after `d` ticks (datasheet figures for modes 0-5).
    static func output(_ c: Counter, ticks d: UInt64) -> Bool {
        guard c.loaded else { return c.mode != 0 }             // mode 0: low from the control word
        let n = UInt64(c.reload)
        switch c.mode {
        case 0: return d >= n                                   // interrupt on terminal count
        case 1: return !c.counting && c.tickOffset == 0 ? true : d >= n   // one-shot: low until TC
        case 2: return n < 2 || d % n != n - 1                  // rate generator: low for 1 tick
        case 3: return n < 2 || d % n < (n + 1) / 2            // square wave: high for ceil(N/2)
        case 4, 5:                                              // strobes: low for the tick at TC
            if c.mode == 5 && !c.counting && c.tickOffset == 0 { return true }
            return d != n
        default: return true
        }
    }

    /// The tick (> d) at which OUT next changes, if it ever does.
    static func nextTransition(_ c: Counter, after d: UInt64) -> UInt64? {
        guard c.loaded, c.counting else { return nil }
        let n = UInt64(c.reload)
        switch c.mode {
        case 0, 1: return d < n ? n : nil
        case 2:
            if n < 2 { return nil }
            let base = d - d % n
            return d % n < n - 1 ? base + n - 1 : base + n
        case 3:
            if n < 2 { return nil }
            let base = d - d % n, half = (n + 1) / 2
            return d % n < half ? base + half : base + n
        case 4, 5:
            if d < n { return n }
            return d == n ? n + 1 : nil
        default: return nil
        }
    }

    // MARK: Counter 0 events

    /// Brings IRQ 0 to the current OUT and arms the next transition.
    func update0() {
        let now = clock.now
        let c = counters[0]
        let d = elapsed(c, at: now)
        setOut0(Self.output(c, ticks: d))
        guard let t = timer0 else { return }
        if let next = Self.nextTransition(c, after: d) {
            let (delta, o) = (next - c.tickOffset).multipliedReportingOverflow(by: 1)
            let at = o ? UInt64.max : c.startTime &+ Self.nanoseconds(forTicks: delta)
            events.schedule(t, at: max(at, now))
        } else {
            events.cancel(t)
        }
    }

    func transition0(at due: UInt64) {
        let c = counters[0]
        let d = elapsed(c, at: due)
        setOut0(Self.output(c, ticks: d))
        if let t = timer0, let next = Self.nextTransition(c, after: d) {
            events.schedule(t, at: max(c.startTime &+ Self.nanoseconds(forTicks: next - c.tickOffset), due &+ 1))
        }
    }

    func setOut0(_ level: Bool) {
        counters[0].out = level
        irq0.set(level)
    }

    // MARK: Registers

    func writeControl(_ v: UInt8) {
        let sc = Int(v >> 6)
        let now = clock.now
        if sc == 3 {
            // Read-back: bit 5 = 0 latch count, bit 4 = 0 latch status, bits 3-1 select counters 2..0.
            for i in 0..<3 where v & (2 << i) != 0 {
                var c = counters[i]
                let d = elapsed(c, at: now)
                if v & 0x20 == 0, c.latched == nil { c.latched = UInt16(truncatingIfNeeded: Self.count(c, ticks: d)); c.latchMSBNext = false }
                if v & 0x10 == 0, c.status == nil {
                    c.status = (Self.output(c, ticks: d) ? 0x80 : 0) | (c.nullCount ? 0x40 : 0)
                        | (c.access << 4) | (c.mode << 1) | (c.bcd ? 1 : 0)
                }
                counters[i] = c
            }
            return
        }
        var c = counters[sc]
        let access = (v >> 4) & 3
        if access == 0 {
            // Counter latch command: freezes the value read until it has been read out.
            if c.latched == nil {
                c.latched = UInt16(truncatingIfNeeded: Self.count(c, ticks: elapsed(c, at: now)))
                c.latchMSBNext = false
            }
            counters[sc] = c
            return
        }
        var mode = (v >> 1) & 7
        if mode > 5 { mode -= 4 }           // 110 and 111 are modes 2 and 3
        c.mode = mode
        c.access = access
        c.bcd = v & 1 != 0
        c.loaded = false
        c.counting = false
        c.tickOffset = 0
        c.writeMSBNext = false
        c.readMSBNext = false
        c.latched = nil
        c.status = nil
        c.nullCount = true
        counters[sc] = c
        outputChanged(sc)
    }

    func writeCounter(_ i: Int, _ v: UInt8) {
        var c = counters[i]
        var value: UInt16
        switch c.access {
        case 1: value = UInt16(v)
        case 2: value = UInt16(v) << 8
        default:
            if !c.writeMSBNext {
                c.writeLatch = v
                c.writeMSBNext = true
                if c.mode == 0 { c.counting = false; c.tickOffset = 0; c.loaded = false }   // first byte stops mode 0
                counters[i] = c
                if c.mode == 0 { outputChanged(i) }
                return
            }
            c.writeMSBNext = false
            value = UInt16(c.writeLatch) | UInt16(v) << 8
        }
        // Load N. 0 means the maximum count (65536, or 10000 in BCD).
        var n = c.bcd ? Self.fromBCD(value) : UInt32(value)
        if n == 0 { n = c.maxCount }
        c.reload = n
        c.loaded = true
        c.nullCount = false
        c.tickOffset = 0
        c.startTime = clock.now
        switch c.mode {
        case 1, 5: c.counting = false       // wait for a gate trigger
        default: c.counting = c.gate
        }
        counters[i] = c
        outputChanged(i)
    }

    func readCounter(_ i: Int) -> UInt8 {
        var c = counters[i]
        defer { counters[i] = c }
        if let s = c.status { c.status = nil; return s }
        if let l = c.latched {
            let v = c.bcd ? Self.toBCD(UInt32(l)) : l
            switch c.access {
            case 1: c.latched = nil; return UInt8(truncatingIfNeeded: v)
            case 2: c.latched = nil; return UInt8(truncatingIfNeeded: v >> 8)
            default:
                if c.latchMSBNext { c.latched = nil; c.latchMSBNext = false; return UInt8(truncatingIfNeeded: v >> 8) }
                c.latchMSBNext = true
                return UInt8(truncatingIfNeeded: v)
            }
        }
        let raw = UInt16(truncatingIfNeeded: Self.count(c, ticks: elapsed(c, at: clock.now)))
        let v = c.bcd ? Self.toBCD(UInt32(raw)) : raw
        switch c.access {
        case 1: return UInt8(truncatingIfNeeded: v)
        case 2: return UInt8(truncatingIfNeeded: v >> 8)
        default:
            c.readMSBNext.toggle()
            return c.readMSBNext ? UInt8(truncatingIfNeeded: v) : UInt8(truncatingIfNeeded: v >> 8)
        }
    }

    /// The gate input of counter `i` (counter 2: port 0x61 bit 0; 0 and 1 are tied high on a PC).
    public func setGate(_ i: Int, _ level: Bool) {
        guard i >= 0, i < 3 else { return }
        var c = counters[i]
        let old = c.gate
        guard old != level else { return }
        let now = clock.now
        c.gate = level
        if level {
            // Rising edge: modes 1, 2, 3, 5 (re)start from N; modes 0 and 4 resume.
            switch c.mode {
            case 1, 2, 3, 5:
                if c.loaded { c.tickOffset = 0; c.startTime = now; c.counting = true }
            default:
                if c.loaded { c.startTime = now; c.counting = true }
            }
        } else {
            // Low gate stops counting in modes 0, 2, 3, 4 (2 and 3 also force OUT high).
            switch c.mode {
            case 0, 4:
                c.tickOffset = elapsed(c, at: now); c.counting = false
            case 2, 3:
                c.tickOffset = 0; c.counting = false
            default: break
            }
        }
        counters[i] = c
        outputChanged(i)
    }

    func outputChanged(_ i: Int) {
        if i == 0 { update0() }
    }

    /// OUT of counter `i` now.
    public func output(_ i: Int) -> Bool {
        guard i >= 0, i < 3 else { return false }
        let c = counters[i]
        if (c.mode == 2 || c.mode == 3) && !c.gate && c.loaded { return true }
        return Self.output(c, ticks: elapsed(c, at: clock.now))
    }

    static func fromBCD(_ v: UInt16) -> UInt32 {
        var r: UInt32 = 0
        for shift in stride(from: 12, through: 0, by: -4) {
            r = r * 10 + UInt32(min((v >> UInt16(shift)) & 0xF, 9))
        }
        return r
    }

    static func toBCD(_ v: UInt32) -> UInt16 {
        var x = v % 10000, r: UInt16 = 0
        for i in 0..<4 { r |= UInt16(x % 10) << UInt16(4 * i); x /= 10 }
        return r
    }

    // MARK: Bus windows

    /// Ports 0x40-0x43: counters 0-2 and the control word (write-only; reads give 0xFF).
    public final class CounterPorts: BusDevice {
        let pit: PIT
        init(_ pit: PIT) { self.pit = pit }
        public func read(offset: UInt64, size: Int) -> UInt64 {
            offset < 3 ? UInt64(pit.readCounter(Int(offset))) : 0xFF
        }
        public func write(offset: UInt64, size: Int, value: UInt64) {
            let v = UInt8(truncatingIfNeeded: value)
            if offset < 3 { pit.writeCounter(Int(offset), v) } else if offset == 3 { pit.writeControl(v) }
        }
    }

    /// Port 0x61 (system control port B). Read: bit 0 gate 2, bit 1 speaker data enable, bits 2-3
    /// as written, bit 4 refresh toggle (flips every 15.085 us of virtual time), bit 5 OUT2.
    /// Write: bits 0-3.
    public final class SystemControlPort: BusDevice {
        let pit: PIT
        init(_ pit: PIT) { self.pit = pit }
        public func read(offset: UInt64, size: Int) -> UInt64 {
            let refresh: UInt8 = (pit.clock.now / 15_085) & 1 == 1 ? 0x10 : 0
            return UInt64(pit.portB & 0x0F | refresh | (pit.output(2) ? 0x20 : 0))
        }
        public func write(offset: UInt64, size: Int, value: UInt64) {
            pit.portB = UInt8(truncatingIfNeeded: value) & 0x0F
            pit.setGate(2, pit.portB & 1 != 0)
        }
    }

    /// Whether the speaker is driven (gate 2 and speaker data enabled): for a future audio device.
    public var speakerOn: Bool { portB & 3 == 3 }

    // MARK: Snapshottable

    public func save(to w: StateWriter) {
        w.section("PIT ", version: 1) {
            for c in counters {
                w.u8(c.mode); w.u8(c.access); w.bool(c.bcd); w.bool(c.gate)
                w.u32(c.reload); w.bool(c.loaded); w.bool(c.counting)
                w.u64(c.startTime); w.u64(c.tickOffset)
                w.bool(c.writeMSBNext); w.u8(c.writeLatch); w.bool(c.readMSBNext)
                w.bool(c.latched != nil); w.u16(c.latched ?? 0); w.bool(c.latchMSBNext)
                w.bool(c.status != nil); w.u8(c.status ?? 0)
                w.bool(c.nullCount); w.bool(c.out)
            }
            w.u8(portB)
        }
    }

    /// Restores the registers. Counter 0's pending event is restored by the EventQueue section.
    public func restore(from r: StateReader) throws(SnapshotError) {
        try r.section("PIT ", maxVersion: 1) { _ throws(SnapshotError) in
            for i in 0..<3 {
                var c = Counter()
                c.mode = try r.u8(below: 6, field: "PIT.mode")
                c.access = try r.u8(below: 4, field: "PIT.access")
                if c.access == 0 { throw SnapshotError.invalidValue(field: "PIT.access", value: 0) }
                c.bcd = try r.bool(); c.gate = try r.bool()
                c.reload = try r.u32()
                guard c.reload >= 1, c.reload <= c.maxCount else {
                    throw SnapshotError.invalidValue(field: "PIT.reload", value: UInt64(c.reload))
                }
                c.loaded = try r.bool(); c.counting = try r.bool()
                c.startTime = try r.u64(); c.tickOffset = try r.u64()
                c.writeMSBNext = try r.bool(); c.writeLatch = try r.u8(); c.readMSBNext = try r.bool()
                let hasLatch = try r.bool(); let l = try r.u16(); c.latched = hasLatch ? l : nil
                c.latchMSBNext = try r.bool()
                let hasStatus = try r.bool(); let s = try r.u8(); c.status = hasStatus ? s : nil
                c.nullCount = try r.bool(); c.out = try r.bool()
                counters[i] = c
            }
            portB = try r.u8() & 0x0F
            irq0.restoreLevel(counters[0].out)
        }
    }
}
