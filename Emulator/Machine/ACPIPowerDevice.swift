// Layer: Machine (the PC board). The ACPI fixed-hardware power-management registers of a
// PIIX4-style chipset, as QEMU's `pc` machine places them (I/O port base 0x600):
//   0x600  PM1a_STS (16 bits, write 1 to clear)    0x602  PM1a_EN (16 bits)
//   0x604  PM1a_CNT (16 bits): SCI_EN (bit 0), SLP_TYP (bits 12:10), SLP_EN (bit 13, write-only)
//   0x608  PM timer (24-bit, 3.579545 MHz): a separate device (Devices/Timers/ACPIPMTimer)
// Writing SLP_EN with SLP_TYP = the \_S5 value of the board's DSDT powers the machine off: the run
// ends with status 0, as QEMU exits. Other sleep states are not offered (the DSDT defines only \_S5),
// so SLP_EN with another type is ignored.

import EmulatorCore

public final class ACPIPowerDevice: BusDevice, Snapshottable {
    /// I/O ports of the register blocks (the FADT names them).
    public static let eventBlock: UInt64 = 0x600
    public static let controlBlock: UInt64 = 0x604
    public static let timerBlock: UInt64 = 0x608
    /// The range this device decodes: PM1a_EVT (4 bytes) + PM1a_CNT (2 bytes).
    public static let portLength: UInt64 = 6
    /// SLP_TYP of soft-off (S5). PIIX4 (and QEMU pc) use 0; the DSDT's \_S5 says the same.
    public static let sleepTypeS5: UInt8 = 0

    public static let sciEnable: UInt16 = 1 << 0
    public static let sleepEnable: UInt16 = 1 << 13

    /// PM1 status bits (write 1 to clear) and enables.
    public private(set) var status: UInt16 = 0
    public private(set) var enable: UInt16 = 0
    /// PM1 control, without SLP_EN (which always reads 0). SCI_EN is set: with SMI_CMD = 0 in
    /// the FADT the machine is always in ACPI mode.
    public private(set) var control: UInt16 = ACPIPowerDevice.sciEnable
    /// True once the guest asked for soft-off.
    public private(set) var poweredOff = false
    /// Called when the guest powers off (the board ends the run).
    var onPowerOff: (() -> Void)?

    public init() {}

    public func read(offset: UInt64, size: Int) -> UInt64 {
        // Registers are read as little-endian bytes so any access width works.
        var v: UInt64 = 0
        for i in 0..<max(1, min(size, 8)) {
            v |= UInt64(readByte(offset &+ UInt64(i))) << UInt64(8 * i)
        }
        return v
    }

    func readByte(_ o: UInt64) -> UInt8 {
        switch o {
        case 0: return UInt8(truncatingIfNeeded: status)
        case 1: return UInt8(truncatingIfNeeded: status >> 8)
        case 2: return UInt8(truncatingIfNeeded: enable)
        case 3: return UInt8(truncatingIfNeeded: enable >> 8)
        case 4: return UInt8(truncatingIfNeeded: control)
        case 5: return UInt8(truncatingIfNeeded: control >> 8)
        default: return 0xFF
        }
    }

    public func write(offset: UInt64, size: Int, value: UInt64) {
        // Group the bytes of the access by register so a 16-bit write of PM1a_CNT is one write.
        let n = max(1, min(size, 8))
        var o = offset
        var i = 0
        while i < n {
            let byte = UInt16(truncatingIfNeeded: value >> UInt64(8 * i))
            let high = i + 1 < n && o & 1 == 0
            let word = high ? byte | UInt16(truncatingIfNeeded: value >> UInt64(8 * (i + 1))) << 8 : byte
            let mask: UInt16 = high ? 0xFFFF : (o & 1 == 0 ? 0x00FF : 0xFF00)
            let shifted = o & 1 == 0 ? word : word << 8
            writeRegister(o & ~1, value: shifted, mask: mask)
            let step = high ? 2 : 1
            o &+= UInt64(step); i += step
        }
    }

    func writeRegister(_ reg: UInt64, value: UInt16, mask: UInt16) {
        switch reg {
        case 0: status &= ~(value & mask)                         // write 1 to clear
        case 2: enable = (enable & ~mask) | (value & mask)
        case 4:
            let v = (control & ~mask) | (value & mask)
            control = v & ~ACPIPowerDevice.sleepEnable             // SLP_EN reads as 0
            if mask & 0xFF00 != 0, v & ACPIPowerDevice.sleepEnable != 0 {
                let type = UInt8(truncatingIfNeeded: (v >> 10) & 7)
                if type == ACPIPowerDevice.sleepTypeS5 && !poweredOff {
                    poweredOff = true
                    onPowerOff?()
                }
            }
        default: break
        }
    }

    // MARK: Snapshottable (the default contributeHash hashes these bytes)
    public func save(to w: StateWriter) {
        w.section("PM1A", version: 1) {
            w.u16(status); w.u16(enable); w.u16(control); w.bool(poweredOff)
        }
    }

    public func restore(from r: StateReader) throws(SnapshotError) {
        try r.section("PM1A", maxVersion: 1) { _ throws(SnapshotError) in
            status = try r.u16(); enable = try r.u16(); control = try r.u16() & ~ACPIPowerDevice.sleepEnable
            poweredOff = try r.bool()
        }
    }
}
