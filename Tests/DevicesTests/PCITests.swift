// Tests for Devices/PCI: config mechanism #1 and ECAM address decoding, the reset control
// register, the type-0 header rules (read-only IDs, RW1C status, BAR sizing, capabilities list)
// as the PCI Local Bus Spec 3.0 (§3.2.2.3.2, §6.2, §6.7) and PCIe Base Spec (§7.2.2) state them.

import XCTest
import EmulatorCore
@testable import Devices

/// A test function with a 4 KiB memory BAR 0, a 64-bit prefetchable BAR 2, an I/O BAR 4 of
/// 32 ports and two capabilities.
private final class FakeFunction: PCIFunction {
    let config = PCIConfigSpace(vendorID: 0x1AF4, deviceID: 0x1041, revision: 1, classCode: 0x02_00_00,
                                interruptPin: 1)
    init() {
        config.defineBAR(0, kind: .memory32(prefetchable: false), size: 0x1000)
        config.defineBAR(2, kind: .memory64(prefetchable: true), size: 0x4000)
        config.defineBAR(4, kind: .io, size: 32)
    }
}

final class PCITests: XCTestCase {
    private func makeBus() throws -> (PCIHostBridge, PCIConfigPorts, IOBus, FakeFunction) {
        let bridge = PCIHostBridge()
        try bridge.attach(Q35HostBridgeFunction(ecamBase: 0xB000_0000), at: PCIAddress(device: 0))
        let fake = FakeFunction()
        try bridge.attach(fake, at: PCIAddress(device: 3))
        let ports = PCIConfigPorts(bridge: bridge)
        let io = IOBus()
        try io.map(ports, at: 0xCF8, length: 8, name: "pci-config")
        return (bridge, ports, io, fake)
    }

    /// CONFIG_ADDRESS for bus/device/function/register (bit 31 = enable).
    private func cfgAddr(_ bus: UInt32, _ dev: UInt32, _ fn: UInt32, _ reg: UInt32) -> UInt64 {
        UInt64(0x8000_0000 | bus << 16 | dev << 11 | fn << 8 | (reg & 0xFC))
    }

    private func cfgRead32(_ io: IOBus, _ dev: UInt32, _ reg: UInt32, fn: UInt32 = 0) -> UInt32 {
        io.write(0xCF8, size: 4, value: cfgAddr(0, dev, fn, reg))
        return UInt32(truncatingIfNeeded: io.read(0xCFC, size: 4))
    }

    private func cfgWrite32(_ io: IOBus, _ dev: UInt32, _ reg: UInt32, _ v: UInt32) {
        io.write(0xCF8, size: 4, value: cfgAddr(0, dev, 0, reg))
        io.write(0xCFC, size: 4, value: UInt64(v))
    }

    func testMechanism1ReadsHostBridgeIDsAndEmptySlots() throws {
        let (_, _, io, _) = try makeBus()
        XCTAssertEqual(cfgRead32(io, 0, 0x00), 0x29C0_8086)              // Q35 MCH
        XCTAssertEqual(cfgRead32(io, 0, 0x08) >> 8, 0x06_00_00)          // class: host bridge
        XCTAssertEqual(cfgRead32(io, 3, 0x00), 0x1041_1AF4)
        XCTAssertEqual(cfgRead32(io, 5, 0x00), 0xFFFF_FFFF)             // no device: vendor 0xFFFF
        XCTAssertEqual(cfgRead32(io, 0, 0x00, fn: 1), 0xFFFF_FFFF)
        io.write(0xCF8, size: 4, value: cfgAddr(1, 0, 0, 0))             // bus 1 does not exist
        XCTAssertEqual(io.read(0xCFC, size: 4), 0xFFFF_FFFF)
        // Byte and word reads through 0xCFC-0xCFF pick bytes of the addressed dword.
        io.write(0xCF8, size: 4, value: cfgAddr(0, 0, 0, 0))
        XCTAssertEqual(io.read(0xCFE, size: 2), 0x29C0)
        XCTAssertEqual(io.read(0xCFD, size: 1), 0x80)
        XCTAssertEqual(io.read(0xCFF, size: 1), 0x29)
        // Q35 PCIEXBAR (0x60) reports the ECAM base with the enable bit.
        XCTAssertEqual(cfgRead32(io, 0, 0x60), 0xB000_0001)
    }

    func testConfigAddressIsDwordOnlyAndEnableBitGatesData() throws {
        let (_, ports, io, _) = try makeBus()
        io.write(0xCF8, size: 4, value: 0xFFFF_FFFF)
        // Reserved bits 30:24 and 1:0 read 0.
        XCTAssertEqual(io.read(0xCF8, size: 4), 0x80FF_FFFC)
        // A byte or word write to 0xCF8/0xCFA is not a CONFIG_ADDRESS write.
        io.write(0xCF8, size: 2, value: 0)
        io.write(0xCFA, size: 1, value: 0)
        XCTAssertEqual(ports.address, 0x80FF_FFFC)
        // Enable bit clear: data reads all ones, writes are dropped.
        io.write(0xCF8, size: 4, value: 0x0000_0000)
        XCTAssertEqual(io.read(0xCFC, size: 4), 0xFFFF_FFFF)
        XCTAssertEqual(io.read(0xCFC, size: 2), 0xFFFF)
    }

    func testResetControlRegisterAt0xCF9() throws {
        let (_, ports, io, _) = try makeBus()
        var resets: [Bool] = []
        ports.onReset = { resets.append($0) }
        io.write(0xCF9, size: 1, value: 0x02)          // SYS_RST alone: no reset yet
        XCTAssertEqual(resets, [])
        XCTAssertEqual(io.read(0xCF9, size: 1), 0x02)
        io.write(0xCF9, size: 1, value: 0x06)          // SYS_RST | RST_CPU: hard reset
        XCTAssertEqual(resets, [true])
        XCTAssertEqual(io.read(0xCF9, size: 1), 0x02)  // RST_CPU does not read back
        io.write(0xCF9, size: 1, value: 0x04)          // RST_CPU alone: soft reset (INIT)
        XCTAssertEqual(resets, [true, false])
        // The 0xCF9 byte write did not disturb CONFIG_ADDRESS, and a dword 0xCF8 write
        // (which covers 0xCF9's address) is a CONFIG_ADDRESS write, not a reset.
        io.write(0xCF8, size: 4, value: cfgAddr(0, 0, 0, 0) | 0x0400)
        XCTAssertEqual(resets.count, 2)
    }

    func testHeaderWriteMasksAndStatusRW1C() throws {
        let (_, _, io, fake) = try makeBus()
        cfgWrite32(io, 3, 0x00, 0)                                   // IDs are read-only
        XCTAssertEqual(cfgRead32(io, 3, 0x00), 0x1041_1AF4)
        // Command: only implemented bits stick (bit 3 special cycles, bit 9 fast b2b are hardwired 0).
        io.write(0xCF8, size: 4, value: cfgAddr(0, 3, 0, 4))
        io.write(0xCFC, size: 2, value: 0xFFFF)
        XCTAssertEqual(io.read(0xCFC, size: 2), UInt64(PCICommand.writable))
        // Status error bits are write-1-to-clear.
        fake.config.setWord(PCIConfigRegister.status, 0x8000 | 0x2000 | PCIStatus.capabilitiesList)
        io.write(0xCFE, size: 2, value: 0x8000)
        XCTAssertEqual(io.read(0xCFE, size: 2), 0x2000 | UInt64(PCIStatus.capabilitiesList))
        // Interrupt line is writable, interrupt pin is not.
        io.write(0xCF8, size: 4, value: cfgAddr(0, 3, 0, 0x3C))
        io.write(0xCFC, size: 2, value: 0xFF0B)
        XCTAssertEqual(io.read(0xCFC, size: 2), 0x010B)
    }

    func testBARSizingProbe() throws {
        let (_, _, io, fake) = try makeBus()
        // Memory BAR 0, 4 KiB, 32-bit non-prefetchable: all ones reads back ~(4096-1) with type 0.
        cfgWrite32(io, 3, 0x10, 0xFFFF_FFFF)
        XCTAssertEqual(cfgRead32(io, 3, 0x10), 0xFFFF_F000)
        // 64-bit prefetchable BAR 2, 16 KiB: low dword has type bits 1100b; high dword all writable.
        cfgWrite32(io, 3, 0x18, 0xFFFF_FFFF)
        cfgWrite32(io, 3, 0x1C, 0xFFFF_FFFF)
        XCTAssertEqual(cfgRead32(io, 3, 0x18), 0xFFFF_C00C)
        XCTAssertEqual(cfgRead32(io, 3, 0x1C), 0xFFFF_FFFF)
        // I/O BAR 4, 32 ports: bit 0 reads 1.
        cfgWrite32(io, 3, 0x20, 0xFFFF_FFFF)
        XCTAssertEqual(cfgRead32(io, 3, 0x20), 0xFFFF_FFE1)
        // Unimplemented BAR 1 and the expansion ROM BAR read 0 whatever is written.
        cfgWrite32(io, 3, 0x14, 0xFFFF_FFFF)
        XCTAssertEqual(cfgRead32(io, 3, 0x14), 0)
        cfgWrite32(io, 3, 0x30, 0xFFFF_FFFF)
        XCTAssertEqual(cfgRead32(io, 3, 0x30), 0)
        // Assigning addresses: low bits below the size are dropped; decode needs the command bits.
        cfgWrite32(io, 3, 0x10, 0xFEB0_1234)
        cfgWrite32(io, 3, 0x18, 0x0000_0000)
        cfgWrite32(io, 3, 0x1C, 0x0000_0008)
        cfgWrite32(io, 3, 0x20, 0x0000_C043)
        XCTAssertNil(fake.config.barAddress(0))
        cfgWrite32(io, 3, 0x04, UInt32(PCICommand.memorySpace | PCICommand.ioSpace))
        XCTAssertEqual(fake.config.barAddress(0), 0xFEB0_1000)
        XCTAssertEqual(fake.config.barAddress(2), 0x8_0000_0000)
        XCTAssertEqual(fake.config.barAddress(4), 0xC040)
        XCTAssertNil(fake.config.barAddress(1))
    }

    func testDecodeChangeCallback() throws {
        let (bridge, _, io, _) = try makeBus()
        var changed: [PCIAddress] = []
        bridge.onDecodeChange = { changed.append($0) }
        cfgWrite32(io, 3, 0x3C, 0x0A)          // interrupt line: no remap needed
        cfgWrite32(io, 3, 0x10, 0xFEB0_0000)   // BAR 0
        cfgWrite32(io, 3, 0x04, 0x2)           // command
        XCTAssertEqual(changed, [PCIAddress(device: 3), PCIAddress(device: 3)])
    }

    func testCapabilitiesList() {
        let f = FakeFunction()
        let a = f.config.addCapability(id: 0x09, length: 0x10)     // vendor specific
        let b = f.config.addCapability(id: 0x11, length: 0x0C)     // MSI-X
        XCTAssertEqual(a, 0x40)
        XCTAssertEqual(b, 0x50)
        XCTAssertNotEqual(f.config.status & PCIStatus.capabilitiesList, 0)
        // Walk the list as a driver does: pointer at 0x34, then (id, next) pairs, ending at 0.
        var walk: [(Int, UInt8)] = []
        var p = Int(f.config.read(PCIConfigRegister.capabilitiesPointer, size: 1))
        while p != 0 && walk.count < 48 {
            walk.append((p, UInt8(f.config.read(p, size: 1))))
            p = Int(f.config.read(p + 1, size: 1))
        }
        XCTAssertEqual(walk.map(\.0), [0x40, 0x50])
        XCTAssertEqual(walk.map(\.1), [0x09, 0x11])
        // Capability bytes are read-only unless the device declares otherwise.
        f.config.write(0x41, size: 1, value: 0x99)
        XCTAssertEqual(f.config.read(0x41, size: 1), 0x50)
    }

    func testECAMDecodesBusDeviceFunctionRegister() throws {
        let (bridge, _, io, fake) = try makeBus()
        let ecam = PCIECAM(bridge: bridge)
        XCTAssertEqual(ecam.length, 256 << 20)
        let mmio = IOBus()
        try mmio.map(ecam, at: 0xB000_0000, length: ecam.length, name: "ecam")
        XCTAssertEqual(mmio.read(0xB000_0000, size: 4), 0x29C0_8086)
        XCTAssertEqual(mmio.read(0xB000_0000 | 3 << 15, size: 4), 0x1041_1AF4)
        XCTAssertEqual(mmio.read(0xB000_0000 | 3 << 15 | 2, size: 2), 0x1041)
        XCTAssertEqual(mmio.read(0xB000_0000 | 4 << 15, size: 4), 0xFFFF_FFFF)
        XCTAssertEqual(mmio.read(0xB000_0000 | 1 << 20, size: 4), 0xFFFF_FFFF)   // bus 1
        // Extended config space (0x100-0xFFF) is reachable only through ECAM.
        fake.config.setDword(0x100, 0x1234_5678)
        XCTAssertEqual(mmio.read(0xB000_0000 | 3 << 15 | 0x100, size: 4), 0x1234_5678)
        // A write through ECAM is seen through mechanism #1 (one config space).
        mmio.write(0xB000_0000 | 3 << 15 | 0x10, size: 4, value: 0xFFFF_FFFF)
        XCTAssertEqual(cfgRead32(io, 3, 0x10), 0xFFFF_F000)
        // An 8-byte ECAM read is two dwords.
        XCTAssertEqual(mmio.read(0xB000_0000 | 3 << 15, size: 8) & 0xFFFF_FFFF, 0x1041_1AF4)
    }

    func testSnapshotRoundTrip() throws {
        let (bridge, ports, io, fake) = try makeBus()
        cfgWrite32(io, 3, 0x10, 0xFEB0_0000)
        io.write(0xCF9, size: 1, value: 0x02)
        io.write(0xCF8, size: 4, value: cfgAddr(0, 3, 0, 0x10))
        let w = StateWriter()
        ports.save(to: w)
        fake.config.save(to: w)
        let h1 = ports.stateHash().value ^ fake.config.stateHash().value

        let (_, ports2, io2, fake2) = try makeBus()
        let r = StateReader(bytes: w.bytes)
        try ports2.restore(from: r)
        try fake2.config.restore(from: r)
        XCTAssertEqual(ports2.stateHash().value ^ fake2.config.stateHash().value, h1)
        XCTAssertEqual(io2.read(0xCFC, size: 4), 0xFEB0_0000)     // address register restored too
        XCTAssertEqual(io2.read(0xCF9, size: 1), 0x02)
        _ = bridge
        // A truncated snapshot is an error, not a trap.
        XCTAssertThrowsError(try fake2.config.restore(from: StateReader(bytes: Array(w.bytes.prefix(20)))))
    }
}
