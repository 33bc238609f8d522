// Tests for where the xAPIC page is decoded (Intel SDM vol. 3A 11.4.4, 11.12.1): the page
// follows the base address written to IA32_APIC_BASE, takes priority over a device mapped at
// the same address, is not decoded while the APIC is globally disabled or in x2APIC mode, and
// keeps its base across a global disable and a snapshot. kvm-unit-tests' apic test ("apicbase:
// relocate apic") and roms/apic/x2apic.c (against Bochs) check the same on whole machines.

import XCTest
import EmulatorCore
@testable import Devices

final class APICRelocationTests: XCTestCase {
    /// A fixed device that answers a constant, to see what the APIC window hides.
    private final class Constant: BusDevice {
        func read(offset: UInt64, size: Int) -> UInt64 { 0x1234_5678 }
        func write(offset: UInt64, size: Int, value: UInt64) {}
    }

    private func make() -> (LocalAPIC, IOBus) {
        let queue = EventQueue(clock: VirtualClock())
        let apic = LocalAPIC(queue: queue)
        let bus = IOBus()
        bus.mapRelocatable(apic, placedBy: apic, length: 0x1000)
        return (apic, bus)
    }

    /// Version register value (SDM table 11-1 offset 0x30; QEMU 7.2 reads the same).
    let version: UInt64 = 0x0005_0014
    let enabledBSP: UInt64 = 0x900       // IA32_APIC_BASE.EN (11) | BSP (8)

    func testPowerOnBase() {
        let (apic, bus) = make()
        XCTAssertEqual(apic.baseAddress, 0xFEE0_0000)
        XCTAssertEqual(bus.read(0xFEE0_0030, size: 4), version)
    }

    func testRelocationMovesThePage() throws {
        let (apic, bus) = make()
        try bus.map(Constant(), at: 0xFED4_0000, length: 0x1000, name: "other")
        XCTAssertEqual(bus.read(0xFED4_0030, size: 4), 0x1234_5678)
        apic.apicBaseWritten(0xFED4_0000 | enabledBSP)
        XCTAssertEqual(apic.baseAddress, 0xFED4_0000)
        // The APIC page wins over the device mapped there; the old address decodes nothing.
        XCTAssertEqual(bus.read(0xFED4_0030, size: 4), version)
        XCTAssertEqual(bus.read(0xFEE0_0030, size: 4), 0xFFFF_FFFF)
        bus.write(0xFED4_0080, size: 4, value: 0x30)                   // TPR through the new page
        XCTAssertEqual(apic.tpr, 0x30)
        XCTAssertEqual(bus.read(0xFED4_0FF0, size: 4), 0)              // last register slot: inside
        XCTAssertEqual(bus.read(0xFED4_1000, size: 4), 0xFFFF_FFFF)    // past the page: unmapped
        apic.apicBaseWritten(0xFEE0_0000 | enabledBSP)
        XCTAssertEqual(bus.read(0xFEE0_0080, size: 4), 0x30)
        XCTAssertEqual(bus.read(0xFED4_0030, size: 4), 0x1234_5678)
    }

    func testNotDecodedWhenDisabledOrX2APIC() throws {
        let (apic, bus) = make()
        try bus.map(Constant(), at: 0xFEE0_0000, length: 0x1000, name: "under")
        // x2APIC mode (EN | EXTD): the MMIO interface is gone (SDM 11.12.1).
        apic.apicBaseWritten(0xFEE0_0000 | enabledBSP | 0x400)
        XCTAssertNil(apic.windowBase)
        XCTAssertEqual(bus.read(0xFEE0_0030, size: 4), 0x1234_5678)
        // Globally disabled: not decoded either; the base is kept (the MSR keeps it).
        apic.apicBaseWritten(0xFEE0_0000 | 0x100)
        XCTAssertNil(apic.windowBase)
        XCTAssertEqual(apic.baseAddress, 0xFEE0_0000)
        apic.apicBaseWritten(0xFEE0_0000 | enabledBSP)
        XCTAssertEqual(bus.read(0xFEE0_0030, size: 4), version)
    }

    func testDisableKeepsRelocatedBase() {
        let (apic, bus) = make()
        apic.apicBaseWritten(0xFED4_0000 | enabledBSP)
        apic.apicBaseWritten(0xFED4_0000 | 0x100)                      // EN clear: register reset
        apic.apicBaseWritten(0xFED4_0000 | enabledBSP)
        XCTAssertEqual(bus.read(0xFED4_0030, size: 4), version)
    }

    func testSnapshotKeepsBase() throws {
        let (apic, _) = make()
        apic.apicBaseWritten(0x1_2345_6000 | enabledBSP)
        let w = StateWriter()
        apic.save(to: w)
        let (copy, bus) = make()
        try copy.restore(from: StateReader(bytes: w.bytes))
        XCTAssertEqual(copy.baseAddress, 0x1_2345_6000)
        XCTAssertEqual(bus.read(0x1_2345_6030, size: 4), version)
        XCTAssertEqual(copy.stateHash(), apic.stateHash())
    }
}
