// Arch layer: x86-64 4-level page tables (PML4 -> PDPT -> PD -> PT, 512 entries of 8 bytes
// per 4 KiB table, 9 bits of the virtual address per level, 12 bits of page offset).
// Tables are reached through the direct map (HAL/PhysicalMemory.swift), never identity.
//
// Changing a present mapping requires INVLPG: the TLB may keep the old translation.

struct PageFlags: OptionSet {
    let rawValue: UInt64
    static let present = PageFlags(rawValue: 1 << 0)
    static let writable = PageFlags(rawValue: 1 << 1)
    static let user = PageFlags(rawValue: 1 << 2)
    static let writeThrough = PageFlags(rawValue: 1 << 3)
    static let cacheDisable = PageFlags(rawValue: 1 << 4)
    static let accessed = PageFlags(rawValue: 1 << 5)
    static let dirty = PageFlags(rawValue: 1 << 6)
    /// In a PD (PDPT) entry: this entry maps a 2 MiB (1 GiB) page, not a lower table.
    static let hugePage = PageFlags(rawValue: 1 << 7)
    static let global = PageFlags(rawValue: 1 << 8)
    /// Bit 63, honoured because boot.S set EFER.NXE: instruction fetches fault.
    static let noExecute = PageFlags(rawValue: 1 << 63)

    static let kernelData: PageFlags = [.present, .writable, .noExecute]
}

enum PageTableError: Error {
    case misaligned
    case nonCanonical
    case alreadyMapped
    case notMapped
    /// A 2 MiB/1 GiB page covers the address: it cannot be changed page by page.
    case insideHugePage
    /// No physical frame for an intermediate table.
    case outOfFrames
}

enum PageTables {
    /// Bits 12-51 of an entry: the physical address of the next table or of the page.
    static let addressMask: UInt64 = 0x000F_FFFF_FFFF_F000

    /// Where intermediate tables come from. Boot stage: EarlyFramePool; replaced by the
    /// physical frame allocator (Memory/) once it exists.
    static var allocateTableFrame: () -> PhysicalAddress? = { EarlyFramePool.allocate() }

    private static func indices(_ virtual: UInt64) -> [Int] {
        [Int((virtual >> 39) & 511), Int((virtual >> 30) & 511), Int((virtual >> 21) & 511), Int((virtual >> 12) & 511)]
    }

    private static func isCanonical(_ virtual: UInt64) -> Bool {
        // Bits 63-47 must all equal bit 47 (48-bit virtual addresses).
        let top = virtual >> 47
        return top == 0 || top == 0x1FFFF
    }

    private static var root: PhysicalAddress { PhysicalAddress(CPU.pageTableRoot & addressMask) }

    private static func entry(_ table: PhysicalAddress, _ index: Int) -> UInt64 {
        PhysicalMemory.read(table.adding(UInt64(index * 8)), as: UInt64.self) ?? 0
    }

    private static func setEntry(_ table: PhysicalAddress, _ index: Int, _ value: UInt64) {
        PhysicalMemory.write(table.adding(UInt64(index * 8)), value)
    }

    /// Maps one 4 KiB page. Intermediate entries are created present + writable (+ user for a
    /// user mapping): the leaf entry alone decides the page's permissions.
    static func map(virtual: UInt64, to physical: PhysicalAddress, flags: PageFlags) throws(PageTableError) {
        guard virtual & 0xFFF == 0, physical.value & 0xFFF == 0 else { throw .misaligned }
        guard isCanonical(virtual) else { throw .nonCanonical }
        let path = indices(virtual)
        var table = root
        for level in 0..<3 {
            let current = entry(table, path[level])
            if current & PageFlags.present.rawValue == 0 {
                guard let frame = allocateTableFrame() else { throw .outOfFrames }
                PhysicalMemory.zero(frame, length: 4096)
                var link = frame.value | PageFlags.present.rawValue | PageFlags.writable.rawValue
                if flags.contains(.user) { link |= PageFlags.user.rawValue }
                setEntry(table, path[level], link)
                table = frame
            } else if current & PageFlags.hugePage.rawValue != 0 && level > 0 {
                throw .insideHugePage
            } else {
                table = PhysicalAddress(current & addressMask)
            }
        }
        if entry(table, path[3]) & PageFlags.present.rawValue != 0 { throw .alreadyMapped }
        setEntry(table, path[3], physical.value | flags.union(.present).rawValue)
    }

    /// Removes a 4 KiB mapping and flushes it from the TLB; returns the page it mapped.
    /// (Emptied intermediate tables are kept.)
    @discardableResult
    static func unmap(virtual: UInt64) throws(PageTableError) -> PhysicalAddress {
        guard virtual & 0xFFF == 0 else { throw .misaligned }
        guard let (table, index) = leaf(virtual) else { throw .notMapped }
        let old = entry(table, index)
        guard old & PageFlags.present.rawValue != 0 else { throw .notMapped }
        setEntry(table, index, 0)
        CPU.invalidatePage(virtual)
        return PhysicalAddress(old & addressMask)
    }

    /// The physical address a virtual address translates to (huge pages included) and the
    /// effective permissions: writable and user only if every level allows it, no-execute if
    /// any level sets it (that is how the CPU combines the levels). Other bits are the leaf's.
    static func translate(_ virtual: UInt64) -> (PhysicalAddress, PageFlags)? {
        guard isCanonical(virtual) else { return nil }
        let path = indices(virtual)
        var table = root
        var allowed: PageFlags = [.writable, .user]
        var noExecute = false
        for level in 0..<4 {
            let current = entry(table, path[level])
            if current & PageFlags.present.rawValue == 0 { return nil }
            let bits = PageFlags(rawValue: current & ~addressMask)
            allowed = allowed.intersection(bits)
            if bits.contains(.noExecute) { noExecute = true }
            let isLeaf = level == 3 || (level > 0 && bits.contains(.hugePage))
            if isLeaf {
                let pageSize: UInt64 = level == 3 ? 1 << 12 : (level == 2 ? 1 << 21 : 1 << 30)
                let base = current & addressMask & ~(pageSize - 1)
                var flags = bits.subtracting([.writable, .user, .noExecute]).union(allowed)
                if noExecute { flags.insert(.noExecute) }
                return (PhysicalAddress(base | (virtual & (pageSize - 1))), flags)
            }
            table = PhysicalAddress(current & addressMask)
        }
        return nil
    }

    /// The page table holding the 4 KiB leaf entry for `virtual`, if the path exists.
    private static func leaf(_ virtual: UInt64) -> (PhysicalAddress, Int)? {
        guard isCanonical(virtual) else { return nil }
        let path = indices(virtual)
        var table = root
        for level in 0..<3 {
            let current = entry(table, path[level])
            if current & PageFlags.present.rawValue == 0 { return nil }
            if level > 0 && current & PageFlags.hugePage.rawValue != 0 { return nil }
            table = PhysicalAddress(current & addressMask)
        }
        return (table, path[3])
    }
}
