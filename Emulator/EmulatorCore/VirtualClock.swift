// Layer: EmulatorCore. Virtual time: nanoseconds derived from the retired-instruction count
// (DESIGN §2). No host clock is ever read. A halted CPU skips ahead with `skip(to:)`.
//
//   now = instructions * picosecondsPerInstruction / 1000 + skippedNanoseconds
//
// The instruction count comes from `instructionSource` (the board points it at the CPU's
// `instructionsRetired`, so a device reading the time in the middle of a run slice sees the
// exact count); without a source the clock counts the instructions given to `advance(by:)`.

public final class VirtualClock: Snapshottable {
    /// Picoseconds of virtual time per retired instruction (1000 = 1 ns = a 1 GHz machine).
    public let picosecondsPerInstruction: UInt64
    /// Where the retired-instruction count comes from; nil = the manual counter.
    public var instructionSource: (() -> UInt64)?
    /// Manual instruction counter (used when `instructionSource` is nil: tests, device benches).
    public private(set) var manualInstructions: UInt64 = 0
    /// Time added by halts fast-forwarding to the next event.
    public private(set) var skippedNanoseconds: UInt64 = 0

    /// `picosecondsPerInstruction` must be at least 1 (0 is taken as 1: time must advance).
    public init(picosecondsPerInstruction: UInt64 = 1000) {
        self.picosecondsPerInstruction = max(1, picosecondsPerInstruction)
    }

    /// The retired-instruction count the clock is derived from.
    public var instructions: UInt64 { instructionSource?() ?? manualInstructions }

    /// Virtual nanoseconds since power-on.
    public var now: UInt64 { nanoseconds(forInstructions: instructions) &+ skippedNanoseconds }

    /// Instructions -> nanoseconds, without overflow in the intermediate product.
    @inlinable public func nanoseconds(forInstructions n: UInt64) -> UInt64 {
        let p = n.multipliedFullWidth(by: picosecondsPerInstruction)
        if p.high >= 1000 { return UInt64.max }   // beyond 584 years of virtual time: saturate
        return UInt64(1000).dividingFullWidth(p).quotient
    }

    /// Counts `n` instructions on the manual counter (no effect when a source is set).
    public func advance(by n: UInt64) { manualInstructions &+= n }

    /// Fast-forwards virtual time (a halted CPU waiting for the next event). Never goes back.
    public func skip(to nanoseconds: UInt64) {
        let t = now
        if nanoseconds > t { skippedNanoseconds &+= nanoseconds - t }
    }

    /// The smallest number of further instructions after which `now >= deadline`
    /// (0 if the deadline has passed). The dispatcher uses it as its budget up to the next event.
    public func instructions(until deadline: UInt64) -> UInt64 {
        let t = now
        guard deadline > t else { return 0 }
        // Find the least k with ns(I + k) + skipped >= deadline. Start from the estimate and
        // correct for the rounding of the integer division (at most a couple of steps).
        let i = instructions
        let targetNs = deadline &- skippedNanoseconds
        let ps = targetNs.multipliedFullWidth(by: 1000)
        guard ps.high < picosecondsPerInstruction else { return UInt64.max }
        var total = picosecondsPerInstruction.dividingFullWidth(ps).quotient   // floor(target*1000/ps)
        while nanoseconds(forInstructions: total) < targetNs, total < UInt64.max { total &+= 1 }
        while total > 0, nanoseconds(forInstructions: total &- 1) >= targetNs { total &-= 1 }
        return total > i ? total - i : 1
    }

    // MARK: Snapshottable (the instruction count itself belongs to the CPU's state).
    public func save(to w: StateWriter) {
        w.section("VCLK", version: 1) {
            w.u64(picosecondsPerInstruction)
            w.u64(manualInstructions)
            w.u64(skippedNanoseconds)
        }
    }

    public func restore(from r: StateReader) throws(SnapshotError) {
        try r.section("VCLK", maxVersion: 1) { _ throws(SnapshotError) in
            let ps = try r.u64()
            guard ps == picosecondsPerInstruction else {
                throw SnapshotError.invalidValue(field: "VCLK.picosecondsPerInstruction", value: ps)
            }
            manualInstructions = try r.u64()
            skippedNanoseconds = try r.u64()
        }
    }
}
