// Tests for the HPET (IA-PC HPET Specification 1.0a) and the ACPI PM timer (ACPI spec §4.8.3.3),
// both counting virtual time only.

import XCTest
import EmulatorCore
@testable import Devices

final class HPETTests: XCTestCase {
    private struct Rig {
        let clock = VirtualClock()
        let queue: EventQueue
        let hpet: HPET
        let bus = IOBus()
        let gsi = (0..<24).map { InterruptLine(name: "gsi\($0)") }
        let irq0 = InterruptLine(name: "irq0"), irq8 = InterruptLine(name: "irq8")
        init() throws {
            queue = EventQueue(clock: clock)
            hpet = HPET(queue: queue, gsiLines: gsi, legacyLines: (irq0, irq8))
            try bus.map(hpet, at: 0xFED0_0000, length: 0x400, name: "hpet")
        }
        func run(_ ns: UInt64) { clock.advance(by: ns); queue.runDue() }
        func r64(_ off: UInt64) -> UInt64 { bus.read(0xFED0_0000 + off, size: 8) }
        func w64(_ off: UInt64, _ v: UInt64) { bus.write(0xFED0_0000 + off, size: 8, value: v) }
    }

    /// Records rising edges of a line.
    private func edges(_ line: InterruptLine) -> () -> Int {
        final class Box { var n = 0 }
        let box = Box()
        line.connect { if $0 { box.n += 1 } }
        return { box.n }
    }

    func testCapabilitiesRegister() throws {
        let rig = try Rig()
        let cap = rig.r64(0)
        XCTAssertEqual(cap >> 32, 10_000_000, "10 ns period in femtoseconds")
        XCTAssertLessThanOrEqual(cap >> 32, 0x05F5_E100, "spec: period at most 100 ns")
        XCTAssertEqual((cap >> 8) & 0x1F, 2, "NUM_TIM_CAP = timers - 1")
        XCTAssertNotEqual(cap & (1 << 13), 0, "64-bit counter")
        XCTAssertNotEqual(cap & (1 << 15), 0, "legacy replacement capable")
        XCTAssertEqual(cap & 0xFF, 1, "revision 1")
        // 32-bit reads see the halves.
        XCTAssertEqual(rig.bus.read(0xFED0_0004, size: 4), 10_000_000)
        // Timer capabilities: periodic and 64-bit capable, route cap in the high half.
        let t0 = rig.r64(0x100)
        XCTAssertNotEqual(t0 & HPET.tnPeriodicCap, 0)
        XCTAssertNotEqual(t0 & HPET.tnSize64Cap, 0)
        XCTAssertEqual(t0 >> 32, HPET.routeCapability)
    }

    func testMainCounterRunsOnlyWhenEnabled() throws {
        let rig = try Rig()
        rig.run(1000)
        XCTAssertEqual(rig.r64(0xF0), 0, "halted")
        rig.w64(0xF0, 500)                                              // writable while halted
        rig.w64(0x10, 1)                                                // ENABLE_CNF
        rig.run(1000)
        XCTAssertEqual(rig.r64(0xF0), 600, "100 ticks per microsecond")
        rig.w64(0xF0, 0)                                                // ignored while running
        XCTAssertEqual(rig.r64(0xF0), 600)
        rig.w64(0x10, 0)
        rig.run(1000)
        XCTAssertEqual(rig.r64(0xF0), 600, "stopped counters hold their value")
    }

    func testOneShotEdgeInterruptOnRoute() throws {
        let rig = try Rig()
        let count = edges(rig.gsi[20])
        rig.w64(0x100, HPET.tnIntEnable | 20 << 9)                      // edge, route to IOAPIC 20
        rig.w64(0x108, 250)                                             // comparator: tick 250 = 2.5 us
        rig.w64(0x10, 1)
        rig.run(2499)
        XCTAssertEqual(count(), 0)
        rig.run(1)
        XCTAssertEqual(count(), 1)
        XCTAssertFalse(rig.gsi[20].level, "edge mode pulses")
        XCTAssertEqual(rig.r64(0x20), 0, "no status bit for edge interrupts")
        rig.run(100_000)
        XCTAssertEqual(count(), 1, "one-shot 64-bit: no repeat")
    }

    func testPeriodicWithValSet() throws {
        let rig = try Rig()
        let count = edges(rig.gsi[21])
        rig.w64(0x120, HPET.tnIntEnable | HPET.tnPeriodic | HPET.tnValSet | 21 << 9)   // timer 1
        rig.w64(0x128, 100)                                             // comparator = 100 (VAL_SET)
        rig.w64(0x128, 50)                                              // period = 50 ticks
        XCTAssertEqual(rig.r64(0x128), 100)
        XCTAssertEqual(rig.r64(0x120) & HPET.tnValSet, 0, "VAL_SET clears itself")
        rig.w64(0x10, 1)
        var fireTimes: [UInt64] = []
        for _ in 0..<2100 {
            let before = count()
            rig.run(1)
            if count() != before { fireTimes.append(rig.clock.now) }
        }
        XCTAssertEqual(fireTimes, [1000, 1500, 2000], "ticks 100, 150, 200")
        XCTAssertEqual(rig.r64(0x128), 250, "the comparator advanced by the period")
    }

    func testLevelModeStatusAndWriteOneToClear() throws {
        let rig = try Rig()
        rig.w64(0x140, HPET.tnIntEnable | HPET.tnLevel | 22 << 9)       // timer 2, level
        rig.w64(0x148, 10)
        rig.w64(0x10, 1)
        rig.run(100)
        XCTAssertEqual(rig.r64(0x20), 1 << 2)
        XCTAssertTrue(rig.gsi[22].level)
        rig.w64(0x20, 1 << 1)                                           // other bit: no effect
        XCTAssertTrue(rig.gsi[22].level)
        rig.w64(0x20, 1 << 2)
        XCTAssertEqual(rig.r64(0x20), 0)
        XCTAssertFalse(rig.gsi[22].level)
    }

    func testLegacyReplacementRoutesTimers0And1() throws {
        let rig = try Rig()
        let irq0 = edges(rig.irq0), irq8 = edges(rig.irq8), gsi2 = edges(rig.gsi[2])
        rig.w64(0x100, HPET.tnIntEnable | HPET.tnPeriodic | HPET.tnValSet | 2 << 9)
        rig.w64(0x108, 100); rig.w64(0x108, 100)                        // every microsecond
        rig.w64(0x120, HPET.tnIntEnable)
        rig.w64(0x128, 300)
        rig.w64(0x10, HPET.enableCnf | HPET.legacyRouteCnf)
        rig.run(3500)
        XCTAssertEqual(irq0(), 3)
        XCTAssertEqual(irq8(), 1)
        XCTAssertEqual(gsi2(), 0, "the route field is ignored in legacy mode")
    }

    func testThirtyTwoBitModeWraps() throws {
        let rig = try Rig()
        let count = edges(rig.gsi[20])
        rig.w64(0xF0, 0xFFFF_FF00)                                      // just below 2^32
        rig.w64(0x100, HPET.tnIntEnable | HPET.tn32Bit | 20 << 9)
        rig.w64(0x108, 0x1_0000_0010)                                   // truncated to 0x10
        XCTAssertEqual(rig.r64(0x108), 0x10)
        rig.w64(0x10, 1)
        rig.run(0x110 * 10 - 1)
        XCTAssertEqual(count(), 0)
        rig.run(1)
        XCTAssertEqual(count(), 1, "fires when the low 32 bits wrap to the comparator")
    }

    func testSnapshotGivesSameFutureInterrupts() throws {
        let a = try Rig(), b = try Rig()
        for rig in [a, b] {
            rig.w64(0x100, HPET.tnIntEnable | HPET.tnPeriodic | HPET.tnValSet | 20 << 9)
            rig.w64(0x108, 70); rig.w64(0x108, 70)
        }
        a.w64(0x10, 1)
        a.run(1234)
        let w = StateWriter()
        a.clock.save(to: w); a.queue.save(to: w); a.hpet.save(to: w)
        let r = StateReader(bytes: w.bytes)
        try b.clock.restore(from: r); try b.queue.restore(from: r); try b.hpet.restore(from: r)
        XCTAssertEqual(b.hpet.stateHash(), a.hpet.stateHash())
        let ca = edges(a.gsi[20]), cb = edges(b.gsi[20])
        for _ in 0..<50 {
            a.run(97); b.run(97)
            XCTAssertEqual(cb(), ca())
            XCTAssertEqual(b.r64(0xF0), a.r64(0xF0))
        }
        XCTAssertEqual(ca(), 7, "ticks 140, 210, ..., 560 fall in 1234-6084 ns")
    }
}

final class ACPIPMTimerTests: XCTestCase {
    func testCountsAt3579545HzOfVirtualTime() throws {
        let clock = VirtualClock()
        let pm = ACPIPMTimer(clock: clock)
        let io = IOBus()
        try io.map(pm, at: 0x608, length: 4, name: "pmtmr")
        XCTAssertEqual(io.read(0x608, size: 4), 0)
        clock.advance(by: 1_000_000_000)                                // one virtual second
        XCTAssertEqual(io.read(0x608, size: 4), 3_579_545 & 0xFF_FFFF, "24-bit counter wraps")
        XCTAssertEqual(io.read(0x608, size: 1), 3_579_545 & 0xFF)
        let wide = ACPIPMTimer(clock: clock, is32Bit: true)
        XCTAssertEqual(wide.read(offset: 0, size: 4), 3_579_545)
        // 1 us is 3.58 ticks: floor.
        let c2 = VirtualClock()
        let pm2 = ACPIPMTimer(clock: c2)
        c2.advance(by: 1000)
        XCTAssertEqual(pm2.value, 3)
        pm.write(offset: 0, size: 4, value: 0)                          // read-only
        XCTAssertEqual(pm.value, 3_579_545 & 0xFF_FFFF)
    }

    func testNextOverflowIsWhereTheTopBitFlips() {
        let clock = VirtualClock()
        let pm = ACPIPMTimer(clock: clock)
        let t = pm.nextOverflowTime(after: 0)
        XCTAssertEqual(ACPIPMTimer.ticks(atNanoseconds: t), 1 << 23)
        XCTAssertEqual(ACPIPMTimer.ticks(atNanoseconds: t - 1), (1 << 23) - 1)
        XCTAssertEqual(ACPIPMTimer.ticks(atNanoseconds: pm.nextOverflowTime(after: t)), 1 << 24)
    }

    func testSnapshotChecksWidth() throws {
        let clock = VirtualClock()
        let w = StateWriter()
        ACPIPMTimer(clock: clock, is32Bit: true).save(to: w)
        XCTAssertThrowsError(try ACPIPMTimer(clock: clock).restore(from: StateReader(bytes: w.bytes)))
        XCTAssertNoThrow(try ACPIPMTimer(clock: clock, is32Bit: true).restore(from: StateReader(bytes: w.bytes)))
    }
}
