// Kernel / Memory: the physical memory map (Multiboot mmap / e820) plus ranges the kernel must
// never hand out (its own image, Multiboot modules such as the initramfs, the boot info, low
// memory, the frame bitmap itself).
//
// Fixed capacity (InlineArray, no heap): it is built before the heap exists.
//
// Public API:
//   let pageSize: UInt64 = 4096
//   enum MemoryRegionKind         available(1) reserved(2) acpiReclaimable(3) acpiNVS(4) bad(5),
//                                 init(multibootType:) maps any other type to .reserved
//   struct MemoryRegion           base, length, kind, end (saturating)
//   enum MemoryMapError           full, emptyRange
//   struct MemoryMap              init(), addRegion(base:length:kind:), reserve(base:length:),
//                                 regionCount/region(at:), reservedCount/reserved(at:),
//                                 isFrameUsable(_ frame:), highestUsableEnd, usableFrameCount,
//                                 findFree(bytes:alignment:minimumAddress:) -> UInt64?
// Rules: a frame (4 KiB page) is usable iff it lies entirely inside an `available` region and
// overlaps no other region (firmware maps may overlap; non-available wins) and no reserved range.

public let pageSize: UInt64 = 4096

public enum MemoryRegionKind: UInt8 {
    case available = 1, reserved = 2, acpiReclaimable = 3, acpiNVS = 4, bad = 5

    /// Multiboot v1 `type` field (same values as e820); unknown types are treated as reserved.
    public init(multibootType: UInt32) {
        self = MemoryRegionKind(rawValue: UInt8(truncatingIfNeeded: multibootType)) ?? .reserved
        if multibootType > 5 { self = .reserved }
    }
}

public struct MemoryRegion: Equatable {
    public var base: UInt64
    public var length: UInt64
    public var kind: MemoryRegionKind
    public init(base: UInt64, length: UInt64, kind: MemoryRegionKind) {
        self.base = base; self.length = length; self.kind = kind
    }
    /// One past the last byte, saturating at UInt64.max (a firmware range may end at 2^64).
    public var end: UInt64 { let (e, o) = base.addingReportingOverflow(length); return o ? UInt64.max : e }
}

public enum MemoryMapError: Error, Equatable {
    case full
    case emptyRange
}

public struct MemoryMap {
    public static let regionCapacity = 64
    public static let reservedCapacity = 32

    private var regions: InlineArray<64, MemoryRegion> = InlineArray(repeating: MemoryRegion(base: 0, length: 0, kind: .reserved))
    private var reservedRanges: InlineArray<32, MemoryRegion> = InlineArray(repeating: MemoryRegion(base: 0, length: 0, kind: .reserved))
    public private(set) var regionCount = 0
    public private(set) var reservedCount = 0

    public init() {}

    /// Adds a firmware region (one Multiboot mmap entry). Zero-length entries are ignored.
    public mutating func addRegion(base: UInt64, length: UInt64, kind: MemoryRegionKind) throws(MemoryMapError) {
        guard length > 0 else { return }
        guard regionCount < MemoryMap.regionCapacity else { throw .full }
        regions[regionCount] = MemoryRegion(base: base, length: length, kind: kind)
        regionCount += 1
    }

    /// Marks base..<base+length as never allocatable (rounded outward to whole frames).
    public mutating func reserve(base: UInt64, length: UInt64) throws(MemoryMapError) {
        guard length > 0 else { throw .emptyRange }
        guard reservedCount < MemoryMap.reservedCapacity else { throw .full }
        reservedRanges[reservedCount] = MemoryRegion(base: base, length: length, kind: .reserved)
        reservedCount += 1
    }

    public func region(at i: Int) -> MemoryRegion? { i >= 0 && i < regionCount ? regions[i] : nil }
    public func reserved(at i: Int) -> MemoryRegion? { i >= 0 && i < reservedCount ? reservedRanges[i] : nil }

    /// End of the highest usable frame (0 when none): the allocator's bitmap covers 0..<this.
    public var highestUsableEnd: UInt64 {
        var top: UInt64 = 0
        var i = 0
        while i < regionCount {
            let r = regions[i]
            if r.kind == .available {
                let end = r.end & ~(pageSize - 1)
                if end > top && end > MemoryMap.alignUp(r.base) { top = end }
            }
            i += 1
        }
        return top
    }

    /// True when frame number `frame` (address / 4096) may be handed out.
    public func isFrameUsable(_ frame: UInt64) -> Bool {
        guard frame < UInt64.max / pageSize else { return false }
        let lo = frame * pageSize, hi = lo + pageSize
        var inside = false
        var i = 0
        while i < regionCount {
            let r = regions[i]
            if r.kind == .available {
                if r.base <= lo && r.end >= hi { inside = true }
            } else if MemoryMap.overlaps(r, lo, hi) {
                return false
            }
            i += 1
        }
        guard inside else { return false }
        i = 0
        while i < reservedCount {
            if MemoryMap.overlaps(reservedRanges[i], lo, hi) { return false }
            i += 1
        }
        return true
    }

    /// Number of usable frames (walks every frame below highestUsableEnd: boot-time use only).
    public var usableFrameCount: Int {
        var n = 0
        var f: UInt64 = 0
        let top = highestUsableEnd / pageSize
        while f < top { if isFrameUsable(f) { n += 1 }; f += 1 }
        return n
    }

    /// Lowest address >= minimumAddress, aligned to `alignment` (a power of two >= 4096), where
    /// `bytes` of usable frames lie contiguously: used to place the frame bitmap before any
    /// allocator exists. The caller then reserves the range.
    public func findFree(bytes: UInt64, alignment: UInt64 = pageSize, minimumAddress: UInt64 = 0x100000) -> UInt64? {
        guard bytes > 0, alignment >= pageSize, alignment & (alignment - 1) == 0 else { return nil }
        let frames = (bytes + pageSize - 1) / pageSize
        let step = alignment / pageSize
        let top = highestUsableEnd / pageSize
        guard minimumAddress < highestUsableEnd, alignment <= highestUsableEnd else { return nil }   // no overflow below
        var f = ((minimumAddress + alignment - 1) & ~(alignment - 1)) / pageSize
        while f + frames <= top {
            var k: UInt64 = 0
            while k < frames && isFrameUsable(f + k) { k += 1 }
            if k == frames { return f * pageSize }
            f = (f + k + step) / step * step      // past the unusable frame, realigned
        }
        return nil
    }

    static func overlaps(_ r: MemoryRegion, _ lo: UInt64, _ hi: UInt64) -> Bool {
        r.length > 0 && r.base < hi && r.end > lo
    }

    static func alignUp(_ v: UInt64) -> UInt64 {
        let (s, o) = v.addingReportingOverflow(pageSize - 1)
        return o ? UInt64.max & ~(pageSize - 1) : s & ~(pageSize - 1)
    }
}
