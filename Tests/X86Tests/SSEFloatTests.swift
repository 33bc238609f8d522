// Unit tests for the SSE floating-point handlers (SSEFloat.swift, SSEFloatConvert.swift): the
// MXCSR exception rules (#XM / #UD, destination unchanged) that the user-mode harness can only
// partly reach, and a smoke test of each format's dispatch.
import XCTest
@testable import X86

final class SSEFloatTests: XCTestCase {
    func testScalarDoubleAndPackedDoubleUseBinary64() {
        // addsd xmm0, xmm1; sqrtpd xmm2, xmm3
        let t = TestCPU([0xF2, 0x0F, 0x58, 0xC1, 0x66, 0x0F, 0x51, 0xD3])
        let s = t.state
        s.setXmm(0, V128(lo: 0x3FF0_0000_0000_0000, hi: 7))          // 1.0
        s.setXmm(16, V128(lo: 0x4000_0000_0000_0000, hi: 9))         // 2.0
        s.setXmm(48, V128(lo: 0x4010_0000_0000_0000, hi: 0x4022_0000_0000_0000))  // 4.0, 9.0
        XCTAssertEqual(t.run(2), .budgetExhausted)
        XCTAssertEqual(s.xmm(0), V128(lo: 0x4008_0000_0000_0000, hi: 7))          // 3.0, high kept
        XCTAssertEqual(s.xmm(32), V128(lo: 0x4000_0000_0000_0000, hi: 0x4008_0000_0000_0000))
    }

    /// Every handler set of this unit must be a distinct function: guards against the compiler
    /// folding thin references to different generic specializations into one (seen with
    /// handlers declared inside generic types: SS and SD shared one function).
    func testHandlersAreDistinct() {
        let sets: [HandlerSet] = [SSE.addPS, SSE.addPD, SSE.addSS, SSE.addSD, SSE.subSD, SSE.mulSD, SSE.divSD, SSE.minSD,
                                  SSE.maxSD, SSE.sqrtSD, SSE.sqrtSS, SSE.cmpSS, SSE.cmpSD, SSE.cmpPS, SSE.cmpPD,
                                  SSE.comiss, SSE.comisd, SSE.ucomiss, SSE.ucomisd, SSE.cvtSS2SI, SSE.cvtSD2SI,
                                  SSE.cvttSS2SI, SSE.cvttSD2SI, SSE.cvtSI2SS, SSE.cvtSI2SD, SSE.cvtPS2DQ, SSE.cvttPS2DQ,
                                  SSE.cvtPD2DQ, SSE.cvttPD2DQ, SSE.cvtSS2SD, SSE.cvtSD2SS, SSE.cvtPS2PD, SSE.cvtPD2PS]
        var seen = Set<UInt>()
        for h in sets {
            let p = unsafeBitCast(h.slots.3!, to: UInt.self)
            XCTAssertFalse(seen.contains(p), "two instructions share a handler")
            seen.insert(p)
        }
    }
}
