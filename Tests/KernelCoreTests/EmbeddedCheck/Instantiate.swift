// KernelCoreTests / EmbeddedCheck: not part of the host test target (excluded in Package.swift).
// Embedded Swift compiles generic code only where it is specialized, so this file uses every
// generic KernelCore API with concrete types. Compile it together with the kernel sources:
//   swiftc -enable-experimental-feature Embedded -target x86_64-unknown-none-elf -wmo -parse-as-library \
//     -Osize -module-name KernelCore -c Kernel/Memory/*.swift Kernel/Firmware/ACPI/*.swift \
//     Kernel/Support/*.swift Tests/KernelCoreTests/EmbeddedCheck/Instantiate.swift -o /tmp/kcore.o
struct RawWords: WordStorage {
    var base: UInt64; var wordCount: Int
    func word(at index: Int) -> UInt64 { UInt64(index) &+ base }
    mutating func setWord(_ value: UInt64, at index: Int) { base = value }
}
struct Mem: PhysicalMemoryReader {
    var b: [UInt8]
    func readByte(at address: UInt64) -> UInt8? { address < UInt64(b.count) ? b[Int(address)] : nil }
}
struct Pages: PageSource {
    var next: UInt64 = 0x100000
    mutating func allocatePages(count: Int, alignment: UInt64) -> UInt64? { next += UInt64(count) * 4096; return next }
    mutating func freePages(at address: UInt64, count: Int) {}
    func loadWord(at address: UInt64) -> UInt64 { address }
    mutating func storeWord(_ value: UInt64, at address: UInt64) { next = value }
}
public func check(_ bytes: [UInt8]) -> Int {
    var n = 0
    var map = MemoryMap()
    try? map.addRegion(base: 0, length: 1 << 30, kind: .available)
    try? map.reserve(base: 0, length: 1 << 20)
    if let fa0 = try? FrameAllocator(map: map, storage: RawWords(base: 0, wordCount: 4096)) {
        var fa = fa0
        if let a = fa.allocate() { try? fa.free(a); n += 1 }
        if let a = fa.allocate(count: 4, alignment: 16384, below: 1 << 32) { try? fa.free(a, count: 4) }
        fa.reserve(0x200000, count: 2); n += fa.statistics.freeFrames
    }
    var heap = KernelHeap(source: Pages())
    if let p = try? heap.allocate(size: 100, alignment: 64) { try? heap.free(p); n += heap.usableSize(of: p) ?? 0 }
    let m = Mem(b: bytes)
    if let t = try? ACPITables(memory: m) {
        if let madt = try? t.madt() { n += madt.enabledAPICIDs.count + Int(madt.gsi(forISAIRQ: 0).gsi) }
        if let f = try? t.fadt() { n += Int(f.century) + (f.resetSupported ? 1 : 0) }
        if let h = try? t.hpet() { n += h.comparatorCount }
        if let c = try? t.mcfg() { n += c.windows.count }
        if let s = try? t.sleepTypeS5() { n += Int(s.a) }
    }
    if let r = try? RSDP.parse(memory: m, address: 0) { n += Int(r.revision) }
    let cl = KernelCommandLine(bytes)
    n += cl.logLevel ?? 0
    var log = KernelLog(capacity: 4096)
    log.append(level: .info, timestamp: 1, text: bytes)
    n += log.read(from: 0).records.count
    log.forEach { n += $0.text.count }
    var rb = RingBuffer<UInt8>(capacity: 16, filler: 0)
    rb.pushOverwriting(1); n += Int(rb.pop() ?? 0)
    var bm = Bitmap(storage: ArrayWordStorage(wordCount: 4), bitCount: 200)
    bm.setRange(3, count: 70, to: true); n += bm.firstClearRun(count: 5, alignment: 4) ?? 0
    n += ACPISignature("HPET") == .hpet ? 1 : 0
    return n
}
