// Kernel / Memory: the kernel heap behind posix_memalign/free (what swift_allocObject uses).
//
// Small blocks (16..2048 bytes, eight power-of-two size classes) come from slabs: 16 KiB blocks
// of 4 pages aligned to 16 KiB, obtained from a `PageSource`. A slab starts with a 48-byte header;
// objects follow at multiples of their size, so every object is aligned to its class size (that
// is how posix_memalign alignments up to 2048 are met: the class is max(size, alignment)).
// Freed objects go on the slab's free list and are reused first; a slab that becomes empty is
// returned to the page source unless it is the last one of its class with free space.
// Larger blocks (or alignments above 2048) are page runs aligned to at least 16 KiB and recorded
// in a table of (address, pages) kept in heap-owned pages.
// So: an address that is a multiple of 16 KiB is a large block; anything else is a slab object
// whose header is at (address & ~0x3FFF).
//
// The heap touches memory only through the page source's loadWord/storeWord (8-byte aligned
// addresses): no unsafe pointers here. In the kernel the HAL's page source takes frames from
// the FrameAllocator and maps them through the direct map; tests use simulated RAM.
// The heap itself never allocates (no arrays, no classes), so it can serve the Swift runtime.
//
// Slab header (words): [0] magic | class, [1] free-list head, [2] capacity << 32 | free count,
//   [3] next partial slab, [4] previous partial slab, [5] bump index (first never-used object).
// A freed object holds [0] next free object, [1] the free poison (double-free detection).
//
// Public API:
//   protocol PageSource           allocatePages(count:alignment:) -> UInt64?, freePages(at:count:),
//                                 loadWord(at:) -> UInt64, storeWord(_:at:)
//   enum HeapError                outOfMemory, invalidAlignment, sizeTooLarge, invalidFree, doubleFree
//   struct HeapStatistics         liveAllocations, bytesInUse, slabs, largeAllocations, largePages,
//                                 allocations, frees, failures
//   struct KernelHeap<Source>     init(source:), allocate(size:alignment:) throws(HeapError) -> UInt64,
//                                 free(_:) throws(HeapError)  (free(0) is a no-op),
//                                 usableSize(of:) -> Int?, statistics, source
//   posix_memalign shim: alignment must be a power of two and a multiple of 8 (else EINVAL);
//   HeapError.outOfMemory -> ENOMEM. The heap never traps on bad input or exhaustion.

public protocol PageSource {
    /// `count` contiguous 4 KiB pages whose address is a multiple of `alignment` (a power of two
    /// >= 4096); nil when memory is exhausted.
    mutating func allocatePages(count: Int, alignment: UInt64) -> UInt64?
    mutating func freePages(at address: UInt64, count: Int)
    /// 8-byte loads and stores at 8-byte aligned addresses inside pages this source handed out.
    func loadWord(at address: UInt64) -> UInt64
    mutating func storeWord(_ value: UInt64, at address: UInt64)
}

public enum HeapError: Error, Equatable {
    case outOfMemory
    case invalidAlignment(Int)
    case sizeTooLarge(Int)
    case invalidFree(UInt64)
    case doubleFree(UInt64)
}

public struct HeapStatistics: Equatable {
    public var liveAllocations = 0
    public var bytesInUse = 0          // usable bytes of live blocks (class size / page-rounded)
    public var slabs = 0
    public var largeAllocations = 0
    public var largePages = 0
    public var tablePages = 0
    public var allocations = 0
    public var frees = 0
    public var failures = 0
    /// Pages currently taken from the page source.
    public var pagesHeld: Int { slabs * heapSlabPages + largePages + tablePages }
}

let heapSlabBytes: UInt64 = 16384
let heapSlabPages = 4
let heapSlabMask: UInt64 = ~(heapSlabBytes - 1)
let heapSlabHeaderBytes: UInt64 = 48
let heapClassCount = 8                        // 16, 32, ..., 2048
let heapMaxSmall = 2048
let heapSlabMagic: UInt64 = 0x534C_4142_4F52_0000        // "SLABOR" << 16 | class
let heapTableMagic: UInt64 = 0x4C41_5247_4554_424C       // "LARGETBL"
let heapFreePoison: UInt64 = 0xF4EE_D0D0_F4EE_D0D0
let heapTableEntries = 255                    // (4096/8 - 2) / 2 pairs per table page
let heapMaxLargeBytes = 1 << 40

public struct KernelHeap<Source: PageSource> {
    public var source: Source
    private var partial: InlineArray<8, UInt64> = InlineArray(repeating: 0)
    private var tableHead: UInt64 = 0
    public private(set) var statistics = HeapStatistics()

    public init(source: Source) { self.source = source }

    // MARK: public entry points

    /// A block of at least `size` bytes aligned to `alignment` (a power of two; 16 is always
    /// granted). size 0 returns a minimal distinct block, as glibc's malloc(0) does.
    public mutating func allocate(size: Int, alignment: Int = 16) throws(HeapError) -> UInt64 {
        guard alignment > 0, alignment & (alignment - 1) == 0 else {
            statistics.failures += 1
            throw .invalidAlignment(alignment)
        }
        guard size >= 0, size <= heapMaxLargeBytes else { statistics.failures += 1; throw .sizeTooLarge(size) }
        let need = max(max(size, 16), alignment)
        let address: UInt64
        do {
            if need <= heapMaxSmall {
                address = try allocateSmall(classIndex: KernelHeap.classIndex(need))
            } else {
                address = try allocateLarge(size: max(size, 1), alignment: alignment)
            }
        } catch {
            statistics.failures += 1
            throw error
        }
        statistics.allocations += 1
        statistics.liveAllocations += 1
        return address
    }

    /// Returns a block. free(0) does nothing; an address this heap did not hand out, or one
    /// already freed, is reported and nothing changes.
    public mutating func free(_ address: UInt64) throws(HeapError) {
        if address == 0 { return }
        if address & ~heapSlabMask == 0 {
            try freeLarge(address)
        } else {
            try freeSmall(address)
        }
        statistics.frees += 1
        statistics.liveAllocations -= 1
    }

    /// Bytes usable at `address` (the class size or the page-rounded run), nil if not a live block.
    public func usableSize(of address: UInt64) -> Int? {
        if address == 0 { return nil }
        if address & ~heapSlabMask == 0 {
            guard let (_, _, pages) = findLarge(address) else { return nil }
            return pages * Int(pageSize)
        }
        guard let ci = slabClass(of: address), validObject(address, ci) else { return nil }
        if source.loadWord(at: address + 8) == heapFreePoison && inFreeList(address) { return nil }
        return 16 << ci
    }

    // MARK: small blocks

    static func classIndex(_ need: Int) -> Int {
        let bits = 64 - UInt64(need - 1).leadingZeroBitCount     // ceil(log2(need))
        return max(0, bits - 4)
    }

    static func firstObject(_ ci: Int) -> UInt64 {
        let size = UInt64(16 << ci)
        return (heapSlabHeaderBytes + size - 1) / size
    }

    private mutating func allocateSmall(classIndex ci: Int) throws(HeapError) -> UInt64 {
        var slab = partial[ci]
        if slab == 0 { slab = try newSlab(ci) }
        let size = UInt64(16 << ci)
        var object = source.loadWord(at: slab + 8)
        if object != 0 {
            source.storeWord(source.loadWord(at: object), at: slab + 8)     // pop the free list
            source.storeWord(0, at: object + 8)                             // clear the poison
        } else {
            let bump = source.loadWord(at: slab + 40)
            object = slab + bump * size
            source.storeWord(bump + 1, at: slab + 40)
        }
        let counts = source.loadWord(at: slab + 16) - 1                      // free count - 1
        source.storeWord(counts, at: slab + 16)
        if counts & 0xFFFF_FFFF == 0 { unlink(slab, ci) }                    // full: off the partial list
        statistics.bytesInUse += Int(size)
        return object
    }

    private mutating func newSlab(_ ci: Int) throws(HeapError) -> UInt64 {
        guard let slab = source.allocatePages(count: heapSlabPages, alignment: heapSlabBytes),
              slab != 0, slab & ~heapSlabMask == 0 else { throw .outOfMemory }
        let size = UInt64(16 << ci)
        let first = KernelHeap.firstObject(ci)
        let capacity = heapSlabBytes / size - first
        source.storeWord(heapSlabMagic | UInt64(ci), at: slab)
        source.storeWord(0, at: slab + 8)
        source.storeWord(capacity << 32 | capacity, at: slab + 16)
        source.storeWord(0, at: slab + 24)
        source.storeWord(0, at: slab + 32)
        source.storeWord(first, at: slab + 40)
        push(slab, ci)
        statistics.slabs += 1
        return slab
    }

    /// Size class of the slab holding `address`, nil when its header is not a slab header.
    private func slabClass(of address: UInt64) -> Int? {
        let header = source.loadWord(at: address & heapSlabMask)
        guard header & ~0xFF == heapSlabMagic, header & 0xFF < UInt64(heapClassCount) else { return nil }
        return Int(header & 0xFF)
    }

    /// `address` is an object boundary of class `ci` that has been handed out at least once.
    private func validObject(_ address: UInt64, _ ci: Int) -> Bool {
        let slab = address & heapSlabMask
        let size = UInt64(16 << ci)
        let offset = address - slab
        let index = offset / size
        return offset % size == 0 && index >= KernelHeap.firstObject(ci) && index < source.loadWord(at: slab + 40)
    }

    private func inFreeList(_ address: UInt64) -> Bool {
        let slab = address & heapSlabMask
        var p = source.loadWord(at: slab + 8)
        var steps = 0
        while p != 0 && steps < 1024 {          // a slab holds at most 1021 objects
            if p == address { return true }
            p = source.loadWord(at: p)
            steps += 1
        }
        return false
    }

    private mutating func freeSmall(_ address: UInt64) throws(HeapError) {
        guard address & 7 == 0, let ci = slabClass(of: address), validObject(address, ci) else {
            throw .invalidFree(address)
        }
        let slab = address & heapSlabMask
        if source.loadWord(at: address + 8) == heapFreePoison && inFreeList(address) {
            throw .doubleFree(address)
        }
        source.storeWord(source.loadWord(at: slab + 8), at: address)
        source.storeWord(heapFreePoison, at: address + 8)
        source.storeWord(address, at: slab + 8)
        let counts = source.loadWord(at: slab + 16) + 1
        source.storeWord(counts, at: slab + 16)
        statistics.bytesInUse -= 16 << ci
        let free = counts & 0xFFFF_FFFF
        if free == 1 { push(slab, ci) }                                     // was full
        if free == counts >> 32 {
            // Empty: give it back unless it is the only slab of this class with room.
            let onlyOne = partial[ci] == slab && source.loadWord(at: slab + 24) == 0
            if !onlyOne {
                unlink(slab, ci)
                source.storeWord(0, at: slab)                                // no longer a slab
                source.freePages(at: slab, count: heapSlabPages)
                statistics.slabs -= 1
            }
        }
    }

    private mutating func push(_ slab: UInt64, _ ci: Int) {
        let head = partial[ci]
        source.storeWord(head, at: slab + 24)
        source.storeWord(0, at: slab + 32)
        if head != 0 { source.storeWord(slab, at: head + 32) }
        partial[ci] = slab
    }

    private mutating func unlink(_ slab: UInt64, _ ci: Int) {
        let next = source.loadWord(at: slab + 24)
        let prev = source.loadWord(at: slab + 32)
        if prev != 0 { source.storeWord(next, at: prev + 24) } else if partial[ci] == slab { partial[ci] = next }
        if next != 0 { source.storeWord(prev, at: next + 32) }
        source.storeWord(0, at: slab + 24)
        source.storeWord(0, at: slab + 32)
    }

    // MARK: large blocks

    private mutating func allocateLarge(size: Int, alignment: Int) throws(HeapError) -> UInt64 {
        let pages = (size + Int(pageSize) - 1) / Int(pageSize)
        let align = max(heapSlabBytes, UInt64(alignment))
        guard let address = source.allocatePages(count: pages, alignment: align),
              address != 0, address & ~heapSlabMask == 0 else { throw .outOfMemory }
        guard let slot = freeTableSlot() else {
            source.freePages(at: address, count: pages)
            throw .outOfMemory
        }
        source.storeWord(address, at: slot)
        source.storeWord(UInt64(pages), at: slot + 8)
        statistics.largeAllocations += 1
        statistics.largePages += pages
        statistics.bytesInUse += pages * Int(pageSize)
        return address
    }

    private mutating func freeLarge(_ address: UInt64) throws(HeapError) {
        guard let (slot, _, pages) = findLarge(address) else { throw .invalidFree(address) }
        source.storeWord(0, at: slot)
        source.storeWord(0, at: slot + 8)
        source.freePages(at: address, count: pages)
        statistics.largeAllocations -= 1
        statistics.largePages -= pages
        statistics.bytesInUse -= pages * Int(pageSize)
    }

    /// (slot address, table page, pages) of a live large block.
    private func findLarge(_ address: UInt64) -> (UInt64, UInt64, Int)? {
        var page = tableHead
        while page != 0 {
            var i = 0
            while i < heapTableEntries {
                let slot = page + 16 + UInt64(i) * 16
                if source.loadWord(at: slot) == address {
                    return (slot, page, Int(truncatingIfNeeded: source.loadWord(at: slot + 8)))
                }
                i += 1
            }
            page = source.loadWord(at: page + 8)
        }
        return nil
    }

    /// An empty table slot, adding a table page when all are full (nil: out of memory).
    private mutating func freeTableSlot() -> UInt64? {
        var page = tableHead
        while page != 0 {
            var i = 0
            while i < heapTableEntries {
                let slot = page + 16 + UInt64(i) * 16
                if source.loadWord(at: slot) == 0 { return slot }
                i += 1
            }
            page = source.loadWord(at: page + 8)
        }
        guard let fresh = source.allocatePages(count: 1, alignment: pageSize), fresh != 0 else { return nil }
        var w: UInt64 = 0
        while w < pageSize { source.storeWord(0, at: fresh + w); w += 8 }
        source.storeWord(heapTableMagic, at: fresh)
        source.storeWord(tableHead, at: fresh + 8)
        tableHead = fresh
        statistics.tablePages += 1
        return fresh + 16
    }
}
