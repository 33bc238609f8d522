// Layer: X86 tests. The CPU's side of the local APIC (Emulator/X86/LocalAPICPort.swift): CR8
// reaches the APIC's TPR, IA32_APIC_BASE mode transitions #GP as SDM vol. 3A table 11-5 lists
// (the same cases kvm-unit-tests' apic test checks), x2APIC MSRs and TSC_DEADLINE are routed
// to the APIC, and CPUID.1:EDX.APIC follows IA32_APIC_BASE.EN. The APIC is a recording stand-in;
// the real one is tested in DevicesTests/APICTests and through kvm-unit-tests.

import XCTest
@testable import X86

final class RecordingAPIC: LocalAPICPort {
    var tpr: UInt32 = 0
    var bases: [UInt64] = []
    var msrWrites: [(UInt32, UInt64)] = []
    var deadline: (UInt64, UInt64)? = nil
    var cr8: UInt64 { get { UInt64(tpr >> 4) } set { tpr = UInt32(newValue & 0xF) << 4 } }
    func apicBaseWritten(_ value: UInt64) { bases.append(value) }
    func readMSR(_ index: UInt32) -> UInt64? { index == 0x802 ? 7 : nil }
    func writeMSR(_ index: UInt32, _ value: UInt64) -> Bool { msrWrites.append((index, value)); return index != 0x803 }
    func readTSCDeadline() -> UInt64 { deadline?.0 ?? 0 }
    func writeTSCDeadline(_ value: UInt64, currentTSC: UInt64) { deadline = (value, currentTSC) }
}

final class LocalAPICPortTests: XCTestCase {
    /// WRMSR of IA32_APIC_BASE with `value`: nil on #GP, else the value read back.
    func writeBase(_ t: TestCPU, _ value: UInt64) -> UInt64? {
        do { _ = try t.state.pointee.writeMSR(MSR.apicBase, value, tsc: 0) } catch { return nil }
        return try? t.state.pointee.readMSR(MSR.apicBase, tsc: 0)
    }

    func testCR8IsTheAPICTaskPriority() {
        // mov cr8, rax; mov rbx, cr8
        let t = TestCPU([0x44, 0x0F, 0x22, 0xC0, 0x44, 0x0F, 0x20, 0xC3])
        let apic = RecordingAPIC()
        t.cpu.attachLocalAPIC(apic)
        t[Reg.rax] = 0xB
        XCTAssertEqual(t.run(1), .budgetExhausted)
        XCTAssertEqual(apic.tpr, 0xB0, "CR8[3:0] = TPR[7:4]")
        apic.tpr = 0x5F                 // a TPR write through the xAPIC page or MSR 0x808
        XCTAssertEqual(t.run(1), .budgetExhausted)
        XCTAssertEqual(t[Reg.rbx], 5)
    }

    func testAPICBaseTransitions() {
        let t = TestCPU([0x90])
        let apic = RecordingAPIC()
        t.cpu.attachLocalAPIC(apic)
        let base: UInt64 = 0xFEE0_0000, bsp: UInt64 = 1 << 8, en: UInt64 = 1 << 11, extd: UInt64 = 1 << 10
        XCTAssertNil(writeBase(t, base | bsp | extd), "EXTD without EN is invalid")
        XCTAssertEqual(writeBase(t, base | bsp | en | extd), base | bsp | en | extd, "xAPIC -> x2APIC")
        XCTAssertNil(writeBase(t, base | bsp | en), "x2APIC -> xAPIC")
        XCTAssertEqual(writeBase(t, base | bsp), base | bsp, "x2APIC -> disabled")
        XCTAssertNil(writeBase(t, base | bsp | en | extd), "disabled -> x2APIC")
        XCTAssertEqual(writeBase(t, base | en), base | bsp | en, "BSP is read-only")
        XCTAssertNil(writeBase(t, base | bsp | en | 1), "reserved bit 0")
        XCTAssertNil(writeBase(t, base | bsp | en | 1 << 48), "beyond MAXPHYADDR")
        XCTAssertEqual(apic.bases, [base | bsp | en | extd, base | bsp, base | bsp | en])
        // Without an APIC attached, bit 10 is reserved.
        XCTAssertNil(writeBase(TestCPU([0x90]), base | bsp | en | extd))
    }

    func testX2APICAndDeadlineMSRsReachTheAPIC() throws {
        let t = TestCPU([0x90])
        XCTAssertThrowsError(try t.state.pointee.readMSR(0x802, tsc: 0), "no APIC: #GP")
        XCTAssertThrowsError(try t.state.pointee.readMSR(MSR.tscDeadline, tsc: 0), "no APIC: #GP")
        let apic = RecordingAPIC()
        t.cpu.attachLocalAPIC(apic)
        XCTAssertEqual(try t.state.pointee.readMSR(0x802, tsc: 0), 7)
        XCTAssertThrowsError(try t.state.pointee.readMSR(0x80E, tsc: 0), "the APIC said #GP")
        _ = try t.state.pointee.writeMSR(0x83F, 0x40, tsc: 0)
        XCTAssertThrowsError(try t.state.pointee.writeMSR(0x803, 0, tsc: 0))
        XCTAssertEqual(apic.msrWrites.map { $0.0 }, [0x83F, 0x803])
        _ = try t.state.pointee.writeMSR(MSR.tscDeadline, 1234, tsc: 1000)
        XCTAssertEqual(apic.deadline?.0, 1234)
        XCTAssertEqual(apic.deadline?.1, 1000)
        XCTAssertEqual(try t.state.pointee.readMSR(MSR.tscDeadline, tsc: 0), 1234)
    }

    func testCPUIDAPICBitFollowsTheEnable() throws {
        // cpuid with eax = 1, twice
        let t = TestCPU([0x0F, 0xA2, 0x0F, 0xA2])
        t.cpu.attachLocalAPIC(RecordingAPIC())
        t[Reg.rax] = 1; t[Reg.rcx] = 0
        XCTAssertEqual(t.run(1), .budgetExhausted)
        XCTAssertNotEqual(t[Reg.rdx] & 1 << 9, 0)
        XCTAssertNotEqual(t[Reg.rcx] & 1 << 21, 0, "x2APIC")
        XCTAssertNotEqual(t[Reg.rcx] & 1 << 24, 0, "TSC-deadline")
        _ = try t.state.pointee.writeMSR(MSR.apicBase, 0xFEE0_0100, tsc: 0)
        t[Reg.rax] = 1; t[Reg.rcx] = 0
        XCTAssertEqual(t.run(1), .budgetExhausted)
        XCTAssertEqual(t[Reg.rdx] & 1 << 9, 0, "a disabled APIC is reported absent")
        // A bare CPU (no APIC attached) advertises neither x2APIC nor TSC-deadline.
        let b = TestCPU([0x0F, 0xA2]); b[Reg.rax] = 1; b[Reg.rcx] = 0
        XCTAssertEqual(b.run(1), .budgetExhausted)
        XCTAssertEqual(b[Reg.rcx] & (1 << 21 | 1 << 24), 0)
    }
}
