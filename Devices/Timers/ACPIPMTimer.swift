// Layer: Devices/Timers. The ACPI power-management timer (ACPI spec 6.5 §4.8.3.3): a free-running
// counter at 3.579545 MHz, 24 bits wide (or 32 if the FADT sets TMR_VAL_EXT), read-only, at the
// port the FADT names in PM_TMR_BLK (e.g. 0x608 as on QEMU q35). It counts virtual time: the
// value is floor(now_ns * 3579545 / 10^9) truncated to its width, so it never reads the host.
// The overflow status bit (TMR_STS, PM1 status bit 0) and its SCI belong to the PM1 event block,
// which the board's power device owns; `nextOverflowTime` tells it when the top bit flips.

import EmulatorCore

public final class ACPIPMTimer: BusDevice, Snapshottable {
    public static let frequencyHz: UInt64 = 3_579_545
    public let clock: VirtualClock
    /// 32-bit counter (FADT flag TMR_VAL_EXT) or 24-bit.
    public let is32Bit: Bool

    public init(clock: VirtualClock, is32Bit: Bool = false) {
        self.clock = clock
        self.is32Bit = is32Bit
    }

    public var mask: UInt64 { is32Bit ? 0xFFFF_FFFF : 0xFF_FFFF }

    /// Ticks since power-on at virtual time `ns` (floor of ns * f / 1e9, overflow-free).
    public static func ticks(atNanoseconds ns: UInt64) -> UInt64 {
        let p = ns.multipliedFullWidth(by: frequencyHz)
        // p / 1e9 fits in 64 bits: ns * 3.58e6 / 1e9 < ns.
        return UInt64(1_000_000_000).dividingFullWidth(p).quotient
    }

    /// The counter value now.
    public var value: UInt64 { Self.ticks(atNanoseconds: clock.now) & mask }

    /// The earliest virtual time (ns) after `ns` at which the counter's top bit changes (the
    /// moment the PM1 TMR_STS bit is set).
    public func nextOverflowTime(after ns: UInt64) -> UInt64 {
        let half = (mask + 1) / 2
        let t = Self.ticks(atNanoseconds: ns)
        let target = (t / half + 1) * half
        // ceil(target * 1e9 / f)
        let p = target.multipliedFullWidth(by: 1_000_000_000)
        guard p.high < Self.frequencyHz else { return UInt64.max }
        let q = Self.frequencyHz.dividingFullWidth(p)
        return q.quotient &+ (q.remainder != 0 ? 1 : 0)
    }

    /// Reads of 1, 2 or 4 bytes at offsets 0-3 return bytes of the 32-bit TMR_VAL register.
    public func read(offset: UInt64, size: Int) -> UInt64 {
        guard offset < 4 else { return 0 }
        let v = value >> (offset * 8)
        return size >= 8 ? v : v & ((1 << UInt64(size * 8)) - 1)
    }

    /// The register is read-only.
    public func write(offset: UInt64, size: Int, value: UInt64) {}

    // MARK: Snapshottable: no state of its own beyond its width (the time is the clock's).
    public func save(to w: StateWriter) {
        w.section("PMTM", version: 1) { w.bool(is32Bit) }
    }

    public func restore(from r: StateReader) throws(SnapshotError) {
        try r.section("PMTM", maxVersion: 1) { _ throws(SnapshotError) in
            let wide = try r.bool()
            guard wide == is32Bit else { throw SnapshotError.invalidValue(field: "PMTM.is32Bit", value: wide ? 1 : 0) }
        }
    }
}
