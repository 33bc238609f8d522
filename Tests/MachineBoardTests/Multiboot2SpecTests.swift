// MachineBoardTests: Multiboot2 header rules that the GRUB comparison (tools/run-grub-guests.sh)
// does not cover: the information request tag (§3.1.4: a required request for a tag type the
// loader does not know fails the boot; a known one it has no information for is just absent), load_addr -1 in the address tag (§3.1.5), and the load base address tag 21
// that a relocatable image gets (§3.1.13, §3.6.23); several modules through `boot(modules:)`;
// ELF section headers (Multiboot v1 flag 5, Multiboot2 tag 9) with the unloaded sections copied.
// Images are built here byte by byte (Img from BootTests.swift); expected values come from the
// Multiboot2 Specification 2.0.

import XCTest
import EmulatorCore
@testable import Machine

final class Multiboot2SpecTests: XCTestCase {
    func board() throws -> Machine { try Machine(board: BoardConfiguration(memorySize: 64 << 20)) }

    func le32(_ vs: [UInt32]) -> [UInt8] { vs.flatMap { v in (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } } }

    /// A flat image loaded at 1 MiB: Multiboot2 header at file offset 0x20 (address 0x100020) with
    /// `tags` (each: type, flags, body) plus address, entry and end tags; the code at 0x100 exits
    /// through isa-debug-exit with the info's first dword (total_size) after checking EAX.
    func image(_ tags: [(UInt16, UInt16, [UInt8])], loadAddr: UInt32 = 0x10_0000) -> [UInt8] {
        var body: [UInt8] = []
        func tag(_ t: UInt16, _ flags: UInt16, _ b: [UInt8]) {
            var x = Img(count: 8 + b.count); x.put16(0, t); x.put16(2, flags); x.put32(4, UInt32(8 + b.count)); x.put(8, b)
            body += x.b; while body.count % 8 != 0 { body.append(0) }
        }
        for t in tags { tag(t.0, t.1, t.2) }
        tag(2, 0, le32([0x10_0020, loadAddr, 0, 0x10_2000]))
        tag(3, 0, le32([0x10_0100]))
        tag(0, 0, [])
        var i = Img(count: 0x200)
        let len = UInt32(16 + body.count)
        i.put32(0x20, Multiboot2.headerMagic); i.put32(0x24, 0); i.put32(0x28, len)
        i.put32(0x2C, 0 &- (Multiboot2.headerMagic &+ len)); i.put(0x30, body)
        i.put(0x100, reportTotalSizeCode)
        return i.b
    }

    /// 32-bit code: if EAX is the Multiboot2 magic, out 0xF4 <- dword [EBX] (total_size); else 0x7F.
    let reportTotalSizeCode: [UInt8] = [0x3D, 0x89, 0x62, 0xD7, 0x36,   // cmp eax, 0x36D76289
                                        0x75, 0x08,                     // jne fail
                                        0x8B, 0x03,                     // mov eax, [ebx]
                                        0x66, 0xBA, 0xF4, 0x00,         // mov dx, 0xF4
                                        0xEF, 0xF4,                     // out dx, eax; hlt
                                        0xB0, 0x7F, 0x66, 0xBA, 0xF4, 0x00, 0xEE, 0xF4]   // fail: mov al, 0x7F; out; hlt

    /// Tag types of the boot information at `info`, in order.
    func tagTypes(_ m: Machine, _ info: UInt64) -> [UInt32] {
        var seen: [UInt32] = []
        let total = UInt64(m.ram.u32(info))
        var t = info + 8
        while t < info + total {
            let type = m.ram.u32(t)
            seen.append(type)
            if type == 0 { break }
            t += (UInt64(m.ram.u32(t + 4)) + 7) & ~7
        }
        return seen
    }

    func testRequiredInformationRequestThatIsMetBoots() throws {
        // cmdline, module, basic meminfo, memory map, framebuffer: all given (module tags when modules exist).
        let m = try board()
        let r = try m.boot(kernel: image([(1, 0, le32([1, 3, 4, 6, 8]))]), commandLine: "x")
        XCTAssertEqual(tagTypes(m, r.infoAddress).filter { [1, 4, 6, 8].contains($0) }, [1, 4, 6, 8])
        XCTAssertEqual(m.run(maxInstructions: 100), .debugExit(UInt64(m.ram.u32(r.infoAddress))))
    }

    func testRequiredInformationRequestForUnavailableInformationStillBoots() throws {
        // §3.1.4: tag 9 (ELF sections) is known, but this a.out-style image has no section table:
        // the tag is not given and the image boots.
        let m = try board()
        let r = try m.boot(kernel: image([(1, 0, le32([1, 9, 5, 17]))]))
        XCTAssertFalse(tagTypes(m, r.infoAddress).contains(9))
        XCTAssertEqual(m.run(maxInstructions: 100), .debugExit(UInt64(m.ram.u32(r.infoAddress))))
    }

    func testRequiredInformationRequestForAnUnknownTagFails() throws {
        // Tag type 22 is not in the specification: a required request for it must fail the boot.
        let m = try board()
        XCTAssertThrowsError(try m.boot(kernel: image([(1, 0, le32([1, 22]))]))) {
            XCTAssertEqual($0 as? BootError,
                           .unsupported("Multiboot2 information request for tag type 22, which this loader does not know"))
        }
        // Optional: ignored.
        XCTAssertNoThrow(try board().boot(kernel: image([(1, 1, le32([1, 22]))])))
    }

    func testOptionalInformationRequestIsNotEnforced() throws {
        let m = try board()
        let r = try m.boot(kernel: image([(1, 1, le32([9, 12]))]))
        XCTAssertFalse(tagTypes(m, r.infoAddress).contains(9))
    }

    func testLoadAddrMinusOneLoadsFromTheFileStart() throws {
        // header_addr 0x100020 with the header at file offset 0x20: the file's first byte lands at 0x100000.
        let file = image([], loadAddr: 0xFFFF_FFFF)
        let m = try board()
        let r = try m.boot(kernel: file)
        XCTAssertEqual(r.kernelStart, 0x10_0000)
        XCTAssertEqual(m.ram.read(0x10_0000, count: file.count), file)
        XCTAssertEqual(m.ram.read(0x10_0000 + UInt64(file.count), count: 0x2000 - file.count),
                       [UInt8](repeating: 0, count: 0x2000 - file.count), "bss up to bss_end_addr is zero")
        XCTAssertEqual(m.run(maxInstructions: 100), .debugExit(UInt64(m.ram.u32(r.infoAddress))))
    }

    func testRelocatableImageGetsLoadBaseAddressTag() throws {
        // Relocatable tag (type 10, size 24): min_addr, max_addr, align, preference.
        let m = try board()
        let r = try m.boot(kernel: image([(10, 0, le32([0x10_0000, 0x1000_0000, 0x1000, 0]))]))
        let types = tagTypes(m, r.infoAddress)
        XCTAssertEqual(types.last, 0)
        XCTAssertEqual(types.dropLast().last, 21, "tag 21 just before the end tag")
        // Find tag 21: size 12, load_base_addr = where the image was loaded.
        var t = r.infoAddress + 8
        while m.ram.u32(t) != 21 { t += (UInt64(m.ram.u32(t + 4)) + 7) & ~7 }
        XCTAssertEqual(m.ram.u32(t + 4), 12)
        XCTAssertEqual(m.ram.u32(t + 8), 0x10_0000)
        // Linked outside min_addr..max_addr: it would have to be relocated, which we do not do.
        XCTAssertThrowsError(try board().boot(kernel: image([(10, 0, le32([0x20_0000, 0x1000_0000, 0x1000, 0]))]))) {
            XCTAssertEqual($0 as? BootError, .unsupported("Multiboot2 relocatable image linked outside min_addr..max_addr/align (relocation is not implemented)"))
        }
        // Without the relocatable tag there is no tag 21.
        let m2 = try board()
        let r2 = try m2.boot(kernel: image([]))
        XCTAssertFalse(tagTypes(m2, r2.infoAddress).contains(21))
    }

    func testModulesFollowTheInitrdInOrderPageAligned() throws {
        // Multiboot2 §3.6.6: one module tag per module (mod_start, mod_end, string); the module
        // alignment the header may ask for (§3.1.11) is a page.
        let m = try board()
        let a = [UInt8](repeating: 1, count: 5000), b = [UInt8](repeating: 2, count: 10)
        let r = try m.boot(kernel: image([]), initrd: a, initrdName: "first",
                           modules: [BootModule(data: b, string: "second module")])
        var mods: [(UInt64, UInt64, String)] = []
        var t = r.infoAddress + 8
        while m.ram.u32(t) != 0 {
            if m.ram.u32(t) == 3 { mods.append((UInt64(m.ram.u32(t + 8)), UInt64(m.ram.u32(t + 12)), m.ram.cString(t + 16))) }
            t += (UInt64(m.ram.u32(t + 4)) + 7) & ~7
        }
        XCTAssertEqual(mods.map { $0.2 }, ["first", "second module"])
        XCTAssertEqual(mods.map { $0.1 - $0.0 }, [5000, 10])
        XCTAssertTrue(mods.allSatisfy { $0.0 % 4096 == 0 })
        XCTAssertGreaterThanOrEqual(mods[1].0, mods[0].1)
        XCTAssertEqual(m.ram.read(mods[1].0, count: 10), b)
        XCTAssertEqual(r.modules, mods.map { $0.0..<$0.1 })
    }

    func testModulesAreRefusedForNonMultibootImages() throws {
        // A static ELF64 executable boots flat; it has no way to receive modules.
        var e = Img(count: 0x80)
        e.put(0, [0x7F, 0x45, 0x4C, 0x46, 2, 1, 1]); e.put16(16, 2); e.put16(18, 62)
        XCTAssertEqual(BootProtocol.detect(e.b), .elf64)
        let m = try board()
        XCTAssertThrowsError(try m.boot(kernel: e.b, modules: [BootModule(data: [1], string: "x")])) {
            XCTAssertEqual($0 as? BootError, .unsupported("modules are for Multiboot kernels (this image boots as elf64)"))
        }
    }

    /// ELF32 Multiboot v1 image (as BootTests.testMultiboot1ELF32, loaded at 2 MiB) with three
    /// section headers at 0x1A00: null, a symbol table (addr 0: not loaded by the segment) at file
    /// offset 0x1800, and the section-name strings at 0x1900 (e_shstrndx 2).
    func elf32WithSections(shoff: UInt32 = 0x1A00) -> [UInt8] {
        var i = Img(count: 0x2000)
        i.put(0, [0x7F, 0x45, 0x4C, 0x46, 1, 1, 1]); i.put16(16, 2); i.put16(18, 3); i.put32(20, 1)
        i.put32(24, 0x20_0010); i.put32(28, 52); i.put32(32, shoff)
        i.put16(40, 52); i.put16(42, 32); i.put16(44, 1); i.put16(46, 40); i.put16(48, 3); i.put16(50, 2)
        i.put32(52, 1); i.put32(56, 0x1000); i.put32(60, 0x20_0000); i.put32(64, 0x20_0000)
        i.put32(68, 0x1000); i.put32(72, 0x3000); i.put32(76, 5)
        i.put32(0x1000, Multiboot1.headerMagic); i.put32(0x1004, 0); i.put32(0x1008, 0 &- Multiboot1.headerMagic)
        for k in 0..<32 { i.b[0x1800 + k] = UInt8(k + 1) }
        i.put(0x1900, Array("\0.symtab\0.shstrtab\0".utf8))
        // Elf32_Shdr: name, type, flags, addr, offset, size, link, info, addralign, entsize.
        i.put32(0x1A00 + 40 + 0, 1); i.put32(0x1A00 + 40 + 4, 2); i.put32(0x1A00 + 40 + 16, 0x1800)
        i.put32(0x1A00 + 40 + 20, 32); i.put32(0x1A00 + 40 + 32, 4); i.put32(0x1A00 + 40 + 36, 16)
        i.put32(0x1A00 + 80 + 0, 9); i.put32(0x1A00 + 80 + 4, 3); i.put32(0x1A00 + 80 + 16, 0x1900)
        i.put32(0x1A00 + 80 + 20, 19); i.put32(0x1A00 + 80 + 32, 1)
        return i.b
    }

    func testMultiboot1ELFSectionHeadersAndCopiedSections() throws {
        // Multiboot 0.6.96 §3.3: flag 5, num/size/addr/shndx at info 28..40; sections a segment does
        // not load are copied to RAM and their sh_addr set (what GRUB does; roms/grub checks it).
        let m = try board()
        let r = try m.boot(kernel: elf32WithSections(), initrd: [9, 9, 9])
        let info = r.infoAddress
        XCTAssertEqual(m.ram.u32(info) & (1 << 5), 1 << 5)
        XCTAssertEqual([m.ram.u32(info + 28), m.ram.u32(info + 32), m.ram.u32(info + 40)], [3, 40, 2])
        let table = UInt64(m.ram.u32(info + 36))
        let symtab = UInt64(m.ram.u32(table + 40 + 12)), names = UInt64(m.ram.u32(table + 80 + 12))
        XCTAssertGreaterThanOrEqual(symtab, r.kernelEnd, "copied after the image")
        XCTAssertEqual(symtab % 4, 0, "sh_addralign 4")
        XCTAssertEqual(m.ram.read(symtab, count: 32), (1...32).map { UInt8($0) })
        XCTAssertEqual(m.ram.cString(names + 1), ".symtab")
        XCTAssertEqual(m.ram.u32(table + 40 + 16), 0x1800, "other fields as in the file")
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(r.modules.first).lowerBound, names + 19, "modules after the copies")
    }

    func testSectionHeaderTableOutsideTheFileIsABadImage() throws {
        let m = try board()
        XCTAssertThrowsError(try m.boot(kernel: elf32WithSections(shoff: 0x1FC0))) {
            XCTAssertEqual($0 as? BootError, .badImage("ELF section header table lies outside the file"))
        }
    }

    func testRequiredConsoleWithoutEGATextIsRefused() throws {
        // Console flags (§3.1.9): bit 0 console required, bit 1 EGA text supported. EGA text is
        // this machine's only console.
        XCTAssertThrowsError(try board().boot(kernel: image([(4, 0, le32([1]))]))) {
            XCTAssertEqual($0 as? BootError, .unsupported("Multiboot2 console flags: a console is required and EGA text is not accepted (the only console here)"))
        }
        XCTAssertNoThrow(try board().boot(kernel: image([(4, 0, le32([3]))])), "required, EGA text accepted")
        XCTAssertNoThrow(try board().boot(kernel: image([(4, 0, le32([0]))])), "not required")
    }
}
