// Tests for the local APIC (Intel SDM vol. 3A ch. 11) and the I/O APIC (Intel 82093AA datasheet):
// reset values, priority rules (TPR/PPR), IRR -> ISR -> EOI, EOI broadcast clearing Remote IRR,
// edge/level pins, self-IPIs, ESR, the timer in all three modes in virtual time, x2APIC MSRs.

import XCTest
import EmulatorCore
@testable import Devices

final class LocalAPICTests: XCTestCase {
    private func make() -> (LocalAPIC, VirtualClock, EventQueue) {
        let clock = VirtualClock()
        let queue = EventQueue(clock: clock)
        return (LocalAPIC(queue: queue), clock, queue)
    }

    private func mmioMap(_ apic: LocalAPIC) throws -> IOBus {
        let bus = IOBus()
        try bus.map(apic, at: 0xFEE0_0000, length: 0x1000, name: "lapic")
        return bus
    }

    private func enable(_ bus: IOBus, spurious: UInt64 = 0xFF) {
        bus.write(0xFEE0_00F0, size: 4, value: 0x100 | spurious)
    }

    /// Runs `ns` virtual nanoseconds and fires what is due.
    private func run(_ clock: VirtualClock, _ queue: EventQueue, _ ns: UInt64) {
        clock.advance(by: ns)
        queue.runDue()
    }

    func testResetValues() throws {
        let (apic, _, _) = make()
        let bus = try mmioMap(apic)
        XCTAssertEqual(bus.read(0xFEE0_0020, size: 4), 0)               // APIC ID 0 (BSP)
        XCTAssertEqual(bus.read(0xFEE0_0030, size: 4), 0x0005_0014)     // integrated APIC, 6 LVTs (QEMU 7.2: same)
        XCTAssertEqual(bus.read(0xFEE0_00F0, size: 4), 0xFF)            // SVR: disabled, vector FF
        XCTAssertEqual(bus.read(0xFEE0_00E0, size: 4), 0xFFFF_FFFF)     // DFR: flat model
        for off: UInt64 in [0x320, 0x330, 0x340, 0x360, 0x370] {
            XCTAssertEqual(bus.read(0xFEE0_0000 + off, size: 4), 0x1_0000, "LVT \(String(off, radix: 16)) masked")
        }
        XCTAssertEqual(bus.read(0xFEE0_0350, size: 4), 0x700)           // LINT0 ExtINT (firmware/QEMU)
        // Software-disabled: LVT mask bits cannot be cleared (SDM 11.4.7.2).
        bus.write(0xFEE0_0320, size: 4, value: 0x30)
        XCTAssertEqual(bus.read(0xFEE0_0320, size: 4), 0x1_0030)
    }

    func testSelfIPIAcceptAcknowledgeEOI() throws {
        let (apic, _, _) = make()
        let bus = try mmioMap(apic)
        enable(bus)
        XCTAssertNil(apic.pendingVector())
        bus.write(0xFEE0_0300, size: 4, value: 0x4_0040)                 // shorthand self, fixed, 0x40
        XCTAssertEqual(bus.read(0xFEE0_0200 + 0x20, size: 4), 1)         // IRR bit 0x40 (word 2, bit 0)
        XCTAssertEqual(apic.pendingVector(), 0x40)
        apic.acknowledge(0x40)
        XCTAssertEqual(bus.read(0xFEE0_0100 + 0x20, size: 4), 1)         // now in ISR
        XCTAssertEqual(bus.read(0xFEE0_0200 + 0x20, size: 4), 0)
        XCTAssertEqual(bus.read(0xFEE0_00A0, size: 4), 0x40)             // PPR = ISRV class
        XCTAssertNil(apic.pendingVector())
        bus.write(0xFEE0_00B0, size: 4, value: 0)                        // EOI
        XCTAssertEqual(bus.read(0xFEE0_0100 + 0x20, size: 4), 0)
        XCTAssertEqual(bus.read(0xFEE0_00A0, size: 4), 0)
    }

    func testPriorityClassesTPRAndNesting() throws {
        let (apic, _, _) = make()
        let bus = try mmioMap(apic)
        enable(bus)
        bus.write(0xFEE0_0080, size: 4, value: 0x50)                     // TPR class 5
        apic.accept(vector: 0x45, levelTriggered: false)
        apic.accept(vector: 0x55, levelTriggered: false)
        XCTAssertNil(apic.pendingVector(), "classes <= TPR class are held")
        XCTAssertEqual(bus.read(0xFEE0_00A0, size: 4), 0x50)             // PPR = TPR
        apic.accept(vector: 0x61, levelTriggered: false)
        XCTAssertEqual(apic.pendingVector(), 0x61)
        apic.acknowledge(0x61)
        bus.write(0xFEE0_0080, size: 4, value: 0)                        // drop TPR
        XCTAssertEqual(bus.read(0xFEE0_00A0, size: 4), 0x60)             // PPR from ISR 0x61
        XCTAssertNil(apic.pendingVector(), "0x55 waits for the class-6 handler")
        apic.accept(vector: 0x70, levelTriggered: false)
        XCTAssertEqual(apic.pendingVector(), 0x70, "a higher class nests")
        apic.acknowledge(0x70)
        apic.endOfInterrupt()                                            // ends 0x70 (highest ISR)
        apic.endOfInterrupt()                                            // ends 0x61
        XCTAssertEqual(apic.pendingVector(), 0x55)
        // APR: with IRR 0x55/0x45 and TPR 0, the IRR class wins (SDM 10.8.3.1 of older editions).
        XCTAssertEqual(bus.read(0xFEE0_0090, size: 4), 0x50)
        // CR8 is TPR[7:4].
        apic.cr8 = 6
        XCTAssertEqual(bus.read(0xFEE0_0080, size: 4), 0x60)
        XCTAssertNil(apic.pendingVector())
    }

    func testEOIBroadcastOnlyForLevelTriggered() throws {
        let (apic, _, _) = make()
        let bus = try mmioMap(apic)
        enable(bus)
        var eois: [UInt8] = []
        apic.onEOI = { eois.append($0) }
        apic.receive(APICMessage(vector: 0x30, levelTriggered: true))
        apic.receive(APICMessage(vector: 0x31, levelTriggered: false))
        XCTAssertEqual(bus.read(0xFEE0_0180 + 0x10, size: 4), 1 << 16)   // TMR bit 0x30 (word 1, bit 16)
        apic.acknowledge(0x31); apic.endOfInterrupt()
        apic.acknowledge(0x30); apic.endOfInterrupt()
        XCTAssertEqual(eois, [0x30])
    }

    func testIllegalVectorsAndESR() throws {
        let (apic, _, _) = make()
        let bus = try mmioMap(apic)
        enable(bus)
        bus.write(0xFEE0_0370, size: 4, value: 0xEE)                     // LVT error, unmasked
        bus.write(0xFEE0_0300, size: 4, value: 0x4_0005)                 // self IPI vector 5: illegal
        bus.write(0xFEE0_0280, size: 4, value: 0)                        // latch errors
        XCTAssertEqual(bus.read(0xFEE0_0280, size: 4), UInt64(LocalAPIC.esrSendIllegalVector))
        XCTAssertEqual(apic.pendingVector(), 0xEE)
        apic.receive(APICMessage(vector: 3))
        bus.write(0xFEE0_0280, size: 4, value: 0)
        XCTAssertEqual(bus.read(0xFEE0_0280, size: 4), UInt64(LocalAPIC.esrReceiveIllegalVector))
        bus.write(0xFEE0_0280, size: 4, value: 0)
        XCTAssertEqual(bus.read(0xFEE0_0280, size: 4), 0)
    }

    func testMSIDecoding() {
        // SDM 11.11: address 0xFEE0_1000 = destination 1, physical; data 0x4031 = edge, fixed, vector 0x31.
        XCTAssertEqual(APICMessage.msi(address: 0xFEE0_1000, data: 0x4031),
                       APICMessage(vector: 0x31, deliveryMode: .fixed, destination: 1))
        XCTAssertEqual(APICMessage.msi(address: 0xFEEF_F004, data: 0x0000_C4A0),
                       APICMessage(vector: 0xA0, deliveryMode: .nmi, destination: 0xFF,
                                   logicalDestination: true, levelTriggered: true))
        XCTAssertNil(APICMessage.msi(address: 0xFED0_0000, data: 0x31))
        let (apic, _, _) = make()
        apic.writeRegister(LocalAPIC.Reg.svr, 0x1FF)
        apic.receive(APICMessage.msi(address: 0xFEE0_0000, data: 0x0041) ?? APICMessage(vector: 0))
        XCTAssertEqual(apic.pendingVector(), 0x41)
    }

    func testDestinationMatching() {
        let (apic, _, _) = make()
        apic.writeRegister(LocalAPIC.Reg.id, 0x0300_0000)
        apic.writeRegister(LocalAPIC.Reg.ldr, 0x0400_0000)              // logical ID bit 2
        XCTAssertTrue(apic.matches(destination: 3, logical: false))
        XCTAssertTrue(apic.matches(destination: 0xFF, logical: false))
        XCTAssertFalse(apic.matches(destination: 1, logical: false))
        XCTAssertTrue(apic.matches(destination: 0x0C, logical: true))    // flat: any common bit
        XCTAssertFalse(apic.matches(destination: 0x03, logical: true))
        apic.writeRegister(LocalAPIC.Reg.dfr, 0x0FFF_FFFF)              // cluster model
        apic.writeRegister(LocalAPIC.Reg.ldr, 0x2400_0000)              // cluster 2, member bit 2
        XCTAssertTrue(apic.matches(destination: 0x24, logical: true))
        XCTAssertFalse(apic.matches(destination: 0x14, logical: true))
        XCTAssertFalse(apic.matches(destination: 0x21, logical: true))
    }

    func testTimerOneShotInVirtualTime() throws {
        let (apic, clock, queue) = make()
        let bus = try mmioMap(apic)
        enable(bus)
        bus.write(0xFEE0_03E0, size: 4, value: 0xB)                      // divide by 1
        bus.write(0xFEE0_0320, size: 4, value: 0x41)                     // one-shot, vector 0x41
        bus.write(0xFEE0_0380, size: 4, value: 1000)                     // 1000 ticks = 1000 ns
        run(clock, queue, 400)
        XCTAssertEqual(bus.read(0xFEE0_0390, size: 4), 600)
        XCTAssertNil(apic.pendingVector())
        run(clock, queue, 599)
        XCTAssertNil(apic.pendingVector())
        run(clock, queue, 1)
        XCTAssertEqual(apic.pendingVector(), 0x41)
        XCTAssertEqual(bus.read(0xFEE0_0390, size: 4), 0)
        XCTAssertNil(queue.nextDeadline, "one-shot does not re-arm")
    }

    func testTimerPeriodicWithDivider() throws {
        let (apic, clock, queue) = make()
        let bus = try mmioMap(apic)
        enable(bus)
        bus.write(0xFEE0_03E0, size: 4, value: 0x0)                      // divide by 2
        bus.write(0xFEE0_0320, size: 4, value: 0x2_0050)                 // periodic, vector 0x50
        bus.write(0xFEE0_0380, size: 4, value: 100)                      // period 200 ns
        var fires: [UInt64] = []
        for _ in 0..<1000 {
            run(clock, queue, 1)
            if apic.pendingVector() == 0x50 {
                fires.append(clock.now)
                apic.acknowledge(0x50); apic.endOfInterrupt()
            }
        }
        XCTAssertEqual(fires, [200, 400, 600, 800, 1000])
        run(clock, queue, 50)
        XCTAssertEqual(bus.read(0xFEE0_0390, size: 4), 75)               // 100 - 50/2
        // A masked periodic timer keeps counting but does not interrupt.
        bus.write(0xFEE0_0320, size: 4, value: 0x3_0050)
        run(clock, queue, 1000)
        XCTAssertNil(apic.pendingVector())
        XCTAssertNotNil(queue.nextDeadline)
    }

    /// The sequence of kvm-unit-tests' test_apic_change_mode: switching between one-shot and
    /// periodic neither reloads nor stops the count; a one-shot count at 0 stays 0.
    func testTimerModeChangesKeepTheCount() throws {
        let (apic, clock, queue) = make()
        let bus = try mmioMap(apic)
        enable(bus)
        bus.write(0xFEE0_03E0, size: 4, value: 0xB)                      // divide by 1
        bus.write(0xFEE0_0320, size: 4, value: 0x1_0000)                // one-shot, masked
        bus.write(0xFEE0_0380, size: 4, value: 1000)
        run(clock, queue, 600)
        bus.write(0xFEE0_0320, size: 4, value: 0x3_0000)                // -> periodic
        XCTAssertEqual(bus.read(0xFEE0_0380, size: 4), 1000, "TMICT kept")
        XCTAssertEqual(bus.read(0xFEE0_0390, size: 4), 400, "not reset to TMICT")
        run(clock, queue, 500)                                           // wrapped at 1000
        XCTAssertEqual(bus.read(0xFEE0_0390, size: 4), 900, "periodic reload")
        bus.write(0xFEE0_0320, size: 4, value: 0x1_0000)                // -> one-shot
        XCTAssertEqual(bus.read(0xFEE0_0390, size: 4), 900)
        run(clock, queue, 950)
        XCTAssertEqual(bus.read(0xFEE0_0390, size: 4), 0, "one-shot reached 0")
        bus.write(0xFEE0_0320, size: 4, value: 0x3_0000)                // -> periodic
        run(clock, queue, 10)
        XCTAssertEqual(bus.read(0xFEE0_0390, size: 4), 0, "stays at 0")
    }

    func testTimerTSCDeadlineMode() throws {
        let (apic, clock, queue) = make()
        let bus = try mmioMap(apic)
        enable(bus)
        bus.write(0xFEE0_0380, size: 4, value: 5)                        // one-shot armed...
        bus.write(0xFEE0_0320, size: 4, value: 0x4_0060)                 // ...switch to TSC-deadline disarms
        XCTAssertNil(queue.nextDeadline)
        XCTAssertEqual(bus.read(0xFEE0_0380, size: 4), 0)
        bus.write(0xFEE0_0380, size: 4, value: 5)                        // ignored in this mode
        XCTAssertNil(queue.nextDeadline)
        run(clock, queue, 100)
        let tsc = clock.now                                              // TSC at 1 GHz = ns
        apic.writeTSCDeadline(tsc + 500, currentTSC: tsc)
        XCTAssertEqual(apic.readTSCDeadline(), tsc + 500)
        run(clock, queue, 499)
        XCTAssertNil(apic.pendingVector())
        run(clock, queue, 1)
        XCTAssertEqual(apic.pendingVector(), 0x60)
        XCTAssertEqual(apic.readTSCDeadline(), 0, "the deadline clears when it fires")
        // A deadline in the past fires at once; 0 disarms.
        apic.acknowledge(0x60); apic.endOfInterrupt()
        apic.writeTSCDeadline(1, currentTSC: clock.now)
        queue.runDue()
        XCTAssertEqual(apic.pendingVector(), 0x60)
        apic.acknowledge(0x60); apic.endOfInterrupt()
        apic.writeTSCDeadline(clock.now + 10, currentTSC: clock.now)
        apic.writeTSCDeadline(0, currentTSC: clock.now)
        run(clock, queue, 100)
        XCTAssertNil(apic.pendingVector())
    }

    func testX2APICMSRs() throws {
        let (apic, _, _) = make()
        let bus = try mmioMap(apic)
        XCTAssertNil(apic.readMSR(0x802), "no x2APIC MSRs in xAPIC mode")
        apic.writeRegister(LocalAPIC.Reg.id, 0x0500_0000)
        apic.apicBaseWritten(0xFEE0_0000 | 1 << 11 | 1 << 10 | 1 << 8)
        XCTAssertEqual(apic.readMSR(0x802), 5)                            // full 32-bit ID
        XCTAssertEqual(apic.readMSR(0x803), UInt64(LocalAPIC.versionValue))
        XCTAssertEqual(apic.readMSR(0x80D), 1 << 5, "LDR = cluster 0, bit (ID & 15)")
        XCTAssertNil(apic.readMSR(0x80E), "no DFR in x2APIC mode")
        XCTAssertNil(apic.readMSR(0x809), "no APR in x2APIC mode")
        XCTAssertFalse(apic.writeMSR(0x802, 1), "ID is read-only")
        XCTAssertTrue(apic.writeMSR(0x80F, 0x1FF))                       // SVR: enable
        for reserved: UInt64 in [0x100, 0xFF00, 0xFF00_0000] {            // SELF IPI bits 31:8
            XCTAssertFalse(apic.writeMSR(0x83F, reserved | 0x77), "reserved SELF IPI bits are #GP")
        }
        XCTAssertNil(apic.pendingVector(), "a refused SELF IPI sends nothing")
        XCTAssertTrue(apic.writeMSR(0x83F, 0x77))                        // SELF IPI
        XCTAssertEqual(apic.pendingVector(), 0x77)
        apic.acknowledge(0x77)
        XCTAssertFalse(apic.writeMSR(0x80B, 1), "non-zero EOI write is #GP")
        XCTAssertTrue(apic.writeMSR(0x80B, 0))
        XCTAssertEqual(apic.readMSR(0x810 + 3), 0)                        // ISR word 3 cleared
        // ICR is one 64-bit MSR with a 32-bit destination.
        XCTAssertTrue(apic.writeMSR(0x830, 5 << 32 | 0x0000_0088))
        XCTAssertEqual(apic.readMSR(0x830), 5 << 32 | 0x88)
        XCTAssertEqual(apic.pendingVector(), 0x88)
        XCTAssertEqual(bus.read(0xFEE0_0030, size: 4), 0xFFFF_FFFF, "MMIO page is off in x2APIC mode")
        // Clearing the global enable resets the APIC.
        apic.apicBaseWritten(0xFEE0_0000)
        XCTAssertNil(apic.pendingVector())
        XCTAssertEqual(apic.svr, 0xFF)
    }

    func testExtINTThroughLINT0AndNMIThroughLINT1() throws {
        let (apic, _, _) = make()
        let bus = try mmioMap(apic)
        var picVector: UInt8? = 0x20
        var acks = 0, nmis = 0
        apic.externalPending = { picVector }
        apic.externalAcknowledge = { acks += 1; picVector = nil }
        apic.onNMI = { nmis += 1 }
        XCTAssertNil(apic.pendingVector(), "INTR low")
        apic.setLINT(0, level: true)
        XCTAssertEqual(apic.pendingVector(), 0x20, "LINT0 ExtINT at reset passes the 8259 (disabled APIC too)")
        apic.acknowledge(0x20)
        XCTAssertEqual(acks, 1)
        // Masking LINT0 (with the APIC enabled) stops the 8259.
        enable(bus)
        picVector = 0x21
        bus.write(0xFEE0_0350, size: 4, value: 0x1_0700)
        XCTAssertNil(apic.pendingVector())
        // An APIC vector wins over ExtINT.
        bus.write(0xFEE0_0350, size: 4, value: 0x700)
        apic.accept(vector: 0x90, levelTriggered: false)
        XCTAssertEqual(apic.pendingVector(), 0x90)
        // LINT1 in NMI mode: a rising edge is one NMI.
        bus.write(0xFEE0_0360, size: 4, value: 0x400)
        apic.setLINT(1, level: true); apic.setLINT(1, level: true); apic.setLINT(1, level: false)
        XCTAssertEqual(nmis, 1)
        // With the APIC globally disabled, INTR goes straight to the core.
        apic.apicBaseWritten(0)
        XCTAssertEqual(apic.pendingVector(), 0x21)
    }

    func testSnapshotRestoresTimerAndRegisters() throws {
        let (a, clockA, queueA) = make()
        let busA = try mmioMap(a)
        enable(busA)
        busA.write(0xFEE0_03E0, size: 4, value: 0xB)
        busA.write(0xFEE0_0320, size: 4, value: 0x2_0042)
        busA.write(0xFEE0_0380, size: 4, value: 300)
        a.accept(vector: 0x99, levelTriggered: true)
        run(clockA, queueA, 1000)
        let w = StateWriter()
        clockA.save(to: w); queueA.save(to: w); a.save(to: w)

        let (b, clockB, queueB) = make()
        let r = StateReader(bytes: w.bytes)
        try clockB.restore(from: r); try queueB.restore(from: r); try b.restore(from: r)
        XCTAssertEqual(b.stateHash(), a.stateHash())
        XCTAssertEqual(queueB.nextDeadline, queueA.nextDeadline)
        for _ in 0..<5 {
            run(clockA, queueA, 123); run(clockB, queueB, 123)
            XCTAssertEqual(b.timerCurrentCount, a.timerCurrentCount)
            XCTAssertEqual(b.pendingVector(), a.pendingVector())
        }
        XCTAssertEqual(b.stateHash(), a.stateHash())
        XCTAssertThrowsError(try b.restore(from: StateReader(bytes: [1, 2, 3])))
    }
}

final class IOAPICTests: XCTestCase {
    private func make() throws -> (IOAPIC, IOBus, [APICMessage]) {
        let io = IOAPIC()
        let bus = IOBus()
        try bus.map(io, at: 0xFEC0_0000, length: 0x1000, name: "ioapic")
        return (io, bus, [])
    }

    private func reg(_ bus: IOBus, _ index: UInt64) -> UInt64 {
        bus.write(0xFEC0_0000, size: 4, value: index)
        return bus.read(0xFEC0_0010, size: 4)
    }

    private func setReg(_ bus: IOBus, _ index: UInt64, _ v: UInt64) {
        bus.write(0xFEC0_0000, size: 4, value: index)
        bus.write(0xFEC0_0010, size: 4, value: v)
    }

    func testIdentificationAndResetState() throws {
        let (_, bus, _) = try make()
        XCTAssertEqual(reg(bus, 0x01), 0x0017_0020)                      // 24 entries, version 0x20
        setReg(bus, 0x00, 0x0A00_0000)
        XCTAssertEqual(reg(bus, 0x00), 0x0A00_0000)
        for pin: UInt64 in 0..<24 {
            XCTAssertEqual(reg(bus, 0x10 + 2 * pin), 0x1_0000, "entry \(pin) masked at reset")
        }
        XCTAssertEqual(bus.read(0xFEC0_0000, size: 4), 0x10 + 46)        // IOREGSEL reads back
        // Delivery status (bit 12) and Remote IRR (bit 14) are read-only.
        setReg(bus, 0x12, 0x5_5033)
        XCTAssertEqual(reg(bus, 0x12), 0x1_0033)
        setReg(bus, 0x13, 0xFF00_0000)
        XCTAssertEqual(reg(bus, 0x13), 0xFF00_0000)
        // Version is read-only; ID has only bits 27:24; arbitration ID follows it (kvm-unit-tests ioapic).
        setReg(bus, 0x01, 0)
        XCTAssertEqual(reg(bus, 0x01), 0x0017_0020)
        setReg(bus, 0x00, 0xFFFF_FFFF)
        XCTAssertEqual(reg(bus, 0x00), 0x0F00_0000)
        XCTAssertEqual(reg(bus, 0x02), 0x0F00_0000)
        XCTAssertEqual(reg(bus, 0x40), 0, "beyond the table (QEMU 7.2: 0)")
    }

    func testEdgeTriggeredPin() throws {
        let (io, bus, _) = try make()
        var sent: [APICMessage] = []
        io.deliver = { sent.append($0) }
        setReg(bus, 0x10 + 8, 0x0000_0834)                               // pin 4: vector 0x34, logical
        setReg(bus, 0x11 + 8, 0x0100_0000)                               // destination 1
        io.setIRQ(4, level: true)
        io.setIRQ(4, level: true)                                        // no new edge
        io.setIRQ(4, level: false)
        XCTAssertEqual(sent, [APICMessage(vector: 0x34, destination: 1, logicalDestination: true)])
        // A masked edge is lost (82093AA: not held pending), unmasking does not replay it.
        setReg(bus, 0x10 + 8, 0x0001_0834)
        io.setIRQ(4, level: true); io.setIRQ(4, level: false)
        setReg(bus, 0x10 + 8, 0x0000_0834)
        XCTAssertEqual(sent.count, 1)
    }

    func testLevelTriggeredRemoteIRRAndEOI() throws {
        let (io, bus, _) = try make()
        var sent: [UInt8] = []
        io.deliver = { sent.append($0.vector) }
        setReg(bus, 0x10 + 2 * 9, 0x0000_A039)                           // pin 9: level, active low, 0x39
        io.setIRQ(9, level: true)
        XCTAssertEqual(sent, [0x39])
        XCTAssertNotEqual(reg(bus, 0x10 + 2 * 9) & 0x4000, 0, "Remote IRR set")
        io.setIRQ(9, level: true)
        XCTAssertEqual(sent.count, 1, "no second message before EOI")
        io.endOfInterrupt(vector: 0x38)                                  // other vector: no effect
        XCTAssertEqual(sent.count, 1)
        io.endOfInterrupt(vector: 0x39)                                  // still asserted: again
        XCTAssertEqual(sent, [0x39, 0x39])
        io.setIRQ(9, level: false)
        bus.write(0xFEC0_0040, size: 4, value: 0x39)                     // EOI register
        XCTAssertEqual(reg(bus, 0x10 + 2 * 9) & 0x4000, 0)
        XCTAssertEqual(sent.count, 2, "deasserted: no message")
        // Masked while asserted, then unmasked: delivered on unmask.
        setReg(bus, 0x10 + 2 * 9, 0x0001_A039)
        io.setIRQ(9, level: true)
        XCTAssertEqual(sent.count, 2)
        setReg(bus, 0x10 + 2 * 9, 0x0000_A039)
        XCTAssertEqual(sent.count, 3)
    }

    /// IOAPIC -> local APIC -> CPU acknowledge -> EOI -> IOAPIC Remote IRR cleared.
    func testLevelInterruptRoundTripThroughLocalAPIC() throws {
        let (io, bus, _) = try make()
        let apic = LocalAPIC(queue: EventQueue(clock: VirtualClock()))
        apic.writeRegister(LocalAPIC.Reg.svr, 0x1FF)
        io.deliver = apic.receive
        apic.onEOI = io.endOfInterrupt
        setReg(bus, 0x10 + 2 * 11, 0x0000_8051)                          // pin 11: level, vector 0x51
        io.setIRQ(11, level: true)
        XCTAssertEqual(apic.pendingVector(), 0x51)
        apic.acknowledge(0x51)
        io.setIRQ(11, level: false)                                      // the handler quiets the device
        apic.endOfInterrupt()
        XCTAssertEqual(reg(bus, 0x10 + 2 * 11) & 0x4000, 0)
        XCTAssertNil(apic.pendingVector())
        // A message for another physical APIC ID is not accepted.
        setReg(bus, 0x10 + 2 * 12, 0x0000_0052)
        setReg(bus, 0x11 + 2 * 12, 0x0300_0000)
        io.setIRQ(12, level: true)
        XCTAssertNil(apic.pendingVector())
    }

    func testSnapshot() throws {
        let (a, bus, _) = try make()
        setReg(bus, 0x10 + 2 * 9, 0x0000_A039)
        a.setIRQ(9, level: true)
        bus.write(0xFEC0_0000, size: 4, value: 0x13)
        let w = StateWriter()
        a.save(to: w)
        let b = IOAPIC()
        try b.restore(from: StateReader(bytes: w.bytes))
        XCTAssertEqual(b.stateHash(), a.stateHash())
        XCTAssertEqual(b.redirection, a.redirection)
        XCTAssertEqual(b.read(offset: 0, size: 4), 0x13)
    }
}
