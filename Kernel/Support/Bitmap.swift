// Kernel / Support: a bitmap over 64-bit words kept in caller-provided storage.
//
// Platform-neutral (compiled into the kernel with Embedded Swift and into the host module
// KernelCore for `swift test`). The storage is a protocol so the frame allocator's bitmap can
// live in raw physical memory before the heap exists (the HAL implements `WordStorage` over a
// direct-mapped region) while tests and later kernel code use `ArrayWordStorage`.
//
// Public API:
//   protocol WordStorage          wordCount, word(at:), setWord(_:at:)
//   struct ArrayWordStorage       WordStorage backed by [UInt64] (needs the heap)
//   struct Bitmap<Storage>        init(storage:bitCount:), subscript(bit) -> Bool, set/clear
//                                 ranges, firstClear(from:), firstClearRun(count:alignment:from:limit:),
//                                 countSet(), isRangeClear(_:count:)
// Out-of-range bits read as set ("in use") and writes to them are ignored: never a trap.

/// Word-addressed storage for a bitmap. Index is 0..<wordCount; implementations may assume it.
public protocol WordStorage {
    var wordCount: Int { get }
    func word(at index: Int) -> UInt64
    mutating func setWord(_ value: UInt64, at index: Int)
}

/// Heap-backed storage (host tests, and kernel code that runs after the heap is up).
public struct ArrayWordStorage: WordStorage {
    public var words: [UInt64]
    public init(wordCount: Int, value: UInt64 = 0) {
        words = Array(repeating: value, count: max(0, wordCount))
    }
    public var wordCount: Int { words.count }
    public func word(at index: Int) -> UInt64 { words[index] }
    public mutating func setWord(_ value: UInt64, at index: Int) { words[index] = value }
}

public struct Bitmap<Storage: WordStorage> {
    public private(set) var storage: Storage
    /// Number of meaningful bits (never more than storage.wordCount * 64).
    public let bitCount: Int

    public init(storage: Storage, bitCount: Int) {
        self.storage = storage
        self.bitCount = max(0, min(bitCount, storage.wordCount &* 64))
    }

    /// Words needed for `bits` bits.
    public static func wordsNeeded(forBits bits: Int) -> Int { bits <= 0 ? 0 : (bits &+ 63) / 64 }

    public subscript(bit: Int) -> Bool {
        get {
            guard bit >= 0 && bit < bitCount else { return true }
            return storage.word(at: bit >> 6) & (1 << UInt64(bit & 63)) != 0
        }
        set {
            guard bit >= 0 && bit < bitCount else { return }
            let w = storage.word(at: bit >> 6)
            let m: UInt64 = 1 << UInt64(bit & 63)
            storage.setWord(newValue ? (w | m) : (w & ~m), at: bit >> 6)
        }
    }

    /// Sets (value true) or clears `count` bits from `start`, clipped to the bitmap; whole words
    /// at a time where possible.
    public mutating func setRange(_ start: Int, count: Int, to value: Bool) {
        var lo = max(0, start)
        let hi = count <= 0 ? lo : min(bitCount, start &+ count)
        while lo < hi {
            let wi = lo >> 6
            let first = lo & 63
            let n = min(64 &- first, hi &- lo)
            let mask: UInt64 = n == 64 ? ~0 : (((1 as UInt64) << UInt64(n)) &- 1) << UInt64(first)
            let w = storage.word(at: wi)
            storage.setWord(value ? (w | mask) : (w & ~mask), at: wi)
            lo &+= n
        }
    }

    /// True when every bit in start..<start+count is clear (false if any is outside the bitmap).
    public func isRangeClear(_ start: Int, count: Int) -> Bool {
        guard start >= 0, count >= 0, start <= bitCount &- count else { return false }
        var i = start
        let end = start &+ count
        while i < end {
            let wi = i >> 6
            let first = i & 63
            let n = min(64 &- first, end &- i)
            let mask: UInt64 = n == 64 ? ~0 : (((1 as UInt64) << UInt64(n)) &- 1) << UInt64(first)
            if storage.word(at: wi) & mask != 0 { return false }
            i &+= n
        }
        return true
    }

    /// First clear bit at or after `from`, wrapping around to 0 once; nil when all bits are set.
    public func firstClear(from: Int = 0) -> Int? {
        let f = (from >= 0 && from < bitCount) ? from : 0
        if let bit = firstClear(in: f, f < bitCount ? bitCount : 0) { return bit }
        return firstClear(in: 0, f)
    }

    /// First clear bit in lo..<hi, a word at a time.
    public func firstClear(in lo: Int, _ hi: Int) -> Int? {
        var i = max(0, lo)
        let end = min(hi, bitCount)
        while i < end {
            let wi = i >> 6
            let w = storage.word(at: wi) | ((((1 as UInt64) << UInt64(i & 63))) &- 1)  // ignore bits below i
            if w != ~0 {
                let bit = wi &* 64 &+ (~w).trailingZeroBitCount
                return bit < end ? bit : nil
            }
            i = (wi &+ 1) &* 64
        }
        return nil
    }

    /// Last set bit in lo..<hi, a word at a time (scanning down).
    public func lastSet(in lo: Int, _ hi: Int) -> Int? {
        let start = max(0, lo)
        var i = min(hi, bitCount)          // exclusive upper bound
        while i > start {
            let top = i &- 1
            let wi = top >> 6
            let keep = top & 63               // keep bits 0...keep
            var w = storage.word(at: wi)
            if keep < 63 { w &= ((1 as UInt64) << UInt64(keep &+ 1)) &- 1 }
            if w != 0 {
                let bit = wi &* 64 &+ 63 &- w.leadingZeroBitCount
                return bit >= start ? bit : nil
            }
            i = wi &* 64
        }
        return nil
    }

    /// First run of `count` clear bits whose start is a multiple of `alignment` (in bits), within
    /// from..<limit (limit defaults to bitCount); nil when none exists.
    public func firstClearRun(count: Int, alignment: Int = 1, from: Int = 0, limit: Int? = nil) -> Int? {
        guard count > 0, alignment > 0 else { return nil }
        let end = min(bitCount, limit ?? bitCount)
        var start = max(0, from)
        while true {
            // Skip used bits a word at a time, then align the candidate.
            guard let clear = firstClear(in: start, end) else { return nil }
            start = (clear &+ alignment &- 1) / alignment &* alignment
            guard start <= end &- count else { return nil }
            guard let blocked = lastSet(in: start, start &+ count) else { return start }
            // No run can start at or before the set bit: move past it (start strictly grows).
            start = blocked &+ 1
        }
    }

    /// Number of set bits (only bits below bitCount are counted).
    public func countSet() -> Int {
        var total = 0
        let words = Bitmap.wordsNeeded(forBits: bitCount)
        var wi = 0
        while wi < words {
            var w = storage.word(at: wi)
            let bitsHere = min(64, bitCount &- wi &* 64)
            if bitsHere < 64 { w &= ((1 as UInt64) << UInt64(bitsHere)) &- 1 }
            total &+= w.nonzeroBitCount
            wi &+= 1
        }
        return total
    }
}
