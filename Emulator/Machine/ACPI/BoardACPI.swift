// Layer: Machine / ACPI. The ACPI tables the board generates so that a kernel discovers the
// interrupt controllers, timers and power-off register the standard way (ACPI 6.x, chapter 5):
//
//   RSDP (rev 2) -> XSDT (and an RSDT for ACPI 1.0 readers) -> FACP, APIC, HPET, [MCFG]
//   FACP -> DSDT (AML with Name(_S5, Package{...})) and FACS
//
// All of it is one byte image placed in the BIOS area (0xE0000-0xFFFFF, reserved in e820), the
// RSDP first on a 16-byte boundary, where the BIOS search of ACPI 5.2.5.1 finds it. The values
// follow QEMU's `pc` machine (PIIX4 power management at port 0x600, IRQ0 -> GSI 2, SCI on IRQ 9)
// so a kernel that powers off QEMU powers off Orrery the same way.

public struct ACPIConfiguration: Equatable {
    /// Local APIC ids of the CPUs (one entry per CPU, listed in the MADT).
    public var apicIDs: [UInt8] = [0]
    /// Describe the HPET (0xFED00000).
    public var hpet: Bool = true
    /// Describe PCI Express ECAM (MCFG) at `GuestMemoryMap.ecamBase`: only when the board maps it.
    public var mcfg: Bool = false
    /// Advertise an i8042 keyboard controller (FADT IAPC_BOOT_ARCH bit 1).
    public var has8042: Bool = true
    public init() {}
}

/// Where each table was placed (guest physical addresses).
public struct ACPITableSet {
    public var base: UInt64
    /// The bytes to copy to `base`.
    public var image: [UInt8]
    public var rsdp: UInt64 = 0
    public var xsdt: UInt64 = 0
    public var rsdt: UInt64 = 0
    public var fadt: UInt64 = 0
    public var facs: UInt64 = 0
    public var dsdt: UInt64 = 0
    public var madt: UInt64 = 0
    public var hpet: UInt64 = 0
    public var mcfg: UInt64 = 0
    /// Individual tables (for tools that disassemble them): signature and bytes, in XSDT order
    /// after DSDT.
    public var tables: [(signature: String, bytes: [UInt8])] = []
}

public enum BoardACPI {
    /// ISA IRQ of the SCI (QEMU PIIX4: 9).
    public static let sciIRQ: UInt16 = 9
    /// The FADT's reset register: I/O port 0xCF9 (PIIX reset control), value 0x06 (full reset).
    public static let resetPort: UInt64 = 0xCF9
    public static let resetValue: UInt8 = 0x06
    /// CMOS index of the century byte.
    public static let centuryIndex: UInt8 = 0x32
    /// HPET event timer block id as QEMU reports it (vendor 8086, 3 comparators, 64-bit, legacy route).
    public static let hpetBlockID: UInt32 = 0x8086_A201

    /// Builds every table for `config`, laid out from `base` (16-byte aligned; the RSDP comes first).
    public static func build(config: ACPIConfiguration = ACPIConfiguration(),
                             base: UInt64 = GuestMemoryMap.biosStart) -> ACPITableSet {
        var set = ACPITableSet(base: base, image: [])
        var image: [UInt8] = []
        func place(_ t: [UInt8], align: Int = 16) -> UInt64 {
            while image.count % align != 0 { image.append(0) }
            let a = base + UInt64(image.count)
            image += t
            return a
        }
        // The RSDP is written last (it points at the XSDT) but reserved first, at `base`.
        image = [UInt8](repeating: 0, count: 36)
        set.rsdp = base
        set.facs = place(facs(), align: 64)
        let dsdtBytes = dsdt()
        set.dsdt = place(dsdtBytes)
        let fadtBytes = fadt(dsdt: set.dsdt, facs: set.facs, config: config)
        set.fadt = place(fadtBytes)
        let madtBytes = madt(config: config)
        set.madt = place(madtBytes)
        var entries = [set.fadt, set.madt]
        set.tables = [("DSDT", dsdtBytes), ("FACP", fadtBytes), ("APIC", madtBytes)]
        if config.hpet {
            let h = hpet()
            set.hpet = place(h); entries.append(set.hpet); set.tables.append(("HPET", h))
        }
        if config.mcfg {
            let m = mcfg()
            set.mcfg = place(m); entries.append(set.mcfg); set.tables.append(("MCFG", m))
        }
        set.xsdt = place(xsdt(entries))
        set.rsdt = place(rsdt(entries))
        let r = rsdp(xsdt: set.xsdt, rsdt: set.rsdt)
        image.replaceSubrange(0..<r.count, with: r)
        set.image = image
        return set
    }

    /// RSDP, ACPI 2.0 form (36 bytes): checksum over the first 20, extended checksum over all.
    static func rsdp(xsdt: UInt64, rsdt: UInt64) -> [UInt8] {
        var b = ACPIBytes()
        b.ascii("RSD PTR ", width: 8)
        b.u8(0)                                  // checksum (first 20 bytes)
        b.ascii(ACPIBytes.oemID, width: 6)
        b.u8(2)                                  // revision 2: ACPI 2.0+, XSDT present
        b.u32(UInt32(truncatingIfNeeded: rsdt))
        b.u32(36)                                // length
        b.u64(xsdt)
        b.u8(0)                                  // extended checksum
        b.zeros(3)
        b.bytes[8] = ACPIBytes.checksumByte(Array(b.bytes[0..<20]))
        b.bytes[32] = ACPIBytes.checksumByte(b.bytes)
        return b.bytes
    }

    static func xsdt(_ entries: [UInt64]) -> [UInt8] {
        var b = ACPIBytes.table("XSDT", revision: 1, oemTableID: "ORRYXSDT")
        for e in entries { b.u64(e) }
        return b.finish()
    }

    static func rsdt(_ entries: [UInt64]) -> [UInt8] {
        var b = ACPIBytes.table("RSDT", revision: 1, oemTableID: "ORRYRSDT")
        for e in entries { b.u32(UInt32(truncatingIfNeeded: e)) }
        return b.finish()
    }

    /// FACS (5.2.10): 64 bytes, no checksum; must be 64-byte aligned.
    static func facs() -> [UInt8] {
        var b = ACPIBytes()
        b.ascii("FACS", width: 4)
        b.u32(64)          // length
        b.u32(0)           // hardware signature
        b.u32(0)           // firmware waking vector
        b.u32(0)           // global lock
        b.u32(0)           // flags
        b.u64(0)           // X firmware waking vector
        b.u8(2)            // version
        b.zeros(64 - b.bytes.count)
        return b.bytes
    }

    /// FADT revision 3 (ACPI 2.0 layout, 244 bytes) with the 32-bit and X_ register blocks.
    static func fadt(dsdt: UInt64, facs: UInt64, config: ACPIConfiguration) -> [UInt8] {
        let p = ACPIPowerDevice.self
        var b = ACPIBytes.table("FACP", revision: 3, oemTableID: "ORRYFACP")
        b.u32(UInt32(truncatingIfNeeded: facs))       // 36 FIRMWARE_CTRL
        b.u32(UInt32(truncatingIfNeeded: dsdt))       // 40 DSDT
        b.u8(0)                                       // 44 reserved (INT_MODEL in 1.0)
        b.u8(0)                                       // 45 preferred PM profile: unspecified
        b.u16(sciIRQ)                                 // 46 SCI_INT
        b.u32(0)                                      // 48 SMI_CMD: 0 = always in ACPI mode
        b.u8(0); b.u8(0); b.u8(0); b.u8(0)            // 52 ACPI_ENABLE/DISABLE, S4BIOS_REQ, PSTATE_CNT
        b.u32(UInt32(p.eventBlock))                   // 56 PM1a_EVT_BLK
        b.u32(0)                                      // 60 PM1b_EVT_BLK
        b.u32(UInt32(p.controlBlock))                 // 64 PM1a_CNT_BLK
        b.u32(0)                                      // 68 PM1b_CNT_BLK
        b.u32(0)                                      // 72 PM2_CNT_BLK
        b.u32(UInt32(p.timerBlock))                   // 76 PM_TMR_BLK
        b.u32(0); b.u32(0)                            // 80 GPE0_BLK, 84 GPE1_BLK
        b.u8(4)                                       // 88 PM1_EVT_LEN
        b.u8(2)                                       // 89 PM1_CNT_LEN
        b.u8(0)                                       // 90 PM2_CNT_LEN
        b.u8(4)                                       // 91 PM_TMR_LEN
        b.u8(0); b.u8(0); b.u8(0)                     // 92 GPE0/GPE1 lengths, GPE1_BASE
        b.u8(0)                                       // 95 CST_CNT
        b.u16(0x0FFF); b.u16(0x0FFF)                  // 96 P_LVL2_LAT, P_LVL3_LAT: C2/C3 unsupported
        b.u16(0); b.u16(0)                            // 100 FLUSH_SIZE, FLUSH_STRIDE
        b.u8(0); b.u8(0)                              // 104 DUTY_OFFSET, DUTY_WIDTH
        b.u8(0); b.u8(0)                              // 106 DAY_ALRM, MON_ALRM
        b.u8(centuryIndex)                            // 108 CENTURY
        // 109 IAPC_BOOT_ARCH: bit 0 LEGACY_DEVICES (ISA devices present), bit 1 8042.
        b.u16(config.has8042 ? 0x0003 : 0x0001)
        b.u8(0)                                       // 111 reserved
        // 112 flags: WBINVD (0), PROC_C1 (2), SLP_BUTTON (5: no fixed sleep button), RTC_S4 (7),
        // RESET_REG_SUP (10), USE_PLATFORM_CLOCK (15). TMR_VAL_EXT (8) clear: 24-bit PM timer.
        b.u32(1 << 0 | 1 << 2 | 1 << 5 | 1 << 7 | 1 << 10 | 1 << 15)
        b.gas(space: 1, bitWidth: 8, accessSize: 1, address: resetPort)   // 116 RESET_REG
        b.u8(resetValue)                              // 128 RESET_VALUE
        b.zeros(3)                                    // 129 ARM_BOOT_ARCH, minor version (rev 5+)
        b.u64(facs)                                   // 132 X_FIRMWARE_CTRL
        b.u64(dsdt)                                   // 140 X_DSDT
        b.gas(space: 1, bitWidth: 32, accessSize: 2, address: p.eventBlock)    // 148 X_PM1a_EVT_BLK
        b.emptyGAS()                                  // 160 X_PM1b_EVT_BLK
        b.gas(space: 1, bitWidth: 16, accessSize: 2, address: p.controlBlock)  // 172 X_PM1a_CNT_BLK
        b.emptyGAS()                                  // 184 X_PM1b_CNT_BLK
        b.emptyGAS()                                  // 196 X_PM2_CNT_BLK
        b.gas(space: 1, bitWidth: 32, accessSize: 3, address: p.timerBlock)    // 208 X_PM_TMR_BLK
        b.emptyGAS(); b.emptyGAS()                    // 220 X_GPE0_BLK, 232 X_GPE1_BLK
        return b.finish()                             // 244 bytes
    }

    /// MADT (5.2.12): local APIC address + PCAT_COMPAT, one Processor Local APIC per CPU, the
    /// IOAPIC, interrupt source overrides as QEMU pc (IRQ0 -> GSI 2; SCI IRQ 9 level, active
    /// high: flags 0x000D), and LINT1 as NMI on every processor.
    static func madt(config: ACPIConfiguration) -> [UInt8] {
        var b = ACPIBytes.table("APIC", revision: 3, oemTableID: "ORRYAPIC")
        b.u32(UInt32(GuestMemoryMap.localAPICBase))
        b.u32(1)                                     // PCAT_COMPAT: dual 8259s present
        for (uid, id) in config.apicIDs.enumerated() {
            b.u8(0); b.u8(8); b.u8(UInt8(truncatingIfNeeded: uid)); b.u8(id); b.u32(1)   // enabled
        }
        b.u8(1); b.u8(12); b.u8(0); b.u8(0)          // IOAPIC id 0
        b.u32(UInt32(GuestMemoryMap.ioAPICBase)); b.u32(0) // GSI base 0
        // Interrupt source overrides: bus 0 (ISA), source IRQ, GSI, MPS INTI flags.
        b.u8(2); b.u8(10); b.u8(0); b.u8(0); b.u32(2); b.u16(0)            // IRQ0 -> GSI2, bus default
        b.u8(2); b.u8(10); b.u8(0); b.u8(UInt8(sciIRQ)); b.u32(UInt32(sciIRQ)); b.u16(0x000D)  // SCI level, high
        b.u8(4); b.u8(6); b.u8(0xFF); b.u16(0); b.u8(1)                      // local APIC NMI: all, LINT1
        return b.finish()
    }

    /// HPET description table (IA-PC HPET spec 3.2.4): 56 bytes.
    static func hpet() -> [UInt8] {
        var b = ACPIBytes.table("HPET", revision: 1, oemTableID: "ORRYHPET")
        b.u32(hpetBlockID)
        b.gas(space: 0, bitWidth: 64, accessSize: 0, address: GuestMemoryMap.hpetBase)
        b.u8(0)            // HPET number
        b.u16(0x80)        // minimum clock tick in periodic mode (QEMU: 128)
        b.u8(0)            // page protection: none
        return b.finish()
    }

    /// MCFG (PCI Firmware spec 4.1.2): one ECAM window for segment 0, buses 0-255.
    static func mcfg() -> [UInt8] {
        var b = ACPIBytes.table("MCFG", revision: 1, oemTableID: "ORRYMCFG")
        b.zeros(8)
        b.u64(GuestMemoryMap.ecamBase); b.u16(0); b.u8(0); b.u8(255); b.u32(0)
        return b.finish()
    }

    /// DSDT: AML that defines only `\_S5`, the sleep-type package of the soft-off state:
    ///   Name (_S5, Package (0x04) { s5, s5, Zero, Zero })
    ///   08 '_S5_' 12 <PkgLength 06> <NumElements 04> 0A s5 0A s5 00 00  (or ZeroOp for s5 = 0)
    /// The value is the SLP_TYP that ACPIPowerDevice treats as soft-off.
    static func dsdt() -> [UInt8] {
        var b = ACPIBytes.table("DSDT", revision: 2, oemTableID: "ORRYDSDT")
        let s5 = ACPIPowerDevice.sleepTypeS5
        let value: [UInt8] = s5 == 0 ? [0x00] : (s5 == 1 ? [0x01] : [0x0A, s5])
        var package: [UInt8] = [0x04] + value + value + [0x00, 0x00]
        package.insert(UInt8(package.count + 1), at: 0)   // PkgLength counts itself (1 byte, < 64)
        b.bytes += [0x08, 0x5F, 0x53, 0x35, 0x5F, 0x12] + package
        return b.finish()
    }
}
