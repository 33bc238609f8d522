// Unit tests for the string instructions (Instructions/String.swift): directions, sizes,
// REP/REPE/REPNE, address sizes, segment overrides, chunked execution and precise faults.

import XCTest
import EmulatorCore
@testable import X86

/// A port device that returns an incrementing byte and records what is written.
private final class CountingPort: BusDevice {
    var next: UInt64 = 0x10
    var written: [UInt64] = []
    func read(offset: UInt64, size: Int) -> UInt64 { defer { next += 1 }; return next }
    func write(offset: UInt64, size: Int, value: UInt64) { written.append(value) }
}

final class StringTests: XCTestCase {
    private func setDF(_ t: TestCPU) { t.state.pointee.flagBits |= Flag.df }

    func testMovsbForwardAndRegisters() {
        // rep movsb (F3 A4)
        let t = TestCPU([0xF3, 0xA4])
        t.ram.write(Array(1...10), at: 0x3000)
        t[Reg.rsi] = 0x3000
        t[Reg.rdi] = 0x4000
        t[Reg.rcx] = 10
        XCTAssertEqual(t.run(), .budgetExhausted)
        XCTAssertEqual(t.ram.read(0x4000, count: 10), Array(1...10))
        XCTAssertEqual(t[Reg.rsi], 0x300A)
        XCTAssertEqual(t[Reg.rdi], 0x400A)
        XCTAssertEqual(t[Reg.rcx], 0)
        XCTAssertEqual(t[Reg.rip], TestCPU.codeAddress + 2)
    }

    func testOverlappingMovsReplicatesForward() {
        // rep movsb with rdi = rsi + 1: byte-by-byte forward copy smears the first byte.
        let t = TestCPU([0xF3, 0xA4])
        t.ram.write([7, 1, 2, 3, 4, 5], at: 0x3000)
        t[Reg.rsi] = 0x3000
        t[Reg.rdi] = 0x3001
        t[Reg.rcx] = 5
        t.run()
        XCTAssertEqual(t.ram.read(0x3000, count: 6), [7, 7, 7, 7, 7, 7])
    }

    func testMovsqBackward() {
        // std; rep movsq (F3 48 A5)
        let t = TestCPU([0xF3, 0x48, 0xA5])
        setDF(t)
        t.ram.write(Array(1...16), at: 0x3000)
        t[Reg.rsi] = 0x3008
        t[Reg.rdi] = 0x4008
        t[Reg.rcx] = 2
        t.run()
        XCTAssertEqual(t.ram.read(0x4000, count: 16), Array(1...16))
        XCTAssertEqual(t[Reg.rsi], 0x2FF8)
        XCTAssertEqual(t[Reg.rdi], 0x3FF8)
    }

    func testSingleMovswWithoutRep() {
        // movsw (66 A5): one element, RCX untouched.
        let t = TestCPU([0x66, 0xA5])
        t.ram.write([0xAA, 0xBB], at: 0x3000)
        t[Reg.rsi] = 0x3000
        t[Reg.rdi] = 0x4000
        t[Reg.rcx] = 99
        t.run()
        XCTAssertEqual(t.ram.read(0x4000, count: 2), [0xAA, 0xBB])
        XCTAssertEqual(t[Reg.rsi], 0x3002)
        XCTAssertEqual(t[Reg.rcx], 99)
    }

    func testRepWithZeroCountDoesNothing() {
        let t = TestCPU([0xF3, 0xAA])  // rep stosb
        t[Reg.rdi] = 0x8000_0000_0000_0000  // would fault if accessed
        t[Reg.rcx] = 0
        XCTAssertEqual(t.run(), .budgetExhausted)
        XCTAssertEqual(t[Reg.rip], TestCPU.codeAddress + 2)
    }

    func testStosdWith32BitAddressSize() {
        // 67 F3 AB: rep stosd with EDI/ECX; the upper halves of RDI and RCX are cleared.
        let t = TestCPU([0x67, 0xF3, 0xAB])
        t[Reg.rax] = 0x1122_3344
        t[Reg.rdi] = 0xFFFF_FFFF_0000_3000
        t[Reg.rcx] = 0xFFFF_FFFF_0000_0002
        t.run()
        XCTAssertEqual(t.ram.read(0x3000, count: 8), [0x44, 0x33, 0x22, 0x11, 0x44, 0x33, 0x22, 0x11])
        XCTAssertEqual(t[Reg.rdi], 0x3008)
        XCTAssertEqual(t[Reg.rcx], 0)
    }

    func testRepeCmpsStopsAtMismatch() {
        // repe cmpsb (F3 A6)
        let t = TestCPU([0xF3, 0xA6])
        t.ram.write([1, 2, 3, 9, 5], at: 0x3000)
        t.ram.write([1, 2, 3, 4, 5], at: 0x4000)
        t[Reg.rsi] = 0x3000
        t[Reg.rdi] = 0x4000
        t[Reg.rcx] = 5
        t.run()
        XCTAssertEqual(t[Reg.rcx], 1)
        XCTAssertEqual(t[Reg.rsi], 0x3004)
        XCTAssertEqual(t.rflags & (Flag.zf | Flag.cf), 0, "9 - 4: not equal, no borrow")
        XCTAssertEqual(t[Reg.rip], TestCPU.codeAddress + 2)
    }

    func testRepneScasFindsByte() {
        // repne scasb (F2 AE): strlen-style search for 0.
        let t = TestCPU([0xF2, 0xAE])
        t.ram.write(Array("hello".utf8) + [0], at: 0x3000)
        t[Reg.rdi] = 0x3000
        t[Reg.rcx] = ~0
        t[Reg.rax] = 0
        t.run()
        XCTAssertEqual(t[Reg.rdi], 0x3006)
        XCTAssertEqual(~t[Reg.rcx] &- 1, 5)
        XCTAssertTrue(t.rflags & Flag.zf != 0)
    }

    func testLodsAndScasSizes() {
        // lodsd (AD) zero-extends RAX; scasw (66 AF) compares AX.
        let t = TestCPU([0xAD, 0x66, 0xAF])
        t.ram.write([0x78, 0x56, 0x34, 0x12], at: 0x3000)
        t.ram.write([0x78, 0x56], at: 0x4000)
        t[Reg.rax] = ~0
        t[Reg.rsi] = 0x3000
        t[Reg.rdi] = 0x4000
        t.run(2)
        XCTAssertEqual(t[Reg.rax], 0x1234_5678)
        XCTAssertEqual(t[Reg.rsi], 0x3004)
        XCTAssertEqual(t[Reg.rdi], 0x4002)
        XCTAssertTrue(t.rflags & Flag.zf != 0)
    }

    func testSegmentOverrideOnSourceOnly() {
        // fs movsb (64 A4): the source uses FS's base, the destination stays ES (base 0).
        let t = TestCPU([0x64, 0xA4])
        t.state.pointee.segmentBase[Seg.fs] = 0x1000
        t.ram.write([0x5A], at: 0x4000)
        t[Reg.rsi] = 0x3000
        t[Reg.rdi] = 0x5000
        t.run()
        XCTAssertEqual(t.ram.read(0x5000, count: 1), [0x5A])
    }

    func testChunkedRepRestartsAtSameInstruction() {
        // rep stosb over 10000 bytes: runs in chunks of 4096, RIP stays on the instruction.
        let t = TestCPU([0xF3, 0xAA, 0x90])
        t[Reg.rax] = 0xCC
        t[Reg.rdi] = 0x10000
        t[Reg.rcx] = 10000
        t.run(1)
        XCTAssertEqual(t[Reg.rcx], UInt64(10000 - StringOps.chunk))
        XCTAssertEqual(t[Reg.rip], TestCPU.codeAddress)
        t.run(1)
        t.run(1)
        XCTAssertEqual(t[Reg.rcx], 0)
        XCTAssertEqual(t[Reg.rip], TestCPU.codeAddress + 2)
        XCTAssertEqual(t[Reg.rdi], 0x10000 + 10000)
        XCTAssertEqual(t.ram.read(0x10000 + 9999, count: 2), [0xCC, 0])
        XCTAssertEqual(t.state.pointee.instructionsRetired, 3)
    }

    func testFaultInTheMiddleIsPrecise() {
        // rep stosb running into the non-canonical hole: the first two bytes are stored, then #GP
        // with RDI/RCX describing exactly the completed iterations.
        let t = TestCPU([0xF3, 0xAA])
        t[Reg.rdi] = 0x0000_7FFF_FFFF_FFFE
        t[Reg.rcx] = 5
        XCTAssertEqual(t.run(), .exception(.gp(0), rip: TestCPU.codeAddress))
        XCTAssertEqual(t[Reg.rdi], 0x0000_8000_0000_0000)
        XCTAssertEqual(t[Reg.rcx], 3)
    }

    func testStringIn32BitModeWith16BitAddressSize() {
        // 32-bit mode, 67 F3 A4: rep movsb with SI/DI/CX; the upper words stay.
        let t = TestCPU([0x67, 0xF3, 0xA4], mode: .protected32)
        t.ram.write([1, 2, 3], at: 0x3000)
        t[Reg.rsi] = 0xABCD_3000
        t[Reg.rdi] = 0x1234_4000
        t[Reg.rcx] = 0x7777_0003
        t.run()
        XCTAssertEqual(t.ram.read(0x4000, count: 3), [1, 2, 3])
        XCTAssertEqual(t[Reg.rsi], 0xABCD_3003)
        XCTAssertEqual(t[Reg.rdi], 0x1234_4003)
        XCTAssertEqual(t[Reg.rcx], 0x7777_0000)
    }

    func testInsOuts() throws {
        let device = CountingPort()
        let ports = IOBus()
        try ports.map(device, at: 0x60, length: 1, name: "test")
        let ram = try PhysicalMemory(size: 1 << 20)
        let cpu = X86CPU(ram: ram, mmio: IOBus(), ports: ports)
        // rep insb (F3 6C), then rep outsw (F3 66 6F)
        ram.write([0xF3, 0x6C, 0xF3, 0x66, 0x6F], at: 0x1000)
        ram.write([0x01, 0x02, 0x03, 0x04], at: 0x3000)
        let s = cpu.state
        s.pointee.rip = 0x1000
        s.pointee.regs[Reg.rsp] = 0x80000
        s.pointee.regs[Reg.rdx] = 0x60
        s.pointee.regs[Reg.rdi] = 0x4000
        s.pointee.regs[Reg.rcx] = 3
        _ = cpu.run(maxInstructions: 1)
        XCTAssertEqual(ram.read(0x4000, count: 3), [0x10, 0x11, 0x12])
        s.pointee.regs[Reg.rsi] = 0x3000
        s.pointee.regs[Reg.rcx] = 2
        _ = cpu.run(maxInstructions: 1)
        XCTAssertEqual(device.written, [0x0201, 0x0403])
    }
    // MARK: fast path (whole runs inside a page) must equal the element loop

    func testOverlappingMovsWithSmallDistanceRepeatsPattern() {
        // rep movsb with rdi = rsi + 3 over 40 bytes: the 3-byte pattern repeats.
        let t = TestCPU([0xF3, 0xA4])
        t.ram.write([1, 2, 3] + [UInt8](repeating: 0, count: 40), at: 0x3000)
        t[Reg.rsi] = 0x3000
        t[Reg.rdi] = 0x3003
        t[Reg.rcx] = 40
        t.run()
        XCTAssertEqual(t.ram.read(0x3000, count: 43), (0..<43).map { UInt8($0 % 3 + 1) })
    }

    func testOverlappingMovsdWithDistanceBelowElementSize() {
        // rep movsd with rdi = rsi + 2: each dword re-reads two bytes the previous one wrote.
        let t = TestCPU([0xF3, 0xA5])
        t.ram.write([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], at: 0x3000)
        t[Reg.rsi] = 0x3000
        t[Reg.rdi] = 0x3002
        t[Reg.rcx] = 3
        t.run()
        // Reference: element-by-element forward copy.
        var ref: [UInt8] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0, 0]
        for k in 0..<3 { let v = Array(ref[4 * k ..< 4 * k + 4]); ref.replaceSubrange(4 * k + 2 ..< 4 * k + 6, with: v) }
        XCTAssertEqual(t.ram.read(0x3000, count: 14), ref)
    }

    func testLargeMovsAcrossPagesAndStosq() {
        // rep movsb of 9000 bytes from an odd offset across page boundaries, then rep stosq.
        let t = TestCPU([0xF3, 0xA4, 0xF3, 0x48, 0xAB])
        let src = (0..<9000).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 8) }
        t.ram.write(src, at: 0x20003)
        t[Reg.rsi] = 0x20003
        t[Reg.rdi] = 0x40801
        t[Reg.rcx] = 9000
        t.run(3)
        XCTAssertEqual(t[Reg.rcx], 0)
        XCTAssertEqual(t.ram.read(0x40801, count: 9000), src)
        XCTAssertEqual(t[Reg.rsi], 0x20003 + 9000)
        t[Reg.rax] = 0x0102_0304_0506_0708
        t[Reg.rdi] = 0x50FF8
        t[Reg.rcx] = 600
        t.run()
        XCTAssertEqual(t[Reg.rdi], 0x50FF8 + 4800)
        XCTAssertEqual(t.ram.read(0x50FF8 + 4792, count: 8), [8, 7, 6, 5, 4, 3, 2, 1])
        XCTAssertEqual(t.ram.read(0x50FF8 + 4800, count: 1), [0])
    }

    func testRepStosIntoCodePageIsSeenByTheNextInstructions() {
        // rep stosb overwriting the two NOPs right after itself with 99 (CDQ): the page holds
        // decoded code, so the stores take the slow path, the block is invalidated, and the
        // next instructions are the new bytes (CDQ with EAX negative sets EDX).
        let t = TestCPU([0xF3, 0xAA, 0x90, 0x90])
        t[Reg.rax] = 0x8000_0099
        t[Reg.rdi] = TestCPU.codeAddress + 2
        t[Reg.rcx] = 2
        XCTAssertEqual(t.run(3), .budgetExhausted)
        XCTAssertEqual(t[Reg.rip], TestCPU.codeAddress + 4)
        XCTAssertEqual(t[Reg.rdi], TestCPU.codeAddress + 4)
        XCTAssertEqual(t[Reg.rdx], 0xFFFF_FFFF)
    }
}
