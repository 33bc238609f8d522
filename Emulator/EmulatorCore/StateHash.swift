// Layer: EmulatorCore. A stable 64-bit hash of machine state, used to prove that two runs of
// the same inputs end in the same state. Never seeded from the host. Words are mixed with a
// multiply-xorshift step (fast enough to hash all of RAM at every checkpoint in tests).

public struct StateHash: Equatable, CustomStringConvertible {
    public private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    public init() {}

    @inline(__always) public mutating func add(_ word: UInt64) {
        var h = (value ^ word) &* 0x9E37_79B9_7F4A_7C15
        h ^= h >> 29
        value = h
    }

    /// Hashes `count` bytes (any alignment), 8 at a time.
    public mutating func add(bytes pointer: UnsafeRawPointer, count: Int) {
        var i = 0
        while i + 8 <= count {
            add(pointer.loadUnaligned(fromByteOffset: i, as: UInt64.self))
            i += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while i < count {
            tail |= UInt64(pointer.load(fromByteOffset: i, as: UInt8.self)) << shift
            shift += 8
            i += 1
        }
        add(tail ^ UInt64(count))
    }

    public var description: String {
        let hex = String(value, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
