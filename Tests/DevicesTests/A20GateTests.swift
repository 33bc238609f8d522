// Tests of the A20 gate / port 0x92 (Devices/Board/A20Gate.swift) against QEMU 7.2's model
// (hw/i386/port92.c, hw/input/pckbd.c): port 0x92 bit 1 drives the A20 line on every write,
// reads return the last value written, bit 0 going 0 -> 1 requests a reset; the i8042's
// output-port writes drive the same line, and the last write from either source wins.

import XCTest
import EmulatorCore
@testable import Devices

final class A20GateTests: XCTestCase {
    func testPort92DrivesTheLineAndReadsBack() {
        let g = A20Gate()
        var levels: [Bool] = []
        var resets = 0
        g.onChange = { levels.append($0) }
        g.onReset = { resets += 1 }
        XCTAssertTrue(g.enabled)
        XCTAssertEqual(g.read(offset: 0, size: 1), 0x02)     // as the BIOS leaves it
        g.write(offset: 0, size: 1, value: 0x00)
        XCTAssertFalse(g.enabled)
        XCTAssertEqual(g.read(offset: 0, size: 1), 0x00)
        g.write(offset: 0, size: 1, value: 0x02)
        g.write(offset: 0, size: 1, value: 0x02)              // unchanged, still driven
        XCTAssertEqual(levels, [false, true, true])
        XCTAssertEqual(resets, 0)
        g.write(offset: 0, size: 1, value: 0x03)              // bit 0 rising: reset
        g.write(offset: 0, size: 1, value: 0x03)              // no new edge
        XCTAssertEqual(resets, 1)
    }

    func testKeyboardControllerAndPort92ShareOneLineLastWriteWins() {
        let kbc = I8042(), g = A20Gate()
        kbc.onA20Change = { g.drive($0) }
        g.write(offset: 0, size: 1, value: 0x00)              // off through port 0x92
        XCTAssertFalse(g.enabled)
        kbc.commandPort.write(offset: 0, size: 1, value: 0xDF) // i8042 "enable A20" (its bit was already 1)
        XCTAssertTrue(g.enabled)
        kbc.commandPort.write(offset: 0, size: 1, value: 0xDD) // i8042 "disable A20"
        XCTAssertFalse(g.enabled)
        g.write(offset: 0, size: 1, value: 0x02)
        XCTAssertTrue(g.enabled)
        kbc.commandPort.write(offset: 0, size: 1, value: 0xD1) // write output port: A20 bit clear
        kbc.dataPort.write(offset: 0, size: 1, value: 0xCD)
        XCTAssertFalse(g.enabled)
    }

    func testSnapshotRestoresTheLineAndDrivesIt() throws {
        let g = A20Gate()
        g.write(offset: 0, size: 1, value: 0x00)
        let w = StateWriter()
        g.save(to: w)
        let h = A20Gate()
        var driven: [Bool] = []
        h.onChange = { driven.append($0) }
        try h.restore(from: StateReader(bytes: w.bytes))
        XCTAssertFalse(h.enabled)
        XCTAssertEqual(h.read(offset: 0, size: 1), 0x00)
        XCTAssertEqual(driven, [false])
    }
}
