// Layer: Tests (differential harness). The harness's only source of randomness: SplitMix64,
// seeded explicitly, so a (seed, family, case number) always produces the same test case.
// Never the system RNG.

public struct SplitMix64 {
    public var state: UInt64

    public init(seed: UInt64) { state = seed }

    @inline(__always) public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in 0 ..< n (n > 0); the tiny modulo bias is irrelevant for test generation.
    @inline(__always) public mutating func below(_ n: Int) -> Int {
        Int(truncatingIfNeeded: next() % UInt64(n))
    }

    /// True with probability `percent`/100.
    @inline(__always) public mutating func chance(_ percent: Int) -> Bool { below(100) < percent }

    public mutating func bool() -> Bool { next() & 1 != 0 }

    public mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }

    /// A derived generator (independent stream), e.g. one per family.
    public mutating func fork(_ salt: UInt64) -> SplitMix64 {
        SplitMix64(seed: next() ^ (salt &* 0xD6E8_FEB8_6659_FD93))
    }
}
