// Layer: Machine / Boot. Multiboot2 (Multiboot2 Specification 2.0):
//  - header: magic 0xE85250D6, architecture 0 (i386 protected mode), header_length, checksum
//    (the four sum to 0 mod 2^32), 8-byte aligned in the first 32 KiB; then 8-aligned tags
//    (u16 type, u16 flags (bit 0: optional), u32 size) up to the end tag (type 0).
//    Understood: 1 information request (§3.1.4: a required request for a tag type the loader
//    does not know fails the boot; a known one whose information this machine lacks is just
//    not given), 2 address (load like Multiboot v1's a.out kludge; load_addr -1 loads the file
//    from its beginning), 3 entry address, 4 console flags (a required console must accept EGA
//    text), 5 framebuffer (we offer only EGA text), 6 module alignment (modules are always page
//    aligned), 10 relocatable (loaded at its link address, which its range must allow; reported
//    by tag 21). An unknown tag that is not optional fails the boot.
//  - boot information: total_size, reserved, then 8-aligned tags: 1 command line, 2 boot loader
//    name, 3 modules, 4 basic memory info, 6 memory map (24-byte entries), 9 ELF section headers
//    (ELF images; unloaded sections copied after the image, see ELFImage), 8 framebuffer
//    (placeholder: EGA text 80x25 at 0xB8000), 14 and 15 ACPI RSDP copies, 21 image load base
//    address (only for a relocatable image, §3.6.23), 0 end.
//  - entry: 32-bit protected mode, EAX = 0x36D76289, EBX = info.

import EmulatorCore

public enum Multiboot2 {
    public static let headerMagic: UInt32 = 0xE852_50D6
    public static let bootMagic: UInt32 = 0x36D7_6289
    public static let searchLimit = 32768

    public struct Header: Equatable {
        public var offset: Int
        public var length: Int
        public var addressTag: (headerAddr: UInt32, loadAddr: UInt32, loadEndAddr: UInt32, bssEndAddr: UInt32)?
        public var entryAddr: UInt32?
        /// Tag types a required (not optional) information request tag asks for.
        public var requiredInfoTags: [UInt32] = []
        /// The boot information tag types of the Multiboot2 Specification 2.0 (§3.6): 0 end ...
        /// 21 load base address. A loader "understands" all of them; on this machine 5 (BIOS boot
        /// device), 7 (VBE), 10 (APM), 13 (SMBIOS), 16 (network) and the EFI tags 11, 12, 17-20
        /// have no information to give.
        public static let knownInfoTags: ClosedRange<UInt32> = 0...21
        /// The image has a relocatable tag (type 10): min_addr, max_addr (where the image may start
        /// and end), align.
        public var relocatable = false
        public var relocationRange: (minAddr: UInt32, maxAddr: UInt32, align: UInt32) = (0, 0, 0)
        public static func == (a: Header, b: Header) -> Bool {
            a.offset == b.offset && a.length == b.length && a.entryAddr == b.entryAddr
                && a.requiredInfoTags == b.requiredInfoTags && a.relocatable == b.relocatable
                && [a.relocationRange.0, a.relocationRange.1, a.relocationRange.2]
                    == [b.relocationRange.0, b.relocationRange.1, b.relocationRange.2]
                && a.addressTag.map { [$0.0, $0.1, $0.2, $0.3] } == b.addressTag.map { [$0.0, $0.1, $0.2, $0.3] }
        }
    }

    /// Offset of a header with valid magic, architecture and checksum, if any.
    public static func findHeaderOffset(_ file: [UInt8]) -> Int? {
        let f = ImageBytes(file)
        var o = 0
        while o + 16 <= min(file.count, searchLimit) {
            if f.u32(o) == headerMagic, let arch = f.u32(o + 4), let len = f.u32(o + 8), let sum = f.u32(o + 12),
               headerMagic &+ arch &+ len &+ sum == 0 {
                return o
            }
            o += 8
        }
        return nil
    }

    public static func parseHeader(_ file: [UInt8]) throws(BootError) -> Header {
        guard let o = findHeaderOffset(file) else { throw .badImage("no Multiboot2 header in the first 32 KiB") }
        let f = ImageBytes(file)
        guard let arch = f.u32(o + 4), let length = f.u32(o + 8) else { throw .badImage("truncated Multiboot2 header") }
        guard arch == 0 else { throw .unsupported("Multiboot2 architecture \(arch) (only 0, i386, is supported)") }
        guard length >= 24, UInt64(o) + UInt64(length) <= UInt64(file.count) else {
            throw .badImage("Multiboot2 header length \(length) runs past the file")
        }
        var h = Header(offset: o, length: Int(length))
        var t = o + 16
        let end = o + Int(length)
        while t + 8 <= end {
            guard let type = f.u16(t), let flags = f.u16(t + 2), let size = f.u32(t + 4), size >= 8, size <= UInt32(end - t) else {
                throw .badImage("bad Multiboot2 header tag at offset \(t)")
            }
            let optional = flags & 1 != 0
            switch type {
            case 0: return h
            case 1:
                // mbi_tag_types: u32 tag types after the 8-byte tag header. §3.1.4: for a required
                // request, a type the loader does not understand fails the boot; a type it knows
                // is given when the machine has that information (not given otherwise).
                if !optional {
                    var r = t + 8
                    while r + 4 <= t + Int(size), let type = f.u32(r) {
                        guard Header.knownInfoTags.contains(type) else {
                            throw .unsupported("Multiboot2 information request for tag type \(type), which this loader does not know")
                        }
                        h.requiredInfoTags.append(type); r += 4
                    }
                }
            case 10:
                guard let lo = f.u32(t + 8), let hi = f.u32(t + 12), let al = f.u32(t + 16) else {
                    throw .badImage("truncated Multiboot2 relocatable tag")
                }
                h.relocatable = true; h.relocationRange = (lo, hi, al)
            case 4:
                // Console flags (§3.1.9): bit 0 console required, bit 1 EGA text supported. Our
                // only console is EGA text, so a kernel that requires a console and does not
                // take EGA text cannot boot here (GRUB refuses it too when it has no other).
                guard let c = f.u32(t + 8) else { throw .badImage("truncated Multiboot2 console flags tag") }
                if c & 1 != 0 && c & 2 == 0 {
                    throw .unsupported("Multiboot2 console flags: a console is required and EGA text is not accepted (the only console here)")
                }
            case 6: break
            case 5: break       // framebuffer request: we report EGA text (a placeholder)
            case 2:
                guard let a = f.u32(t + 8), let l = f.u32(t + 12), let le = f.u32(t + 16), let b = f.u32(t + 20) else {
                    throw .badImage("truncated Multiboot2 address tag")
                }
                h.addressTag = (a, l, le, b)
            case 3:
                guard let e = f.u32(t + 8) else { throw .badImage("truncated Multiboot2 entry tag") }
                h.entryAddr = e
            default:
                if !optional { throw .unsupported("Multiboot2 header tag \(type) is required but not supported") }
            }
            t += (Int(size) + 7) & ~7
        }
        throw .badImage("Multiboot2 header has no end tag")
    }

    public static func load(_ file: [UInt8], commandLine: String, modules: [BootModule],
                            into machine: Machine) throws(BootError) -> BootResult {
        guard let map = machine.memoryMap else { throw .noMemoryMap }
        let h = try parseHeader(file)
        let ram = machine.ram
        var kernelStart: UInt64, kernelEnd: UInt64, entry: UInt64
        var sections: ELFSectionTable? = nil
        if var a = h.addressTag {
            // header_addr locates load_addr in the file: load_addr's file offset is the header's
            // offset minus (header_addr - load_addr). load_addr -1: load the file from its
            // beginning (§3.1.5), i.e. the file starts header-offset bytes below header_addr.
            if a.loadAddr == 0xFFFF_FFFF {
                guard UInt64(a.headerAddr) >= UInt64(h.offset) else {
                    throw .badImage("Multiboot2 header_addr below the header's file offset (load_addr -1)")
                }
                a.loadAddr = a.headerAddr &- UInt32(truncatingIfNeeded: h.offset)
            }
            guard a.headerAddr >= a.loadAddr, UInt64(a.headerAddr - a.loadAddr) <= UInt64(h.offset) else {
                throw .badImage("Multiboot2 header_addr below load_addr or before the file start")
            }
            let fileOffset = UInt64(h.offset) - UInt64(a.headerAddr - a.loadAddr)
            let loadEnd = a.loadEndAddr == 0 ? UInt64(a.loadAddr) + (UInt64(file.count) - fileOffset) : UInt64(a.loadEndAddr)
            guard loadEnd >= UInt64(a.loadAddr) else { throw .badImage("Multiboot2 load_end_addr below load_addr") }
            guard let bytes = ImageBytes(file).slice(fileOffset, loadEnd - UInt64(a.loadAddr)) else {
                throw .badImage("Multiboot2 load range runs past the end of the file")
            }
            let bssEnd = a.bssEndAddr == 0 ? loadEnd : UInt64(a.bssEndAddr)
            guard bssEnd >= loadEnd else { throw .badImage("Multiboot2 bss_end_addr below load_end_addr") }
            kernelStart = UInt64(a.loadAddr); kernelEnd = bssEnd
            try checkLoadRange(kernelStart, kernelEnd - kernelStart, map: map, what: "Multiboot2 kernel")
            ram.write(Array(bytes), at: kernelStart)
            if bssEnd > loadEnd { ram.write([UInt8](repeating: 0, count: Int(bssEnd - loadEnd)), at: loadEnd) }
            guard let e = h.entryAddr else { throw .badImage("Multiboot2 address tag without an entry address tag") }
            entry = UInt64(e)
        } else {
            let elf = try ELFImage.parse(file)
            kernelEnd = try elf.load(file, into: ram, map: map)
            kernelStart = elf.segments.map { $0.paddr }.min() ?? 0
            entry = h.entryAddr.map(UInt64.init) ?? elf.physicalEntry
            sections = try elf.placeSections(file, from: kernelEnd, into: ram, map: map)
        }
        guard entry < 1 << 32 else { throw .badImage("Multiboot2 entry 0x\(String(entry, radix: 16)) is above 4 GiB") }

        var info = LEBytes()
        info.u32(0); info.u32(0)                     // total_size (set below), reserved
        func tag(_ type: UInt32, _ body: LEBytes) {
            info.align(8)
            info.u32(type); info.u32(UInt32(8 + body.bytes.count))
            info.bytes += body.bytes
        }
        var s = LEBytes(); s.bytes = Array(commandLine.utf8) + [0]
        tag(1, s)
        s.bytes = Array(Multiboot1.loaderName.utf8) + [0]
        tag(2, s)
        // Modules: page aligned (§3.1.11) after the image and its copied ELF sections.
        var next = (max(kernelEnd, sections?.placed.upperBound ?? 0) + 0xFFF) & ~0xFFF
        var ranges: [Range<UInt64>] = []
        for (i, m) in modules.enumerated() {
            try checkLoadRange(next, UInt64(m.data.count), map: map, what: "module \(i) ('\(m.string)')")
            guard next + UInt64(m.data.count) <= 1 << 32 else {
                throw .doesNotFit(what: "module \(i) below 4 GiB", start: next, length: UInt64(m.data.count))
            }
            ram.write(m.data, at: next)
            var b = LEBytes()
            b.u32(UInt32(truncatingIfNeeded: next)); b.u32(UInt32(truncatingIfNeeded: next + UInt64(m.data.count)))
            b.bytes += Array(m.string.utf8) + [0]
            tag(3, b)
            ranges.append(next..<(next + UInt64(m.data.count)))
            next = (next + UInt64(m.data.count) + 0xFFF) & ~0xFFF
        }
        var mem = LEBytes(); mem.u32(map.memLowerKiB); mem.u32(map.memUpperKiB)
        tag(4, mem)
        var mm = LEBytes(); mm.u32(24); mm.u32(0)
        for e in map.e820 { mm.u64(e.base); mm.u64(e.length); mm.u32(e.kind.rawValue); mm.u32(0) }
        tag(6, mm)
        if let st = sections {
            // ELF-symbols (§3.6.7): num, entsize, shndx, then the section headers.
            var e = LEBytes(); e.u32(st.count); e.u32(st.entrySize); e.u32(st.stringTableIndex)
            e.bytes += st.headers
            tag(9, e)
        }
        // Framebuffer placeholder: EGA text mode (type 2), 80x25, 16 bits per character cell.
        var fb = LEBytes(); fb.u64(0xB8000); fb.u32(160); fb.u32(80); fb.u32(25); fb.u8(16); fb.u8(2); fb.u16(0)
        tag(8, fb)
        if let acpi = machine.acpiTables, let rsdp = ram.read(acpi.rsdp, count: 36) {
            var old = LEBytes(); old.bytes = Array(rsdp[0..<20])
            tag(14, old)
            var new = LEBytes(); new.bytes = rsdp
            tag(15, new)
        }
        if h.relocatable {
            // §3.1.13: the image must lie in [min_addr, max_addr] at a multiple of align. We do
            // not relocate: its link address must already qualify.
            let r = h.relocationRange
            guard kernelStart >= UInt64(r.minAddr), kernelEnd <= UInt64(r.maxAddr),
                  r.align <= 1 || kernelStart % UInt64(r.align) == 0 else {
                throw .unsupported("Multiboot2 relocatable image linked outside min_addr..max_addr/align (relocation is not implemented)")
            }
            // Image load base physical address (§3.6.23): only for an image with a relocatable
            // tag. We load it where it is linked, so this is its lowest load address.
            var base = LEBytes(); base.u32(UInt32(truncatingIfNeeded: kernelStart))
            tag(21, base)
        }
        tag(0, LEBytes())
        info.set32(0, UInt32(info.bytes.count))
        var w = BootDataWriter(ram: ram)
        let infoAddr = try w.put(info.bytes, align: 8, what: "Multiboot2 information")

        BootTables.writeGDT(ram)
        var e = EntryState.protected32(entry: entry)
        e.rax = UInt64(bootMagic)
        e.rbx = infoAddr
        return BootResult(protocolName: "Multiboot2", entry: e, kernelStart: kernelStart, kernelEnd: kernelEnd,
                          modules: ranges, infoAddress: infoAddr)
    }
}
