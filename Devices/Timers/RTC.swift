// Layer: Devices. The CMOS real-time clock: a Motorola MC146818A (datasheet MC146818A, and
// Intel's PIIX4 RTC section for the PC conventions) with 128 bytes of CMOS RAM.
//
// PC board wiring: index port 0x70 (bit 7 = NMI disable, bits 6-0 = register), data port 0x71
// (`ports`, 2 bytes); the IRQ output is IRQ 8 (`irq8`: PIC input 8 / IOAPIC pin 8). Register
// 0x32 holds the century (the FADT's CENTURY field points at it).
//
// Time is never the host's: the clock starts at `epoch` (Unix seconds, default 2024-01-01
// 00:00:00 UTC) at virtual time 0 and advances with virtual time. The time is kept as
// "epoch seconds at a base virtual time"; registers are encoded on read in the format register
// B selects (BCD or binary, 12 or 24 hour), so changing the format reinterprets nothing (the
// real chip would keep stale bytes). A written time field is decoded and normalised (the chip
// would store an out-of-range value as is). The update cycle happens at each whole second after
// the base; UIP (register A bit 7) is set during the 244 us before it, as the datasheet
// guarantees. Flags in register C (PF, AF, UF) are computed for the interval since they were
// last brought up to date; EventQueue events exist only while PIE/AIE/UIE ask for an interrupt.

import EmulatorCore

public final class RTC: Snapshottable {
    public static let defaultEpoch: Int64 = 1_704_067_200     // 2024-01-01 00:00:00 UTC
    static let second: UInt64 = 1_000_000_000

    let clock: VirtualClock
    let events: EventQueue
    public let irq8 = InterruptLine(name: "RTC IRQ8")
    private var timer: EventQueue.Timer?

    /// CMOS bytes. 0x00-0x09 and 0x32 are computed from the time; A-D are registers.
    var cmos = [UInt8](repeating: 0, count: 128)
    var index: UInt8 = 0
    /// Port 0x70 bit 7: NMI disabled (the board may consult it).
    public private(set) var nmiDisabled = false
    /// Unix seconds at virtual time `baseTime` (or the frozen time while SET halts updates).
    var baseEpoch: Int64
    var baseTime: UInt64 = 0
    var halted = false
    /// Virtual time up to which register C's flags are up to date.
    var flagsTime: UInt64 = 0

    public var ports: Ports { Ports(self) }

    public init(clock: VirtualClock, events: EventQueue, epoch: Int64 = RTC.defaultEpoch) {
        self.clock = clock
        self.events = events
        // Clamped so the date arithmetic can never overflow (±10^9 years).
        self.baseEpoch = min(max(epoch, -(Int64(1) << 55)), Int64(1) << 55)
        cmos[0x0A] = 0x26           // divider 32.768 kHz, rate 6 (1024 Hz), as BIOSes leave it
        cmos[0x0B] = 0x02           // 24-hour, BCD
        cmos[0x0D] = 0x80           // VRT: RAM and time valid
        timer = events.makeTimer(name: "RTC") { [weak self] due in self?.fire(at: due) }
    }

    /// Sets the wall-clock time at virtual time 0 (the `--rtc-epoch` option); called before the
    /// machine runs, so the time then advances with virtual time as always.
    public func setEpoch(_ epoch: Int64) {
        baseEpoch = min(max(epoch, -(Int64(1) << 55)), Int64(1) << 55)
        baseTime = 0
        halted = false
    }

    /// Parses a UTC time given as Unix seconds ("1704067200") or as a date
    /// "YYYY-MM-DD[THH:MM[:SS]]" (years 1-9999); nil when it is neither.
    public static func parseEpoch(_ text: String) -> Int64? {
        if let n = Int64(text), n > -(Int64(1) << 55), n < Int64(1) << 55 { return n }
        let digitsOK = text.allSatisfy { $0.isASCII && ($0.isNumber || $0 == "-" || $0 == "T" || $0 == ":") }
        guard digitsOK else { return nil }
        let halves = text.split(separator: "T", omittingEmptySubsequences: false)
        guard halves.count <= 2 else { return nil }
        let date = halves[0].split(separator: "-", omittingEmptySubsequences: false).map { Int64($0) }
        let time = halves.count == 2 ? halves[1].split(separator: ":", omittingEmptySubsequences: false).map { Int64($0) } : []
        guard date.count == 3, halves.count == 1 || (2...3).contains(time.count),
              let y = date[0], let mo = date[1], let d = date[2],
              (1...9999).contains(y), (1...12).contains(mo), d >= 1, d <= daysInMonth(year: y, month: mo) else { return nil }
        var hms: [Int64] = [0, 0, 0]
        for (k, v) in time.enumerated() { guard let v else { return nil }; hms[k] = v }
        guard (0...23).contains(hms[0]), (0...59).contains(hms[1]), (0...59).contains(hms[2]) else { return nil }
        return unix(Fields(year: y, month: mo, day: d, hour: hms[0], minute: hms[1], second: hms[2], weekday: 0))
    }

    static func daysInMonth(year y: Int64, month m: Int64) -> Int64 {
        let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
        return [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][Int(m - 1)]
    }

    /// Fills the memory-size bytes firmware and kernels read (QEMU's layout): 0x15-0x16 base
    /// memory in KiB, 0x17-0x18 and 0x30-0x31 KiB above 1 MiB (max 65535), 0x34-0x35 64 KiB
    /// units above 16 MiB below 4 GiB, 0x5B-0x5D 64 KiB units above 4 GiB.
    public func setMemorySize(below4G: UInt64, above4G: UInt64 = 0) {
        let base: UInt64 = 640
        cmos[0x15] = UInt8(base & 0xFF); cmos[0x16] = UInt8(base >> 8)
        let ext = min(below4G / 1024 >= 1024 ? below4G / 1024 - 1024 : 0, 0xFFFF)
        cmos[0x17] = UInt8(ext & 0xFF); cmos[0x18] = UInt8(ext >> 8)
        cmos[0x30] = cmos[0x17]; cmos[0x31] = cmos[0x18]
        let above16 = min(below4G > 16 << 20 ? (below4G - (16 << 20)) / 65536 : 0, 0xFFFF)
        cmos[0x34] = UInt8(above16 & 0xFF); cmos[0x35] = UInt8(above16 >> 8)
        let high = min(above4G / 65536, 0xFF_FFFF)
        cmos[0x5B] = UInt8(high & 0xFF); cmos[0x5C] = UInt8((high >> 8) & 0xFF); cmos[0x5D] = UInt8(high >> 16)
    }

    /// Reads or writes a CMOS byte directly (board setup: boot order, equipment bytes...).
    public subscript(cmos i: Int) -> UInt8 {
        get { i >= 0 && i < 128 ? cmos[i] : 0 }
        set { if i >= 0 && i < 128 { cmos[i] = newValue } }
    }

    // MARK: Time

    var regB: UInt8 { cmos[0x0B] }
    var binary: Bool { regB & 0x04 != 0 }
    var hour24: Bool { regB & 0x02 != 0 }

    /// Whole seconds elapsed since the base at virtual time `t`.
    func elapsedSeconds(at t: UInt64) -> UInt64 { halted || t < baseTime ? 0 : (t - baseTime) / Self.second }

    /// Unix time at virtual time `t`.
    public func unixTime(at t: UInt64) -> Int64 {
        baseEpoch &+ Int64(truncatingIfNeeded: elapsedSeconds(at: t))
    }

    struct Fields { var year: Int64, month: Int64, day: Int64, hour: Int64, minute: Int64, second: Int64, weekday: Int64 }

    /// Unix seconds -> civil date (proleptic Gregorian, H. Hinnant's algorithm).
    static func fields(_ t: Int64) -> Fields {
        let days = t >= 0 ? t / 86400 : (t - 86399) / 86400
        let secs = t - days * 86400
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        let wd = ((days % 7) + 7 + 4) % 7               // 1970-01-01 was a Thursday (4)
        return Fields(year: y, month: m, day: d, hour: secs / 3600, minute: secs / 60 % 60,
                      second: secs % 60, weekday: wd + 1)  // RTC: Sunday = 1
    }

    /// Civil date -> Unix seconds (normalises out-of-range fields; inputs are small).
    static func unix(_ f: Fields) -> Int64 {
        var y = f.year, m = f.month - 1
        y += m >= 0 ? m / 12 : (m - 11) / 12
        m = ((m % 12) + 12) % 12 + 1
        let yy = m <= 2 ? y - 1 : y
        let era = (yy >= 0 ? yy : yy - 399) / 400
        let yoe = yy - era * 400
        let mp = m > 2 ? m - 3 : m + 9
        let doy = (153 * mp + 2) / 5 + f.day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146_097 + doe - 719_468
        return days * 86400 + f.hour * 3600 + f.minute * 60 + f.second
    }

    func encode(_ v: Int64) -> UInt8 {
        let x = UInt8(truncatingIfNeeded: ((v % 100) + 100) % 100)
        return binary ? x : (x / 10) << 4 | x % 10
    }

    func decode(_ b: UInt8) -> Int64 { binary ? Int64(b) : Int64(b >> 4) * 10 + Int64(b & 0xF) }

    func encodeHour(_ h: Int64) -> UInt8 {
        if hour24 { return encode(h) }
        let h12 = h % 12 == 0 ? 12 : h % 12
        return encode(h12) | (h >= 12 ? 0x80 : 0)
    }

    func decodeHour(_ b: UInt8) -> Int64 {
        if hour24 { return decode(b) }
        return decode(b & 0x7F) % 12 + (b & 0x80 != 0 ? 12 : 0)
    }

    /// The value of time register `r` at virtual time `t`.
    func timeRegister(_ r: Int, at t: UInt64) -> UInt8 {
        let f = Self.fields(unixTime(at: t))
        switch r {
        case 0x00: return encode(f.second)
        case 0x02: return encode(f.minute)
        case 0x04: return encodeHour(f.hour)
        case 0x06: return encode(f.weekday)
        case 0x07: return encode(f.day)
        case 0x08: return encode(f.month)
        case 0x09: return encode(f.year % 100)
        default:   return encode(f.year / 100)    // 0x32 century
        }
    }

    func writeTime(_ r: Int, _ v: UInt8, at now: UInt64) {
        var f = Self.fields(unixTime(at: now))
        switch r {
        case 0x00: f.second = decode(v)
        case 0x02: f.minute = decode(v)
        case 0x04: f.hour = decodeHour(v)
        case 0x06: return                     // day of week is derived from the date
        case 0x07: f.day = decode(v)
        case 0x08: f.month = decode(v)
        case 0x09: f.year = f.year / 100 * 100 + decode(v)
        default:   f.year = decode(v) * 100 + f.year % 100
        }
        catchUp(to: now)
        baseEpoch = Self.unix(f)
        if !halted && now >= baseTime { baseTime = now - (now - baseTime) % Self.second }  // keep the phase
        reschedule(now)
    }

    /// Update in progress: the 244 us before each update (never while SET halts updates).
    func updateInProgress(at t: UInt64) -> Bool {
        guard !halted, t >= baseTime else { return false }
        return (t - baseTime) % Self.second >= Self.second - 244_000
    }

    // MARK: Flags and interrupts

    /// The periodic interrupt period in 32.768 kHz ticks (nil = off), from register A.
    var periodTicks: UInt64? {
        let a = cmos[0x0A]
        let rate = a & 0x0F
        guard rate != 0, (a >> 4) & 7 == 2 else { return nil }
        return rate <= 2 ? UInt64(1) << (rate + 6) : UInt64(1) << (rate - 1)
    }

    static func ticks32k(_ t: UInt64) -> UInt64 {
        let p = t.multipliedFullWidth(by: 32768)
        return UInt64(1_000_000_000).dividingFullWidth(p).quotient    // t < 2^64 ns: no overflow
    }

    static func ns(from32k ticks: UInt64) -> UInt64 {
        let p = ticks.multipliedFullWidth(by: 1_000_000_000)
        if p.high >= 32768 { return UInt64.max }
        let (q, r) = UInt64(32768).dividingFullWidth(p)
        return r == 0 ? q : q &+ 1
    }

    func alarmMatches(at t: UInt64) -> Bool {
        for (alarm, reg) in [(0x01, 0x00), (0x03, 0x02), (0x05, 0x04)] {
            let a = cmos[alarm]
            if a & 0xC0 == 0xC0 { continue }           // "don't care"
            if a != timeRegister(reg, at: t) { return false }
        }
        return true
    }

    /// The first update (second boundary) after `t` at which the alarm matches: alarms repeat at
    /// most daily, so at most a day of updates (or `limit` of them) is scanned.
    func nextAlarm(after t: UInt64, limit: UInt64 = 86_400) -> UInt64? {
        guard !halted else { return nil }
        var s = elapsedSeconds(at: t) &+ 1
        for _ in 0..<min(limit, 86_400) {
            let at = baseTime &+ s &* Self.second
            if alarmMatches(at: at) { return at }
            s &+= 1
        }
        return nil
    }

    func nextUpdate(after t: UInt64) -> UInt64? {
        halted ? nil : baseTime &+ (elapsedSeconds(at: t) &+ 1) &* Self.second
    }

    func nextPeriodic(after t: UInt64) -> UInt64? {
        guard let p = periodTicks else { return nil }
        return Self.ns(from32k: (Self.ticks32k(t) / p + 1) * p)
    }

    /// Sets PF/UF/AF for everything that happened in (flagsTime, t].
    func catchUp(to t: UInt64) {
        guard t > flagsTime else { return }
        var c = cmos[0x0C] & 0x70
        if let p = periodTicks, Self.ticks32k(t) / p > Self.ticks32k(flagsTime) / p { c |= 0x40 }
        if let u = nextUpdate(after: flagsTime), u <= t { c |= 0x10 }
        if c & 0x20 == 0, let u = nextUpdate(after: flagsTime), u <= t {
            // Only scan for an alarm when an update happened in the interval.
            let updates = elapsedSeconds(at: t) &- elapsedSeconds(at: flagsTime)
            if let a = nextAlarm(after: flagsTime, limit: updates), a <= t { c |= 0x20 }
        }
        cmos[0x0C] = c
        flagsTime = t
        updateIRQ()
    }

    func updateIRQ() {
        let enabled = regB & 0x70
        let irqf = cmos[0x0C] & enabled != 0
        if irqf { cmos[0x0C] |= 0x80 } else { cmos[0x0C] &= 0x7F }
        irq8.set(irqf)
    }

    /// Arms the event for the next enabled interrupt source.
    func reschedule(_ now: UInt64) {
        guard let timer else { return }
        var next: UInt64? = nil
        func consider(_ t: UInt64?) { if let t { next = next.map { min($0, t) } ?? t } }
        let b = regB
        if b & 0x40 != 0 { consider(nextPeriodic(after: now)) }
        if b & 0x10 != 0 { consider(nextUpdate(after: now)) }
        if b & 0x20 != 0 { consider(nextAlarm(after: now)) }
        if let n = next { events.schedule(timer, at: n) } else { events.cancel(timer) }
    }

    func fire(at due: UInt64) {
        catchUp(to: due)
        reschedule(due)
    }

    // MARK: Registers

    func readRegister(_ r: Int) -> UInt8 {
        let now = clock.now
        switch r {
        case 0x00, 0x02, 0x04, 0x06, 0x07, 0x08, 0x09, 0x32:
            return timeRegister(r, at: now)
        case 0x0A:
            return cmos[0x0A] & 0x7F | (updateInProgress(at: now) ? 0x80 : 0)
        case 0x0C:
            // Reading C returns the flags and clears them, lowering IRQ 8.
            catchUp(to: now)
            let v = cmos[0x0C]
            cmos[0x0C] = 0
            updateIRQ()
            return v
        case 0x0D:
            return 0x80
        default:
            return cmos[r & 0x7F]
        }
    }

    func writeRegister(_ r: Int, _ v: UInt8) {
        let now = clock.now
        switch r {
        case 0x00, 0x02, 0x04, 0x06, 0x07, 0x08, 0x09, 0x32:
            writeTime(r, v, at: now)
        case 0x0A:
            catchUp(to: now)
            cmos[0x0A] = v & 0x7F
            reschedule(now)
        case 0x0B:
            catchUp(to: now)
            var b = v
            if b & 0x80 != 0 {
                b &= ~0x10                       // SET clears UIE
                if !halted { baseEpoch = unixTime(at: now); halted = true }
            } else if halted {
                halted = false
                baseTime = now                   // updates resume one second after SET clears
            }
            cmos[0x0B] = b
            updateIRQ()
            reschedule(now)
        case 0x0C, 0x0D:
            break                                // read-only
        default:
            cmos[r & 0x7F] = v
        }
    }

    /// The chip's RESET pin (a machine reset; MC146818A datasheet, "RESET"): clears PIE, AIE,
    /// UIE and SQWE in register B and the flags in register C, lowering IRQ 8. The time, the
    /// alarm and the CMOS RAM are untouched: they are battery-backed and survive a reboot.
    public func resetPin() {
        let now = clock.now
        catchUp(to: now)
        cmos[0x0B] &= ~0x78
        cmos[0x0C] = 0
        updateIRQ()
        reschedule(now)
    }

    /// Ports 0x70 (index, write-only here; reads return the index) and 0x71 (data).
    public final class Ports: BusDevice {
        let rtc: RTC
        init(_ rtc: RTC) { self.rtc = rtc }
        public func read(offset: UInt64, size: Int) -> UInt64 {
            offset & 1 == 0 ? UInt64(rtc.index) : UInt64(rtc.readRegister(Int(rtc.index)))
        }
        public func write(offset: UInt64, size: Int, value: UInt64) {
            let v = UInt8(truncatingIfNeeded: value)
            if offset & 1 == 0 {
                rtc.index = v & 0x7F
                rtc.nmiDisabled = v & 0x80 != 0
            } else {
                rtc.writeRegister(Int(rtc.index), v)
            }
        }
    }

    // MARK: Snapshottable

    public func save(to w: StateWriter) {
        w.section("RTC ", version: 1) {
            w.raw(cmos)
            w.u8(index); w.bool(nmiDisabled)
            w.i64(baseEpoch); w.u64(baseTime); w.bool(halted); w.u64(flagsTime)
            w.bool(irq8.level)
        }
    }

    public func restore(from r: StateReader) throws(SnapshotError) {
        try r.section("RTC ", maxVersion: 1) { _ throws(SnapshotError) in
            cmos = try r.raw(128)
            index = try r.u8() & 0x7F; nmiDisabled = try r.bool()
            baseEpoch = try r.i64()
            // Keep the date arithmetic in a range where it cannot overflow (±10^12 years is plenty).
            guard baseEpoch > -(Int64(1) << 55), baseEpoch < Int64(1) << 55 else {
                throw SnapshotError.invalidValue(field: "RTC.baseEpoch", value: UInt64(bitPattern: baseEpoch))
            }
            baseTime = try r.u64(); halted = try r.bool(); flagsTime = try r.u64()
            irq8.restoreLevel(try r.bool())
        }
    }
}
