// Layer: EmulatorCore. A stable 64-bit hash (FNV-1a) of machine state, used to prove that two
// runs of the same inputs end in the same state. Never seeded from the host.

public struct StateHash {
    public private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    public init() {}

    public mutating func add(bytes pointer: UnsafeRawPointer, count: Int) {
        var h = value
        for i in 0..<count {
            h = (h ^ UInt64(pointer.load(fromByteOffset: i, as: UInt8.self))) &* 0x0000_0100_0000_01b3
        }
        value = h
    }

    public mutating func add(_ word: UInt64) {
        var w = word
        withUnsafeBytes(of: &w) { add(bytes: $0.baseAddress!, count: 8) }
    }
}
