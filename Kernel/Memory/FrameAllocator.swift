// Kernel / Memory: the physical frame allocator. One bit per 4 KiB frame (1 = in use or not
// RAM), kept in caller-provided `WordStorage` so it can live in physical memory before the heap
// exists. Single frames are found by next-fit from a moving hint; contiguous runs (DMA buffers,
// large heap blocks, huge pages) by first-fit with an alignment and an optional address limit.
//
// Boot sequence (kboot, from kmain):
//   var map = MemoryMap()
//   for each Multiboot mmap entry: try map.addRegion(base:length:kind: MemoryRegionKind(multibootType:))
//   try map.reserve(base: 0, length: 0x100000)               // real-mode IVT, BDA, EBDA, BIOS
//   try map.reserve(kernel image), (each module), (the Multiboot info + cmdline)
//   let words = FrameAllocator<S>.storageWords(for: map)
//   let at = map.findFree(bytes: UInt64(words * 8))!         // physical address for the bitmap
//   try map.reserve(base: at, length: UInt64(words * 8))
//   var frames = try FrameAllocator(map: map, storage: S(over the direct map at `at`, words))
// Then: frames.allocate() -> UInt64? (physical address), frames.allocate(count:alignment:below:),
// frames.free(_:) / free(_:count:) throw FrameError on double free or a bad address, statistics.
//
// Public API:
//   enum FrameError               storageTooSmall, misaligned, outOfRange, notRAM, doubleFree
//   struct FrameStatistics        totalFrames, freeFrames, usedFrames, allocations, frees, failures
//   struct FrameAllocator<S: WordStorage>
//     static storageWords(for:) -> Int
//     init(map:storage:) throws(FrameError)
//     allocate() -> UInt64?; allocate(count:alignment:below:) -> UInt64?
//     free(_:) throws(FrameError); free(_:count:) throws(FrameError)
//     reserve(_:count:) (mark frames in use, e.g. found later), isFree(_:) -> Bool
//     statistics, map, frameCount

public enum FrameError: Error, Equatable {
    case storageTooSmall(needed: Int)
    case misaligned(UInt64)
    case outOfRange(UInt64)
    case notRAM(UInt64)          // the frame is reserved or not in an available region
    case doubleFree(UInt64)
}

public struct FrameStatistics: Equatable {
    public var totalFrames: Int       // usable frames at init (after reservations)
    public var freeFrames: Int
    public var usedFrames: Int { totalFrames - freeFrames }
    public var allocations: Int       // successful allocate calls (a run counts once)
    public var frees: Int
    public var failures: Int          // allocate calls that returned nil
}

public struct FrameAllocator<Storage: WordStorage> {
    public let map: MemoryMap
    private var bits: Bitmap<Storage>
    private var hint = 0
    public private(set) var statistics: FrameStatistics

    /// Frames covered by the bitmap: 0 ..< frameCount.
    public var frameCount: Int { bits.bitCount }

    /// 64-bit words of storage needed for `map` (one bit per frame below the highest usable end).
    public static func storageWords(for map: MemoryMap) -> Int {
        Bitmap<Storage>.wordsNeeded(forBits: Int(truncatingIfNeeded: map.highestUsableEnd / pageSize))
    }

    public init(map: MemoryMap, storage: Storage) throws(FrameError) {
        let frames = Int(truncatingIfNeeded: map.highestUsableEnd / pageSize)
        let needed = Bitmap<Storage>.wordsNeeded(forBits: frames)
        guard storage.wordCount >= needed else { throw .storageTooSmall(needed: needed) }
        self.map = map
        bits = Bitmap(storage: storage, bitCount: frames)
        // Everything in use, then free available regions (whole frames inside them), then mark
        // every non-available region and reserved range again (rounded outward): reserved wins.
        bits.setRange(0, count: frames, to: true)
        var i = 0
        while let r = map.region(at: i) {
            if r.kind == .available {
                let lo = MemoryMap.alignUp(r.base) / pageSize
                let hi = r.end / pageSize
                if hi > lo { bits.setRange(FrameAllocator.clamp(lo), count: FrameAllocator.clamp(hi - lo), to: false) }
            }
            i += 1
        }
        i = 0
        while let r = map.region(at: i) {
            if r.kind != .available { FrameAllocator.markOutward(&bits, r) }
            i += 1
        }
        i = 0
        while let r = map.reserved(at: i) { FrameAllocator.markOutward(&bits, r); i += 1 }
        let free = frames - bits.countSet()
        statistics = FrameStatistics(totalFrames: free, freeFrames: free, allocations: 0, frees: 0, failures: 0)
    }

    /// One frame; returns its physical address, nil when memory is exhausted.
    public mutating func allocate() -> UInt64? {
        guard let f = bits.firstClear(from: hint) else { statistics.failures += 1; return nil }
        bits[f] = true
        hint = f + 1 < bits.bitCount ? f + 1 : 0
        statistics.freeFrames -= 1
        statistics.allocations += 1
        return UInt64(f) * pageSize
    }

    /// `count` physically contiguous frames starting at a multiple of `alignment` bytes (a power
    /// of two; values below 4096 mean page alignment), entirely below `below` if given
    /// (e.g. 0x1_0000_0000 for 32-bit DMA). nil when no such run exists.
    public mutating func allocate(count: Int, alignment: UInt64 = pageSize, below: UInt64? = nil) -> UInt64? {
        guard count > 0, alignment & (alignment &- 1) == 0 else { statistics.failures += 1; return nil }
        let alignFrames = Int(truncatingIfNeeded: max(alignment, pageSize) / pageSize)
        var limit = bits.bitCount
        if let below { limit = min(limit, Int(truncatingIfNeeded: min(below / pageSize, UInt64(Int.max)))) }
        // Next-fit from the hint, then first-fit from 0 (the hint only skips known-used frames).
        let align = max(1, alignFrames)
        var found = hint < limit ? bits.firstClearRun(count: count, alignment: align, from: hint, limit: limit) : nil
        if found == nil { found = bits.firstClearRun(count: count, alignment: align, from: 0, limit: limit) }
        guard let f = found else {
            statistics.failures += 1
            return nil
        }
        bits.setRange(f, count: count, to: true)
        if count == 1 { hint = f + 1 < bits.bitCount ? f + 1 : 0 }
        statistics.freeFrames -= count
        statistics.allocations += 1
        return UInt64(f) * pageSize
    }

    /// Returns one frame. Freeing a free frame, a reserved frame or a misaligned address is an
    /// error and changes nothing.
    public mutating func free(_ address: UInt64) throws(FrameError) {
        try free(address, count: 1)
    }

    /// Returns a run from allocate(count:...). All frames are checked before any is freed.
    public mutating func free(_ address: UInt64, count: Int) throws(FrameError) {
        guard address % pageSize == 0 else { throw .misaligned(address) }
        let first = address / pageSize
        guard count > 0, first < UInt64(bits.bitCount), UInt64(count) <= UInt64(bits.bitCount) - first else {
            throw .outOfRange(address)
        }
        let f = Int(first)
        var k = 0
        while k < count {
            let frame = f + k
            let at = UInt64(frame) * pageSize
            // Reserved frames also have their bit set: check the map first so a stray free of
            // the kernel image is refused rather than handed out later.
            if !map.isFrameUsable(UInt64(frame)) { throw .notRAM(at) }
            if !bits[frame] { throw .doubleFree(at) }
            k += 1
        }
        bits.setRange(f, count: count, to: false)
        statistics.freeFrames += count
        statistics.frees += 1
        if f < hint { hint = f }
    }

    /// Marks frames in use without allocating them (ranges discovered after init). Frames that are
    /// already in use are left alone; returns how many changed.
    @discardableResult
    public mutating func reserve(_ address: UInt64, count: Int) -> Int {
        let first = address / pageSize
        guard count > 0, first < UInt64(bits.bitCount) else { return 0 }
        var changed = 0
        var f = Int(first)
        let end = min(bits.bitCount, f + count)
        while f < end {
            if !bits[f] { bits[f] = true; changed += 1 }
            f += 1
        }
        statistics.freeFrames -= changed
        statistics.totalFrames -= changed
        return changed
    }

    /// True when the frame holding `address` is free.
    public func isFree(_ address: UInt64) -> Bool {
        let f = address / pageSize
        return f < UInt64(bits.bitCount) && !bits[Int(f)]
    }

    static func clamp(_ v: UInt64) -> Int { v > UInt64(Int.max) ? Int.max : Int(v) }

    static func markOutward(_ bits: inout Bitmap<Storage>, _ r: MemoryRegion) {
        let lo = r.base / pageSize
        let hi = MemoryMap.alignUp(r.end) / pageSize
        guard lo < UInt64(bits.bitCount), hi > lo else { return }
        bits.setRange(Int(lo), count: clamp(min(hi, UInt64(bits.bitCount)) - lo), to: true)
    }
}
