// Unit tests for the x87 control instructions and FXSAVE/FXRSTOR (X87Control.swift).
import XCTest
@testable import X86

final class X87ControlTests: XCTestCase {
    func testFninitFnstcwFldcwFnstsw() {
        // fninit; fldcw [0x3000]; fnstcw [0x3002]; fnstsw ax
        let t = TestCPU([0xDB, 0xE3, 0xD9, 0x2C, 0x25, 0x00, 0x30, 0x00, 0x00,
                         0xD9, 0x3C, 0x25, 0x02, 0x30, 0x00, 0x00, 0xDF, 0xE0])
        t.ram.write([0x7F, 0x0F], at: 0x3000)      // RC = toward zero, all masked
        t.state.pointee.fpuStatus = 0x3800         // TOP = 7, to see FNINIT clear it
        t[Reg.rax] = 0xFFFF_FFFF_FFFF_FFFF
        XCTAssertEqual(t.run(4), .budgetExhausted)
        XCTAssertEqual(t.ram.read(0x3002, count: 2), [0x7F, 0x0F])
        XCTAssertEqual(t[Reg.rax], 0xFFFF_FFFF_FFFF_0000, "FNSTSW AX writes AX only")
    }

    func testX87RaisesNMWhenTaskSwitched() {
        let t = TestCPU([0xDB, 0xE3])
        t.state.pointee.cr0 |= 0x8                 // CR0.TS
        XCTAssertEqual(t.run(), .exception(CPUFault(.deviceNotAvailable), rip: TestCPU.codeAddress))
    }

    func testFxsaveFxrstorRoundTripAndLayout() {
        // fxsave64 [0x4000]; fxrstor64 [0x5000]
        let t = TestCPU([0x48, 0x0F, 0xAE, 0x04, 0x25, 0x00, 0x40, 0x00, 0x00,
                         0x48, 0x0F, 0xAE, 0x0C, 0x25, 0x00, 0x50, 0x00, 0x00])
        let s = t.state
        s.pointee.fpuControl = 0x027F
        s.pointee.mxcsr = 0x1FA0
        for k in 0..<256 { s.pointee.xmm.storeBytes(of: UInt8(k), toByteOffset: k, as: UInt8.self) }
        s.pointee.fpuRegisters.storeBytes(of: UInt64(0x8000_0000_0000_0000), toByteOffset: 0, as: UInt64.self)
        s.pointee.fpuRegisters.storeBytes(of: UInt16(0x3FFF), toByteOffset: 8, as: UInt16.self)  // ST0 = 1.0
        s.pointee.fpuTagAbridged = 0x01
        XCTAssertEqual(t.run(), .budgetExhausted)
        let image = t.ram.read(0x4000, count: 512)!
        XCTAssertEqual(image[0], 0x7F); XCTAssertEqual(image[1], 0x02)           // FCW
        XCTAssertEqual(image[4], 0x01)                                           // abridged FTW
        XCTAssertEqual(Array(image[24..<28]), [0xA0, 0x1F, 0, 0])                // MXCSR
        XCTAssertEqual(Array(image[28..<32]), [0xFF, 0xFF, 0x02, 0x00])          // MXCSR_MASK (DAZ, MM)
        XCTAssertEqual(Array(image[32..<42]), [0, 0, 0, 0, 0, 0, 0, 0x80, 0xFF, 0x3F])
        XCTAssertEqual(Array(image[160..<176]), (0..<16).map { UInt8($0) })      // XMM0
        XCTAssertEqual(image[415], 255)                                          // XMM15's last byte
        // Restore a different image: every field comes back, MXCSR included.
        var other = image
        other[0] = 0x7F; other[1] = 0x03
        for k in 160..<416 { other[k] = 0xAB }
        t.ram.write(other, at: 0x5000)
        XCTAssertEqual(t.run(), .budgetExhausted)
        XCTAssertEqual(s.pointee.fpuControl, 0x037F)
        XCTAssertEqual(s.pointee.xmm.load(fromByteOffset: 240, as: UInt64.self), 0xABAB_ABAB_ABAB_ABAB)
        XCTAssertEqual(s.pointee.mxcsr, 0x1FA0)
    }

    func testFxrstorRejectsReservedMXCSRBitsAndMisalignment() {
        // fxrstor [0x5000] with MXCSR bit 31 set: #GP(0), nothing restored.
        let t = TestCPU([0x0F, 0xAE, 0x0C, 0x25, 0x00, 0x50, 0x00, 0x00])
        t.ram.write([0x00, 0x00, 0x00, 0x80], at: 0x5000 + 24)
        t.state.pointee.fpuControl = 0x037F
        XCTAssertEqual(t.run(), .exception(.gp(0), rip: TestCPU.codeAddress))
        XCTAssertEqual(t.state.pointee.fpuControl, 0x037F)
        // fxsave [0x4008]: misaligned.
        let u = TestCPU([0x0F, 0xAE, 0x04, 0x25, 0x08, 0x40, 0x00, 0x00])
        XCTAssertEqual(u.run(), .exception(.gp(0), rip: TestCPU.codeAddress))
    }
}
