// MachineBoardTests: the boot loaders (Multiboot v1 a.out kludge and ELF32, Multiboot2, the Linux
// boot protocol) on images built here byte by byte, on the Orrery kernel (build/kernel.elf: a real
// Multiboot v1 a.out-kludge image) and on Debian's bzImage when installed (skipped otherwise).
// Loaded structures are read back from guest RAM and checked against the specifications; small
// guests also run and report what they saw through isa-debug-exit.

import Foundation
import XCTest
import EmulatorCore
import X86
@testable import Machine

/// Little-endian image building.
struct Img {
    var b: [UInt8]
    init(count: Int) { b = [UInt8](repeating: 0, count: count) }
    mutating func put16(_ o: Int, _ v: UInt16) { for i in 0..<2 { b[o + i] = UInt8(truncatingIfNeeded: v >> UInt16(8 * i)) } }
    mutating func put32(_ o: Int, _ v: UInt32) { for i in 0..<4 { b[o + i] = UInt8(truncatingIfNeeded: v >> UInt32(8 * i)) } }
    mutating func put64(_ o: Int, _ v: UInt64) { for i in 0..<8 { b[o + i] = UInt8(truncatingIfNeeded: v >> UInt64(8 * i)) } }
    mutating func put(_ o: Int, _ bytes: [UInt8]) { b.replaceSubrange(o..<o + bytes.count, with: bytes) }
}

extension PhysicalMemory {
    func u8(_ a: UInt64) -> UInt8 { read(a, count: 1)?[0] ?? 0 }
    func u16(_ a: UInt64) -> UInt16 { UInt16(u8(a)) | UInt16(u8(a + 1)) << 8 }
    func u32(_ a: UInt64) -> UInt32 { UInt32(u16(a)) | UInt32(u16(a + 2)) << 16 }
    func u64(_ a: UInt64) -> UInt64 { UInt64(u32(a)) | UInt64(u32(a + 4)) << 32 }
    func cString(_ a: UInt64) -> String {
        var out: [UInt8] = []
        var p = a
        while out.count < 4096 { let c = u8(p); if c == 0 { break }; out.append(c); p += 1 }
        return String(decoding: out, as: UTF8.self)
    }
}

final class BootLoaderTests: XCTestCase {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func board(_ mib: UInt64 = 64) throws -> Machine { try Machine(board: BoardConfiguration(memorySize: mib << 20)) }

    /// 32-bit guest: out 0xf4 <- dword [ebx] (the Multiboot info flags), after checking EAX.
    /// cmp eax, magic; jne fail; mov eax, [ebx]; mov dx, 0xf4; out dx, eax; hlt; fail: mov al,0x7f ...
    func reportInfoFlagsCode(magic: UInt32) -> [UInt8] {
        var c: [UInt8] = [0x3D] + withUnsafeBytes(of: magic.littleEndian, Array.init)   // cmp eax, imm32
        c += [0x75, 0x08]                     // jne +8
        c += [0x8B, 0x03]                     // mov eax, [ebx]
        c += [0x66, 0xBA, 0xF4, 0x00]         // mov dx, 0xf4
        c += [0xEF, 0xF4]                     // out dx, eax; hlt
        c += [0xB0, 0x7F, 0x66, 0xBA, 0xF4, 0x00, 0xEE, 0xF4]   // mov al, 0x7f; mov dx, 0xf4; out dx, al; hlt
        return c
    }

    /// A Multiboot v1 a.out-kludge image loaded at 1 MiB: header at file offset 0x40.
    func multiboot1AoutImage(extraFlags: UInt32 = 0) -> [UInt8] {
        var i = Img(count: 0x200)
        let flags: UInt32 = 1 << 16 | 1 << 1 | 1 << 0 | extraFlags
        i.put32(0x40, Multiboot1.headerMagic); i.put32(0x44, flags); i.put32(0x48, 0 &- (Multiboot1.headerMagic &+ flags))
        i.put32(0x4C, 0x10_0040)        // header_addr
        i.put32(0x50, 0x10_0000)        // load_addr
        i.put32(0x54, 0)                // load_end_addr: whole file
        i.put32(0x58, 0x10_3000)        // bss_end_addr
        i.put32(0x5C, 0x10_0100)        // entry_addr
        i.put(0x100, reportInfoFlagsCode(magic: Multiboot1.bootMagic))
        i.put(0x1F0, [0xAB, 0xCD])      // last loaded bytes
        return i.b
    }

    func testMultiboot1AoutKludgeLoadsInfoAndEntersProtectedMode() throws {
        let m = try board()
        // Dirty the bss first: the loader must zero it.
        m.ram.write([0xEE, 0xEE], at: 0x10_2000)
        let initrd = [UInt8](repeating: 0x5A, count: 5000)
        let r = try m.boot(kernel: multiboot1AoutImage(), commandLine: "console=ttyS0 quiet", initrd: initrd, initrdName: "env")
        XCTAssertEqual(r.protocolName, "Multiboot")
        XCTAssertEqual(r.kernelStart, 0x10_0000)
        XCTAssertEqual(r.kernelEnd, 0x10_3000)
        XCTAssertEqual(m.ram.u16(0x10_01F0), 0xCDAB)
        XCTAssertEqual(m.ram.u16(0x10_2000), 0, "bss zeroed")
        let s = m.cpu.state.pointee
        XCTAssertEqual(s.mode, .protected32)
        XCTAssertEqual(s.regs[Reg.rip], 0x10_0100)
        XCTAssertEqual(s.regs[Reg.rax], 0x2BAD_B002)
        XCTAssertEqual(s.cr0 & 0x8000_0001, 1, "PE on, PG off")
        XCTAssertEqual(s.efer, 0)
        XCTAssertEqual(s.rflags & Flag.if, 0)
        XCTAssertEqual(s.cpl, 0)
        for seg in 0..<6 { XCTAssertEqual(s.segmentBase[seg], 0) }

        // The information structure (Multiboot 0.6.96 section 3.3).
        let info = s.regs[Reg.rbx]
        let flags = m.ram.u32(info)
        XCTAssertEqual(flags, 1 << 0 | 1 << 2 | 1 << 3 | 1 << 6 | 1 << 9)
        XCTAssertEqual(m.ram.u32(info + 4), 639, "mem_lower KiB")
        XCTAssertEqual(m.ram.u32(info + 8), (64 << 10) - 1024, "mem_upper KiB")
        XCTAssertEqual(m.ram.cString(UInt64(m.ram.u32(info + 16))), "console=ttyS0 quiet")
        XCTAssertEqual(m.ram.cString(UInt64(m.ram.u32(info + 64))), "Orrery")
        XCTAssertEqual(m.ram.u32(info + 20), 1, "mods_count")
        let mod = UInt64(m.ram.u32(info + 24))
        let modStart = UInt64(m.ram.u32(mod)), modEnd = UInt64(m.ram.u32(mod + 4))
        XCTAssertEqual(modStart, 0x10_3000, "first page after the kernel's bss")
        XCTAssertEqual(modEnd - modStart, 5000)
        XCTAssertEqual(m.ram.read(modStart, count: 5000), initrd)
        XCTAssertEqual(m.ram.cString(UInt64(m.ram.u32(mod + 8))), "env")
        // Memory map: size-prefixed 20-byte entries equal to the board's e820 table.
        let mmapLen = m.ram.u32(info + 44), mmapAddr = UInt64(m.ram.u32(info + 48))
        let e820 = try XCTUnwrap(m.memoryMap).e820
        XCTAssertEqual(Int(mmapLen), 24 * e820.count)
        for (k, e) in e820.enumerated() {
            let a = mmapAddr + UInt64(24 * k)
            XCTAssertEqual(m.ram.u32(a), 20)
            XCTAssertEqual(m.ram.u64(a + 4), e.base)
            XCTAssertEqual(m.ram.u64(a + 12), e.length)
            XCTAssertEqual(m.ram.u32(a + 20), e.kind.rawValue)
        }

        // The guest runs in 32-bit mode, checks EAX and reports the info flags: status (V<<1)|1.
        let outcome = m.run(maxInstructions: 100)
        XCTAssertEqual(outcome, .debugExit(UInt64(flags)))
    }

    func testMultiboot1ELF32() throws {
        // ELF32 with one PT_LOAD: vaddr 0xC0200000 -> paddr 0x200000 (higher-half link), entry virtual.
        var i = Img(count: 0x2000)
        i.put(0, [0x7F, 0x45, 0x4C, 0x46, 1, 1, 1]); i.put16(16, 2); i.put16(18, 3); i.put32(20, 1)
        i.put32(24, 0xC020_0010)      // e_entry (virtual)
        i.put32(28, 52)               // e_phoff
        i.put16(40, 52); i.put16(42, 32); i.put16(44, 1)
        i.put32(52, 1); i.put32(56, 0x1000); i.put32(60, 0xC020_0000); i.put32(64, 0x20_0000)
        i.put32(68, 0x1000); i.put32(72, 0x3000); i.put32(76, 5)
        // Multiboot header (no address fields) inside the first 8 KiB.
        i.put32(0x1000, Multiboot1.headerMagic); i.put32(0x1004, 0); i.put32(0x1008, 0 &- Multiboot1.headerMagic)
        i.put(0x1010, reportInfoFlagsCode(magic: Multiboot1.bootMagic))
        let m = try board()
        let r = try m.boot(kernel: i.b, commandLine: "")
        XCTAssertEqual(r.kernelStart, 0x20_0000)
        XCTAssertEqual(r.kernelEnd, 0x20_3000)
        XCTAssertEqual(r.entry.rip, 0x20_0010, "virtual entry translated to physical")
        XCTAssertEqual(m.run(maxInstructions: 100), .debugExit(UInt64(1 << 0 | 1 << 2 | 1 << 6 | 1 << 9)))
    }

    func testOrreryKernelIsAMultibootAoutImage() throws {
        let path = Self.repo.appendingPathComponent("build/kernel.elf").path
        guard let data = FileManager.default.contents(atPath: path) else {
            throw XCTSkip("build/kernel.elf not built (tools/build-kernel.sh)")
        }
        let file = [UInt8](data)
        XCTAssertEqual(BootProtocol.detect(file), .multiboot1, "Multiboot wins over the ELF64 headers")
        let h = try XCTUnwrap(Multiboot1.findHeader(file))
        XCTAssertTrue(h.hasAddresses)
        let m = try board(128)
        let r = try m.boot(kernel: file, commandLine: "selftest")
        XCTAssertEqual(r.entry.rip, UInt64(h.entryAddr))
        XCTAssertEqual(r.kernelStart, UInt64(h.loadAddr))
        XCTAssertEqual(m.cpu.state.pointee.mode, .protected32)
        // The loaded bytes are the file's bytes from the header's implied offset.
        let off = h.offset - Int(h.headerAddr - h.loadAddr)
        XCTAssertEqual(m.ram.read(UInt64(h.loadAddr), count: 256), Array(file[off..<off + 256]))
    }

    func testMultiboot2TagsAndEntry() throws {
        var i = Img(count: 0x400)
        // Header at 0x20: magic, arch 0, length, checksum; tags: info request (optional), address, entry, end.
        var tags = Img(count: 0)
        func tag(_ t: UInt16, _ flags: UInt16, _ body: [UInt8]) {
            var x = Img(count: 8 + body.count); x.put16(0, t); x.put16(2, flags); x.put32(4, UInt32(8 + body.count)); x.put(8, body)
            tags.b += x.b; while tags.b.count % 8 != 0 { tags.b.append(0) }
        }
        func le32(_ vs: [UInt32]) -> [UInt8] { vs.flatMap { v in (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } } }
        tag(1, 1, le32([6, 1]))
        tag(2, 0, le32([0x10_0020, 0x10_0000, 0, 0x10_2000]))
        tag(3, 0, le32([0x10_0100]))
        tag(5, 1, le32([1024, 768, 32]))
        tag(0, 0, [])
        let len = UInt32(16 + tags.b.count)
        i.put32(0x20, Multiboot2.headerMagic); i.put32(0x24, 0); i.put32(0x28, len)
        i.put32(0x2C, 0 &- (Multiboot2.headerMagic &+ len)); i.put(0x30, tags.b)
        i.put(0x100, reportInfoFlagsCode(magic: Multiboot2.bootMagic))
        XCTAssertEqual(BootProtocol.detect(i.b), .multiboot2)
        let m = try board()
        let initrd: [UInt8] = Array(repeating: 7, count: 100)
        let r = try m.boot(kernel: i.b, commandLine: "root=/dev/ram0", initrd: initrd, initrdName: "mod0")
        XCTAssertEqual(r.entry.rax, 0x36D7_6289)
        XCTAssertEqual(m.cpu.state.pointee.regs[Reg.rip], 0x10_0100)
        let info = r.infoAddress
        XCTAssertEqual(info % 8, 0)
        let total = UInt64(m.ram.u32(info))
        var seen: [UInt32] = []
        var t = info + 8
        while t < info + total {
            let type = m.ram.u32(t), size = UInt64(m.ram.u32(t + 4))
            seen.append(type)
            switch type {
            case 1: XCTAssertEqual(m.ram.cString(t + 8), "root=/dev/ram0")
            case 2: XCTAssertEqual(m.ram.cString(t + 8), "Orrery")
            case 3:
                let s = UInt64(m.ram.u32(t + 8)), e = UInt64(m.ram.u32(t + 12))
                XCTAssertEqual(s, 0x10_2000); XCTAssertEqual(e - s, 100)
                XCTAssertEqual(m.ram.read(s, count: 100), initrd)
                XCTAssertEqual(m.ram.cString(t + 16), "mod0")
            case 4: XCTAssertEqual(m.ram.u32(t + 8), 639); XCTAssertEqual(m.ram.u32(t + 12), (64 << 10) - 1024)
            case 6:
                XCTAssertEqual(m.ram.u32(t + 8), 24)
                let n = (size - 16) / 24
                let e820 = try XCTUnwrap(m.memoryMap).e820
                XCTAssertEqual(Int(n), e820.count)
                XCTAssertEqual(m.ram.u64(t + 16 + 24 * (n - 1)), e820.last?.base)
            case 8: XCTAssertEqual(m.ram.u64(t + 8), 0xB8000); XCTAssertEqual(m.ram.u8(t + 29), 2, "EGA text")
            case 15: XCTAssertEqual(m.ram.read(t + 8, count: 8), Array("RSD PTR ".utf8))
            default: break
            }
            if type == 0 { XCTAssertEqual(size, 8); XCTAssertEqual(t + 8, info + total) }
            t += (size + 7) & ~7
        }
        XCTAssertEqual(seen, [1, 2, 3, 4, 6, 8, 14, 15, 0])
        // The guest sees EAX = the Multiboot2 magic and reports total_size.
        XCTAssertEqual(m.run(maxInstructions: 100), .debugExit(total))
    }

    func testMultiboot2RequiredUnknownTagFails() throws {
        var i = Img(count: 0x100)
        let len: UInt32 = 16 + 8 + 8
        i.put32(0, Multiboot2.headerMagic); i.put32(4, 0); i.put32(8, len); i.put32(12, 0 &- (Multiboot2.headerMagic &+ len))
        i.put16(16, 7); i.put16(18, 0); i.put32(20, 8)     // EFI boot services, required
        i.put16(24, 0); i.put32(28, 8)
        XCTAssertThrowsError(try Multiboot2.parseHeader(i.b)) {
            XCTAssertEqual($0 as? BootError, .unsupported("Multiboot2 header tag 7 is required but not supported"))
        }
    }

    /// A minimal bzImage: 4 setup sectors after the boot sector, protocol 2.15, 64-bit entry.
    func bzImage(code64: [UInt8], version: UInt16 = 0x20F, xloadflags: UInt16 = 1) -> [UInt8] {
        var i = Img(count: 5 * 512 + 0x1000)
        i.b[0x1F1] = 4
        i.put16(0x1FE, 0xAA55)
        i.b[0x201] = 0x6A                          // jump: header ends at 0x202 + 0x6A = 0x26C
        i.put32(0x202, 0x5372_6448)
        i.put16(0x206, version)
        i.b[0x211] = 0x01                          // LOADED_HIGH
        i.put32(0x214, 0x10_0000)
        i.put32(0x22C, 0x37FF_FFFF)                // initrd_addr_max
        i.put32(0x230, 0x20_0000); i.b[0x234] = 1
        i.put16(0x236, xloadflags)
        i.put32(0x238, 2047)
        i.put32(0x260, 0x8000)                     // init_size
        i.put(5 * 512 + 0x200, code64)
        return i.b
    }

    func testLinuxBootProtocol64BitEntry() throws {
        // mov al, [rsi + 0x1E8] (e820_entries); mov dx, 0xf4; out dx, al; hlt
        let code: [UInt8] = [0x8A, 0x86, 0xE8, 0x01, 0x00, 0x00, 0x66, 0xBA, 0xF4, 0x00, 0xEE, 0xF4]
        let file = bzImage(code64: code)
        XCTAssertEqual(BootProtocol.detect(file), .linux)
        let m = try board()
        let initrd = [UInt8](repeating: 0x11, count: 10_000)
        let r = try m.boot(kernel: file, commandLine: "console=ttyS0 earlyprintk=serial", initrd: initrd)
        XCTAssertEqual(r.protocolName, "Linux (64-bit entry)")
        let s = m.cpu.state.pointee
        XCTAssertEqual(s.mode, .long64)
        XCTAssertEqual(s.regs[Reg.rip], 0x10_0200)
        XCTAssertEqual(s.regs[Reg.rsi], 0x7000)
        XCTAssertEqual(s.segmentSelector.1, 0x10, "__BOOT_CS")
        XCTAssertEqual(s.efer & 0x500, 0x500)
        XCTAssertEqual(s.cr3, BootLayout.pageTables)
        // The GDT's __BOOT_CS is a 64-bit code segment (L=1), __BOOT_DS flat data.
        XCTAssertEqual(m.ram.u64(BootLayout.gdt + 0x10), 0x00AF_9A00_0000_FFFF)
        XCTAssertEqual(m.ram.u64(BootLayout.gdt + 0x18), 0x00CF_9200_0000_FFFF)
        // Identity map: PML4[0] -> PDPT, PDPT[3] -> 4th PD, PD entry 5 maps 10 MiB with PS.
        XCTAssertEqual(m.ram.u64(BootLayout.pageTables) & ~0xFFF, BootLayout.pageTables + 0x1000)
        XCTAssertEqual(m.ram.u64(BootLayout.pageTables + 0x2000 + 8 * 5), 5 << 21 | 0x83)
        // boot_params.
        let zp: UInt64 = 0x7000
        XCTAssertEqual(m.ram.u32(zp + 0x202), 0x5372_6448, "setup header copied")
        XCTAssertEqual(m.ram.u16(zp + 0x206), 0x20F)
        XCTAssertEqual(m.ram.u8(zp + 0x210), 0xFF, "type_of_loader")
        XCTAssertEqual(m.ram.cString(UInt64(m.ram.u32(zp + 0x228))), "console=ttyS0 earlyprintk=serial")
        let rdStart = UInt64(m.ram.u32(zp + 0x218)), rdSize = m.ram.u32(zp + 0x21C)
        XCTAssertEqual(rdSize, 10_000)
        XCTAssertEqual(rdStart % 4096, 0)
        XCTAssertLessThanOrEqual(rdStart + 10_000, 64 << 20)
        XCTAssertGreaterThan(rdStart, 64 << 20 - 0x4000 - 1, "as high as RAM allows")
        XCTAssertEqual(m.ram.read(rdStart, count: 10_000), initrd)
        XCTAssertEqual(m.ram.u64(zp + 0x070), 0xE0000, "acpi_rsdp_addr")
        let e820 = try XCTUnwrap(m.memoryMap).e820
        XCTAssertEqual(Int(m.ram.u8(zp + 0x1E8)), e820.count)
        for (k, e) in e820.enumerated() {
            XCTAssertEqual(m.ram.u64(zp + 0x2D0 + UInt64(20 * k)), e.base)
            XCTAssertEqual(m.ram.u64(zp + 0x2D8 + UInt64(20 * k)), e.length)
            XCTAssertEqual(m.ram.u32(zp + 0x2E0 + UInt64(20 * k)), e.kind.rawValue)
        }
        XCTAssertEqual(m.ram.read(0x10_0200, count: code.count), code, "protected-mode kernel at 1 MiB")
        XCTAssertEqual(m.run(maxInstructions: 100), .debugExit(UInt64(e820.count)))
    }

    func testLinux32BitEntryWithoutXLF64() throws {
        let m = try board()
        let r = try m.boot(kernel: bzImage(code64: [], version: 0x20A, xloadflags: 0))
        XCTAssertEqual(r.entry.mode, .protected32)
        XCTAssertEqual(r.entry.rip, 0x10_0000)
        XCTAssertEqual(r.entry.rsi, 0x7000)
        XCTAssertEqual(m.ram.u64(BootLayout.gdt + 0x10), 0x00CF_9A00_0000_FFFF, "__BOOT_CS 32-bit")
    }

    func testBadImagesGiveTypedErrors() throws {
        let m = try board()
        XCTAssertThrowsError(try m.boot(kernel: [1, 2, 3])) { XCTAssertEqual($0 as? BootError, .unrecognizedImage) }
        // Truncated bzImage (setup larger than the file).
        var bz = bzImage(code64: [])
        bz = Array(bz[0..<0x300])
        XCTAssertThrowsError(try m.boot(kernel: bz)) {
            guard case .badImage = $0 as? BootError else { return XCTFail("\($0)") }
        }
        XCTAssertThrowsError(try m.boot(kernel: bzImage(code64: [], version: 0x204))) {
            guard case .unsupported = $0 as? BootError else { return XCTFail("\($0)") }
        }
        // Multiboot requirement bit 3 (unknown) must fail.
        XCTAssertThrowsError(try m.boot(kernel: multiboot1AoutImage(extraFlags: 1 << 3))) {
            XCTAssertEqual($0 as? BootError, .unsupported("Multiboot header requires features 0x8"))
        }
        // a.out kludge whose load_end runs past the file.
        var aout = multiboot1AoutImage()
        aout.replaceSubrange(0x54..<0x58, with: [0x00, 0x10, 0x20, 0x00])   // load_end 0x201000
        XCTAssertThrowsError(try m.boot(kernel: aout)) {
            guard case .badImage = $0 as? BootError else { return XCTFail("\($0)") }
        }
        // Kernel loaded beyond RAM.
        var far = multiboot1AoutImage()
        far.replaceSubrange(0x4C..<0x5C, with: [0x40, 0, 0, 0x10, 0, 0, 0, 0x10, 0, 0, 0, 0, 0, 0, 0, 0])
        XCTAssertThrowsError(try m.boot(kernel: far)) {
            guard case .doesNotFit = $0 as? BootError else { return XCTFail("\($0)") }
        }
        // Initrd bigger than RAM.
        XCTAssertThrowsError(try m.boot(kernel: bzImage(code64: []), initrd: [UInt8](repeating: 0, count: 70 << 20))) {
            guard case .doesNotFit = $0 as? BootError else { return XCTFail("\($0)") }
        }
        // A bare machine has no memory map.
        let bare = try Machine(memorySize: 16 << 20)
        XCTAssertThrowsError(try bare.boot(kernel: multiboot1AoutImage())) { XCTAssertEqual($0 as? BootError, .noMemoryMap) }
    }

    func testDebianBzImageHeader() throws {
        let boot = (try? FileManager.default.contentsOfDirectory(atPath: "/boot")) ?? []
        guard let name = boot.sorted().last(where: { $0.hasPrefix("vmlinuz-") }),
              let data = FileManager.default.contents(atPath: "/boot/" + name) else {
            throw XCTSkip("no /boot/vmlinuz-* (apt-get install linux-image-amd64)")
        }
        let file = [UInt8](data)
        XCTAssertEqual(BootProtocol.detect(file), .linux)
        let h = try LinuxBoot.parseHeader(file)
        XCTAssertGreaterThanOrEqual(h.version, 0x20C)
        XCTAssertTrue(h.supports64BitEntry)
        XCTAssertTrue(h.relocatable)
        XCTAssertGreaterThan(h.initSize, UInt32(file.count - h.protectedModeOffset))
        let m = try board(512)
        let r = try m.boot(kernel: file, commandLine: "console=ttyS0")
        XCTAssertEqual(r.entry.rip, 0x10_0200)
        XCTAssertEqual(m.ram.read(0x10_0000, count: 64), Array(file[h.protectedModeOffset..<h.protectedModeOffset + 64]))
        // The decompressor runs at max(aligned load address, pref_address = 16 MiB) and needs
        // init_size (63.6 MiB for 6.1) there: 72 MiB holds it at 1 MiB but not at 16 MiB.
        XCTAssertEqual(h.preferredAddress, 0x100_0000)
        XCTAssertThrowsError(try board(72).boot(kernel: file)) {
            guard case let .doesNotFit(what, start, _) = $0 as? BootError else { return XCTFail("\($0)") }
            XCTAssertTrue(what.contains("run address"), what)
            XCTAssertEqual(start, 0x100_0000)
        }
        XCTAssertNoThrow(try board(96).boot(kernel: file))
        // Too little RAM for init_size: a typed error, not a trap.
        let small = try board(8)
        XCTAssertThrowsError(try small.boot(kernel: file)) {
            guard case .doesNotFit = $0 as? BootError else { return XCTFail("\($0)") }
        }
    }
}

final class MemoryMapTests: XCTestCase {
    func testE820For64MiB() throws {
        let m = try GuestMemoryMap(ramSize: 64 << 20)
        XCTAssertEqual(m.e820, [
            E820Entry(base: 0, length: 0x9FC00, kind: .ram),
            E820Entry(base: 0x9FC00, length: 0x400, kind: .reserved),
            E820Entry(base: 0xE0000, length: 0x20000, kind: .reserved),
            E820Entry(base: 0x100000, length: (64 << 20) - 0x100000, kind: .ram),
            E820Entry(base: 0xE000_0000, length: 256 << 20, kind: .reserved),
        ])
        XCTAssertTrue(m.isUsableRAM(0x100000, count: 0x1000))
        XCTAssertFalse(m.isUsableRAM(0xA0000, count: 1), "VGA window")
        XCTAssertFalse(m.isUsableRAM(0xF0000, count: 1), "BIOS area")
        XCTAssertFalse(m.isUsableRAM(64 << 20, count: 1))
        XCTAssertFalse(m.isUsableRAM(UInt64.max, count: 2), "no overflow trap")
    }

    func testRAMAbove3GiBMovesAbove4GiB() throws {
        let m = try GuestMemoryMap(ramSize: 5 << 30)
        XCTAssertEqual(m.lowRAMEnd, 3 << 30)
        XCTAssertEqual(m.highRAMSize, 2 << 30)
        XCTAssertEqual(m.e820.last, E820Entry(base: 4 << 30, length: 2 << 30, kind: .ram))
        // The board maps it: RAM up to 3 GiB, the hole is not RAM (MMIO), RAM again at 4 GiB.
        let b = try Machine(board: BoardConfiguration(memorySize: 5 << 30))
        XCTAssertTrue(b.ram.contains((3 << 30) - 8, count: 8))
        XCTAssertFalse(b.ram.contains((3 << 30) - 4, count: 8), "an access running into the hole")
        XCTAssertFalse(b.ram.contains(0xFEE0_0000, count: 4), "local APIC page")
        XCTAssertTrue(b.ram.contains(4 << 30, count: 8))
        XCTAssertTrue(b.ram.contains((6 << 30) - 8, count: 8))
        XCTAssertFalse(b.ram.contains(6 << 30, count: 1))
        XCTAssertEqual(b.ram.ranges, [0..<(3 << 30), (4 << 30)..<(6 << 30)])
        // The CPU reaches it: a flat 64-bit store at 5 GiB lands in RAM, one at the local APIC
        // reaches the device (its TPR reads back).
        XCTAssertTrue(b.ram.write([1, 2, 3, 4], at: 5 << 30))
        XCTAssertEqual(b.ram.read(5 << 30, count: 4), [1, 2, 3, 4])
        XCTAssertNil(b.ram.read(0xC000_0000, count: 4))
    }

    func testBadSizes() {
        XCTAssertThrowsError(try GuestMemoryMap(ramSize: 1 << 20)) { XCTAssertEqual($0 as? GuestMemoryMapError, .tooSmall(1 << 20)) }
        XCTAssertThrowsError(try GuestMemoryMap(ramSize: (64 << 20) + 1)) { XCTAssertEqual($0 as? GuestMemoryMapError, .notPageMultiple((64 << 20) + 1)) }
        XCTAssertThrowsError(try GuestMemoryMap(ramSize: 100 << 30)) {
            guard case .tooLarge = $0 as? GuestMemoryMapError else { return XCTFail() }
        }
    }
}
