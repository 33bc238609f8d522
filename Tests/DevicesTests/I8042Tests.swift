// 8042 keyboard controller tests (IBM PC/AT and PS/2 references): controller commands,
// self-test, A20 and reset through the output port, keyboard command set, IRQ 1/12, and
// the sequences Linux's i8042 and atkbd drivers run while probing.

import XCTest
import EmulatorCore
@testable import Devices

final class I8042Tests: XCTestCase {
    var k: I8042!
    var resets = 0
    var a20: [Bool] = []

    override func setUp() {
        k = I8042()
        resets = 0; a20 = []
        k.onReset = { [unowned self] in self.resets += 1 }
        k.onA20Change = { [unowned self] in self.a20.append($0) }
    }
    func cmd(_ v: UInt8) { k.commandPort.write(offset: 0, size: 1, value: UInt64(v)) }
    func data(_ v: UInt8) { k.dataPort.write(offset: 0, size: 1, value: UInt64(v)) }
    func status() -> UInt8 { UInt8(k.commandPort.read(offset: 0, size: 1)) }
    func read() -> UInt8 { UInt8(k.dataPort.read(offset: 0, size: 1)) }
    /// Everything in the output buffer, as a driver drains it.
    func drain() -> [UInt8] { var r: [UInt8] = []; while status() & 1 != 0 { r.append(read()) }; return r }

    func testSelfTestAndInterfaceTests() {
        XCTAssertEqual(status() & 0x01, 0)
        cmd(0xAA)
        XCTAssertEqual(status() & 0x0D, 0x0D)   // OBF, SYS, A2 (last write a command)
        XCTAssertEqual(read(), 0x55)
        XCTAssertEqual(status() & 0x01, 0)
        cmd(0xAB); XCTAssertEqual(drain(), [0x00])
        cmd(0xA9); XCTAssertEqual(drain(), [0x00])
    }

    func testCommandByteReadWriteAndRAM() {
        cmd(0x20); XCTAssertEqual(drain(), [0x45])
        cmd(0x60); data(0x74)                    // translate, aux and kbd clocks off, SYS, no IRQs
        XCTAssertEqual(status() & 0x08, 0)       // A2 clear after the data byte
        cmd(0x20); XCTAssertEqual(drain(), [0x74])
        cmd(0xAE); cmd(0x20); XCTAssertEqual(drain(), [0x64])
        cmd(0xA8); cmd(0x20); XCTAssertEqual(drain(), [0x44])
        cmd(0xA7); cmd(0x20); XCTAssertEqual(drain(), [0x64])
        cmd(0x65); data(0x99); cmd(0x25); XCTAssertEqual(drain(), [0x99])
    }

    func testA20AndResetThroughTheOutputPort() {
        XCTAssertTrue(k.a20Enabled)
        cmd(0xD0); XCTAssertEqual(drain(), [0xCF])
        cmd(0xD1); data(0xDD)                    // A20 off (bit 1 clear), reset high
        XCTAssertEqual(a20, [false]); XCTAssertFalse(k.a20Enabled)
        cmd(0xD1); data(0xDF)                    // the classic "enable A20" write
        XCTAssertEqual(a20, [false, true])
        cmd(0xDD); cmd(0xDF)
        XCTAssertEqual(a20, [false, true, false, true])
        XCTAssertEqual(resets, 0)
        cmd(0xFE)                                // pulse reset: what Linux's reboot=k does
        XCTAssertEqual(resets, 1)
        cmd(0xFF)                                // pulse nothing
        XCTAssertEqual(resets, 1)
        cmd(0xD1); data(0xDE)                    // bit 0 low: reset
        XCTAssertEqual(resets, 2)
    }

    func testKeyboardCommandsAndIRQ1() {
        var edges = 0
        k.irq1.connect { if $0 { edges += 1 } }
        data(0xFF)                               // reset
        XCTAssertTrue(k.irq1.level)
        XCTAssertEqual(read(), 0xFA)
        XCTAssertTrue(k.irq1.level)              // next byte loaded: interrupt again
        XCTAssertEqual(read(), 0xAA)
        XCTAssertFalse(k.irq1.level)
        XCTAssertEqual(edges, 2)
        data(0xF2); XCTAssertEqual(drain(), [0xFA, 0xAB, 0x41])   // MF2, translated
        data(0xED); data(0x07); XCTAssertEqual(drain(), [0xFA, 0xFA])
        data(0xF0); data(0x00); XCTAssertEqual(drain(), [0xFA, 0xFA, 0x41])   // set 2, translated
        data(0xEE); XCTAssertEqual(drain(), [0xEE])
        data(0x12); XCTAssertEqual(drain(), [0xFE])
        cmd(0x60); data(0x04)                    // no translation, no IRQ
        data(0xF2); XCTAssertFalse(k.irq1.level)
        XCTAssertEqual(drain(), [0xFA, 0xAB, 0x83])
    }

    func testScancodesFromTheHostAndDisabledKeyboard() {
        k.receiveScancode(0x1E); k.receiveScancode(0x9E)
        XCTAssertEqual(drain(), [0x1E, 0x9E])
        cmd(0xAD)
        k.receiveScancode(0x1E)
        XCTAssertEqual(drain(), [])
        cmd(0xAE)
        data(0xF5)                               // disable scanning
        XCTAssertEqual(drain(), [0xFA])
        k.receiveScancode(0x1E)
        XCTAssertEqual(drain(), [])
        data(0xF4); k.receiveScancode(0x1F)
        XCTAssertEqual(drain(), [0xFA, 0x1F])
    }

    /// Linux i8042_controller_check/init, i8042_check_aux and atkbd_probe, in order.
    func testLinuxProbeSequence() {
        _ = drain()                              // i8042_flush
        cmd(0x20); let ctr = drain()             // I8042_CMD_CTL_RCTR
        XCTAssertEqual(ctr, [0x45])
        cmd(0xAA); XCTAssertEqual(drain(), [0x55])   // I8042_CMD_CTL_TEST
        cmd(0x60); data(0x47)                    // CTR with both IRQs enabled
        cmd(0xD3); data(0x5A)                    // I8042_CMD_AUX_LOOP
        XCTAssertEqual(status() & 0x21, 0x21)    // aux byte in the buffer
        XCTAssertTrue(k.irq12.level)
        XCTAssertEqual(read(), 0x5A)
        cmd(0xD4); data(0xF2)                    // to the mouse: nobody answers
        XCTAssertEqual(status() & 0x61, 0x61)    // OBF, AUXB, timeout
        XCTAssertEqual(read(), 0xFE)
        XCTAssertEqual(status() & 0x40, 0)
        cmd(0xAB); XCTAssertEqual(drain(), [0x00])   // I8042_CMD_KBD_TEST
        data(0xF2); XCTAssertEqual(drain(), [0xFA, 0xAB, 0x41])   // ATKBD_CMD_GETID
        data(0xF5); data(0xF3); data(0x00); data(0xF4)
        XCTAssertEqual(drain(), [0xFA, 0xFA, 0xFA, 0xFA])
    }

    func testSnapshotRoundTrip() throws {
        cmd(0x60); data(0x47)
        data(0xF2)
        _ = read()
        cmd(0xD1)                                // a command waiting for its data byte
        let w = StateWriter()
        k.save(to: w)
        let k2 = I8042()
        try k2.restore(from: StateReader(bytes: w.bytes))
        XCTAssertEqual(k.stateHash(), k2.stateHash())
        XCTAssertEqual(k2.irq1.level, k.irq1.level)
        var a2: [Bool] = []
        k2.onA20Change = { a2.append($0) }
        for x in [k!, k2] { x.dataPort.write(offset: 0, size: 1, value: 0xDD) }
        XCTAssertEqual(a20, a2)
        var out1: [UInt8] = [], out2: [UInt8] = []
        while k.commandPort.read(offset: 0, size: 1) & 1 != 0 { out1.append(UInt8(k.dataPort.read(offset: 0, size: 1))) }
        while k2.commandPort.read(offset: 0, size: 1) & 1 != 0 { out2.append(UInt8(k2.dataPort.read(offset: 0, size: 1))) }
        XCTAssertEqual(out1, [0xAB, 0x41])
        XCTAssertEqual(out1, out2)
        var bad = w.bytes
        bad[10 + 4] = 7                          // scancode set 7
        XCTAssertThrowsError(try I8042().restore(from: StateReader(bytes: bad)))
    }
}
