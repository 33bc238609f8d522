// Unit tests for the data-transfer family (Instructions/DataTransfer.swift): encodings and edge
// cases the host-CPU differential harness cannot reach easily (segment registers, faults,
// 32-bit mode, stack-pointer corner cases).

import XCTest
@testable import X86

final class DataTransferTests: XCTestCase {
    let nonCanonical: UInt64 = 0x8000_0000_0000_0000

    private func le64(_ v: UInt64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: v >> (8 * UInt64($0))) } }
    private func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * UInt32($0))) } }
    private func read64(_ t: TestCPU, _ a: UInt64) -> UInt64 {
        (t.ram.read(a, count: 8) ?? []).enumerated().reduce(0) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
    }

    // MARK: MOV

    func testMovHighByteVersusRexByteRegisters() {
        // mov al, ah (88 E0) without REX: rm=0 AL, reg=4 AH.
        let t = TestCPU([0x88, 0xE0, 0x40, 0x88, 0xE0])
        t[Reg.rax] = 0x1122_3344_5566_7788
        t[Reg.rsp] = 0xAABB
        t.run()
        XCTAssertEqual(t[Reg.rax], 0x1122_3344_5566_7777)
        // 40 88 E0: with REX, reg=4 is SPL.
        t.run()
        XCTAssertEqual(t[Reg.rax], 0x1122_3344_5566_77BB)
    }

    func testMovImmediateWidths() {
        // mov eax, 0x80000000 (B8) zero-extends; mov rax, imm64; mov rcx, -1 (48 C7 C1 imm32);
        // mov cx, 5 (66 B9); mov r9b, 7 (41 B1 07)
        let t = TestCPU([0xB8, 0, 0, 0, 0x80]
                        + [0x48, 0xBA] + le64(0x0123_4567_89AB_CDEF)
                        + [0x48, 0xC7, 0xC1, 0xFF, 0xFF, 0xFF, 0xFF]
                        + [0x66, 0xB9, 0x05, 0x00]
                        + [0x41, 0xB1, 0x07])
        t[Reg.rax] = ~0
        t[Reg.r9] = ~0
        t.run(5)
        XCTAssertEqual(t[Reg.rax], 0x8000_0000)
        XCTAssertEqual(t[Reg.rdx], 0x0123_4567_89AB_CDEF)
        XCTAssertEqual(t[Reg.rcx], 0xFFFF_FFFF_FFFF_0005)
        XCTAssertEqual(t[Reg.r9], 0xFFFF_FFFF_FFFF_FF07)
    }

    func testMovMemoryFormsAndMoffs() {
        // mov [rbx+8], ecx (89 4B 08); mov rdx, [rbx+8] (48 8B 53 08);
        // mov rax, [abs 0x3000] (48 A1 moffs64); mov [abs 0x3010], al (A2 moffs64);
        // 67 A1 moffs32: mov eax, [0x3000] with 32-bit address size
        let t = TestCPU([0x89, 0x4B, 0x08, 0x48, 0x8B, 0x53, 0x08]
                        + [0x48, 0xA1] + le64(0x3000)
                        + [0xA2] + le64(0x3010)
                        + [0x67, 0xA1] + le32(0x3004))
        t[Reg.rbx] = 0x2FF8
        t[Reg.rcx] = 0xFFFF_FFFF_DEAD_BEEF
        t[Reg.rdx] = ~0
        t.ram.write([0x11, 0x22, 0x33, 0x44], at: 0x3004)
        t.run(2)
        XCTAssertEqual(t[Reg.rdx], 0x4433_2211_DEAD_BEEF)
        t.run()
        XCTAssertEqual(t[Reg.rax], 0x4433_2211_DEAD_BEEF)
        t.run()
        XCTAssertEqual(t.ram.read(0x3010, count: 1), [0xEF])
        t.run()
        XCTAssertEqual(t[Reg.rax], 0x4433_2211)
    }

    func testMovStoreFaultLeavesMemoryAndRegisters() {
        // mov [rax], rcx with a non-canonical address: #GP(0), RIP at the instruction.
        let t = TestCPU([0x48, 0x89, 0x08])
        t[Reg.rax] = nonCanonical
        XCTAssertEqual(t.run(), .exception(.gp(0), rip: TestCPU.codeAddress))
        XCTAssertEqual(t[Reg.rax], nonCanonical)
    }

    // MARK: segment registers

    func testMovSregForms() {
        // mov ds, ax (8E D8); mov ecx, ds (8C D9); mov word [0x3000], ds (8C 1C 25 00 30 00 00)
        let t = TestCPU([0x8E, 0xD8, 0x8C, 0xD9, 0x8C, 0x1C, 0x25, 0x00, 0x30, 0x00, 0x00])
        t[Reg.rax] = 0x1234_002B
        t[Reg.rcx] = ~0
        t.ram.write([0xAA, 0xBB, 0xCC], at: 0x3000)
        t.installLinuxLikeGDT()  // segment loads read the descriptor (SystemArchitectureTests.swift)
        t.run(3)
        XCTAssertEqual(t.state.pointee.segmentSelector.3, 0x2B)
        XCTAssertEqual(t[Reg.rcx], 0x2B, "32-bit destination zero-extends the selector")
        XCTAssertEqual(t.ram.read(0x3000, count: 3), [0x2B, 0x00, 0xCC], "memory form stores 16 bits")
    }

    func testMovToCSIsUDAndFSKeepsBase() {
        let t = TestCPU([0x8E, 0xC8])   // mov cs, ax
        XCTAssertEqual(t.run(), .exception(.ud, rip: TestCPU.codeAddress))
        // A null selector leaves the FS base alone in 64-bit mode (set through the MSR);
        // a non-null one loads the descriptor's 32-bit base (0 here).
        let u = TestCPU([0x8E, 0xE0, 0x8E, 0xE1])   // mov fs, ax ; mov fs, cx
        u.installLinuxLikeGDT()
        u.state.pointee.segmentBase[Seg.fs] = 0x7000
        u[Reg.rax] = 0
        u[Reg.rcx] = 0x33
        u.run()
        XCTAssertEqual(u.state.pointee.segmentSelector.4, 0)
        XCTAssertEqual(u.state.pointee.segmentBase[Seg.fs], 0x7000)
        u.run()
        XCTAssertEqual(u.state.pointee.segmentSelector.4, 0x33)
        XCTAssertEqual(u.state.pointee.segmentBase[Seg.fs], 0)
    }

    func testPushPopFSIn64BitMode() {
        // push fs (0F A0) pushes the selector zero-extended to 64 bits; pop gs (0F A9).
        let t = TestCPU([0x0F, 0xA0, 0x0F, 0xA9])
        t.state.pointee.segmentSelector.4 = 0x1B
        t.installLinuxLikeGDT()
        t.ram.write([UInt8](repeating: 0xFF, count: 8), at: TestCPU.stackTop - 8)
        t.run()
        XCTAssertEqual(t[Reg.rsp], TestCPU.stackTop - 8)
        XCTAssertEqual(read64(t, TestCPU.stackTop - 8), 0x1B)
        t.run()
        XCTAssertEqual(t.state.pointee.segmentSelector.5, 0x1B)
        XCTAssertEqual(t[Reg.rsp], TestCPU.stackTop)
    }

    func testPopNullSSIn32BitModeFaultsAndKeepsESP() {
        // pop ss (17) with a null selector on the stack: #GP(0), ESP unchanged.
        let t = TestCPU([0x17], mode: .protected32)
        t.ram.write([0, 0, 0, 0], at: TestCPU.stackTop)
        XCTAssertEqual(t.run(), .exception(.gp(0), rip: TestCPU.codeAddress))
        XCTAssertEqual(t[Reg.rsp], TestCPU.stackTop)
    }

    // MARK: MOVZX / MOVSX / MOVSXD

    func testExtensions() {
        // movzx eax, ah (0F B6 C4); movsx rcx, bl (48 0F BE CB); movsx dx, byte [0x3000] (66 0F BE 14 25 ..)
        // movsxd rsi, edi (48 63 F7); movsxd esi, edi (63 F7) is a 32-bit move
        let t = TestCPU([0x0F, 0xB6, 0xC4, 0x48, 0x0F, 0xBE, 0xCB,
                         0x66, 0x0F, 0xBE, 0x14, 0x25, 0x00, 0x30, 0x00, 0x00,
                         0x48, 0x63, 0xF7, 0x63, 0xF7])
        t[Reg.rax] = 0xFFFF_FFFF_FFFF_80FF
        t[Reg.rbx] = 0x80
        t[Reg.rdx] = 0x1111_2222_3333_4444
        t[Reg.rdi] = 0x9999_9999_8000_0001
        t.ram.write([0xF0], at: 0x3000)
        t.run(3)
        XCTAssertEqual(t[Reg.rax], 0x80)
        XCTAssertEqual(t[Reg.rcx], 0xFFFF_FFFF_FFFF_FF80)
        XCTAssertEqual(t[Reg.rdx], 0x1111_2222_3333_FFF0)
        t.run()
        XCTAssertEqual(t[Reg.rsi], 0xFFFF_FFFF_8000_0001)
        t.run()
        XCTAssertEqual(t[Reg.rsi], 0x8000_0001)
    }

    // MARK: LEA

    func testLeaSizesAndNoMemoryAccess() {
        // lea rax, [rbx+rcx*4+0x10] (48 8D 44 8B 10); lea eax, [...] (8D 44 8B 10) truncates;
        // lea ax, [...] (66 8D 44 8B 10) merges; 67 48 8D 04 0B: lea rax, [ebx+ecx] (32-bit address)
        let t = TestCPU([0x48, 0x8D, 0x44, 0x8B, 0x10, 0x8D, 0x44, 0x8B, 0x10,
                         0x66, 0x8D, 0x44, 0x8B, 0x10, 0x67, 0x48, 0x8D, 0x04, 0x0B])
        t[Reg.rbx] = nonCanonical  // never accessed: no fault
        t[Reg.rcx] = 0xFFFF_FFFF
        t.run()
        XCTAssertEqual(t[Reg.rax], nonCanonical &+ 0x3_FFFF_FFFC &+ 0x10)
        t.run()
        XCTAssertEqual(t[Reg.rax], 0xC)
        t[Reg.rax] = 0xAAAA_AAAA_AAAA_AAAA
        t.run()
        XCTAssertEqual(t[Reg.rax], 0xAAAA_AAAA_AAAA_000C)
        t.run()
        XCTAssertEqual(t[Reg.rax], 0xFFFF_FFFF)
    }

    // MARK: XCHG / XADD / CMPXCHG

    func testNopDoesNotZeroExtendButXchgEaxEaxDoes() {
        let t = TestCPU([0x90, 0x87, 0xC0, 0x41, 0x90, 0x48, 0x90])
        t[Reg.rax] = 0x1234_5678_9ABC_DEF0
        t[Reg.r8] = 0xFFFF_FFFF_0000_0001
        t.run()
        XCTAssertEqual(t[Reg.rax], 0x1234_5678_9ABC_DEF0, "90 is NOP")
        t.run()
        XCTAssertEqual(t[Reg.rax], 0x9ABC_DEF0, "87 C0 writes EAX")
        t.run()  // 41 90: xchg r8d, eax
        XCTAssertEqual(t[Reg.rax], 1)
        XCTAssertEqual(t[Reg.r8], 0x9ABC_DEF0)
        t.run()  // 48 90: xchg rax, rax
        XCTAssertEqual(t[Reg.rax], 1)
    }

    func testXchgByteAndMemory() {
        // xchg al, ah (86 E0 -> rm=AL, reg=AH); xchg [0x3000], rcx (48 87 0C 25 00 30 00 00)
        let t = TestCPU([0x86, 0xE0, 0x48, 0x87, 0x0C, 0x25, 0x00, 0x30, 0x00, 0x00])
        t[Reg.rax] = 0x1122
        t[Reg.rcx] = 0x0102_0304_0506_0708
        t.ram.write(le64(0xAAAA_BBBB_CCCC_DDDD), at: 0x3000)
        t.run(2)
        XCTAssertEqual(t[Reg.rax], 0x2211)
        XCTAssertEqual(t[Reg.rcx], 0xAAAA_BBBB_CCCC_DDDD)
        XCTAssertEqual(read64(t, 0x3000), 0x0102_0304_0506_0708)
    }

    func testXadd() {
        // xadd ecx, edx (0F C1 D1); xadd eax, eax (0F C1 C0)
        let t = TestCPU([0x0F, 0xC1, 0xD1, 0x0F, 0xC1, 0xC0])
        t[Reg.rcx] = 0xFFFF_FFFF
        t[Reg.rdx] = 1
        t[Reg.rax] = 0x10
        t.run()
        XCTAssertEqual(t[Reg.rcx], 0)
        XCTAssertEqual(t[Reg.rdx], 0xFFFF_FFFF)
        XCTAssertEqual(t.rflags & (Flag.cf | Flag.zf), Flag.cf | Flag.zf)
        t.run()
        XCTAssertEqual(t[Reg.rax], 0x20)
    }

    func testCmpxchgRegister32ZeroExtension() {
        // cmpxchg ecx, edx (0F B1 D1): equal -> ECX = EDX (zero-extended), RAX untouched.
        let t = TestCPU([0x0F, 0xB1, 0xD1])
        t[Reg.rax] = 0xAAAA_AAAA_0000_0005
        t[Reg.rcx] = 0xBBBB_BBBB_0000_0005
        t[Reg.rdx] = 0xCCCC_CCCC_0000_0009
        t.run()
        XCTAssertEqual(t[Reg.rcx], 9)
        XCTAssertEqual(t[Reg.rax], 0xAAAA_AAAA_0000_0005)
        XCTAssertTrue(t.rflags & Flag.zf != 0)
        // Not equal -> EAX = ECX (zero-extended), RCX untouched.
        let u = TestCPU([0x0F, 0xB1, 0xD1])
        u[Reg.rax] = 0xAAAA_AAAA_0000_0004
        u[Reg.rcx] = 0xBBBB_BBBB_0000_0005
        u.run()
        XCTAssertEqual(u[Reg.rax], 5)
        XCTAssertEqual(u[Reg.rcx], 0xBBBB_BBBB_0000_0005)
        XCTAssertTrue(u.rflags & Flag.zf == 0)
    }

    func testCmpxchgMemoryByte() {
        // lock cmpxchg [rbx], cl (F0 0F B0 0B)
        let t = TestCPU([0xF0, 0x0F, 0xB0, 0x0B, 0xF0, 0x0F, 0xB0, 0x0B])
        t[Reg.rbx] = 0x3000
        t[Reg.rax] = 0x42
        t[Reg.rcx] = 0x99
        t.ram.write([0x42], at: 0x3000)
        t.run()
        XCTAssertEqual(t.ram.read(0x3000, count: 1), [0x99])
        t.run()  // now not equal: AL = 0x99
        XCTAssertEqual(t[Reg.rax], 0x99)
        XCTAssertEqual(t.ram.read(0x3000, count: 1), [0x99])
    }

    func testCmpxchg8bAnd16b() {
        // cmpxchg8b [rdi] (0F C7 0F), then cmpxchg16b [rdi] (48 0F C7 0F)
        let t = TestCPU([0x0F, 0xC7, 0x0F, 0x0F, 0xC7, 0x0F, 0x48, 0x0F, 0xC7, 0x0F])
        t[Reg.rdi] = 0x3000
        t.ram.write(le64(0x1111_1111_2222_2222) + le64(0x3333_3333_4444_4444), at: 0x3000)
        t[Reg.rax] = 0xFFFF_FFFF_2222_2222
        t[Reg.rdx] = 0xFFFF_FFFF_1111_1111
        t[Reg.rbx] = 0x5555_5555
        t[Reg.rcx] = 0x6666_6666
        t.run()
        XCTAssertEqual(read64(t, 0x3000), 0x6666_6666_5555_5555)
        XCTAssertTrue(t.rflags & Flag.zf != 0)
        t.run()  // mismatch now (EDX:EAX still the old value): loads EDX:EAX, zero-extended
        XCTAssertTrue(t.rflags & Flag.zf == 0)
        XCTAssertEqual(t[Reg.rax], 0x5555_5555)
        XCTAssertEqual(t[Reg.rdx], 0x6666_6666)
        t[Reg.rax] = 0x6666_6666_5555_5555
        t[Reg.rdx] = 0x3333_3333_4444_4444
        t[Reg.rbx] = 1
        t[Reg.rcx] = 2
        t.run()
        XCTAssertTrue(t.rflags & Flag.zf != 0)
        XCTAssertEqual(read64(t, 0x3000), 1)
        XCTAssertEqual(read64(t, 0x3008), 2)
    }

    func testCmpxchg16bMisalignedIsGP() {
        let t = TestCPU([0x48, 0x0F, 0xC7, 0x0F])
        t[Reg.rdi] = 0x3008
        XCTAssertEqual(t.run(), .exception(.gp(0), rip: TestCPU.codeAddress))
    }

    // MARK: MOVBE

    func testMovbe() {
        // movbe eax, [0x3000] (0F 38 F0 04 25 ...); movbe [0x3008], cx (66 0F 38 F1 0C 25 ...)
        let t = TestCPU([0x0F, 0x38, 0xF0, 0x04, 0x25, 0x00, 0x30, 0x00, 0x00,
                         0x66, 0x0F, 0x38, 0xF1, 0x0C, 0x25, 0x08, 0x30, 0x00, 0x00])
        t[Reg.rax] = ~0
        t[Reg.rcx] = 0xABCD
        t.ram.write([1, 2, 3, 4], at: 0x3000)
        t.run(2)
        XCTAssertEqual(t[Reg.rax], 0x0102_0304)
        XCTAssertEqual(t.ram.read(0x3008, count: 2), [0xAB, 0xCD])
    }

    // MARK: stack

    func testPushPopRspSemantics() {
        // push rsp (54) pushes the old value; pop rsp (5C) loads the popped value.
        let t = TestCPU([0x54, 0x5C])
        t.run()
        XCTAssertEqual(t[Reg.rsp], TestCPU.stackTop - 8)
        XCTAssertEqual(read64(t, TestCPU.stackTop - 8), TestCPU.stackTop)
        t.run()
        XCTAssertEqual(t[Reg.rsp], TestCPU.stackTop)
    }

    func testPopMemoryUsesIncrementedRsp() {
        // push 0x1234 (68); pop qword [rsp] (8F 04 24): stores at the new RSP.
        let t = TestCPU([0x68, 0x34, 0x12, 0x00, 0x00, 0x8F, 0x04, 0x24])
        t.run(2)
        XCTAssertEqual(t[Reg.rsp], TestCPU.stackTop)
        XCTAssertEqual(read64(t, TestCPU.stackTop), 0x1234)
    }

    func testPopMemoryFaultRestoresRsp() {
        // pop qword [rax] with a non-canonical RAX: #GP, RSP unchanged.
        let t = TestCPU([0x8F, 0x00])
        t[Reg.rax] = nonCanonical
        XCTAssertEqual(t.run(), .exception(.gp(0), rip: TestCPU.codeAddress))
        XCTAssertEqual(t[Reg.rsp], TestCPU.stackTop)
    }

    func testPushImmediatesAnd16BitForms() {
        // push -1 (6A FF) pushes 8 bytes; push word 0x1234 (66 68 34 12) pushes 2;
        // pop ax (66 58); pop r9 (41 59)
        let t = TestCPU([0x6A, 0xFF, 0x66, 0x68, 0x34, 0x12, 0x66, 0x58, 0x41, 0x59])
        t[Reg.rax] = 0xFFFF_FFFF_FFFF_0000
        t.run(2)
        XCTAssertEqual(t[Reg.rsp], TestCPU.stackTop - 10)
        XCTAssertEqual(read64(t, TestCPU.stackTop - 8), ~0)
        t.run()
        XCTAssertEqual(t[Reg.rax], 0xFFFF_FFFF_FFFF_1234)
        t.run()
        XCTAssertEqual(t[Reg.r9], ~0)
        XCTAssertEqual(t[Reg.rsp], TestCPU.stackTop)
    }

    func testPushPop32BitMode() {
        // push eax; pop ecx; push esp in 32-bit mode (stack wraps at 4 GiB).
        let t = TestCPU([0x50, 0x59], mode: .protected32)
        t[Reg.rax] = 0xDEAD_BEEF
        t.run(2)
        XCTAssertEqual(t[Reg.rcx], 0xDEAD_BEEF)
        XCTAssertEqual(t[Reg.rsp], TestCPU.stackTop)
    }

    func testPushfPopf() {
        // pushfq; popfq with DF|IF|AC|ID|TF plus reserved bits 3, 5, 15 and RF/VM set in the image.
        let t = TestCPU([0x9C, 0x9D])
        t.state.pointee.rflags = 0x2 | Flag.cf | Flag.rf
        t.run()
        XCTAssertEqual(read64(t, TestCPU.stackTop - 8), 0x3, "RF is not pushed")
        let image: UInt64 = Flag.df | Flag.if | Flag.ac | Flag.id | Flag.zf | (1 << 3) | (1 << 5) | (1 << 15) | Flag.vm | Flag.rf
        t.ram.write(le64(image), at: TestCPU.stackTop - 8)
        t.run()
        XCTAssertEqual(t.rflags, Flag.df | Flag.if | Flag.ac | Flag.id | Flag.zf | 0x2)
    }

    func testPopf16OnlyTouchesLowWord() {
        // 66 9D: popf (16-bit)
        let t = TestCPU([0x66, 0x9D])
        t.state.pointee.rflags = 0x2 | Flag.ac
        t.ram.write([0xC1, 0x00], at: TestCPU.stackTop)  // SF, ZF, CF
        t.run()
        XCTAssertEqual(t.rflags, 0x2 | Flag.ac | Flag.sf | Flag.zf | Flag.cf)
        XCTAssertEqual(t[Reg.rsp], TestCPU.stackTop + 2)
    }

    // MARK: conversions, LAHF/SAHF, XLAT

    func testConversions() {
        // cbw (66 98), cwde (98), cdqe (48 98), cwd (66 99), cdq (99), cqo (48 99)
        let t = TestCPU([0x66, 0x98, 0x98, 0x48, 0x98, 0x66, 0x99, 0x99, 0x48, 0x99])
        t[Reg.rax] = 0x1234_5678_9ABC_DE80
        t[Reg.rdx] = 0x1111_1111_1111_1111
        t.run()
        XCTAssertEqual(t[Reg.rax], 0x1234_5678_9ABC_FF80)
        t.run()
        XCTAssertEqual(t[Reg.rax], 0xFFFF_FF80)
        t.run()
        XCTAssertEqual(t[Reg.rax], 0xFFFF_FFFF_FFFF_FF80)
        t.run()
        XCTAssertEqual(t[Reg.rdx], 0x1111_1111_1111_FFFF)
        t.run()
        XCTAssertEqual(t[Reg.rdx], 0xFFFF_FFFF)
        t[Reg.rax] = 0x7FFF_FFFF_FFFF_FFFF
        t.run()
        XCTAssertEqual(t[Reg.rdx], 0)
    }

    func testLahfSahf() {
        // sahf (9E) then lahf (9F) with REX (48 9F still uses AH).
        let t = TestCPU([0x9E, 0x48, 0x9F])
        t.state.pointee.rflags = 0x2 | Flag.of
        t[Reg.rax] = 0xFF00
        t.run()
        XCTAssertEqual(t.rflags, 0x2 | Flag.of | Flag.sf | Flag.zf | Flag.af | Flag.pf | Flag.cf)
        t[Reg.rax] = 0
        t.run()
        XCTAssertEqual(t[Reg.rax], 0xD700)
    }

    func testXlatWithSegmentOverride() {
        // xlat (D7) and fs xlat (64 D7)
        let t = TestCPU([0xD7, 0x64, 0xD7])
        t[Reg.rbx] = 0x3000
        t[Reg.rax] = 0x05
        t.ram.write([0x07], at: 0x3005)
        t.ram.write([0x42], at: 0x5007)
        t.state.pointee.segmentBase[Seg.fs] = 0x2000
        t.run()
        XCTAssertEqual(t[Reg.rax], 0x07)
        t.run()
        XCTAssertEqual(t[Reg.rax], 0x42)
    }

    // MARK: CMOVcc / SETcc

    func testCmovFalseZeroExtendsAndMemoryFaults() {
        // cmp eax, eax (39 C0) -> ZF=1; cmovne ecx, edx (0F 45 CA): false but zero-extends;
        // cmove rbx, rdx (48 0F 44 DA): true; cmovne eax, [rsi] (0F 45 06) faults although false.
        let t = TestCPU([0x39, 0xC0, 0x0F, 0x45, 0xCA, 0x48, 0x0F, 0x44, 0xDA, 0x0F, 0x45, 0x06])
        t[Reg.rcx] = 0xFFFF_FFFF_0000_0001
        t[Reg.rdx] = 0x1234_5678_9ABC_DEF0
        t[Reg.rsi] = nonCanonical
        t.run(3)
        XCTAssertEqual(t[Reg.rcx], 1)
        XCTAssertEqual(t[Reg.rbx], 0x1234_5678_9ABC_DEF0)
        XCTAssertEqual(t.run(), .exception(.gp(0), rip: TestCPU.codeAddress + 9))
    }

    func testSetcc() {
        // stc via cmp 0,1 (39 C8 with eax=0, ecx=1 -> CF); setb ah (0F 92 C4); setb dil (40 0F 92 C7);
        // setz byte [0x3000] (0F 94 04 25 00 30 00 00)
        let t = TestCPU([0x39, 0xC8, 0x0F, 0x92, 0xC4, 0x40, 0x0F, 0x92, 0xC7,
                         0x0F, 0x94, 0x04, 0x25, 0x00, 0x30, 0x00, 0x00])
        t[Reg.rcx] = 1
        t[Reg.rdi] = 0xFF00
        t.ram.write([0x55], at: 0x3000)
        t.run(4)
        XCTAssertEqual(t[Reg.rax], 0x100)
        XCTAssertEqual(t[Reg.rdi], 0xFF01)
        XCTAssertEqual(t.ram.read(0x3000, count: 1), [0])
    }

    func testNopForms() {
        // 0F 1F 84 00 ... (multi-byte NOP with a memory operand that is never accessed), F3 90 (pause)
        let t = TestCPU([0x0F, 0x1F, 0x80, 0x00, 0x00, 0x00, 0x80, 0xF3, 0x90])
        t[Reg.rax] = nonCanonical
        XCTAssertEqual(t.run(2), .budgetExhausted)
        XCTAssertEqual(t[Reg.rip], TestCPU.codeAddress + 9)
    }
}
