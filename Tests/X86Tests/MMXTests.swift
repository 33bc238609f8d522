// Unit tests for MMX.swift: EMMS, and the system-state checks of the MMX data instructions that
// the user-mode host-CPU harness (families mmx, mmx32) cannot reach (CR0.EM, CR0.TS). The expected values follow the SDM/APM definition and what the
// host CPU did when run by hand (66/F3/F2 0F 77 raise #UD on the reference AMD CPU).
import XCTest
@testable import X86

final class MMXTests: XCTestCase {
    func testEmmsMarksEveryRegisterEmpty() {
        let t = TestCPU([0x0F, 0x77])
        t.state.pointee.fpuTagAbridged = 0xFF      // all eight registers valid
        t.state.pointee.fpuStatus = 0x3801         // TOP = 7, IE: EMMS sets TOP = 0 (the host does)
        XCTAssertEqual(t.run(), .budgetExhausted)
        XCTAssertEqual(t.state.pointee.fpuTagAbridged, 0)
        XCTAssertEqual(t.state.pointee.fpuStatus, 0x0001)
    }

    func testEmmsFaults() {
        for prefix: UInt8 in [0x66, 0xF3, 0xF2] {
            XCTAssertEqual(TestCPU([prefix, 0x0F, 0x77]).run(), .exception(.ud, rip: TestCPU.codeAddress), "prefix \(prefix)")
        }
        let em = TestCPU([0x0F, 0x77]); em.state.pointee.cr0 |= 0x4
        XCTAssertEqual(em.run(), .exception(.ud, rip: TestCPU.codeAddress), "CR0.EM: no MMX emulation")
        let ts = TestCPU([0x0F, 0x77]); ts.state.pointee.cr0 |= 0x8
        XCTAssertEqual(ts.run(), .exception(CPUFault(.deviceNotAvailable), rip: TestCPU.codeAddress), "CR0.TS")
        let pending = TestCPU([0x0F, 0x77]); pending.state.pointee.fpuStatus = 0x81
        XCTAssertEqual(pending.run(), .exception(CPUFault(.x87), rip: TestCPU.codeAddress), "pending unmasked x87 exception")
    }

    /// PADDB mm0, mm1 and MOVQ2DQ xmm0, mm1: CR0.EM -> #UD, CR0.TS -> #NM (SDM vol. 1 §9.5), and the
    /// faulting instruction leaves the x87 state alone (no TOP = 0 / all-valid transition).
    func testMmxDataInstructionsCheckCR0() {
        for code: [UInt8] in [[0x0F, 0xFC, 0xC1], [0xF3, 0x0F, 0xD6, 0xC1]] {
            let em = TestCPU(code); em.state.pointee.cr0 |= 0x4; em.state.pointee.fpuStatus = 0x2800
            XCTAssertEqual(em.run(), .exception(.ud, rip: TestCPU.codeAddress), "CR0.EM \(code)")
            XCTAssertEqual(em.state.pointee.fpuStatus, 0x2800)
            XCTAssertEqual(em.state.pointee.fpuTagAbridged, 0)
            let ts = TestCPU(code); ts.state.pointee.cr0 |= 0x8
            XCTAssertEqual(ts.run(), .exception(CPUFault(.deviceNotAvailable), rip: TestCPU.codeAddress), "CR0.TS \(code)")
            XCTAssertEqual(ts.state.pointee.fpuTagAbridged, 0)
        }
    }
}
