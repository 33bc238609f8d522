// HAL layer: physical memory, reached through the kernel's direct map (every physical byte p
// is visible at virtual 0x0000400000000000 + p; boot.S maps the first GiB with 2 MiB pages;
// lower half because Swift pointers must stay below 2^60, see Arch/x86_64/Asm/include/layout.h).
// The only way the rest of the kernel reads or writes memory by physical address.

struct PhysicalAddress: Equatable, Comparable {
    var value: UInt64
    init(_ value: UInt64) { self.value = value }
    static func < (a: PhysicalAddress, b: PhysicalAddress) -> Bool { a.value < b.value }
    func adding(_ offset: UInt64) -> PhysicalAddress { PhysicalAddress(value &+ offset) }
}

enum PhysicalMemory {
    static let directMapBase: UInt64 = 0x0000_4000_0000_0000
    /// How much physical memory the direct map covers (boot.S: 512 x 2 MiB).
    static let directMapSize: UInt64 = 1 << 30

    /// Virtual address of a physical address in the direct map, nil beyond its end.
    static func virtualAddress(of physical: PhysicalAddress, length: UInt64 = 1) -> UInt64? {
        let (end, overflow) = physical.value.addingReportingOverflow(length)
        guard !overflow, end <= directMapSize else { return nil }
        return directMapBase + physical.value
    }

    /// Physical address of a direct-map virtual address.
    static func physicalAddress(ofDirectMap virtual: UInt64) -> PhysicalAddress? {
        guard virtual >= directMapBase, virtual - directMapBase < directMapSize else { return nil }
        return PhysicalAddress(virtual - directMapBase)
    }

    static func read<T: FixedWidthInteger>(_ physical: PhysicalAddress, as type: T.Type) -> T? {
        guard let va = virtualAddress(of: physical, length: UInt64(MemoryLayout<T>.size)),
              let pointer = UnsafeRawPointer(bitPattern: UInt(va)) else { return nil }
        return pointer.loadUnaligned(as: T.self)
    }

    @discardableResult
    static func write<T: FixedWidthInteger>(_ physical: PhysicalAddress, _ value: T) -> Bool {
        guard let va = virtualAddress(of: physical, length: UInt64(MemoryLayout<T>.size)),
              let pointer = UnsafeMutableRawPointer(bitPattern: UInt(va)) else { return false }
        pointer.storeBytes(of: value, as: T.self)
        return true
    }

    /// Zeroes `length` bytes starting at a physical address (e.g. a fresh page-table frame).
    @discardableResult
    static func zero(_ physical: PhysicalAddress, length: UInt64) -> Bool {
        guard let va = virtualAddress(of: physical, length: length),
              let pointer = UnsafeMutableRawPointer(bitPattern: UInt(va)) else { return false }
        pointer.initializeMemory(as: UInt8.self, repeating: 0, count: Int(length))
        return true
    }

    /// A NUL-terminated byte string (e.g. the Multiboot command line), at most `limit` bytes.
    static func readCString(_ physical: PhysicalAddress, limit: Int = 4096) -> [UInt8] {
        var bytes: [UInt8] = []
        var offset: UInt64 = 0
        while bytes.count < limit, let byte = read(physical.adding(offset), as: UInt8.self), byte != 0 {
            bytes.append(byte)
            offset += 1
        }
        return bytes
    }
}
