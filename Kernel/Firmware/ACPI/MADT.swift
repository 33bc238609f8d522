// Kernel / Firmware / ACPI: the MADT ("APIC" table, ACPI 5.2.12): local APICs (the CPUs),
// I/O APICs, ISA interrupt source overrides (e.g. IRQ0 -> GSI 2 on QEMU), NMI wiring.
//
// Layout: header (36), u32 local APIC address, u32 flags (bit 0 PCAT_COMPAT: legacy 8259s are
// present and must be masked), then variable-length entries (u8 type, u8 length). Unknown entry
// types are skipped by their length; an entry with length < 2 or one that runs past the table's
// end is an error (a corrupt table must not loop forever or read beyond the table).
//
// Public API:
//   struct MADT                    init(_ table: TableView<M>) throws(ACPIError)
//     localAPICAddress (type 5 override applied), hasLegacyPICs,
//     processors: [MADT.LocalAPIC]  (xAPIC type 0 and x2APIC type 9; enabled/onlineCapable)
//     ioAPICs: [MADT.IOAPIC]       id, address, gsiBase
//     overrides: [MADT.InterruptOverride]   bus, source (ISA IRQ), gsi, flags, polarity, trigger
//     nmiSources: [MADT.NMISource]          flags, gsi          (type 3)
//     localNMIs: [MADT.LocalNMI]            processorUID (0xFFFFFFFF = all), flags, lint (type 4/0xA)
//     gsi(forISAIRQ:) -> (gsi, flags)       applies the overrides (identity when none)
//     enabledAPICIDs: [UInt32]

public struct MADT {
    public struct LocalAPIC: Equatable {
        public var processorUID: UInt32
        public var apicID: UInt32
        public var flags: UInt32
        public var isX2APIC: Bool
        public var enabled: Bool { flags & 1 != 0 }
        /// Disabled but may be brought online later (ACPI 6.3+).
        public var onlineCapable: Bool { flags & 2 != 0 }
    }
    public struct IOAPIC: Equatable {
        public var id: UInt8
        public var address: UInt32
        public var gsiBase: UInt32
    }
    public struct InterruptOverride: Equatable {
        public var bus: UInt8
        public var source: UInt8
        public var gsi: UInt32
        public var flags: UInt16
        /// MPS INTI flags: polarity bits 0-1 (0 bus default, 1 active high, 3 active low),
        /// trigger bits 2-3 (0 bus default, 1 edge, 3 level).
        public var polarity: UInt8 { UInt8(flags & 3) }
        public var triggerMode: UInt8 { UInt8((flags >> 2) & 3) }
        public var activeLow: Bool { polarity == 3 }
        public var levelTriggered: Bool { triggerMode == 3 }
    }
    public struct NMISource: Equatable {
        public var flags: UInt16
        public var gsi: UInt32
    }
    public struct LocalNMI: Equatable {
        public var processorUID: UInt32    // 0xFF (xAPIC) / 0xFFFFFFFF (x2APIC) = all processors
        public var flags: UInt16
        public var lint: UInt8
        public var appliesToAll: Bool { processorUID == 0xFF || processorUID == 0xFFFF_FFFF }
    }

    public var localAPICAddress: UInt64
    public var flags: UInt32
    public var hasLegacyPICs: Bool { flags & 1 != 0 }
    public var processors: [LocalAPIC] = []
    public var ioAPICs: [IOAPIC] = []
    public var overrides: [InterruptOverride] = []
    public var nmiSources: [NMISource] = []
    public var localNMIs: [LocalNMI] = []

    public init<M: PhysicalMemoryReader>(_ t: TableView<M>) throws(ACPIError) {
        guard t.signature == .madt else {
            throw .badSignature(expected: ACPISignature.madt.rawValue, found: t.signature.rawValue, address: t.address)
        }
        localAPICAddress = UInt64(try t.u32(36))
        flags = try t.u32(40)
        var off = 44
        while off < t.length {
            let type = try t.u8(off)
            let len = Int(try t.u8(off + 1))
            guard len >= 2, t.has(off, len) else { throw .truncated(signature: t.signature.rawValue, offset: off) }
            func need(_ n: Int) throws(ACPIError) {
                if len < n { throw .truncated(signature: t.signature.rawValue, offset: off) }
            }
            switch type {
            case 0:
                try need(8)
                processors.append(LocalAPIC(processorUID: UInt32(try t.u8(off + 2)), apicID: UInt32(try t.u8(off + 3)),
                                            flags: try t.u32(off + 4), isX2APIC: false))
            case 1:
                try need(12)
                ioAPICs.append(IOAPIC(id: try t.u8(off + 2), address: try t.u32(off + 4), gsiBase: try t.u32(off + 8)))
            case 2:
                try need(10)
                overrides.append(InterruptOverride(bus: try t.u8(off + 2), source: try t.u8(off + 3),
                                                   gsi: try t.u32(off + 4), flags: try t.u16(off + 8)))
            case 3:
                try need(8)
                nmiSources.append(NMISource(flags: try t.u16(off + 2), gsi: try t.u32(off + 4)))
            case 4:
                try need(6)
                localNMIs.append(LocalNMI(processorUID: UInt32(try t.u8(off + 2)), flags: try t.u16(off + 3),
                                          lint: try t.u8(off + 5)))
            case 5:
                try need(12)
                localAPICAddress = try t.u64(off + 4)
            case 9:
                try need(16)
                processors.append(LocalAPIC(processorUID: try t.u32(off + 12), apicID: try t.u32(off + 4),
                                            flags: try t.u32(off + 8), isX2APIC: true))
            case 0xA:
                try need(12)
                localNMIs.append(LocalNMI(processorUID: try t.u32(off + 4), flags: try t.u16(off + 2),
                                          lint: try t.u8(off + 8)))
            default:
                break
            }
            off += len
        }
    }

    /// APIC ids of the enabled processors, in table order (the first is normally the BSP).
    public var enabledAPICIDs: [UInt32] { processors.filter { $0.enabled }.map { $0.apicID } }

    /// The GSI and MPS INTI flags for ISA IRQ `irq` (bus 0): an override if one exists, else
    /// identity mapping with bus-default (edge, active high) flags.
    public func gsi(forISAIRQ irq: UInt8) -> (gsi: UInt32, flags: UInt16) {
        for o in overrides where o.bus == 0 && o.source == irq { return (o.gsi, o.flags) }
        return (UInt32(irq), 0)
    }

    /// The I/O APIC that handles `gsi`, given that each one covers gsiBase..<gsiBase+entries
    /// (the entry count comes from the IOAPIC's version register, which the driver reads).
    public func ioAPIC(forGSI gsi: UInt32, entries: (IOAPIC) -> UInt32) -> IOAPIC? {
        for a in ioAPICs where gsi >= a.gsiBase && gsi - a.gsiBase < entries(a) { return a }
        return nil
    }
}
