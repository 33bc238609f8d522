// 16550A register tests (PC16550D datasheet): divisor latch, IER/IIR priorities, FIFO and
// trigger levels, LSR/MSR, loopback, OUT2 gating of the PC IRQ, Linux's probe sequence.

import XCTest
import EmulatorCore
@testable import Devices

final class UART16550Tests: XCTestCase {
    var u: UART16550!
    var sent: [UInt8] = []

    override func setUp() {
        u = UART16550(name: "COM1")
        sent = []
        u.output = { [unowned self] in self.sent.append($0) }
    }
    func out(_ r: UInt64, _ v: UInt8) { u.write(offset: r, size: 1, value: UInt64(v)) }
    func inb(_ r: UInt64) -> UInt8 { UInt8(u.read(offset: r, size: 1)) }

    func testResetStateAndScratch() {
        XCTAssertEqual(inb(2), 0x01)          // no interrupt pending, FIFOs off
        XCTAssertEqual(inb(5), 0x60)          // THRE | TEMT
        XCTAssertEqual(inb(6), 0xB0)          // DCD, DSR, CTS from the attached terminal
        XCTAssertEqual(inb(1), 0x00)
        out(7, 0xA5)
        XCTAssertEqual(inb(7), 0xA5)
    }

    func testDivisorLatchAndTransmit() {
        out(3, 0x80)                          // DLAB
        out(0, 0x01); out(1, 0x00)            // 115200 baud
        XCTAssertEqual(inb(0), 0x01); XCTAssertEqual(inb(1), 0x00)
        XCTAssertEqual(u.divisorLatch, 1)
        out(3, 0x03)                          // 8N1
        for b in Array("hi\n".utf8) { out(0, b) }
        XCTAssertEqual(sent, Array("hi\n".utf8))
        XCTAssertEqual(inb(5) & 0x60, 0x60)
    }

    func testTHREInterruptAndOUT2Gating() {
        out(1, 0x02)                          // ETBEI with THR empty: interrupt at once
        XCTAssertEqual(inb(2) & 0x0F, 0x02)   // ...reading IIR clears it
        XCTAssertEqual(inb(2), 0x01)
        XCTAssertFalse(u.irq.level)           // OUT2 clear: the PC's IRQ is gated off
        out(4, 0x0B)                          // DTR RTS OUT2
        out(0, 0x41)
        XCTAssertTrue(u.irq.level)
        XCTAssertEqual(inb(2), 0x02)
        XCTAssertFalse(u.irq.level)
        out(0, 0x42); XCTAssertTrue(u.irq.level)
        out(1, 0x00); XCTAssertFalse(u.irq.level)   // disabling the source lowers the line
    }

    func testReceiveWithoutFIFOAndOverrunPriority() {
        out(4, 0x08); out(1, 0x05)            // ERBFI + ELSI
        u.receive(byte: 0x31)
        XCTAssertEqual(inb(5) & 0x01, 0x01)
        XCTAssertEqual(inb(2), 0x04)          // received data available
        XCTAssertTrue(u.irq.level)
        u.receive(byte: 0x32)                 // RBR full: overrun; the new byte overwrites RBR
                                              // (PC16550D LSR bit 1 "destroying the previous
                                              // character"; QEMU agrees: roms/board/uart.c)
        XCTAssertEqual(inb(2), 0x06)          // line status outranks data available
        XCTAssertEqual(inb(5), 0x63)          // DR | OE | THRE | TEMT, read clears OE
        XCTAssertEqual(inb(2), 0x04)
        XCTAssertEqual(inb(0), 0x32)
        XCTAssertEqual(inb(5), 0x60)
        XCTAssertEqual(inb(2), 0x01)
        XCTAssertFalse(u.irq.level)
    }

    func testFIFOTriggerLevelsAndTimeout() {
        out(2, 0xC7)                          // enable + clear both, trigger 14
        XCTAssertEqual(inb(2), 0xC1)          // FIFOs enabled shows in IIR bits 7-6
        out(4, 0x08); out(1, 0x01)
        for i in 0..<3 { u.receive(byte: UInt8(i)) }
        XCTAssertEqual(inb(2), 0xCC)          // below the trigger: character timeout
        for i in 3..<14 { u.receive(byte: UInt8(i)) }
        XCTAssertEqual(inb(2), 0xC4)          // at the trigger level: data available
        u.receive(byte: 14); u.receive(byte: 15)
        XCTAssertTrue(u.canReceive == false)
        u.receive(byte: 16)                   // 17th byte: overrun
        XCTAssertEqual(inb(5) & 0x03, 0x03)
        var got: [UInt8] = []
        while inb(5) & 1 != 0 { got.append(inb(0)) }
        XCTAssertEqual(got, Array(0..<16))
        XCTAssertEqual(inb(2), 0xC1)
        out(2, 0x41)                          // trigger 4
        for i in 0..<4 { u.receive(byte: UInt8(i)) }
        XCTAssertEqual(inb(2), 0xC4)
        out(2, 0x43)                          // clear RX FIFO
        XCTAssertEqual(inb(5) & 1, 0)
        out(2, 0x00)                          // FIFOs off
        XCTAssertEqual(inb(2), 0x01)
    }

    func testLoopbackAndModemStatus() {
        out(4, 0x10)                          // loopback, all outputs low
        XCTAssertEqual(inb(6) & 0xF0, 0x00)
        _ = inb(6)
        out(4, 0x1F)                          // DTR RTS OUT1 OUT2 -> DSR CTS RI DCD
        XCTAssertEqual(inb(6), 0xFB)          // lines + DCTS DDSR DDCD (TERI only on RI falling)
        XCTAssertEqual(inb(6), 0xF0)          // deltas cleared by the read
        out(4, 0x1B)                          // OUT1 low: RI falls
        XCTAssertEqual(inb(6) & 0x0F, 0x04)
        out(1, 0x01)
        out(0, 0x55)                          // loops back into the receiver
        XCTAssertEqual(sent, [])
        XCTAssertEqual(inb(2) & 0x0F, 0x04)
        XCTAssertFalse(u.irq.level)           // loopback disconnects the interrupt from the bus
        u.receive(byte: 0x99)                 // serial input disconnected in loopback
        XCTAssertEqual(inb(0), 0x55)
        XCTAssertEqual(inb(5) & 1, 0)
    }

    /// The probe Linux's 8250 driver runs (autoconfig + startup THRE test) must find a 16550A
    /// with working THRE interrupts.
    func testLinuxProbeSequence() {
        out(1, 0x00)
        let scratch = inb(1); out(1, 0x0F); let scratch2 = inb(1) & 0x0F; out(1, scratch)
        XCTAssertEqual(scratch2, 0x0F)
        out(4, 0x1A)                          // loopback check: MSR bits 7-4 follow MCR
        XCTAssertEqual(inb(6) & 0xF0, 0x90)
        out(4, 0x00)
        out(2, 0x01)
        XCTAssertEqual(inb(2) >> 6, 3)        // FIFO present: 16550A family
        out(3, 0xBF)                          // EFR probe: none on a 16550A
        out(3, 0x00)
        out(2, 0x21)                          // 64-byte FIFO request (16750)
        XCTAssertEqual(inb(2) & 0x20, 0)      // not a 16750
        out(1, 0x02); let iir1 = inb(2); out(1, 0x00)
        out(1, 0x02); let iir = inb(2); out(1, 0x00)
        XCTAssertEqual(iir1 & 0x01, 0)        // THRE interrupt seen at once (no UART_BUG_THRE)
        XCTAssertEqual(iir & 0x01, 0)
    }

    func testSnapshotRoundTrip() throws {
        out(3, 0x80); out(0, 0x03); out(3, 0x03); out(2, 0x81); out(4, 0x0B); out(1, 0x05)
        for b in Array("abc".utf8) { u.receive(byte: b) }
        out(7, 0x42)
        let w = StateWriter()
        u.save(to: w)
        let v = UART16550(name: "COM1")
        try v.restore(from: StateReader(bytes: w.bytes))
        XCTAssertEqual(u.stateHash(), v.stateHash())
        XCTAssertEqual(v.irq.level, u.irq.level)
        for r: UInt64 in [2, 5, 0, 0, 5, 0, 2, 7, 3, 4, 6] {
            XCTAssertEqual(u.read(offset: r, size: 1), v.read(offset: r, size: 1), "register \(r)")
        }
        var bad = w.bytes
        bad[10] = 200                         // FIFO byte count larger than the FIFO
        XCTAssertThrowsError(try UART16550().restore(from: StateReader(bytes: bad)))
    }
}
