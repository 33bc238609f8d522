// Tests of segment limit checks outside 64-bit mode (Emulator/X86/MMU/Segmentation.swift,
// Execution/CodeLimit.swift) and of the A20 mask (MMU/A20.swift). Expected results are the
// rules of Intel SDM vol. 3 §5.3 (limit checks: expand-up offset + size - 1 <= limit,
// expand-down offset > limit and last byte <= 0xFFFF/0xFFFF_FFFF by B; #SS(0) for SS, #GP(0)
// otherwise; a near branch past CS.limit faults on the branch) and of the PC's A20 gate
// (physical bit 20 forced to 0). The guest roms/board/seglimit.c checks the same on Bochs.

import XCTest
import EmulatorCore
@testable import X86

final class SegmentLimitTests: XCTestCase {
    let code = TestCPU.codeAddress

    /// 32-bit protected mode with DS = base 0x2000, limit `limit`, attributes `attributes`.
    func protectedCPU(_ bytes: [UInt8], dsLimit: UInt32, dsAttributes: UInt16 = 0x493) -> TestCPU {
        let t = TestCPU(bytes, mode: .protected32)
        let s = t.state
        s.pointee.efer = 0
        s.pointee.system.segmentAttributes = (0xC93, 0xC9B, 0xC93, dsAttributes, 0xC93, 0xC93)
        s.pointee.system.setLimit(Seg.ds, dsLimit)
        s.pointee.segmentBase[Seg.ds] = 0x2000
        return t
    }

    func testExpandUpDataLimit() {
        // 8B 03: MOV EAX, [EBX]. Limit 0xFFF: a dword at 0xFFC ends at the limit (allowed), at
        // 0xFFD its last byte is 0x1000 (#GP(0), EAX unchanged).
        let t = protectedCPU([0x8B, 0x03], dsLimit: 0xFFF)
        t.ram.write([0x11, 0x22, 0x33, 0x44], at: 0x2FFC)
        t[Reg.rbx] = 0xFFC
        XCTAssertEqual(t.run(), .budgetExhausted)
        XCTAssertEqual(t[Reg.rax], 0x4433_2211)
        let u = protectedCPU([0x8B, 0x03], dsLimit: 0xFFF)
        u[Reg.rbx] = 0xFFD
        u[Reg.rax] = 7
        XCTAssertEqual(u.run(), .exception(.gp(0), rip: code))
        XCTAssertEqual(u[Reg.rax], 7)
    }

    func testExpandDownDataLimit() {
        // Expand-down (type 0x6 | accessed: access byte 0x97), B = 1: valid offsets are
        // 0x1000 ... 0xFFFF_FFFF. A byte at the limit faults, one above it is fine.
        let t = protectedCPU([0x8A, 0x03], dsLimit: 0xFFF, dsAttributes: 0x497)
        t[Reg.rbx] = 0xFFF
        XCTAssertEqual(t.run(), .exception(.gp(0), rip: code))
        let u = protectedCPU([0x8A, 0x03], dsLimit: 0xFFF, dsAttributes: 0x497)
        u.ram.write([0x5A], at: 0x3000)
        u[Reg.rbx] = 0x1000
        XCTAssertEqual(u.run(), .budgetExhausted)
        XCTAssertEqual(u[Reg.rax] & 0xFF, 0x5A)
        // B = 0: the upper bound is 0xFFFF, so a dword at 0xFFFD runs past it.
        let w = protectedCPU([0x8B, 0x03], dsLimit: 0xFFF, dsAttributes: 0x097)
        w[Reg.rbx] = 0xFFFD
        XCTAssertEqual(w.run(), .exception(.gp(0), rip: code))
    }

    func testStackLimitRaisesSS() {
        // POP EAX with ESP = limit - 1: the dword runs one byte past SS.limit -> #SS(0), ESP kept.
        let t = TestCPU([0x58], mode: .protected32)
        t.state.pointee.efer = 0
        t.state.pointee.system.setLimit(Seg.ss, 0x7FFFE)
        t[Reg.rsp] = 0x7FFFC
        XCTAssertEqual(t.run(), .exception(.ss(0), rip: code))
        XCTAssertEqual(t[Reg.rsp], 0x7FFFC)
        // An explicit [EBP] operand uses SS too: #SS(0).
        let u = TestCPU([0x8B, 0x45, 0x00], mode: .protected32)
        u.state.pointee.efer = 0
        u.state.pointee.system.setLimit(Seg.ss, 0x7FFFE)
        u[Reg.rbp] = 0x7FFFE
        XCTAssertEqual(u.run(), .exception(.ss(0), rip: code))
    }

    func testNearJumpPastCSLimitFaultsOnTheJump() {
        // E9 rel32: JMP to 0x3000 with CS.limit 0x1FFF: #GP(0) reported at the JMP itself.
        let t = TestCPU([0xE9, 0xFB, 0x1F, 0x00, 0x00], mode: .protected32)
        t.state.pointee.efer = 0
        t.state.pointee.system.setLimit(Seg.cs, 0x1FFF)
        XCTAssertEqual(t.run(), .exception(.gp(0), rip: code))
        // CALL rel32 past the limit pushes nothing.
        let u = TestCPU([0xE8, 0xFB, 0x1F, 0x00, 0x00], mode: .protected32)
        u.state.pointee.efer = 0
        u.state.pointee.system.setLimit(Seg.cs, 0x1FFF)
        XCTAssertEqual(u.run(), .exception(.gp(0), rip: code))
        XCTAssertEqual(u[Reg.rsp], TestCPU.stackTop)
    }

    func testInstructionCrossingCSLimit() {
        // NOP at 0x1000, then B8 imm32 (0x1001-0x1005) with CS.limit 0x1003: the NOP runs, the
        // MOV is not fetched: #GP(0) at 0x1001.
        let t = TestCPU([0x90, 0xB8, 1, 2, 3, 4], mode: .protected32)
        t.state.pointee.efer = 0
        t.state.pointee.system.setLimit(Seg.cs, 0x1003)
        XCTAssertEqual(t.run(2), .exception(.gp(0), rip: code + 1))
    }

    func testRealModeWordAtOffsetFFFF() {
        // Real mode, DS limit 0xFFFF: MOV AX, [BX] with BX = 0xFFFF reads offsets 0xFFFF and
        // 0x10000 -> #GP(0) (SDM MOV, real-address mode exceptions).
        let t = TestCPU([0x8B, 0x07], mode: .mode16)
        let s = t.state
        s.pointee.cr0 = 0x10
        s.pointee.efer = 0
        s.pointee.system.segmentAttributes = (0x93, 0x9B, 0x93, 0x93, 0x93, 0x93)
        s.pointee.system.segmentLimit = (0xFFFF, 0xFFFF, 0xFFFF, 0xFFFF, 0xFFFF, 0xFFFF)
        t[Reg.rbx] = 0xFFFF
        XCTAssertEqual(t.run(), .exception(.gp(0), rip: code))
    }

    func testSixtyFourBitModeIgnoresLimits() {
        // 64-bit mode has no limit checks: a stale 32-bit limit of 0 in DS changes nothing.
        let t = TestCPU([0x8B, 0x03])
        t.state.pointee.system.setLimit(Seg.ds, 0)
        t.ram.write([0x78, 0x56, 0x34, 0x12], at: 0x3000)
        t[Reg.rbx] = 0x3000
        XCTAssertEqual(t.run(), .budgetExhausted)
        XCTAssertEqual(t[Reg.rax], 0x1234_5678)
    }

    func testA20MaskAliasesOddMegabytes() {
        // MOV EAX, [RBX] at 0x100000 reads 0x100000 with A20 on, 0x000000 with A20 off.
        let t = TestCPU([0x8B, 0x03, 0x8B, 0x03], memory: 4 << 20)
        t.ram.write([1, 0, 0, 0], at: 0x000000)
        t.ram.write([2, 0, 0, 0], at: 0x100000)
        t[Reg.rbx] = 0x100000
        XCTAssertTrue(t.cpu.a20Enabled)
        XCTAssertEqual(t.run(), .budgetExhausted)
        XCTAssertEqual(t[Reg.rax], 2)
        t.cpu.setA20(enabled: false)
        XCTAssertFalse(t.cpu.a20Enabled)
        XCTAssertEqual(t.run(), .budgetExhausted)
        XCTAssertEqual(t[Reg.rax], 1)
    }

    /// 32-bit protected mode with a GDT (0x08 flat code, 0x10 data/stack, limit 0xFFF) and
    /// interrupt gates for every vector to 0x08:0x2000; SS = 0x10.
    func deliveryCPU(esp: UInt64) -> TestCPU {
        let t = TestCPU([0x90], mode: .protected32)
        let s = t.state
        s.pointee.efer = 0
        s.pointee.cr0 = 0x11
        var gdt: [UInt8] = []
        for d: UInt64 in [0, 0x00CF_9A00_0000_FFFF, 0x0040_9200_0000_0FFF] {
            for k in 0..<8 { gdt.append(UInt8(truncatingIfNeeded: d >> (8 * UInt64(k)))) }
        }
        t.ram.write(gdt, at: 0x500)
        var idt: [UInt8] = []
        for _ in 0..<256 { idt += [0x00, 0x20, 0x08, 0x00, 0x00, 0x8E, 0x00, 0x00] }
        t.ram.write(idt, at: 0x4000)
        s.pointee.system.gdtBase = 0x500; s.pointee.system.gdtLimit = 23
        s.pointee.system.idtBase = 0x4000; s.pointee.system.idtLimit = 0x7FF
        s.pointee.system.segmentAttributes = (0xC93, 0xC9B, 0x493, 0xC93, 0xC93, 0xC93)
        s.pointee.system.setLimit(Seg.ss, 0xFFF)
        s.pointee.segmentSelector = (0x10, 0x08, 0x10, 0x10, 0x10, 0x10)
        t[Reg.rsp] = esp
        return t
    }

    func testInterruptFrameMustFitTheStackSegment() {
        // INT 0x40 at CPL 0: EFLAGS, CS, EIP (12 bytes) go below ESP. With ESP = 0x100 they fit
        // (SS.limit 0xFFF); with ESP = 8 the frame would start at 0xFFFF_FFFC, past the limit:
        // #SS, whose own frame does not fit either, then #DF: a triple fault (SDM INT n:
        // "IF stack limit does not allow push ... THEN #SS").
        let t = deliveryCPU(esp: 0x100)
        XCTAssertTrue(t.state.deliverEvent(vector: 0x40, errorCode: nil, source: .software, returnRIP: 0x1001, instructionRIP: 0x1000))
        XCTAssertEqual(t[Reg.rsp], 0x100 - 12)
        XCTAssertEqual(t.state.pointee.rip, 0x2000)
        let u = deliveryCPU(esp: 8)
        XCTAssertFalse(u.state.deliverEvent(vector: 0x40, errorCode: nil, source: .software, returnRIP: 0x1001, instructionRIP: 0x1000))
    }
}
