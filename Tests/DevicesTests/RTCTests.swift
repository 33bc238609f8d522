// MC146818A RTC tests (datasheet register semantics, PC CMOS conventions): time from a virtual
// epoch, BCD/binary, 12/24 h, UIP, SET, periodic/alarm/update interrupts on IRQ 8, CMOS bytes.

import XCTest
import EmulatorCore
@testable import Devices

final class RTCTests: XCTestCase {
    var clock: VirtualClock!
    var events: EventQueue!
    var rtc: RTC!
    var irqs: [UInt64] = []

    func make(epoch: Int64 = RTC.defaultEpoch) {
        clock = VirtualClock()
        events = EventQueue(clock: clock)
        rtc = RTC(clock: clock, events: events, epoch: epoch)
        irqs = []
        rtc.irq8.connect { [unowned self] l in if l { self.irqs.append(self.clock.now) } }
    }
    override func setUp() { make() }

    func reg(_ r: UInt8) -> UInt8 {
        rtc.ports.write(offset: 0, size: 1, value: UInt64(r))
        return UInt8(rtc.ports.read(offset: 1, size: 1))
    }
    func set(_ r: UInt8, _ v: UInt8) {
        rtc.ports.write(offset: 0, size: 1, value: UInt64(r))
        rtc.ports.write(offset: 1, size: 1, value: UInt64(v))
    }
    func run(to ns: UInt64) {
        while let d = events.nextDeadline, d <= ns {
            clock.advance(by: clock.instructions(until: d))
            events.runDue()
        }
        clock.advance(by: clock.instructions(until: ns))
    }
    func time() -> [UInt8] { [0x32, 0x09, 0x08, 0x07, 0x06, 0x04, 0x02, 0x00].map { reg($0) } }

    func testDefaultEpochInBCD24h() {
        // 2024-01-01 00:00:00, a Monday (RTC day of week: Sunday = 1).
        XCTAssertEqual(time(), [0x20, 0x24, 0x01, 0x01, 0x02, 0x00, 0x00, 0x00])
        XCTAssertEqual(reg(0x0D), 0x80)
        XCTAssertEqual(reg(0x0B), 0x02)
    }

    func testAdvancesWithVirtualTimeNotHostTime() {
        run(to: (13 * 3600 + 59 * 60 + 7) * 1_000_000_000 + 999_999_999)
        XCTAssertEqual(time(), [0x20, 0x24, 0x01, 0x01, 0x02, 0x13, 0x59, 0x07])
        set(0x0B, 0x06)                                   // binary, 24 h
        XCTAssertEqual(time(), [20, 24, 1, 1, 2, 13, 59, 7])
        set(0x0B, 0x00)                                   // BCD, 12 h: 1 PM
        XCTAssertEqual(reg(0x04), 0x81)
        set(0x0B, 0x04)                                   // binary, 12 h
        XCTAssertEqual(reg(0x04), 0x81)
    }

    func testLeapDayRolloverFromAnEpochOption() {
        make(epoch: 951_868_799)                          // 2000-02-29 23:59:59 UTC
        XCTAssertEqual(time(), [0x20, 0x00, 0x02, 0x29, 0x03, 0x23, 0x59, 0x59])   // Tuesday
        run(to: 1_000_000_000)
        XCTAssertEqual(time(), [0x20, 0x00, 0x03, 0x01, 0x04, 0x00, 0x00, 0x00])
    }

    /// The date arithmetic against Foundation's Gregorian calendar (an independent oracle).
    func testCivilDateConversionMatchesFoundation() {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(identifier: "UTC")!
        var s: UInt64 = 12345
        for _ in 0..<2000 {
            s = s &* 6364136223846793005 &+ 1442695040888963407
            let t = Int64(s >> 31) % 7_300_000_000 - 2_208_988_800      // 1900 ... ~2130
            let f = RTC.fields(t)
            let c = cal.dateComponents([.year, .month, .day, .hour, .minute, .second, .weekday],
                                       from: Date(timeIntervalSince1970: TimeInterval(t)))
            XCTAssertEqual([f.year, f.month, f.day, f.hour, f.minute, f.second, f.weekday],
                           [c.year, c.month, c.day, c.hour, c.minute, c.second, c.weekday].map { Int64($0 ?? -1) })
            XCTAssertEqual(RTC.unix(f), t)
        }
    }

    /// `--rtc-epoch` text: dates checked against Foundation's ISO 8601 parser (the oracle), and
    /// every malformed form refused rather than misread.
    func testParseEpochAgreesWithFoundationAndRefusesBadInput() {
        let iso = ISO8601DateFormatter()
        iso.timeZone = TimeZone(identifier: "UTC")!
        for text in ["1970-01-01T00:00:00", "2000-02-29T12:34:56", "2001-02-03T04:05:06",
                     "1601-01-01T00:00:00", "9999-12-31T23:59:59", "2024-12-31T23:59:59"] {
            let expected = iso.date(from: text + "Z").map { Int64($0.timeIntervalSince1970) }
            XCTAssertNotNil(expected, text)
            XCTAssertEqual(RTC.parseEpoch(text), expected, text)
        }
        XCTAssertEqual(RTC.parseEpoch("2001-02-03"), RTC.parseEpoch("2001-02-03T00:00:00"))
        XCTAssertEqual(RTC.parseEpoch("2001-02-03T04:05"), RTC.parseEpoch("2001-02-03T04:05:00"))
        XCTAssertEqual(RTC.parseEpoch("981173106"), 981_173_106)
        XCTAssertEqual(RTC.parseEpoch("-1"), -1)
        for bad in ["", "2001-02-30", "2023-02-29", "2001-13-01", "2001-00-10", "0-01-01", "2001-1", "2001-02-03T24:00",
                    "2001-02-03T04:60", "2001-02-03T04:05:06:07", "2001-02-03T", "2001-02-03 04:05", "abc",
                    "99999999999999999999", "2001-02-03T04:05:-1", "--", "T", "2001-02-03TT04:05"] {
            XCTAssertNil(RTC.parseEpoch(bad), bad)
        }
    }

    func testUpdateInProgressWindow() {
        run(to: 500_000_000)
        XCTAssertEqual(reg(0x0A) & 0x80, 0)
        run(to: 1_000_000_000 - 244_000)
        XCTAssertEqual(reg(0x0A) & 0x80, 0x80)
        XCTAssertEqual(reg(0x00), 0x00)                   // not updated yet
        run(to: 1_000_000_000)
        XCTAssertEqual(reg(0x0A), 0x26)                   // UIP clear, divider and rate as BIOS left them
        XCTAssertEqual(reg(0x00), 0x01)
    }

    func testSetHaltsUpdatesAndWritesTakeEffect() {
        run(to: 3_300_000_000)
        set(0x0B, 0x82)                                   // SET, 24 h, BCD
        set(0x04, 0x22); set(0x02, 0x30); set(0x00, 0x15)
        set(0x07, 0x31); set(0x08, 0x12); set(0x09, 0x99); set(0x32, 0x19)
        run(to: 10_000_000_000)
        XCTAssertEqual(time(), [0x19, 0x99, 0x12, 0x31, 0x06, 0x22, 0x30, 0x15])   // frozen; a Friday
        XCTAssertEqual(reg(0x0A) & 0x80, 0)               // no UIP while SET
        set(0x0B, 0x02)
        run(to: 11_000_000_000)
        XCTAssertEqual(reg(0x00), 0x16)
        run(to: 5_396_000_000_000)                        // 22:30:15 + 1:29:46 (updates resumed at 10 s)
        XCTAssertEqual(time(), [0x20, 0x00, 0x01, 0x01, 0x07, 0x00, 0x00, 0x01])   // Y2K, Saturday
    }

    func testPeriodicInterruptOnIRQ8() {
        set(0x0B, 0x42)                                   // PIE
        run(to: 1_000_000)
        XCTAssertEqual(irqs, [976_563])                   // first 1/1024 s boundary, rounded up
        XCTAssertTrue(rtc.irq8.level)
        XCTAssertEqual(reg(0x0C), 0xC0)                   // IRQF | PF
        XCTAssertFalse(rtc.irq8.level)                    // reading C clears and lowers IRQ 8
        XCTAssertEqual(reg(0x0C), 0x00)
        var count = 1
        while clock.now < 1_000_000_000 {                 // the handler reads C each time (as Linux does)
            guard let d = events.nextDeadline else { break }
            run(to: d)
            if rtc.irq8.level { count += 1; _ = reg(0x0C) }
        }
        XCTAssertEqual(count, 1024)
        set(0x0A, 0x2F)                                   // rate 15: 2 Hz
        irqs = []
        run(to: 3_000_000_000)
        XCTAssertEqual(irqs.first, 1_500_000_000)
    }

    func testFlagsWithoutInterruptsAndUpdateAndAlarm() {
        run(to: 10_000_000)
        XCTAssertEqual(reg(0x0C), 0x40)                   // PF set even with PIE off; no IRQF
        XCTAssertTrue(irqs.isEmpty)
        set(0x0B, 0x12)                                   // UIE
        run(to: 2_500_000_000)
        XCTAssertEqual(irqs, [1_000_000_000])             // latched until C is read
        XCTAssertEqual(reg(0x0C), 0xD0)                   // IRQF | PF | UF
        set(0x01, 0x05); set(0x03, 0x00); set(0x05, 0x00)   // alarm at 00:00:05
        set(0x0B, 0x22)                                   // AIE only
        irqs = []
        run(to: 7_000_000_000)
        XCTAssertEqual(irqs, [5_000_000_000])
        XCTAssertEqual(reg(0x0C) & 0xA0, 0xA0)
        set(0x01, 0xC0); set(0x03, 0xC0); set(0x05, 0xC0)   // don't care: every second
        set(0x0B, 0x22)
        irqs = []
        for s in 8...10 { run(to: UInt64(s) * 1_000_000_000); _ = reg(0x0C) }
        XCTAssertEqual(irqs, [8_000_000_000, 9_000_000_000, 10_000_000_000])
    }

    func testCMOSRamAndMemorySizeBytes() {
        set(0x40, 0x5A)
        XCTAssertEqual(reg(0x40), 0x5A)
        rtc.ports.write(offset: 0, size: 1, value: 0x8F)  // NMI disable + index 0x0F
        XCTAssertTrue(rtc.nmiDisabled)
        rtc.setMemorySize(below4G: 256 << 20, above4G: 1 << 30)
        XCTAssertEqual([reg(0x15), reg(0x16)], [0x80, 0x02])            // 640 KiB
        XCTAssertEqual([reg(0x17), reg(0x18), reg(0x30), reg(0x31)], [0xFF, 0xFF, 0xFF, 0xFF])
        XCTAssertEqual([reg(0x34), reg(0x35)], [0x00, 0x0F])            // 240 MiB / 64 KiB
        XCTAssertEqual([reg(0x5B), reg(0x5C), reg(0x5D)], [0x00, 0x40, 0x00])
        rtc.setMemorySize(below4G: 8 << 20)
        XCTAssertEqual([reg(0x17), reg(0x18)], [0x00, 0x1C])            // 7168 KiB
        XCTAssertEqual([reg(0x34), reg(0x35)], [0, 0])
    }

    func testSnapshotRoundTrip() throws {
        set(0x0B, 0x52); set(0x40, 0x77)
        run(to: 1_234_567_890)
        let w = StateWriter()
        clock.save(to: w); events.save(to: w); rtc.save(to: w)
        let c2 = VirtualClock(), e2 = EventQueue(clock: c2), r2 = RTC(clock: c2, events: e2)
        let rd = StateReader(bytes: w.bytes)
        try c2.restore(from: rd); try e2.restore(from: rd); try r2.restore(from: rd)
        XCTAssertEqual(rtc.stateHash(), r2.stateHash())
        XCTAssertEqual(e2.nextDeadline, events.nextDeadline)
        var irqs2: [UInt64] = []
        r2.irq8.connect { if $0 { irqs2.append(c2.now) } }
        irqs = []
        for (c, e, r) in [(clock!, events!, rtc!), (c2, e2, r2)] {
            for _ in 0..<50 {
                r.ports.write(offset: 0, size: 1, value: 0x0C); _ = r.ports.read(offset: 1, size: 1)
                guard let d = e.nextDeadline else { break }
                c.advance(by: c.instructions(until: d)); e.runDue()
            }
        }
        XCTAssertEqual(irqs.count, 50)
        XCTAssertEqual(irqs, irqs2)
        XCTAssertEqual(rtc.stateHash(), r2.stateHash())
        var bad = w.bytes
        bad.removeLast(5)
        let c3 = VirtualClock(), e3 = EventQueue(clock: c3)
        let r3 = RTC(clock: c3, events: e3)
        let rd3 = StateReader(bytes: bad)
        try c3.restore(from: rd3); try e3.restore(from: rd3)
        XCTAssertThrowsError(try r3.restore(from: rd3))
    }
}
