// KernelCoreTests: the kernel's time arithmetic, CMOS RTC decoding and IOAPIC redirection
// entries. Oracles: the host's Foundation calendar (Gregorian, UTC) for dates, Swift's
// 128-bit dividingFullWidth for the kernel's software division, the MC146818A datasheet for
// the RTC formats, the 82093AA datasheet for entry bits, and the QEMU pc MADT fixture
// (iasl -d: IRQ 0 -> GSI 2, IRQ 5/9/10/11 level active-high) for the routing.

import Foundation
import XCTest
@testable import KernelCore

final class TimeMathTests: XCTestCase {
    func testSoftwareDivisionMatchesTheStandardLibrary() {
        var rng = SplitMix(state: 7)
        for _ in 0..<20_000 {
            let divisor = rng.next() | 1
            let high = rng.next() % divisor
            let low = rng.next()
            XCTAssertEqual(TimeMath.divide(high: high, low: low, by: divisor),
                           divisor.dividingFullWidth((high: high, low: low)).quotient)
        }
        // Divisors with the top bit set exercise the 65-bit intermediate remainder.
        XCTAssertEqual(TimeMath.divide(high: UInt64.max - 1, low: UInt64.max, by: UInt64.max),
                       UInt64.max.dividingFullWidth((high: UInt64.max - 1, low: UInt64.max)).quotient)
    }

    func testScaleAndHertz() {
        // 100 MHz HPET (10^7 fs per count): 123456789 counts = 1.23456789 s.
        XCTAssertEqual(TimeMath.scale(123_456_789, numerator: 10_000_000, denominator: 1_000_000), 1_234_567_890)
        XCTAssertEqual(TimeMath.scale(1, numerator: 1, denominator: 0), UInt64.max, "no trap on a zero divisor")
        XCTAssertEqual(TimeMath.scale(UInt64.max, numerator: UInt64.max, denominator: 2), UInt64.max, "saturates")
        // 62,500 counts x 16 in 1 ms: a 1 GHz APIC timer input clock.
        XCTAssertEqual(TimeMath.hertz(counts: 62_500 * 16, overFemtoseconds: 1_000_000_000_000), 1_000_000_000)
        XCTAssertEqual(TimeMath.formatMHz(999_968_123), "999.968 MHz")
        XCTAssertEqual(TimeMath.formatMHz(100_000_000), "100.000 MHz")
        XCTAssertEqual(TimeMath.formatMHz(1_193_182), "1.193 MHz")
    }

    func testUnixSecondsAgreeWithTheHostCalendar() throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = try XCTUnwrap(TimeZone(identifier: "UTC"))
        var rng = SplitMix(state: 11)
        var dates: [CivilTime] = [CivilTime(year: 1970, month: 1, day: 1, hour: 0, minute: 0, second: 0),
                                  CivilTime(year: 2000, month: 2, day: 29, hour: 23, minute: 59, second: 59),
                                  CivilTime(year: 2100, month: 3, day: 1, hour: 12, minute: 0, second: 0),
                                  CivilTime(year: 2024, month: 12, day: 31, hour: 1, minute: 2, second: 3)]
        for _ in 0..<2000 {
            let year = 1970 + Int(rng.next() % 230), month = 1 + Int(rng.next() % 12)
            let day = 1 + Int(rng.next() % UInt64(CivilTime.daysInMonth(year: year, month: month)))
            dates.append(CivilTime(year: year, month: month, day: day, hour: Int(rng.next() % 24),
                                   minute: Int(rng.next() % 60), second: Int(rng.next() % 60)))
        }
        for t in dates {
            let components = DateComponents(year: t.year, month: t.month, day: t.day, hour: t.hour, minute: t.minute, second: t.second)
            let host = try XCTUnwrap(calendar.date(from: components)).timeIntervalSince1970
            XCTAssertEqual(t.unixSeconds, Int64(host), "\(t.formatted)")
        }
    }

    func testRTCFormats() {
        // Status B bit 2 clear: BCD; bit 1 set: 24-hour. 2026-11-25 23:59:58 with century 0x20.
        let bcd = RTCTime(second: 0x58, minute: 0x59, hour: 0x23, day: 0x25, month: 0x11, year: 0x26, century: 0x20)
        XCTAssertEqual(bcd.decoded(statusB: 0x02), CivilTime(year: 2026, month: 11, day: 25, hour: 23, minute: 59, second: 58))
        XCTAssertEqual(bcd.decoded(statusB: 0x02)?.formatted, "2026-11-25 23:59:58")
        // Binary, 24-hour.
        let binary = RTCTime(second: 58, minute: 59, hour: 23, day: 25, month: 11, year: 26, century: 20)
        XCTAssertEqual(binary.decoded(statusB: 0x06), bcd.decoded(statusB: 0x02))
        // 12-hour mode: bit 7 of the hour = PM; 12 AM is midnight, 12 PM is noon.
        func hour(_ raw: UInt8, _ b: UInt8 = 0x00) -> Int? {
            RTCTime(second: 0, minute: 0, hour: raw, day: 1, month: 1, year: 0x24, century: 0).decoded(statusB: b)?.hour
        }
        XCTAssertEqual(hour(0x12), 0)
        XCTAssertEqual(hour(0x92), 12)
        XCTAssertEqual(hour(0x81), 13)
        XCTAssertEqual(hour(0x11), 11)
        XCTAssertEqual(hour(0x80 | 11, 0x04), 23, "binary 12-hour")
        XCTAssertNil(hour(0x00), "hour 0 does not exist in 12-hour mode")
        // No century register: 20xx. Impossible values are nil, not a trap.
        XCTAssertEqual(RTCTime(second: 0, minute: 0, hour: 0, day: 1, month: 1, year: 0x24, century: 0).decoded(statusB: 2)?.year, 2024)
        XCTAssertNil(RTCTime(second: 0x5A, minute: 0, hour: 0, day: 1, month: 1, year: 0, century: 0).decoded(statusB: 2), "bad BCD digit")
        XCTAssertNil(RTCTime(second: 0, minute: 0, hour: 0, day: 0x30, month: 0x02, year: 0x23, century: 0).decoded(statusB: 2), "Feb 30")
        XCTAssertNil(RTCTime(second: 0, minute: 0, hour: 0, day: 1, month: 0x13, year: 0, century: 0).decoded(statusB: 2))
        XCTAssertNil(RTCTime(second: 255, minute: 255, hour: 255, day: 255, month: 255, year: 255, century: 255).decoded(statusB: 6))
    }
}

final class RedirectionEntryTests: XCTestCase {
    func testBitsFollowThe82093AA() {
        let e = RedirectionEntry(vector: 0x54, activeLow: true, levelTriggered: true, masked: true, destination: 3)
        XCTAssertEqual(e.raw, 0x54 | 1 << 13 | 1 << 15 | 1 << 16 | 3 << 56)
        XCTAssertEqual(RedirectionEntry(raw: e.raw), e)
        // Read-only bits (12 delivery status, 14 remote IRR) do not change the decoded entry.
        XCTAssertEqual(RedirectionEntry(raw: e.raw | 1 << 12 | 1 << 14), e)
    }

    func testISARoutingFromTheQEMUMADT() throws {
        let mem = Fixture.qemu("pc")
        let madt = try ACPITables(memory: mem, rsdp: try RSDP.find(memory: mem)).madt()
        let timer = madt.gsi(forISAIRQ: 0)
        XCTAssertEqual(timer.gsi, 2)
        XCTAssertEqual(RedirectionEntry.forISA(vector: 0x52, intiFlags: timer.flags, destination: 0),
                       RedirectionEntry(vector: 0x52), "IRQ 0: bus default, edge and active high")
        let sci = madt.gsi(forISAIRQ: 9)      // flags 0x000D: active high, level
        XCTAssertEqual(RedirectionEntry.forISA(vector: 0x59, intiFlags: sci.flags, destination: 1),
                       RedirectionEntry(vector: 0x59, activeLow: false, levelTriggered: true, destination: 1))
        let com1 = madt.gsi(forISAIRQ: 4)
        XCTAssertEqual(com1.gsi, 4)
        XCTAssertEqual(RedirectionEntry.forISA(vector: 0x54, intiFlags: com1.flags, destination: 0).raw, 0x54)
        // Active low + level (11b in both fields), as PCI interrupts are described.
        XCTAssertEqual(RedirectionEntry.forISA(vector: 0x60, intiFlags: 0b1111, destination: 0).raw, 0x60 | 1 << 13 | 1 << 15)
    }
}
