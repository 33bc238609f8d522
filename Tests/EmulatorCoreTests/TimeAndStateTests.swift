// Tests for EmulatorCore's virtual clock, event queue, interrupt lines and snapshot format.

import XCTest
@testable import EmulatorCore

final class VirtualClockTests: XCTestCase {
    func testOneNanosecondPerInstructionByDefault() {
        let c = VirtualClock()
        XCTAssertEqual(c.now, 0)
        c.advance(by: 1234)
        XCTAssertEqual(c.now, 1234)
    }

    func testConfigurableRateAndInstructionSource() {
        var retired: UInt64 = 0
        let c = VirtualClock(picosecondsPerInstruction: 250)   // a 4 GHz machine
        c.instructionSource = { retired }
        retired = 4000
        XCTAssertEqual(c.now, 1000)
        retired = 4003
        XCTAssertEqual(c.now, 1000)   // 1000.75 ns rounds down
        // Budget to reach 2000 ns: 8000 instructions in total, 3997 from here.
        XCTAssertEqual(c.instructions(until: 2000), 3997)
        retired += 3997
        XCTAssertEqual(c.now, 2000)
        XCTAssertEqual(c.instructions(until: 2000), 0)
    }

    func testInstructionsUntilRoundsUpWithSlowClock() {
        let c = VirtualClock(picosecondsPerInstruction: 3000)   // 3 ns per instruction
        c.advance(by: 1)                                        // now = 3
        let k = c.instructions(until: 10)                       // need total 4 (12 ns)
        XCTAssertEqual(k, 3)
        c.advance(by: k)
        XCTAssertGreaterThanOrEqual(c.now, 10)
        XCTAssertEqual(c.now, 12)
    }

    func testSkipOnlyMovesForward() {
        let c = VirtualClock()
        c.advance(by: 100)
        c.skip(to: 50)
        XCTAssertEqual(c.now, 100)
        c.skip(to: 5000)
        XCTAssertEqual(c.now, 5000)
        c.advance(by: 1)
        XCTAssertEqual(c.now, 5001)
        XCTAssertEqual(c.instructions(until: 6000), 999)
    }

    func testHugeCountsSaturateInsteadOfTrapping() {
        let c = VirtualClock(picosecondsPerInstruction: 1_000_000)
        c.advance(by: UInt64.max)
        XCTAssertEqual(c.now, UInt64.max)
        c.skip(to: UInt64.max)
        XCTAssertEqual(c.instructions(until: 5), 0)
    }
}

final class EventQueueTests: XCTestCase {
    func testFiresInDeadlineThenSchedulingOrder() {
        let clock = VirtualClock()
        let q = EventQueue(clock: clock)
        var log: [String] = []
        let a = q.makeTimer(name: "a") { log.append("a@\($0)") }
        let b = q.makeTimer(name: "b") { log.append("b@\($0)") }
        let c = q.makeTimer(name: "c") { log.append("c@\($0)") }
        q.schedule(c, at: 100)
        q.schedule(b, at: 50)
        q.schedule(a, at: 100)       // same deadline as c, scheduled later: fires after c
        XCTAssertEqual(q.nextDeadline, 50)
        clock.advance(by: 49)
        XCTAssertEqual(q.runDue(), 0)
        clock.advance(by: 60)
        XCTAssertEqual(q.runDue(), 3)
        XCTAssertEqual(log, ["b@50", "c@100", "a@100"])
        XCTAssertNil(q.nextDeadline)
    }

    func testCancelAndRescheduleAndChainedEvents() {
        let clock = VirtualClock()
        let q = EventQueue(clock: clock)
        var fired: [UInt64] = []
        var periodic: EventQueue.Timer?
        periodic = q.makeTimer(name: "tick") { t in
            fired.append(t)
            if let p = periodic, fired.count < 5 { q.schedule(p, at: t + 10) }   // periodic re-arm
        }
        let other = q.makeTimer(name: "other") { _ in XCTFail("cancelled timer fired") }
        q.schedule(other, at: 5)
        q.cancel(other)
        if let p = periodic { q.schedule(p, at: 10); q.schedule(p, at: 20) }   // re-arm moves it
        clock.advance(by: 1000)
        q.runDue()
        XCTAssertEqual(fired, [20, 30, 40, 50, 60])
    }

    /// Two queues fed the same operations fire identically, and a snapshot taken mid-way and
    /// restored into a freshly built queue continues with the same sequence.
    func testDeterminismAndSnapshotRoundTrip() throws {
        func build() -> (VirtualClock, EventQueue, [EventQueue.Timer], Box) {
            let clock = VirtualClock()
            let q = EventQueue(clock: clock)
            let box = Box()
            var ts: [EventQueue.Timer] = []
            for i in 0..<6 {
                ts.append(q.makeTimer(name: "t\(i)") { d in box.log.append("\(i)@\(d)") })
            }
            return (clock, q, ts, box)
        }
        func drive(_ q: EventQueue, _ ts: [EventQueue.Timer], _ clock: VirtualClock, seed: UInt64, steps: Int) {
            var s = seed
            for _ in 0..<steps {
                s = s &* 6364136223846793005 &+ 1442695040888963407
                let t = ts[Int((s >> 33) % 6)]
                if (s >> 20) & 3 == 0 { q.cancel(t) } else { q.schedule(t, after: (s >> 40) % 64) }
                clock.advance(by: (s >> 50) % 16)
                q.runDue()
            }
        }
        let (c1, q1, t1, b1) = build()
        drive(q1, t1, c1, seed: 42, steps: 300)
        let w = StateWriter()
        c1.save(to: w); q1.save(to: w)
        let logAtSnapshot = b1.log.count
        drive(q1, t1, c1, seed: 7, steps: 300)

        let (c2, q2, t2, b2) = build()
        let r = StateReader(bytes: w.bytes)
        try c2.restore(from: r); try q2.restore(from: r)
        try r.expectEnd()
        // Right after restore it hashes like a queue that ran the first half itself.
        let (c3, q3, t3, _) = build()
        drive(q3, t3, c3, seed: 42, steps: 300)
        XCTAssertEqual(q2.stateHash(), q3.stateHash())
        // Replaying the second half on the restored queue fires the identical events.
        drive(q2, t2, c2, seed: 7, steps: 300)
        XCTAssertEqual(q1.stateHash(), q2.stateHash())
        XCTAssertEqual(c1.now, c2.now)
        XCTAssertGreaterThan(b2.log.count, 20)
        XCTAssertEqual(Array(b1.log.suffix(b2.log.count)), b2.log)
        XCTAssertEqual(b1.log.count, logAtSnapshot + b2.log.count)
    }

    final class Box { var log: [String] = [] }
}

final class InterruptLineTests: XCTestCase {
    func testSinkSeesOnlyChanges() {
        var seen: [Bool] = []
        let l = InterruptLine(name: "irq4")
        l.connect { seen.append($0) }
        l.raise(); l.raise(); l.lower(); l.lower()
        XCTAssertEqual(seen, [true, false])
        l.pulse()
        XCTAssertEqual(seen, [true, false, true, false])
        l.raise(); l.pulse()                  // held high: dropped first, then a fresh edge
        XCTAssertEqual(seen, [true, false, true, false, true, false, true, false])
        l.restoreLevel(true)
        XCTAssertTrue(l.level)
        XCTAssertEqual(seen.count, 8)
    }
}

final class SnapshotFormatTests: XCTestCase {
    func testLittleEndianLayoutAndSections() throws {
        let w = StateWriter()
        w.fileHeader()
        w.section("TEST", version: 2) {
            w.u16(0x1234); w.u32(0xAABB_CCDD); w.u64(0x0102_0304_0506_0708); w.bool(true)
            w.blob([9, 8, 7])
        }
        XCTAssertEqual(Array(w.bytes.prefix(8)), [0x4F, 0x52, 0x52, 0x53, 1, 0, 0, 0])   // "ORRS", v1
        XCTAssertEqual(Array(w.bytes[8..<18]), [0x54, 0x45, 0x53, 0x54, 2, 0, 22, 0, 0, 0])   // "TEST" v2 len 22
        XCTAssertEqual(Array(w.bytes[18..<20]), [0x34, 0x12])
        let r = StateReader(bytes: w.bytes)
        try r.fileHeader()
        try r.section("TEST", maxVersion: 2) { v throws(SnapshotError) in
            XCTAssertEqual(v, 2)
            XCTAssertEqual(try r.u16(), 0x1234)
            XCTAssertEqual(try r.u32(), 0xAABB_CCDD)
            XCTAssertEqual(try r.u64(), 0x0102_0304_0506_0708)
            XCTAssertEqual(try r.bool(), true)
            XCTAssertEqual(try r.blob(), [9, 8, 7])
        }
        try r.expectEnd()
    }

    func testUnreadFieldsAreSkippedAndReadsStopAtSectionEnd() throws {
        let w = StateWriter()
        w.section("AAAA", version: 1) { w.u32(1); w.u32(2) }
        w.section("BBBB", version: 1) { w.u8(3) }
        let r = StateReader(bytes: w.bytes)
        try r.section("AAAA", maxVersion: 1) { _ throws(SnapshotError) in _ = try r.u32() }   // an older reader
        try r.section("BBBB", maxVersion: 1) { _ throws(SnapshotError) in
            XCTAssertEqual(try r.u8(), 3)
            XCTAssertThrowsError(try r.u8())                       // cannot read into what follows
        }
    }

    func testBadInputGivesTypedErrors() {
        func err(_ bytes: [UInt8], _ body: (StateReader) throws(SnapshotError) -> Void) -> SnapshotError? {
            do { try body(StateReader(bytes: bytes)); return nil } catch { return error }
        }
        XCTAssertEqual(err([1, 2, 3]) { r throws(SnapshotError) in try r.fileHeader() }, .badMagic)
        XCTAssertEqual(err(Array("ORRS".utf8) + [9, 0, 0, 0]) { r throws(SnapshotError) in try r.fileHeader() },
                       .unsupportedFormat(version: 9))
        XCTAssertEqual(err([1, 2]) { r throws(SnapshotError) in _ = try r.u32() }, .truncated(offset: 0, needed: 2))
        let w = StateWriter()
        w.section("GOOD", version: 3) { w.u8(1) }
        XCTAssertEqual(err(w.bytes) { r throws(SnapshotError) in try r.section("EVIL", maxVersion: 1) { _ in } },
                       .wrongTag(expected: "EVIL", found: "GOOD", offset: 0))
        XCTAssertEqual(err(w.bytes) { r throws(SnapshotError) in try r.section("GOOD", maxVersion: 2) { _ in } },
                       .unsupportedSectionVersion(tag: "GOOD", version: 3))
        var cut = w.bytes; cut.removeLast()
        XCTAssertEqual(err(cut) { r throws(SnapshotError) in try r.section("GOOD", maxVersion: 3) { _ in } },
                       .sectionOverrun(tag: "GOOD", offset: 0))
        XCTAssertEqual(err([7]) { r throws(SnapshotError) in _ = try r.bool() }, .invalidValue(field: "bool at byte 0", value: 7))
        XCTAssertEqual(err([0xFF, 0xFF, 0xFF, 0xFF]) { r throws(SnapshotError) in _ = try r.blob() },
                       .truncated(offset: 4, needed: 0xFFFF_FFFF))
        // Random garbage never traps.
        var s: UInt64 = 1
        for n in 0..<500 {
            var bytes: [UInt8] = []
            for _ in 0..<(n % 40) { s = s &* 6364136223846793005 &+ 1; bytes.append(UInt8(truncatingIfNeeded: s >> 56)) }
            let c = VirtualClock(); let q = EventQueue(clock: c)
            _ = q.makeTimer(name: "x") { _ in }
            _ = err(bytes) { r throws(SnapshotError) in try c.restore(from: r); try q.restore(from: r) }
        }
    }
}
