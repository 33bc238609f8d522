// KernelCoreTests: host doubles for the HAL protocols KernelCore uses (simulated physical memory
// for ACPI, simulated RAM as a heap page source) and the fixture loader.

import Foundation
@testable import KernelCore

/// Physical memory made of byte regions; everything else is unreadable (nil).
struct SparseMemory: PhysicalMemoryReader {
    var regions: [(base: UInt64, bytes: [UInt8])] = []
    mutating func place(_ bytes: [UInt8], at base: UInt64) { regions.append((base, bytes)) }
    func readByte(at address: UInt64) -> UInt8? {
        for r in regions where address >= r.base && address - r.base < UInt64(r.bytes.count) {
            return r.bytes[Int(address - r.base)]
        }
        return nil
    }
    /// Overwrites one byte (for corruption tests).
    mutating func poke(_ address: UInt64, _ value: UInt8) {
        for i in regions.indices where address >= regions[i].base && address - regions[i].base < UInt64(regions[i].bytes.count) {
            regions[i].bytes[Int(address - regions[i].base)] = value
        }
    }
}

enum Fixture {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    static func bytes(_ name: String) -> [UInt8] {
        guard let d = try? Data(contentsOf: directory.appendingPathComponent(name)) else { return [] }
        return [UInt8](d)
    }

    /// QEMU 7.2 + SeaBIOS tables as they sit in guest memory (captured with the monitor's
    /// pmemsave): `-machine pc -smp 2` and `-machine q35 -smp 4`, both with -m 128M.
    /// The RSDP is placed at its original address inside an otherwise zero BIOS area.
    static func qemu(_ machine: String) -> SparseMemory {
        var m = SparseMemory()
        let rsdpAt: UInt64 = machine == "pc" ? 0xF59D0 : 0xF59E0
        var bios = [UInt8](repeating: 0, count: 0x20000)
        let rsdp = bytes("qemu-\(machine)-rsdp.bin")
        bios.replaceSubrange(Int(rsdpAt - 0xE0000)..<Int(rsdpAt - 0xE0000) + rsdp.count, with: rsdp)
        m.place(bios, at: 0xE0000)
        m.place([UInt8](repeating: 0, count: 0x500), at: 0)          // BDA: EBDA segment 0
        m.place(bytes("qemu-\(machine)-tables.bin"), at: 0x7FE_0000)
        return m
    }
}

/// Byte-building helpers for hand-made tables.
struct TableBuilder {
    var bytes: [UInt8]
    init(signature: String, revision: UInt8 = 1, length: Int = 36) {
        bytes = [UInt8](repeating: 0, count: length)
        let s = Array(signature.utf8)
        for i in 0..<4 { bytes[i] = s[i] }
        bytes[8] = revision
        for (i, c) in "ORRERY".utf8.enumerated() { bytes[10 + i] = c }
    }
    mutating func append(_ b: [UInt8]) { bytes += b }
    mutating func put32(_ v: UInt32, at o: Int) { for i in 0..<4 { bytes[o + i] = UInt8(truncatingIfNeeded: v >> (8 * UInt32(i))) } }
    mutating func put64(_ v: UInt64, at o: Int) { for i in 0..<8 { bytes[o + i] = UInt8(truncatingIfNeeded: v >> (8 * UInt64(i))) } }
    /// Fixes length and checksum; returns the bytes.
    func finished() -> [UInt8] {
        var b = bytes
        let n = UInt32(b.count)
        for i in 0..<4 { b[4 + i] = UInt8(truncatingIfNeeded: n >> (8 * UInt32(i))) }
        b[9] = 0
        b[9] = 0 &- b.reduce(0, &+)
        return b
    }
}

func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * UInt32($0))) } }
func le64(_ v: UInt64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: v >> (8 * UInt64($0))) } }

/// Simulated RAM at `base` as a heap page source: pages come from a real FrameAllocator, memory is
/// a word array, and any access outside pages currently handed out is counted as a wild access.
final class SimulatedRAM {
    let base: UInt64
    var words: [UInt64]
    var owned: [Bool]              // per page: handed out by the source
    var wildAccesses = 0
    init(base: UInt64, pages: Int) {
        self.base = base
        words = [UInt64](repeating: 0xDEAD_BEEF_DEAD_BEEF, count: pages * 512)
        owned = [Bool](repeating: false, count: pages)
    }
    func index(_ address: UInt64) -> Int? {
        guard address >= base, address & 7 == 0 else { return nil }
        let i = Int((address - base) / 8)
        guard i < words.count, owned[i / 512] else { return nil }
        return i
    }
}

struct SimulatedPageSource: PageSource {
    let ram: SimulatedRAM
    var frames: FrameAllocator<ArrayWordStorage>
    init(pages: Int, base: UInt64 = 0x100_0000) {
        ram = SimulatedRAM(base: base, pages: pages)
        var map = MemoryMap()
        try! map.addRegion(base: base, length: UInt64(pages) * pageSize, kind: .available)
        frames = try! FrameAllocator(map: map, storage: ArrayWordStorage(wordCount: FrameAllocator<ArrayWordStorage>.storageWords(for: map)))
    }
    mutating func allocatePages(count: Int, alignment: UInt64) -> UInt64? {
        guard let a = frames.allocate(count: count, alignment: alignment) else { return nil }
        for p in 0..<count { ram.owned[Int((a - ram.base) / pageSize) + p] = true }
        return a
    }
    mutating func freePages(at address: UInt64, count: Int) {
        for p in 0..<count { ram.owned[Int((address - ram.base) / pageSize) + p] = false }
        do { try frames.free(address, count: count) } catch { ram.wildAccesses += 1000 }
    }
    func loadWord(at address: UInt64) -> UInt64 {
        guard let i = ram.index(address) else { ram.wildAccesses += 1; return 0 }
        return ram.words[i]
    }
    mutating func storeWord(_ value: UInt64, at address: UInt64) {
        guard let i = ram.index(address) else { ram.wildAccesses += 1; return }
        ram.words[i] = value
    }
}

/// Deterministic PRNG for stress tests.
struct SplitMix {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
}
