// Time layer: the kernel's clocks. At boot:
//   1. the reference clock: the HPET main counter (ACPI HPET table), else PIT channel 2;
//   2. the local APIC timer calibrated against it (count the APIC timer down for a fixed
//      reference interval; its rate is counts / interval);
//   3. the periodic tick: the APIC timer in periodic mode at `tickHertz`, vector 0xF0;
//   4. the wall clock: the CMOS RTC, read once.
// The monotonic clock (nanoseconds since the clock started) reads the HPET counter when there
// is a 64-bit one, else counts ticks and interpolates inside the current tick with the APIC timer.
//
// Determinism: on Orrery every counter derives from retired instructions, so the calibrated
// frequency and every printed value is the same on each run; on QEMU they follow host time.
// Lines carrying such values start with "time:" (tools/test-kernel-orrery.sh masks them).
import ArchAsm

enum Clock {
    static let tickHertz: UInt64 = 100

    enum Reference { case hpet, pitChannel2 }

    private(set) static var reference: Reference = .pitChannel2
    /// Local APIC timer input clock (before the divider), in Hz.
    private(set) static var apicTimerHertz: UInt64 = 0
    /// APIC timer counts (after divide-by-16) per tick.
    private(set) static var countsPerTick: UInt32 = 0
    private(set) static var ticks: UInt64 = 0
    private static var hpetStart: UInt64 = 0
    /// Wall clock read from the RTC at boot (nil if unreadable), and the monotonic time then.
    private(set) static var bootWallClock: CivilTime?
    private(set) static var wallClockReadAt: UInt64 = 0

    enum Failure: Error {
        case calibrationTimedOut
        case timerNotRunning
    }

    /// Calibrates the APIC timer and starts the periodic tick (interrupts may still be off:
    /// ticks are counted once they are enabled).
    static func initialize(hpetAddress: UInt64?) throws(Failure) {
        if let address = hpetAddress, HPET.initialize(address: address) {
            reference = .hpet
            hpetStart = HPET.counter
        } else {
            reference = .pitChannel2
        }
        let counted = try calibrate()
        apicTimerHertz = counted
        let perTick = counted / LocalAPIC.divisor / tickHertz
        guard perTick > 0 && perTick <= UInt64(UInt32.max) else { throw .timerNotRunning }
        countsPerTick = UInt32(perTick)
        Interrupts.register(vector: InterruptVector.timer) { ticks &+= 1 }
        LocalAPIC.startTimer(count: countsPerTick, periodic: true, masked: false)
    }

    /// Counts the APIC timer (masked, one-shot from 0xFFFFFFFF) over a reference interval and
    /// returns its input frequency in Hz. 1 ms of HPET time (~100,000 HPET counts) or 10 ms of
    /// PIT time (11,932 PIT counts; it is 84 times coarser).
    private static func calibrate() throws(Failure) -> UInt64 {
        let start: UInt32 = 0xFFFF_FFFF
        let femtoseconds: UInt64
        let remaining: UInt32
        switch reference {
        case .hpet:
            // Both counters are read back to back at the start and at the end, so the time
            // between starting the APIC timer and the first HPET read does not count.
            let interval = 1_000_000_000_000 / HPET.period            // 1 ms in HPET counts
            LocalAPIC.startTimer(count: start, periodic: false, masked: true)
            let begin = HPET.counter
            let first = LocalAPIC.timerCount
            var end = begin
            var spins: UInt64 = 0
            while (end &- begin) & HPET.counterMask < interval {
                spins &+= 1
                if spins > 100_000_000 { throw .calibrationTimedOut }
                end = HPET.counter
            }
            remaining = LocalAPIC.timerCount
            LocalAPIC.stopTimer()
            let counted = UInt64(first &- remaining)
            guard counted > 0 else { throw .timerNotRunning }
            let elapsed = (end &- begin) & HPET.counterMask
            return TimeMath.hertz(counts: counted * LocalAPIC.divisor, overFemtoseconds: elapsed * HPET.period)
        case .pitChannel2:
            let pitTicks: UInt16 = 11932                                // 10 ms at 1.193182 MHz
            PIT.startChannel2(ticks: pitTicks)
            LocalAPIC.startTimer(count: start, periodic: false, masked: true)
            var spins: UInt64 = 0
            while !PIT.channel2Expired {
                spins &+= 1
                if spins > 100_000_000 { throw .calibrationTimedOut }
            }
            remaining = LocalAPIC.timerCount
            PIT.stopChannel2()
            femtoseconds = TimeMath.scale(UInt64(pitTicks), numerator: TimeMath.femtosecondsPerSecond,
                                          denominator: PIT.inputHertz)
        }
        LocalAPIC.stopTimer()
        let counted = UInt64(start &- remaining)
        guard counted > 0 else { throw .timerNotRunning }
        return TimeMath.hertz(counts: counted * LocalAPIC.divisor, overFemtoseconds: femtoseconds)
    }

    /// Nanoseconds since the clock started; never decreases.
    static var monotonicNanoseconds: UInt64 {
        if reference == .hpet && HPET.is64Bit {
            return TimeMath.scale(HPET.counter &- hpetStart, numerator: HPET.period, denominator: 1_000_000)
        }
        guard countsPerTick > 0 else { return 0 }
        // Ticks and the timer's position inside the current tick, read consistently: a tick
        // interrupt between the two reads would count the same interval twice. With
        // interrupts off, a tick that has expired but is still pending shows as a count that
        // reloaded (current near the top) while `ticks` is old; nanosecond accuracy inside a
        // tick is all this fallback promises, and it keeps the result non-decreasing by
        // clamping to the last value returned.
        return withInterruptsDisabled {
            let elapsed = UInt64(countsPerTick &- min(LocalAPIC.timerCount, countsPerTick))
            let tickNanoseconds = 1_000_000_000 / tickHertz
            let now = ticks &* tickNanoseconds &+ TimeMath.scale(elapsed, numerator: tickNanoseconds,
                                                                  denominator: UInt64(countsPerTick))
            if now > lastFallbackReading { lastFallbackReading = now }
            return lastFallbackReading
        }
    }
    private static var lastFallbackReading: UInt64 = 0

    /// Reads the RTC (century register from the FADT, 0 if none).
    static func readWallClock(centuryRegister: UInt8) {
        bootWallClock = RTC.readTime(centuryRegister: centuryRegister)
        wallClockReadAt = monotonicNanoseconds
    }

    /// Unix time in nanoseconds: the boot wall clock advanced by monotonic time.
    static var wallClockNanoseconds: UInt64? {
        guard let boot = bootWallClock, boot.unixSeconds >= 0 else { return nil }
        return UInt64(boot.unixSeconds) &* 1_000_000_000 &+ (monotonicNanoseconds &- wallClockReadAt)
    }

    /// Halts (interrupts enabled while halted) until `count` more ticks have arrived, or
    /// `limit` interrupts of any kind went by. Returns the ticks observed.
    static func waitForTicks(_ count: UInt64, limit: Int = 10_000) -> UInt64 {
        let start = ticks
        var wakeups = 0
        while ticks &- start < count && wakeups < limit {
            Interrupts.waitForInterrupt()
            wakeups += 1
        }
        return ticks &- start
    }
}
