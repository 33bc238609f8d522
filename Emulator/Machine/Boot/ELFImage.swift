// Layer: Machine / Boot. ELF32 and ELF64 (x86) program loading at physical addresses, for the
// Multiboot loaders: every PT_LOAD segment goes to its p_paddr, the rest of p_memsz is zeroed.
// The entry point is translated from virtual to physical when it falls inside a segment whose
// p_vaddr differs from its p_paddr (a higher-half kernel linked with AT()), as GRUB does.
// The section header table goes to the kernel too (Multiboot v1 info flag 5, Multiboot2 tag 9):
// sections with sh_addr 0 (not loaded by a segment: .symtab, .strtab, .shstrtab...) are copied
// to RAM after the image and their sh_addr set to where they went, as GRUB does.

import EmulatorCore

struct ELFSegment: Equatable {
    var paddr: UInt64, vaddr: UInt64, fileOffset: UInt64, fileSize: UInt64, memSize: UInt64
}

/// The section header table as the kernel receives it (sh_addr of unloaded sections filled in).
struct ELFSectionTable {
    var count: UInt32, entrySize: UInt32, stringTableIndex: UInt32
    var headers: [UInt8]
    /// [start, end) of the RAM the unloaded sections were copied to (empty when none).
    var placed: Range<UInt64>
}

struct ELFImage {
    var is64: Bool
    var entry: UInt64
    var segments: [ELFSegment]
    /// e_shoff, e_shentsize, e_shnum, e_shstrndx.
    var sectionHeaderOffset: UInt64 = 0, sectionHeaderSize = 0, sectionCount = 0, sectionNamesIndex = 0

    static func isELF(_ f: [UInt8]) -> Bool {
        f.count >= 4 && f[0] == 0x7F && f[1] == 0x45 && f[2] == 0x4C && f[3] == 0x46
    }

    /// Parses the headers (no loading). Machine must be EM_386 (3) or EM_X86_64 (62).
    static func parse(_ file: [UInt8]) throws(BootError) -> ELFImage {
        let f = ImageBytes(file)
        guard isELF(file), let cls = f.u8(4), let data = f.u8(5) else { throw .badImage("not an ELF file") }
        guard data == 1 else { throw .unsupported("big-endian ELF") }
        guard cls == 1 || cls == 2 else { throw .badImage("bad ELF class \(cls)") }
        let is64 = cls == 2
        guard let machine = f.u16(18) else { throw .badImage("truncated ELF header") }
        guard machine == 3 || machine == 62 else { throw .unsupported("ELF machine \(machine) is not x86") }
        let entry: UInt64?, phoff: UInt64?, phentsize: UInt16?, phnum: UInt16?
        if is64 {
            entry = f.u64(24); phoff = f.u64(32); phentsize = f.u16(54); phnum = f.u16(56)
        } else {
            entry = f.u32(24).map(UInt64.init); phoff = f.u32(28).map(UInt64.init)
            phentsize = f.u16(42); phnum = f.u16(44)
        }
        guard let entry, let phoff, let phentsize, let phnum else { throw .badImage("truncated ELF header") }
        guard phentsize >= (is64 ? 56 : 32), phnum <= 512 else {
            throw .badImage("bad program header table (entry size \(phentsize), count \(phnum))")
        }
        var segs: [ELFSegment] = []
        for i in 0..<Int(phnum) {
            let (off, of) = phoff.addingReportingOverflow(UInt64(i) * UInt64(phentsize))
            guard !of, off <= UInt64(Int.max) else { throw .badImage("program header \(i) outside the file") }
            let p = Int(off)
            guard let type = f.u32(p) else { throw .badImage("program header \(i) outside the file") }
            guard type == 1 else { continue }    // PT_LOAD
            let s: ELFSegment?
            if is64 {
                if let o = f.u64(p + 8), let v = f.u64(p + 16), let pa = f.u64(p + 24), let fs = f.u64(p + 32), let ms = f.u64(p + 40) {
                    s = ELFSegment(paddr: pa, vaddr: v, fileOffset: o, fileSize: fs, memSize: ms)
                } else { s = nil }
            } else {
                if let o = f.u32(p + 4), let v = f.u32(p + 8), let pa = f.u32(p + 12), let fs = f.u32(p + 16), let ms = f.u32(p + 20) {
                    s = ELFSegment(paddr: UInt64(pa), vaddr: UInt64(v), fileOffset: UInt64(o), fileSize: UInt64(fs), memSize: UInt64(ms))
                } else { s = nil }
            }
            guard let s else { throw .badImage("program header \(i) truncated") }
            guard s.fileSize <= s.memSize else { throw .badImage("segment \(i): file size above memory size") }
            guard f.slice(s.fileOffset, s.fileSize) != nil else { throw .badImage("segment \(i) lies outside the file") }
            if s.memSize > 0 { segs.append(s) }
        }
        guard !segs.isEmpty else { throw .badImage("no loadable segments") }
        var image = ELFImage(is64: is64, entry: entry, segments: segs)
        let shoff = is64 ? f.u64(40) : f.u32(32).map(UInt64.init)
        let sh = is64 ? 58 : 46     // e_shentsize, e_shnum, e_shstrndx follow each other
        if let shoff, let size = f.u16(sh), let num = f.u16(sh + 2), let names = f.u16(sh + 4) {
            image.sectionHeaderOffset = shoff; image.sectionHeaderSize = Int(size)
            image.sectionCount = Int(num); image.sectionNamesIndex = Int(names)
        }
        return image
    }

    /// The entry as a physical address.
    var physicalEntry: UInt64 {
        for s in segments where s.vaddr != s.paddr && entry >= s.vaddr && entry - s.vaddr < s.memSize {
            return s.paddr &+ (entry - s.vaddr)
        }
        return entry
    }

    /// The section header table, with every section that has sh_addr 0 and a size copied to RAM
    /// from `next` on (each at its sh_addralign) and its sh_addr set there. nil when the file has
    /// no section headers (e_shnum 0).
    func placeSections(_ file: [UInt8], from next: UInt64, into ram: PhysicalMemory,
                       map: GuestMemoryMap) throws(BootError) -> ELFSectionTable? {
        guard sectionCount > 0 else { return nil }
        let entry = sectionHeaderSize
        guard entry >= (is64 ? 64 : 40) else { throw .badImage("ELF section header size \(entry) too small") }
        guard var headers = ImageBytes(file).slice(sectionHeaderOffset, UInt64(sectionCount * entry)).map(Array.init) else {
            throw .badImage("ELF section header table lies outside the file")
        }
        let h = ImageBytes(headers)
        var top = next, start = next
        for i in 0..<sectionCount {
            let o = i * entry
            // Elf32_Shdr: type 4, addr 12, offset 16, size 20, addralign 32;
            // Elf64_Shdr: type 4, addr 16, offset 24, size 32, addralign 48.
            let type = h.u32(o + 4) ?? 0
            let addr = (is64 ? h.u64(o + 16) : h.u32(o + 12).map(UInt64.init)) ?? 0
            let offset = (is64 ? h.u64(o + 24) : h.u32(o + 16).map(UInt64.init)) ?? 0
            let size = (is64 ? h.u64(o + 32) : h.u32(o + 20).map(UInt64.init)) ?? 0
            let align = (is64 ? h.u64(o + 48) : h.u32(o + 32).map(UInt64.init)) ?? 0
            guard addr == 0, size > 0 else { continue }          // loaded by a segment, or empty
            guard align <= 1 << 21, align & (align &- 1) == 0 else { throw .badImage("ELF section \(i): alignment \(align)") }
            let at = align > 1 ? (top + align - 1) & ~(align - 1) : top
            guard at + size <= 1 << 32 else { throw .doesNotFit(what: "ELF section \(i) below 4 GiB", start: at, length: size) }
            try checkLoadRange(at, size, map: map, what: "ELF section \(i)")
            if type == 8 {                                         // SHT_NOBITS: no file bytes
                ram.write([UInt8](repeating: 0, count: Int(size)), at: at)
            } else {
                guard let bytes = ImageBytes(file).slice(offset, size) else { throw .badImage("ELF section \(i) lies outside the file") }
                ram.write(Array(bytes), at: at)
            }
            if start == next { start = at }
            for b in 0..<(is64 ? 8 : 4) { headers[o + (is64 ? 16 : 12) + b] = UInt8(truncatingIfNeeded: at >> UInt64(8 * b)) }
            top = at + size
        }
        return ELFSectionTable(count: UInt32(sectionCount), entrySize: UInt32(entry),
                               stringTableIndex: UInt32(sectionNamesIndex), headers: headers,
                               placed: top > next ? start..<top : next..<next)
    }

    /// Copies every segment to its physical address; each must lie in usable RAM above the loader area.
    /// Returns the end of the highest segment.
    func load(_ file: [UInt8], into ram: PhysicalMemory, map: GuestMemoryMap) throws(BootError) -> UInt64 {
        var top: UInt64 = 0
        for s in segments {
            try checkLoadRange(s.paddr, s.memSize, map: map, what: "ELF segment")
            if s.fileSize > 0 { ram.write(Array(file[Int(s.fileOffset)..<Int(s.fileOffset + s.fileSize)]), at: s.paddr) }
            if s.memSize > s.fileSize { ram.write([UInt8](repeating: 0, count: Int(s.memSize - s.fileSize)), at: s.paddr + s.fileSize) }
            top = max(top, s.paddr + s.memSize)
        }
        return top
    }
}

/// A range the loader writes must be usable RAM at or above BootLayout.lowestLoad.
func checkLoadRange(_ start: UInt64, _ length: UInt64, map: GuestMemoryMap, what: String) throws(BootError) {
    guard start >= BootLayout.lowestLoad, map.isUsableRAM(start, count: length) else {
        throw .doesNotFit(what: what, start: start, length: length)
    }
}
