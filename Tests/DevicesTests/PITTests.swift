// 8254 PIT tests against the datasheet (Intel 8254, 231164): modes, latch, read-back, BCD,
// gate 2 through port 0x61, and IRQ 0 edges at exact virtual times through the event queue.

import XCTest
import EmulatorCore
@testable import Devices

final class PITTests: XCTestCase {
    var clock: VirtualClock!
    var events: EventQueue!
    var pit: PIT!
    var edges: [UInt64] = []      // virtual ns of each IRQ 0 rising edge

    override func setUp() {
        clock = VirtualClock()
        events = EventQueue(clock: clock)
        pit = PIT(clock: clock, events: events)
        edges = []
        pit.irq0.connect { [unowned self] level in if level { self.edges.append(self.clock.now) } }
    }

    func out(_ port: UInt16, _ v: UInt8) {
        if port == 0x61 { pit.systemControlPort.write(offset: 0, size: 1, value: UInt64(v)) }
        else { pit.ports.write(offset: UInt64(port - 0x40), size: 1, value: UInt64(v)) }
    }
    func inb(_ port: UInt16) -> UInt8 {
        if port == 0x61 { return UInt8(pit.systemControlPort.read(offset: 0, size: 1)) }
        return UInt8(pit.ports.read(offset: UInt64(port - 0x40), size: 1))
    }
    /// Runs virtual time forward to `ns`, firing events at their exact deadlines (as the board does).
    func run(to ns: UInt64) {
        while let d = events.nextDeadline, d <= ns {
            clock.advance(by: clock.instructions(until: d))
            events.runDue()
        }
        clock.advance(by: clock.instructions(until: ns))
    }

    func testTickConversion() {
        XCTAssertEqual(PIT.ticks(inNanoseconds: 1_000_000_000), 1_193_182)
        XCTAssertEqual(PIT.nanoseconds(forTicks: 1_193_182), 1_000_000_000)
        XCTAssertEqual(PIT.nanoseconds(forTicks: 1), 839)                  // 838.095 rounded up
        XCTAssertEqual(PIT.ticks(inNanoseconds: 838), 0)
        XCTAssertEqual(PIT.ticks(inNanoseconds: 839), 1)
    }

    func testMode2RateGeneratorRaisesIRQ0EveryPeriodAtExactTimes() {
        out(0x43, 0x34)                 // counter 0, LSB/MSB, mode 2, binary (what Linux writes)
        out(0x40, 0xA9); out(0x40, 0x04)   // N = 1193: ~1 kHz
        XCTAssertTrue(pit.irq0.level)   // mode 2: OUT high after the control word
        XCTAssertEqual(edges, [0])      // (from the power-on low level)
        edges = []
        run(to: 10_000_000)             // 10 ms
        XCTAssertEqual(edges.count, 10)
        // Edge k at tick k*N: the first virtual ns at which k*1193 ticks have elapsed.
        for (k, t) in edges.enumerated() {
            XCTAssertEqual(t, PIT.nanoseconds(forTicks: UInt64(k + 1) * 1193))
        }
    }

    func testMode0InterruptOnTerminalCountAndLiveCount() {
        out(0x43, 0x30)                 // counter 0, LSB/MSB, mode 0
        XCTAssertFalse(pit.irq0.level)  // OUT low after the control word
        out(0x40, 0x10); out(0x40, 0x27)   // N = 10000
        run(to: PIT.nanoseconds(forTicks: 2500))
        out(0x43, 0x00)                 // latch counter 0
        let lo = inb(0x40), hi = inb(0x40)
        XCTAssertEqual(UInt16(lo) | UInt16(hi) << 8, 7500)
        XCTAssertFalse(pit.irq0.level)
        run(to: PIT.nanoseconds(forTicks: 10000) - 1)
        XCTAssertFalse(pit.irq0.level)
        run(to: PIT.nanoseconds(forTicks: 10000))
        XCTAssertTrue(pit.irq0.level)
        XCTAssertEqual(edges, [PIT.nanoseconds(forTicks: 10000)])
        run(to: 100_000_000)
        XCTAssertEqual(edges.count, 1)  // one-shot: stays high
        // The element wraps after terminal count: N - d mod 65536.
        let d = PIT.ticks(inNanoseconds: 100_000_000)
        out(0x43, 0x00)
        let v = UInt16(inb(0x40)) | UInt16(inb(0x40)) << 8
        XCTAssertEqual(UInt64(v), (10000 + 65536 - d % 65536) % 65536)
    }

    func testLatchHoldsValueUntilReadAndLSBMSBToggle() {
        out(0x43, 0x74)                 // counter 1, LSB/MSB, mode 2
        out(0x41, 0x00); out(0x41, 0x10)   // N = 0x1000
        run(to: PIT.nanoseconds(forTicks: 0x100))
        out(0x43, 0x40)                 // latch counter 1
        run(to: PIT.nanoseconds(forTicks: 0x800))
        XCTAssertEqual(inb(0x41), 0x00)
        XCTAssertEqual(inb(0x41), 0x0F) // 0x1000 - 0x100 = 0x0F00, latched
        let lo = inb(0x41), hi = inb(0x41)  // live now: 0x1000 - 0x800
        XCTAssertEqual(UInt16(lo) | UInt16(hi) << 8, 0x0800)
    }

    func testReadBackStatusAndCount() {
        out(0x43, 0xB6)                 // counter 2, LSB/MSB, mode 3, binary
        // Status before the count is written: null count set, OUT high in mode 3.
        out(0x43, 0xE8)                 // read-back: status only (COUNT bit 5 = 1), counter 2
        XCTAssertEqual(inb(0x42), 0x80 | 0x40 | 0x30 | 0x06)
        out(0x61, 0x01)                 // gate 2 high
        out(0x42, 0x00); out(0x42, 0x01)   // N = 256
        out(0x43, 0xC8)                 // read-back count and status of counter 2
        XCTAssertEqual(inb(0x42), 0x80 | 0x30 | 0x06)   // status first, null count clear
        XCTAssertEqual(inb(0x42), 0x00)
        XCTAssertEqual(inb(0x42), 0x01)
    }

    func testBCDCounting() {
        out(0x43, 0x31)                 // counter 0, mode 0, BCD
        out(0x40, 0x00); out(0x40, 0x10)   // 1000 decimal
        XCTAssertEqual(pit.counters[0].reload, 1000)
        run(to: PIT.nanoseconds(forTicks: 1))
        out(0x43, 0x00)
        XCTAssertEqual(inb(0x40), 0x99); XCTAssertEqual(inb(0x40), 0x09)   // 999 in BCD
        run(to: PIT.nanoseconds(forTicks: 1000))
        XCTAssertTrue(pit.irq0.level)
    }

    func testCounter2GateAndOUT2ThroughPort61LikeLinuxTSCCalibration() {
        // Linux pit_calibrate_tsc: gate high, speaker off; mode 0 on counter 2; poll 0x61 bit 5.
        out(0x61, (inb(0x61) & ~0x02) | 0x01)
        out(0x43, 0xB0)
        out(0x42, 0x9C); out(0x42, 0x2E)   // 11932 ticks = 10 ms
        XCTAssertEqual(inb(0x61) & 0x20, 0)
        run(to: 9_999_000)
        XCTAssertEqual(inb(0x61) & 0x20, 0)
        run(to: PIT.nanoseconds(forTicks: 11932))
        XCTAssertEqual(inb(0x61) & 0x20, 0x20)
        XCTAssertEqual(inb(0x61) & 0x03, 0x01)
        // Gate low pauses mode 0; the count resumes where it stopped.
        out(0x43, 0xB0); out(0x42, 0x00); out(0x42, 0x10)   // N = 4096
        run(to: clock.now + PIT.nanoseconds(forTicks: 100))
        out(0x61, 0x00)
        let frozen: UInt16 = { self.out(0x43, 0x80); return UInt16(self.inb(0x42)) | UInt16(self.inb(0x42)) << 8 }()
        run(to: clock.now + 5_000_000)
        out(0x43, 0x80)
        XCTAssertEqual(UInt16(inb(0x42)) | UInt16(inb(0x42)) << 8, frozen)
        XCTAssertTrue(frozen <= 4096 - 99 && frozen >= 4096 - 101)
    }

    func testMode3SquareWaveAndMode4Strobe() {
        out(0x43, 0x36)                 // counter 0 mode 3
        out(0x40, 0x0A); out(0x40, 0x00)   // N = 10: high 5 ticks, low 5
        edges = []
        run(to: PIT.nanoseconds(forTicks: 4))
        XCTAssertTrue(pit.output(0))
        run(to: PIT.nanoseconds(forTicks: 5))
        XCTAssertFalse(pit.output(0))
        run(to: PIT.nanoseconds(forTicks: 100))
        XCTAssertEqual(edges.count, 10)
        edges = []
        out(0x43, 0x38)                 // mode 4: OUT low for one tick at terminal count
        let t0 = clock.now
        out(0x40, 0x20); out(0x40, 0x00)
        XCTAssertTrue(pit.irq0.level)
        run(to: t0 + PIT.nanoseconds(forTicks: 40))
        XCTAssertEqual(edges.count, 1)  // the rising edge after the strobe
    }

    func testSnapshotRoundTripKeepsTheSameFutureIRQs() throws {
        out(0x43, 0x34); out(0x40, 0x9B); out(0x40, 0x2E)   // 100 Hz
        out(0x61, 0x01); out(0x43, 0xB6); out(0x42, 0x33); out(0x42, 0x12)
        run(to: 25_123_456)
        out(0x43, 0x40)                                       // a latch pending in the snapshot
        let w = StateWriter()
        clock.save(to: w); events.save(to: w); pit.save(to: w)

        let c2 = VirtualClock(), e2 = EventQueue(clock: c2)
        let p2 = PIT(clock: c2, events: e2)
        let r = StateReader(bytes: w.bytes)
        try c2.restore(from: r); try e2.restore(from: r); try p2.restore(from: r)
        // (The instruction count is the CPU's state; a manual clock carries it in its section.)
        XCTAssertEqual(pit.stateHash(), p2.stateHash())
        XCTAssertEqual(events.stateHash(), e2.stateHash())
        var edges2: [UInt64] = []
        p2.irq0.connect { if $0 { edges2.append(c2.now) } }
        edges = []
        run(to: 80_000_000)
        while let d = e2.nextDeadline, d <= 80_000_000 { c2.advance(by: c2.instructions(until: d)); e2.runDue() }
        XCTAssertEqual(edges.count, 6)    // 30, 40, ..., 80 ms
        XCTAssertEqual(edges, edges2)
        XCTAssertEqual(UInt8(p2.ports.read(offset: 1, size: 1)), inb(0x41))
        XCTAssertThrowsError(try PIT(clock: c2, events: EventQueue(clock: c2)).restore(from: StateReader(bytes: Array(w.bytes.suffix(40)))))
    }
}
