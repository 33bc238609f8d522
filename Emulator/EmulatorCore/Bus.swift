// Layer: EmulatorCore. Buses: a device sees only offsets inside the range it is mapped at.
// Ports and MMIO are two IOBus instances. Fixed mappings reject overlaps with a typed error.

/// A device register window. `size` is the access width in bytes (1, 2, 4 or 8).
public protocol BusDevice: AnyObject {
    func read(offset: UInt64, size: Int) -> UInt64
    func write(offset: UInt64, size: Int, value: UInt64)
}

public enum BusError: Error, CustomStringConvertible, Equatable {
    case overlap(name: String, start: UInt64, existing: String)
    case emptyRange(name: String)
    public var description: String {
        switch self {
        case let .overlap(name, start, existing):
            return "bus mapping '\(name)' at 0x\(String(start, radix: 16)) overlaps '\(existing)'"
        case let .emptyRange(name): return "bus mapping '\(name)' has an empty range"
        }
    }
}

public final class IOBus {
    struct Mapping { let start: UInt64; let length: UInt64; let name: String; let device: any BusDevice }
    /// Sorted by start; lookups are a binary search (no hash order can matter).
    private var mappings: [Mapping] = []
    /// Value read from unmapped addresses (all ones, as on a PC's floating bus).
    public var unmappedValue: UInt64 = ~0

    public init() {}

    public func map(_ device: any BusDevice, at start: UInt64, length: UInt64, name: String) throws(BusError) {
        guard length > 0 else { throw .emptyRange(name: name) }
        for m in mappings where start < m.start &+ m.length && m.start < start &+ length {
            throw .overlap(name: name, start: start, existing: m.name)
        }
        mappings.append(Mapping(start: start, length: length, name: name, device: device))
        mappings.sort { $0.start < $1.start }
    }

    private func find(_ address: UInt64) -> Mapping? {
        var lo = 0, hi = mappings.count
        while lo < hi {
            let mid = (lo + hi) / 2
            let m = mappings[mid]
            if address < m.start { hi = mid } else if address - m.start >= m.length { lo = mid + 1 } else { return m }
        }
        return nil
    }

    public func read(_ address: UInt64, size: Int) -> UInt64 {
        guard let m = find(address) else {
            return size >= 8 ? unmappedValue : unmappedValue & ((1 << UInt64(size * 8)) - 1)
        }
        return m.device.read(offset: address - m.start, size: size)
    }

    public func write(_ address: UInt64, size: Int, value: UInt64) {
        guard let m = find(address) else { return }
        m.device.write(offset: address - m.start, size: size, value: value)
    }
}
