// Boot layer: the kernel console. Every byte Swift's `print` writes arrives here through the
// libc `putchar` (LibC/misc.c); it goes to the serial console, turning "\n" into "\r\n" as a
// serial terminal expects: through the polled early console until the interrupt-driven
// driver (Drivers/SerialPort.swift) takes over. Also allocation-free formatting helpers for
// the panic path.

@_cdecl("orrery_console_putchar")
func orrery_console_putchar(_ byte: UInt8) {
    if SerialPort.isInterruptDriven {
        if byte == 0x0A { SerialPort.write(0x0D) }
        SerialPort.write(byte)
        return
    }
    if byte == 0x0A { SerialConsole.com1.write(0x0D) }
    SerialConsole.com1.write(byte)
}

/// Console output that never allocates (safe in the panic path and in trap handlers).
enum Console {
    /// Sends every queued byte now (before leaving the machine or changing the UART's mode).
    static func flush() {
        if SerialPort.isInterruptDriven { SerialPort.flush() }
    }

    static func write(_ s: StaticString) {
        s.forEachByte { orrery_console_putchar($0) }
    }

    /// `value` as 0x-prefixed hexadecimal, zero-padded to `digits` digits.
    static func writeHex(_ value: UInt64, digits: Int = 16) {
        write("0x")
        var shift = (digits - 1) * 4
        while shift >= 0 {
            let nibble = UInt8(truncatingIfNeeded: value >> UInt64(shift)) & 0xF
            orrery_console_putchar(nibble < 10 ? 0x30 + nibble : 0x57 + nibble)
            shift -= 4
        }
    }

    static func write(_ bytes: [UInt8]) {
        for byte in bytes { orrery_console_putchar(byte) }
    }

    static func writeDecimal(_ value: UInt64) {
        if value >= 10 { writeDecimal(value / 10) }
        orrery_console_putchar(0x30 + UInt8(value % 10))
    }
}
