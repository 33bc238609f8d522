// Layer: EmulatorCore. Guest RAM: one raw host allocation, zero-filled, addressed by guest
// physical address. The CPU's TLB hands out pointers into it; everything else goes through
// read/write helpers that check bounds and never trap on guest-controlled addresses.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

public final class PhysicalMemory {
    /// Host pointer to guest physical address 0.
    public let base: UnsafeMutableRawPointer
    /// Bytes of address space; guest physical addresses 0 ..< size are RAM, except the hole.
    public let size: UInt64
    /// [holeStart, holeEnd) is not RAM (the PC's PCI window below 4 GiB when RAM continues
    /// above it): accesses there go to MMIO. Equal to `size` when there is no hole. The host
    /// pages of the hole are reserved but never touched (MAP_NORESERVE): they cost nothing.
    public let holeStart: UInt64
    public let holeEnd: UInt64

    public enum Error: Swift.Error, CustomStringConvertible {
        case badSize(UInt64)
        case cannotAllocate(UInt64)
        public var description: String {
            switch self {
            case .badSize(let s): return "guest RAM size \(s) must be a non-zero multiple of 4096 below 64 GiB"
            case .cannotAllocate(let s): return "cannot reserve \(s) bytes of host memory for guest RAM"
            }
        }
    }

    /// `hole`: a page-aligned range inside 0..<size that is not RAM (nil: all of it is RAM).
    public init(size: UInt64, hole: Range<UInt64>? = nil) throws {
        guard size > 0, size % 4096 == 0, size < (64 << 30) else { throw Error.badSize(size) }
        self.size = size
        if let h = hole, h.lowerBound % 4096 == 0, h.upperBound % 4096 == 0, h.upperBound <= size {
            holeStart = h.lowerBound; holeEnd = h.upperBound
        } else {
            holeStart = size; holeEnd = size
        }
        // Anonymous private mapping: page-aligned, and zero-filled by the host kernel on first
        // touch (uninitialised host memory never reaches the guest), so a large guest RAM costs
        // nothing until the guest uses it.
        let p = mmap(nil, Int(size), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0)
        guard let p, p != MAP_FAILED else { throw Error.cannotAllocate(size) }
        self.base = p
    }

    deinit { munmap(base, Int(size)) }

    /// True when [address, address+count) lies entirely in RAM (overflow-safe).
    @inlinable public func contains(_ address: UInt64, count: UInt64) -> Bool {
        guard address < size && count <= size - address else { return false }
        return address &+ count <= holeStart || address >= holeEnd
    }

    /// The RAM ranges, in address order (one, or two around the hole).
    public var ranges: [Range<UInt64>] {
        holeStart == holeEnd ? [0..<size] : [0..<holeStart, holeEnd..<size].filter { !$0.isEmpty }
    }

    /// Copies host bytes into guest RAM. Returns false (and copies nothing) when out of range.
    @discardableResult
    public func write(_ bytes: [UInt8], at address: UInt64) -> Bool {
        guard contains(address, count: UInt64(bytes.count)) else { return false }
        bytes.withUnsafeBytes { src in
            if let p = src.baseAddress { (base + Int(address)).copyMemory(from: p, byteCount: src.count) }
        }
        return true
    }

    /// Copies guest bytes out; nil when out of range.
    public func read(_ address: UInt64, count: Int) -> [UInt8]? {
        guard count >= 0, contains(address, count: UInt64(count)) else { return nil }
        return Array(UnsafeRawBufferPointer(start: base + Int(address), count: count))
    }
}
