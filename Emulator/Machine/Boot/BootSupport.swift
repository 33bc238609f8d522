// Layer: Machine / Boot. What every boot loader shares: typed errors for bad images, safe
// little-endian reads of the image (never a trap on a short or hostile file), the low-memory
// layout the loaders use for their own structures, a bump allocator that writes them into guest
// RAM, and `EntryState`, the CPU state a loader hands to the guest (applied by Machine.enter).

import EmulatorCore
import X86

public enum BootError: Error, Equatable, CustomStringConvertible {
    case unrecognizedImage
    case badImage(String)
    case unsupported(String)
    /// A part of the image (or a module) does not fit in usable guest RAM.
    case doesNotFit(what: String, start: UInt64, length: UInt64)
    /// The loader's own structures (info, command line, tables) ran out of room.
    case bootDataTooLarge(String)
    /// The board has no memory map (the loaders need `Machine(board:)`).
    case noMemoryMap

    public var description: String {
        switch self {
        case .unrecognizedImage:
            return "not a bootable image: no Multiboot v1/v2 header, not a Linux bzImage, not an ELF64 executable"
        case .badImage(let s): return "bad kernel image: \(s)"
        case .unsupported(let s): return "unsupported kernel image: \(s)"
        case let .doesNotFit(what, start, length):
            return "\(what) (0x\(String(start, radix: 16)), \(length) bytes) does not fit in usable guest RAM (try a larger --memory)"
        case .bootDataTooLarge(let s): return "boot data too large: \(s)"
        case .noMemoryMap: return "the machine has no PC memory map (use Machine(board:))"
        }
    }
}

/// Bounds-checked little-endian reads of a file image: nil past the end.
struct ImageBytes {
    let b: [UInt8]
    init(_ b: [UInt8]) { self.b = b }
    var count: Int { b.count }
    func u8(_ o: Int) -> UInt8? { o >= 0 && o < b.count ? b[o] : nil }
    func u16(_ o: Int) -> UInt16? {
        guard o >= 0, o <= b.count - 2 else { return nil }
        return UInt16(b[o]) | UInt16(b[o + 1]) << 8
    }
    func u32(_ o: Int) -> UInt32? {
        guard let lo = u16(o), let hi = u16(o + 2) else { return nil }
        return UInt32(lo) | UInt32(hi) << 16
    }
    func u64(_ o: Int) -> UInt64? {
        guard let lo = u32(o), let hi = u32(o + 4) else { return nil }
        return UInt64(lo) | UInt64(hi) << 32
    }
    /// Bytes [offset, offset+count), nil when out of range (64-bit inputs, overflow-safe).
    func slice(_ offset: UInt64, _ count: UInt64) -> ArraySlice<UInt8>? {
        guard offset <= UInt64(b.count), count <= UInt64(b.count) - offset else { return nil }
        return b[Int(offset)..<Int(offset + count)]
    }
}

/// Fixed low-memory addresses used by the loaders (all in the first 640 KiB of RAM, which the
/// e820 table reports usable: a kernel reclaims it once it has read its boot information).
public enum BootLayout {
    /// A flat GDT (BootTables.writeGDT): 0x10 code at entry, 0x18 data (Linux's __BOOT_CS and
    /// __BOOT_DS; Multiboot leaves the values to the loader).
    public static let gdt: UInt64 = 0x800
    /// Identity page tables for the 64-bit entry: PML4, PDPT, 4 page directories (2 MiB pages, 4 GiB).
    public static let pageTables: UInt64 = 0x1000
    /// Linux boot_params ("zero page").
    public static let zeroPage: UInt64 = 0x7000
    /// Bump area for Multiboot info structures, memory maps and strings.
    public static let dataStart: UInt64 = 0x8000
    public static let dataEnd: UInt64 = 0x9_F000
    /// Kernels and modules must load at or above this address (everything below is the loader's:
    /// GDT, page tables, zero page). Multiboot kernels may load into the data area (kvm-unit-tests'
    /// realmode test is linked at 0x8000); the loader then puts its structures after the kernel.
    public static let lowestLoad: UInt64 = dataStart

    public static let codeSelector: UInt16 = 0x10
    public static let dataSelector: UInt16 = 0x18
}

/// The CPU state a loader asks for at entry. `Machine.enter` applies it.
public struct EntryState: Equatable {
    public enum Mode: Equatable { case protected32, long64 }
    public var mode: Mode
    public var rip: UInt64
    public var rax: UInt64 = 0
    public var rbx: UInt64 = 0
    public var rsi: UInt64 = 0
    public var rsp: UInt64 = 0
    public var cr0: UInt64
    public var cr3: UInt64 = 0
    public var cr4: UInt64 = 0
    public var efer: UInt64 = 0
    public var codeSelector: UInt16
    public var dataSelector: UInt16 = BootLayout.dataSelector
    public var gdtBase: UInt64 = BootLayout.gdt
    public var gdtLimit: UInt16 = 0x1F

    /// 32-bit protected mode, paging off, flat 4 GiB segments, interrupts off (Multiboot, Linux 32-bit).
    public static func protected32(entry: UInt64) -> EntryState {
        EntryState(mode: .protected32, rip: entry, cr0: 0x11, codeSelector: BootLayout.codeSelector)
    }
    /// 64-bit long mode with identity paging (Linux 64-bit boot protocol).
    public static func long64(entry: UInt64) -> EntryState {
        EntryState(mode: .long64, rip: entry, cr0: 0x8000_0011, cr3: BootLayout.pageTables,
                   cr4: 0x20, efer: 0x500, codeSelector: BootLayout.codeSelector)
    }
}

/// Writes boot structures into guest RAM from a bump pointer, with typed errors.
struct BootDataWriter {
    let ram: PhysicalMemory
    var next: UInt64 = BootLayout.dataStart
    let end: UInt64 = BootLayout.dataEnd

    init(ram: PhysicalMemory) { self.ram = ram }

    mutating func allocate(_ count: Int, align: UInt64 = 8, what: String) throws(BootError) -> UInt64 {
        let a = (next + align - 1) & ~(align - 1)
        guard a <= end, UInt64(count) <= end - a, ram.contains(a, count: UInt64(count)) else {
            throw .bootDataTooLarge(what)
        }
        next = a + UInt64(count)
        return a
    }

    mutating func put(_ bytes: [UInt8], align: UInt64 = 8, what: String) throws(BootError) -> UInt64 {
        let a = try allocate(bytes.count, align: align, what: what)
        ram.write(bytes, at: a)
        return a
    }

    /// A NUL-terminated string.
    mutating func string(_ s: String, what: String) throws(BootError) -> UInt64 {
        try put(Array(s.utf8) + [0], align: 1, what: what)
    }
}

/// Little-endian byte building for boot structures.
struct LEBytes {
    var bytes: [UInt8] = []
    init() {}
    init(count: Int) { bytes = [UInt8](repeating: 0, count: count) }
    mutating func u8(_ v: UInt8) { bytes.append(v) }
    mutating func u16(_ v: UInt16) { for i in 0..<2 { bytes.append(UInt8(truncatingIfNeeded: v >> UInt16(8 * i))) } }
    mutating func u32(_ v: UInt32) { for i in 0..<4 { bytes.append(UInt8(truncatingIfNeeded: v >> UInt32(8 * i))) } }
    mutating func u64(_ v: UInt64) { for i in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: v >> UInt64(8 * i))) } }
    mutating func align(_ n: Int) { while bytes.count % n != 0 { bytes.append(0) } }
    mutating func set8(_ o: Int, _ v: UInt8) { bytes[o] = v }
    mutating func set16(_ o: Int, _ v: UInt16) { for i in 0..<2 { bytes[o + i] = UInt8(truncatingIfNeeded: v >> UInt16(8 * i)) } }
    mutating func set32(_ o: Int, _ v: UInt32) { for i in 0..<4 { bytes[o + i] = UInt8(truncatingIfNeeded: v >> UInt32(8 * i)) } }
    mutating func set64(_ o: Int, _ v: UInt64) { for i in 0..<8 { bytes[o + i] = UInt8(truncatingIfNeeded: v >> UInt64(8 * i)) } }
}

enum BootTables {
    /// Flat GDT: base 0, limit 4 GiB (G=1) descriptors. Slot 0x10 is the code segment used at
    /// entry (__BOOT_CS of the Linux protocol): 32-bit (D=1) or, for a 64-bit entry, 64-bit (L=1);
    /// slot 0x08 holds the other kind; 0x18 is read/write data (__BOOT_DS).
    static func writeGDT(_ ram: PhysicalMemory, entryIn64BitMode: Bool = false) {
        let code32: UInt64 = 0x00CF_9A00_0000_FFFF, code64: UInt64 = 0x00AF_9A00_0000_FFFF
        var b = LEBytes()
        b.u64(0)
        b.u64(entryIn64BitMode ? code32 : code64)   // 0x08
        b.u64(entryIn64BitMode ? code64 : code32)   // 0x10: __BOOT_CS
        b.u64(0x00CF_9200_0000_FFFF)                // 0x18: __BOOT_DS
        ram.write(b.bytes, at: BootLayout.gdt)
    }

    /// Identity map of the first 4 GiB with 2 MiB pages (present, writable).
    static func writeIdentityPageTables(_ ram: PhysicalMemory) {
        let pml4 = BootLayout.pageTables, pdpt = pml4 + 0x1000, pd = pml4 + 0x2000
        var t = LEBytes(count: 0x6000)
        t.set64(0, pdpt | 0x3)
        for i in 0..<4 { t.set64(0x1000 + 8 * i, (pd + UInt64(i) * 0x1000) | 0x3) }
        for i in 0..<2048 { t.set64(0x2000 + 8 * i, UInt64(i) << 21 | 0x83) }   // PS | RW | P
        ram.write(t.bytes, at: pml4)
    }

    /// Multiboot-style memory map entries from the board's e820 table.
    static func e820(_ map: GuestMemoryMap) -> [E820Entry] { map.e820 }
}

extension Machine {
    /// Puts the CPU in the state a loader asked for (the fields CPUState has today).
    public func enter(_ e: EntryState) {
        let s = cpu.state
        s.pointee.mode = e.mode == .protected32 ? .protected32 : .long64
        s.pointee.cr0 = e.cr0
        s.pointee.cr3 = e.cr3
        s.pointee.cr4 = e.cr4
        s.pointee.efer = e.efer
        s.pointee.cpl = 0
        s.pointee.rflags = 0x2                    // IF = 0: interrupts off
        for i in 0..<8 { s.pointee.segmentBase[i] = 0 }
        let d = e.dataSelector
        s.pointee.segmentSelector = (d, e.codeSelector, d, d, d, d)
        // Descriptor caches as if the selectors were loaded from the flat GDT the loader wrote:
        // base 0, limit 4 GiB; attributes = access byte | flags nibble << 8 (G, D/B, L).
        s.pointee.system.gdtBase = e.gdtBase
        s.pointee.system.gdtLimit = e.gdtLimit
        let code: UInt16 = e.mode == .long64 ? 0x29B : 0xC9B     // 64-bit (L) or 32-bit (D, G) code
        let data: UInt16 = 0xC93                                  // read/write data, D/B, G
        s.pointee.system.segmentAttributes = (data, code, data, data, data, data)
        s.pointee.system.segmentLimit = (0xFFFF_FFFF, 0xFFFF_FFFF, 0xFFFF_FFFF, 0xFFFF_FFFF, 0xFFFF_FFFF, 0xFFFF_FFFF)
        s.pointee.regs[Reg.rax] = e.rax
        s.pointee.regs[Reg.rbx] = e.rbx
        s.pointee.regs[Reg.rsi] = e.rsi
        s.pointee.regs[Reg.rsp] = e.rsp
        s.pointee.rip = e.rip
        s.pointee.halted = false
        cpu.invalidateDecodedCode()
    }
}
