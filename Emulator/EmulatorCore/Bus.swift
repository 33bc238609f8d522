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

/// A device that decides its own address: the bus asks it on every access (the local APIC's page
/// follows IA32_APIC_BASE, SDM vol. 3A 11.4.4). nil: not decoded now (the APIC is disabled or in
/// x2APIC mode), so the address reaches the fixed mappings.
public protocol RelocatableWindow: AnyObject {
    var windowBase: UInt64? { get }
}

public final class IOBus {
    struct Mapping { let start: UInt64; let length: UInt64; let name: String; let device: any BusDevice }
    /// Sorted by start; lookups are a binary search (no hash order can matter).
    private var mappings: [Mapping] = []
    /// Value read from unmapped addresses (all ones, as on a PC's floating bus).
    public var unmappedValue: UInt64 = ~0

    public init() {}

    /// A relocatable window of `length` bytes, looked at before the fixed mappings (on a CPU the
    /// local APIC page takes priority over whatever else the address would reach). One per bus.
    private var window: (place: any RelocatableWindow, length: UInt64, device: any BusDevice)?

    public func mapRelocatable(_ device: any BusDevice, placedBy place: any RelocatableWindow, length: UInt64) {
        window = (place, length, device)
    }

    /// The window's offset for `address`, if the window decodes it now.
    @inline(__always)
    private func windowOffset(_ address: UInt64) -> UInt64? {
        guard let w = window, let base = w.place.windowBase, address &- base < w.length else { return nil }
        return address &- base
    }

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
        if let o = windowOffset(address), let w = window { return w.device.read(offset: o, size: size) }
        guard let m = find(address) else {
            return size >= 8 ? unmappedValue : unmappedValue & ((1 << UInt64(size * 8)) - 1)
        }
        return m.device.read(offset: address - m.start, size: size)
    }

    public func write(_ address: UInt64, size: Int, value: UInt64) {
        if let o = windowOffset(address), let w = window { return w.device.write(offset: o, size: size, value: value) }
        guard let m = find(address) else { return }
        m.device.write(offset: address - m.start, size: size, value: value)
    }
}
