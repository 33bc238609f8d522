// HAL layer: the x86 I/O port space (IN/OUT instructions). Devices on the legacy ISA side of a
// PC (UART, PIT, PIC, CMOS, debug-exit) are reached by 16-bit port numbers, not memory.
import ArchAsm

/// One I/O port. Reading or writing it has device side effects, so every access is explicit.
struct Port {
    let number: UInt16

    init(_ number: UInt16) { self.number = number }

    func read8() -> UInt8 { arch_inb(number) }
    func read16() -> UInt16 { arch_inw(number) }
    func read32() -> UInt32 { arch_inl(number) }
    func write8(_ value: UInt8) { arch_outb(number, value) }
    func write16(_ value: UInt16) { arch_outw(number, value) }
    func write32(_ value: UInt32) { arch_outl(number, value) }
}
