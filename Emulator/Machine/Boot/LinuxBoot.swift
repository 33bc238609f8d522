// Layer: Machine / Boot. The Linux x86 boot protocol (Documentation/arch/x86/boot.rst) for a
// bzImage: the real-mode setup (setup_sects + 1 sectors) is not run; its setup header is copied
// into a zero page (struct boot_params) that the loader fills as a BIOS-free boot loader must:
//   0x1F1 setup_sects   0x1FE boot_flag 0xAA55   0x202 "HdrS"   0x206 version (>= 2.06 needed)
//   0x210 type_of_loader (0xFF)   0x211 loadflags (LOADED_HIGH required)   0x214 code32_start
//   0x218 ramdisk_image  0x21C ramdisk_size  0x228 cmd_line_ptr  0x22C initrd_addr_max
//   0x236 xloadflags (bit 0: 64-bit entry at +0x200)  0x238 cmdline_size  0x260 init_size
//   boot_params: 0x070 acpi_rsdp_addr, 0x1E8 e820_entries, 0x2D0 e820_table (20-byte entries).
// The protected-mode kernel (the rest of the file) goes to 1 MiB as QEMU places it. With
// XLF_KERNEL_64 the CPU enters the 64-bit entry (load address + 0x200) in long mode with the
// first 4 GiB identity mapped and RSI = boot_params; otherwise the 32-bit entry (code32_start)
// in flat protected mode with ESI = boot_params. The initrd goes as high as initrd_addr_max and
// RAM allow, page aligned.

import EmulatorCore

public enum LinuxBoot {
    public static let loadAddress: UInt64 = 0x10_0000
    public static let commandLineAddress: UInt64 = 0x2_0000
    public static let commandLineMax = 4096

    public struct SetupHeader: Equatable {
        public var setupSectors: Int
        public var version: UInt16
        public var loadFlags: UInt8
        public var code32Start: UInt32
        public var initrdAddrMax: UInt32
        public var kernelAlignment: UInt32
        public var relocatable: Bool
        public var xloadflags: UInt16
        public var cmdlineSize: UInt32
        public var initSize: UInt32
        /// Where the kernel prefers to run (protocol 2.10+); a relocatable kernel's decompressor
        /// moves itself to max(its aligned load address, this) and needs init_size bytes there.
        public var preferredAddress: UInt64
        /// Bytes of the header to copy into boot_params: 0x1F1 ..< 0x202 + byte[0x201].
        public var headerEnd: Int
        public var supports64BitEntry: Bool { version >= 0x20C && xloadflags & 1 != 0 }
        public var protectedModeOffset: Int { (setupSectors + 1) * 512 }
    }

    public static func isBzImage(_ file: [UInt8]) -> Bool {
        let f = ImageBytes(file)
        return f.u16(0x1FE) == 0xAA55 && f.u32(0x202) == 0x5372_6448   // "HdrS"
    }

    public static func parseHeader(_ file: [UInt8]) throws(BootError) -> SetupHeader {
        let f = ImageBytes(file)
        guard file.count >= 0x264 else { throw .badImage("file too small for a Linux setup header (\(file.count) bytes)") }
        guard f.u16(0x1FE) == 0xAA55 else { throw .badImage("no boot flag 0xAA55 at 0x1FE") }
        guard f.u32(0x202) == 0x5372_6448 else { throw .badImage("no \"HdrS\" signature at 0x202: Linux boot protocol before 2.00") }
        guard let version = f.u16(0x206), let sects = f.u8(0x1F1), let lf = f.u8(0x211), let c32 = f.u32(0x214),
              let imax = f.u32(0x22C), let align = f.u32(0x230), let reloc = f.u8(0x234), let xl = f.u16(0x236),
              let cs = f.u32(0x238), let initSize = f.u32(0x260), let jump = f.u8(0x201),
              let pref = f.u64(0x258) else {
            throw .badImage("truncated setup header")
        }
        guard version >= 0x206 else {
            throw .unsupported("Linux boot protocol \(version >> 8).\(format2(version & 0xFF)) (2.06 or later needed)")
        }
        guard lf & 1 != 0 else { throw .unsupported("zImage (not loaded high): only bzImage is supported") }
        let s = sects == 0 ? 4 : Int(sects)
        let h = SetupHeader(setupSectors: s, version: version, loadFlags: lf, code32Start: c32, initrdAddrMax: imax,
                            kernelAlignment: align, relocatable: reloc != 0, xloadflags: xl, cmdlineSize: cs,
                            initSize: initSize, preferredAddress: version >= 0x20A ? pref : loadAddress,
                            headerEnd: min(0x202 + Int(jump), 0x290))
        guard h.protectedModeOffset < file.count else {
            throw .badImage("setup (\(h.protectedModeOffset) bytes) is larger than the file (\(file.count) bytes)")
        }
        return h
    }

    static func format2(_ v: UInt16) -> String { v < 10 ? "0\(v)" : "\(v)" }

    public static func load(_ file: [UInt8], commandLine: String, initrd: [UInt8]?,
                            into machine: Machine, use64BitEntry: Bool = true) throws(BootError) -> BootResult {
        guard let map = machine.memoryMap else { throw .noMemoryMap }
        let h = try parseHeader(file)
        let ram = machine.ram
        let kernel = Array(file[h.protectedModeOffset...])
        // The decompressor needs init_size bytes from the (aligned) load address.
        let need = max(UInt64(kernel.count), UInt64(h.initSize))
        try checkLoadRange(loadAddress, need, map: map, what: "Linux kernel (init_size)")
        ram.write(kernel, at: loadAddress)
        var kernelEnd = loadAddress + need
        // Where the decompressor will run: it must fit as well (a clear error, not a guest crash).
        let align = h.kernelAlignment.nonzeroBitCount == 1 ? UInt64(h.kernelAlignment) : 0x20_0000
        let alignedLoad = (loadAddress + align - 1) & ~(align - 1)
        let runAt = h.relocatable ? max(alignedLoad, h.preferredAddress) : max(loadAddress, h.preferredAddress)
        if runAt <= GuestMemoryMap.maximumRAM, UInt64(h.initSize) > 0 {
            try checkLoadRange(runAt, UInt64(h.initSize), map: map, what: "Linux kernel decompressed at its run address (init_size)")
            kernelEnd = max(kernelEnd, runAt + UInt64(h.initSize))
        }

        // Command line (cmdline_size excludes the terminating NUL).
        let maxCmd = min(commandLineMax - 1, h.version >= 0x206 ? Int(h.cmdlineSize) : 255)
        let cmd = Array(commandLine.utf8)
        guard cmd.count <= maxCmd else {
            throw .bootDataTooLarge("command line of \(cmd.count) bytes (the kernel accepts \(maxCmd))")
        }
        ram.write(cmd + [0], at: commandLineAddress)

        var zp = LEBytes(count: 4096)
        zp.bytes.replaceSubrange(0x1F1..<h.headerEnd, with: file[0x1F1..<h.headerEnd])
        zp.set8(0x210, 0xFF)                                       // type_of_loader: undefined
        zp.set8(0x211, h.loadFlags & ~0x20 | 0x80)                 // not QUIET; CAN_USE_HEAP
        zp.set16(0x224, 0xFE00)                                    // heap_end_ptr
        zp.set32(0x228, UInt32(commandLineAddress))
        zp.set16(0x1FA, 0xFFFF)                                    // vid_mode: normal

        var ranges: [Range<UInt64>] = []
        if let initrd, !initrd.isEmpty {
            let limit = min(UInt64(h.initrdAddrMax) + 1, map.lowRAMEnd)
            let size = UInt64(initrd.count)
            guard size <= limit, (limit - size) & ~0xFFF >= (kernelEnd + 0xFFF) & ~0xFFF else {
                throw .doesNotFit(what: "initrd above the kernel and below initrd_addr_max", start: kernelEnd, length: size)
            }
            let at = (limit - size) & ~0xFFF
            try checkLoadRange(at, size, map: map, what: "initrd")
            ram.write(initrd, at: at)
            zp.set32(0x218, UInt32(truncatingIfNeeded: at))
            zp.set32(0x21C, UInt32(truncatingIfNeeded: size))
            ranges.append(at..<(at + size))
        }
        let e820 = map.e820
        guard e820.count <= 128 else { throw .bootDataTooLarge("e820 table") }
        zp.set8(0x1E8, UInt8(e820.count))
        for (i, e) in e820.enumerated() {
            zp.set64(0x2D0 + 20 * i, e.base); zp.set64(0x2D8 + 20 * i, e.length); zp.set32(0x2E0 + 20 * i, e.kind.rawValue)
        }
        if let acpi = machine.acpiTables { zp.set64(0x070, acpi.rsdp) }
        ram.write(zp.bytes, at: BootLayout.zeroPage)

        var e: EntryState
        if use64BitEntry && h.supports64BitEntry {
            BootTables.writeGDT(ram, entryIn64BitMode: true)
            BootTables.writeIdentityPageTables(ram)
            e = .long64(entry: loadAddress + 0x200)
        } else {
            BootTables.writeGDT(ram)
            e = .protected32(entry: h.code32Start == 0 ? loadAddress : UInt64(h.code32Start))
        }
        e.rsi = BootLayout.zeroPage
        return BootResult(protocolName: e.mode == .long64 ? "Linux (64-bit entry)" : "Linux (32-bit entry)",
                          entry: e, kernelStart: loadAddress, kernelEnd: kernelEnd, modules: ranges,
                          infoAddress: BootLayout.zeroPage)
    }
}
