// Unit tests for TEST, INC/DEC/NEG/NOT and MUL/IMUL/DIV/IDIV (Instructions/Arith.swift):
// edge cases for every operand size, memory forms, #DE and the flags (defined ones from the
// SDM/APM, undefined ones as measured on the reference AMD CPU).

import XCTest
@testable import X86

/// Shared helpers for the arith/shift/bit family tests.
extension TestCPU {
    static let arithDataAddress: UInt64 = 0x20000

    /// Sets RFLAGS' six status flags (materialized) and keeps bit 1.
    func setStatusFlags(_ bits: UInt64) { state.pointee.rflags = 0x2 | bits }
    var statusFlagBits: UInt64 { rflags & Flag.arithmetic }

    func writeArithData(_ value: UInt64, at offset: UInt64 = 0) {
        var bytes = [UInt8]()
        for i in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(8 * i))) }
        ram.write(bytes, at: Self.arithDataAddress + offset)
    }
    func readArithData(at offset: UInt64 = 0) -> UInt64 {
        let bytes = ram.read(Self.arithDataAddress + offset, count: 8) ?? []
        var v: UInt64 = 0
        for (i, b) in bytes.enumerated() { v |= UInt64(b) << UInt64(8 * i) }
        return v
    }
}

final class ArithFamilyTests: XCTestCase {
    let allFlags: UInt64 = Flag.arithmetic

    // MARK: TEST

    func testTestSetsLogicFlagsAndWritesNothing() {
        // test rax, rcx (48 85 C8)
        let t = TestCPU([0x48, 0x85, 0xC8])
        t[Reg.rax] = 0x8000_0000_0000_00F0; t[Reg.rcx] = 0x8000_0000_0000_000F
        t.setStatusFlags(allFlags)
        t.run()
        XCTAssertEqual(t[Reg.rax], 0x8000_0000_0000_00F0)
        XCTAssertEqual(t.statusFlagBits, Flag.sf | Flag.pf, "CF=OF=AF=0, SF from bit 63, PF of low byte 0")
    }

    func testTestImmediateMemoryByte() {
        // test byte [rbx], 0x80 (F6 03 80)
        let t = TestCPU([0xF6, 0x03, 0x80])
        t[Reg.rbx] = TestCPU.arithDataAddress
        t.writeArithData(0x7F)
        t.run()
        XCTAssertEqual(t.statusFlagBits, Flag.zf | Flag.pf)
    }

    func testTestEAXImmediate() {
        // test eax, 0x80000000 (A9 00 00 00 80)
        let t = TestCPU([0xA9, 0x00, 0x00, 0x00, 0x80])
        t[Reg.rax] = 0xFFFF_FFFF
        t.run()
        XCTAssertEqual(t.statusFlagBits, Flag.sf | Flag.pf)
    }

    // MARK: INC / DEC / NEG / NOT

    func testIncPreservesCarryAndSetsOverflow() {
        // inc al (FE C0): 0x7F -> 0x80
        let t = TestCPU([0xFE, 0xC0])
        t[Reg.rax] = 0x7F
        t.setStatusFlags(Flag.cf)
        t.run()
        XCTAssertEqual(t[Reg.rax], 0x80)
        XCTAssertEqual(t.statusFlagBits, Flag.cf | Flag.of | Flag.sf | Flag.af)
    }

    func testIncHighByteRegister() {
        // inc ah (FE C4): 0xFF -> 0x00, AL untouched, CF kept clear
        let t = TestCPU([0xFE, 0xC4])
        t[Reg.rax] = 0x12FF_34
        t.run()
        XCTAssertEqual(t[Reg.rax], 0x1200_34)
        XCTAssertEqual(t.statusFlagBits, Flag.zf | Flag.pf | Flag.af)
    }

    func testDec64WrapsAndKeepsCarry() {
        // dec rax (48 FF C8): 0 -> all ones, CF stays set
        let t = TestCPU([0x48, 0xFF, 0xC8])
        t[Reg.rax] = 0
        t.setStatusFlags(Flag.cf)
        t.run()
        XCTAssertEqual(t[Reg.rax], ~0)
        XCTAssertEqual(t.statusFlagBits, Flag.cf | Flag.sf | Flag.pf | Flag.af)
    }

    func testDecOverflowAtMostNegative() {
        // dec dword [rbx] (FF 0B): 0x80000000 -> 0x7FFFFFFF, OF
        let t = TestCPU([0xFF, 0x0B])
        t[Reg.rbx] = TestCPU.arithDataAddress
        t.writeArithData(0xAAAA_AAAA_8000_0000)
        t.run()
        XCTAssertEqual(t.readArithData(), 0xAAAA_AAAA_7FFF_FFFF, "only 4 bytes written")
        XCTAssertEqual(t.statusFlagBits & (Flag.of | Flag.sf | Flag.zf | Flag.af), Flag.of | Flag.af)
    }

    func testIncDecShortFormsIn32BitMode() {
        // inc eax; dec ecx (40 49) in 32-bit protected mode
        let t = TestCPU([0x40, 0x49], mode: .protected32)
        t[Reg.rax] = 0xFFFF_FFFF; t[Reg.rcx] = 1
        t.run(2)
        XCTAssertEqual(t[Reg.rax], 0)
        XCTAssertEqual(t[Reg.rcx], 0)
        XCTAssertEqual(t.statusFlagBits & (Flag.zf | Flag.cf), Flag.zf)
    }

    func testNegFlags() {
        // neg eax (F7 D8)
        let t = TestCPU([0xF7, 0xD8, 0xF7, 0xD8, 0xF7, 0xD8])
        t[Reg.rax] = 0
        t.run()
        XCTAssertEqual(t[Reg.rax], 0)
        XCTAssertEqual(t.statusFlagBits, Flag.zf | Flag.pf, "NEG 0: CF = 0")
        t[Reg.rax] = 0x8000_0000
        t.run()
        XCTAssertEqual(t[Reg.rax], 0x8000_0000)
        XCTAssertEqual(t.statusFlagBits, Flag.cf | Flag.of | Flag.sf | Flag.pf)
        t[Reg.rax] = 1
        t.run()
        XCTAssertEqual(t[Reg.rax], 0xFFFF_FFFF)
        XCTAssertEqual(t.statusFlagBits, Flag.cf | Flag.sf | Flag.pf | Flag.af)
    }

    func testNegMemoryByteIn32BitMode() {
        // neg word [ebx+4] (66 F7 5B 04), 32-bit mode
        let t = TestCPU([0x66, 0xF7, 0x5B, 0x04], mode: .protected32)
        t[Reg.rbx] = TestCPU.arithDataAddress
        t.writeArithData(0x0001_0000_0000)
        t.run()
        XCTAssertEqual(t.readArithData(), 0xFFFF_0000_0000)
        XCTAssertEqual(t.statusFlagBits & Flag.cf, Flag.cf)
    }

    func testNotChangesNoFlags() {
        // not qword [rbx] (48 F7 13); not ax (66 F7 D0)
        let t = TestCPU([0x48, 0xF7, 0x13, 0x66, 0xF7, 0xD0])
        t[Reg.rbx] = TestCPU.arithDataAddress
        t[Reg.rax] = 0x1234_5678_0000_FF00
        t.writeArithData(0x0F0F_0F0F_0F0F_0F0F)
        t.setStatusFlags(Flag.cf | Flag.zf | Flag.of)
        t.run(2)
        XCTAssertEqual(t.readArithData(), 0xF0F0_F0F0_F0F0_F0F0)
        XCTAssertEqual(t[Reg.rax], 0x1234_5678_0000_00FF)
        XCTAssertEqual(t.statusFlagBits, Flag.cf | Flag.zf | Flag.of)
    }

    // MARK: MUL / IMUL

    func testMulByteUsesAXAndKeepsUndefinedFlags() {
        // mul cl (F6 E1): AL * CL -> AX; SF/ZF/AF/PF unchanged on the reference CPU
        let t = TestCPU([0xF6, 0xE1, 0xF6, 0xE1])
        t[Reg.rax] = 0xAB_CD_80; t[Reg.rcx] = 2
        t.setStatusFlags(Flag.zf | Flag.pf)
        t.run()
        XCTAssertEqual(t[Reg.rax], 0xAB_01_00)
        XCTAssertEqual(t.statusFlagBits, Flag.cf | Flag.of | Flag.zf | Flag.pf)
        t[Reg.rax] = 3; t[Reg.rcx] = 5
        t.setStatusFlags(Flag.sf | Flag.af)
        t.run()
        XCTAssertEqual(t[Reg.rax], 15)
        XCTAssertEqual(t.statusFlagBits, Flag.sf | Flag.af)
    }

    func testMul64FullProduct() {
        // mul rcx (48 F7 E1)
        let t = TestCPU([0x48, 0xF7, 0xE1])
        t[Reg.rax] = ~0; t[Reg.rcx] = ~0
        t.run()
        XCTAssertEqual(t[Reg.rax], 1)
        XCTAssertEqual(t[Reg.rdx], 0xFFFF_FFFF_FFFF_FFFE)
        XCTAssertEqual(t.statusFlagBits & (Flag.cf | Flag.of), Flag.cf | Flag.of)
    }

    func testMul32ZeroExtendsBothHalves() {
        // mul ecx (F7 E1)
        let t = TestCPU([0xF7, 0xE1])
        t[Reg.rax] = 0xDEAD_0000_0000_0002; t[Reg.rcx] = 0x8000_0000; t[Reg.rdx] = ~0
        t.run()
        XCTAssertEqual(t[Reg.rax], 0)
        XCTAssertEqual(t[Reg.rdx], 1)
    }

    func testMulWordMemory() {
        // mul word [rbx] (66 F7 23): DX:AX
        let t = TestCPU([0x66, 0xF7, 0x23])
        t[Reg.rbx] = TestCPU.arithDataAddress
        t[Reg.rax] = 0x1111_0000_FFFF; t[Reg.rdx] = 0x2222_0000_0000
        t.writeArithData(0xFFFF)
        t.run()
        XCTAssertEqual(t[Reg.rax], 0x1111_0000_0001)
        XCTAssertEqual(t[Reg.rdx], 0x2222_0000_FFFE)
    }

    func testImulOneOperandSignedAndOverflow() {
        // imul cl (F6 E9): -1 * -1 = 1, no overflow; imul rcx (48 F7 E9)
        let t = TestCPU([0xF6, 0xE9, 0x48, 0xF7, 0xE9])
        t[Reg.rax] = 0xFF; t[Reg.rcx] = 0xFF
        t.setStatusFlags(Flag.cf | Flag.of)
        t.run()
        XCTAssertEqual(t[Reg.rax] & 0xFFFF, 1)
        XCTAssertEqual(t.statusFlagBits & (Flag.cf | Flag.of), 0)
        t[Reg.rax] = 0x8000_0000_0000_0000; t[Reg.rcx] = ~0  // -2^63 * -1 = 2^63: overflows
        t.run()
        XCTAssertEqual(t[Reg.rax], 0x8000_0000_0000_0000)
        XCTAssertEqual(t[Reg.rdx], 0)
        XCTAssertEqual(t.statusFlagBits & (Flag.cf | Flag.of), Flag.cf | Flag.of)
    }

    func testImulTwoAndThreeOperandForms() {
        // imul eax, ecx (0F AF C1); imul ecx, edx, -3 (6B CA FD); imul ax, cx, 0x4000 (66 69 C1 00 40)
        let t = TestCPU([0x0F, 0xAF, 0xC1, 0x6B, 0xCA, 0xFD, 0x66, 0x69, 0xC1, 0x00, 0x40])
        t[Reg.rax] = 0xFFFF_FFFF_0001_0000; t[Reg.rcx] = 0x1_0000
        t.run()
        XCTAssertEqual(t[Reg.rax], 0, "2^32 truncated, zero-extended")
        XCTAssertEqual(t.statusFlagBits & (Flag.cf | Flag.of), Flag.cf | Flag.of)
        t[Reg.rdx] = 5
        t.run()
        XCTAssertEqual(t[Reg.rcx], 0xFFFF_FFF1)
        XCTAssertEqual(t.statusFlagBits & (Flag.cf | Flag.of), 0)
        t[Reg.rax] = 0x5555_0000; t[Reg.rcx] = 2
        t.run()
        XCTAssertEqual(t[Reg.rax], 0x5555_8000, "16-bit result merges")
        XCTAssertEqual(t.statusFlagBits & (Flag.cf | Flag.of), Flag.cf | Flag.of, "0x8000 is not +32768")
    }

    func testImulMemoryForm() {
        // imul rax, qword [rbx] (48 0F AF 03)
        let t = TestCPU([0x48, 0x0F, 0xAF, 0x03])
        t[Reg.rbx] = TestCPU.arithDataAddress
        t[Reg.rax] = UInt64(bitPattern: -7)
        t.writeArithData(6)
        t.run()
        XCTAssertEqual(t[Reg.rax], UInt64(bitPattern: -42))
        XCTAssertEqual(t.statusFlagBits & (Flag.cf | Flag.of), 0)
    }

    // MARK: DIV / IDIV

    func testDivByteAndFlags() {
        // div cl (F6 F1): AX / CL -> AL quotient, AH remainder
        let t = TestCPU([0xF6, 0xF1])
        t[Reg.rax] = 0x1234_03E9; t[Reg.rcx] = 10   // 1001 / 10
        t.setStatusFlags(Flag.cf | Flag.zf | Flag.sf | Flag.pf)
        t.run()
        XCTAssertEqual(t[Reg.rax], 0x1234_0164)
        // Reference CPU: CF/OF unchanged, AF set, SF/ZF/PF cleared.
        XCTAssertEqual(t.statusFlagBits, Flag.cf | Flag.af)
    }

    func testDiv64And32() {
        // div rcx (48 F7 F1); div ecx (F7 F1)
        let t = TestCPU([0x48, 0xF7, 0xF1, 0xF7, 0xF1])
        t[Reg.rdx] = 1; t[Reg.rax] = 5; t[Reg.rcx] = 2   // (2^64 + 5) / 2
        t.run()
        XCTAssertEqual(t[Reg.rax], 0x8000_0000_0000_0002)
        XCTAssertEqual(t[Reg.rdx], 1)
        t[Reg.rdx] = 0xFFFF_FFFF_0000_0003; t[Reg.rax] = 0xFFFF_FFFF_0000_0001; t[Reg.rcx] = 0x1_0000_0004
        t.run()
        // EDX:EAX = 0x3_00000001, ECX = 4
        XCTAssertEqual(t[Reg.rax], 0xC000_0000)
        XCTAssertEqual(t[Reg.rdx], 1)
    }

    func testDivideByZeroRaisesDEAndChangesNothing() {
        // div qword [rbx] (48 F7 33) with a zero divisor
        let t = TestCPU([0x48, 0xF7, 0x33])
        t[Reg.rbx] = TestCPU.arithDataAddress
        t[Reg.rax] = 7; t[Reg.rdx] = 0
        t.writeArithData(0)
        t.setStatusFlags(Flag.zf)
        XCTAssertEqual(t.run(), .exception(.de, rip: TestCPU.codeAddress))
        XCTAssertEqual(t[Reg.rax], 7)
        XCTAssertEqual(t.statusFlagBits, Flag.zf)
    }

    func testDivQuotientOverflowRaisesDE() {
        // div cl: AX = 0x100, CL = 1 -> quotient 256 does not fit in AL
        let t = TestCPU([0xF6, 0xF1])
        t[Reg.rax] = 0x100; t[Reg.rcx] = 1
        XCTAssertEqual(t.run(), .exception(.de, rip: TestCPU.codeAddress))
        XCTAssertEqual(t[Reg.rax], 0x100)
    }

    func testIdivSignsAndLimits() {
        // idiv cl (F6 F9): -7 / 2 = -3 rem -1
        let t = TestCPU([0xF6, 0xF9])
        t[Reg.rax] = 0xFFF9; t[Reg.rcx] = 2
        t.run()
        XCTAssertEqual(t[Reg.rax] & 0xFFFF, 0xFFFD)
        // -256 / 2 = -128: fits
        let t2 = TestCPU([0xF6, 0xF9])
        t2[Reg.rax] = 0xFF00; t2[Reg.rcx] = 2
        XCTAssertEqual(t2.run(), .budgetExhausted)
        XCTAssertEqual(t2[Reg.rax] & 0xFFFF, 0x0080)
        // 256 / 2 = 128: does not fit
        let t3 = TestCPU([0xF6, 0xF9])
        t3[Reg.rax] = 0x0100; t3[Reg.rcx] = 2
        XCTAssertEqual(t3.run(), .exception(.de, rip: TestCPU.codeAddress))
    }

    func testIdivMostNegativeByMinusOne() {
        // idiv rcx (48 F7 F9): -2^63 / -1 overflows; idiv ecx (F7 F9): same for 32 bits
        let t = TestCPU([0x48, 0xF7, 0xF9])
        t[Reg.rdx] = ~0; t[Reg.rax] = 0x8000_0000_0000_0000; t[Reg.rcx] = ~0
        XCTAssertEqual(t.run(), .exception(.de, rip: TestCPU.codeAddress))
        let t2 = TestCPU([0xF7, 0xF9])
        t2[Reg.rdx] = 0x8000_0000; t2[Reg.rax] = 0; t2[Reg.rcx] = 0xFFFF_FFFF  // EDX:EAX = -2^63
        XCTAssertEqual(t2.run(), .exception(.de, rip: TestCPU.codeAddress))
        let t3 = TestCPU([0x48, 0xF7, 0xF9])
        t3[Reg.rdx] = ~0; t3[Reg.rax] = UInt64(bitPattern: -100); t3[Reg.rcx] = 7
        t3.run()
        XCTAssertEqual(t3[Reg.rax], UInt64(bitPattern: -14))
        XCTAssertEqual(t3[Reg.rdx], UInt64(bitPattern: -2))
    }

    func testDivIn32BitMode() {
        // div ecx (F7 F1) in protected mode
        let t = TestCPU([0xF7, 0xF1], mode: .protected32)
        t[Reg.rdx] = 0; t[Reg.rax] = 100; t[Reg.rcx] = 7
        t.run()
        XCTAssertEqual(t[Reg.rax], 14)
        XCTAssertEqual(t[Reg.rdx], 2)
    }
}
