// Tests for SSE3/SSSE3/SSE4.1/SSE4.2 beyond the host-CPU harness: known-answer values from the
// specifications (the CRC-32C check value, SDM examples of PCMPxSTRx), and the rule that every
// advertised CPUID bit of these extensions is backed by harness families that generate every
// instruction form in the opcode tables.

import DiffHarness
import XCTest
@testable import X86

final class SSEExtendedTests: XCTestCase {
    let data: UInt64 = 0x2000

    func setXmm(_ t: TestCPU, _ n: Int, _ bytes: [UInt8]) {
        for k in 0..<16 { t.state.pointee.xmm.storeBytes(of: k < bytes.count ? bytes[k] : 0, toByteOffset: n * 16 + k, as: UInt8.self) }
    }
    func xmm(_ t: TestCPU, _ n: Int) -> (UInt64, UInt64) {
        (t.state.pointee.xmm.load(fromByteOffset: n * 16, as: UInt64.self), t.state.pointee.xmm.load(fromByteOffset: n * 16 + 8, as: UInt64.self))
    }

    /// CRC-32C of "123456789" is 0xE3069283 (the published check value of the Castagnoli CRC:
    /// initial value and final XOR 0xFFFFFFFF). Computed with every source size.
    func testCRC32CheckValueWithEveryOperandSize() {
        let text = Array("123456789".utf8)
        // crc32 rax, qword [rsi]; crc32 eax, byte [rsi+8]
        var t = TestCPU([0xF2, 0x48, 0x0F, 0x38, 0xF1, 0x06, 0xF2, 0x0F, 0x38, 0xF0, 0x46, 0x08])
        t.ram.write(text, at: data)
        t[Reg.rsi] = data
        t[Reg.rax] = 0xDEAD_BEEF_FFFF_FFFF   // only the low 32 bits are the running CRC
        XCTAssertEqual(t.run(2), .budgetExhausted)
        XCTAssertEqual(t[Reg.rax] ^ 0xFFFF_FFFF, 0xE306_9283)
        // crc32 eax, dword [rsi]; crc32 eax, word [rsi+4]; crc32 eax, cl/dl/bl (bytes 7, 8, 9)
        t = TestCPU([0xF2, 0x0F, 0x38, 0xF1, 0x06, 0x66, 0xF2, 0x0F, 0x38, 0xF1, 0x46, 0x04,
                     0xF2, 0x0F, 0x38, 0xF0, 0xC1, 0xF2, 0x0F, 0x38, 0xF0, 0xC2, 0xF2, 0x0F, 0x38, 0xF0, 0xC3])
        t.ram.write(text, at: data)
        t[Reg.rsi] = data
        t[Reg.rax] = 0xFFFF_FFFF
        t[Reg.rcx] = UInt64(text[6]); t[Reg.rdx] = UInt64(text[7]); t[Reg.rbx] = UInt64(text[8])
        XCTAssertEqual(t.run(5), .budgetExhausted)
        XCTAssertEqual(t[Reg.rax] ^ 0xFFFF_FFFF, 0xE306_9283)
    }

    /// PCMPISTRI, equal any, unsigned bytes (imm8 0): the index of the first character of the
    /// string (xmm2) that is in the set (xmm1), with both operands zero-terminated.
    func testPCMPISTRIEqualAny() {
        let t = TestCPU([0x66, 0x0F, 0x3A, 0x63, 0xCA, 0x00])   // pcmpistri xmm1, xmm2, 0
        setXmm(t, 1, Array("ab".utf8))
        setXmm(t, 2, Array("xxyb".utf8))
        t[Reg.rcx] = ~0
        XCTAssertEqual(t.run(), .budgetExhausted)
        XCTAssertEqual(t[Reg.rcx], 3, "'b' at index 3; upper half of RCX cleared")
        let f = t.rflags
        XCTAssertEqual(f & (Flag.cf | Flag.zf | Flag.sf | Flag.of | Flag.af | Flag.pf), Flag.cf | Flag.zf | Flag.sf,
                       "CF: a match; ZF/SF: both operands end before 16 bytes; OF: 'x' not in the set")
    }

    /// PCMPESTRM, equal ordered (substring search), byte mask output (imm8 0x4C): the needle
    /// "ab" (EAX = 2) in "xabyab" (EDX = 6) starts at 1 and 4; an unfinished match at the end of
    /// the valid string does not count.
    func testPCMPESTRMEqualOrderedByteMask() {
        let t = TestCPU([0x66, 0x0F, 0x3A, 0x60, 0xCA, 0x4C])   // pcmpestrm xmm1, xmm2, 0x4c
        setXmm(t, 1, Array("ab".utf8))
        setXmm(t, 2, Array("xabyab".utf8))
        t[Reg.rax] = 2; t[Reg.rdx] = 6
        XCTAssertEqual(t.run(), .budgetExhausted)
        let (lo, hi) = xmm(t, 0)
        XCTAssertEqual(lo, 0x0000_00FF_0000_FF00)
        XCTAssertEqual(hi, 0)
    }

    /// Unmasked SIMD floating-point exceptions (the harness keeps them masked: on the host they
    /// are a SIGFPE): ROUNDSS of 1.5 is inexact; with MXCSR.PM clear it raises #XM, sets PE and
    /// leaves the destination alone; with CR4.OSXMMEXCPT clear it is #UD instead (SDM vol. 1,
    /// 11.5.2 and 13.1.4). Masked, the result (2.0 in round-to-nearest) is written and PE set.
    func testUnmaskedPrecisionExceptionFaultsWithoutWriting() {
        let code: [UInt8] = [0x66, 0x0F, 0x3A, 0x0A, 0xCA, 0x00]   // roundss xmm1, xmm2, 0
        func machine(mxcsr: UInt32) -> TestCPU {
            let t = TestCPU(code)
            setXmm(t, 1, [0x11, 0x22, 0x33, 0x44])
            setXmm(t, 2, [0x00, 0x00, 0xC0, 0x3F])                 // 1.5f
            t.state.pointee.mxcsr = mxcsr
            return t
        }
        var t = machine(mxcsr: 0x1F80 & ~0x1000)
        XCTAssertEqual(t.run(), .exception(CPUFault(.simd), rip: TestCPU.codeAddress))
        XCTAssertEqual(xmm(t, 1).0, 0x4433_2211, "destination unchanged")
        XCTAssertEqual(t.state.pointee.mxcsr, (0x1F80 & ~0x1000) | 0x20, "PE set")
        t = machine(mxcsr: 0x1F80 & ~0x1000)
        t.state.pointee.cr4 &= ~0x400
        XCTAssertEqual(t.run(), .exception(.ud, rip: TestCPU.codeAddress))
        t = machine(mxcsr: 0x1F80)
        XCTAssertEqual(t.run(), .budgetExhausted)
        XCTAssertEqual(xmm(t, 1).0, 0x4000_0000, "2.0f")
        XCTAssertEqual(t.state.pointee.mxcsr, 0x1FA0)
    }

    /// Every CPUID bit of these extensions that is advertised names harness families that exist,
    /// and those families generate every instruction form the opcode tables hold for them.
    func testAdvertisedExtensionsHaveHarnessCoverage() {
        let required: [String: [String]] = [
            "SSE3": ["sse3", "sse3-fp"],
            "SSSE3": ["ssse3"],
            "SSE4.1": ["sse41", "sse41-gpr", "sse41-fp"],
            "SSE4.2": ["sse42", "pcmpstr"],
            "POPCNT": ["popcnt"],
        ]
        let all = Set(Families.all.map { $0.name })
        for f in CPUIDModel.reference.features where f.leaf == 1 && f.register == .ecx {
            guard let families = required[f.name] else { continue }
            for name in families { XCTAssertTrue(all.contains(name), "\(f.name): harness family \(name) missing") }
        }
        // Every decodable 66/F2/F3 form in the 0F 38 and 0F 3A maps (MOVBE aside), and the SSE3
        // forms of the 0F map, is generated by some family.
        let covered = SSEExtendedFamilies.coveredEncodings.map { "\($0.prefix.map { String($0, radix: 16) } ?? "-") \($0.opcode.map { String($0, radix: 16) })" }
        var missing: [String] = []
        func check(_ node: OpcodeNode, _ opcode: [UInt8]) {
            guard case let .byPrefix(_, p66, pF3, pF2) = node else { return }
            for (p, n) in [(UInt8(0x66), p66), (0xF3, pF3), (0xF2, pF2)] {
                guard let n, case let .instruction(e) = n else { continue }
                let key = "\(String(p, radix: 16)) \(opcode.map { String($0, radix: 16) })"
                if !covered.contains(key) { missing.append("\(key) \(e.mnemonic)") }
            }
        }
        for op in 0..<256 {
            check(OpcodeMaps.map0F38[op], [0x0F, 0x38, UInt8(op)])
            check(OpcodeMaps.map0F3A[op], [0x0F, 0x3A, UInt8(op)])
        }
        for op in [0x12, 0x16, 0xF0, 0xD0, 0x7C, 0x7D] {
            guard case let .byPrefix(_, _, pF3, pF2) = OpcodeMaps.map0F[op] else { continue }
            for (p, n) in [(UInt8(0xF3), pF3), (0xF2, pF2)] {
                guard let n, case let .instruction(e) = n else { continue }
                let key = "\(String(p, radix: 16)) \([0x0F, UInt8(op)].map { String($0, radix: 16) })"
                if !covered.contains(key) { missing.append("\(key) \(e.mnemonic)") }
            }
        }
        // 66 0F 38 F0/F1 is MOVBE with a 16-bit operand (family movbe).
        missing.removeAll { $0.hasSuffix("movbe") }
        XCTAssertEqual(missing, [], "table entries without a harness form")
    }
}
