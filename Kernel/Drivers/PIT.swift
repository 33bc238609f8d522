// Drivers layer: the 8254 PIT's channel 2 as a one-shot delay, the reference clock for timer
// calibration when there is no HPET. Channel 2's GATE is port 0x61 bit 0 (bit 1 would connect
// it to the speaker: kept off), and its OUT pin reads back as port 0x61 bit 5. In mode 0
// ("interrupt on terminal count") OUT goes low when the count is written and high when the
// counter reaches zero, counting at 1.193182 MHz. No interrupt is involved (channel 2 has none).

enum PIT {
    static let inputHertz: UInt64 = 1_193_182

    /// Arms channel 2 to reach zero after `ticks` input clocks (at most 65535).
    static func startChannel2(ticks: UInt16) {
        let portB = Port(0x61)
        portB.write8((portB.read8() & ~0x02) | 0x01)   // gate high, speaker off
        Port(0x43).write8(0b1011_0000)                 // channel 2, low then high byte, mode 0, binary
        Port(0x42).write8(UInt8(truncatingIfNeeded: ticks))
        Port(0x42).write8(UInt8(truncatingIfNeeded: ticks >> 8))
    }

    static var channel2Expired: Bool { Port(0x61).read8() & 0x20 != 0 }

    static func stopChannel2() {
        let portB = Port(0x61)
        portB.write8(portB.read8() & ~0x03)
    }

    /// Channel 0 as a rate generator (mode 2): OUT0, ISA IRQ 0, pulses every `divisor` input
    /// clocks. The kernel's tick is the local APIC timer; this exists to test IRQ 0's routing.
    static func startChannel0(divisor: UInt16) {
        Port(0x43).write8(0b0011_0100)                 // channel 0, low then high byte, mode 2
        Port(0x40).write8(UInt8(truncatingIfNeeded: divisor))
        Port(0x40).write8(UInt8(truncatingIfNeeded: divisor >> 8))
    }

    /// Mode 0 with the longest count: at most one more edge, 55 ms later, then OUT0 stays high.
    static func stopChannel0() {
        Port(0x43).write8(0b0011_0000)
        Port(0x40).write8(0xFF)
        Port(0x40).write8(0xFF)
    }
}
