import XCTest
@testable import X86

final class ArithTests: XCTestCase {
    func testAddRegisterFormSetsLazyFlags() {
        // add eax, ecx (01 C8)
        let t = TestCPU([0x01, 0xC8])
        t[Reg.rax] = 0xFFFF_FFFF_FFFF_FFFF
        t[Reg.rcx] = 1
        XCTAssertEqual(t.run(), .budgetExhausted)
        XCTAssertEqual(t[Reg.rax], 0, "32-bit write zero-extends")
        XCTAssertEqual(t.rflags & Flag.arithmetic, Flag.cf | Flag.zf | Flag.pf | Flag.af)
        XCTAssertEqual(t[Reg.rip], TestCPU.codeAddress + 2)
    }

    func testHighByteRegisters() {
        // add ah, bh (00 FC): without REX, rm=4 is AH and reg=7 is BH
        let t = TestCPU([0x00, 0xFC])
        t[Reg.rax] = 0x1234
        t[Reg.rbx] = 0x0100
        t.run()
        XCTAssertEqual(t[Reg.rax], 0x1334)
    }

    func testRipRelativeMemoryOperand() {
        // add dword [rip+0x10], 5 (83 05 10 00 00 00 05): next RIP = 0x1007, target 0x1017
        let t = TestCPU([0x83, 0x05, 0x10, 0x00, 0x00, 0x00, 0x05])
        t.ram.write([1, 0, 0, 0], at: 0x1017)
        t.run()
        XCTAssertEqual(t.ram.read(0x1017, count: 4), [6, 0, 0, 0])
    }

    func testLockOnRegisterFormIsUD() {
        // lock add eax, ecx
        let t = TestCPU([0xF0, 0x01, 0xC8])
        XCTAssertEqual(t.run(), .exception(.ud, rip: TestCPU.codeAddress))
    }
}
