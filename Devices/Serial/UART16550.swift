// Layer: Devices. A National Semiconductor PC16550D UART ("16550A"; datasheet PC16550D, 1995).
//
// PC board wiring: COM1 0x3F8-0x3FF IRQ 4, COM2 0x2F8 IRQ 3, COM3 0x3E8 IRQ 4, COM4 0x2E8 IRQ 3
// (four instances, each mapped as an 8-byte window; `irq` is the InterruptLine to connect).
// As on a PC, the interrupt reaches the bus only while MCR.OUT2 is set (and not in loopback).
//
// Determinism: output goes to `output` (a sink the board sets: stdout, a file) and never
// influences guest state; input arrives only through `receive(byte:)`, which the board calls
// from its recorded input queue at a fixed instruction count. Transmission is instantaneous
// (THR is empty again right after a write; no baud-rate timing), and the receive "character
// timeout" interrupt is reported as soon as the FIFO holds data below its trigger level (the
// chip would wait 4 character times): both documented simplifications that no run can observe
// differently from another.

import EmulatorCore

public final class UART16550: BusDevice, Snapshottable {
    public let name: String
    public let irq: InterruptLine
    /// Where transmitted bytes go (not in loopback mode).
    public var output: ((UInt8) -> Void)?

    var rx: [UInt8] = []              // receive FIFO (16 deep; 1 when FIFOs are off)
    var ier: UInt8 = 0
    var lcr: UInt8 = 0
    var mcr: UInt8 = 0
    var lsrErrors: UInt8 = 0          // OE (bit 1) latched until LSR is read
    var msrDeltas: UInt8 = 0          // MSR bits 3-0
    var scr: UInt8 = 0
    var divisor: UInt16 = 12          // 9600 baud from 1.8432 MHz
    var fcr: UInt8 = 0                // bit 0 FIFO enable, bits 7-6 trigger level
    var thrInterrupt = false          // THRE interrupt pending (cleared by IIR read or THR write)

    public init(name: String = "COM1") {
        self.name = name
        self.irq = InterruptLine(name: "\(name) IRQ")
    }

    var fifoEnabled: Bool { fcr & 1 != 0 }
    var capacity: Int { fifoEnabled ? 16 : 1 }
    var triggerLevel: Int { [1, 4, 8, 14][Int(fcr >> 6)] }
    var loopback: Bool { mcr & 0x10 != 0 }
    var dlab: Bool { lcr & 0x80 != 0 }

    /// The divisor latch: baud rate = 115200 / divisor (for the PC's 1.8432 MHz crystal).
    public var divisorLatch: UInt16 { divisor }

    // MARK: Input from the board

    /// Whether a byte would fit in the receive FIFO (the board may hold input back until it does).
    public var canReceive: Bool { !loopback && rx.count < capacity }

    /// A byte arriving on the serial input (from the board's deterministic input queue). When the
    /// FIFO is full the byte is lost and LSR.OE is set, as on the chip. Ignored in loopback mode
    /// (the input pin is disconnected).
    public func receive(byte: UInt8) {
        guard !loopback else { return }
        enqueue(byte)
    }

    func enqueue(_ b: UInt8) {
        if rx.count < capacity {
            rx.append(b)
        } else {
            // Overrun (LSR.OE). Without FIFOs the new character overwrites the one in RBR; with
            // FIFOs it is lost in the shift register and the FIFO keeps its 16 (PC16550D, LSR bit 1).
            lsrErrors |= 0x02
            if !fifoEnabled, !rx.isEmpty { rx[0] = b }
        }
        updateIRQ()
    }

    // MARK: Registers

    var lsr: UInt8 {
        // THRE and TEMT are always set: transmission completes at once.
        (rx.isEmpty ? 0 : 0x01) | lsrErrors | 0x60
    }

    var msr: UInt8 {
        let lines: UInt8
        if loopback {
            // Loopback: CTS = RTS, DSR = DTR, RI = OUT1, DCD = OUT2.
            lines = (mcr & 0x02 != 0 ? 0x10 : 0) | (mcr & 0x01 != 0 ? 0x20 : 0)
                | (mcr & 0x04 != 0 ? 0x40 : 0) | (mcr & 0x08 != 0 ? 0x80 : 0)
        } else {
            lines = 0xB0                       // a connected terminal: DCD, DSR, CTS
        }
        return lines | msrDeltas
    }

    /// The highest-priority pending interrupt's IIR code (bit 0 = 1: none).
    var iirCode: UInt8 {
        if ier & 0x04 != 0 && lsrErrors != 0 { return 0x06 }                 // receiver line status
        if ier & 0x01 != 0 && !rx.isEmpty {
            if !fifoEnabled || rx.count >= triggerLevel { return 0x04 }      // data available
            return 0x0C                                                     // character timeout
        }
        if ier & 0x02 != 0 && thrInterrupt { return 0x02 }                   // THR empty
        if ier & 0x08 != 0 && msrDeltas != 0 { return 0x00 }                 // modem status
        return 0x01
    }

    func updateIRQ() {
        let pending = iirCode & 1 == 0
        irq.set(pending && mcr & 0x08 != 0 && !loopback)
    }

    public func read(offset: UInt64, size: Int) -> UInt64 {
        let v: UInt8
        switch offset & 7 {
        case 0:
            if dlab { v = UInt8(truncatingIfNeeded: divisor) }
            else if rx.isEmpty { v = 0 }
            else { v = rx.removeFirst() }
        case 1:
            v = dlab ? UInt8(truncatingIfNeeded: divisor >> 8) : ier
        case 2:
            let code = iirCode
            if code == 0x02 { thrInterrupt = false }   // reading IIR clears a THRE interrupt
            v = code | (fifoEnabled ? 0xC0 : 0)
        case 3: v = lcr
        case 4: v = mcr
        case 5:
            v = lsr
            lsrErrors = 0
        case 6:
            v = msr
            msrDeltas = 0
        default: v = scr
        }
        updateIRQ()
        return UInt64(v)
    }

    public func write(offset: UInt64, size: Int, value: UInt64) {
        let v = UInt8(truncatingIfNeeded: value)
        switch offset & 7 {
        case 0:
            if dlab { divisor = divisor & 0xFF00 | UInt16(v) }
            else {
                if loopback { enqueue(v) } else { output?(v) }
                // The byte leaves at once: THR is empty again and (if enabled) interrupts.
                thrInterrupt = true
            }
        case 1:
            if dlab { divisor = divisor & 0x00FF | UInt16(v) << 8 }
            else {
                let enablingTHRE = v & 0x02 != 0 && ier & 0x02 == 0
                ier = v & 0x0F
                if enablingTHRE { thrInterrupt = true }   // THR is empty: interrupt at once
            }
        case 2:
            // FCR: bit 0 enable (changing it clears both FIFOs), bit 1 clear RX, bit 2 clear TX.
            if (v ^ fcr) & 1 != 0 { rx.removeAll() }
            if v & 0x02 != 0 { rx.removeAll() }
            fcr = v & 0xC9
            if !fifoEnabled { fcr = 0 }
        case 3: lcr = v
        case 4:
            let old = mcr
            mcr = v & 0x1F
            if loopback || old & 0x10 != 0 {
                // In loopback the modem outputs drive the inputs: record the deltas.
                let before = msrLines(mcr: old), after = msrLines(mcr: mcr)
                if (before ^ after) & 0x10 != 0 { msrDeltas |= 0x01 }           // DCTS
                if (before ^ after) & 0x20 != 0 { msrDeltas |= 0x02 }           // DDSR
                if before & 0x40 != 0 && after & 0x40 == 0 { msrDeltas |= 0x04 }  // TERI: RI falls
                if (before ^ after) & 0x80 != 0 { msrDeltas |= 0x08 }           // DDCD
            }
        case 5, 6: break                         // LSR and MSR are read-only (factory test writes ignored)
        default: scr = v
        }
        updateIRQ()
    }

    func msrLines(mcr m: UInt8) -> UInt8 {
        if m & 0x10 == 0 { return 0xB0 }
        return (m & 0x02 != 0 ? 0x10 : 0) | (m & 0x01 != 0 ? 0x20 : 0) | (m & 0x04 != 0 ? 0x40 : 0)
            | (m & 0x08 != 0 ? 0x80 : 0)
    }

    // MARK: Snapshottable

    public func save(to w: StateWriter) {
        w.section("UART", version: 1) {
            w.blob(rx)
            for b in [ier, lcr, mcr, lsrErrors, msrDeltas, scr, fcr] { w.u8(b) }
            w.u16(divisor)
            w.bool(thrInterrupt)
            w.bool(irq.level)
        }
    }

    public func restore(from r: StateReader) throws(SnapshotError) {
        try r.section("UART", maxVersion: 1) { _ throws(SnapshotError) in
            let data = try r.blob()
            ier = try r.u8() & 0x0F; lcr = try r.u8(); mcr = try r.u8() & 0x1F
            lsrErrors = try r.u8() & 0x1E; msrDeltas = try r.u8() & 0x0F; scr = try r.u8()
            fcr = try r.u8() & 0xC9
            guard data.count <= capacity else {
                throw SnapshotError.invalidValue(field: "UART.rxCount", value: UInt64(data.count))
            }
            rx = data
            divisor = try r.u16()
            thrInterrupt = try r.bool()
            irq.restoreLevel(try r.bool())
        }
    }
}
