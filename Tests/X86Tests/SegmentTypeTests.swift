// Tests of segment TYPE checks on data accesses outside 64-bit mode (Emulator/X86/MMU/
// Segmentation.swift). Expected results are the rules of Intel SDM vol. 3 §5.4-5.5 and the
// protected-mode exception lists of vol. 2 (e.g. MOV: "#GP(0) if the destination is located in
// a non-writable segment", "#GP(0) if a memory operand ... is in an execute-only code
// segment"; #SS(0) for a stack-segment fault), and "real-address mode: no type checks". The
// guest roms/board/segtypes.c checks the same rules on Bochs.

import XCTest
import EmulatorCore
@testable import X86

final class SegmentTypeTests: XCTestCase {
    let code = TestCPU.codeAddress

    /// 32-bit protected mode, flat segments except DS (base 0x2000, limit 0xFFFF, attributes
    /// `ds`) and CS (attributes `cs`, base 0). Access byte type bits: 0x1 accessed, 0x2 W (data)
    /// or R (code), 0x8 code; 0x10 S, 0x80 P; 0x400 D/B.
    func protectedCPU(_ bytes: [UInt8], ds: UInt16 = 0x493, cs: UInt16 = 0xC9B) -> TestCPU {
        let t = TestCPU(bytes, mode: .protected32)
        let s = t.state
        s.pointee.efer = 0
        s.pointee.system.segmentAttributes = (0xC93, cs, 0xC93, ds, 0xC93, 0xC93)
        s.pointee.system.setLimit(Seg.ds, 0xFFFF)
        s.pointee.segmentBase[Seg.ds] = 0x2000
        return t
    }

    func testWriteThroughReadOnlyDataSegmentFaults() {
        // 89 03: MOV [EBX], EAX with DS read-only data (type 1, access byte 0x91): #GP(0), the
        // memory unchanged. 8B 03: MOV EAX, [EBX] through the same segment reads normally.
        let t = protectedCPU([0x89, 0x03], ds: 0x491)
        t.ram.write([0x11, 0x22, 0x33, 0x44], at: 0x2010)
        t[Reg.rbx] = 0x10
        t[Reg.rax] = 0xAABB_CCDD
        XCTAssertEqual(t.run(), .exception(.gp(0), rip: code))
        XCTAssertEqual(t.ram.read(0x2010, count: 4), [0x11, 0x22, 0x33, 0x44])
        let u = protectedCPU([0x8B, 0x03], ds: 0x491)
        u.ram.write([0x11, 0x22, 0x33, 0x44], at: 0x2010)
        u[Reg.rbx] = 0x10
        XCTAssertEqual(u.run(), .budgetExhausted)
        XCTAssertEqual(u[Reg.rax], 0x4433_2211)
    }

    func testReadModifyWriteThroughReadOnlySegmentChangesNothing() {
        // 01 03: ADD [EBX], EAX reads, then writes: the write's #GP(0) comes before any state
        // changes (memory and flags unchanged).
        let t = protectedCPU([0x01, 0x03], ds: 0x491)
        t.ram.write([0xFF, 0xFF, 0xFF, 0xFF], at: 0x2010)
        t[Reg.rbx] = 0x10
        t[Reg.rax] = 1
        let flags = t.rflags
        XCTAssertEqual(t.run(), .exception(.gp(0), rip: code))
        XCTAssertEqual(t.ram.read(0x2010, count: 4), [0xFF, 0xFF, 0xFF, 0xFF])
        XCTAssertEqual(t.rflags, flags)
        // 11 03: ADC [EBX], EAX and 83 13 01: ADC DWORD [EBX], 1 with CF = 1: the faulting
        // store leaves CF set (an ADC restarted after a #PF handler must see the same carry).
        for bytes: [UInt8] in [[0x11, 0x03], [0x83, 0x13, 0x01]] {
            let u = protectedCPU(bytes, ds: 0x491)
            u.ram.write([0xFF, 0xFF, 0xFF, 0xFF], at: 0x2010)
            u[Reg.rbx] = 0x10
            u[Reg.rax] = 1
            u.state.pointee.rflags = 0x2 | Flag.cf
            XCTAssertEqual(u.run(), .exception(.gp(0), rip: code))
            XCTAssertEqual(u.rflags & Flag.cf, Flag.cf)
            XCTAssertEqual(u.ram.read(0x2010, count: 4), [0xFF, 0xFF, 0xFF, 0xFF])
        }
    }

    func testCSOverrideWriteFaultsAndReadNeedsReadableCode() {
        // 2E 89 03: MOV CS:[EBX], EAX. A code segment is never writable: #GP(0).
        let t = protectedCPU([0x2E, 0x89, 0x03])
        t[Reg.rbx] = 0x3000
        t[Reg.rax] = 0x1234
        XCTAssertEqual(t.run(), .exception(.gp(0), rip: code))
        XCTAssertEqual(t.ram.read(0x3000, count: 2), [0, 0])
        // 2E 8B 03: MOV EAX, CS:[EBX] through readable code (type 0xB) reads CS.base + EBX.
        let u = protectedCPU([0x2E, 0x8B, 0x03])
        u.ram.write([0x78, 0x56, 0x34, 0x12], at: 0x3000)
        u[Reg.rbx] = 0x3000
        XCTAssertEqual(u.run(), .budgetExhausted)
        XCTAssertEqual(u[Reg.rax], 0x1234_5678)
        // Execute-only code (type 0x9, access byte 0x99): the same read is #GP(0); the
        // instruction itself is still fetched (fetches need no R bit).
        let w = protectedCPU([0x2E, 0x8B, 0x03], cs: 0xC99)
        w[Reg.rbx] = 0x3000
        w[Reg.rax] = 7
        XCTAssertEqual(w.run(), .exception(.gp(0), rip: code))
        XCTAssertEqual(w[Reg.rax], 7)
    }

    func testReadableCodeInDataSegmentRegister() {
        // DS holding readable code (access byte 0x9B, as MOV DS may load): reads work, a write
        // is #GP(0). A conforming readable code segment (type 0xF) is the same.
        for ds: UInt16 in [0x49B, 0x49F] {
            let t = protectedCPU([0x8B, 0x03], ds: ds)
            t.ram.write([0x5A, 0, 0, 0], at: 0x2010)
            t[Reg.rbx] = 0x10
            XCTAssertEqual(t.run(), .budgetExhausted)
            XCTAssertEqual(t[Reg.rax], 0x5A)
            let u = protectedCPU([0x88, 0x03], ds: ds)
            u[Reg.rbx] = 0x10
            XCTAssertEqual(u.run(), .exception(.gp(0), rip: code))
        }
    }

    func testStringStoreThroughReadOnlyESStopsBeforeTheFirstElement() {
        // F3 AA: REP STOSB with ES read-only: #GP(0) on the first element, ECX and EDI kept.
        let t = protectedCPU([0xF3, 0xAA])
        t.state.pointee.system.setAttributes(Seg.es, 0xC91)
        t[Reg.rdi] = 0x3000
        t[Reg.rcx] = 4
        XCTAssertEqual(t.run(), .exception(.gp(0), rip: code))
        XCTAssertEqual(t[Reg.rcx], 4)
        XCTAssertEqual(t[Reg.rdi], 0x3000)
        // LODSB from a read-only DS is fine.
        let u = protectedCPU([0xAC], ds: 0x491)
        u.ram.write([0x42], at: 0x2020)
        u[Reg.rsi] = 0x20
        XCTAssertEqual(u.run(), .budgetExhausted)
        XCTAssertEqual(u[Reg.rax] & 0xFF, 0x42)
    }

    func testNonWritableStackSegmentRaisesSS() {
        // A load never puts a read-only segment in SS, but the rule stays general: a push
        // through a non-writable SS is a stack fault, #SS(0), with ESP unchanged.
        let t = protectedCPU([0x50])
        t.state.pointee.system.setAttributes(Seg.ss, 0xC91)
        t[Reg.rsp] = 0x8000
        XCTAssertEqual(t.run(), .exception(.ss(0), rip: code))
        XCTAssertEqual(t[Reg.rsp], 0x8000)
    }

    func testRealModeChecksNoTypes() {
        // Real mode (CR0.PE = 0) with the code attributes protected mode left in CS's cache
        // (0x9B) and a read-only DS cache: 2E 89 07 MOV CS:[BX], AX and 89 07 MOV [BX], AX
        // both write.
        for (bytes, address) in [([UInt8]([0x2E, 0x89, 0x07]), UInt64(0x3000)), ([0x89, 0x07], 0x3000)] {
            let t = TestCPU(bytes, mode: .mode16)
            let s = t.state
            s.pointee.cr0 = 0x10
            s.pointee.efer = 0
            s.pointee.system.segmentAttributes = (0x93, 0x9B, 0x93, 0x91, 0x93, 0x93)
            s.pointee.system.segmentLimit = (0xFFFF, 0xFFFF, 0xFFFF, 0xFFFF, 0xFFFF, 0xFFFF)
            t[Reg.rbx] = 0x3000
            t[Reg.rax] = 0xBEEF
            XCTAssertEqual(t.run(), .budgetExhausted)
            XCTAssertEqual(t.ram.read(address, count: 2), [0xEF, 0xBE])
        }
    }

    func testWideAccessesCheckTheWholeAreaAgainstTheLimit() {
        // DS limit 0x0FFF (base 0x2000). The SDM's limit rule is for the whole memory operand,
        // so an access wider than 16 bytes whose first 16 bytes fit but whose last byte is past
        // the limit faults before anything is written.
        // D9 33: FNSTENV [EBX] (28 bytes): at 0xFE4 it ends at 0xFFF (allowed), at 0xFE5 #GP(0).
        let t = protectedCPU([0xD9, 0x33])
        t.state.pointee.system.setLimit(Seg.ds, 0xFFF)
        t[Reg.rbx] = 0xFE4
        XCTAssertEqual(t.run(), .budgetExhausted)
        let u = protectedCPU([0xD9, 0x33])
        u.state.pointee.system.setLimit(Seg.ds, 0xFFF)
        u[Reg.rbx] = 0xFE5
        XCTAssertEqual(u.run(), .exception(.gp(0), rip: code))
        XCTAssertEqual(u.ram.read(0x2FE5, count: 4), [0, 0, 0, 0])
        // DD 33: FNSAVE [EBX] (108 bytes): at 0xF95 the last byte is 0x1000: #GP(0), nothing
        // written.
        let w = protectedCPU([0xDD, 0x33])
        w.state.pointee.system.setLimit(Seg.ds, 0xFFF)
        w[Reg.rbx] = 0xF95
        XCTAssertEqual(w.run(), .exception(.gp(0), rip: code))
        XCTAssertEqual(w.ram.read(0x2F95, count: 4), [0, 0, 0, 0])
        // 0F AE /0: FXSAVE [EBX] (512 bytes, 16-byte aligned): 0xE00 fits exactly; at 0xE10 the
        // 288 bytes it writes in 32-bit mode fit, but the 512-byte operand does not: #GP(0).
        let x = protectedCPU([0x0F, 0xAE, 0x03])
        x.state.pointee.system.setLimit(Seg.ds, 0xFFF)
        x[Reg.rbx] = 0xE00
        XCTAssertEqual(x.run(), .budgetExhausted)
        let y = protectedCPU([0x0F, 0xAE, 0x03])
        y.state.pointee.system.setLimit(Seg.ds, 0xFFF)
        y[Reg.rbx] = 0xE10
        XCTAssertEqual(y.run(), .exception(.gp(0), rip: code))
        XCTAssertEqual(y.ram.read(0x2E10, count: 4), [0, 0, 0, 0])
        // 0F AE /1: FXRSTOR [EBX] reads: the same whole-area rule, and a read-only DS is fine.
        let z = protectedCPU([0x0F, 0xAE, 0x0B], ds: 0x491)
        z.state.pointee.system.setLimit(Seg.ds, 0xFFF)
        z[Reg.rbx] = 0xE10
        XCTAssertEqual(z.run(), .exception(.gp(0), rip: code))
        let r = protectedCPU([0x0F, 0xAE, 0x0B], ds: 0x491)
        r.state.pointee.system.setLimit(Seg.ds, 0xFFF)
        r[Reg.rbx] = 0xE00
        XCTAssertEqual(r.run(), .budgetExhausted)
        // FXSAVE through a read-only DS: #GP(0) (a write).
        let v = protectedCPU([0x0F, 0xAE, 0x03], ds: 0x491)
        v[Reg.rbx] = 0xE00
        XCTAssertEqual(v.run(), .exception(.gp(0), rip: code))
    }

    func testCompatibilityModeChecksTypes() {
        // Compatibility mode (EFER.LMA = 1, CS.L = 0) is not 64-bit mode: segmentation applies,
        // so a write through a read-only DS is #GP(0) there too (AMD APM vol. 2 §4.8).
        let t = protectedCPU([0x89, 0x03], ds: 0x491)
        t.state.pointee.efer = 0x500
        t[Reg.rbx] = 0x10
        XCTAssertEqual(t.run(), .exception(.gp(0), rip: code))
        XCTAssertEqual(t.ram.read(0x2010, count: 4), [0, 0, 0, 0])
    }

    func testFlatDataSegmentsStayOnTheFastPath() {
        // The fast-path rule itself: a present expand-up writable data segment with a 4 GiB
        // limit gives the plain linear address; read-only data and code segments give a
        // deferred address (checked by the slow path, which knows read from write).
        let t = protectedCPU([0x90])
        let cpu = t.state
        XCTAssertFalse(cpu.pointee.isDeferred(cpu.segmentedLinear(Seg.es, 0x1234)))
        XCTAssertTrue(cpu.pointee.isDeferred(cpu.segmentedLinear(Seg.cs, 0x1234)))
        cpu.pointee.system.setAttributes(Seg.es, 0xC91)
        XCTAssertTrue(cpu.pointee.isDeferred(cpu.segmentedLinear(Seg.es, 0x1234)))
    }
}
