// Unit tests for BT/BTS/BTR/BTC, BSF/BSR, TZCNT/LZCNT/POPCNT and BSWAP (Instructions/Bit.swift):
// register and memory forms, bit offsets that move the memory operand (negative too), zero
// sources, 32-bit mode, and flags as measured on the reference AMD CPU.

import XCTest
@testable import X86

final class BitTests: XCTestCase {
    func testBtRegisterOffsetIsModuloWidthAndKeepsOtherFlags() {
        // bt eax, ecx (0F A3 C8) with ECX = 35 -> bit 3
        let t = TestCPU([0x0F, 0xA3, 0xC8])
        t[Reg.rax] = 0x8; t[Reg.rcx] = 35
        t.setStatusFlags(Flag.zf | Flag.of | Flag.sf | Flag.af | Flag.pf)
        t.run()
        XCTAssertEqual(t.statusFlagBits, Flag.cf | Flag.zf | Flag.of | Flag.sf | Flag.af | Flag.pf)
        XCTAssertEqual(t[Reg.rax], 0x8)
    }

    func testBtImmediate() {
        // bt eax, 35 (0F BA E0 23): immediate taken modulo 32 -> bit 3
        let t = TestCPU([0x0F, 0xBA, 0xE0, 0x23])
        t[Reg.rax] = 0x7
        t.setStatusFlags(Flag.cf)
        t.run()
        XCTAssertEqual(t.statusFlagBits, 0)
    }

    func testBtsMemoryOffsetAddressesBeyondOperand() {
        // bts dword [rbx], ecx (0F AB 0B) with ECX = 100 -> dword at +12, bit 4
        let t = TestCPU([0x0F, 0xAB, 0x0B])
        t[Reg.rbx] = TestCPU.arithDataAddress; t[Reg.rcx] = 100
        t.writeArithData(0, at: 8)
        t.run()
        XCTAssertEqual(t.readArithData(at: 8), 0x10 << 32)
        XCTAssertEqual(t.statusFlagBits & Flag.cf, 0)
    }

    func testBtrMemoryNegativeOffset() {
        // btr qword [rbx], rcx (48 0F B3 0B) with RCX = -1 -> qword at -8, bit 63
        let t = TestCPU([0x48, 0x0F, 0xB3, 0x0B])
        t[Reg.rbx] = TestCPU.arithDataAddress + 8; t[Reg.rcx] = ~0
        t.writeArithData(~0)
        t.run()
        XCTAssertEqual(t.readArithData(), 0x7FFF_FFFF_FFFF_FFFF)
        XCTAssertEqual(t.statusFlagBits & Flag.cf, Flag.cf)
    }

    func testBtcWordMemoryNegativeSixteenBitOffset() {
        // btc word [rbx+2], cx (66 0F BB 4B 02) with CX = 0xFFF0 (-16) -> word at +0, bit 0
        let t = TestCPU([0x66, 0x0F, 0xBB, 0x4B, 0x02])
        t[Reg.rbx] = TestCPU.arithDataAddress; t[Reg.rcx] = 0x1234_FFF0
        t.writeArithData(0x0001)
        t.run()
        XCTAssertEqual(t.readArithData(), 0)
        XCTAssertEqual(t.statusFlagBits & Flag.cf, Flag.cf)
    }

    func testBtMemoryIn32BitMode() {
        // bt dword [ebx], ecx (0F A3 0B), 32-bit mode, offset 0x21 -> dword at +4, bit 1
        let t = TestCPU([0x0F, 0xA3, 0x0B], mode: .protected32)
        t[Reg.rbx] = TestCPU.arithDataAddress; t[Reg.rcx] = 0x21
        t.writeArithData(0x2 << 32)
        t.run()
        XCTAssertEqual(t.statusFlagBits & Flag.cf, Flag.cf)
    }

    func testBtsRegister32ZeroExtends() {
        // bts eax, ecx (0F AB C8): the 32-bit write clears the upper half even if nothing changes
        let t = TestCPU([0x0F, 0xAB, 0xC8])
        t[Reg.rax] = 0xFFFF_FFFF_0000_0001; t[Reg.rcx] = 0
        t.run()
        XCTAssertEqual(t[Reg.rax], 1)
        XCTAssertEqual(t.statusFlagBits & Flag.cf, Flag.cf)
    }

    func testBsfAndBsr() {
        // bsf eax, ecx (0F BC C1); bsr rax, qword [rbx] (48 0F BD 03)
        let t = TestCPU([0x0F, 0xBC, 0xC1, 0x48, 0x0F, 0xBD, 0x03])
        t[Reg.rcx] = 0x0010_0000; t[Reg.rbx] = TestCPU.arithDataAddress
        t.setStatusFlags(Flag.arithmetic)
        t.run()
        XCTAssertEqual(t[Reg.rax], 20)
        XCTAssertEqual(t.statusFlagBits, Flag.pf, "20 = 0b10100 has even parity; CF/OF/SF/AF/ZF cleared")
        t.writeArithData(0x0000_0040_0000_0000)
        t.run()
        XCTAssertEqual(t[Reg.rax], 38)
    }

    func testBsfZeroSourceLeavesDestination() {
        // bsf eax, ecx with ECX = 0: ZF = 1, EAX untouched (upper half kept too)
        let t = TestCPU([0x0F, 0xBC, 0xC1])
        t[Reg.rax] = 0xDEAD_BEEF_CAFE_F00D; t[Reg.rcx] = 0
        t.setStatusFlags(Flag.cf | Flag.of)
        t.run()
        XCTAssertEqual(t[Reg.rax], 0xDEAD_BEEF_CAFE_F00D)
        XCTAssertEqual(t.statusFlagBits, Flag.zf | Flag.pf)
    }

    func testTzcntLzcnt() {
        // tzcnt ecx, edx (F3 0F BC CA); lzcnt ax, cx (66 F3 0F BD C1)
        let t = TestCPU([0xF3, 0x0F, 0xBC, 0xCA, 0x66, 0xF3, 0x0F, 0xBD, 0xC1])
        t[Reg.rcx] = ~0; t[Reg.rdx] = 0
        t.setStatusFlags(Flag.of | Flag.sf)
        t.run()
        XCTAssertEqual(t[Reg.rcx], 32)
        XCTAssertEqual(t.statusFlagBits, Flag.cf | Flag.of, "CF = source zero, OF kept, SF cleared")
        t[Reg.rax] = 0x5555_0000; t[Reg.rcx] = 0x8000
        t.run()
        XCTAssertEqual(t[Reg.rax], 0x5555_0000)
        XCTAssertEqual(t.statusFlagBits, Flag.zf | Flag.of)
    }

    func testPopcnt() {
        // popcnt rax, rcx (F3 48 0F B8 C1)
        let t = TestCPU([0xF3, 0x48, 0x0F, 0xB8, 0xC1])
        t[Reg.rcx] = 0xF0F0_0000_0000_0001
        t.setStatusFlags(Flag.arithmetic)
        t.run()
        XCTAssertEqual(t[Reg.rax], 9)
        XCTAssertEqual(t.statusFlagBits, 0)
    }

    func testBswap() {
        // bswap eax (0F C8); bswap r9 (49 0F C9); 66 0F C8 (16-bit: low word cleared)
        let t = TestCPU([0x0F, 0xC8, 0x49, 0x0F, 0xC9, 0x66, 0x0F, 0xC8])
        t[Reg.rax] = 0xFFFF_FFFF_1234_5678; t[Reg.r9] = 0x0102_0304_0506_0708
        t.run(2)
        XCTAssertEqual(t[Reg.rax], 0x7856_3412)
        XCTAssertEqual(t[Reg.r9], 0x0807_0605_0403_0201)
        t[Reg.rax] = 0xDEAD_BEEF_CAFE_F00D
        t.run()
        XCTAssertEqual(t[Reg.rax], 0xDEAD_BEEF_CAFE_0000)
    }

    func testBswapIn32BitMode() {
        // bswap ecx (0F C9)
        let t = TestCPU([0x0F, 0xC9], mode: .protected32)
        t[Reg.rcx] = 0xAABB_CCDD
        t.run()
        XCTAssertEqual(t[Reg.rcx], 0xDDCC_BBAA)
    }
}
