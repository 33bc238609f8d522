// Tests (X86): the debug registers beyond instruction breakpoints and TF: data breakpoints, I/O
// breakpoints, general detect, ICEBP, the MOV SS delay and the DR6 report (Execution/Debug.swift).
// Expected values follow the Intel SDM vol. 3 §18.2-18.3 and §6.8.3; the ones QEMU's TCG does
// not model were checked on Bochs 2.7 with roms/board/debugregs.c (noted per test), the others
// on QEMU with roms/tests/watchpoints.S.

import XCTest
@testable import X86

final class DebugRegisterTests: XCTestCase {
    static let dbHandler: UInt64 = 0x3000
    static let watched: UInt64 = 0x5000

    /// A machine with a #DB gate (handler: IRETQ) and, optionally, DR0-DR3 / DR7 set.
    func machine(_ code: [UInt8], dr: [Int: UInt64] = [:], dr7: UInt64) -> SystemMachine {
        let m = SystemMachine(code)
        m.gate(1, handler: Self.dbHandler)
        m.code([0x48, 0xCF], at: Self.dbHandler)        // iretq
        for (n, v) in dr { m.state.pointee.msr.setDebugRegister(n, v) }
        m.state.pointee.msr.setDebugRegister(7, dr7)
        m.state.pointee.rflags = 0x2
        return m
    }

    /// mov dword [0x5000], 1 (11 bytes).
    let storeDword: [UInt8] = [0xC7, 0x04, 0x25, 0x00, 0x50, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00]

    func testWriteWatchTrapsAfterTheInstruction() {
        // DR0 = 0x5000, G0, R/W0 = 01 (writes), LEN0 = 11 (4 bytes).
        let m = machine(storeDword, dr: [0: Self.watched], dr7: 0x000D_0402)
        m.t.run(1)
        XCTAssertEqual(m.state.pointee.rip, Self.dbHandler, "#DB delivered after the store")
        XCTAssertEqual(m.frame(1), [0x100B], "a trap: the frame holds the next instruction")
        XCTAssertEqual(m.read64(Self.watched) & 0xFFFF_FFFF, 1, "the store completed")
        XCTAssertEqual(m.state.pointee.msr.debugRegister(6), 0xFFFF_0FF1, "DR6.B0")
    }

    func testDataWatchAloneKeepsFullBlocksAndTrapsMidBlock() {
        // Only a data breakpoint armed: no one-instruction mode; the hit ends the block after
        // the store (nop; nop; store; nop in one block) and the trap follows it.
        let m = machine([0x90, 0x90] + storeDword + [0x90], dr: [0: Self.watched], dr7: 0x000D_0402)
        XCTAssertFalse(m.t.cpu.debugFeaturesArmed)
        m.t.run(3)
        XCTAssertEqual(m.state.pointee.rip, Self.dbHandler)
        XCTAssertEqual(m.frame(1), [0x100D])
        XCTAssertEqual(m.state.pointee.instructionsRetired, 3)
    }

    func testReadDoesNotMatchAWriteWatch() {
        // mov eax, [0x5000]
        let m = machine([0x8B, 0x04, 0x25, 0x00, 0x50, 0x00, 0x00], dr: [0: Self.watched], dr7: 0x000D_0402)
        m.t.run(1)
        XCTAssertEqual(m.state.pointee.rip, 0x1007)
        XCTAssertEqual(m.state.pointee.msr.debugRegister(6), 0xFFFF_0FF0)
    }

    func testReadWriteWatchMatchesAReadAndEveryAccessToTheWatchedPage() {
        // mov eax, [0x5000] twice with R/W0 = 11. The page must stay out of the TLB, so the
        // second read (after the handler's IRETQ) is seen too.
        let load: [UInt8] = [0x8B, 0x04, 0x25, 0x00, 0x50, 0x00, 0x00]
        let m = machine(load + load, dr: [0: Self.watched], dr7: 0x000F_0402)
        m.t.run(3)
        XCTAssertEqual(m.t.cpu.eventsDelivered, 2)
        XCTAssertEqual(m.state.pointee.rip, Self.dbHandler)
        XCTAssertEqual(m.frame(1), [0x100E])
    }

    func testUnalignedBreakpointAddressIsMaskedByItsLength() {
        // DR0 = 0x5005, LEN0 = 01 (2 bytes): the CPU ignores bit 0, the range is 0x5004-0x5005
        // (SDM §18.2.5; Bochs: "unaligned" in roms/board/debugregs.c). mov byte [0x5004], 1.
        let m = machine([0xC6, 0x04, 0x25, 0x04, 0x50, 0x00, 0x00, 0x01], dr: [0: 0x5005], dr7: 0x0005_0402)
        m.t.run(1)
        XCTAssertEqual(m.state.pointee.rip, Self.dbHandler)
        // mov byte [0x5006], 1: outside.
        let n = machine([0xC6, 0x04, 0x25, 0x06, 0x50, 0x00, 0x00, 0x01], dr: [0: 0x5005], dr7: 0x0005_0402)
        n.t.run(1)
        XCTAssertEqual(n.state.pointee.rip, 0x1008)
    }

    func testAnyByteOverlapMatches() {
        // A 4-byte store at 0x5002 covers 0x5004, the first byte of a 2-byte watch there.
        let m = machine([0xC7, 0x04, 0x25, 0x02, 0x50, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00],
                        dr: [1: 0x5004], dr7: 0x0050_0408)
        m.t.run(1)
        XCTAssertEqual(m.state.pointee.rip, Self.dbHandler)
        XCTAssertEqual(m.state.pointee.msr.debugRegister(6), 0xFFFF_0FF2, "DR6.B1")
    }

    func testOneWriteHittingTwoBreakpointsReportsBoth() {
        // mov qword [0x5000], 0 hits DR0 (8 bytes) and DR3 (0x5004, 1 byte): one #DB, B0 | B3
        // (Bochs: "two"; QEMU reports only B0).
        let m = machine([0x48, 0xC7, 0x04, 0x25, 0x00, 0x50, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00],
                        dr: [0: Self.watched, 3: 0x5004], dr7: 0x1009_0482)
        m.t.run(1)
        XCTAssertEqual(m.t.cpu.eventsDelivered, 1)
        XCTAssertEqual(m.state.pointee.msr.debugRegister(6), 0xFFFF_0FF9)
    }

    func testSingleStepAndWatchShareOneDB() {
        // TF set and a watched store: one #DB with BS and B0 (Bochs: "tf+watch").
        let m = machine(storeDword, dr: [0: Self.watched], dr7: 0x000D_0402)
        m.state.pointee.rflags = 0x2 | Flag.tf
        m.t.run(1)
        XCTAssertEqual(m.t.cpu.eventsDelivered, 1)
        XCTAssertEqual(m.state.pointee.msr.debugRegister(6), 0xFFFF_4FF1)
        XCTAssertEqual(m.frame(1), [0x100B])
    }

    func testRepStosTrapsAfterTheIterationThatHit() {
        // rep stosb over 0x5000-0x500F with a 1-byte write watch on 0x5005: #DB after the 6th
        // byte, RIP still at the REP instruction, RCX/RDI describe the 6 bytes done (QEMU agrees:
        // roms/tests/watchpoints.S "E").
        let m = machine([0xF3, 0xAA], dr: [0: 0x5005], dr7: 0x0001_0402)
        m.t[Reg.rdi] = Self.watched
        m.t[Reg.rcx] = 16
        m.t.run(1)
        XCTAssertEqual(m.state.pointee.rip, Self.dbHandler)
        XCTAssertEqual(m.frame(1), [0x1000])
        XCTAssertEqual(m.t[Reg.rcx], 10)
        XCTAssertEqual(m.t[Reg.rdi], 0x5006)
    }

    func testRepWithTFTrapsAfterEveryIteration() {
        // rep stosb, RCX = 3, TF set: the first #DB comes after one byte, RIP at the REP
        // instruction (QEMU and Bochs agree: roms/tests/watchpoints.S "R"), no RF in the frame.
        let m = machine([0xF3, 0xAA], dr7: 0x400)
        m.state.pointee.rflags = 0x2 | Flag.tf
        m.t[Reg.rdi] = Self.watched
        m.t[Reg.rcx] = 3
        m.t.run(1)
        XCTAssertEqual(m.state.pointee.rip, Self.dbHandler)
        XCTAssertEqual(m.frame(3), [0x1000, 0x08, 0x2 | Flag.tf])
        XCTAssertEqual(m.t[Reg.rcx], 2)
        XCTAssertEqual(m.state.pointee.msr.debugRegister(6), 0xFFFF_4FF0)
    }

    func testIOBreakpointNeedsCR4DE() {
        // out 0x80, al with DR0 = 0x80, R/W0 = 10 (I/O), LEN0 = 00.
        let m = machine([0xE6, 0x80], dr: [0: 0x80], dr7: 0x0002_0402)
        m.state.pointee.cr4 |= CR4.de
        m.t.run(1)
        XCTAssertEqual(m.state.pointee.rip, Self.dbHandler)
        XCTAssertEqual(m.frame(1), [0x1002])
        XCTAssertEqual(m.state.pointee.msr.debugRegister(6), 0xFFFF_0FF1)
        // Without CR4.DE, R/W = 10 is undefined (Intel): here it never matches.
        let n = machine([0xE6, 0x80], dr: [0: 0x80], dr7: 0x0002_0402)
        n.t.run(1)
        XCTAssertEqual(n.state.pointee.rip, 0x1002)
    }

    func testGeneralDetectFaultsAndClearsGD() {
        // DR7.GD: mov rax, dr0 raises a #DB fault (RIP at the MOV) with DR6.BD; GD is cleared
        // (Bochs: "gd"; kvm-unit-tests debug "Single-step #DB w/ MOVSS blocking and DR7.GD=1").
        let m = machine([0x0F, 0x21, 0xC0], dr7: 0x2400)
        m.t.run(1)
        XCTAssertEqual(m.state.pointee.rip, Self.dbHandler)
        XCTAssertEqual(m.frame(1), [0x1000], "a fault: the MOV runs again after the handler")
        XCTAssertEqual(m.state.pointee.msr.debugRegister(6), 0xFFFF_2FF0)
        XCTAssertEqual(m.state.pointee.msr.debugRegister(7), 0x400)
    }

    func testICEBPIsATrapWithoutGateDPLCheckAndLeavesDR6() {
        // At CPL 3 with a DPL 0 gate: ICEBP still reaches the #DB handler (Bochs: "icebp").
        let m = machine([0xF1], dr7: 0x400)
        m.state.pointee.msr.setDebugRegister(6, 0xFFFF_0FF2)
        m.enterUser()
        m.t.run(1)
        XCTAssertEqual(m.state.pointee.rip, Self.dbHandler)
        XCTAssertEqual(m.frame(1), [0x1001])
        XCTAssertEqual(m.state.pointee.msr.debugRegister(6), 0xFFFF_0FF2)
        // INT 1 is a software interrupt: the DPL 0 gate refuses CPL 3, #GP(1 * 8 + 2).
        let n = machine([0xCD, 0x01], dr7: 0x400)
        n.gate(13, handler: 0x3100)
        n.enterUser()
        n.t.run(1)
        XCTAssertEqual(n.state.pointee.rip, 0x3100)
        XCTAssertEqual(n.frame(1), [0x0A], "error code: IDT vector 1")
    }

    /// mov ss, [0x5000] (7 bytes) with a read/write watch on 0x5000 holding the kernel SS.
    func movSSMachine(then next: [UInt8]) -> SystemMachine {
        let m = machine([0x8E, 0x14, 0x25, 0x00, 0x50, 0x00, 0x00] + next, dr: [0: Self.watched], dr7: 0x0007_0402)
        m.write16(Self.watched, SystemMachine.kernelSS)
        return m
    }

    func testMovSSDelaysItsDataBreakpointByOneInstruction() {
        // SDM §6.8.3: debug exceptions wait until after the instruction following MOV SS
        // (Bochs: "movss"; QEMU delivers at once).
        let m = movSSMachine(then: [0x90, 0x90])
        m.t.run(1)
        XCTAssertEqual(m.state.pointee.rip, 0x1007, "no #DB right after MOV SS")
        m.t.run(1)
        XCTAssertEqual(m.state.pointee.rip, Self.dbHandler)
        XCTAssertEqual(m.frame(1), [0x1008])
        XCTAssertEqual(m.state.pointee.msr.debugRegister(6), 0xFFFF_0FF1)
    }

    func testMovSSThenINT3DeliversTheHeldDBAtTheHandler() {
        // kvm-unit-tests debug "MOV SS + watchpoint + INT3": #BP is delivered, then the held
        // #DB at the #BP handler's first instruction.
        let m = movSSMachine(then: [0xCC])
        m.gate(3, handler: 0x3100)
        m.t.run(2)
        XCTAssertEqual(m.state.pointee.rip, Self.dbHandler)
        XCTAssertEqual(m.frame(1), [0x3100])
        XCTAssertEqual(m.t.cpu.eventsDelivered, 2)
    }

    func testMovSSThenICEBPIsOneDB() {
        // kvm-unit-tests debug "MOV SS + watchpoint + ICEBP": one #DB reports both.
        let m = movSSMachine(then: [0xF1])
        m.t.run(2)
        XCTAssertEqual(m.t.cpu.eventsDelivered, 1)
        XCTAssertEqual(m.frame(1), [0x1008])
        XCTAssertEqual(m.state.pointee.msr.debugRegister(6), 0xFFFF_0FF1)
    }

    func testPopfThatClearsTFStillTraps() {
        // TF is sampled as the instruction starts (Bochs: "popf-tf"; kvm-unit-tests debug
        // "Single-step #DB basic test").
        let m = machine([0x9D], dr7: 0x400)
        m.state.pointee.rflags = 0x2 | Flag.tf
        m.state.pointee.regs[Reg.rsp] = 0x7FF8
        m.write64(0x7FF8, 0x2)
        m.t.run(1)
        XCTAssertEqual(m.state.pointee.rip, Self.dbHandler)
        XCTAssertEqual(m.frame(1), [0x1001])
        XCTAssertEqual(m.state.pointee.msr.debugRegister(6), 0xFFFF_4FF0)
    }

    func testInstructionBreakpointReplacesTheOtherBBits() {
        // B1 left set by software; a breakpoint on DR2 reports B2 alone (Bochs: "b-replace";
        // kvm-unit-tests debug "hw_bp2").
        let m = machine([0x90], dr: [2: 0x1000], dr7: 0x420)
        m.state.pointee.msr.setDebugRegister(6, 0xFFFF_4FF2)
        m.t.run(1)
        XCTAssertEqual(m.state.pointee.rip, Self.dbHandler)
        XCTAssertEqual(m.frame(1), [0x1000])
        XCTAssertEqual(m.state.pointee.msr.debugRegister(6), 0xFFFF_4FF4, "BS stays, B1 cleared, B2 set")
    }

    /// mov rax, imm32 (sign-extended); mov dr7, rax.
    func setDR7(_ v: UInt32) -> [UInt8] {
        [0x48, 0xC7, 0xC0] + (0..<4).map { UInt8(truncatingIfNeeded: v >> ($0 * 8)) } + [0x0F, 0x23, 0xF8]
    }

    func testArmingFlushesTheTLB() {
        // The first store fills the write TLB for the page; MOV DR7 arming the watch must drop
        // that entry, or the second store would take the fast path and be missed.
        let m = machine(storeDword + setDR7(0x000D_0402) + storeDword, dr: [0: Self.watched], dr7: 0x400)
        m.t.run(4)
        XCTAssertEqual(m.t.cpu.eventsDelivered, 1)
        XCTAssertEqual(m.state.pointee.rip, Self.dbHandler)
        XCTAssertEqual(m.frame(1), [0x1020])
    }

    func testDisarmedWatchNoLongerTraps() {
        let m = machine(storeDword + setDR7(0x400) + storeDword, dr: [0: Self.watched], dr7: 0x000D_0402)
        m.t.run(5)                                          // store, IRETQ, mov, mov dr7, store
        XCTAssertEqual(m.t.cpu.eventsDelivered, 1)
        XCTAssertEqual(m.state.pointee.rip, 0x1020)
        XCTAssertFalse(m.state.pointee.msr.dataWatch)
    }
}
