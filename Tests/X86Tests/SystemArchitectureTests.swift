// Tests of the system architecture ([3/6]): descriptor tables, segment loads, exception and
// interrupt delivery through the IDT (frames checked byte by byte against the layouts in SDM
// vol. 3 Figures 6-4 and 6-9), privilege changes with IRETQ, #DF and triple fault,
// SYSCALL/SYSRET, interrupt acceptance from a fake controller, the STI shadow and HLT wake-up.
// The GDT, IDT and TSS are built in guest RAM from Swift.

import XCTest
import EmulatorCore
import Foundation
@testable import X86

/// A long-mode system: GDT at 0x10000, IDT at 0x11000, 64-bit TSS at 0x12000, handlers from
/// 0x3000, ring-0 stack top 0x70000 (TSS.RSP0), IST1 top 0x60000.
final class SystemMachine {
    let t: TestCPU
    static let gdt: UInt64 = 0x10000, idt: UInt64 = 0x11000, tss: UInt64 = 0x12000
    static let kernelCS: UInt16 = 0x08, kernelSS: UInt16 = 0x10
    static let user32CS: UInt16 = 0x1B, userSS: UInt16 = 0x23, userCS: UInt16 = 0x2B, tssSel: UInt16 = 0x30

    init(_ code: [UInt8]) {
        t = TestCPU(code)
        t.cpu.deliversExceptions = true
        let descriptors: [UInt64] = [
            0,
            0x00AF_9A00_0000_FFFF,  // 0x08 64-bit code, DPL 0
            0x00CF_9200_0000_FFFF,  // 0x10 data, DPL 0
            0x00CF_FA00_0000_FFFF,  // 0x18 32-bit code, DPL 3
            0x00CF_F200_0000_FFFF,  // 0x20 data, DPL 3
            0x00AF_FA00_0000_FFFF,  // 0x28 64-bit code, DPL 3
        ]
        for (k, d) in descriptors.enumerated() { write64(Self.gdt + UInt64(k * 8), d) }
        // 0x30: 64-bit TSS (16 bytes), base 0x12000, limit 0x67 + 8 KiB + 1 (I/O bitmap), type 9.
        let limit: UInt64 = 0x67 + 0x2001
        let base = Self.tss
        let low = (limit & 0xFFFF) | (base & 0xFF_FFFF) << 16 | 0x89 << 40 | ((limit >> 16) & 0xF) << 48 | ((base >> 24) & 0xFF) << 56
        write64(Self.gdt + 0x30, low)
        write64(Self.gdt + 0x38, base >> 32)
        write64(Self.tss + 4, 0x70000)      // RSP0
        write64(Self.tss + 0x24, 0x60000)   // IST1
        write16(Self.tss + 0x66, 0x68)      // I/O bitmap right after the TSS header
        let s = t.state
        s.pointee.system.gdtBase = Self.gdt
        s.pointee.system.gdtLimit = 0x3F
        s.pointee.system.idtBase = Self.idt
        s.pointee.system.idtLimit = 0xFFF
        s.pointee.system.trSelector = Self.tssSel
        s.pointee.system.trBase = Self.tss
        s.pointee.system.trLimit = UInt32(limit)
        s.pointee.system.trAttributes = 0x8B
        s.pointee.moveSetSelector(Seg.cs, Self.kernelCS)
        s.pointee.moveSetSelector(Seg.ss, Self.kernelSS)
    }

    var state: CPU { t.state }

    func write64(_ a: UInt64, _ v: UInt64) { _ = t.ram.write((0..<8).map { UInt8(truncatingIfNeeded: v >> ($0 * 8)) }, at: a) }
    func write16(_ a: UInt64, _ v: UInt16) { _ = t.ram.write([UInt8(v & 0xFF), UInt8(v >> 8)], at: a) }
    func read64(_ a: UInt64) -> UInt64 {
        let b = t.ram.read(a, count: 8) ?? []
        return b.enumerated().reduce(0) { $0 | UInt64($1.element) << (UInt64($1.offset) * 8) }
    }
    func code(_ bytes: [UInt8], at a: UInt64) { _ = t.ram.write(bytes, at: a) }

    /// A 64-bit IDT gate: type 0xE (interrupt) or 0xF (trap).
    func gate(_ vector: Int, handler: UInt64, dpl: UInt64 = 0, type: UInt64 = 0xE, ist: UInt64 = 0,
              present: Bool = true, selector: UInt64 = 0x08) {
        let attr = (present ? 0x80 : 0) | dpl << 5 | type
        let low = (handler & 0xFFFF) | selector << 16 | ist << 32 | attr << 40 | ((handler >> 16) & 0xFFFF) << 48
        write64(Self.idt + UInt64(vector * 16), low)
        write64(Self.idt + UInt64(vector * 16) + 8, handler >> 32)
    }

    /// Puts the CPU at CPL 3 (64-bit user code, user stack selector).
    func enterUser() {
        state.pointee.moveSetSelector(Seg.cs, Self.userCS)
        state.pointee.moveSetSelector(Seg.ss, Self.userSS)
        state.pointee.system.setAttributes(Seg.cs, 0x2FB)
        state.pointee.cpl = 3
    }

    /// The 8-byte slots of the frame at RSP.
    func frame(_ count: Int) -> [UInt64] {
        let rsp = state.pointee.regs[Reg.rsp]
        return (0..<count).map { read64(rsp + UInt64($0 * 8)) }
    }
}

extension TestCPU {
    /// A flat GDT at 0xF000 laid out like Linux's: 0x08 kernel code64, 0x10 kernel data,
    /// 0x18 user data (0x1B), 0x20 user code32 (0x23), 0x28 user data (0x2B), 0x30 user code64
    /// (0x33). For tests that load segment registers (loads read and check the descriptor).
    func installLinuxLikeGDT() {
        let gdt: [UInt64] = [0, 0x00AF_9A00_0000_FFFF, 0x00CF_9200_0000_FFFF, 0x00CF_F200_0000_FFFF,
                             0x00CF_FA00_0000_FFFF, 0x00CF_F200_0000_FFFF, 0x00AF_FA00_0000_FFFF]
        for (k, d) in gdt.enumerated() {
            ram.write((0..<8).map { UInt8(truncatingIfNeeded: d >> ($0 * 8)) }, at: 0xF000 + UInt64(k * 8))
        }
        state.pointee.system.gdtBase = 0xF000
        state.pointee.system.gdtLimit = UInt16(gdt.count * 8 - 1)
    }
}

final class FakeInterruptController: InterruptSource {
    var pending: [UInt8] = []
    var acknowledged: [UInt8] = []
    func pendingVector() -> UInt8? { pending.first }
    func acknowledge(_ vector: UInt8) {
        acknowledged.append(vector)
        pending.removeFirst()
    }
}

final class SystemArchitectureTests: XCTestCase {
    func testINTnFrameSamePrivilege() {
        let m = SystemMachine([0xCD, 0x40])  // int 0x40
        m.gate(0x40, handler: 0x3000)
        m.state.pointee.rflags = 0x202 | Flag.cf
        XCTAssertEqual(m.t.run(1), .budgetExhausted)
        XCTAssertEqual(m.state.pointee.rip, 0x3000)
        XCTAssertEqual(m.state.pointee.regs[Reg.rsp], 0x80000 - 40)
        // RIP (after INT), CS, RFLAGS, RSP, SS: pushed even without a privilege change.
        XCTAssertEqual(m.frame(5), [0x1002, 0x08, 0x203, 0x80000, 0x10])
        XCTAssertEqual(m.state.pointee.rflags & Flag.if, 0, "an interrupt gate clears IF")
        XCTAssertEqual(m.state.pointee.instructionsRetired, 1, "INT n retires")
    }

    func testTrapGateKeepsIFAndStackIsAligned() {
        let m = SystemMachine([0xCD, 0x41])
        m.gate(0x41, handler: 0x3000, type: 0xF)
        m.state.pointee.regs[Reg.rsp] = 0x7FFF8  // not 16-byte aligned: the CPU aligns first
        m.state.pointee.rflags = 0x202
        m.t.run(1)
        XCTAssertEqual(m.state.pointee.regs[Reg.rsp], 0x7FFF0 - 40)
        XCTAssertEqual(m.frame(5), [0x1002, 0x08, 0x202, 0x7FFF8, 0x10])
        XCTAssertEqual(m.state.pointee.rflags & Flag.if, Flag.if)
    }

    func testFaultFramesHaveFaultingRIPAndErrorCode() {
        // mov ax, 0x1234 ; mov ds, ax  -> #GP(0x1234): TI = 1 and the LDT is unusable.
        let m = SystemMachine([0x66, 0xB8, 0x34, 0x12, 0x8E, 0xD8])
        m.gate(13, handler: 0x3000)
        m.t.run(2)
        XCTAssertEqual(m.state.pointee.rip, 0x3000)
        XCTAssertEqual(m.frame(6), [0x1234, 0x1004, 0x08, 0x10002, 0x80000, 0x10])
        XCTAssertEqual(m.state.pointee.moveSelector(Seg.ds), 0, "a faulting load changes nothing")

        // div ecx with ecx = 0: #DE, no error code, RIP of the DIV.
        let d = SystemMachine([0xF7, 0xF1])
        d.gate(0, handler: 0x3100)
        d.t.run(1)
        XCTAssertEqual(d.state.pointee.rip, 0x3100)
        XCTAssertEqual(d.frame(5), [0x1000, 0x08, 0x10002, 0x80000, 0x10])
        XCTAssertEqual(d.state.pointee.instructionsRetired, 0, "a fault does not retire")
    }

    func testDataSegmentLoadChecks() {
        // mov ax, 0x10 ; mov ds, ax ; mov ax, 0x08 ; mov es, ax (readable code: allowed) ;
        // mov ax, 0x20|0 ; mov ss, ax (DPL 3 data into SS at CPL 0: #GP(0x20))
        let m = SystemMachine([0x66, 0xB8, 0x10, 0x00, 0x8E, 0xD8, 0x66, 0xB8, 0x08, 0x00, 0x8E, 0xC0,
                               0x66, 0xB8, 0x20, 0x00, 0x8E, 0xD0])
        m.gate(13, handler: 0x3000)
        m.t.run(4)
        XCTAssertEqual(m.state.pointee.moveSelector(Seg.ds), 0x10)
        XCTAssertEqual(m.state.pointee.moveSelector(Seg.es), 0x08)
        XCTAssertEqual(m.state.pointee.system.attributes(Seg.ds) & 0xFF, 0x93, "accessed bit set in the cache")
        XCTAssertEqual(m.read64(SystemMachine.gdt + 0x10) >> 40 & 0xFF, 0x93, "and in the GDT")
        m.t.run(2)
        XCTAssertEqual(m.state.pointee.rip, 0x3000)
        XCTAssertEqual(m.frame(2), [0x20, 0x1010])
        // A not-present data segment: #NP(sel).
        let n = SystemMachine([0x66, 0xB8, 0x40, 0x00, 0x8E, 0xE0])  // mov fs, 0x40
        n.write64(SystemMachine.gdt + 0x40, 0x00CF_1200_0000_FFFF)  // P = 0
        n.state.pointee.system.gdtLimit = 0x47
        n.gate(11, handler: 0x3000)
        n.t.run(2)
        XCTAssertEqual(n.state.pointee.rip, 0x3000)
        XCTAssertEqual(n.frame(2), [0x40, 0x1004])
    }

    func testUserToKernelAndBackWithIRETQ() {
        let m = SystemMachine([0xCD, 0x80, 0x90])  // int 0x80 ; nop
        m.gate(0x80, handler: 0x3000, dpl: 3)
        m.code([0x48, 0xCF], at: 0x3000)  // iretq
        m.enterUser()
        m.state.pointee.rflags = 0x202
        m.t.run(1)
        XCTAssertEqual(m.state.pointee.cpl, 0)
        XCTAssertEqual(m.state.pointee.moveSelector(Seg.cs), 0x08)
        XCTAssertEqual(m.state.pointee.moveSelector(Seg.ss), 0, "SS becomes null (RPL = new CPL) on a privilege change")
        XCTAssertEqual(m.state.pointee.regs[Reg.rsp], 0x70000 - 40, "TSS.RSP0")
        XCTAssertEqual(m.frame(5), [0x1002, 0x2B, 0x202, 0x80000, 0x23])
        m.t.run(1)
        XCTAssertEqual(m.state.pointee.cpl, 3)
        XCTAssertEqual(m.state.pointee.rip, 0x1002)
        XCTAssertEqual(m.state.pointee.moveSelector(Seg.cs), 0x2B)
        XCTAssertEqual(m.state.pointee.moveSelector(Seg.ss), 0x23)
        XCTAssertEqual(m.state.pointee.regs[Reg.rsp], 0x80000)
        XCTAssertEqual(m.state.pointee.rflags & Flag.if, Flag.if)
        XCTAssertEqual(m.state.pointee.mode, .long64)
    }

    func testSoftwareInterruptThroughDPL0GateFromUserIsGP() {
        let m = SystemMachine([0xCD, 0x40])
        m.gate(0x40, handler: 0x3000, dpl: 0)
        m.gate(13, handler: 0x3100)
        m.enterUser()
        m.t.run(1)
        XCTAssertEqual(m.state.pointee.rip, 0x3100)
        // #GP(0x40*8+2), EXT = 0; RIP is the INT instruction itself (a fault now).
        XCTAssertEqual(m.frame(6), [0x40 * 8 + 2, 0x1000, 0x2B, 0x10002, 0x80000, 0x23])
    }

    func testISTStack() {
        let m = SystemMachine([0xCD, 0x42])
        m.gate(0x42, handler: 0x3000, ist: 1)
        m.t.run(1)
        XCTAssertEqual(m.state.pointee.regs[Reg.rsp], 0x60000 - 40)
        XCTAssertEqual(m.frame(5)[0], 0x1002)
    }

    func testContributoryPairBecomesDoubleFaultThenTripleFault() {
        // #GP whose gate is not present: #NP while delivering #GP -> #DF(0).
        let m = SystemMachine([0x66, 0xB8, 0x34, 0x12, 0x8E, 0xD8])
        m.gate(13, handler: 0x3000, present: false)
        m.gate(8, handler: 0x3800)
        m.t.run(2)
        XCTAssertEqual(m.state.pointee.rip, 0x3800)
        XCTAssertEqual(m.frame(6), [0, 0x1004, 0x08, 0x10002, 0x80000, 0x10])

        let t = SystemMachine([0x66, 0xB8, 0x34, 0x12, 0x8E, 0xD8])
        t.gate(13, handler: 0x3000, present: false)
        t.gate(8, handler: 0x3800, present: false)
        XCTAssertEqual(t.t.run(2), .tripleFault)

        // A benign exception (#UD) whose gate is missing: #NP delivered serially, no #DF.
        let b = SystemMachine([0x0F, 0x0B])  // ud2
        b.gate(6, handler: 0x3000, present: false)
        b.gate(11, handler: 0x3200)
        b.gate(8, handler: 0x3800)
        b.t.run(1)
        XCTAssertEqual(b.state.pointee.rip, 0x3200)
        XCTAssertEqual(b.frame(2), [6 * 8 + 2 + 1, 0x1000])
    }

    func testSyscallSysretRoundTrip() {
        let m = SystemMachine([0x0F, 0x05, 0x90])  // syscall ; nop
        m.code([0x48, 0x0F, 0x07], at: 0x3000)      // sysretq
        m.state.pointee.efer |= 1                  // SCE
        m.state.pointee.system.star = 0x0018_0008_0000_0000
        m.state.pointee.system.lstar = 0x3000
        m.state.pointee.system.sfmask = Flag.if | Flag.df
        m.enterUser()
        m.state.pointee.rflags = 0x602 | Flag.cf
        m.t.run(1)
        XCTAssertEqual(m.state.pointee.rip, 0x3000)
        XCTAssertEqual(m.state.pointee.cpl, 0)
        XCTAssertEqual(m.state.pointee.moveSelector(Seg.cs), 0x08)
        XCTAssertEqual(m.state.pointee.moveSelector(Seg.ss), 0x10)
        XCTAssertEqual(m.t[Reg.rcx], 0x1002)
        XCTAssertEqual(m.t[Reg.r11], 0x603)
        XCTAssertEqual(m.state.pointee.rflags, 0x3, "SFMASK cleared IF and DF")
        m.t.run(1)
        XCTAssertEqual(m.state.pointee.rip, 0x1002)
        XCTAssertEqual(m.state.pointee.cpl, 3)
        XCTAssertEqual(m.state.pointee.moveSelector(Seg.cs), 0x2B)
        XCTAssertEqual(m.state.pointee.moveSelector(Seg.ss), 0x23)
        XCTAssertEqual(m.state.pointee.rflags, 0x603)
        XCTAssertEqual(m.state.pointee.mode, .long64)
        // SYSRET at CPL 3: #GP(0); SYSCALL without EFER.SCE: #UD.
        let u = SystemMachine([0x0F, 0x05])
        u.t.cpu.deliversExceptions = false
        XCTAssertEqual(u.t.run(1), .exception(.ud, rip: 0x1000))
    }

    func testInterruptAcceptanceAndSTIShadow() {
        // sti ; nop ; nop: the interrupt is taken after the first NOP (the STI shadow), not
        // between STI and it.
        let m = SystemMachine([0xFB, 0x90, 0x90, 0x90])
        let pic = FakeInterruptController()
        m.t.cpu.interruptSource = pic
        m.gate(0x30, handler: 0x3000)
        m.code([0x90, 0x90], at: 0x3000)
        pic.pending = [0x30]
        m.t.run(1)  // IF = 0: nothing taken; STI runs
        XCTAssertEqual(pic.acknowledged, [])
        XCTAssertEqual(m.state.pointee.rip, 0x1001)
        m.t.run(1)  // the NOP inside the shadow
        XCTAssertEqual(m.state.pointee.rip, 0x1002)
        XCTAssertEqual(pic.acknowledged, [])
        m.t.run(1)  // now accepted before the next instruction; the handler's NOP runs
        XCTAssertEqual(pic.acknowledged, [0x30])
        XCTAssertEqual(m.state.pointee.rip, 0x3001)
        XCTAssertEqual(m.frame(5), [0x1002, 0x08, 0x202, 0x80000, 0x10])
    }

    func testHLTWakesOnInterrupt() {
        let m = SystemMachine([0xFB, 0xF4, 0x90])  // sti ; hlt ; nop
        let pic = FakeInterruptController()
        m.t.cpu.interruptSource = pic
        m.gate(0x31, handler: 0x3000)
        XCTAssertEqual(m.t.run(10), .halted)
        XCTAssertEqual(m.state.pointee.rip, 0x1002)
        XCTAssertEqual(m.t.run(10), .halted, "nothing pending: stays halted")
        pic.pending = [0x31]
        _ = m.t.run(1)
        XCTAssertFalse(m.state.pointee.halted)
        XCTAssertEqual(pic.acknowledged, [0x31])
        XCTAssertEqual(m.frame(1), [0x1002], "returns after HLT")
    }

    func testNMIIgnoresIFAndIsBlockedUntilIRET() {
        let m = SystemMachine([0x90, 0x90, 0x90])
        m.gate(2, handler: 0x3000)
        m.code([0x90, 0x90, 0x48, 0xCF], at: 0x3000)  // nop ; nop ; iretq
        m.state.pointee.rflags = 0x2  // IF = 0
        m.t.cpu.requestNMI()
        m.t.run(1)
        XCTAssertEqual(m.state.pointee.rip, 0x3001)
        m.t.cpu.requestNMI()  // blocked while the handler runs
        m.t.run(1)
        XCTAssertEqual(m.state.pointee.rip, 0x3002, "second NMI waits")
        m.t.run(1)  // IRETQ back to 0x1000 ends blocking
        XCTAssertEqual(m.state.pointee.rip, 0x1000)
        XCTAssertFalse(m.state.pointee.system.nmiBlocked)
        m.t.run(1)  // the second NMI is taken before the next instruction
        XCTAssertEqual(m.state.pointee.rip, 0x3001)
    }

    func testDescriptorTableInstructions() {
        // lgdt [0x5000] ; sgdt [0x5010] ; lidt [0x5000] ; sidt [0x5020] ; mov ax, 0x30 ; ltr ax ;
        // str ecx
        let m = SystemMachine([0x0F, 0x01, 0x14, 0x25, 0x00, 0x50, 0x00, 0x00,
                               0x0F, 0x01, 0x04, 0x25, 0x10, 0x50, 0x00, 0x00,
                               0x0F, 0x01, 0x1C, 0x25, 0x00, 0x50, 0x00, 0x00,
                               0x0F, 0x01, 0x0C, 0x25, 0x20, 0x50, 0x00, 0x00,
                               0x66, 0xB8, 0x30, 0x00, 0x0F, 0x00, 0xD8, 0x0F, 0x00, 0xC9])
        m.write16(0x5000, 0x3F)
        m.write64(0x5002, SystemMachine.gdt)
        m.state.pointee.system.trSelector = 0
        XCTAssertEqual(m.t.run(7), .budgetExhausted)
        XCTAssertEqual(m.state.pointee.system.gdtBase, SystemMachine.gdt)
        XCTAssertEqual(m.t.ram.read(0x5010, count: 10), m.t.ram.read(0x5000, count: 10))
        XCTAssertEqual(m.state.pointee.system.idtLimit, 0x3F)
        XCTAssertEqual(m.t.ram.read(0x5020, count: 10), m.t.ram.read(0x5000, count: 10))
        XCTAssertEqual(m.state.pointee.system.trSelector, 0x30)
        XCTAssertEqual(m.state.pointee.system.trBase, SystemMachine.tss)
        XCTAssertEqual(m.read64(SystemMachine.gdt + 0x30) >> 40 & 0xF, 0xB, "LTR marks the TSS busy")
        XCTAssertEqual(m.t[Reg.rcx], 0x30)
        // LTR of a busy TSS: #GP(0x30).
        let b = SystemMachine([0x66, 0xB8, 0x30, 0x00, 0x0F, 0x00, 0xD8, 0x0F, 0x00, 0xD8])
        b.t.cpu.deliversExceptions = false
        b.t.run(2)
        XCTAssertEqual(b.t.run(1), .exception(.gp(0x30), rip: 0x1007))
    }

    func testFarReturnToCompatibilityModeAndBack() {
        // push 0x38 ; push 0x2000 ; retfq: a same-ring far return to a DPL-0 32-bit code
        // segment puts the CPU in compatibility mode.
        let m = SystemMachine([0x6A, 0x38, 0x68, 0x00, 0x20, 0x00, 0x00, 0x48, 0xCB])
        m.write64(SystemMachine.gdt + 0x38, 0x00CF_9A00_0000_FFFF)  // overwrite TSS high half: 32-bit code DPL 0
        m.code([0x90], at: 0x2000)
        m.t.run(3)
        XCTAssertEqual(m.state.pointee.rip, 0x2000)
        XCTAssertEqual(m.state.pointee.mode, .protected32)
        XCTAssertEqual(m.state.pointee.moveSelector(Seg.cs), 0x38)
        XCTAssertEqual(m.state.pointee.regs[Reg.rsp], 0x80000)
    }

    func testIOPermissionBitmap() {
        // At CPL 3 with IOPL 0: out 0x80, al is allowed when bit 0x80 of the bitmap is clear.
        let m = SystemMachine([0xE6, 0x80, 0xE6, 0x81])
        m.gate(13, handler: 0x3000)
        m.enterUser()
        _ = m.t.ram.write([0x02], at: SystemMachine.tss + 0x68 + 0x10)  // port 0x81 denied
        m.t.run(1)
        XCTAssertEqual(m.state.pointee.rip, 0x1002)
        m.t.run(1)
        XCTAssertEqual(m.state.pointee.rip, 0x3000)
        XCTAssertEqual(m.frame(2), [0, 0x1002])
    }

    func testMOVSSShadowHoldsOffInterruptsForOneInstruction() {
        // mov ss, ax ; nop ; nop with IF = 1: an interrupt raised after MOV SS waits until the
        // next instruction (the NOP) has run.
        let m = SystemMachine([0x8E, 0xD0, 0x90, 0x90])
        let pic = FakeInterruptController()
        m.t.cpu.interruptSource = pic
        m.gate(0x30, handler: 0x3000)
        m.t[Reg.rax] = 0x10
        m.state.pointee.rflags = 0x202
        m.t.run(1)
        XCTAssertTrue(m.state.pointee.system.interruptShadow)
        pic.pending = [0x30]
        m.t.run(1)
        XCTAssertEqual(m.state.pointee.rip, 0x1003)
        XCTAssertEqual(pic.acknowledged, [])
        m.t.run(1)
        XCTAssertEqual(pic.acknowledged, [0x30])
        XCTAssertEqual(m.frame(1), [0x1003])
    }

    func testLARAndLSL() {
        // mov ecx, 0x2B ; lar eax, cx ; lsl edx, cx ; mov ecx, 0x1234 ; lar eax, cx
        let m = SystemMachine([0xB9, 0x2B, 0, 0, 0, 0x0F, 0x02, 0xC1, 0x0F, 0x03, 0xD1,
                               0xB9, 0x34, 0x12, 0, 0, 0x0F, 0x02, 0xC1])
        m.t.run(3)
        XCTAssertEqual(m.t[Reg.rax], 0x00AF_FA00)
        XCTAssertEqual(m.t[Reg.rdx], 0xFFFF_FFFF)
        XCTAssertEqual(m.state.pointee.rflags & Flag.zf, Flag.zf)
        m.t.run(2)
        XCTAssertEqual(m.t[Reg.rax], 0x00AF_FA00, "unchanged on failure")
        XCTAssertEqual(m.state.pointee.rflags & Flag.zf, 0)
    }

    func testProtectedModeIRETDToRing3AndFarJump() {
        // 32-bit protected mode at CPL 0: iretd to 0x1B:0x2000 with ESP 0x7F000, SS 0x23; DS
        // (DPL 0) becomes null. At 0x2000 (ring 3): nothing; a separate far JMP test at CPL 0.
        let m = SystemMachine([0xCF])
        let s = m.state
        s.pointee.efer = 0
        s.pointee.mode = .protected32
        s.pointee.system.setAttributes(Seg.cs, 0xC9B)
        s.pointee.moveSetSelector(Seg.ds, 0x10)
        s.pointee.system.setAttributes(Seg.ds, 0xC93)
        let frame: [UInt32] = [0x2000, 0x1B, 0x3202, 0x7F000, 0x23]
        _ = m.t.ram.write(frame.flatMap { v in (0..<4).map { UInt8(truncatingIfNeeded: v >> ($0 * 8)) } }, at: 0x80000)
        s.pointee.rflags = 0x2
        m.t.run(1)
        XCTAssertEqual(s.pointee.rip, 0x2000)
        XCTAssertEqual(s.pointee.cpl, 3)
        XCTAssertEqual(s.pointee.moveSelector(Seg.ss), 0x23)
        XCTAssertEqual(s.pointee.regs[Reg.rsp], 0x7F000)
        XCTAssertEqual(s.pointee.rflags, 0x3202, "IOPL and IF taken at CPL 0")
        XCTAssertEqual(s.pointee.moveSelector(Seg.ds), 0, "DPL-0 data segment nulled on the way out")
        XCTAssertEqual(s.pointee.mode, .protected32)

        // jmp 0x08:0x3000 (EA) in 32-bit mode at CPL 0; then the same to a DPL-3 non-conforming
        // code segment: #GP(0x18).
        let j = SystemMachine([0xEA, 0x00, 0x30, 0x00, 0x00, 0x08, 0x00])
        j.state.pointee.efer = 0
        j.state.pointee.mode = .protected32
        j.t.run(1)
        XCTAssertEqual(j.state.pointee.rip, 0x3000)
        XCTAssertEqual(j.state.pointee.moveSelector(Seg.cs), 0x08)
        let g = SystemMachine([0xEA, 0x00, 0x30, 0x00, 0x00, 0x18, 0x00])
        g.t.cpu.deliversExceptions = false
        g.state.pointee.efer = 0
        g.state.pointee.mode = .protected32
        XCTAssertEqual(g.t.run(1), .exception(.gp(0x18), rip: 0x1000))
    }

    func testProtectedModeDeliveryUsesEightByteGatesAndTSS32() {
        // 32-bit protected mode (no long mode): int 0x40 from CPL 3 to a DPL-0 handler.
        let m = SystemMachine([0xCD, 0x40])
        let s = m.state
        s.pointee.efer = 0
        s.pointee.mode = .protected32
        m.enterUser()
        s.pointee.moveSetSelector(Seg.cs, SystemMachine.user32CS)
        s.pointee.system.setAttributes(Seg.cs, 0xCFB)
        // 32-bit TSS: ESP0 at +4, SS0 at +8.
        _ = m.t.ram.write([0x00, 0x00, 0x07, 0x00, 0x10, 0x00], at: SystemMachine.tss + 4)
        // 8-byte 386 interrupt gate for 0x40 -> 0x08:0x3000, DPL 3.
        m.write64(SystemMachine.idt + 0x40 * 8, 0x0000_EE00_0008_3000)
        m.write64(SystemMachine.gdt + 0x08, 0x00CF_9A00_0000_FFFF)  // 32-bit ring-0 code
        s.pointee.rflags = 0x202
        m.t.run(1)
        XCTAssertEqual(s.pointee.rip, 0x3000)
        XCTAssertEqual(s.pointee.cpl, 0)
        XCTAssertEqual(s.pointee.moveSelector(Seg.ss), 0x10)
        XCTAssertEqual(s.pointee.regs[Reg.rsp], 0x70000 - 20)
        let words = (0..<5).map { k -> UInt32 in
            let b = m.t.ram.read(0x70000 - 20 + UInt64(k * 4), count: 4) ?? [0, 0, 0, 0]
            return UInt32(b[0]) | UInt32(b[1]) << 8 | UInt32(b[2]) << 16 | UInt32(b[3]) << 24
        }
        XCTAssertEqual(words, [0x1002, 0x1B, 0x202, 0x80000, 0x23])
    }
}

/// Runs roms/tests/exceptions (built by tools/build-test-roms.sh) on the CPU alone: the flat
/// Multiboot image is placed at 1 MiB as a Multiboot v1 loader would (a.out kludge: file = image,
/// .bss zeroed), entered in 32-bit protected mode, and its port-0xE9 text is compared with what
/// QEMU printed for the same image (roms/tests/exceptions.expected).
final class ExceptionsGuestTests: XCTestCase {
    final class Console: BusDevice {
        var text: [UInt8] = []
        var exitValue: UInt64? = nil
        let stop: () -> Void
        init(stop: @escaping () -> Void) { self.stop = stop }
        func read(offset: UInt64, size: Int) -> UInt64 { 0 }
        func write(offset: UInt64, size: Int, value: UInt64) { text.append(UInt8(truncatingIfNeeded: value)) }
    }
    final class Exit: BusDevice {
        var value: UInt64? = nil
        let stop: () -> Void
        init(stop: @escaping () -> Void) { self.stop = stop }
        func read(offset: UInt64, size: Int) -> UInt64 { 0 }
        func write(offset: UInt64, size: Int, value: UInt64) { self.value = value; stop() }
    }

    func testExceptionsGuestMatchesQEMU() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let image = root.appendingPathComponent("roms/build/tests/exceptions.elf")
        if !FileManager.default.fileExists(atPath: image.path) {
            let p = Process()
            p.executableURL = root.appendingPathComponent("tools/build-test-roms.sh")
            try p.run(); p.waitUntilExit()
        }
        let elf = try Data(contentsOf: image)
        let expected = try String(contentsOf: root.appendingPathComponent("roms/tests/exceptions.expected"), encoding: .utf8)
        // The a.out-kludge header: load_addr, load_end_addr, bss_end_addr, entry_addr. With -N the
        // image starts at file offset 0x1000 (ELF headers first) for load address 0x100000.
        let bytes = [UInt8](elf)
        guard let at = (0..<8192).first(where: { i in
            i % 4 == 0 && i + 32 <= bytes.count && bytes[i..<i + 4] == [0x02, 0xB0, 0xAD, 0x1B]
        }) else { return XCTFail("no Multiboot header") }
        func word(_ o: Int) -> UInt64 { (0..<4).reduce(0) { $0 | UInt64(bytes[at + o + $1]) << (8 * UInt64($1)) } }
        let headerAddr = word(12), loadAddr = word(16), loadEnd = word(20), bssEnd = word(24), entry = word(28)
        let fileStart = at - Int(headerAddr - loadAddr)
        let ram = try PhysicalMemory(size: 8 << 20)
        let ports = IOBus()
        let cpu = X86CPU(ram: ram, mmio: IOBus(), ports: ports)
        let s = cpu.state
        let console = Console { }
        let exit = Exit { s.pointee.stopRequested = true }
        try ports.map(console, at: 0xE9, length: 1, name: "e9")
        try ports.map(exit, at: 0xF4, length: 4, name: "debug-exit")
        XCTAssertTrue(ram.write(Array(bytes[fileStart..<fileStart + Int(loadEnd - loadAddr)]), at: loadAddr))
        XCTAssertTrue(ram.write([UInt8](repeating: 0, count: Int(bssEnd - loadEnd)), at: loadEnd))
        // Multiboot machine state: 32-bit protected mode, flat CS/DS, paging off, EAX = magic.
        cpu.deliversExceptions = true
        s.pointee.efer = 0
        s.pointee.cr0 = 0x11
        s.pointee.cr4 = 0
        s.pointee.mode = .protected32
        s.pointee.system.setAttributes(Seg.cs, 0xC9B)
        s.pointee.segmentSelector = (0x18, 0x10, 0x18, 0x18, 0x18, 0x18)
        s.pointee.regs[Reg.rax] = 0x2BAD_B002
        s.pointee.rip = entry
        cpu.invalidateDecodedCode()
        let reason = cpu.run(maxInstructions: 10_000_000)
        XCTAssertEqual(reason, .stopRequested)
        XCTAssertEqual(exit.value, 0)
        XCTAssertEqual(String(decoding: console.text, as: UTF8.self), expected)
    }
}
