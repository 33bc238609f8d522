// Interrupt controllers wired as a PC board wires them (tests only; the board owns the real
// wiring): 8259 INTR -> LAPIC LINT0 (ExtINT), ISA/GSI lines -> IOAPIC pins -> LAPIC, LAPIC EOI ->
// IOAPIC, HPET and pc-testdev driving those lines. Checks the interfaces fit together and that
// a whole interrupt path restores from a snapshot with the same future.

import XCTest
import EmulatorCore
@testable import Devices

final class InterruptWiringTests: XCTestCase {
    final class Board {
        let clock = VirtualClock()
        let queue: EventQueue
        let pic = PIC8259()
        let lapic: LocalAPIC
        let ioapic = IOAPIC()
        let gsi = (0..<24).map { InterruptLine(name: "gsi\($0)") }
        let hpet: HPET
        let testdev: PCTestDev
        let io = IOBus(), mmio = IOBus()

        init() throws {
            queue = EventQueue(clock: clock)
            lapic = LocalAPIC(queue: queue)
            hpet = HPET(queue: queue, gsiLines: gsi, legacyLines: (gsi[2], gsi[8]))
            // pc-testdev drives ISA IRQ n = GSI n here (no override needed for n != 0).
            testdev = PCTestDev(irqLines: gsi)
            for (n, line) in gsi.enumerated() {
                line.connect { [ioapic, pic] level in
                    ioapic.setIRQ(n, level: level)
                    if n < 16 { pic.setIRQ(n, level: level) }
                }
            }
            pic.intr.connect { [lapic] in lapic.setLINT(0, level: $0) }
            lapic.externalPending = { [pic] in pic.pendingVector() }
            lapic.externalAcknowledge = { [pic] in pic.acknowledge() }
            ioapic.deliver = { [lapic] in lapic.receive($0) }
            lapic.onEOI = { [ioapic] in ioapic.endOfInterrupt(vector: $0) }
            try io.map(pic.masterPorts, at: 0x20, length: 2, name: "pic1")
            try io.map(pic.slavePorts, at: 0xA0, length: 2, name: "pic2")
            try io.map(testdev.irqPorts, at: 0x2000, length: 24, name: "testdev-irq")
            try mmio.map(lapic, at: 0xFEE0_0000, length: 0x1000, name: "lapic")
            try mmio.map(ioapic, at: 0xFEC0_0000, length: 0x1000, name: "ioapic")
            try mmio.map(hpet, at: 0xFED0_0000, length: 0x400, name: "hpet")
        }

        func initPIC() {
            for (p, v) in [(0x20, 0x11), (0x21, 0x20), (0x21, 0x04), (0x21, 0x01),
                           (0xA0, 0x11), (0xA1, 0x28), (0xA1, 0x02), (0xA1, 0x01)] {
                io.write(UInt64(p), size: 1, value: UInt64(v))
            }
        }
        func redirect(_ pin: UInt64, _ low: UInt64) {
            mmio.write(0xFEC0_0000, size: 4, value: 0x10 + 2 * pin)
            mmio.write(0xFEC0_0010, size: 4, value: low)
        }
        /// What the CPU does at an instruction boundary with IF=1: take the vector, if any.
        func takeInterrupt() -> UInt8? {
            guard let v = lapic.pendingVector() else { return nil }
            lapic.acknowledge(v)
            return v
        }
        func run(_ ns: UInt64) { clock.advance(by: ns); queue.runDue() }
    }

    func test8259ThroughLINT0ExtINT() throws {
        let b = try Board()
        b.initPIC()
        b.io.write(0x21, size: 1, value: 0xF7)                          // unmask IRQ 3 only
        b.io.write(0x2003, size: 1, value: 1)                           // pc-testdev raises IRQ 3
        XCTAssertEqual(b.takeInterrupt(), 0x23, "PIC vector base 0x20 + 3, through LINT0 ExtINT")
        XCTAssertNil(b.takeInterrupt(), "in service at the 8259")
        b.io.write(0x2003, size: 1, value: 0)
        b.io.write(0x20, size: 1, value: 0x20)                          // 8259 EOI
        XCTAssertNil(b.takeInterrupt())
    }

    func testIOAPICLevelInterruptFromTestDevWithEOI() throws {
        let b = try Board()
        b.initPIC()
        b.io.write(0x21, size: 1, value: 0xFF); b.io.write(0xA1, size: 1, value: 0xFF)   // mask the 8259s
        b.mmio.write(0xFEE0_00F0, size: 4, value: 0x1FF)                // enable_apic()
        b.redirect(0x0E, 0x8000 | 0x82)                                 // kvm-unit-tests: line 0x0e level, 0x82
        b.io.write(0x200E, size: 1, value: 1)
        XCTAssertEqual(b.takeInterrupt(), 0x82)
        b.io.write(0x200E, size: 1, value: 0)                           // the handler quiets the line
        b.mmio.write(0xFEE0_00B0, size: 4, value: 0)                    // eoi()
        XCTAssertNil(b.takeInterrupt())
        b.mmio.write(0xFEC0_0000, size: 4, value: 0x10 + 2 * 0x0E)
        XCTAssertEqual(b.mmio.read(0xFEC0_0010, size: 4) & 0x4000, 0, "Remote IRR cleared by the EOI broadcast")
        // Retrigger without masking (kvm-unit-tests "retriggered level interrupts without masking").
        b.io.write(0x200E, size: 1, value: 1)
        XCTAssertEqual(b.takeInterrupt(), 0x82)
        b.mmio.write(0xFEE0_00B0, size: 4, value: 0)                    // EOI while still asserted
        XCTAssertEqual(b.takeInterrupt(), 0x82, "still asserted: delivered again")
    }

    func testHPETPeriodicThroughIOAPICAndSnapshot() throws {
        let a = try Board(), c = try Board()
        for b in [a, c] {
            b.mmio.write(0xFEE0_00F0, size: 4, value: 0x1FF)
            b.redirect(20, 0x0000_0040)                                 // GSI 20: edge, vector 0x40
            b.mmio.write(0xFED0_0100, size: 8, value: HPET.tnIntEnable | HPET.tnPeriodic | HPET.tnValSet | 20 << 9)
            b.mmio.write(0xFED0_0108, size: 8, value: 1000)             // 10 us
            b.mmio.write(0xFED0_0108, size: 8, value: 1000)
        }
        a.mmio.write(0xFED0_0010, size: 8, value: 1)
        var taken = 0
        for _ in 0..<35 {
            a.run(1000)
            if a.takeInterrupt() == 0x40 { taken += 1; a.mmio.write(0xFEE0_00B0, size: 4, value: 0) }
        }
        XCTAssertEqual(taken, 3, "10, 20, 30 us")
        let w = StateWriter()
        for s: Snapshottable in [a.clock, a.queue, a.pic, a.lapic, a.ioapic, a.hpet, a.testdev] { s.save(to: w) }
        let r = StateReader(bytes: w.bytes)
        for s: Snapshottable in [c.clock, c.queue, c.pic, c.lapic, c.ioapic, c.hpet, c.testdev] { try s.restore(from: r) }
        var seqA: [UInt8?] = [], seqC: [UInt8?] = []
        for _ in 0..<50 {
            a.run(777); c.run(777)
            let va = a.takeInterrupt(), vc = c.takeInterrupt()
            seqA.append(va); seqC.append(vc)
            if va != nil { a.mmio.write(0xFEE0_00B0, size: 4, value: 0) }
            if vc != nil { c.mmio.write(0xFEE0_00B0, size: 4, value: 0) }
        }
        XCTAssertEqual(seqC, seqA)
        XCTAssertEqual(seqA.compactMap { $0 }.count, 4, "35 to 73.85 us: 40, 50, 60, 70 us")
        XCTAssertEqual(c.lapic.stateHash(), a.lapic.stateHash())
        XCTAssertEqual(c.hpet.stateHash(), a.hpet.stateHash())
    }
}
