// Tests for Devices/TestDevices: fw_cfg as QEMU's docs/specs/fw_cfg.rst specifies it (and as
// kvm-unit-tests' lib/x86/fwcfg.c reads it: outw selector to 0x510, inb from 0x511 per byte),
// and pc-testdev's ports and MMIO as QEMU's hw/misc/pc-testdev.c defines them.

import XCTest
import EmulatorCore
@testable import Devices

final class FwCfgTests: XCTestCase {
    private func makePorts(_ dev: FwCfg) throws -> IOBus {
        let io = IOBus()
        try io.map(dev, at: 0x510, length: 2, name: "fw_cfg")
        return io
    }

    /// kvm-unit-tests' fwcfg_get_u: select with a 16-bit OUT, then `bytes` byte INs, little-endian.
    private func get(_ io: IOBus, _ key: UInt16, _ bytes: Int) -> UInt64 {
        io.write(0x510, size: 2, value: UInt64(key))
        var r: UInt64 = 0
        for i in 0..<bytes { r |= io.read(0x511, size: 1) << UInt64(i * 8) }
        return r
    }

    func testSignatureIDAndKvmUnitTestsItems() throws {
        let dev = FwCfg(ramSize: 256 << 20, cpus: 1)
        let io = try makePorts(dev)
        XCTAssertEqual(get(io, FwCfgKey.signature, 4), 0x554D_4551)      // "QEMU"
        XCTAssertEqual(get(io, FwCfgKey.id, 4), 1)                        // traditional interface, no DMA
        XCTAssertEqual(get(io, FwCfgKey.ramSize, 8), 256 << 20)
        XCTAssertEqual(get(io, FwCfgKey.nbCPUs, 2), 1)
        XCTAssertEqual(get(io, FwCfgKey.maxCPUs, 2), 1)
        // Reading past the end of an item returns 0x00.
        io.write(0x510, size: 2, value: UInt64(FwCfgKey.nbCPUs))
        _ = io.read(0x511, size: 1); _ = io.read(0x511, size: 1)
        XCTAssertEqual(io.read(0x511, size: 1), 0)
        // A key beyond the table selects nothing: reads 0.
        XCTAssertEqual(get(io, 0x3FFF, 4), 0)
        // Bit 14 (write channel) still reads the item (the write channel is ignored).
        XCTAssertEqual(get(io, FwCfgKey.writeChannel | FwCfgKey.signature, 4), 0x554D_4551)
        // A 16-bit read is not a data read: 0, nothing consumed (QEMU 7.2: inw 0x510 = 0), and
        // port 0x510 reads data bytes like 0x511.
        io.write(0x510, size: 2, value: 0)
        XCTAssertEqual(io.read(0x510, size: 2), 0)
        XCTAssertEqual(io.read(0x510, size: 1), 0x51)
        // Byte writes to the data port are ignored; re-selecting rewinds the offset.
        io.write(0x511, size: 1, value: 0x55)
        XCTAssertEqual(get(io, FwCfgKey.signature, 1), 0x51)
    }

    func testFileDirectoryFormat() throws {
        let dev = FwCfg(ramSize: 1 << 30)
        let io = try makePorts(dev)
        XCTAssertEqual(try dev.addFile("etc/e820", [1, 2, 3, 4, 5]), 0x20)
        XCTAssertEqual(try dev.addFile("opt/org.orrery/test", Array("hello".utf8)), 0x21)
        XCTAssertThrowsError(try dev.addFile("etc/e820", []))
        XCTAssertThrowsError(try dev.addFile(String(repeating: "x", count: 56), []))
        // Directory: u32 count (big-endian), then 64-byte entries {u32 size BE, u16 key BE, u16, name[56]}.
        io.write(0x510, size: 2, value: UInt64(FwCfgKey.fileDir))
        let dir = (0..<(4 + 2 * 64)).map { _ in UInt8(io.read(0x511, size: 1)) }
        XCTAssertEqual(Array(dir[0..<4]), [0, 0, 0, 2])
        XCTAssertEqual(Array(dir[4..<8]), [0, 0, 0, 5])
        XCTAssertEqual(Array(dir[8..<10]), [0, 0x20])
        XCTAssertEqual(String(decoding: dir[12..<20], as: UTF8.self), "etc/e820")
        XCTAssertEqual(dir[20], 0)
        XCTAssertEqual(Array(dir[68..<72]), [0, 0, 0, 5])
        XCTAssertEqual(Array(dir[72..<74]), [0, 0x21])
        XCTAssertEqual(String(decoding: dir[76..<95], as: UTF8.self), "opt/org.orrery/test")
        // The file's own key reads its contents.
        XCTAssertEqual(get(io, 0x21, 5), 0x6F_6C6C_6568)   // "hello" little-endian
    }

    func testArchLocalItemsAreASeparateTable() throws {
        let dev = FwCfg(ramSize: 0)
        try dev.setItem(FwCfgKey.archLocal | 2, [0x01])      // x86 IRQ0 override
        let io = try makePorts(dev)
        XCTAssertEqual(get(io, FwCfgKey.archLocal | 2, 1), 1)
        XCTAssertEqual(get(io, 2, 16), 0)                    // generic key 2 is the (zero) UUID
    }

    func testSnapshotRestoresSelectorAndOffset() throws {
        let a = FwCfg(ramSize: 64 << 20)
        let io = try makePorts(a)
        io.write(0x510, size: 2, value: 0)
        _ = io.read(0x511, size: 1); _ = io.read(0x511, size: 1)
        let w = StateWriter()
        a.save(to: w)
        let b = FwCfg(ramSize: 64 << 20)
        try b.restore(from: StateReader(bytes: w.bytes))
        XCTAssertEqual(b.stateHash(), a.stateHash())
        XCTAssertEqual(b.read(offset: 1, size: 1), UInt64(UInt8(ascii: "M")))
        // Different items, different hash (the guest can read them).
        XCTAssertNotEqual(FwCfg(ramSize: 32 << 20).stateHash(), FwCfg(ramSize: 64 << 20).stateHash())
    }
}

final class PCTestDevTests: XCTestCase {
    private func make() throws -> (PCTestDev, IOBus, IOBus, [InterruptLine]) {
        let lines = (0..<24).map { InterruptLine(name: "isa\($0)") }
        let dev = PCTestDev(irqLines: lines)
        let io = IOBus(), mmio = IOBus()
        try io.map(dev.ports, at: PCTestDev.dataPortBase, length: 12, name: "testdev")
        try io.map(dev.irqPorts, at: PCTestDev.irqPortBase, length: 24, name: "testdev-irq")
        try mmio.map(dev.iomem, at: PCTestDev.iomemBase, length: UInt64(PCTestDev.iomemLength), name: "testdev-iomem")
        return (dev, io, mmio, lines)
    }

    func testDataRegisterAtAnyWidthAndBothPorts() throws {
        let (dev, io, _, _) = try make()
        io.write(0xE0, size: 4, value: 0x1122_3344)
        XCTAssertEqual(io.read(0xE0, size: 4), 0x1122_3344)
        XCTAssertEqual(io.read(0xE2, size: 2), 0x1122)
        XCTAssertEqual(io.read(0xE1, size: 1), 0x33)
        io.write(0xE1, size: 1, value: 0xAB)
        XCTAssertEqual(dev.data, 0x1122_AB44)
        // 0xE8 is the same register, byte by byte.
        XCTAssertEqual(io.read(0xE8, size: 4), 0x1122_AB44)
        io.write(0xEA, size: 2, value: 0xBEEF)
        XCTAssertEqual(io.read(0xE0, size: 4), 0xBEEF_AB44)
        // An access running past the register's end reads 0 (QEMU 7.2: inl 0xe3 = 0).
        XCTAssertEqual(io.read(0xE3, size: 4), 0)
        XCTAssertEqual(io.read(0xE3, size: 1), 0xBE)
    }

    func testFlushPortAndIRQLines() throws {
        let (dev, io, _, lines) = try make()
        var flushed: [UInt64] = []
        dev.onFlushPage = { flushed.append($0) }
        io.write(0xE4, size: 4, value: 0x0012_3456)
        io.write(0xE4, size: 1, value: 0x99)          // only 32-bit writes are valid
        XCTAssertEqual(flushed, [0x0012_3000])
        var seen: [Bool] = []
        lines[14].connect { seen.append($0) }
        io.write(0x200E, size: 1, value: 1)
        io.write(0x200E, size: 1, value: 0x80)        // any non-zero value is "high": no change
        io.write(0x200E, size: 1, value: 0)
        XCTAssertEqual(seen, [true, false])
        XCTAssertEqual(io.read(0x200E, size: 1), 0)
    }

    func testIOMemIsPlainMemory() throws {
        let (_, _, mmio, _) = try make()
        mmio.write(0xFF00_0000, size: 8, value: 0x0102_0304_0506_0708)
        XCTAssertEqual(mmio.read(0xFF00_0000, size: 4), 0x0506_0708)
        XCTAssertEqual(mmio.read(0xFF00_0004, size: 2), 0x0304)
        mmio.write(0xFF00_FFFF, size: 1, value: 0x5A)
        XCTAssertEqual(mmio.read(0xFF00_FFFF, size: 1), 0x5A)
    }

    func testSnapshotRoundTrip() throws {
        let (a, io, mmio, _) = try make()
        io.write(0xE0, size: 4, value: 0xCAFE_F00D)
        io.write(0x2003, size: 1, value: 1)
        mmio.write(0xFF00_0100, size: 4, value: 0xDEAD_BEEF)
        let w = StateWriter()
        a.save(to: w)
        let (b, io2, mmio2, lines2) = try make()
        try b.restore(from: StateReader(bytes: w.bytes))
        XCTAssertEqual(b.stateHash(), a.stateHash())
        XCTAssertEqual(io2.read(0xE0, size: 4), 0xCAFE_F00D)
        XCTAssertEqual(mmio2.read(0xFF00_0100, size: 4), 0xDEAD_BEEF)
        XCTAssertTrue(lines2[3].level)
    }
}
