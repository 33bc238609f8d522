// HAL layer: memory for kernel data structures that exist before the heap (the frame
// allocator's bitmap): `WordStorage` (Support/Bitmap.swift) over a range of physical memory,
// reached through the direct map.

struct PhysicalWordStorage: WordStorage {
    let base: PhysicalAddress
    let wordCount: Int

    /// Zeroes the range first: the bitmap must not start from whatever RAM held.
    init(base: PhysicalAddress, wordCount: Int) {
        self.base = base
        self.wordCount = wordCount
        PhysicalMemory.zero(base, length: UInt64(wordCount) * 8)
    }

    func word(at index: Int) -> UInt64 {
        PhysicalMemory.read(base.adding(UInt64(index) * 8), as: UInt64.self) ?? ~0
    }

    mutating func setWord(_ value: UInt64, at index: Int) {
        PhysicalMemory.write(base.adding(UInt64(index) * 8), value)
    }
}
