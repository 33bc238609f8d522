// Boot layer: the Multiboot v1 information structure the loader leaves in memory (its physical
// address arrives in EBX). Only the fields marked valid by its `flags` word may be read.
// Layout (byte offsets): 0 flags, 4 mem_lower (KiB), 8 mem_upper (KiB), 16 cmdline (physical
// address of a C string, flags bit 2), 20 mods_count, 24 mods_addr (bit 3), 44 mmap_length,
// 48 mmap_addr (bit 6). Memory map entries: u32 size (of the rest of the entry), u64 base,
// u64 length, u32 type (1 available, 2 reserved, 3 ACPI reclaimable, 4 ACPI NVS, 5 bad).

struct MultibootInfo {
    static let loaderMagic: UInt32 = 0x2BAD_B002

    struct MemoryRegion {
        var base: UInt64
        var length: UInt64
        var type: UInt32
    }

    struct Module {
        var start: UInt64
        var end: UInt64
        var commandLine: [UInt8]
    }

    var address: PhysicalAddress
    var flags: UInt32
    var commandLine: [UInt8] = []
    var memoryMap: [MemoryRegion] = []
    var modules: [Module] = []

    /// Parses what the flags declare valid; nil if the structure itself is unreadable.
    init?(at address: PhysicalAddress) {
        guard let flags = PhysicalMemory.read(address, as: UInt32.self) else { return nil }
        self.address = address
        self.flags = flags
        if flags & (1 << 2) != 0, let cmdline = read32(16) {
            commandLine = PhysicalMemory.readCString(PhysicalAddress(UInt64(cmdline)))
        }
        if flags & (1 << 3) != 0, let count = read32(20), let table = read32(24) {
            for index in 0..<UInt64(min(count, 64)) {
                let entry = PhysicalAddress(UInt64(table) + index * 16)
                guard let start = PhysicalMemory.read(entry, as: UInt32.self),
                      let end = PhysicalMemory.read(entry.adding(4), as: UInt32.self),
                      let string = PhysicalMemory.read(entry.adding(8), as: UInt32.self) else { break }
                modules.append(Module(start: UInt64(start), end: UInt64(end),
                                      commandLine: PhysicalMemory.readCString(PhysicalAddress(UInt64(string)))))
            }
        }
        if flags & (1 << 6) != 0, let length = read32(44), let base = read32(48) {
            var offset: UInt64 = 0
            // Each entry's `size` excludes the size field itself; a bogus size must not loop forever.
            while offset + 24 <= UInt64(length) && memoryMap.count < 128 {
                let entry = PhysicalAddress(UInt64(base) + offset)
                guard let size = PhysicalMemory.read(entry, as: UInt32.self), size >= 20,
                      let regionBase = PhysicalMemory.read(entry.adding(4), as: UInt64.self),
                      let regionLength = PhysicalMemory.read(entry.adding(12), as: UInt64.self),
                      let type = PhysicalMemory.read(entry.adding(20), as: UInt32.self) else { break }
                memoryMap.append(MemoryRegion(base: regionBase, length: regionLength, type: type))
                offset += UInt64(size) + 4
            }
        }
    }

    private func read32(_ offset: UInt64) -> UInt32? {
        PhysicalMemory.read(address.adding(offset), as: UInt32.self)
    }

    static func typeName(_ type: UInt32) -> StaticString {
        switch type {
        case 1: return "available"
        case 2: return "reserved"
        case 3: return "ACPI reclaimable"
        case 4: return "ACPI NVS"
        case 5: return "bad"
        default: return "unknown"
        }
    }
}
