// Drivers layer: turning the machine off and resetting it, as ACPI describes (ACPI 6.5 §4.8.3,
// §7.4.2, §4.8.3.6):
//   power-off: SLP_TYPa (from the DSDT's \_S5 package) into PM1a_CNT bits 10-12 with SLP_EN
//     (bit 13), read-modify-write so SCI_EN and the other bits keep their values (and the same
//     for PM1b_CNT with SLP_TYPb when the FADT has one); on a hardware-reduced platform the
//     sleep control register instead (SLP_TYP bits 2-4, SLP_EN bit 5).
//   reset: the FADT reset register (when RESET_REG_SUP), then the PCI reset control register
//     at 0xCF9 (SYS_RST then SYS_RST|RST_CPU, a hard reset on PIIX/ICH chipsets), then the
//     keyboard controller's "pulse output line 0" command (0xFE to port 0x64, the reset line).
// Each step that returns did not work; the next is tried, and in the end the CPU halts.

enum Power {
    private static var fadt: FADT?
    private static var sleepTypeS5: SleepType?

    /// Remembers what power-off and reset need (the FADT and \_S5), found at boot.
    static func configure(fadt: FADT?, s5: SleepType?) {
        self.fadt = fadt
        self.sleepTypeS5 = s5
    }

    static var canPowerOff: Bool { fadt != nil && sleepTypeS5 != nil }

    static func powerOff() -> Never {
        Log.write(.notice, "power: ACPI power-off (S5)")
        Console.flush()
        CPU.disableInterrupts()
        if let fadt, let s5 = sleepTypeS5 {
            if fadt.hardwareReduced, let control = fadt.sleepControlRegister {
                writeRegister(control, UInt64(s5.a & 7) << 2 | 1 << 5)
            } else if let control = fadt.pm1aControl {
                let old = readRegister(control) ?? 0
                // Clear SLP_TYP (bits 10-12) and SLP_EN, then set both at once.
                writeRegister(control, (old & ~0x3C00) | UInt64(FADT.sleepControlValue(slpTyp: s5.a)))
                if let controlB = fadt.pm1bControl {
                    let oldB = readRegister(controlB) ?? 0
                    writeRegister(controlB, (oldB & ~0x3C00) | UInt64(FADT.sleepControlValue(slpTyp: s5.b)))
                }
            }
            busyWait()
        }
        Console.write("power: power-off did not take effect; halting\n")
        haltForever()
    }

    static func reset() -> Never {
        Log.write(.notice, "power: reset")
        Console.flush()
        CPU.disableInterrupts()
        if let fadt, fadt.resetSupported, let register = fadt.resetRegister {
            writeRegister(register, UInt64(fadt.resetValue))
            busyWait()
        }
        Port(0xCF9).write8(0x02)
        Port(0xCF9).write8(0x06)
        busyWait()
        // i8042: wait until its input buffer is empty (status bit 1), then command 0xFE.
        var spins = 0
        while Port(0x64).read8() & 0x02 != 0 && spins < 100_000 { spins += 1 }
        Port(0x64).write8(0xFE)
        busyWait()
        Console.write("power: reset did not take effect; halting\n")
        haltForever()
    }

    /// Gives a machine that acts on the write asynchronously a moment to do so.
    private static func busyWait() {
        for _ in 0..<100_000 { _ = Port(0x80).read8() }
    }

    /// Width of a GAS register in bits: bit width, else the access size, else 8.
    private static func width(_ g: GenericAddress) -> UInt8 {
        if g.bitWidth != 0 { return g.bitWidth }
        switch g.accessSize {
        case 2: return 16
        case 3: return 32
        case 4: return 64
        default: return 8
        }
    }

    private static func readRegister(_ g: GenericAddress) -> UInt64? {
        if g.isIO {
            let port = UInt16(truncatingIfNeeded: g.address)
            switch width(g) {
            case 8: return UInt64(Port(port).read8())
            case 16: return UInt64(Port(port).read16())
            default: return UInt64(Port(port).read32())
            }
        }
        if g.addressSpace == GenericAddress.systemMemory,
           let region = try? MMIO.map(physical: g.address, size: 8) {
            return width(g) == 64 ? region.read64(0) : UInt64(region.read32(0))
        }
        return nil
    }

    private static func writeRegister(_ g: GenericAddress, _ value: UInt64) {
        if g.isIO {
            let port = UInt16(truncatingIfNeeded: g.address)
            switch width(g) {
            case 8: Port(port).write8(UInt8(truncatingIfNeeded: value))
            case 16: Port(port).write16(UInt16(truncatingIfNeeded: value))
            default: Port(port).write32(UInt32(truncatingIfNeeded: value))
            }
        } else if g.addressSpace == GenericAddress.systemMemory,
                  let region = try? MMIO.map(physical: g.address, size: 8) {
            if width(g) == 64 { region.write64(0, value) } else { region.write32(0, UInt32(truncatingIfNeeded: value)) }
        }
    }
}
