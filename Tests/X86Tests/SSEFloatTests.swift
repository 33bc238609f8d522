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

    /// Unmasked exceptions: #XM with CR4.OSXMMEXCPT, #UD without; the destination keeps its value
    /// and MXCSR gets the flag (the harness runs with OSXMMEXCPT set, as Linux does).
    func testUnmaskedExceptionRaisesXMOrUDAndWritesNothing() {
        for osxmmexcpt in [true, false] {
            // divsd xmm0, xmm1 with xmm1 = 0 and ZE unmasked (MXCSR.ZM, bit 9, clear)
            let t = TestCPU([0xF2, 0x0F, 0x5E, 0xC1])
            let s = t.state
            if !osxmmexcpt { s.pointee.cr4 &= ~0x400 }
            s.pointee.mxcsr = 0x1F80 & ~0x200
            s.setXmm(0, V128(lo: 0x3FF0_0000_0000_0000, hi: 5))
            s.setXmm(16, V128(lo: 0, hi: 0))
            let expected = osxmmexcpt ? CPUFault(.simd) : CPUFault.ud
            XCTAssertEqual(t.run(), .exception(expected, rip: TestCPU.codeAddress))
            XCTAssertEqual(s.xmm(0), V128(lo: 0x3FF0_0000_0000_0000, hi: 5), "destination unchanged")
            XCTAssertEqual(s.pointee.mxcsr & 0x3F, 0x4, "ZE flag set")
        }
    }

    /// RCP/RSQRT approximations stay within the architectural relative error 1.5 * 2^-12 of the
    /// true value (host Double as the oracle for 1/x and 1/sqrt(x)).
    func testApproximationsWithinArchitecturalBound() {
        var x: UInt32 = 0x0080_0000
        var worst = 0.0
        while x < 0x7F80_0000 {
            let v = Double(Float(bitPattern: x))
            let r = Double(Float(bitPattern: SSEApprox.rcp(x)))
            if 1 / v >= Double(Float.leastNormalMagnitude) { worst = max(worst, abs(r * v - 1)) }
            let q = Double(Float(bitPattern: SSEApprox.rsqrt(x)))
            worst = max(worst, abs(q * v.squareRoot() - 1))
            x &+= 0x3001
        }
        XCTAssertLessThanOrEqual(worst, 1.5 / 4096)
    }
}
