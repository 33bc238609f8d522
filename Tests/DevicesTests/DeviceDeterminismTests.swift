// System-level determinism of the time devices: a miniature board (clock, event queue, PIC,
// PIT, RTC, UART) driven by a fake CPU that takes interrupts only where the board can see them
// (after events fire). Whatever the slicing of the run, and across a snapshot/restore into a
// freshly built board, the interrupts are taken at the same instruction counts.

import XCTest
import EmulatorCore
@testable import Devices

final class DeviceDeterminismTests: XCTestCase {
    final class MiniBoard {
        let clock = VirtualClock()
        lazy var events = EventQueue(clock: clock)
        let pic = PIC8259()
        lazy var pit = PIT(clock: clock, events: events)
        lazy var rtc = RTC(clock: clock, events: events)
        let uart = UART16550(name: "COM1")
        var log: [String] = []

        init() {
            pit.irq0.connect { [unowned self] in self.pic.setIRQ(0, level: $0) }
            rtc.irq8.connect { [unowned self] in self.pic.setIRQ(8, level: $0) }
            uart.irq.connect { [unowned self] in self.pic.setIRQ(4, level: $0) }
        }

        func out(_ d: BusDevice, _ off: UInt64, _ v: UInt8) { d.write(offset: off, size: 1, value: UInt64(v)) }

        /// What a kernel's init would do: PIC at 0x20/0x28, PIT 1 kHz, RTC 64 Hz, UART RX IRQ.
        func program() {
            for (p, v) in [(0, 0x11), (1, 0x20), (1, 0x04), (1, 0x01), (1, 0x00)] as [(UInt64, UInt8)] { out(pic.masterPorts, p, v) }
            for (p, v) in [(0, 0x11), (1, 0x28), (1, 0x02), (1, 0x01), (1, 0x00)] as [(UInt64, UInt8)] { out(pic.slavePorts, p, v) }
            out(pit.ports, 3, 0x34); out(pit.ports, 0, 0xA9); out(pit.ports, 0, 0x04)
            out(rtc.ports, 0, 0x0A); out(rtc.ports, 1, 0x2A)      // rate 10: 64 Hz
            out(rtc.ports, 0, 0x0B); out(rtc.ports, 1, 0x42)      // PIE
            out(uart.self as BusDevice, 4, 0x08); out(uart, 1, 0x01)
        }

        /// Services whatever interrupt is pending, as a kernel handler would (EOI, clear the source).
        func takeInterrupts() {
            while pic.intr.level {
                let v = pic.acknowledge()
                log.append("\(clock.instructions):\(v)")
                switch v {
                case 0x28:
                    out(rtc.ports, 0, 0x0C); _ = rtc.ports.read(offset: 1, size: 1)
                    out(pic.slavePorts, 0, 0x20)
                case 0x24:
                    while uart.read(offset: 5, size: 1) & 1 != 0 { log.append("rx \(uart.read(offset: 0, size: 1))") }
                default: break
                }
                out(pic.masterPorts, 0, 0x20)
            }
        }

        /// Runs `n` instructions in slices of at most `slice`, stopping at every event deadline.
        /// Input bytes arrive at fixed instruction counts (the recorded input queue).
        func run(_ n: UInt64, slice: UInt64, input: [(UInt64, UInt8)]) {
            let end = clock.instructions + n
            takeInterrupts()          // port writes may have raised a line (a CPU checks after OUT)
            while clock.instructions < end {
                var budget = min(slice, end - clock.instructions)
                if let d = events.nextDeadline { budget = min(budget, max(1, clock.instructions(until: d))) }
                if let next = input.first(where: { $0.0 > clock.instructions })?.0 {
                    budget = min(budget, next - clock.instructions)
                }
                clock.advance(by: budget)
                for (at, b) in input where at == clock.instructions { uart.receive(byte: b) }
                events.runDue()
                takeInterrupts()
            }
        }

        var hash: StateHash {
            var h = StateHash()
            for s in [clock, events, pic, pit, rtc, uart] as [Snapshottable] { s.contributeHash(to: &h) }
            return h
        }

        func save() -> [UInt8] {
            let w = StateWriter()
            w.fileHeader()
            for s in [clock, events, pic, pit, rtc, uart] as [Snapshottable] { s.save(to: w) }
            return w.bytes
        }

        func restore(_ bytes: [UInt8]) throws {
            let r = StateReader(bytes: bytes)
            try r.fileHeader()
            for s in [clock, events, pic, pit, rtc, uart] as [Snapshottable] { try s.restore(from: r) }
            try r.expectEnd()
        }
    }

    let input: [(UInt64, UInt8)] = [(1_500_000, 0x61), (1_500_001, 0x62), (7_000_123, 0x0A)]

    func testSameInterruptsWhateverTheSlicing() {
        var logs: [[String]] = []
        var hashes: [StateHash] = []
        for slice: UInt64 in [1_000_000_000, 4096, 777] {
            let b = MiniBoard()
            b.program()
            b.run(20_000_000, slice: slice, input: input)
            logs.append(b.log)
            hashes.append(b.hash)
        }
        XCTAssertEqual(logs[0].filter { $0.hasSuffix(":32") }.count, 21)   // IRQ 0: 20 ms at 1 kHz + the first edge
        XCTAssertEqual(logs[0].filter { $0.hasSuffix(":40") }.count, 1)    // IRQ 8: 64 Hz
        XCTAssertTrue(logs[0].contains("rx 97"))
        for l in logs.dropFirst() { XCTAssertEqual(l, logs[0]) }
        for h in hashes.dropFirst() { XCTAssertEqual(h, hashes[0]) }
    }

    func testSnapshotMidRunContinuesIdentically() throws {
        let a = MiniBoard()
        a.program()
        a.run(3_333_333, slice: 5000, input: input)
        let snap = a.save()
        let before = a.log.count
        a.run(10_000_000, slice: 5000, input: input)

        let b = MiniBoard()          // built the same way; state comes only from the snapshot
        try b.restore(snap)
        XCTAssertEqual(b.hash, { let c = MiniBoard(); try? c.restore(snap); return c.hash }())
        b.run(10_000_000, slice: 333, input: input)
        XCTAssertEqual(Array(a.log.dropFirst(before)), b.log)
        XCTAssertEqual(a.hash, b.hash)
        // A damaged file is refused with a typed error.
        XCTAssertThrowsError(try MiniBoard().restore(Array(snap.dropLast(1))))
        var junk = snap; junk[0] = 0
        XCTAssertThrowsError(try MiniBoard().restore(junk)) { XCTAssertEqual($0 as? SnapshotError, .badMagic) }
    }
}
