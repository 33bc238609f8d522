// Unit tests for the system family (Instructions/System.swift, CPUID.swift): flag control,
// CPUID (including "every advertised bit is backed by an implemented instruction"), RDTSC from
// virtual time, HLT, INT3/INT n/INTO/UD2/UD1 and port I/O.

import XCTest
import EmulatorCore
import DiffHarness
@testable import X86

/// A port device that records writes and returns a fixed pattern; optionally stops the CPU.
final class RecordingPortDevice: BusDevice {
    var writes: [(offset: UInt64, size: Int, value: UInt64)] = []
    var reads: [(offset: UInt64, size: Int)] = []
    var onWrite: (() -> Void)?
    func read(offset: UInt64, size: Int) -> UInt64 {
        reads.append((offset, size))
        return 0x8877_6655_4433_2211 & (size == 8 ? ~0 : (1 << UInt64(size * 8)) - 1)
    }
    func write(offset: UInt64, size: Int, value: UInt64) {
        writes.append((offset, size, value))
        onWrite?()
    }
}

final class SystemTests: XCTestCase {
    let code = TestCPU.codeAddress

    // MARK: flag control

    func testCarryFlagInstructions() {
        let t = TestCPU([0xF9, 0xF5, 0xF5, 0xF8])  // stc; cmc; cmc; clc
        t.setFlags(Flag.zf | Flag.sf)
        t.run(); XCTAssertEqual(t.rflags & Flag.arithmetic, Flag.cf | Flag.zf | Flag.sf)
        t.run(); XCTAssertEqual(t.rflags & Flag.arithmetic, Flag.zf | Flag.sf)
        t.run(); XCTAssertEqual(t.rflags & Flag.arithmetic, Flag.cf | Flag.zf | Flag.sf)
        t.run(); XCTAssertEqual(t.rflags & Flag.arithmetic, Flag.zf | Flag.sf)
    }

    func testClcAfterLazyFlagsKeepsTheOthers() {
        // cmp eax, ecx with 1 - 2: CF SF AF PF set lazily; CLC must keep SF/AF/PF.
        let t = TestCPU([0x39, 0xC8, 0xF8])
        t[Reg.rax] = 1
        t[Reg.rcx] = 2
        t.run(2)
        XCTAssertEqual(t.rflags & Flag.arithmetic, Flag.sf | Flag.af | Flag.pf)
    }

    func testDirectionAndInterruptFlags() {
        let t = TestCPU([0xFD, 0xFB, 0xFC, 0xFA])  // std; sti; cld; cli
        t.run(); XCTAssertNotEqual(t.rflags & Flag.df, 0)
        t.run(); XCTAssertNotEqual(t.rflags & Flag.if, 0)
        t.run(); XCTAssertEqual(t.rflags & Flag.df, 0)
        t.run(); XCTAssertEqual(t.rflags & Flag.if, 0)
        XCTAssertEqual(t.rflags & 0x2, 0x2)
    }

    func testCliAboveIOPLRaisesGP() {
        let t = TestCPU([0xFA])
        t.state.pointee.cpl = 3
        t.setFlags(Flag.if)  // IOPL 0
        XCTAssertEqual(t.run(), .exception(.gp(0), rip: code))
        XCTAssertNotEqual(t.rflags & Flag.if, 0)
        let u = TestCPU([0xFA])
        u.state.pointee.cpl = 3
        u.setFlags(Flag.if | Flag.iopl)
        XCTAssertEqual(u.run(), .budgetExhausted)
        XCTAssertEqual(u.rflags & Flag.if, 0)
    }

    // MARK: CPUID

    func cpuid(_ leaf: UInt32, _ subleaf: UInt32 = 0) -> (UInt64, UInt64, UInt64, UInt64) {
        let t = TestCPU([0x0F, 0xA2])
        t[Reg.rax] = 0xFFFF_FFFF_0000_0000 | UInt64(leaf)
        t[Reg.rcx] = 0xFFFF_FFFF_0000_0000 | UInt64(subleaf)
        t[Reg.rbx] = ~0
        t[Reg.rdx] = ~0
        XCTAssertEqual(t.run(), .budgetExhausted)
        return (t[Reg.rax], t[Reg.rbx], t[Reg.rcx], t[Reg.rdx])
    }

    func string(_ words: [UInt64]) -> String {
        var bytes: [UInt8] = []
        for w in words { for k in 0..<4 { bytes.append(UInt8(truncatingIfNeeded: w >> UInt64(8 * k))) } }
        return String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
    }

    func testCPUIDVendorAndMaximumLeaves() {
        let (a, b, c, d) = cpuid(0)
        XCTAssertEqual(a, 7)
        XCTAssertEqual(string([b, d, c]), "AuthenticAMD")
        let (ea, eb, ec, ed) = cpuid(0x8000_0000)
        XCTAssertEqual(ea, 0x8000_0008)
        XCTAssertEqual(string([eb, ed, ec]), "AuthenticAMD")
    }

    func testCPUIDSignatureIsFamily1Ah() {
        let (a, _, _, _) = cpuid(1)
        let baseFamily = (a >> 8) & 0xF, extFamily = (a >> 20) & 0xFF
        let family = baseFamily == 0xF ? baseFamily + extFamily : baseFamily
        let model = ((a >> 16) & 0xF) << 4 | (a >> 4) & 0xF
        XCTAssertEqual(family, 0x1A)
        XCTAssertEqual(model, 0x02)
        XCTAssertEqual(a, 0x00B0_0F21)
        XCTAssertEqual(cpuid(0x8000_0001).0, a, "AMD repeats the signature")
    }

    func testCPUIDFeatureBits() {
        let (_, _, c1, d1) = cpuid(1)
        XCTAssertEqual(d1 & (1 << 4 | 1 << 8 | 1 << 15), 1 << 4 | 1 << 8 | 1 << 15, "TSC, CX8, CMOV")
        XCTAssertEqual(d1 & (1 << 11), 1 << 11, "SEP: SYSENTER/SYSEXIT")
        XCTAssertEqual(d1 & (1 << 3 | 1 << 5 | 1 << 6 | 1 << 12 | 1 << 13 | 1 << 16),
                       1 << 3 | 1 << 5 | 1 << 6 | 1 << 12 | 1 << 13 | 1 << 16, "PSE, MSR, PAE, MTRR, PGE, PAT (paging, MSRs)")
        XCTAssertEqual(c1, 1 << 0 | 1 << 13 | 1 << 17 | 1 << 22 | 1 << 23 | 1 << 9 | 1 << 19 | 1 << 20, "SSE3, CX16, PCID, MOVBE, POPCNT, SSSE3, SSE4.1, SSE4.2")
        let (_, b7, c7, d7) = cpuid(7)
        XCTAssertEqual([b7, c7, d7], [1 << 10, 0, 0], "INVPCID only; no BMI1/BMI2: VEX is not decoded")
        let (_, _, ce, de) = cpuid(0x8000_0001)
        XCTAssertEqual(de & (1 << 29), 1 << 29, "LM")
        XCTAssertEqual(de & (1 << 27), 1 << 27, "RDTSCP")
        XCTAssertEqual(de & (1 << 11), 1 << 11, "SYSCALL/SYSRET")
        XCTAssertEqual(de & (1 << 20 | 1 << 26), 1 << 20 | 1 << 26, "NX, Page1GB (MMU/Paging.swift)")
        XCTAssertEqual(ce & 0x21, 0x21, "LahfSahf, ABM")
    }

    func testCPUIDBrandStringAndAddressSizes() {
        var words: [UInt64] = []
        for leaf in UInt32(0x8000_0002)...0x8000_0004 {
            let (a, b, c, d) = cpuid(leaf)
            words += [a, b, c, d]
        }
        XCTAssertEqual(string(words), "Orrery virtual CPU")
        XCTAssertEqual(cpuid(0x8000_0008).0, 0x3030)
    }

    func testCPUIDUnknownLeavesAreZeroAndUpperHalvesCleared() {
        for leaf: UInt32 in [2, 5, 8, 0x4000_0000, 0x8000_0005, 0x8000_0009, 0xFFFF_FFFF] {
            let r = cpuid(leaf)
            XCTAssertEqual([r.0, r.1, r.2, r.3], [0, 0, 0, 0], "leaf \(String(leaf, radix: 16))")
        }
        XCTAssertEqual(cpuid(7, 1).0, 0)
    }

    func testCPUIDTableMatchesModel() {
        let m = CPUIDModel.reference
        let table = m.table()
        var leaves: [UInt32] = Array(0...9) + Array(0x8000_0000...0x8000_000A)
        leaves.append(0x4000_0000)
        for leaf in leaves {
            for sub: UInt32 in [0, 1] {
                XCTAssertEqual(table.lookup(leaf: leaf, subleaf: sub), m.query(leaf: leaf, subleaf: sub),
                               "leaf \(String(leaf, radix: 16)).\(sub)")
            }
        }
    }

    /// Every advertised bit must be backed by an implemented instruction: its probe executes
    /// without #UD (an unimplemented handler raises #UD), and no bit is set that the feature
    /// table does not list.
    func testEveryAdvertisedFeatureIsImplemented() {
        let m = CPUIDModel.reference
        for f in m.features {
            let t = TestCPU(f.probe)
            let r = t.run()
            XCTAssertEqual(r, .budgetExhausted, "\(f.name): probe \(f.probe.map { String($0, radix: 16) }) -> \(r)")
            let q = m.query(leaf: f.leaf, subleaf: 0)
            let reg: UInt32
            switch f.register { case .ebx: reg = q.ebx; case .ecx: reg = q.ecx; case .edx: reg = q.edx }
            XCTAssertNotEqual(reg & (1 << f.bit), 0, "\(f.name) is reported")
        }
        // No stray bits: each feature register equals the union of its listed features.
        let featureRegisters: [(UInt32, CPUIDFeature.Register)] = [
            (1, .ecx), (1, .edx), (7, .ebx), (7, .ecx), (7, .edx),
            (0x8000_0001, .ecx), (0x8000_0001, .edx), (0x8000_0007, .edx)]
        for (leaf, reg) in featureRegisters {
            let q = m.query(leaf: leaf, subleaf: 0)
            let value: UInt32
            switch reg { case .ebx: value = q.ebx; case .ecx: value = q.ecx; case .edx: value = q.edx }
            XCTAssertEqual(value, m.featureBits(leaf: leaf, register: reg), "leaf \(String(leaf, radix: 16))")
        }
    }

    /// Features whose instructions are checked against the host CPU: each advertised one must
    /// name harness families that exist (and run in CI with every family).
    func testAdvertisedSIMDFeaturesHaveHarnessCoverage() {
        let coverage: [String: [String]] = [
            "SSE": ["sse-move", "sse-logic", "sse-fp-arith", "sse-fp-cmp", "sse-fp-cvt", "sse-fp-rcp"],
            "SSE2": ["sse-move", "sse-logic", "sse-int", "sse-fp-arith", "sse-fp-cmp", "sse-fp-cvt"],
            "SSE3": ["sse3", "sse3-fp", "x87-move"],
            "SSSE3": ["ssse3", "ssse3-mmx"],
            "SSE4.1": ["sse41", "sse41-gpr", "sse41-fp"],
            "SSE4.2": ["sse42", "pcmpstr"],
            "FPU": ["x87-move", "x87-compare", "x87-control", "x87-arith", "x87-special", "x87-transc",
                    "x87-move32", "x87-control32", "x87-arith32", "x87-compare32"],
            "FXSR": ["x87-control", "x87-control32"],
            "MMX": ["mmx", "mmx32"],
        ]
        let names = Set(Families.all.map(\.name))
        let simd: Set<String> = ["SSE", "SSE2", "SSE3", "SSSE3", "SSE4.1", "SSE4.2", "AVX", "FXSR", "MMX", "FPU"]
        for f in CPUIDModel.reference.features where simd.contains(f.name) {
            guard let families = coverage[f.name] else { XCTFail("\(f.name) advertised without harness coverage"); continue }
            for fam in families { XCTAssertTrue(names.contains(fam), "\(f.name): family \(fam) missing") }
        }
        XCTAssertEqual(cpuid(1).3 & (1 << 25 | 1 << 26), 1 << 25 | 1 << 26, "SSE, SSE2")
    }

    // MARK: TSC

    func testRDTSCCountsRetiredInstructions() {
        // clc; clc; clc; rdtsc; rdtsc  -- one block: RDTSC must see its index within it.
        let t = TestCPU([0xF8, 0xF8, 0xF8, 0x0F, 0x31, 0x0F, 0x31])
        t[Reg.rax] = ~0
        t[Reg.rdx] = ~0
        t.run(4)
        XCTAssertEqual(t[Reg.rax], 3)
        XCTAssertEqual(t[Reg.rdx], 0, "upper halves cleared")
        t.run()
        XCTAssertEqual(t[Reg.rax], 4, "new block, count carried over")
    }

    func testRDTSCAddsOffsetAndSplitsEDXEAX() {
        let t = TestCPU([0xF8, 0x0F, 0x31])
        t.state.pointee.tscOffset = 0x1_FFFF_FFFF
        t.state.pointee.instructionsRetired = 100
        t.run(2)
        let tsc: UInt64 = 0x1_FFFF_FFFF + 101
        XCTAssertEqual(t[Reg.rax], tsc & 0xFFFF_FFFF)
        XCTAssertEqual(t[Reg.rdx], tsc >> 32)
        XCTAssertEqual(t.state.pointee.instructionsRetired, 102)
    }

    func testRDTSCPReturnsTSCAux() {
        let t = TestCPU([0x0F, 0x01, 0xF9])
        t.state.pointee.tscAux = 0xDEAD_BEEF_0000_0007
        t[Reg.rcx] = ~0
        t.run()
        XCTAssertEqual(t[Reg.rcx], 7)
        XCTAssertEqual(t[Reg.rax], 0)
    }

    func testRDTSCWithTSDAtUserLevelFaults() {
        let t = TestCPU([0x0F, 0x31])
        t.state.pointee.cr4 |= 0x4
        t.state.pointee.cpl = 3
        XCTAssertEqual(t.run(), .exception(.gp(0), rip: code))
    }

    // MARK: HLT, INT, UD

    func testHltStopsAfterTheInstruction() {
        let t = TestCPU([0xF8, 0xF4, 0xF9])
        XCTAssertEqual(t.run(10), .halted)
        XCTAssertEqual(t[Reg.rip], code + 2)
        XCTAssertEqual(t.state.pointee.instructionsRetired, 2)
        XCTAssertTrue(t.state.pointee.halted)
    }

    func testInt3IsATrapReportedAfterTheInstruction() {
        let t = TestCPU([0xF8, 0xCC, 0xF9])
        XCTAssertEqual(t.run(10), .exception(.bp, rip: code + 2))
        XCTAssertEqual(t[Reg.rip], code + 2)
        XCTAssertEqual(t.state.pointee.instructionsRetired, 2, "INT3 retires")
    }

    func testIntNReportsItsVector() {
        let t = TestCPU([0xCD, 0x80])
        let r = t.run()
        XCTAssertEqual(r, .exception(.softwareInterrupt(0x80), rip: code + 2))
        if case let .exception(f, _) = r {
            XCTAssertEqual(f.vector.rawValue, 0x80)
            XCTAssertTrue(f.isTrap)
        }
    }

    func testIntoIn32BitMode() {
        let t = TestCPU([0xCE, 0xCE], mode: .protected32)
        XCTAssertEqual(t.run(), .budgetExhausted, "OF clear: nothing")
        t.setFlags(Flag.of)
        XCTAssertEqual(t.run(), .exception(CPUFault(.overflow, trap: true), rip: code + 2))
        XCTAssertEqual(TestCPU([0xCE]).run(), .exception(.ud, rip: code), "#UD in 64-bit mode")
    }

    func testUD2AndUD1AreFaults() {
        XCTAssertEqual(TestCPU([0x0F, 0x0B]).run(), .exception(.ud, rip: code))
        XCTAssertEqual(TestCPU([0x0F, 0xB9, 0xC0]).run(), .exception(.ud, rip: code))
        let t = TestCPU([0xF8, 0x0F, 0x0B])
        XCTAssertEqual(t.run(5), .exception(.ud, rip: code + 1))
        XCTAssertEqual(t.state.pointee.instructionsRetired, 1)
    }

    // MARK: port I/O

    func testInMergesLikeRegisterWrites() throws {
        let dev = RecordingPortDevice()
        // in al, 0x60; in ax, dx; in eax, dx
        let t = TestCPU([0xE4, 0x60, 0x66, 0xED, 0xED])
        try t.state.pointee.memory.ports.map(dev, at: 0x60, length: 1, name: "kbd")
        try t.state.pointee.memory.ports.map(dev, at: 0x3F8, length: 8, name: "uart")
        t[Reg.rax] = 0xAAAA_AAAA_AAAA_AAAA
        t[Reg.rdx] = 0xFFFF_0000_0000_03F8
        t.run()
        XCTAssertEqual(t[Reg.rax], 0xAAAA_AAAA_AAAA_AA11)
        t.run()
        XCTAssertEqual(t[Reg.rax], 0xAAAA_AAAA_AAAA_2211)
        t.run()
        XCTAssertEqual(t[Reg.rax], 0x4433_2211, "IN EAX zero-extends")
        XCTAssertEqual(dev.reads.map { $0.size }, [1, 2, 4])
        XCTAssertEqual(dev.reads.map { $0.offset }, [0, 0, 0])
    }

    func testOutWritesAndEndsTheBlockSoADeviceCanStopTheMachine() throws {
        let dev = RecordingPortDevice()
        // mov-free: out 0xf4, al; stc; stc
        let t = TestCPU([0xE6, 0xF4, 0xF9, 0xF9])
        try t.state.pointee.memory.ports.map(dev, at: 0xF4, length: 4, name: "debug-exit")
        let state = t.state
        dev.onWrite = { state.pointee.stopRequested = true }
        t[Reg.rax] = 0x1234_5642
        XCTAssertEqual(t.run(10), .stopRequested)
        XCTAssertEqual(t[Reg.rip], code + 2, "stopped right after OUT")
        XCTAssertEqual(dev.writes.count, 1)
        XCTAssertEqual(dev.writes.first?.value, 0x42)
        XCTAssertEqual(dev.writes.first?.size, 1)
    }

    func testOutDXWidths() throws {
        let dev = RecordingPortDevice()
        // out dx, ax; out dx, eax; rex.w out dx, eax (still 32 bits)
        let t = TestCPU([0x66, 0xEF, 0xEF, 0x48, 0xEF])
        try t.state.pointee.memory.ports.map(dev, at: 0x500, length: 4, name: "test")
        t[Reg.rdx] = 0x502
        t[Reg.rax] = 0x1122_3344_5566_7788
        t.run(3)
        XCTAssertEqual(dev.writes.map { $0.size }, [2, 4, 4])
        XCTAssertEqual(dev.writes.map { $0.value }, [0x7788, 0x5566_7788, 0x5566_7788])
        XCTAssertEqual(dev.writes.map { $0.offset }, [2, 2, 2])
    }

    func testIOAboveIOPLRaisesGP() {
        let t = TestCPU([0xEC])
        t.state.pointee.cpl = 3
        XCTAssertEqual(t.run(), .exception(.gp(0), rip: code))
    }
}
