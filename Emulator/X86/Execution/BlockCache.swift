// Layer: X86 (CPU model), execution. Decoded blocks: straight-line runs of decoded instructions
// in one flat unsafe buffer (the arena), found through a direct-mapped directory keyed by the
// guest physical address of the block's first byte. Derived state only: never saved in a
// snapshot, rebuilt on demand, so it can never make two runs differ.
//
// A block is valid while the pages it was decoded from keep the generation they had
// (writes to a code page bump it: see MMU/TLB.swift) and the CPU mode is unchanged.

public struct BlockRecord {
    /// Physical address of the first instruction; `~0` when the slot is empty.
    var physical: UInt64 = ~0
    /// Virtual RIP the block was decoded at (absolute branch targets depend on it).
    var virtualRIP: UInt64 = 0
    var start: Int32 = 0
    var count: Int32 = 0
    var mode: CPUMode = .long64
    /// Physical page numbers the block's bytes came from, with their generations.
    var page0: UInt32 = 0
    var generation0: UInt32 = 0
    /// Second page when the last instruction crosses a page boundary (else == page0).
    var page1: UInt32 = 0
    var generation1: UInt32 = 0
}

public final class BlockCache {
    public static let directorySlots = 1 << 16
    public static let arenaCapacity = 1 << 18
    public static let maxBlockInstructions = 64

    let directory: UnsafeMutablePointer<BlockRecord>
    let arena: UnsafeMutablePointer<DecodedInstruction>
    var arenaUsed = 0
    /// Statistics (host-side only; never guest-visible).
    public internal(set) var blocksBuilt = 0
    public private(set) var flushes = 0

    init() {
        directory = .allocate(capacity: Self.directorySlots)
        directory.initialize(repeating: BlockRecord(), count: Self.directorySlots)
        arena = .allocate(capacity: Self.arenaCapacity)
        // The arena is written before it is read (a block's entries are decoded before use).
    }

    deinit {
        directory.deallocate()
        arena.deallocate()
    }

    @inline(__always) static func slot(_ physical: UInt64) -> Int {
        Int(truncatingIfNeeded: (physical ^ (physical >> 16)) & UInt64(directorySlots - 1))
    }

    /// Drops every block (arena full, or a global change such as a mode switch).
    public func flush() {
        directory.update(repeating: BlockRecord(), count: Self.directorySlots)
        arenaUsed = 0
        flushes += 1
    }
}
