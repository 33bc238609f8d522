// Layer: Machine (the PC board). The guest-physical memory map of the board and the e820 table
// derived from it, which every boot loader hands to the guest (Multiboot mmap, Multiboot2 tag,
// Linux boot_params.e820_table).
//
// Layout (like QEMU's `pc` machine):
//   0x0000_0000 - 0x0009_FBFF  RAM (conventional memory)
//   0x0009_FC00 - 0x0009_FFFF  reserved (where a BIOS keeps its EBDA)
//   0x000A_0000 - 0x000B_FFFF  VGA window (not RAM for the guest: absent from e820)
//   0x000C_0000 - 0x000D_FFFF  option ROM area (absent from e820)
//   0x000E_0000 - 0x000F_FFFF  BIOS area: reserved; the board's ACPI tables live here
//   0x0010_0000 - lowRAMEnd    RAM (at most 3 GiB: the rest of the RAM goes above 4 GiB)
//   0xC000_0000 - 0xFFFF_FFFF  the PCI hole: ECAM (0xE000_0000, 256 MiB), IOAPIC 0xFEC0_0000,
//                              HPET 0xFED0_0000, local APIC 0xFEE0_0000
//   0x1_0000_0000 - ...        RAM above 4 GiB (ramSize - 3 GiB), when ramSize > 3 GiB
//
// Host storage: guest RAM is one PhysicalMemory allocation addressed by guest physical address.
// With RAM above 4 GiB it spans 0 to 4 GiB + highRAMSize and leaves the hole [lowRAMEnd, 4 GiB)
// out of RAM (`PhysicalMemory.contains` is false there, so the CPU sends those accesses to MMIO).

/// One e820 entry (ACPI "address range descriptor").
public struct E820Entry: Equatable, CustomStringConvertible {
    public enum Kind: UInt32 {
        case ram = 1, reserved = 2, acpiReclaimable = 3, acpiNVS = 4, unusable = 5
    }
    public var base: UInt64
    public var length: UInt64
    public var kind: Kind
    public init(base: UInt64, length: UInt64, kind: Kind) { self.base = base; self.length = length; self.kind = kind }
    public var end: UInt64 { base &+ length }
    public var description: String {
        "[0x\(String(base, radix: 16))-0x\(String(end &- 1, radix: 16))] \(kind)"
    }
}

public enum GuestMemoryMapError: Error, Equatable, CustomStringConvertible {
    case tooSmall(UInt64)
    case notPageMultiple(UInt64)
    case tooLarge(UInt64, limit: UInt64)

    public var description: String {
        switch self {
        case .tooSmall(let s):
            return "guest RAM of \(s) bytes is too small: the board needs at least \(GuestMemoryMap.minimumRAM >> 20) MiB"
        case .notPageMultiple(let s):
            return "guest RAM of \(s) bytes is not a multiple of 4 KiB"
        case let .tooLarge(s, limit):
            return "guest RAM of \(s >> 20) MiB is above the limit of \(limit >> 20) MiB"
        }
    }
}

public struct GuestMemoryMap: Equatable {
    /// Total guest RAM.
    public let ramSize: UInt64
    /// RAM below the PCI hole: [0, lowRAMEnd).
    public let lowRAMEnd: UInt64
    /// RAM above 4 GiB: [4 GiB, 4 GiB + highRAMSize).
    public let highRAMSize: UInt64

    public static let minimumRAM: UInt64 = 2 << 20
    /// First address of the PCI hole (QEMU `pc`: RAM above 3 GiB is moved above 4 GiB).
    public static let pciHoleStart: UInt64 = 0xC000_0000
    public static let highRAMStart: UInt64 = 0x1_0000_0000
    /// Largest RAM PhysicalMemory accepts (64 GiB) less the hole it would need.
    public static let maximumRAM: UInt64 = 60 << 30

    public static let conventionalEnd: UInt64 = 0x9_FC00     // 639 KiB
    public static let vgaStart: UInt64 = 0xA_0000
    public static let biosStart: UInt64 = 0xE_0000           // ACPI tables + RSDP
    public static let biosEnd: UInt64 = 0x10_0000
    public static let ecamBase: UInt64 = 0xE000_0000         // PCI Express ECAM, buses 0-255
    public static let ecamSize: UInt64 = 256 << 20
    public static let ioAPICBase: UInt64 = 0xFEC0_0000
    public static let hpetBase: UInt64 = 0xFED0_0000
    public static let localAPICBase: UInt64 = 0xFEE0_0000

    public init(ramSize: UInt64) throws(GuestMemoryMapError) {
        guard ramSize % 4096 == 0 else { throw .notPageMultiple(ramSize) }
        guard ramSize >= Self.minimumRAM else { throw .tooSmall(ramSize) }
        guard ramSize <= Self.maximumRAM else { throw .tooLarge(ramSize, limit: Self.maximumRAM) }
        self.ramSize = ramSize
        lowRAMEnd = min(ramSize, Self.pciHoleStart)
        highRAMSize = ramSize - lowRAMEnd
    }

    /// True when [address, address+count) is RAM the guest may use (e820 type 1).
    public func isUsableRAM(_ address: UInt64, count: UInt64) -> Bool {
        e820.contains { $0.kind == .ram && address >= $0.base && address <= $0.end && count <= $0.end - address }
    }

    /// The e820 table, sorted by address, non-overlapping.
    public var e820: [E820Entry] {
        var t: [E820Entry] = [
            E820Entry(base: 0, length: Self.conventionalEnd, kind: .ram),
            E820Entry(base: Self.conventionalEnd, length: Self.vgaStart - Self.conventionalEnd, kind: .reserved),
            E820Entry(base: Self.biosStart, length: Self.biosEnd - Self.biosStart, kind: .reserved),
        ]
        if lowRAMEnd > Self.biosEnd {
            t.append(E820Entry(base: Self.biosEnd, length: lowRAMEnd - Self.biosEnd, kind: .ram))
        }
        // ECAM is reserved so that kernels accept the MCFG window (Linux checks e820).
        t.append(E820Entry(base: Self.ecamBase, length: Self.ecamSize, kind: .reserved))
        if highRAMSize > 0 {
            t.append(E820Entry(base: Self.highRAMStart, length: highRAMSize, kind: .ram))
        }
        return t
    }

    /// Kilobytes of RAM from 0 (Multiboot mem_lower) and from 1 MiB up to the first hole (mem_upper).
    public var memLowerKiB: UInt32 { UInt32(Self.conventionalEnd >> 10) }
    public var memUpperKiB: UInt32 { UInt32(truncatingIfNeeded: (lowRAMEnd - Self.biosEnd) >> 10) }
}
