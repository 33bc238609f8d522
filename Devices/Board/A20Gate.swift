// Layer: Devices. The PC's A20 gate: System Control Port A (port 0x92, "fast A20" and fast
// reset, as on PS/2 and every later chipset) and the A20 line the CPU sees.
//
// PC board wiring: one byte at port 0x92 (`port`). Bit 1 of a write is the A20 enable, bit 0 a
// reset request on its rising edge. The i8042's output port bit 1 drives the same line
// (`drive` from the keyboard controller, Devices/Input/I8042.swift). How the two sources
// combine follows QEMU 7.2, the board's oracle (hw/i386/port92.c, hw/input/pckbd.c, pc.c
// `handle_a20_line_change`): both feed one line and the *last write* from either source sets
// it (a write to port 0x92 or the i8042 output port sets A20 to that write's bit 1, even if
// unchanged). Real chipsets OR the two enables instead; the two models differ only for a
// guest that disables A20 through one source after enabling it through the other.
// Port 0x92 reads back the last value written (bit 1 is not the line), as on QEMU.
// Power-on (as handed to a kernel): A20 enabled, port 0x92 = 0x02 (see `portA`). A machine
// reset returns to that state (on QEMU the BIOS runs again and leaves the same).
// `onChange` (the board connects the CPU's `setA20`) is called whenever the line is driven.

import EmulatorCore

public final class A20Gate: BusDevice, Snapshottable {
    /// The A20 line: true = address bit 20 passes (enabled).
    public private(set) var enabled = true
    /// Port 0x92 as last written. The board hands a kernel the machine as firmware leaves it:
    /// SeaBIOS enables A20 through port 0x92 (QEMU then reads 0x02 there), so start with 0x02.
    public private(set) var portA: UInt8 = 0x02
    /// Called with the new line level on every drive (the CPU applies or drops the mask).
    public var onChange: ((Bool) -> Void)?
    /// Port 0x92 bit 0 went from 0 to 1: the board resets the machine.
    public var onReset: (() -> Void)?

    public init() {}

    /// Drives the A20 line (port 0x92 bit 1, or the i8042 output port's A20 bit).
    public func drive(_ level: Bool) {
        enabled = level
        onChange?(level)
    }

    // MARK: BusDevice (port 0x92, one byte)

    public func read(offset: UInt64, size: Int) -> UInt64 { UInt64(portA) }

    public func write(offset: UInt64, size: Int, value: UInt64) {
        let v = UInt8(truncatingIfNeeded: value)
        let old = portA
        portA = v
        drive(v & 0x02 != 0)
        if v & 0x01 != 0 && old & 0x01 == 0 { onReset?() }
    }

    // MARK: Snapshottable

    public func save(to w: StateWriter) {
        w.section("A20G", version: 1) {
            w.bool(enabled)
            w.u8(portA)
        }
    }

    public func restore(from r: StateReader) throws(SnapshotError) {
        try r.section("A20G", maxVersion: 1) { _ throws(SnapshotError) in
            enabled = try r.bool()
            portA = try r.u8()
        }
        onChange?(enabled)
    }
}
