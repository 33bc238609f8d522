// Unit tests for shifts, rotates and SHLD/SHRD (Instructions/Shift.swift): count masking,
// count 0, counts past the width, RCL/RCR periods, memory forms, 32-bit mode, and the
// undefined flags as measured on the reference AMD CPU.

import XCTest
@testable import X86

final class ShiftTests: XCTestCase {
    func testShlByOneFlags() {
        // shl al, 1 (D0 E0): 0xC0 -> 0x80, CF = 1, OF = MSB ^ CF = 0
        let t = TestCPU([0xD0, 0xE0])
        t[Reg.rax] = 0xC0
        t.run()
        XCTAssertEqual(t[Reg.rax], 0x80)
        XCTAssertEqual(t.statusFlagBits, Flag.cf | Flag.sf | Flag.af)
    }

    func testCountZeroKeepsFlagsButZeroExtends32() {
        // shl eax, cl (D3 E0) with CL = 32: masked count 0
        let t = TestCPU([0xD3, 0xE0])
        t[Reg.rax] = 0xDEAD_BEEF_CAFE_F00D; t[Reg.rcx] = 32
        t.setStatusFlags(Flag.arithmetic)
        t.run()
        XCTAssertEqual(t[Reg.rax], 0xCAFE_F00D)
        XCTAssertEqual(t.statusFlagBits, Flag.arithmetic)
    }

    func testCountMaskedToFiveBitsAndPastWidth() {
        // shl al, cl with CL = 0x29 -> 9 (> 8): result 0, CF = 0 (last bit out is a zero)
        let t = TestCPU([0xD2, 0xE0])
        t[Reg.rax] = 0xFF; t[Reg.rcx] = 0x29
        t.run()
        XCTAssertEqual(t[Reg.rax] & 0xFF, 0)
        XCTAssertEqual(t.statusFlagBits, Flag.zf | Flag.pf | Flag.af)
        // shl al, 8: CF = bit 0
        let t2 = TestCPU([0xC0, 0xE0, 0x08])
        t2[Reg.rax] = 0x01
        t2.run()
        XCTAssertEqual(t2.statusFlagBits, Flag.cf | Flag.of | Flag.zf | Flag.pf | Flag.af)
    }

    func testSarMemory64AndSignFill() {
        // sar qword [rbx], 63 (48 C1 3B 3F)
        let t = TestCPU([0x48, 0xC1, 0x3B, 0x3F])
        t[Reg.rbx] = TestCPU.arithDataAddress
        t.writeArithData(0x8000_0000_0000_0001)
        t.run()
        XCTAssertEqual(t.readArithData(), ~0)
        XCTAssertEqual(t.statusFlagBits, Flag.sf | Flag.pf | Flag.af, "CF = bit 62 = 0, OF = 0")
    }

    func testSarByteCountPastWidthGivesSign() {
        // sar al, cl with CL = 20
        let t = TestCPU([0xD2, 0xF8])
        t[Reg.rax] = 0x80; t[Reg.rcx] = 20
        t.run()
        XCTAssertEqual(t[Reg.rax], 0xFF)
        XCTAssertEqual(t.statusFlagBits & (Flag.cf | Flag.of), Flag.cf)
    }

    func testShrOverflowFlag() {
        // shr eax, 1 (D1 E8): OF = old MSB; shr eax, 2: OF = 0 on the reference CPU
        let t = TestCPU([0xD1, 0xE8, 0xC1, 0xE8, 0x02])
        t[Reg.rax] = 0x8000_0001
        t.run()
        XCTAssertEqual(t[Reg.rax], 0x4000_0000)
        XCTAssertEqual(t.statusFlagBits, Flag.cf | Flag.of | Flag.pf | Flag.af)
        t[Reg.rax] = 0x8000_0002
        t.run()
        XCTAssertEqual(t[Reg.rax], 0x2000_0000)
        XCTAssertEqual(t.statusFlagBits, Flag.cf | Flag.pf | Flag.af)
    }

    func testRolByWidthSetsCarryOnly() {
        // rol al, 8 (C0 C0 08): value unchanged, CF = LSB, OF = MSB ^ CF; SF/ZF/AF/PF kept
        let t = TestCPU([0xC0, 0xC0, 0x08])
        t[Reg.rax] = 0x81
        t.setStatusFlags(Flag.zf | Flag.of)
        t.run()
        XCTAssertEqual(t[Reg.rax], 0x81)
        XCTAssertEqual(t.statusFlagBits, Flag.zf | Flag.cf)
    }

    func testRor64ByCountMaskedToZero() {
        // ror rax, 64 (48 C1 C8 40): masked count 0 -> nothing changes
        let t = TestCPU([0x48, 0xC1, 0xC8, 0x40])
        t[Reg.rax] = 0x1234
        t.setStatusFlags(Flag.of)
        t.run()
        XCTAssertEqual(t[Reg.rax], 0x1234)
        XCTAssertEqual(t.statusFlagBits, Flag.of)
    }

    func testRorFlags() {
        // ror eax, 1 (D1 C8): 1 -> 0x80000000, CF = 1, OF = top two bits differ = 1
        let t = TestCPU([0xD1, 0xC8])
        t[Reg.rax] = 1
        t.run()
        XCTAssertEqual(t[Reg.rax], 0x8000_0000)
        XCTAssertEqual(t.statusFlagBits, Flag.cf | Flag.of)
    }

    func testRclByteCountModNine() {
        // rcl al, 9 (C0 D0 09): rotation by 0, but OF is still computed (MSB ^ CF)
        let t = TestCPU([0xC0, 0xD0, 0x09])
        t[Reg.rax] = 0x80
        t.setStatusFlags(0)
        t.run()
        XCTAssertEqual(t[Reg.rax], 0x80)
        XCTAssertEqual(t.statusFlagBits, Flag.of)
        // rcl al, 1 with CF = 1: 0x80 -> 0x01, CF = 1
        let t2 = TestCPU([0xD0, 0xD0])
        t2[Reg.rax] = 0x80
        t2.setStatusFlags(Flag.cf)
        t2.run()
        XCTAssertEqual(t2[Reg.rax], 0x01)
        XCTAssertEqual(t2.statusFlagBits, Flag.cf | Flag.of)
    }

    func testRcrWordMemoryCountModSeventeen() {
        // rcr word [rbx], 17 (66 C1 1B 11): 17 mod 17 = 0 -> value unchanged
        let t = TestCPU([0x66, 0xC1, 0x1B, 0x11, 0x66, 0xD1, 0x1B])
        t[Reg.rbx] = TestCPU.arithDataAddress
        t.writeArithData(0x5555_0001)
        t.setStatusFlags(Flag.cf)
        t.run()
        XCTAssertEqual(t.readArithData(), 0x5555_0001)
        XCTAssertEqual(t.statusFlagBits & Flag.cf, Flag.cf)
        // rcr word [rbx], 1 with CF = 1: 0x0001 -> 0x8000, CF = 1, OF = 1
        t.run()
        XCTAssertEqual(t.readArithData(), 0x5555_8000)
        XCTAssertEqual(t.statusFlagBits & (Flag.cf | Flag.of), Flag.cf | Flag.of)
    }

    func testRcl64ThroughCarry() {
        // rcl rax, cl (48 D3 D0) by 63 with CF = 1
        let t = TestCPU([0x48, 0xD3, 0xD0])
        t[Reg.rax] = 0x2; t[Reg.rcx] = 63
        t.setStatusFlags(Flag.cf)
        t.run()
        // The 65-bit value CF:RAX = 1:0x2 rotated left by 63 = rotated right by 2:
        // bit 64 (CF) -> bit 62, bit 1 -> bit 64 (the new CF).
        XCTAssertEqual(t[Reg.rax], 1 << 62)
        XCTAssertEqual(t.statusFlagBits & Flag.cf, Flag.cf)
    }

    func testShldShrd32() {
        // shld eax, edx, cl (0F A5 D0) with CL = 4
        let t = TestCPU([0x0F, 0xA5, 0xD0])
        t[Reg.rax] = 0x1234_5678; t[Reg.rdx] = 0x9ABC_DEF0; t[Reg.rcx] = 4
        t.run()
        XCTAssertEqual(t[Reg.rax], 0x2345_6789)
        // CF = bit 28 of the destination (1); OF = MSB(result) XOR CF = 1; AF = 1 (reference CPU)
        XCTAssertEqual(t.statusFlagBits, Flag.cf | Flag.of | Flag.af)
    }

    func testShrdMemoryIn32BitMode() {
        // shrd dword [ebx], edx, 4 (0F AC 13 04)
        let t = TestCPU([0x0F, 0xAC, 0x13, 0x04], mode: .protected32)
        t[Reg.rbx] = TestCPU.arithDataAddress; t[Reg.rdx] = 0xF
        t.writeArithData(0x1234_5678)
        t.run()
        XCTAssertEqual(t.readArithData(), 0xF123_4567)
        XCTAssertEqual(t.statusFlagBits & (Flag.cf | Flag.sf), Flag.cf | Flag.sf)
    }

    func testShld16CountsSixteenAndAbove() {
        // shld ax, dx, 16 (66 0F A4 D0 10): result = DX, CF = bit 0 of AX, OF = CF (measured)
        let t = TestCPU([0x66, 0x0F, 0xA4, 0xD0, 0x10])
        t[Reg.rax] = 0x8001; t[Reg.rdx] = 0
        t.run()
        XCTAssertEqual(t[Reg.rax], 0)
        XCTAssertEqual(t.statusFlagBits, Flag.cf | Flag.of | Flag.zf | Flag.pf | Flag.af)
        // shrd ax, dx, 20 (66 0F AC D0 14): pattern src:src:dest >> 20
        let t2 = TestCPU([0x66, 0x0F, 0xAC, 0xD0, 0x14])
        t2[Reg.rax] = 0x1234; t2[Reg.rdx] = 0x5678
        t2.run()
        XCTAssertEqual(t2[Reg.rax], 0x8567)
        XCTAssertEqual(t2.statusFlagBits, Flag.sf | Flag.of | Flag.af)
    }

    func testShldCountZeroChangesNothingInMemory() {
        // shld dword [rbx], edx, cl with CL = 0 (0F A5 13)
        let t = TestCPU([0x0F, 0xA5, 0x13])
        t[Reg.rbx] = TestCPU.arithDataAddress; t[Reg.rdx] = ~0; t[Reg.rcx] = 0
        t.writeArithData(0x42)
        t.setStatusFlags(Flag.zf)
        t.run()
        XCTAssertEqual(t.readArithData(), 0x42)
        XCTAssertEqual(t.statusFlagBits, Flag.zf)
    }
}
