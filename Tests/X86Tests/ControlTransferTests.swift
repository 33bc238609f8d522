// Unit tests for the control-transfer family (Instructions/ControlTransfer.swift): Jcc, JMP,
// CALL, RET, LOOP/JrCXZ, ENTER/LEAVE in 64-bit and 32-bit mode, and the edge cases the
// host-CPU harness cannot reach (non-canonical targets, stack faults, 32-bit mode).

import XCTest
import EmulatorCore
@testable import X86

extension TestCPU {
    func readQ(_ a: UInt64) -> UInt64 {
        let b = ram.read(a, count: 8) ?? []
        return b.enumerated().reduce(0) { $0 | UInt64($1.element) << UInt64(8 * $1.offset) }
    }
    func readD(_ a: UInt64) -> UInt64 { readQ(a) & 0xFFFF_FFFF }
    func readW(_ a: UInt64) -> UInt64 { readQ(a) & 0xFFFF }
    func writeQ(_ a: UInt64, _ v: UInt64) {
        _ = ram.write((0..<8).map { UInt8(truncatingIfNeeded: v >> UInt64(8 * $0)) }, at: a)
    }
    func writeD(_ a: UInt64, _ v: UInt32) {
        _ = ram.write((0..<4).map { UInt8(truncatingIfNeeded: v >> UInt32(8 * $0)) }, at: a)
    }
    func setFlags(_ f: UInt64) { state.pointee.rflags = f }
}

final class ControlTransferTests: XCTestCase {
    let code = TestCPU.codeAddress
    let stack = TestCPU.stackTop
    let nonCanonical: UInt64 = 0x0000_8000_0000_0000

    /// The condition table from the SDM, evaluated from explicit flag bits.
    func expected(_ cc: Int, _ f: UInt64) -> Bool {
        let cf = f & Flag.cf != 0, zf = f & Flag.zf != 0, sf = f & Flag.sf != 0
        let of = f & Flag.of != 0, pf = f & Flag.pf != 0
        let r: Bool
        switch cc >> 1 {
        case 0: r = of
        case 1: r = cf
        case 2: r = zf
        case 3: r = cf || zf
        case 4: r = sf
        case 5: r = pf
        case 6: r = sf != of
        default: r = zf || sf != of
        }
        return cc & 1 == 0 ? r : !r
    }

    func testJccRel8AllConditionsAllFlagCombinations() {
        let flagSets: [UInt64] = [Flag.cf, Flag.zf, Flag.sf, Flag.of, Flag.pf]
        for cc in 0..<16 {
            for combo in 0..<32 {
                var f: UInt64 = 0
                for (k, bit) in flagSets.enumerated() where combo & (1 << k) != 0 { f |= bit }
                let t = TestCPU([0x70 + UInt8(cc), 0x10])
                t.setFlags(f)
                XCTAssertEqual(t.run(), .budgetExhausted)
                let taken = expected(cc, f)
                XCTAssertEqual(t[Reg.rip], taken ? code + 0x12 : code + 2, "j\(conditionNames[cc]) flags \(f)")
                XCTAssertEqual(t.rflags & Flag.arithmetic, f, "Jcc changes no flag")
            }
        }
    }

    func testJccRel32BackwardAndLazyFlags() {
        // cmp eax, ecx (39 C8); jl rel32 -0x100 (0F 8C 00 FF FF FF)
        let t = TestCPU([0x39, 0xC8, 0x0F, 0x8C, 0x00, 0xFF, 0xFF, 0xFF])
        t[Reg.rax] = 0xFFFF_FFFF   // -1 < 1 signed
        t[Reg.rcx] = 1
        t.run(2)
        XCTAssertEqual(t[Reg.rip], code + 8 - 0x100)
    }

    func testJccToNonCanonicalTargetRaisesGPAndLeavesRIP() throws {
        let t = TestCPU([0x90])
        var d = DecodedInstruction(handler: JccHandlers.je)
        d.imm = nonCanonical
        t.setFlags(Flag.zf)
        t.state.pointee.rip = 0x2000
        XCTAssertThrowsError(try withUnsafePointer(to: &d) { p throws(CPUFault) in try JccHandlers.jeBody(t.state, p) }) {
            XCTAssertEqual($0 as? CPUFault, .gp(0))
        }
        XCTAssertEqual(t[Reg.rip], 0x2000)
        // Not taken: no fault even with a bad target.
        t.setFlags(0)
        XCTAssertNoThrow(try withUnsafePointer(to: &d) { p throws(CPUFault) in try JccHandlers.jeBody(t.state, p) })
    }

    func testJmpRel8AndRel32() {
        let t = TestCPU([0xEB, 0xFE])  // jmp $
        t.run()
        XCTAssertEqual(t[Reg.rip], code)
        let u = TestCPU([0xE9, 0x00, 0x10, 0x00, 0x00])
        u.run()
        XCTAssertEqual(u[Reg.rip], code + 5 + 0x1000)
    }

    func testCallRel32AndRet() {
        // call +0x10 (E8 10 00 00 00); at 0x1015: ret (C3)
        var bytes: [UInt8] = [0xE8, 0x10, 0, 0, 0] + [UInt8](repeating: 0x90, count: 0x10)
        bytes.append(0xC3)
        let t = TestCPU(bytes)
        t.run()
        XCTAssertEqual(t[Reg.rip], code + 0x15)
        XCTAssertEqual(t[Reg.rsp], stack - 8)
        XCTAssertEqual(t.readQ(stack - 8), code + 5)
        t.run()
        XCTAssertEqual(t[Reg.rip], code + 5)
        XCTAssertEqual(t[Reg.rsp], stack)
    }

    func testRetImm16ReleasesArguments() {
        let t = TestCPU([0xC2, 0x18, 0x00])  // ret 0x18
        t[Reg.rsp] = stack - 8
        t.writeQ(stack - 8, 0x4000)
        t.run()
        XCTAssertEqual(t[Reg.rip], 0x4000)
        XCTAssertEqual(t[Reg.rsp], stack + 0x18)
    }

    func testRetImm16IsZeroExtended() {
        let t = TestCPU([0xC2, 0x00, 0x80])  // ret 0x8000 (not -0x8000)
        t[Reg.rsp] = stack - 8
        t.writeQ(stack - 8, 0x4000)
        t.run()
        XCTAssertEqual(t[Reg.rsp], stack + 0x8000)
    }

    func testRetToNonCanonicalFaultsWithoutPopping() {
        let t = TestCPU([0xC3])
        t[Reg.rsp] = stack - 8
        t.writeQ(stack - 8, nonCanonical)
        XCTAssertEqual(t.run(), .exception(.gp(0), rip: code))
        XCTAssertEqual(t[Reg.rsp], stack - 8)
    }

    func testIndirectJmpAndCallRegister() {
        let t = TestCPU([0xFF, 0xE0])  // jmp rax
        t[Reg.rax] = 0x3000
        t.run()
        XCTAssertEqual(t[Reg.rip], 0x3000)

        let u = TestCPU([0x41, 0xFF, 0xD3])  // call r11
        u[Reg.r11] = 0x3456
        u.run()
        XCTAssertEqual(u[Reg.rip], 0x3456)
        XCTAssertEqual(u.readQ(stack - 8), code + 3)
    }

    /// On the AMD reference CPU a 66 prefix gives near branches a 16-bit operand size in 64-bit
    /// mode (measured on the host: `66 FF E0` jumps to AX, `66 E8 rel16` pushes 2 bytes, `66 C3`
    /// pops 2). The handlers, called directly:
    func testSixteenBitBranchHandlersIn64BitMode() throws {
        let t = TestCPU([0x90])
        var d = DecodedInstruction(handler: BranchHandlers.jmpReg16)
        d.rm = UInt8(Reg.rax * 8)
        t[Reg.rax] = 0x1_0000_3456
        t.state.pointee.rip = 0x1_0000_1003
        try withUnsafePointer(to: &d) { p throws(CPUFault) in try BranchHandlers.jmpReg16Body(t.state, p) }
        XCTAssertEqual(t[Reg.rip], 0x3456)

        d.imm = 0x0814
        d.nextRIP = 0x1_0000_1004  // CALL pushes the next instruction's address (16 bits of it)
        t.state.pointee.rip = 0x1_0000_1004
        try withUnsafePointer(to: &d) { p throws(CPUFault) in try BranchHandlers.callRel16Body(t.state, p) }
        XCTAssertEqual(t[Reg.rip], 0x0814)
        XCTAssertEqual(t[Reg.rsp], stack - 2)
        XCTAssertEqual(t.readW(stack - 2), 0x1004)

        try withUnsafePointer(to: &d) { p throws(CPUFault) in try BranchHandlers.ret16Body(t.state, p) }
        XCTAssertEqual(t[Reg.rip], 0x1004)
        XCTAssertEqual(t[Reg.rsp], stack)
    }

    func testOperandSizePrefixOnNearBranchesIn64BitModeFollowsAMD() {
        // 66 E9 rel16 (4 bytes): target (0x1004 + 0x10) & 0xFFFF.
        let t = TestCPU([0x66, 0xE9, 0x10, 0x00])
        t.run()
        XCTAssertEqual(t[Reg.rip], 0x1014)
        // 66 E8 rel16 -0x1010: target wraps to 16 bits, 2-byte return address.
        let u = TestCPU([0x66, 0xE8, 0xF0, 0xEF])
        u.run()
        XCTAssertEqual(u[Reg.rip], (0x1004 &- 0x1010) & 0xFFFF)
        XCTAssertEqual(u[Reg.rsp], stack - 2)
        XCTAssertEqual(u.readW(stack - 2), 0x1004)
        // 66 0F 84 rel16 (5 bytes), taken.
        let v = TestCPU([0x66, 0x0F, 0x84, 0x10, 0x00])
        v.setFlags(Flag.zf)
        v.run()
        XCTAssertEqual(v[Reg.rip], 0x1015)
        // 66 FF E0: jmp ax. 66 48 FF E0: REX.W wins, jmp rax.
        let w = TestCPU([0x66, 0xFF, 0xE0])
        w[Reg.rax] = 0x1_0000_3456
        w.run()
        XCTAssertEqual(w[Reg.rip], 0x3456)
        let x = TestCPU([0x66, 0x48, 0xFF, 0xE0])
        x[Reg.rax] = 0x1_0000_3456
        x.run()
        XCTAssertEqual(x[Reg.rip], 0x1_0000_3456)
        // 66 C3: pops 2 bytes.
        let y = TestCPU([0x66, 0xC3])
        y.writeQ(stack, 0x1111_2222_3333_4444)
        y.run()
        XCTAssertEqual(y[Reg.rip], 0x4444)
        XCTAssertEqual(y[Reg.rsp], stack + 2)
    }

    func testIndirectMemoryForms() {
        // jmp [rip+0x100] (FF 25 00 01 00 00): pointer at 0x1106
        let t = TestCPU([0xFF, 0x25, 0x00, 0x01, 0x00, 0x00])
        t.writeQ(code + 6 + 0x100, 0x5000)
        t.run()
        XCTAssertEqual(t[Reg.rip], 0x5000)

        // call [rsp] (FF 14 24): the pointer is read with the old RSP.
        let u = TestCPU([0xFF, 0x14, 0x24])
        u.writeQ(stack, 0x6000)
        u.run()
        XCTAssertEqual(u[Reg.rip], 0x6000)
        XCTAssertEqual(u[Reg.rsp], stack - 8)
        XCTAssertEqual(u.readQ(stack - 8), code + 3)
    }

    func testCallRspUsesOldValue() {
        let t = TestCPU([0xFF, 0xD4])  // call rsp
        t.run()
        XCTAssertEqual(t[Reg.rip], stack)
        XCTAssertEqual(t[Reg.rsp], stack - 8)
    }

    func testCallToNonCanonicalFaultsWithoutPushing() {
        let t = TestCPU([0xFF, 0xD0])  // call rax
        t[Reg.rax] = nonCanonical
        t.writeQ(stack - 8, 0x1122_3344)
        XCTAssertEqual(t.run(), .exception(.gp(0), rip: code))
        XCTAssertEqual(t[Reg.rsp], stack)
        XCTAssertEqual(t.readQ(stack - 8), 0x1122_3344, "nothing pushed")

        let u = TestCPU([0xFF, 0xE0])  // jmp rax
        u[Reg.rax] = 0xFFFF_7FFF_FFFF_FFFF
        XCTAssertEqual(u.run(), .exception(.gp(0), rip: code))
    }

    func testCallWithFaultingPushLeavesRSP() {
        // RSP just above the canonical hole: the push address is non-canonical -> #SS(0).
        let t = TestCPU([0xE8, 0x00, 0x00, 0x00, 0x00])
        t[Reg.rsp] = nonCanonical + 8
        XCTAssertEqual(t.run(), .exception(.ss(0), rip: code))
        XCTAssertEqual(t[Reg.rsp], nonCanonical + 8)
    }

    // MARK: LOOP / JrCXZ

    func testLoopCountsDownWithoutTouchingFlags() {
        let t = TestCPU([0xE2, 0xFE])  // loop $
        t[Reg.rcx] = 3
        t.setFlags(Flag.zf | Flag.cf | Flag.of)
        t.run(3)
        XCTAssertEqual(t[Reg.rcx], 0)
        XCTAssertEqual(t[Reg.rip], code + 2)
        XCTAssertEqual(t.rflags & Flag.arithmetic, Flag.zf | Flag.cf | Flag.of)
    }

    func testLoopWithZeroCountWrapsAndBranches() {
        let t = TestCPU([0xE2, 0x10])
        t[Reg.rcx] = 0
        t.run()
        XCTAssertEqual(t[Reg.rcx], ~0)
        XCTAssertEqual(t[Reg.rip], code + 0x12)
    }

    func testLoopWithAddressSizePrefixUsesECX() {
        // 67 E2 10: count is ECX; the write zero-extends into RCX.
        let t = TestCPU([0x67, 0xE2, 0x10])
        t[Reg.rcx] = 0x0000_0005_0000_0001
        t.run()
        XCTAssertEqual(t[Reg.rcx], 0, "ECX 1 -> 0: not taken, RCX upper half cleared")
        XCTAssertEqual(t[Reg.rip], code + 3)

        let u = TestCPU([0x67, 0xE2, 0x10])
        u[Reg.rcx] = 0x0000_0005_0000_0000
        u.run()
        XCTAssertEqual(u[Reg.rcx], 0xFFFF_FFFF)
        XCTAssertEqual(u[Reg.rip], code + 3 + 0x10)
    }

    func testLoopeAndLoopne() {
        for (op, zf, expectTaken) in [(UInt8(0xE1), true, true), (0xE1, false, false),
                                      (0xE0, true, false), (0xE0, false, true)] {
            let t = TestCPU([op, 0x10])
            t[Reg.rcx] = 5
            t.setFlags(zf ? Flag.zf : 0)
            t.run()
            XCTAssertEqual(t[Reg.rcx], 4, "decrements whether or not it branches")
            XCTAssertEqual(t[Reg.rip], expectTaken ? code + 0x12 : code + 2, "op \(op) zf \(zf)")
        }
        // Count reaching zero stops LOOPE even with ZF = 1.
        let t = TestCPU([0xE1, 0x10])
        t[Reg.rcx] = 1
        t.setFlags(Flag.zf)
        t.run()
        XCTAssertEqual(t[Reg.rip], code + 2)
    }

    func testJrcxzAndJecxz() {
        let t = TestCPU([0xE3, 0x10])
        t[Reg.rcx] = 0
        t.run()
        XCTAssertEqual(t[Reg.rip], code + 0x12)
        XCTAssertEqual(t[Reg.rcx], 0)

        let u = TestCPU([0xE3, 0x10])
        u[Reg.rcx] = 0x1_0000_0000
        u.run()
        XCTAssertEqual(u[Reg.rip], code + 2, "RCX != 0")

        let v = TestCPU([0x67, 0xE3, 0x10])  // jecxz
        v[Reg.rcx] = 0x1_0000_0000
        v.run()
        XCTAssertEqual(v[Reg.rip], code + 3 + 0x10, "ECX == 0")
        XCTAssertEqual(v[Reg.rcx], 0x1_0000_0000, "JrCXZ never writes the count")
    }

    // MARK: ENTER / LEAVE

    func testEnterLevel0() {
        let t = TestCPU([0xC8, 0x20, 0x00, 0x00])  // enter 0x20, 0
        t[Reg.rbp] = 0xABCD
        t.run()
        XCTAssertEqual(t.readQ(stack - 8), 0xABCD)
        XCTAssertEqual(t[Reg.rbp], stack - 8)
        XCTAssertEqual(t[Reg.rsp], stack - 8 - 0x20)
    }

    func testEnterLevel1PushesFrameTemp() {
        let t = TestCPU([0xC8, 0x10, 0x00, 0x01])  // enter 0x10, 1
        t[Reg.rbp] = 0xABCD
        t.run()
        XCTAssertEqual(t.readQ(stack - 8), 0xABCD)
        XCTAssertEqual(t.readQ(stack - 16), stack - 8)
        XCTAssertEqual(t[Reg.rbp], stack - 8)
        XCTAssertEqual(t[Reg.rsp], stack - 16 - 0x10)
    }

    func testEnterLevel3CopiesOuterFramePointers() {
        let t = TestCPU([0xC8, 0x08, 0x00, 0x03])  // enter 8, 3
        let outerBP: UInt64 = 0x70000
        t[Reg.rbp] = outerBP
        t.writeQ(outerBP - 8, 0x1111)
        t.writeQ(outerBP - 16, 0x2222)
        t.writeQ(outerBP - 24, 0x3333)  // not copied (level - 1 = 2 copies)
        t.run()
        XCTAssertEqual(t.readQ(stack - 8), outerBP)
        XCTAssertEqual(t.readQ(stack - 16), 0x1111)
        XCTAssertEqual(t.readQ(stack - 24), 0x2222)
        XCTAssertEqual(t.readQ(stack - 32), stack - 8, "FrameTemp")
        XCTAssertEqual(t[Reg.rbp], stack - 8)
        XCTAssertEqual(t[Reg.rsp], stack - 32 - 8)
    }

    func testEnterLevelIsMaskedTo5Bits() {
        let t = TestCPU([0xC8, 0x00, 0x00, 0x21])  // level 0x21 -> 1
        t[Reg.rbp] = 0x70000
        t.run()
        XCTAssertEqual(t[Reg.rsp], stack - 16)
        XCTAssertEqual(t.readQ(stack - 16), stack - 8)
    }

    func testEnterFaultLeavesRegistersUnchanged() {
        // The frame-pointer copy reads [RBP-8], a non-canonical address: #SS(0), RSP and RBP unchanged.
        let t = TestCPU([0xC8, 0x00, 0x00, 0x02])
        t[Reg.rbp] = nonCanonical + 8
        XCTAssertEqual(t.run(), .exception(.ss(0), rip: code))
        XCTAssertEqual(t[Reg.rsp], stack)
        XCTAssertEqual(t[Reg.rbp], nonCanonical + 8)
    }

    func testEnter16BitOperandSizeInLongMode() {
        // 66 C8 04 00 00: push BP (2 bytes), BP = low 16 bits of the frame pointer, RSP -= 4.
        let t = TestCPU([0x66, 0xC8, 0x04, 0x00, 0x00])
        t[Reg.rbp] = 0x1234_5678_9ABC_DEF0
        t.run()
        XCTAssertEqual(t.readW(stack - 2), 0xDEF0)
        XCTAssertEqual(t[Reg.rbp], 0x1234_5678_9ABC_0000 | ((stack - 2) & 0xFFFF))
        XCTAssertEqual(t[Reg.rsp], stack - 2 - 4)
    }

    func testLeave() {
        let t = TestCPU([0xC9])
        t[Reg.rbp] = stack - 0x40
        t.writeQ(stack - 0x40, 0x7777)
        t[Reg.rsp] = stack - 0x100
        t.run()
        XCTAssertEqual(t[Reg.rbp], 0x7777)
        XCTAssertEqual(t[Reg.rsp], stack - 0x38)
    }

    func testEnterThenLeaveRestoresFrame() {
        let t = TestCPU([0xC8, 0x30, 0x00, 0x02, 0xC9])  // enter 0x30, 2; leave
        t[Reg.rbp] = 0x70000
        t.writeQ(0x70000 - 8, 0x1)
        t.run(2)
        XCTAssertEqual(t[Reg.rbp], 0x70000)
        XCTAssertEqual(t[Reg.rsp], stack)
    }

    // MARK: 32-bit protected mode

    func testCallAndRetIn32BitMode() {
        var bytes: [UInt8] = [0xE8, 0x10, 0, 0, 0] + [UInt8](repeating: 0x90, count: 0x10)
        bytes.append(0xC3)
        let t = TestCPU(bytes, mode: .protected32)
        t.run()
        XCTAssertEqual(t[Reg.rip], code + 0x15)
        XCTAssertEqual(t[Reg.rsp], stack - 4)
        XCTAssertEqual(t.readD(stack - 4), code + 5)
        t.run()
        XCTAssertEqual(t[Reg.rip], code + 5)
        XCTAssertEqual(t[Reg.rsp], stack)
    }

    func testJmpRel32WrapsAt4GiBIn32BitMode() {
        // jmp -0x2000 from 0x1005: EIP wraps to 0xFFFFF005.
        let t = TestCPU([0xE9, 0x00, 0xE0, 0xFF, 0xFF], mode: .protected32)
        t.run()
        XCTAssertEqual(t[Reg.rip], 0xFFFF_F005)
    }

    func testOperandSizePrefixTruncatesEIPTo16Bits() {
        // 66 E9 rel16: target = (0x1004 + 0xF000) & 0xFFFF = 0x0004.
        let t = TestCPU([0x66, 0xE9, 0x00, 0xF0], mode: .protected32)
        t.run()
        XCTAssertEqual(t[Reg.rip], 0x0004)

        // 66 E8 rel16: pushes a 16-bit return address.
        let u = TestCPU([0x66, 0xE8, 0x10, 0x00], mode: .protected32)
        u.run()
        XCTAssertEqual(u[Reg.rip], code + 4 + 0x10)
        XCTAssertEqual(u[Reg.rsp], stack - 2)
        XCTAssertEqual(u.readW(stack - 2), code + 4)

        // 66 C3: pops 16 bits, EIP zero-extended.
        let v = TestCPU([0x66, 0xC3], mode: .protected32)
        v[Reg.rsp] = stack - 4
        v.writeD(stack - 4, 0xFFFF_2345)
        v.run()
        XCTAssertEqual(v[Reg.rip], 0x2345)
        XCTAssertEqual(v[Reg.rsp], stack - 2)

        // 66 FF E0: jmp ax.
        let w = TestCPU([0x66, 0xFF, 0xE0], mode: .protected32)
        w[Reg.rax] = 0x1234_5678
        w.run()
        XCTAssertEqual(w[Reg.rip], 0x5678)
    }

    func testIndirectCallIn32BitMode() {
        // call [0x2000] (FF 15 00 20 00 00): absolute disp32 in 32-bit mode.
        let t = TestCPU([0xFF, 0x15, 0x00, 0x20, 0x00, 0x00], mode: .protected32)
        t.writeD(0x2000, 0x3456)
        t.run()
        XCTAssertEqual(t[Reg.rip], 0x3456)
        XCTAssertEqual(t.readD(stack - 4), code + 6)
    }

    func testRetImm16In32BitMode() {
        let t = TestCPU([0xC2, 0x08, 0x00], mode: .protected32)
        t[Reg.rsp] = stack - 4
        t.writeD(stack - 4, 0x4000)
        t.run()
        XCTAssertEqual(t[Reg.rip], 0x4000)
        XCTAssertEqual(t[Reg.rsp], stack + 8)
    }

    func testLoopIn32BitModeUsesECXOrCXWith67() {
        let t = TestCPU([0xE2, 0x10], mode: .protected32)
        t[Reg.rcx] = 0x1_0000
        t.run()
        XCTAssertEqual(t[Reg.rcx] & 0xFFFF_FFFF, 0xFFFF)
        XCTAssertEqual(t[Reg.rip], code + 0x12)

        // 67 E2: count is CX; ECX's upper half is kept.
        let u = TestCPU([0x67, 0xE2, 0x10], mode: .protected32)
        u[Reg.rcx] = 0x1_0001
        u.run()
        XCTAssertEqual(u[Reg.rcx], 0x1_0000)
        XCTAssertEqual(u[Reg.rip], code + 3, "CX 1 -> 0: not taken")

        // 67 E3: JCXZ.
        let v = TestCPU([0x67, 0xE3, 0x10], mode: .protected32)
        v[Reg.rcx] = 0x5_0000
        v.run()
        XCTAssertEqual(v[Reg.rip], code + 0x13)
    }

    func testEnterAndLeaveIn32BitMode() {
        let t = TestCPU([0xC8, 0x10, 0x00, 0x02, 0xC9], mode: .protected32)
        t[Reg.rbp] = 0x70000
        t.writeD(0x70000 - 4, 0xAAAA)
        t.run()
        XCTAssertEqual(t.readD(stack - 4), 0x70000)
        XCTAssertEqual(t.readD(stack - 8), 0xAAAA)
        XCTAssertEqual(t.readD(stack - 12), stack - 4)
        XCTAssertEqual(t[Reg.rbp], stack - 4)
        XCTAssertEqual(t[Reg.rsp], stack - 12 - 0x10)
        t.run()
        XCTAssertEqual(t[Reg.rbp], 0x70000)
        XCTAssertEqual(t[Reg.rsp], stack)
    }
}
