// Tests of real mode and 16-bit segments (Execution/RealMode.swift) and of the small system
// instructions and MSRs kvm-unit-tests needed (SMSW/LMSW, MOV DRn with ModRM.mod != 3, LDS,
// MCG_CAP, the legacy AMD performance counters). Expected values come from the SDM/APM rules
// quoted in each test; the guests roms/tests/realmode.S and debugtrap.S check the same paths
// against QEMU.

import XCTest
import EmulatorCore
@testable import X86

final class RealModeTests: XCTestCase {
    /// A CPU in real mode: CR0.PE = 0, long mode off, 16-bit code and stack (CS.D = SS.B = 0),
    /// all segment bases 0, the IVT at 0 (IDTR limit 0x3FF).
    func realModeCPU(_ code: [UInt8]) -> TestCPU {
        let t = TestCPU(code, mode: .mode16)
        let s = t.state
        s.pointee.cr0 = 0x10
        s.pointee.efer = 0
        s.pointee.system.segmentAttributes = (0x93, 0x9B, 0x93, 0x93, 0x93, 0x93)
        s.pointee.system.idtBase = 0
        s.pointee.system.idtLimit = 0x3FF
        s.pointee.regs[Reg.rsp] = 0x8000
        return t
    }

    func testSixteenBitOperandAndAddressSizes() {
        // B8 iw: MOV AX, imm16 (3 bytes); 66 B8 id: MOV EAX, imm32; 8B 07: MOV AX, [BX] (16-bit
        // addressing: rm 111 = [BX]).
        let t = realModeCPU([0xB8, 0x34, 0x12, 0x66, 0xB8, 0x78, 0x56, 0x34, 0x12, 0x8B, 0x07])
        t[Reg.rbx] = 0x2000
        t.ram.write([0xCD, 0xAB], at: 0x2000)
        XCTAssertEqual(t.run(1), .budgetExhausted)
        XCTAssertEqual(t[Reg.rax], 0x1234)
        XCTAssertEqual(t.run(1), .budgetExhausted)
        XCTAssertEqual(t[Reg.rax], 0x1234_5678)
        XCTAssertEqual(t.run(1), .budgetExhausted)
        XCTAssertEqual(t[Reg.rax], 0x1234_ABCD)
        XCTAssertEqual(t.state.pointee.rip, 0x1000 + 11)
    }

    func testRealModeSegmentLoadAndFetchThroughCSBase() {
        // MOV DS, AX sets base = AX << 4; then MOV AL, [0x10] reads DS.base + 0x10.
        let t = realModeCPU([0x8E, 0xD8, 0xA0, 0x10, 0x00])
        t[Reg.rax] = 0x0300
        t.ram.write([0x5A], at: 0x3010)
        XCTAssertEqual(t.run(2), .budgetExhausted)
        XCTAssertEqual(t.state.pointee.segmentBase[Seg.ds], 0x3000)
        XCTAssertEqual(t[Reg.rax] & 0xFF, 0x5A)
        // Code at linear 0x1000 run as CS = 0x0080 (base 0x800), IP = 0x800.
        let u = realModeCPU([0xB0, 0x77])
        u.state.pointee.segmentBase[Seg.cs] = 0x800
        u.state.pointee.moveSetSelector(Seg.cs, 0x80)
        u.state.pointee.rip = 0x800
        XCTAssertEqual(u.run(1), .budgetExhausted)
        XCTAssertEqual(u[Reg.rax] & 0xFF, 0x77)
        XCTAssertEqual(u.state.pointee.rip, 0x802)
    }

    func testSixteenBitStackWrapsAndKeepsUpperESP() {
        // PUSH AX with SS.B = 0 and SP = 0: SP wraps to 0xFFFE, ESP bits 31:16 are unchanged.
        let t = realModeCPU([0x50])
        t[Reg.rsp] = 0x1234_0000
        t[Reg.rax] = 0xBEEF
        t.state.pointee.segmentBase[Seg.ss] = 0x1_0000
        XCTAssertEqual(t.run(1), .budgetExhausted)
        XCTAssertEqual(t[Reg.rsp], 0x1234_FFFE)
        XCTAssertEqual(t.ram.read16(0x1_FFFE), 0xBEEF)
    }

    func testIntThroughTheInterruptVectorTable() {
        // INT 0x21 (CD 21) with IVT[0x21] = 0x0040:0x0010: pushes FLAGS, CS, IP (of the next
        // instruction), clears IF, continues at 0x400 + 0x10.
        let t = realModeCPU([0xCD, 0x21])
        t.cpu.deliversExceptions = true
        t.ram.write([0x10, 0x00, 0x40, 0x00], at: 0x21 * 4)
        t.state.pointee.rflags = 0x202
        XCTAssertEqual(t.run(1), .budgetExhausted)
        XCTAssertEqual(t.state.pointee.rip, 0x10)
        XCTAssertEqual(t.state.pointee.segmentBase[Seg.cs], 0x400)
        XCTAssertEqual(t.state.pointee.rflags & Flag.if, 0)
        XCTAssertEqual(t[Reg.rsp], 0x8000 - 6)
        XCTAssertEqual(t.ram.read16(0x8000 - 6), 0x1002)     // IP after INT
        XCTAssertEqual(t.ram.read16(0x8000 - 4), 0)          // CS
        XCTAssertEqual(t.ram.read16(0x8000 - 2), 0x202)      // FLAGS
        // IRET (CF) from there returns and restores IF.
        t.ram.write([0xCF], at: 0x410)
        XCTAssertEqual(t.run(1), .budgetExhausted)
        XCTAssertEqual(t.state.pointee.rip, 0x1002)
        XCTAssertEqual(t.state.pointee.rflags & Flag.if, Flag.if)
    }

    func testSMSWAndLMSW() {
        // SMSW AX (0F 01 E0) stores CR0's low word; LMSW AX (0F 01 F0) loads PE/MP/EM/TS but
        // cannot clear PE (SDM "LMSW").
        let t = TestCPU([0x66, 0x0F, 0x01, 0xE0, 0x0F, 0x01, 0xF0])
        t.state.pointee.cr0 = 0x0001_0011     // WP | ET | PE (paging off: no tables here)
        t[Reg.rax] = 0xFFFF_0000
        XCTAssertEqual(t.run(1), .budgetExhausted)
        XCTAssertEqual(t[Reg.rax], 0xFFFF_0011)
        t[Reg.rax] = 0x000E          // MP, EM, TS set; PE clear in the operand
        XCTAssertEqual(t.run(1), .budgetExhausted)
        XCTAssertEqual(t.state.pointee.cr0, 0x0001_001F)
    }

    func testMovDebugRegisterIgnoresMod() {
        // 0F 21 00: MOV EAX, DR0 with mod = 00 is a register move of 3 bytes (mod is ignored).
        let t = TestCPU([0x0F, 0x21, 0x00])
        t.state.pointee.msr.setDebugRegister(0, 0xACED)
        XCTAssertEqual(t.run(1), .budgetExhausted)
        XCTAssertEqual(t[Reg.rax], 0xACED)
        XCTAssertEqual(t.state.pointee.rip, 0x1003)
    }

    func testLDSLoadsSegmentAndOffset() {
        // 32-bit mode, paging and protected mode with a GDT holding a data segment at 0x10:
        // LDS EAX, [EBX] (C5 03) loads DS = 0x10 and EAX = the offset.
        let t = TestCPU([0xC5, 0x03], mode: .protected32)
        let gdt: UInt64 = 0x6000
        t.ram.write([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                     0xFF, 0xFF, 0x00, 0x00, 0x00, 0x92, 0xCF, 0x00], at: gdt)
        t.state.pointee.system.gdtBase = gdt
        t.state.pointee.system.gdtLimit = 23
        t.state.pointee.efer = 0
        t.ram.write([0x78, 0x56, 0x34, 0x12, 0x10, 0x00], at: 0x7000)
        t[Reg.rbx] = 0x7000
        XCTAssertEqual(t.run(1), .budgetExhausted)
        XCTAssertEqual(t[Reg.rax], 0x1234_5678)
        XCTAssertEqual(t.state.pointee.moveSelector(Seg.ds), 0x10)
        // In 64-bit mode C5 is not LDS (a VEX prefix): #UD here.
        XCTAssertEqual(TestCPU([0xC5, 0x03]).run(), .exception(.ud, rip: 0x1000))
    }

    func testMachineCheckAndLegacyPerformanceMSRs() {
        // MCG_CAP (0x179): 0 banks; writing it is #GP. PerfEvtSel0 (C001_0000) round-trips;
        // PerfCtr0 (C001_0004) keeps 48 bits.
        let rd = TestCPU([0x0F, 0x32]); rd[Reg.rcx] = 0x179
        XCTAssertEqual(rd.run(), .budgetExhausted)
        XCTAssertEqual(rd[Reg.rax], 0)
        let wr = TestCPU([0x0F, 0x30]); wr[Reg.rcx] = 0x179
        XCTAssertEqual(wr.run(), .exception(.gp(0), rip: 0x1000))
        let p = TestCPU([0x0F, 0x30, 0x0F, 0x32]); p[Reg.rcx] = 0xC001_0004
        p[Reg.rax] = 0x8765_4321; p[Reg.rdx] = 0xFFFF_1234
        XCTAssertEqual(p.run(2), .budgetExhausted)
        XCTAssertEqual(p[Reg.rdx], 0x1234)
        XCTAssertEqual(p[Reg.rax], 0x8765_4321)
    }

    func testPCIDEAndINVPCID() {
        // MOV CR4, RAX with PCIDE: #GP while CR3[11:0] != 0 (SDM "MOV CR"), allowed with PCID 0.
        let a = TestCPU([0x0F, 0x22, 0xE0]); a[Reg.rax] = a.state.pointee.cr4 | CR4.pcide
        a.state.pointee.cr3 = 0x5001
        XCTAssertEqual(a.run(), .exception(.gp(0), rip: 0x1000))
        let b = TestCPU([0x0F, 0x22, 0xE0, 0x0F, 0x22, 0xC1]); b[Reg.rax] = b.state.pointee.cr4 | CR4.pcide
        b[Reg.rcx] = b.state.pointee.cr0 & ~CR0.pg
        XCTAssertEqual(b.run(1), .budgetExhausted)
        // ... and then paging may not be turned off: #GP.
        XCTAssertEqual(b.run(1), .exception(.gp(0), rip: 0x1003))
        // INVPCID (66 0F 38 82 /r): type 2 fine; type 4 #GP; PCID 1 with type 0 while PCIDE = 0 #GP.
        let code: [UInt8] = [0x66, 0x0F, 0x38, 0x82, 0x03]     // invpcid rax, [rbx]
        let c = TestCPU(code); c[Reg.rax] = 2; c[Reg.rbx] = 0x6000
        XCTAssertEqual(c.run(), .budgetExhausted)
        let d = TestCPU(code); d[Reg.rax] = 4; d[Reg.rbx] = 0x6000
        XCTAssertEqual(d.run(), .exception(.gp(0), rip: 0x1000))
        let e = TestCPU(code); e[Reg.rax] = 0; e[Reg.rbx] = 0x6000
        e.ram.write([1], at: 0x6000)
        XCTAssertEqual(e.run(), .exception(.gp(0), rip: 0x1000))
    }
}

private extension PhysicalMemory {
    func read16(_ address: UInt64) -> UInt16 {
        UInt16(base.load(fromByteOffset: Int(address), as: UInt8.self))
            | UInt16(base.load(fromByteOffset: Int(address) + 1, as: UInt8.self)) << 8
    }
}
