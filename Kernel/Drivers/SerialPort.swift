// Drivers layer: the interrupt-driven 16550 UART driver (COM1, ISA IRQ 4 through the IOAPIC).
// Takes over from the polled early console (Boot/SerialConsole.swift) once interrupts work.
//
// Receive: IER bit 0 (data available); the interrupt handler moves every byte from the
// receive FIFO (while LSR bit 0, DR, is set) into `received`, a ring buffer; when the ring is
// full the oldest byte is dropped and counted.
// Transmit: bytes go into `transmitQueue`; IER bit 1 (THR empty) is enabled while the queue
// holds data, and each THRE interrupt moves up to 16 bytes (the transmit FIFO's depth: THRE
// means the FIFO is empty) into THR. A full queue, a caller with interrupts disabled (trap
// handlers, the panic path) or `flush()` drains it by polling instead, in order: no byte is
// ever dropped, only delayed.
// The interrupt reaches the bus only while MCR bit 3 (OUT2) is set: on a PC OUT2 gates the
// UART's interrupt pin. The handler loops on IIR (bit 0 clear = an interrupt is pending;
// bits 1-3 = which: 011 line status, 010 data, 110 character timeout, 001 THR empty, 000 modem).

import ArchAsm

enum SerialPort {
    static let base: UInt16 = 0x3F8
    static let isaIRQ: UInt8 = 4
    static let fifoDepth = 16

    // Register offsets and bits.
    static let data: UInt16 = 0, ier: UInt16 = 1, iir: UInt16 = 2, fcr: UInt16 = 2
    static let mcr: UInt16 = 4, lsr: UInt16 = 5, msr: UInt16 = 6
    static let ierReceive: UInt8 = 0x01, ierTransmit: UInt8 = 0x02, ierLineStatus: UInt8 = 0x04
    static let mcrNormal: UInt8 = 0x0B          // DTR, RTS, OUT2
    static let mcrLoopback: UInt8 = 0x10
    static let lsrDataReady: UInt8 = 0x01, lsrTHREmpty: UInt8 = 0x20

    private(set) static var isInterruptDriven = false
    private(set) static var received = RingBuffer<UInt8>(capacity: 1, filler: 0)
    private static var transmitQueue = RingBuffer<UInt8>(capacity: 1, filler: 0)
    private static var ierValue: UInt8 = 0
    /// Statistics the selftests read.
    private(set) static var interruptCount: UInt64 = 0
    private(set) static var bytesReceived: UInt64 = 0
    private(set) static var receiveOverruns: UInt64 = 0
    private(set) static var bytesSentByInterrupt: UInt64 = 0
    private(set) static var bytesSentByPolling: UInt64 = 0
    private(set) static var gsi: UInt32 = 0

    private static func port(_ offset: UInt16) -> Port { Port(base + offset) }

    /// Switches COM1 to interrupt-driven operation (the early console left it at 115200 8N1).
    /// Needs the IOAPIC and local APIC; interrupts are taken once the kernel enables them.
    static func startInterruptDriven() -> Bool {
        received = RingBuffer(capacity: 4096, filler: 0)
        transmitQueue = RingBuffer(capacity: 4096, filler: 0)
        port(fcr).write8(0x05)           // FIFOs on, transmit FIFO cleared, receive trigger at 1 byte
        port(mcr).write8(mcrNormal)
        // Input that arrived before now stays in the FIFO: the first interrupt collects it.
        guard let route = IOAPIC.routeISA(irq: isaIRQ, handler: handleInterrupt) else { return false }
        gsi = route.gsi
        setIER(ierReceive | ierLineStatus)
        isInterruptDriven = true
        return true
    }

    private static func setIER(_ value: UInt8) {
        ierValue = value
        port(ier).write8(value)
    }

    /// The IRQ 4 handler (interrupts are off while it runs).
    static func handleInterrupt() {
        interruptCount &+= 1
        service()
    }

    /// Handles every condition the UART reports pending in IIR, until none is left: IRQ 4 is
    /// edge-triggered at the IOAPIC, so returning with a condition still pending would leave
    /// the line high and no new edge would ever come. A device that never stops reporting
    /// (bounded at 1024 rounds) gets IER toggled off and on, which drops the line and raises
    /// it again: a fresh edge (the classic ISA 16550 workaround).
    private static func service() {
        var rounds = 0
        while rounds < 1024 {
            rounds += 1
            let identification = port(iir).read8()
            if identification & 0x01 != 0 { return }         // nothing pending
            switch (identification >> 1) & 0x07 {
            case 0b011: _ = port(lsr).read8()                // line status: reading LSR clears it
            case 0b010, 0b110: drainReceiveFIFO()            // data available / character timeout
            case 0b001: fillTransmitFIFO()                   // THR empty (the IIR read cleared it)
            default: _ = port(msr).read8()                   // modem status
            }
        }
        port(ier).write8(0)
        port(ier).write8(ierValue)
    }

    private static func drainReceiveFIFO() {
        var n = 0
        while port(lsr).read8() & lsrDataReady != 0 && n < 256 {
            if received.pushOverwriting(port(data).read8()) { receiveOverruns &+= 1 }
            bytesReceived &+= 1
            n += 1
        }
    }

    private static func fillTransmitFIFO() {
        var n = 0
        while n < fifoDepth, let byte = transmitQueue.pop() {
            port(data).write8(byte)
            bytesSentByInterrupt &+= 1
            n += 1
        }
        if transmitQueue.isEmpty && ierValue & ierTransmit != 0 { setIER(ierValue & ~ierTransmit) }
    }

    /// Queues a byte for transmission (see the file comment for when it polls instead).
    static func write(_ byte: UInt8) {
        let flags = arch_irq_save()
        if flags & 0x200 == 0 || !isInterruptDriven {
            // No interrupts to drain the queue: keep the order by draining it first.
            drainByPolling()
            sendPolled(byte)
        } else {
            if transmitQueue.isFull { drainByPolling() }
            transmitQueue.push(byte)
            // Enabling the THRE interrupt while THR is empty raises it at once.
            if ierValue & ierTransmit == 0 { setIER(ierValue | ierTransmit) }
        }
        arch_irq_restore(flags)
    }

    private static func sendPolled(_ byte: UInt8) {
        var spins = 0
        while port(lsr).read8() & lsrTHREmpty == 0 && spins < 100_000 { spins += 1 }
        port(data).write8(byte)
        bytesSentByPolling &+= 1
    }

    private static func drainByPolling() {
        while let byte = transmitQueue.pop() { sendPolled(byte) }
    }

    /// Sends everything queued now, by polling (before leaving the machine, panicking, or
    /// switching the UART's mode).
    static func flush() {
        let flags = arch_irq_save()
        drainByPolling()
        arch_irq_restore(flags)
    }

    /// Bytes received so far, oldest first (and removes them).
    static func takeReceived(max: Int = Int.max) -> [UInt8] {
        withInterruptsDisabled {
            var out: [UInt8] = []
            while out.count < max, let byte = received.pop() { out.append(byte) }
            return out
        }
    }

    /// Loopback mode (MCR bit 4): the transmitter feeds the receiver inside the chip. The
    /// console must be flushed first: its bytes would come back as input.
    static func setLoopback(_ on: Bool) {
        port(mcr).write8(on ? mcrNormal | mcrLoopback : mcrNormal)
    }

    /// Services the UART without its interrupt (the same handler, called directly): used when
    /// the interrupt cannot reach the CPU, e.g. in loopback mode, where a PC's OUT2 gate is
    /// open and the IRQ pin stays quiet (PC16550D datasheet, loopback).
    static func poll() {
        withInterruptsDisabled { service() }
    }

    static func sendRaw(_ byte: UInt8) { withInterruptsDisabled { sendPolled(byte) } }
}
