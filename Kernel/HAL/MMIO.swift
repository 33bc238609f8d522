// HAL layer: memory-mapped device registers. Device register pages (local APIC 0xFEE00000,
// IOAPIC 0xFEC00000, HPET 0xFED00000) lie above the 1 GiB direct map, so each is mapped into
// the kernel's virtual-mapping range (PML4 slot 192, above the page the selftests use) with
// caching disabled (PCD+PWT: a register read must reach the device, never a cache line), and
// accessed only through the volatile accessors of Asm/include/arch.h.
import ArchAsm

/// A mapped block of device registers; offsets are in bytes from the block's start.
struct MMIORegion {
    let virtualBase: UInt64
    let physicalBase: UInt64
    let size: UInt64

    func read8(_ offset: UInt64) -> UInt8 { arch_mmio_read8(virtualBase &+ offset) }
    func read32(_ offset: UInt64) -> UInt32 { arch_mmio_read32(virtualBase &+ offset) }
    func write32(_ offset: UInt64, _ value: UInt32) { arch_mmio_write32(virtualBase &+ offset, value) }
    func read64(_ offset: UInt64) -> UInt64 { arch_mmio_read64(virtualBase &+ offset) }
    func write64(_ offset: UInt64, _ value: UInt64) { arch_mmio_write64(virtualBase &+ offset, value) }
}

enum MMIO {
    /// Next free virtual address for device mappings (kernel virtual range + 256 MiB).
    private static var nextVirtual: UInt64 = 0x0000_6000_1000_0000
    private static var regions: [MMIORegion] = []

    static let deviceFlags: PageFlags = [.present, .writable, .noExecute, .cacheDisable, .writeThrough]

    /// Maps `size` bytes of device registers at `physical` (rounded out to whole pages); a
    /// block mapped before is returned again rather than mapped twice.
    static func map(physical: UInt64, size: UInt64) throws(PageTableError) -> MMIORegion {
        for region in regions where physical >= region.physicalBase
            && physical &+ size <= region.physicalBase &+ region.size {
            return MMIORegion(virtualBase: region.virtualBase &+ (physical &- region.physicalBase),
                              physicalBase: physical, size: size)
        }
        let firstPage = physical & ~0xFFF
        let pages = ((physical &+ size &+ 0xFFF) & ~0xFFF &- firstPage) / 4096
        let virtual = nextVirtual
        for page in 0..<pages {
            try PageTables.map(virtual: virtual &+ page * 4096, to: PhysicalAddress(firstPage &+ page * 4096),
                               flags: deviceFlags)
        }
        nextVirtual &+= (pages &+ 1) * 4096        // one unmapped page between blocks
        let whole = MMIORegion(virtualBase: virtual, physicalBase: firstPage, size: pages * 4096)
        regions.append(whole)
        return MMIORegion(virtualBase: virtual &+ (physical &- firstPage), physicalBase: physical, size: size)
    }
}

/// Sections that interrupt handlers must not enter (they share the data): interrupts off,
/// and back to the previous state afterwards (so it nests and works before `sti`).
@inline(__always)
func withInterruptsDisabled<R>(_ body: () -> R) -> R {
    let flags = arch_irq_save()
    let result = body()
    arch_irq_restore(flags)
    return result
}
