// Layer: Machine / Boot. Multiboot v1 (Multiboot Specification 0.6.96):
//  - header: magic 0x1BADB002, flags, checksum (the three sum to 0 mod 2^32), 4-byte aligned in
//    the first 8 KiB of the image. Flags bits 0-15 are requirements: bit 0 page-align modules,
//    bit 1 memory information, bit 2 video mode (we have no VBE: ignored, as QEMU does); any
//    other requirement bit fails the boot. Bit 16: the header's address fields are valid (the
//    "a.out kludge"), so the image is loaded from them instead of from its ELF headers.
//  - load: a.out kludge (header_addr, load_addr, load_end_addr, bss_end_addr, entry_addr) or ELF32/
//    ELF64 program headers; modules page-aligned after the kernel.
//  - info structure (flags: mem 0, cmdline 2, mods 3, ELF section headers 5 (ELF images with
//    sections; unloaded ones copied after the image, see ELFImage), mmap 6, boot loader name 9)
//    and entry in 32-bit protected mode with EAX = 0x2BADB002, EBX = info, paging and
//    interrupts off.

import EmulatorCore

/// A module (Multiboot) or initrd (Linux): bytes and a string (Multiboot: the module's command line).
public struct BootModule {
    public var data: [UInt8]
    public var string: String
    public init(data: [UInt8], string: String) { self.data = data; self.string = string }
}

/// What a loader did (for reports and tests).
public struct BootResult: Equatable {
    public var protocolName: String
    public var entry: EntryState
    /// Kernel image range in guest RAM.
    public var kernelStart: UInt64
    public var kernelEnd: UInt64
    /// [start, end) of each module / the initrd.
    public var modules: [Range<UInt64>] = []
    /// Multiboot info / Linux boot_params address.
    public var infoAddress: UInt64 = 0
}

public enum Multiboot1 {
    public static let headerMagic: UInt32 = 0x1BAD_B002
    public static let bootMagic: UInt32 = 0x2BAD_B002
    public static let searchLimit = 8192
    public static let loaderName = "Orrery"

    public struct Header: Equatable {
        public var offset: Int
        public var flags: UInt32
        public var headerAddr: UInt32 = 0, loadAddr: UInt32 = 0, loadEndAddr: UInt32 = 0
        public var bssEndAddr: UInt32 = 0, entryAddr: UInt32 = 0
        public var hasAddresses: Bool { flags & (1 << 16) != 0 }
    }

    /// Finds a valid header (magic and checksum) in the first 8 KiB.
    public static func findHeader(_ file: [UInt8]) -> Header? {
        let f = ImageBytes(file)
        var o = 0
        while o + 12 <= min(file.count, searchLimit) {
            if f.u32(o) == headerMagic, let flags = f.u32(o + 4), let sum = f.u32(o + 8),
               headerMagic &+ flags &+ sum == 0 {
                var h = Header(offset: o, flags: flags)
                if h.hasAddresses {
                    guard let a = f.u32(o + 12), let l = f.u32(o + 16), let le = f.u32(o + 20),
                          let b = f.u32(o + 24), let e = f.u32(o + 28) else { return h }
                    h.headerAddr = a; h.loadAddr = l; h.loadEndAddr = le; h.bssEndAddr = b; h.entryAddr = e
                }
                return h
            }
            o += 4
        }
        return nil
    }

    public static func load(_ file: [UInt8], commandLine: String, modules: [BootModule],
                            into machine: Machine) throws(BootError) -> BootResult {
        guard let map = machine.memoryMap else { throw .noMemoryMap }
        guard let h = findHeader(file) else { throw .badImage("no Multiboot v1 header in the first 8 KiB") }
        let unknown = h.flags & 0xFFFF & ~0x7
        guard unknown == 0 else { throw .unsupported("Multiboot header requires features 0x\(String(unknown, radix: 16))") }
        let ram = machine.ram

        var kernelStart: UInt64, kernelEnd: UInt64, entry: UInt64
        var sections: ELFSectionTable? = nil
        if h.hasAddresses {
            // a.out kludge: the file offset of load_addr is header offset - (header_addr - load_addr).
            guard h.headerAddr >= h.loadAddr, UInt64(h.headerAddr - h.loadAddr) <= UInt64(h.offset) else {
                throw .badImage("Multiboot header_addr 0x\(String(h.headerAddr, radix: 16)) below load_addr 0x\(String(h.loadAddr, radix: 16)) or before the file start")
            }
            let fileOffset = UInt64(h.offset) - UInt64(h.headerAddr - h.loadAddr)
            let loadEnd = h.loadEndAddr == 0 ? UInt64(h.loadAddr) + (UInt64(file.count) - fileOffset) : UInt64(h.loadEndAddr)
            guard loadEnd >= UInt64(h.loadAddr) else { throw .badImage("Multiboot load_end_addr below load_addr") }
            let size = loadEnd - UInt64(h.loadAddr)
            guard let bytes = ImageBytes(file).slice(fileOffset, size) else {
                throw .badImage("Multiboot load range (\(size) bytes from file offset \(fileOffset)) runs past the end of the file (\(file.count) bytes)")
            }
            let bssEnd = h.bssEndAddr == 0 ? loadEnd : UInt64(h.bssEndAddr)
            guard bssEnd >= loadEnd else { throw .badImage("Multiboot bss_end_addr below load_end_addr") }
            kernelStart = UInt64(h.loadAddr)
            kernelEnd = bssEnd
            try checkLoadRange(kernelStart, kernelEnd - kernelStart, map: map, what: "Multiboot kernel")
            ram.write(Array(bytes), at: kernelStart)
            if bssEnd > loadEnd { ram.write([UInt8](repeating: 0, count: Int(bssEnd - loadEnd)), at: loadEnd) }
            entry = UInt64(h.entryAddr)
        } else {
            let elf = try ELFImage.parse(file)
            kernelEnd = try elf.load(file, into: ram, map: map)
            kernelStart = elf.segments.map { $0.paddr }.min() ?? 0
            entry = elf.physicalEntry
            sections = try elf.placeSections(file, from: kernelEnd, into: ram, map: map)
        }
        // Everything the loader put in RAM for the kernel: its image, then its copied sections.
        let imageEnd = max(kernelEnd, sections?.placed.upperBound ?? 0)
        guard entry < 1 << 32 else { throw .badImage("Multiboot entry 0x\(String(entry, radix: 16)) is above 4 GiB") }

        // Modules, page-aligned after the kernel (flag bit 0 asks for it; we always do it).
        var w = BootDataWriter(ram: ram)
        // A kernel loaded into the boot data area: the info structures go after it.
        if kernelStart < BootLayout.dataEnd && imageEnd > w.next { w.next = (imageEnd + 0xF) & ~0xF }
        var next = (imageEnd + 0xFFF) & ~0xFFF
        var mods = LEBytes()
        var ranges: [Range<UInt64>] = []
        for (i, m) in modules.enumerated() {
            try checkLoadRange(next, UInt64(m.data.count), map: map, what: "module \(i) ('\(m.string)')")
            guard next + UInt64(m.data.count) <= 1 << 32 else {
                throw .doesNotFit(what: "module \(i) below 4 GiB", start: next, length: UInt64(m.data.count))
            }
            ram.write(m.data, at: next)
            let string = try w.string(m.string, what: "module string")
            mods.u32(UInt32(truncatingIfNeeded: next)); mods.u32(UInt32(truncatingIfNeeded: next + UInt64(m.data.count)))
            mods.u32(UInt32(string)); mods.u32(0)
            ranges.append(next..<(next + UInt64(m.data.count)))
            next = (next + UInt64(m.data.count) + 0xFFF) & ~0xFFF
        }
        let modsAddr = modules.isEmpty ? 0 : try w.put(mods.bytes, align: 16, what: "module list")

        // Memory map: entries of size (20), base_addr, length, type; mmap_addr points at `size`.
        var mmap = LEBytes()
        for e in map.e820 { mmap.u32(20); mmap.u64(e.base); mmap.u64(e.length); mmap.u32(e.kind.rawValue) }
        let mmapAddr = try w.put(mmap.bytes, what: "memory map")
        let cmdline = try w.string(commandLine, what: "command line")
        let name = try w.string(loaderName, what: "boot loader name")
        let sectionsAddr = try sections.map { st throws(BootError) in try w.put(st.headers, align: 8, what: "ELF section headers") }

        var info = LEBytes(count: 88)
        var flags: UInt32 = 1 << 0 | 1 << 2 | 1 << 6 | 1 << 9
        info.set32(4, map.memLowerKiB)
        info.set32(8, map.memUpperKiB)
        info.set32(16, UInt32(cmdline))
        if !modules.isEmpty {
            flags |= 1 << 3
            info.set32(20, UInt32(modules.count))
            info.set32(24, UInt32(modsAddr))
        }
        info.set32(44, UInt32(mmap.bytes.count))
        info.set32(48, UInt32(mmapAddr))
        info.set32(64, UInt32(name))
        if let st = sections, let addr = sectionsAddr {
            // Flag 5: the ELF section header table (num, size of an entry, addr, shndx).
            flags |= 1 << 5
            info.set32(28, st.count); info.set32(32, st.entrySize); info.set32(36, UInt32(addr)); info.set32(40, st.stringTableIndex)
        }
        info.set32(0, flags)
        let infoAddr = try w.put(info.bytes, align: 8, what: "Multiboot info")

        BootTables.writeGDT(ram)
        var e = EntryState.protected32(entry: entry)
        e.rax = UInt64(bootMagic)
        e.rbx = infoAddr
        return BootResult(protocolName: "Multiboot", entry: e, kernelStart: kernelStart, kernelEnd: kernelEnd,
                          modules: ranges, infoAddress: infoAddr)
    }
}
