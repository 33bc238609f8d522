// Boot layer: bringing memory management up from the Multiboot memory map: the physical frame
// allocator (its bitmap placed in free RAM), then the kernel heap behind posix_memalign/free,
// and page tables taking their frames from the allocator.

enum MemorySetup {
    enum Failure: Error {
        case memoryMap(MemoryMapError)
        case noRoomForBitmap
        case frames(FrameError)
    }

    static func start(_ info: MultibootInfo) throws(Failure) {
        var map = MemoryMap()
        do throws(MemoryMapError) {
            for region in info.memoryMap where region.length > 0 {
                try map.addRegion(base: region.base, length: region.length,
                                  kind: MemoryRegionKind(multibootType: region.type))
            }
            // Never handed out: real-mode IVT, BIOS data, EBDA, VGA and ROMs below 1 MiB; the
            // kernel image; the Multiboot structures (info, command line, modules).
            try map.reserve(base: 0, length: 0x10_0000)
            try map.reserve(base: KernelImage.physicalStart, length: KernelImage.physicalEnd - KernelImage.physicalStart)
            try map.reserve(base: info.address.value & ~0xFFF, length: 0x2000)
            for module in info.modules where module.end > module.start {
                try map.reserve(base: module.start, length: module.end - module.start)
            }
            // Only the first GiB is direct-mapped for now (boot.S).
            if map.highestUsableEnd > PhysicalMemory.directMapSize {
                try map.reserve(base: PhysicalMemory.directMapSize, length: map.highestUsableEnd - PhysicalMemory.directMapSize)
            }
        } catch {
            throw .memoryMap(error)
        }
        let words = FrameAllocator<PhysicalWordStorage>.storageWords(for: map)
        guard let bitmap = map.findFree(bytes: UInt64(words * 8)) else { throw .noRoomForBitmap }
        do throws(MemoryMapError) {
            try map.reserve(base: bitmap, length: UInt64(words * 8))
        } catch {
            throw .memoryMap(error)
        }
        do throws(FrameError) {
            KernelMemory.frames = try FrameAllocator(map: map, storage: PhysicalWordStorage(base: PhysicalAddress(bitmap), wordCount: words))
        } catch {
            throw .frames(error)
        }
        PageTables.allocateTableFrame = {
            guard let frame = KernelMemory.frames?.allocate(count: 1, alignment: 4096, below: PhysicalMemory.directMapSize) else { return nil }
            return PhysicalAddress(frame)
        }
        KernelMemory.installHeap()
    }
}
