// Boot layer: the early console, a polled 16550 UART on COM1 (I/O ports 0x3F8-0x3FF).
// Used from the first line of kmain until an interrupt-driven driver takes over, and by the
// panic path (it needs no interrupts and no memory allocation).

/// A 16550-compatible UART driven by polling. Registers, as offsets from the base port:
/// 0 THR (transmit holding, write) / divisor low when LCR.DLAB=1, 1 IER (interrupt enable) /
/// divisor high when DLAB=1, 2 FCR (FIFO control, write), 3 LCR (line control),
/// 4 MCR (modem control), 5 LSR (line status).
struct SerialConsole {
    let base: UInt16

    static let com1 = SerialConsole(base: 0x3F8)

    /// 115200 baud 8N1, FIFOs on, interrupts off.
    func initialize() {
        Port(base + 1).write8(0x00)         // IER: no interrupts (we poll)
        Port(base + 3).write8(0x80)         // LCR: DLAB=1 to reach the divisor latch
        Port(base + 0).write8(0x01)         // divisor 1: 115200 baud (1.8432 MHz / 16 / 1)
        Port(base + 1).write8(0x00)
        Port(base + 3).write8(0x03)         // LCR: 8 data bits, no parity, 1 stop bit, DLAB=0
        Port(base + 2).write8(0xC5)         // FCR: FIFOs on, transmit FIFO cleared (input kept), 14-byte threshold
        Port(base + 4).write8(0x03)         // MCR: DTR, RTS
    }

    /// Waits until the transmit holding register is empty (LSR bit 5, THRE), then sends.
    /// The wait is bounded: a machine without a UART must not hang the kernel.
    func write(_ byte: UInt8) {
        var spins = 0
        while Port(base + 5).read8() & 0x20 == 0 && spins < 100_000 { spins += 1 }
        Port(base).write8(byte)
    }

    /// Sets the baud rate: 115200 / divisor (DLAB=1 exposes the divisor latch at offsets 0-1).
    func setDivisor(_ divisor: UInt16) {
        let lcr = Port(base + 3).read8()
        Port(base + 3).write8(lcr | 0x80)
        Port(base + 0).write8(UInt8(truncatingIfNeeded: divisor))
        Port(base + 1).write8(UInt8(truncatingIfNeeded: divisor >> 8))
        Port(base + 3).write8(lcr & 0x7F)
    }
}
