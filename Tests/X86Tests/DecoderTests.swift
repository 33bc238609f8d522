// Decoder unit tests: prefixes, REX, ModRM/SIB, RIP-relative, moffs, immediates, 32-bit mode,
// mandatory prefixes, LOCK and the 15-byte limit. They look at DecodeInfo (what the decoder
// found), so they do not depend on which handlers exist yet: an entry without a handler decodes
// completely and then faults with `.missingHandler`, which these tests treat as "decoded".

import Foundation
import XCTest
@testable import X86

final class DecoderTests: XCTestCase {
    enum Result {
        case decoded(DecodeInfo)
        case fault(CPUFault, DecodeFailure?, DecodeInfo)
        case truncated
    }

    func decode(_ bytes: [UInt8], mode: CPUMode = .long64, address: UInt64 = 0x1000) -> Result {
        let outcome = bytes.withUnsafeBytes { raw in
            Decoder.decode(raw.baseAddress!, available: raw.count, address: address, mode: mode)
        }
        switch outcome {
        case let .instruction(di, info):
            XCTAssertEqual(Int(di.length), info.length)
            return .decoded(info)
        case let .fault(f, info):
            if info.failure == .missingHandler { return .decoded(info) }
            return .fault(f, info.failure, info)
        case .truncated:
            return .truncated
        }
    }

    /// Decodes and fails the test unless the bytes form a (defined) instruction.
    func info(_ bytes: [UInt8], mode: CPUMode = .long64, file: StaticString = #filePath, line: UInt = #line) -> DecodeInfo {
        switch decode(bytes, mode: mode) {
        case let .decoded(i): return i
        case let .fault(f, why, _):
            XCTFail("\(hex(bytes)): \(f) \(String(describing: why))", file: file, line: line)
        case .truncated:
            XCTFail("\(hex(bytes)): truncated", file: file, line: line)
        }
        return DecodeInfo()
    }

    func expectFault(_ bytes: [UInt8], _ fault: CPUFault, _ why: DecodeFailure? = nil, mode: CPUMode = .long64,
                     file: StaticString = #filePath, line: UInt = #line) {
        switch decode(bytes, mode: mode) {
        case let .fault(f, w, _):
            XCTAssertEqual(f, fault, hex(bytes), file: file, line: line)
            if let why { XCTAssertEqual(w, why, hex(bytes), file: file, line: line) }
        case let .decoded(i):
            XCTFail("\(hex(bytes)) decoded as \(i.entry?.mnemonic ?? "?"), expected \(fault)", file: file, line: line)
        case .truncated:
            XCTFail("\(hex(bytes)) truncated, expected \(fault)", file: file, line: line)
        }
    }

    func hex(_ b: [UInt8]) -> String { b.map { String(format: "%02x", $0) }.joined(separator: " ") }

    // MARK: legacy prefixes

    func testOperandAndAddressSizePrefixes() {
        XCTAssertEqual(info([0x01, 0xC0]).operandSizeBytes, 4)
        XCTAssertEqual(info([0x66, 0x01, 0xC0]).operandSizeBytes, 2)
        XCTAssertEqual(info([0x48, 0x01, 0xC0]).operandSizeBytes, 8)
        XCTAssertEqual(info([0x00, 0xC0]).operandSizeBytes, 1)
        XCTAssertEqual(info([0x66, 0x00, 0xC0]).operandSizeBytes, 1, "66 does not change a byte operation")
        let a = info([0x67, 0x8B, 0x00])
        XCTAssertEqual(a.addressSizeBytes, 4)
        XCTAssertEqual(a.base, Reg.rax)
        XCTAssertEqual(info([0x8B, 0x00]).addressSizeBytes, 8)
        XCTAssertEqual(info([0x8B, 0x00], mode: .protected32).addressSizeBytes, 4)
        XCTAssertEqual(info([0x66, 0x8B, 0x00], mode: .protected32).operandSizeBytes, 2)
    }

    func testRepeatedAndRedundantPrefixes() {
        let i = info([0x66, 0x66, 0x66, 0x01, 0xC0])
        XCTAssertEqual(i.operandSizeBytes, 2)
        XCTAssertEqual(i.length, 5)
        XCTAssertEqual(i.prefixBytes, [0x66, 0x66, 0x66])
        // The last of F2/F3 decides.
        XCTAssertEqual(info([0xF2, 0xF3, 0xA4]).repPrefix, 0xF3)
        XCTAssertEqual(info([0xF3, 0xF2, 0xA4]).repPrefix, 0xF2)
        // The last segment override wins.
        XCTAssertEqual(info([0x2E, 0x64, 0x8B, 0x00]).segmentOverride, Seg.fs)
        XCTAssertEqual(info([0x64, 0x65, 0x8B, 0x00]).segmentOverride, Seg.gs)
        // Redundant prefixes on instructions that ignore them still decode.
        XCTAssertEqual(info([0x3E, 0x3E, 0x67, 0x90]).length, 4)
        XCTAssertEqual(info([0xF3, 0x01, 0xC0]).repPrefix, 0xF3)
    }

    func testSegmentSelection() {
        // 64-bit mode: only FS and GS have bases; the rest use the always-zero slot (6).
        XCTAssertEqual(Decoder.effectiveSegment(info: info([0x64, 0x8B, 0x00]), long: true), Seg.fs)
        XCTAssertEqual(Decoder.effectiveSegment(info: info([0x65, 0x8B, 0x00]), long: true), Seg.gs)
        XCTAssertEqual(Decoder.effectiveSegment(info: info([0x2E, 0x8B, 0x00]), long: true), 6)
        // 32-bit mode: the override, else SS for rBP/rSP bases, else DS.
        XCTAssertEqual(Decoder.effectiveSegment(info: info([0x2E, 0x8B, 0x00], mode: .protected32), long: false), Seg.cs)
        XCTAssertEqual(Decoder.effectiveSegment(info: info([0x8B, 0x45, 0x00], mode: .protected32), long: false), Seg.ss)
        XCTAssertEqual(Decoder.effectiveSegment(info: info([0x8B, 0x04, 0x24], mode: .protected32), long: false), Seg.ss)
        XCTAssertEqual(Decoder.effectiveSegment(info: info([0x8B, 0x00], mode: .protected32), long: false), Seg.ds)
    }

    // MARK: REX

    func testREXPlacement() {
        // REX must come last: a legacy prefix after it makes the CPU ignore it.
        let ignored = info([0x48, 0x66, 0x01, 0xC0])
        XCTAssertEqual(ignored.rex, 0)
        XCTAssertEqual(ignored.operandSizeBytes, 2)
        XCTAssertEqual(info([0x48, 0xF0, 0x01, 0x00]).operandSizeBytes, 4)
        XCTAssertEqual(info([0x49, 0x2E, 0x01, 0xC0]).rmNumber, 0, "ignored REX.B")
        // REX.W overrides 66.
        XCTAssertEqual(info([0x66, 0x48, 0x01, 0xC0]).operandSizeBytes, 8)
        // Only the last of several REX prefixes counts.
        let two = info([0x41, 0x48, 0x01, 0xC0])
        XCTAssertEqual(two.rex, 0x48)
        XCTAssertEqual(two.rmNumber, 0)
        XCTAssertEqual(two.operandSizeBytes, 8)
        // REX.R / REX.B extend ModRM.reg / ModRM.rm, and the opcode register.
        let rb = info([0x4D, 0x01, 0xC8])
        XCTAssertEqual(rb.regNumber, 9)
        XCTAssertEqual(rb.rmNumber, 8)
        XCTAssertEqual(info([0x41, 0x50]).opcodeRegNumber, 8)
        // 40-4F are INC/DEC outside 64-bit mode.
        XCTAssertEqual(info([0x40], mode: .protected32).entry?.mnemonic, "inc")
        XCTAssertEqual(info([0x4F], mode: .protected32).entry?.mnemonic, "dec")
        XCTAssertEqual(info([0x4F], mode: .protected32).opcodeRegNumber, 7)
        // A REX with nothing after it is truncated (it is a prefix).
        if case .truncated = decode([0x48]) {} else { XCTFail("48 alone should be truncated") }
    }

    // MARK: ModRM and SIB

    func testModRMAndSIB() {
        // mod=00 rm=100, SIB base=101: no base, disp32; index 100: no index.
        var i = info([0x8B, 0x04, 0x25, 0x78, 0x56, 0x34, 0x12])
        XCTAssertEqual(i.base, Reg.zero); XCTAssertEqual(i.index, Reg.zero)
        XCTAssertEqual(i.disp, 0x1234_5678); XCTAssertTrue(i.hasSIB); XCTAssertEqual(i.length, 7)
        // REX.B does not turn that into an R13 base.
        i = info([0x41, 0x8B, 0x04, 0x25, 0x78, 0x56, 0x34, 0x12])
        XCTAssertEqual(i.base, Reg.zero); XCTAssertEqual(i.length, 8)
        // Index with no base: [rax*4 + disp32].
        i = info([0x8B, 0x04, 0x85, 0xF0, 0xFF, 0xFF, 0xFF])
        XCTAssertEqual(i.base, Reg.zero); XCTAssertEqual(i.index, Reg.rax); XCTAssertEqual(i.scale, 2)
        XCTAssertEqual(i.disp, -16)
        // RBP and R13 as base need a displacement (mod=01 with disp8 0).
        i = info([0x8B, 0x45, 0x00])
        XCTAssertEqual(i.base, Reg.rbp); XCTAssertEqual(i.dispSize, 1); XCTAssertEqual(i.length, 3)
        i = info([0x41, 0x8B, 0x45, 0x00])
        XCTAssertEqual(i.base, Reg.r13); XCTAssertEqual(i.dispSize, 1)
        i = info([0x41, 0x8B, 0x44, 0x25, 0x08])  // SIB base r13 with mod=01
        XCTAssertEqual(i.base, Reg.r13); XCTAssertEqual(i.index, Reg.zero); XCTAssertEqual(i.disp, 8)
        // RSP and R12 as base need a SIB.
        i = info([0x8B, 0x04, 0x24])
        XCTAssertEqual(i.base, Reg.rsp); XCTAssertEqual(i.index, Reg.zero); XCTAssertTrue(i.hasSIB)
        i = info([0x41, 0x8B, 0x04, 0x24])
        XCTAssertEqual(i.base, Reg.r12); XCTAssertEqual(i.index, Reg.zero)
        i = info([0x8B, 0x44, 0x24, 0xF8])
        XCTAssertEqual(i.base, Reg.rsp); XCTAssertEqual(i.disp, -8)
        // Index 100 means "no index" (the scale is then ignored) ...
        i = info([0x8B, 0x04, 0xE0])
        XCTAssertEqual(i.base, Reg.rax); XCTAssertEqual(i.index, Reg.zero)
        // ... but with REX.X it is R12.
        i = info([0x42, 0x8B, 0x04, 0xE0])
        XCTAssertEqual(i.index, Reg.r12); XCTAssertEqual(i.scale, 3)
        // Full form: [r9 + r10*2 + disp32], REX.W R X B.
        i = info([0x4F, 0x8B, 0x84, 0x51, 0x00, 0x01, 0x00, 0x00])
        XCTAssertEqual(i.regNumber, 8); XCTAssertEqual(i.base, Reg.r9); XCTAssertEqual(i.index, Reg.r10)
        XCTAssertEqual(i.scale, 1); XCTAssertEqual(i.disp, 0x100); XCTAssertEqual(i.operandSizeBytes, 8)
        // Register form: no SIB even when rm=100.
        i = info([0x89, 0xE0])
        XCTAssertFalse(i.isMemory); XCTAssertFalse(i.hasSIB); XCTAssertEqual(i.rmNumber, 0); XCTAssertEqual(i.regNumber, 4)
    }

    func testRIPRelative() {
        var i = info([0x8B, 0x05, 0x10, 0x00, 0x00, 0x00])
        XCTAssertEqual(i.base, Reg.rip); XCTAssertEqual(i.disp, 0x10); XCTAssertEqual(i.addressSizeBytes, 8)
        // REX.B does not change RIP-relative (mod=00 rm=101 ignores it).
        i = info([0x41, 0x8B, 0x05, 0x10, 0x00, 0x00, 0x00])
        XCTAssertEqual(i.base, Reg.rip)
        // With 67: still RIP-relative, 32-bit address size (EIP-relative, truncated).
        i = info([0x67, 0x8B, 0x05, 0xF0, 0xFF, 0xFF, 0xFF])
        XCTAssertEqual(i.base, Reg.rip); XCTAssertEqual(i.addressSizeBytes, 4); XCTAssertEqual(i.disp, -16)
        // In 32-bit mode the same encoding is an absolute disp32.
        i = info([0x8B, 0x05, 0x10, 0x00, 0x00, 0x00], mode: .protected32)
        XCTAssertEqual(i.base, Reg.zero); XCTAssertEqual(i.disp, 0x10)
        // The decoded record holds the absolute address (next RIP + disp): handlers never read RIP.
        if case let .instruction(di, _) = [UInt8]([0x8B, 0x05, 0x10, 0x00, 0x00, 0x00]).withUnsafeBytes({
            Decoder.decode($0.baseAddress!, available: 6, address: 0x1000, mode: .long64)
        }) {
            XCTAssertEqual(di.base, UInt8(Reg.zero)); XCTAssertEqual(di.nextRIP, 0x1006); XCTAssertEqual(di.disp, 0x1016)
        } else {
            XCTFail("rip-relative mov did not decode")
        }
    }

    func testMoffs() {
        let full: [UInt8] = [0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11]
        var i = info([0xA1] + full)
        XCTAssertEqual(i.length, 9); XCTAssertEqual(UInt64(bitPattern: i.disp), 0x1122_3344_5566_7788)
        XCTAssertTrue(i.isMemory); XCTAssertEqual(i.base, Reg.zero)
        i = info([0x48, 0xA3] + full)
        XCTAssertEqual(i.length, 10); XCTAssertEqual(i.operandSizeBytes, 8)
        i = info([0x67, 0xA0, 0x44, 0x33, 0x22, 0x11])
        XCTAssertEqual(i.length, 6); XCTAssertEqual(i.disp, 0x1122_3344); XCTAssertEqual(i.operandSizeBytes, 1)
        i = info([0xA1, 0x44, 0x33, 0x22, 0x11], mode: .protected32)
        XCTAssertEqual(i.length, 5); XCTAssertEqual(i.disp, 0x1122_3344)
    }

    // MARK: immediates

    func testImmediateSizes() {
        // Iz with REX.W: 32 bits, sign-extended to 64.
        var i = info([0x48, 0x81, 0xC0, 0xFF, 0xFF, 0xFF, 0xFF])
        XCTAssertEqual(i.length, 7); XCTAssertEqual(i.imm, 0xFFFF_FFFF_FFFF_FFFF); XCTAssertEqual(i.immSize, 4)
        i = info([0x48, 0xC7, 0xC0, 0x00, 0x00, 0x00, 0x80])
        XCTAssertEqual(i.imm, 0xFFFF_FFFF_8000_0000)
        // Iz with 66: 16 bits.
        i = info([0x66, 0x81, 0xC0, 0x34, 0x12])
        XCTAssertEqual(i.length, 5); XCTAssertEqual(i.imm & 0xFFFF, 0x1234)
        // MOV r64, imm64 (Iv with REX.W) is the only 8-byte immediate.
        i = info([0x48, 0xB8, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11])
        XCTAssertEqual(i.length, 10); XCTAssertEqual(i.imm, 0x1122_3344_5566_7788)
        XCTAssertEqual(info([0xB8, 1, 2, 3, 4]).length, 5)
        XCTAssertEqual(info([0x66, 0xB8, 1, 2]).length, 4)
        XCTAssertEqual(info([0x49, 0xB8, 1, 2, 3, 4, 5, 6, 7, 8]).opcodeRegNumber, 8)
        // Ib sign-extended (83 /0, 6A).
        XCTAssertEqual(info([0x48, 0x83, 0xC0, 0x80]).imm, 0xFFFF_FFFF_FFFF_FF80)
        XCTAssertEqual(info([0x6A, 0x80]).imm, 0xFFFF_FFFF_FFFF_FF80)
        XCTAssertEqual(info([0x6A, 0x80]).operandSizeBytes, 8)
        XCTAssertEqual(info([0x66, 0x68, 0x34, 0x12]).length, 4, "push imm16")
        // ENTER: Iw then Ib.
        i = info([0xC8, 0x10, 0x20, 0x05])
        XCTAssertEqual(i.length, 4); XCTAssertEqual(i.imm & 0xFFFF, 0x2010); XCTAssertEqual(i.imm2, 5)
        // ModRM + SIB + disp32 + imm32.
        XCTAssertEqual(info([0x81, 0x84, 0x88, 1, 2, 3, 4, 5, 6, 7, 8]).length, 11)
        // Branches: rel8 / rel32 become absolute targets (rel32 even with 66 in this table).
        XCTAssertEqual(info([0xEB, 0xFE]).branchTarget, 0x1000)
        XCTAssertEqual(info([0xE8, 0x00, 0x01, 0x00, 0x00]).branchTarget, 0x1105)
        XCTAssertEqual(info([0x0F, 0x84, 0xFA, 0xFF, 0xFF, 0xFF]).branchTarget, 0x1000)
        // 32-bit mode: targets wrap at 32 bits, and 66 makes them 16-bit.
        XCTAssertEqual(info([0xE9, 0x00, 0xF0, 0xFF, 0xFF], mode: .protected32).branchTarget, 0x5)
        XCTAssertEqual(info([0x66, 0xE9, 0x00, 0xF0], mode: .protected32).branchTarget, 0x4)
    }

    // MARK: modes and opcode maps

    func testModeDependentOpcodes() {
        expectFault([0x06], .ud, .invalidInMode)                    // PUSH ES
        expectFault([0xCE], .ud, .invalidInMode)                    // INTO
        expectFault([0x82, 0xC0, 0x01], .ud, .undefined)            // 82 is gone in 64-bit mode
        XCTAssertEqual(info([0x82, 0xC0, 0x01], mode: .protected32).entry?.mnemonic, "add")
        XCTAssertEqual(info([0x48, 0x63, 0xC1]).entry?.mnemonic, "movsxd")
        // 63 in protected mode is ARPL.
        XCTAssertEqual(info([0x63, 0xC1], mode: .protected32).entry?.mnemonic, "arpl")
        // 32-bit mode: push/pop default to 32 bits, 66 makes them 16.
        XCTAssertEqual(info([0x50], mode: .protected32).operandSizeBytes, 4)
        XCTAssertEqual(info([0x50]).operandSizeBytes, 8)
        XCTAssertEqual(info([0x66, 0x50]).operandSizeBytes, 2)
        XCTAssertEqual(info([0x48, 0x50]).operandSizeBytes, 8)
        // 16-bit addressing: 67 8B 00 is mov eax, [bx+si].
        let a16 = info([0x67, 0x8B, 0x00], mode: .protected32)
        XCTAssertEqual(a16.addressSizeBytes, 2); XCTAssertEqual(a16.base, Reg.rbx); XCTAssertEqual(a16.index, Reg.rsi)
    }

    func testMOVBE() {
        var i = info([0x0F, 0x38, 0xF0, 0x00])
        XCTAssertEqual(i.entry?.mnemonic, "movbe"); XCTAssertEqual(i.operandSizeBytes, 4)
        i = info([0x66, 0x0F, 0x38, 0xF1, 0x00])
        XCTAssertEqual(i.entry?.mnemonic, "movbe"); XCTAssertEqual(i.operandSizeBytes, 2)
        i = info([0x48, 0x0F, 0x38, 0xF0, 0x04, 0x24])
        XCTAssertEqual(i.operandSizeBytes, 8); XCTAssertEqual(i.base, Reg.rsp)
        expectFault([0x0F, 0x38, 0xF0, 0xC0], .ud, .badOperandForm)  // register form does not exist
        expectFault([0xF3, 0x0F, 0x38, 0xF0, 0x00], .ud)
    }

    func testMandatoryPrefixes() {
        XCTAssertEqual(info([0xF3, 0x0F, 0xB8, 0xC0]).entry?.mnemonic, "popcnt")
        XCTAssertEqual(info([0xF3, 0x0F, 0xB8, 0xC0]).mandatoryPrefixUsed, 0xF3)
        expectFault([0x0F, 0xB8, 0xC0], .ud, .undefined)                // JMPE: #UD in 64-bit mode
        XCTAssertEqual(info([0x66, 0xF3, 0x0F, 0xB8, 0xC0]).operandSizeBytes, 2)
        XCTAssertEqual(info([0xF3, 0x48, 0x0F, 0xB8, 0xC0]).operandSizeBytes, 8)
        XCTAssertEqual(info([0xF3, 0x0F, 0xBC, 0xC0]).entry?.mnemonic, "tzcnt")
        XCTAssertEqual(info([0x0F, 0xBC, 0xC0]).entry?.mnemonic, "bsf")
        XCTAssertEqual(info([0xF3, 0x0F, 0xBD, 0xC0]).entry?.mnemonic, "lzcnt")
        XCTAssertEqual(info([0x0F, 0xBD, 0xC0]).entry?.mnemonic, "bsr")
        // The *last* of F2/F3 is the mandatory prefix.
        XCTAssertEqual(info([0xF3, 0xF2, 0x0F, 0xBC, 0xC0]).entry?.mnemonic, "bsf")
        XCTAssertEqual(info([0xF2, 0xF3, 0x0F, 0xBC, 0xC0]).entry?.mnemonic, "tzcnt")
        // F3 90 is PAUSE; 90 with REX.B is XCHG r8.
        XCTAssertEqual(info([0xF3, 0x90]).entry?.mnemonic, "pause")
        XCTAssertEqual(info([0x41, 0x90]).opcodeRegNumber, 8)
    }

    func testGroupsAndUndefined() {
        expectFault([0xFF, 0xF8], .ud, .undefined)        // FF /7
        expectFault([0x8F, 0xC8], .ud, .undefined)        // 8F /1 (XOP space on AMD)
        expectFault([0xC6, 0xC8, 0x00], .ud, .undefined)  // C6 /1
        expectFault([0x0F, 0xFF], .ud, .undefined)        // UD0 family
        expectFault([0x8D, 0xC0], .ud, .badOperandForm)  // LEA with a register
        expectFault([0x8C, 0xF0], .ud, .badOperandForm)  // MOV r, Sreg 6
        XCTAssertEqual(info([0x0F, 0x01, 0xF9]).entry?.mnemonic, "rdtscp")
    }

    // MARK: LOCK and length

    func testLock() {
        XCTAssertTrue(info([0xF0, 0x01, 0x00]).lockPrefix)
        XCTAssertTrue(info([0xF0, 0x0F, 0xC7, 0x08]).lockPrefix)       // LOCK CMPXCHG8B
        expectFault([0xF0, 0x01, 0xC0], .ud, .lockNotAllowed)          // register destination
        expectFault([0xF0, 0x8B, 0x00], .ud, .lockNotAllowed)          // MOV is not lockable
        expectFault([0xF0, 0x39, 0x00], .ud, .lockNotAllowed)          // CMP is not lockable
        expectFault([0xF0, 0x90], .ud, .lockNotAllowed)
        expectFault([0xF0, 0xF0, 0x8B, 0x00], .ud, .lockNotAllowed)
        XCTAssertTrue(info([0xF0, 0x87, 0x00]).lockPrefix)             // XCHG
    }

    func testFifteenByteLimit() {
        // 14 prefixes + NOP = 15 bytes: legal.
        XCTAssertEqual(info(Array(repeating: 0x66, count: 14) + [0x90]).length, 15)
        // 15 prefixes + NOP = 16 bytes: #GP(0), even if the buffer ends there.
        expectFault(Array(repeating: 0x66, count: 15) + [0x90], .gp(0), .tooLong)
        expectFault(Array(repeating: 0x2E, count: 15), .gp(0), .tooLong)
        // An undefined /digit keeps its opcode's length (C7 /2: ModRM + SIB + disp32 + imm32),
        // so with prefixes it runs past 15 bytes: #GP, as the host CPU reports (orrery-diff seed 6).
        expectFault([0x67, 0x3E, 0x36, 0x67, 0x48, 0xC7, 0x94, 0xAF, 0x2F, 0x11, 0x07, 0xF2, 0xFF, 0xFF, 0xFF, 0x7F],
                    .gp(0), .tooLong)
        expectFault([0xC7, 0xD0, 0x00, 0x00, 0x00, 0x00], .ud, .undefined)
        // An instruction that becomes too long only in its immediate.
        let insn: [UInt8] = [0x48, 0x81, 0x84, 0x88, 1, 2, 3, 4, 5, 6, 7, 8]  // 12 bytes
        XCTAssertEqual(info([0x2E, 0x2E, 0x2E] + insn).length, 15)
        expectFault([0x2E, 0x2E, 0x2E, 0x2E] + insn, .gp(0), .tooLong)
        // Fewer bytes than needed (and under 15): truncated, so the caller fetches more.
        if case .truncated = decode([0x48, 0x81, 0xC0, 0xFF]) {} else { XCTFail("expected truncated") }
        if case .truncated = decode([0x0F]) {} else { XCTFail("expected truncated") }
        if case .truncated = decode([0x8B, 0x04]) {} else { XCTFail("expected truncated") }
        if case .truncated = decode(Array(repeating: 0x66, count: 14)) {} else { XCTFail("expected truncated") }
    }
}
