// KernelCoreTests: MemoryMap, FrameAllocator and KernelHeap.

import XCTest
@testable import KernelCore

final class FrameAllocatorTests: XCTestCase {
    /// The memory map QEMU's Multiboot loader reports for -m 128M (e820 from SeaBIOS).
    func qemuMap() throws -> MemoryMap {
        var map = MemoryMap()
        try map.addRegion(base: 0, length: 0x9FC00, kind: .available)
        try map.addRegion(base: 0x9FC00, length: 0x400, kind: .reserved)
        try map.addRegion(base: 0xF0000, length: 0x10000, kind: .reserved)
        try map.addRegion(base: 0x100000, length: 0x7EE0000, kind: .available)
        try map.addRegion(base: 0x7FE0000, length: 0x20000, kind: .reserved)
        try map.addRegion(base: 0xFFFC0000, length: 0x40000, kind: .reserved)
        return map
    }

    func make(_ map: MemoryMap) throws -> FrameAllocator<ArrayWordStorage> {
        try FrameAllocator(map: map, storage: ArrayWordStorage(wordCount: FrameAllocator<ArrayWordStorage>.storageWords(for: map)))
    }

    func testMapRulesAndCounts() throws {
        var map = try qemuMap()
        XCTAssertEqual(map.highestUsableEnd, 0x7FE0000)
        XCTAssertTrue(map.isFrameUsable(0))
        XCTAssertFalse(map.isFrameUsable(0x9F), "0x9F000..0xA0000 is cut by the EBDA: partial frames are not RAM")
        XCTAssertTrue(map.isFrameUsable(0x100))
        XCTAssertFalse(map.isFrameUsable(0x7FE0))
        try map.reserve(base: 0, length: 0x100000)
        try map.reserve(base: 0x100000, length: 0x2345)           // kernel image, rounded outward
        XCTAssertFalse(map.isFrameUsable(0x102))
        XCTAssertTrue(map.isFrameUsable(0x103))
        XCTAssertEqual(map.usableFrameCount, 0x7FE0 - 0x103)
        XCTAssertEqual(map.findFree(bytes: 8192), 0x103000)
        XCTAssertEqual(map.findFree(bytes: 4096, alignment: 0x10000), 0x110000)
        XCTAssertNil(map.findFree(bytes: 0x8000000))
        XCTAssertThrowsError(try map.reserve(base: 5, length: 0))
    }

    func testOverlappingFirmwareRegionsReservedWins() throws {
        var map = MemoryMap()
        try map.addRegion(base: 0, length: 0x100000, kind: .available)
        try map.addRegion(base: 0x10800, length: 0x100, kind: .acpiNVS)     // inside, unaligned
        let fa = try make(map)
        XCTAssertFalse(fa.isFree(0x10000))
        XCTAssertTrue(fa.isFree(0xF000))
        XCTAssertTrue(fa.isFree(0x11000))
        XCTAssertEqual(fa.statistics.totalFrames, 255)
        XCTAssertEqual(MemoryRegionKind(multibootType: 257), .reserved, "no truncation to type 1")
        XCTAssertEqual(MemoryRegionKind(multibootType: 3), .acpiReclaimable)
    }

    func testMapCapacityIsAnErrorNotATrap() throws {
        var map = MemoryMap()
        for i in 0..<MemoryMap.regionCapacity { try map.addRegion(base: UInt64(i) << 20, length: 4096, kind: .available) }
        XCTAssertThrowsError(try map.addRegion(base: 1 << 40, length: 4096, kind: .available)) {
            XCTAssertEqual($0 as? MemoryMapError, .full)
        }
        // A region ending at 2^64 does not overflow.
        var m2 = MemoryMap()
        try m2.addRegion(base: 0xFFFF_FFFF_FFFF_F000, length: 0x1000, kind: .reserved)
        try m2.addRegion(base: 0x1000, length: UInt64.max, kind: .reserved)
        XCTAssertEqual(m2.highestUsableEnd, 0)
    }

    func testAllocateFreeReuseAndStatistics() throws {
        var map = try qemuMap()
        try map.reserve(base: 0, length: 0x100000)
        try map.reserve(base: 0x100000, length: 0x200000)              // kernel 1..3 MiB
        var fa = try make(map)
        let total = fa.statistics.totalFrames
        XCTAssertEqual(total, 0x7FE0 - 0x300)
        let a = try XCTUnwrap(fa.allocate())
        XCTAssertEqual(a, 0x300000, "first frame above the reservations")
        let b = try XCTUnwrap(fa.allocate())
        XCTAssertEqual(b, 0x301000)
        XCTAssertEqual(fa.statistics.freeFrames, total - 2)
        try fa.free(a)
        XCTAssertEqual(fa.allocate(), a, "a freed frame is reused first")
        XCTAssertThrowsError(try fa.free(0x300800)) { XCTAssertEqual($0 as? FrameError, .misaligned(0x300800)) }
        XCTAssertThrowsError(try fa.free(0x100000)) { XCTAssertEqual($0 as? FrameError, .notRAM(0x100000)) }
        XCTAssertThrowsError(try fa.free(0x7FE0000)) { XCTAssertEqual($0 as? FrameError, .outOfRange(0x7FE0000)) }
        try fa.free(b)
        XCTAssertThrowsError(try fa.free(b)) { XCTAssertEqual($0 as? FrameError, .doubleFree(b)) }
        XCTAssertEqual(fa.statistics.freeFrames, total - 1)
    }

    func testContiguousAlignedAndBelowLimit() throws {
        var map = try qemuMap()
        try map.reserve(base: 0, length: 0x100000)
        var fa = try make(map)
        _ = fa.allocate()                                               // 0x100000 taken
        let run = try XCTUnwrap(fa.allocate(count: 16, alignment: 0x10000))
        XCTAssertEqual(run, 0x110000)
        XCTAssertFalse(fa.isFree(run + 15 * 4096))
        XCTAssertTrue(fa.isFree(run + 16 * 4096))
        let huge = try XCTUnwrap(fa.allocate(count: 512, alignment: 0x200000))   // a 2 MiB page
        XCTAssertEqual(huge % 0x200000, 0)
        XCTAssertNil(fa.allocate(count: 4, below: 0x100000), "nothing free below 1 MiB")
        XCTAssertNil(fa.allocate(count: 0x8000))
        XCTAssertNil(fa.allocate(count: 3, alignment: 3000), "alignment must be a power of two")
        // The free run check is all-or-nothing.
        XCTAssertThrowsError(try fa.free(run, count: 17))
        XCTAssertFalse(fa.isFree(run))
        try fa.free(run, count: 16)
        XCTAssertTrue(fa.isFree(run))
        XCTAssertEqual(fa.statistics.failures, 3)
    }

    func testExhaustionAndFragmentation() throws {
        var map = MemoryMap()
        try map.addRegion(base: 0x100000, length: 256 * 4096, kind: .available)
        var fa = try make(map)
        var frames: [UInt64] = []
        while let f = fa.allocate() { frames.append(f) }
        XCTAssertEqual(frames.count, 256)
        XCTAssertEqual(Set(frames).count, 256)
        XCTAssertNil(fa.allocate())
        XCTAssertEqual(fa.statistics.freeFrames, 0)
        // Free every other frame: 128 free frames but no run of 2.
        for (i, f) in frames.enumerated() where i % 2 == 0 { try fa.free(f) }
        XCTAssertEqual(fa.statistics.freeFrames, 128)
        XCTAssertNil(fa.allocate(count: 2))
        try fa.free(frames[1])
        XCTAssertEqual(fa.allocate(count: 3), frames[0], "frames 0,1,2 now form a run")
        var again = 0
        while fa.allocate() != nil { again += 1 }
        XCTAssertEqual(again, 126)
    }

    func testRandomStressAgainstModel() throws {
        var map = MemoryMap()
        try map.addRegion(base: 0, length: 0xA0000, kind: .available)
        try map.addRegion(base: 0x100000, length: 0x400000, kind: .available)
        try map.reserve(base: 0x180000, length: 0x10000)
        var fa = try make(map)
        var rng = SplitMix(state: 42)
        var live: [(UInt64, Int)] = []
        var owned = Set<UInt64>()
        for _ in 0..<5000 {
            if rng.below(3) > 0 || live.isEmpty {
                let n = rng.below(4) == 0 ? 1 + rng.below(20) : 1
                let r = n == 1 ? fa.allocate() : fa.allocate(count: n, alignment: rng.below(2) == 0 ? 4096 : 0x8000)
                guard let a = r else { continue }
                for k in 0..<n {
                    let f = a + UInt64(k) * 4096
                    XCTAssertTrue(map.isFrameUsable(f / 4096), "allocated a reserved frame \(f)")
                    XCTAssertTrue(owned.insert(f).inserted, "frame \(f) handed out twice")
                }
                live.append((a, n))
            } else {
                let (a, n) = live.remove(at: rng.below(live.count))
                try fa.free(a, count: n)
                for k in 0..<n { owned.remove(a + UInt64(k) * 4096) }
            }
            XCTAssertEqual(fa.statistics.usedFrames, owned.count)
        }
    }

    func testStorageTooSmallIsAnError() throws {
        let map = try qemuMap()
        XCTAssertThrowsError(try FrameAllocator(map: map, storage: ArrayWordStorage(wordCount: 3)))
    }
}

final class BitmapTests: XCTestCase {
    func testRangesAndSearch() {
        var bm = Bitmap(storage: ArrayWordStorage(wordCount: 4), bitCount: 200)
        bm.setRange(0, count: 130, to: true)
        XCTAssertEqual(bm.firstClear(), 130)
        XCTAssertEqual(bm.countSet(), 130)
        XCTAssertEqual(bm.firstClearRun(count: 8, alignment: 16), 144)
        bm[150] = true
        XCTAssertEqual(bm.firstClearRun(count: 8, alignment: 16), 160)
        XCTAssertNil(bm.firstClearRun(count: 50))
        XCTAssertEqual(bm.firstClear(from: 199), 199)
        bm[199] = true
        XCTAssertEqual(bm.firstClear(from: 199), 130, "wraps around")
        XCTAssertTrue(bm[500], "out of range reads as in use")
        bm[-1] = false
        XCTAssertTrue(bm.isRangeClear(151, count: 48))
        XCTAssertFalse(bm.isRangeClear(151, count: 49))
        XCTAssertEqual(bm.lastSet(in: 0, 199), 150)
        bm.setRange(0, count: 200, to: true)
        XCTAssertNil(bm.firstClear())
    }
}

extension BitmapTests {
    /// Word-level searches agree with a bit-by-bit model on random bitmaps.
    func testSearchesAgainstNaiveModel() {
        var rng = SplitMix(state: 99)
        for _ in 0..<300 {
            let n = 1 + rng.below(300)
            var bm = Bitmap(storage: ArrayWordStorage(wordCount: Bitmap<ArrayWordStorage>.wordsNeeded(forBits: n)), bitCount: n)
            let density = rng.below(100)
            var model = [Bool](repeating: false, count: n)
            for i in 0..<n where rng.below(100) < density { model[i] = true; bm[i] = true }
            let count = 1 + rng.below(12), align = [1, 2, 4, 16, 64][rng.below(5)], from = rng.below(n)
            var naive: Int? = nil
            var st = (from + align - 1) / align * align
            while st + count <= n { if !model[st..<st + count].contains(true) { naive = st; break }; st += align }
            XCTAssertEqual(bm.firstClearRun(count: count, alignment: align, from: from), naive)
            let lo = rng.below(n), hi = lo + rng.below(n - lo + 1)
            XCTAssertEqual(bm.lastSet(in: lo, hi), (lo..<hi).last { model[$0] })
            XCTAssertEqual(bm.firstClear(in: lo, hi), (lo..<hi).first { !model[$0] })
            XCTAssertEqual(bm.countSet(), model.filter { $0 }.count)
        }
    }
}

final class KernelHeapTests: XCTestCase {
    func testSizeClassesAlignmentAndReuse() throws {
        var heap = KernelHeap(source: SimulatedPageSource(pages: 256))
        for size in [1, 16, 17, 100, 1000, 2048] {
            let p = try heap.allocate(size: size)
            let cls = max(16, 1 << (64 - UInt64(size - 1).leadingZeroBitCount))
            XCTAssertEqual(heap.usableSize(of: p), size == 1 ? 16 : cls)
            XCTAssertEqual(p % UInt64(min(cls, 2048)), 0)
            try heap.free(p)
            XCTAssertEqual(try heap.allocate(size: size), p, "freed block reused for size \(size)")
        }
        for align in [8, 16, 64, 256, 4096, 65536] {
            let p = try heap.allocate(size: 24, alignment: align)
            XCTAssertEqual(p % UInt64(align), 0, "alignment \(align)")
        }
        XCTAssertThrowsError(try heap.allocate(size: 8, alignment: 24)) { XCTAssertEqual($0 as? HeapError, .invalidAlignment(24)) }
        XCTAssertThrowsError(try heap.allocate(size: -1)) { XCTAssertEqual($0 as? HeapError, .sizeTooLarge(-1)) }
        XCTAssertEqual(heap.source.ram.wildAccesses, 0)
    }

    func testLargeBlocks() throws {
        var heap = KernelHeap(source: SimulatedPageSource(pages: 256))
        let a = try heap.allocate(size: 2049)
        let b = try heap.allocate(size: 100_000)
        XCTAssertEqual(a % 16384, 0)
        XCTAssertEqual(heap.usableSize(of: a), 4096)
        XCTAssertEqual(heap.usableSize(of: b), 25 * 4096)
        XCTAssertEqual(heap.statistics.largePages, 26)
        try heap.free(b)
        XCTAssertThrowsError(try heap.free(b)) { XCTAssertEqual($0 as? HeapError, .invalidFree(b)) }
        XCTAssertEqual(try heap.allocate(size: 90_000), b, "run reused")
        try heap.free(a)
        XCTAssertEqual(heap.statistics.largeAllocations, 1)
        XCTAssertEqual(heap.source.ram.wildAccesses, 0)
    }

    func testInvalidAndDoubleFrees() throws {
        var heap = KernelHeap(source: SimulatedPageSource(pages: 64))
        let p = try heap.allocate(size: 48)
        let q = try heap.allocate(size: 48)
        try heap.free(p)
        XCTAssertThrowsError(try heap.free(p)) { XCTAssertEqual($0 as? HeapError, .doubleFree(p)) }
        XCTAssertThrowsError(try heap.free(q + 8)) { XCTAssertEqual($0 as? HeapError, .invalidFree(q + 8)) }
        XCTAssertThrowsError(try heap.free(q + 64 * 10)) { XCTAssertEqual($0 as? HeapError, .invalidFree(q + 640)) }
        try heap.free(0)
        try heap.free(q)
        XCTAssertEqual(heap.statistics.liveAllocations, 0)
        XCTAssertEqual(heap.statistics.bytesInUse, 0)
        XCTAssertEqual(heap.source.ram.wildAccesses, 0)
    }

    func testOutOfMemoryIsAnErrorAndRecoverable() throws {
        var heap = KernelHeap(source: SimulatedPageSource(pages: 16))     // 64 KiB: 4 slabs
        var blocks: [UInt64] = []
        while true {
            do { blocks.append(try heap.allocate(size: 1024)) } catch {
                XCTAssertEqual(error, .outOfMemory); break
            }
        }
        XCTAssertEqual(blocks.count, 4 * 15, "4 slabs of 15 1-KiB objects")
        XCTAssertThrowsError(try heap.allocate(size: 20000))
        XCTAssertEqual(heap.statistics.failures, 2)
        for b in blocks { try heap.free(b) }
        XCTAssertEqual(heap.statistics.slabs, 1, "empty slabs returned to the page source, one kept")
        XCTAssertNoThrow(try heap.allocate(size: 20000), "memory is usable again")
        XCTAssertEqual(heap.source.ram.wildAccesses, 0)
    }

    func testRandomStressKeepsBlocksDisjointAndIntact() throws {
        var heap = KernelHeap(source: SimulatedPageSource(pages: 4096))   // 16 MiB
        var rng = SplitMix(state: 7)
        var live: [(addr: UInt64, size: Int, tag: UInt64)] = []
        var ooms = 0
        for step in 0..<20000 {
            if rng.below(2) == 0 || live.isEmpty || live.count < 50 {
                let size = rng.below(10) == 0 ? 2049 + rng.below(40000) : 1 + rng.below(2048)
                let align = [8, 16, 16, 32, 64, 128, 4096][rng.below(7)]
                do {
                    let a = try heap.allocate(size: size, alignment: align)
                    XCTAssertEqual(a % UInt64(align), 0)
                    XCTAssertGreaterThanOrEqual(heap.usableSize(of: a) ?? 0, size)
                    let tag = rng.next()
                    // Write the first and last word of the block; check them at free.
                    heap.source.storeWord(tag, at: a)
                    if size > 8 { heap.source.storeWord(~tag, at: (a + UInt64(size) - 1) & ~7) }
                    live.append((a, size, tag))
                } catch { ooms += 1 }
            } else {
                let (a, size, tag) = live.remove(at: rng.below(live.count))
                XCTAssertEqual(heap.source.loadWord(at: a), tag, "block \(a) overwritten (step \(step))")
                if size > 8 { XCTAssertEqual(heap.source.loadWord(at: (a + UInt64(size) - 1) & ~7), ~tag) }
                try heap.free(a)
            }
        }
        // Blocks are disjoint.
        let sorted = live.sorted { $0.addr < $1.addr }
        for (x, y) in zip(sorted, sorted.dropFirst()) { XCTAssertLessThanOrEqual(x.addr + UInt64(x.size), y.addr) }
        XCTAssertEqual(heap.statistics.liveAllocations, live.count)
        for b in live { try heap.free(b.addr) }
        XCTAssertEqual(heap.statistics.bytesInUse, 0)
        XCTAssertLessThanOrEqual(heap.statistics.slabs, 8, "at most one cached empty slab per class")
        XCTAssertEqual(heap.statistics.largePages, 0)
        XCTAssertEqual(heap.source.ram.wildAccesses, 0)
        XCTAssertEqual(ooms, 0)
    }
}
