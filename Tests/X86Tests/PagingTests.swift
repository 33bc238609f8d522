// Tests for the memory system with paging on (MMU/Paging.swift, MMU/TLB.swift), the control
// registers and MSRs (Instructions/ControlRegisters.swift, MSRs.swift). The oracle is the
// Intel SDM vol. 3 ch. 4 / AMD APM vol. 2 ch. 5: error codes, A/D bits, permission rules.

import EmulatorCore
import XCTest
@testable import X86

func le32(_ v: UInt64) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> UInt64(8 * $0)) } }
func le64(_ v: UInt64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: v >> UInt64(8 * $0)) } }

/// A TestCPU in 64-bit mode with 4-level paging on: the first 4 MiB identity-mapped with 4 KiB
/// pages (present, writable, user unless told otherwise), tables allocated from 0x200000 up.
final class PagedCPU {
    let t: TestCPU
    var nextTable: UInt64 = 0x20_0000
    let pml4: UInt64
    static let p: UInt64 = 1, rw: UInt64 = 2, us: UInt64 = 4, a: UInt64 = 0x20, d: UInt64 = 0x40
    static let ps: UInt64 = 0x80, g: UInt64 = 0x100, nx: UInt64 = 1 << 63

    init(_ code: [UInt8], flags: UInt64 = PagedCPU.p | PagedCPU.rw | PagedCPU.us) {
        t = TestCPU(code, memory: 8 << 20)
        pml4 = 0x20_0000
        nextTable = 0x20_1000
        for page in 0..<1024 where page != 0 {
            map(UInt64(page) << 12, to: UInt64(page) << 12, flags: flags)
        }
        t.state.pointee.cr3 = pml4
        t.state.pointee.cr0 |= CR0.pg | CR0.wp
        t.state.pointee.memory.flushTLB()
    }

    var ram: PhysicalMemory { t.ram }
    var state: CPU { t.state }
    func read64(_ pa: UInt64) -> UInt64 { (ram.base + Int(pa)).loadUnaligned(as: UInt64.self) }
    func write64(_ pa: UInt64, _ v: UInt64) { (ram.base + Int(pa)).storeBytes(of: v, as: UInt64.self) }

    func allocTable() -> UInt64 {
        let tbl = nextTable
        nextTable += 0x1000
        for k in 0..<512 { write64(tbl + UInt64(k) * 8, 0) }
        return tbl
    }

    /// Address of the entry for `va` at `level` (4 = PML4 ... 1 = PT), creating tables above it
    /// with all permissions (upper levels allow everything; the leaf decides).
    func entryAddress(_ va: UInt64, level: Int, upper: UInt64 = PagedCPU.p | PagedCPU.rw | PagedCPU.us) -> UInt64 {
        var table = pml4
        var l = 4
        while true {
            let pa = table + ((va >> UInt64(12 + 9 * (l - 1))) & 0x1FF) * 8
            if l == level { return pa }
            var e = read64(pa)
            if e & 1 == 0 {
                e = allocTable() | upper
                write64(pa, e)
            }
            table = e & 0x000F_FFFF_FFFF_F000
            l -= 1
        }
    }

    func map(_ va: UInt64, to pa: UInt64, flags: UInt64, level: Int = 1) {
        let f = level > 1 ? flags | PagedCPU.ps : flags
        write64(entryAddress(va, level: level), pa | f)
    }

    func pte(_ va: UInt64) -> UInt64 { read64(entryAddress(va, level: 1)) }

    @discardableResult func run(_ n: UInt64 = 1) -> StopReason { t.run(n) }
}

func pf(_ code: UInt32) -> CPUFault { CPUFault(.pageFault, errorCode: code) }

final class PagingTests: XCTestCase {
    // mov rax, [abs32]
    func load(_ a: UInt64) -> [UInt8] { [0x48, 0x8B, 0x04, 0x25] + le32(a) }
    // mov [abs32], rax
    func store(_ a: UInt64) -> [UInt8] { [0x48, 0x89, 0x04, 0x25] + le32(a) }

    // MARK: walks, large pages, A/D bits

    func testWalkSetsAccessedThenDirty() {
        let m = PagedCPU(load(0x5008) + store(0x5010))
        m.write64(0x5008, 0x1122_3344_5566_7788)
        XCTAssertEqual(m.run(), .budgetExhausted)
        XCTAssertEqual(m.t[Reg.rax], 0x1122_3344_5566_7788)
        let pte = m.pte(0x5000)
        XCTAssertEqual(pte & PagedCPU.a, PagedCPU.a, "read sets A")
        XCTAssertEqual(pte & PagedCPU.d, 0, "read leaves D clear")
        // Upper levels got A too.
        XCTAssertNotEqual(m.read64(m.entryAddress(0x5000, level: 4)) & PagedCPU.a, 0)
        XCTAssertNotEqual(m.read64(m.entryAddress(0x5000, level: 2)) & PagedCPU.a, 0)
        XCTAssertEqual(m.run(), .budgetExhausted)
        XCTAssertEqual(m.pte(0x5000) & PagedCPU.d, PagedCPU.d, "write sets D")
        XCTAssertEqual(m.read64(0x5010), 0x1122_3344_5566_7788)
    }

    func testLargePages() {
        // 2 MiB page at 0x4000_0000 -> physical 0x40_0000; 1 GiB page at 0x80_0000_0000 -> 0.
        let m = PagedCPU(load(0x4000_0010) + [0x48, 0x89, 0xC3] + [0x48, 0xB9] + le64(0x80_0000_5000) + [0x48, 0x8B, 0x11])
        m.map(0x4000_0000, to: 0x40_0000, flags: PagedCPU.p | PagedCPU.rw, level: 2)
        m.map(0x80_0000_0000, to: 0, flags: PagedCPU.p | PagedCPU.rw, level: 3)
        m.write64(0x40_0010, 0xAAAA)
        m.write64(0x5000, 0xBBBB)
        XCTAssertEqual(m.run(4), .budgetExhausted)
        XCTAssertEqual(m.t[Reg.rbx], 0xAAAA)
        XCTAssertEqual(m.t[Reg.rdx], 0xBBBB)
        XCTAssertNotEqual(m.read64(m.entryAddress(0x4000_0000, level: 2)) & PagedCPU.a, 0)
        // Reserved bit 13 in a 2 MiB PDE: #PF(P|RSVD).
        let pde = m.entryAddress(0x4000_0000, level: 2)
        m.write64(pde, m.read64(pde) | 0x2000)
        m.state.pointee.memory.flushTLB()
        m.state.pointee.rip = 0x1000
        XCTAssertEqual(m.run(), .exception(pf(0x9), rip: 0x1000))
        XCTAssertEqual(m.state.pointee.cr2, 0x4000_0010)
    }

    // MARK: #PF error codes and CR2

    func testNotPresentErrorCodes() {
        // Supervisor read, supervisor write of an unmapped page.
        let m = PagedCPU(load(0x50_0008))
        XCTAssertEqual(m.run(), .exception(pf(0), rip: 0x1000))
        XCTAssertEqual(m.state.pointee.cr2, 0x50_0008)
        let w = PagedCPU(store(0x50_0010))
        XCTAssertEqual(w.run(), .exception(pf(2), rip: 0x1000))
        XCTAssertEqual(w.state.pointee.cr2, 0x50_0010)
        // User read.
        let u = PagedCPU(load(0x50_0018))
        u.state.pointee.cpl = 3
        XCTAssertEqual(u.run(), .exception(pf(4), rip: 0x1000))
        XCTAssertEqual(u.state.pointee.cr2, 0x50_0018)
    }

    func testReservedBitErrorCode() {
        let m = PagedCPU(load(0x6000))
        let e = m.entryAddress(0x6000, level: 1)
        m.write64(e, m.read64(e) | (1 << 51))   // above MAXPHYADDR = 48
        XCTAssertEqual(m.run(), .exception(pf(0x9), rip: 0x1000))
        // The XD bit is reserved while EFER.NXE is clear.
        let n = PagedCPU(load(0x6000))
        let e2 = n.entryAddress(0x6000, level: 1)
        n.write64(e2, n.read64(e2) | PagedCPU.nx)
        XCTAssertEqual(n.run(), .exception(pf(0x9), rip: 0x1000))
        n.state.pointee.efer |= EFER.nxe
        n.state.pointee.memory.flushTLB()
        XCTAssertEqual(n.run(), .budgetExhausted, "with NXE, XD on a data page is allowed")
        // The failed walks set no Accessed bit.
        XCTAssertEqual(m.read64(e) & PagedCPU.a, 0)
    }

    func testUserSupervisorAndReadOnly() {
        // User read of a supervisor page: P|U.
        let m = PagedCPU(load(0x7000))
        m.map(0x7000, to: 0x7000, flags: PagedCPU.p | PagedCPU.rw)
        m.state.pointee.cpl = 3
        XCTAssertEqual(m.run(), .exception(pf(0x5), rip: 0x1000))
        // User write to a read-only user page: P|W|U.
        let w = PagedCPU(store(0x7000))
        w.map(0x7000, to: 0x7000, flags: PagedCPU.p | PagedCPU.us)
        w.state.pointee.cpl = 3
        XCTAssertEqual(w.run(), .exception(pf(0x7), rip: 0x1000))
        XCTAssertEqual(w.state.pointee.cr2, 0x7000)
        // A supervisor read of a user page is allowed (no SMAP).
        let s = PagedCPU(load(0x7000))
        XCTAssertEqual(s.run(), .budgetExhausted)
    }

    func testUserBitIsCombinedOverLevels() {
        // The leaf says user, but the PDE does not: user access faults.
        let m = PagedCPU(load(0x20_3000 + 0x40_0000))
        let va: UInt64 = 0x60_3000
        let pde = m.entryAddress(va, level: 2, upper: PagedCPU.p | PagedCPU.rw | PagedCPU.us)
        m.write64(pde, m.allocTable() | PagedCPU.p | PagedCPU.rw)     // supervisor-only PDE
        m.map(va, to: 0x8000, flags: PagedCPU.p | PagedCPU.rw | PagedCPU.us)
        m.state.pointee.cpl = 3
        XCTAssertEqual(m.run(), .exception(pf(0x5), rip: 0x1000))
    }

    func testWriteProtectForSupervisorWrites() {
        let code = store(0x9000)
        let m = PagedCPU(code)
        m.map(0x9000, to: 0x9000, flags: PagedCPU.p)
        m.state.pointee.cr0 &= ~CR0.wp
        m.t[Reg.rax] = 0x55
        XCTAssertEqual(m.run(), .budgetExhausted, "WP=0: supervisor writes ignore R/W")
        XCTAssertEqual(m.read64(0x9000), 0x55)
        XCTAssertNotEqual(m.pte(0x9000) & PagedCPU.d, 0)
        let w = PagedCPU(code)
        w.map(0x9000, to: 0x9000, flags: PagedCPU.p)
        XCTAssertEqual(w.run(), .exception(pf(0x3), rip: 0x1000), "WP=1: P|W")
    }

    func testNoExecuteFetch() {
        // jmp rax to an NX page: #PF(P|I/D) at the target, CR2 = target.
        let m = PagedCPU([0xFF, 0xE0])
        m.map(0xA000, to: 0xA000, flags: PagedCPU.p | PagedCPU.rw | PagedCPU.nx)
        m.state.pointee.efer |= EFER.nxe
        m.t[Reg.rax] = 0xA000
        XCTAssertEqual(m.run(), .budgetExhausted)
        XCTAssertEqual(m.run(), .exception(pf(0x11), rip: 0xA000))
        XCTAssertEqual(m.state.pointee.cr2, 0xA000)
        // Fetch from a not-present page: I/D only (NXE on), user fetch adds U.
        let n = PagedCPU([0xFF, 0xE0])
        n.state.pointee.efer |= EFER.nxe
        n.t[Reg.rax] = 0x50_0000
        n.state.pointee.cpl = 3
        XCTAssertEqual(n.run(), .budgetExhausted)
        XCTAssertEqual(n.run(), .exception(pf(0x14), rip: 0x50_0000))
        // Without NXE the I/D bit is not reported.
        let o = PagedCPU([0xFF, 0xE0])
        o.t[Reg.rax] = 0x50_0000
        XCTAssertEqual(o.run(), .budgetExhausted)
        XCTAssertEqual(o.run(), .exception(pf(0), rip: 0x50_0000))
    }

    func testInstructionCrossingIntoUnmappedPage() {
        // mov rax, imm64 at 0x1FFB..0x2004: its tail is on the unmapped page 0x2000.
        let m = PagedCPU([0xFF, 0xE0])
        let bytes: [UInt8] = [0x48, 0xB8, 1, 2, 3, 4, 5, 6, 7, 8]
        (m.ram.base + 0x1FFB).copyMemory(from: bytes, byteCount: 5)
        m.write64(m.entryAddress(0x2000, level: 1), 0)
        m.t[Reg.rax] = 0x1FFB
        XCTAssertEqual(m.run(), .budgetExhausted)
        XCTAssertEqual(m.run(), .exception(pf(0), rip: 0x1FFB))
        XCTAssertEqual(m.state.pointee.cr2, 0x2000)
    }

    // MARK: TLB coherence, CR3, INVLPG, global pages

    func testPageTableWriteIsSeenWithoutInvlpg() {
        // The TLB is exactly coherent: a guest store to a PTE changes the next translation.
        let va: UInt64 = 0xB000
        let m = PagedCPU(load(va) + [0x48, 0x89, 0xC3] + [0x48, 0xB8] + le64(0xC000 | 7) + store(0) + load(va))
        let pteAddress = m.entryAddress(va, level: 1)
        // Patch the store's address to the PTE's (it lives in the identity-mapped table area).
        let storeAt = 0x1000 + 8 + 3 + 10
        (m.ram.base + storeAt + 4).copyMemory(from: le32(pteAddress), byteCount: 4)
        m.write64(0xB000, 0x1B)
        m.write64(0xC000, 0x1C)
        XCTAssertEqual(m.run(5), .budgetExhausted)
        XCTAssertEqual(m.t[Reg.rbx], 0x1B)
        XCTAssertEqual(m.t[Reg.rax], 0x1C)
    }

    func testWriteThroughSelfMappedPageTable() {
        // VA 0x40_0000 maps the page table that holds its own PTE. Storing a new PTE through
        // that mapping remaps the VA at once: the next load through it sees the new frame.
        let va: UInt64 = 0x40_0000
        let m = PagedCPU([])
        let pteAddress = m.entryAddress(va, level: 1)
        let ptFrame = pteAddress & ~0xFFF
        m.map(va, to: ptFrame, flags: PagedCPU.p | PagedCPU.rw)
        let slot = va + (pteAddress & 0xFFF)          // the PTE of `va`, seen through `va`
        // mov rax, new PTE; mov [slot], rax; mov [va + 0x18], rax; mov rax, [va + 0x10]
        let code = [0x48, 0xB8] + le64(0x9000 | 3) + store(slot) + store(va + 0x18) + load(va + 0x10)
        (m.ram.base + 0x1000).copyMemory(from: code, byteCount: code.count)
        m.write64(0x9010, 0x99)
        let before = m.read64(ptFrame + 0x18)
        XCTAssertEqual(m.run(4), .budgetExhausted)
        XCTAssertEqual(m.t[Reg.rax], 0x99, "the load uses the new mapping")
        // The store right after the PTE write uses the new mapping too (no write entry kept
        // from the translation made before the PTE changed).
        XCTAssertEqual(m.read64(0x9018), 0x9003)
        XCTAssertEqual(m.read64(ptFrame + 0x18), before)
    }

    func testCR3LoadAndGlobalPages() {
        // Two address spaces mapping VA 0xD000 to different frames, as global pages.
        let m = PagedCPU(load(0xD000) + [0x48, 0x89, 0xC3, 0x0F, 0x22, 0xD9] + load(0xD000))
        m.state.pointee.cr4 |= CR4.pge
        m.map(0xD000, to: 0xE000, flags: PagedCPU.p | PagedCPU.rw | PagedCPU.g)
        let first = m.pml4
        // Second PML4: copy of the first except a new path for 0xD000.
        let second = m.allocTable()
        let pdpt = m.allocTable(), pd = m.allocTable(), pt = m.allocTable()
        let oldPT = m.read64(m.entryAddress(0xD000, level: 2)) & 0x000F_FFFF_FFFF_F000
        for k in 0..<512 { m.write64(pt + UInt64(k) * 8, m.read64(oldPT + UInt64(k) * 8)) }
        m.write64(pt + 0xD * 8, 0xF000 | 0x103)
        m.write64(pd, pt | 7); m.write64(pdpt, pd | 7); m.write64(second, pdpt | 7)
        _ = first
        m.write64(0xE000, 0xEE)
        m.write64(0xF000, 0xFF)
        m.t[Reg.rcx] = second
        XCTAssertEqual(m.run(4), .budgetExhausted)
        XCTAssertEqual(m.t[Reg.rbx], 0xEE)
        XCTAssertEqual(m.state.pointee.cr3, second)
        // Documented choice: a CR3 load drops global entries too (allowed: a TLB may evict any
        // entry at any time), so the new address space's mapping is used.
        XCTAssertEqual(m.t[Reg.rax], 0xFF)
    }

    func testInvlpgDropsOnePage() {
        let m = PagedCPU(load(0x5000) + load(0x6000) + [0x0F, 0x01, 0x3C, 0x25] + le32(0x5000))
        XCTAssertEqual(m.run(2), .budgetExhausted)
        let tlb = m.state.pointee.memory.readTLB
        XCTAssertEqual(tlb[5].tag, 5, "filled")
        XCTAssertEqual(tlb[6].tag, 6)
        XCTAssertEqual(m.run(), .budgetExhausted)
        XCTAssertEqual(tlb[5].tag, TLBEntry.invalidTag, "INVLPG dropped 0x5000")
        XCTAssertEqual(tlb[6].tag, 6, "and kept 0x6000")
        // At CPL 3: #GP(0).
        let u = PagedCPU([0x0F, 0x01, 0x3C, 0x25] + le32(0x5000))
        u.state.pointee.cpl = 3
        XCTAssertEqual(u.run(), .exception(.gp(0), rip: 0x1000))
    }

    func testUserAndSupervisorTLBsAreSeparate() {
        // A supervisor read fills the supervisor table; the same page read at CPL 3 must still fault.
        let m = PagedCPU(load(0x7000) + load(0x7000))
        m.map(0x7000, to: 0x7000, flags: PagedCPU.p | PagedCPU.rw)
        XCTAssertEqual(m.run(), .budgetExhausted)
        m.state.pointee.cpl = 3
        XCTAssertEqual(m.run(), .exception(pf(0x5), rip: 0x1008))
    }

    // MARK: self-modifying code through an alias

    func testSelfModifyingCodeThroughAlias() {
        // Code page 0x1000 is also mapped writable at 0x40_1000. The store patches the
        // immediate of "mov eax, 1" at 0x1010 (through the alias) to 2 before it runs.
        var code: [UInt8] = [0xC6, 0x04, 0x25] + le32(0x40_1011) + [0x02]    // mov byte [0x401011], 2
        code += [UInt8](repeating: 0x90, count: 0x10 - code.count)
        code += [0xB8, 0x01, 0x00, 0x00, 0x00]                                 // mov eax, 1
        let m = PagedCPU(code)
        m.map(0x40_1000, to: 0x1000, flags: PagedCPU.p | PagedCPU.rw)
        // First, execute the block once without the store so it is decoded and cached.
        m.state.pointee.rip = 0x1010
        XCTAssertEqual(m.run(), .budgetExhausted)
        XCTAssertEqual(m.t[Reg.rax], 1)
        m.state.pointee.rip = 0x1000
        XCTAssertEqual(m.run(1 + 8 + 1), .budgetExhausted)
        XCTAssertEqual(m.t[Reg.rax], 2, "the patched instruction ran")
        XCTAssertEqual(m.ram.base.load(fromByteOffset: 0x1011, as: UInt8.self), 2)
    }

    // MARK: legacy 32-bit paging and PAE

    func testLegacyTwoLevelPagingWith4MiBPage() {
        // mov eax, [0x00C0_0010]  (32-bit mode; 4 MiB page at 0xC0_0000 -> 0x40_0000)
        let t = TestCPU([0x8B, 0x05] + le32(0xC0_0010) + [0x8B, 0x1D] + le32(0x3010), mode: .protected32, memory: 8 << 20)
        let pd: UInt64 = 0x10_0000, pt: UInt64 = 0x10_1000
        func w32(_ a: UInt64, _ v: UInt32) { (t.ram.base + Int(a)).storeBytes(of: v, as: UInt32.self) }
        w32(pd + 0, UInt32(pt) | 3)                              // first 4 MiB through a page table
        for k in 0..<1024 { w32(pt + UInt64(k) * 4, UInt32(k << 12) | 3) }
        w32(pt + 3 * 4, 0x5000 | 3)                              // VA 0x3000 -> PA 0x5000
        w32(pd + 3 * 4, 0x40_0000 | 0x83)                        // VA 0xC0_0000: 4 MiB page
        (t.ram.base + 0x40_0010).storeBytes(of: UInt32(0xC0FFEE), as: UInt32.self)
        (t.ram.base + 0x5010).storeBytes(of: UInt32(0xBEEF), as: UInt32.self)
        let s = t.state
        s.pointee.efer = 0
        s.pointee.cr4 = CR4.pse
        s.pointee.cr3 = pd
        s.pointee.cr0 |= CR0.pg
        XCTAssertEqual(t.run(2), .budgetExhausted)
        XCTAssertEqual(t[Reg.rax], 0xC0FFEE)
        XCTAssertEqual(t[Reg.rbx], 0xBEEF)
        XCTAssertNotEqual(t.ram.base.load(fromByteOffset: Int(pd + 12), as: UInt32.self) & 0x20, 0, "PDE A bit")
    }

    func testPAE32BitPaging() {
        let t = TestCPU([0x8B, 0x05] + le32(0x4000_3010), mode: .protected32, memory: 8 << 20)
        let pdpt: UInt64 = 0x10_0000, pd0: UInt64 = 0x10_1000, pd1: UInt64 = 0x10_2000, pt: UInt64 = 0x10_3000
        func w64(_ a: UInt64, _ v: UInt64) { (t.ram.base + Int(a)).storeBytes(of: v, as: UInt64.self) }
        w64(pdpt, pd0 | 1)
        w64(pdpt + 8, pd1 | 1)
        w64(pd0, 0 | 0x83)                  // VA 0-2 MiB identity (code)
        w64(pd1, pt | 3)                    // VA 0x4000_0000: page table
        w64(pt + 3 * 8, 0x6000 | 3)         // VA 0x4000_3000 -> 0x6000
        (t.ram.base + 0x6010).storeBytes(of: UInt32(0x1234_5678), as: UInt32.self)
        let s = t.state
        s.pointee.efer = 0
        s.pointee.cr4 = CR4.pae
        s.pointee.cr3 = pdpt
        s.pointee.cr0 |= CR0.pg
        XCTAssertEqual(t.run(), .budgetExhausted)
        XCTAssertEqual(t[Reg.rax], 0x1234_5678)
    }

    // MARK: control registers

    func testControlRegisterWritesAtCPL3Fault() {
        for code: [UInt8] in [[0x0F, 0x22, 0xD8], [0x0F, 0x20, 0xC0], [0x0F, 0x22, 0xE0], [0x0F, 0x32], [0x0F, 0x30],
                              [0x0F, 0x06], [0x0F, 0x09], [0x0F, 0x01, 0xF8], [0x0F, 0x23, 0xF8]] {
            let t = TestCPU(code)
            t.state.pointee.cpl = 3
            t[Reg.rcx] = UInt64(MSR.efer)
            XCTAssertEqual(t.run(), .exception(.gp(0), rip: 0x1000), "\(code)")
        }
    }

    func testControlRegisterChecks() {
        // MOV CR1 / CR5: #UD.
        XCTAssertEqual(TestCPU([0x0F, 0x20, 0xC8]).run(), .exception(.ud, rip: 0x1000))
        XCTAssertEqual(TestCPU([0x0F, 0x22, 0xE8]).run(), .exception(.ud, rip: 0x1000))
        // CR4 reserved (SMEP, bit 20, not advertised): #GP.
        let a = TestCPU([0x0F, 0x22, 0xE0]); a[Reg.rax] = 0x620 | (1 << 20)
        XCTAssertEqual(a.run(), .exception(.gp(0), rip: 0x1000))
        // CR0.PG without PE: #GP.
        let b = TestCPU([0x0F, 0x22, 0xC0]); b[Reg.rax] = 0x8000_0010
        XCTAssertEqual(b.run(), .exception(.gp(0), rip: 0x1000))
        // CR0 bit 32 set: #GP.
        let c = TestCPU([0x0F, 0x22, 0xC0]); c[Reg.rax] = 0x1_0000_0011
        XCTAssertEqual(c.run(), .exception(.gp(0), rip: 0x1000))
        // CR8 round trip (44 0F 22 C0 = mov cr8, rax), reserved bits #GP.
        let d = TestCPU([0x44, 0x0F, 0x22, 0xC0, 0x44, 0x0F, 0x20, 0xC3]); d[Reg.rax] = 9
        XCTAssertEqual(d.run(2), .budgetExhausted)
        XCTAssertEqual(d[Reg.rbx], 9)
        let e = TestCPU([0x44, 0x0F, 0x22, 0xC0]); e[Reg.rax] = 0x10
        XCTAssertEqual(e.run(), .exception(.gp(0), rip: 0x1000))
        // CR2 and CR3 round trip; CLTS clears TS.
        let f = TestCPU([0x0F, 0x22, 0xD0, 0x0F, 0x20, 0xD3, 0x0F, 0x06]); f[Reg.rax] = 0xDEAD_BEEF_0000
        f.state.pointee.cr0 |= CR0.ts
        XCTAssertEqual(f.run(3), .budgetExhausted)
        XCTAssertEqual(f[Reg.rbx], 0xDEAD_BEEF_0000)
        XCTAssertEqual(f.state.pointee.cr0 & CR0.ts, 0)
    }

    func testEnablingPagingFromSwiftStateByMovCR0() {
        // Paging off -> on through MOV CR3 / MOV CR0 in the guest, with identity tables.
        let m = PagedCPU([0x0F, 0x22, 0xD8, 0x0F, 0x22, 0xC1] + load(0x5000))
        m.state.pointee.cr0 &= ~CR0.pg
        m.t[Reg.rax] = m.pml4
        m.t[Reg.rcx] = m.state.pointee.cr0 | CR0.pg
        m.write64(0x5000, 77)
        XCTAssertEqual(m.run(3), .budgetExhausted)
        XCTAssertNotEqual(m.state.pointee.cr0 & CR0.pg, 0)
        XCTAssertNotEqual(m.state.pointee.efer & EFER.lma, 0)
        XCTAssertEqual(m.t[Reg.rax], 77)
        XCTAssertNotEqual(m.pte(0x5000) & PagedCPU.a, 0, "the load went through the walker")
    }

    func testDebugRegisters() {
        // mov dr0, rax; mov rbx, dr0; mov rcx, dr7 (reset 0x400); mov rdx, dr4 (= dr6 without CR4.DE)
        let t = TestCPU([0x0F, 0x23, 0xC0, 0x0F, 0x21, 0xC3, 0x0F, 0x21, 0xF9, 0x0F, 0x21, 0xE2])
        t[Reg.rax] = 0x1234
        XCTAssertEqual(t.run(4), .budgetExhausted)
        XCTAssertEqual(t[Reg.rbx], 0x1234)
        XCTAssertEqual(t[Reg.rcx], 0x400)
        XCTAssertEqual(t[Reg.rdx], 0xFFFF_0FF0)
        let u = TestCPU([0x0F, 0x21, 0xE2])
        u.state.pointee.cr4 |= CR4.de
        XCTAssertEqual(u.run(), .exception(.ud, rip: 0x1000))
    }

    // MARK: MSRs

    func rdmsr(_ index: UInt32, _ t: TestCPU? = nil) -> (StopReason, UInt64, TestCPU) {
        let c = t ?? TestCPU([0x0F, 0x32])
        c[Reg.rcx] = UInt64(index)
        let r = c.run()
        return (r, c[Reg.rdx] << 32 | c[Reg.rax], c)
    }

    func wrmsr(_ index: UInt32, _ value: UInt64) -> (StopReason, TestCPU) {
        let c = TestCPU([0x0F, 0x30, 0x0F, 0x32])
        c[Reg.rcx] = UInt64(index)
        c[Reg.rax] = value & 0xFFFF_FFFF
        c[Reg.rdx] = value >> 32
        return (c.run(), c)
    }

    func testMSRReadWrite() {
        XCTAssertEqual(rdmsr(MSR.efer).1, 0x500)
        XCTAssertEqual(rdmsr(MSR.pat).1, 0x0007_0406_0007_0406)
        XCTAssertEqual(rdmsr(MSR.apicBase).1, 0xFEE0_0900)
        XCTAssertEqual(rdmsr(MSR.mtrrCap).1, 0x508)
        for index in [MSR.star, MSR.lstar, MSR.cstar, MSR.sysenterESP, MSR.sysenterEIP, MSR.kernelGSBase, MSR.fsBase, MSR.gsBase, MSR.mtrrDefType, 0x200, 0x250, 0x26F] {
            let value: UInt64 = index == MSR.mtrrDefType ? 0xC06 : index == 0x200 ? 0x8000_0006 :
                (0x250...0x26F).contains(index) ? 0x0606_0606_0606_0606 : 0xFFFF_8000_1234_5000
            let (r, c) = wrmsr(index, value)
            XCTAssertEqual(r, .budgetExhausted, String(index, radix: 16))
            XCTAssertEqual(rdmsr(index, c).1, value, String(index, radix: 16))
        }
        // STAR/LSTAR/SFMASK are the fast-system-call registers in CPUState.system.
        let (_, l) = wrmsr(MSR.lstar, 0xFFFF_8000_0000_1000)
        XCTAssertEqual(l.state.pointee.system.lstar, 0xFFFF_8000_0000_1000)
        XCTAssertEqual(wrmsr(MSR.sfmask, 1 << 32).0, .exception(.gp(0), rip: 0x1000), "SFMASK bits 63:32 reserved")
        // FS_BASE is the FS segment base.
        let (_, f) = wrmsr(MSR.fsBase, 0x7000_1000)
        XCTAssertEqual(f.state.pointee.segmentBase[Seg.fs], 0x7000_1000)
        // EFER.NXE and SCE are writable; LMA is not changed by WRMSR.
        let (r, e) = wrmsr(MSR.efer, 0x901)
        XCTAssertEqual(r, .budgetExhausted)
        XCTAssertEqual(e.state.pointee.efer, 0xD01)
    }

    /// The AMD MSRs Debian's Linux 6.1 reads on every boot (its log showed "unchecked MSR access"
    /// for each before they existed): patch level 0, HWCR with TscFreqSel (bit 24) fixed at 1,
    /// NB_CFG stored.
    func testAMDBootMSRs() {
        XCTAssertEqual(rdmsr(MSR.amdPatchLevel).1, 0)
        XCTAssertEqual(rdmsr(MSR.amdHWCR).1, 1 << 24)
        let (r, h) = wrmsr(MSR.amdHWCR, 0x8)
        XCTAssertEqual(r, .budgetExhausted)
        XCTAssertEqual(rdmsr(MSR.amdHWCR, h).1, (1 << 24) | 0x8, "TscFreqSel stays set")
        XCTAssertEqual(wrmsr(MSR.amdHWCR, 1 << 32).0, .exception(.gp(0), rip: 0x1000), "HWCR bits 63:32 reserved")
        let (r2, n) = wrmsr(MSR.amdNBConfig, 1 << 46)
        XCTAssertEqual(r2, .budgetExhausted)
        XCTAssertEqual(rdmsr(MSR.amdNBConfig, n).1, 1 << 46)
    }

    /// RDPMC reads the legacy AMD counter WRMSR stored (48 bits); ECX > 3 is #GP(0).
    func testRDPMCReadsThePerfCounters() {
        let t = TestCPU([0x0F, 0x30, 0x0F, 0x33])     // wrmsr PerfCtr1 ; rdpmc
        t[Reg.rcx] = UInt64(MSR.k7PerfCounter0 + 1)
        t[Reg.rax] = 0x89AB_CDEF
        t[Reg.rdx] = 0xFFFF_0123                       // bits 63:48 are dropped by the 48-bit counter
        XCTAssertEqual(t.run(1), .budgetExhausted)
        t[Reg.rcx] = 1
        XCTAssertEqual(t.run(1), .budgetExhausted)
        XCTAssertEqual(t[Reg.rax], 0x89AB_CDEF)
        XCTAssertEqual(t[Reg.rdx], 0x0123)
        let bad = TestCPU([0x0F, 0x33]); bad[Reg.rcx] = 4
        XCTAssertEqual(bad.run(), .exception(.gp(0), rip: 0x1000))
    }

    func testMSRFaults() {
        XCTAssertEqual(rdmsr(0x1234).0, .exception(.gp(0), rip: 0x1000), "unknown MSR")
        XCTAssertEqual(wrmsr(0x1234, 0).0, .exception(.gp(0), rip: 0x1000))
        XCTAssertEqual(wrmsr(MSR.kernelGSBase, 0x8000_0000_0000_0000).0, .exception(.gp(0), rip: 0x1000), "non-canonical")
        XCTAssertEqual(wrmsr(MSR.pat, 0x0007_0406_0007_0402).0, .exception(.gp(0), rip: 0x1000), "PAT type 2")
        XCTAssertEqual(wrmsr(MSR.efer, 0x500 | (1 << 12)).0, .exception(.gp(0), rip: 0x1000), "SVME not supported")
        XCTAssertEqual(wrmsr(MSR.mtrrCap, 0).0, .exception(.gp(0), rip: 0x1000), "read-only")
        XCTAssertEqual(wrmsr(MSR.tscAux, 1 << 32).0, .exception(.gp(0), rip: 0x1000))
        // LME may not change while paging is on.
        let t = PagedCPU([0x0F, 0x30]).t
        t[Reg.rcx] = UInt64(MSR.efer)
        t[Reg.rax] = 0
        XCTAssertEqual(t.run(), .exception(.gp(0), rip: 0x1000))
    }

    func testTSCWriteMovesTheCounter() {
        // wrmsr TSC = 1000; rdtsc right after reads 1000 + 1 (one instruction later).
        let t = TestCPU([0x0F, 0x30, 0x0F, 0x31])
        t[Reg.rcx] = UInt64(MSR.tsc)
        t[Reg.rax] = 1000
        t[Reg.rdx] = 0
        XCTAssertEqual(t.run(2), .budgetExhausted)
        XCTAssertEqual(t[Reg.rdx] << 32 | t[Reg.rax], 1001)
    }

    func testSwapGS() {
        let t = TestCPU([0x0F, 0x01, 0xF8])
        t.state.pointee.segmentBase[Seg.gs] = 0x1111
        t.state.pointee.msr.kernelGSBase = 0x2222
        XCTAssertEqual(t.run(), .budgetExhausted)
        XCTAssertEqual(t.state.pointee.segmentBase[Seg.gs], 0x2222)
        XCTAssertEqual(t.state.pointee.msr.kernelGSBase, 0x1111)
        XCTAssertEqual(TestCPU([0x0F, 0x01, 0xF8], mode: .protected32).run(), .exception(.ud, rip: 0x1000))
    }
}
