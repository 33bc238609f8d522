// Tests of the CPU vendor model (Emulator/X86/CPUVendor.swift): CPUID identity and the
// instructions whose rules differ between Intel (SDM) and AMD (APM), run on both models with the
// same bytes. The Intel long-mode transfers are also checked against QEMU by the roms/tests
// guest cpu-intel; these cover what QEMU 7.2 does not model by vendor (SYSCALL/SYSRET legality,
// SYSRET's canonical check, code breakpoints after MOV SS) and the AMD side of each rule.
// Non-canonical descriptor-table bases (kvm-unit-tests la57) are vendor-independent.

import XCTest
import EmulatorCore
@testable import X86

final class CPUVendorTests: XCTestCase {
    func machine(_ code: [UInt8], _ vendor: CPUVendor) -> SystemMachine {
        let m = SystemMachine(code)
        m.t.cpu.deliversExceptions = false
        m.state.pointee.vendor = vendor
        return m
    }

    func cpuid(_ m: SystemMachine, _ leaf: UInt32, _ subleaf: UInt32 = 0) -> CPUIDResult {
        let t = TestCPU([0x0F, 0xA2])
        t.state.pointee.vendor = m.state.pointee.vendor
        t[Reg.rax] = UInt64(leaf); t[Reg.rcx] = UInt64(subleaf)
        t.run(1)
        return CPUIDResult(UInt32(t[Reg.rax]), UInt32(t[Reg.rbx]), UInt32(t[Reg.rcx]), UInt32(t[Reg.rdx]))
    }

    func ascii(_ words: [UInt32]) -> String {
        String(decoding: words.flatMap { w in (0..<4).map { UInt8(truncatingIfNeeded: w >> ($0 * 8)) } }, as: UTF8.self)
    }

    // MARK: CPUID

    func testCPUIDIdentityPerVendor() {
        let intel = machine([], .intel), amd = machine([], .amd)
        let i0 = cpuid(intel, 0), a0 = cpuid(amd, 0)
        XCTAssertEqual(ascii([i0.ebx, i0.edx, i0.ecx]), "GenuineIntel")
        XCTAssertEqual(ascii([a0.ebx, a0.edx, a0.ecx]), "AuthenticAMD")
        // Leaf 1 EAX (SDM Figure 3-6): stepping 8, model 0Fh + extended model 8, family 6.
        XCTAssertEqual(cpuid(intel, 1).eax, 0x0008_06F8)
        // Intel: 0x80000000 carries no vendor string; 0x80000001 EAX is reserved (0) and EDX
        // has LM (29), NX (20) but not AMD's mirror of leaf 1 (FPU, bit 0).
        let e0 = cpuid(intel, 0x8000_0000)
        XCTAssertEqual([e0.ebx, e0.ecx, e0.edx], [0, 0, 0])
        XCTAssertEqual(e0.eax, 0x8000_0008)
        let e1 = cpuid(intel, 0x8000_0001), a1 = cpuid(amd, 0x8000_0001)
        XCTAssertEqual(e1.eax, 0)
        XCTAssertEqual(e1.edx & (1 << 0), 0)
        XCTAssertNotEqual(e1.edx & (1 << 29), 0)
        XCTAssertNotEqual(e1.edx & (1 << 20), 0)
        XCTAssertNotEqual(a1.edx & (1 << 0), 0)
        // Same implemented features in leaf 1 on both models.
        XCTAssertEqual(cpuid(intel, 1).ecx, cpuid(amd, 1).ecx)
        XCTAssertEqual(cpuid(intel, 1).edx, cpuid(amd, 1).edx)
        // Brand string.
        let brand = (0x8000_0002...0x8000_0004).flatMap { l -> [UInt32] in
            let r = cpuid(intel, UInt32(l)); return [r.eax, r.ebx, r.ecx, r.edx]
        }
        XCTAssertTrue(ascii(brand).hasPrefix("Orrery virtual CPU (Intel model)"))
        // Out of range: Intel repeats the highest basic leaf (7), AMD returns zeros.
        XCTAssertEqual(cpuid(intel, 0x20), cpuid(intel, 7))
        XCTAssertEqual(cpuid(intel, 0x8000_0020), cpuid(intel, 7))
        XCTAssertEqual(cpuid(amd, 0x20), .zero)
    }

    func testCPUIDTableMatchesIntelModel() {
        let m = CPUIDModel.intel, t = CPUIDTable.intel
        for leaf: UInt32 in [0, 1, 2, 4, 7, 8, 0xB, 0x20, 0x4000_0000, 0x8000_0000, 0x8000_0001, 0x8000_0002,
                             0x8000_0003, 0x8000_0004, 0x8000_0005, 0x8000_0007, 0x8000_0008, 0x8000_0009] {
            for sub: UInt32 in [0, 1] {
                XCTAssertEqual(t.lookup(leaf: leaf, subleaf: sub), m.query(leaf: leaf, subleaf: sub), "leaf \(leaf) sub \(sub)")
            }
        }
    }

    /// The two Intel MSRs Linux touches with plain RDMSR/WRMSR on an Intel family 6 CPU (its
    /// early microcode code; before these it logged "unchecked MSR access error" on --cpu intel).
    func testIntelMicrocodeMSRs() {
        // xor eax,eax ; xor edx,edx ; mov ecx,0x8b ; wrmsr ; mov ecx,0x17 ; rdmsr
        let code: [UInt8] = [0x31, 0xC0, 0x31, 0xD2, 0xB9, 0x8B, 0x00, 0x00, 0x00, 0x0F, 0x30,
                             0xB9, 0x17, 0x00, 0x00, 0x00, 0x0F, 0x32]
        let i = machine(code, .intel)
        i.t[Reg.rax] = 0xFFFF
        XCTAssertEqual(i.t.run(6), .budgetExhausted)
        XCTAssertEqual(i.t[Reg.rax], 0)
        XCTAssertEqual(i.t[Reg.rdx], 0)
        // AMD has no IA32_PLATFORM_ID, and its patch-level MSR 8Bh is read-only.
        let a = machine(code, .amd)
        XCTAssertEqual(a.t.run(4), .exception(.gp(0), rip: 0x1009))
        let r = machine([0xB9, 0x17, 0x00, 0x00, 0x00, 0x0F, 0x32], .amd)
        XCTAssertEqual(r.t.run(2), .exception(.gp(0), rip: 0x1005))
    }

    // MARK: far JMP/CALL through memory with REX.W

    /// [0x5000]: dword 0x3000, word 0x08, word 0, word 0x08: as m16:32 the pointer is
    /// 0x08:0x3000; as m16:64 it is 0x08:0x0000_0008_0000_3000.
    func farPointer(_ m: SystemMachine) {
        m.write64(0x5000, 0x0000_0008_0000_3000)
        m.write16(0x5008, 0x08)
    }

    func testRexWFarJumpReadsM16_64OnIntelAndM16_32OnAMD() {
        let code: [UInt8] = [0x48, 0xFF, 0x2C, 0x25, 0x00, 0x50, 0x00, 0x00]  // rex.w jmp far [0x5000]
        let i = machine(code, .intel); farPointer(i)
        i.t.run(1)
        XCTAssertEqual(i.state.pointee.rip, 0x0000_0008_0000_3000)
        XCTAssertEqual(i.state.pointee.moveSelector(Seg.cs), 0x08)
        let a = machine(code, .amd); farPointer(a)
        a.t.run(1)
        XCTAssertEqual(a.state.pointee.rip, 0x3000)
        XCTAssertEqual(a.state.pointee.moveSelector(Seg.cs), 0x08)
    }

    func testRexWFarCallPushesEightByteSlotsOnIntel() {
        let code: [UInt8] = [0x48, 0xFF, 0x1C, 0x25, 0x00, 0x50, 0x00, 0x00]  // rex.w call far [0x5000]
        let i = machine(code, .intel); farPointer(i)
        i.t.run(1)
        XCTAssertEqual(i.state.pointee.rip, 0x0000_0008_0000_3000)
        XCTAssertEqual(i.t[Reg.rsp], 0x80000 - 16)
        XCTAssertEqual(i.frame(2), [0x1008, 0x08])
        let a = machine(code, .amd); farPointer(a)
        a.t.run(1)
        XCTAssertEqual(a.state.pointee.rip, 0x3000)
        XCTAssertEqual(a.t[Reg.rsp], 0x80000 - 8, "m16:32: two 4-byte slots")
    }

    // MARK: SYSENTER/SYSEXIT in long mode

    func testSysenterIn64BitModeIsIntelOnly() {
        let a = machine([0x0F, 0x34], .amd)
        a.state.pointee.system.sysenterCS = 0x08
        XCTAssertEqual(a.t.run(1), .exception(.ud, rip: 0x1000))
        let i = machine([0x0F, 0x34], .intel)
        i.state.pointee.system.sysenterCS = 0x08
        i.state.pointee.system.sysenterESP = 0x0000_0001_0000_8000
        i.state.pointee.system.sysenterEIP = 0x0000_0001_0000_3000
        i.state.pointee.rflags = 0x202
        i.enterUser()
        i.t.run(1)
        // 64-bit target (CS.L = 1) at the full 64-bit EIP/ESP, CPL 0, IF clear.
        XCTAssertEqual(i.state.pointee.rip, 0x0000_0001_0000_3000)
        XCTAssertEqual(i.t[Reg.rsp], 0x0000_0001_0000_8000)
        XCTAssertEqual(i.state.pointee.mode, .long64)
        XCTAssertEqual(i.state.pointee.cpl, 0)
        XCTAssertEqual(i.state.pointee.moveSelector(Seg.cs), 0x08)
        XCTAssertEqual(i.state.pointee.moveSelector(Seg.ss), 0x10)
        XCTAssertEqual(i.state.pointee.rflags & Flag.if, 0)
        // SYSENTER_CS = 0: #GP(0).
        let z = machine([0x0F, 0x34], .intel)
        XCTAssertEqual(z.t.run(1), .exception(.gp(0), rip: 0x1000))
    }

    func testSysexitIn64BitModeIsIntelOnly() {
        let a = machine([0x48, 0x0F, 0x35], .amd)
        a.state.pointee.system.sysenterCS = 0x08
        XCTAssertEqual(a.t.run(1), .exception(.ud, rip: 0x1000))
        // REX.W: 64-bit ring 3, CS = +32, SS = +40.
        let i = machine([0x48, 0x0F, 0x35], .intel)
        i.state.pointee.system.sysenterCS = 0x08
        i.t[Reg.rdx] = 0x0000_7FFF_0000_1000
        i.t[Reg.rcx] = 0x0000_7FFF_0000_8000
        i.t.run(1)
        XCTAssertEqual(i.state.pointee.rip, 0x0000_7FFF_0000_1000)
        XCTAssertEqual(i.t[Reg.rsp], 0x0000_7FFF_0000_8000)
        XCTAssertEqual(i.state.pointee.cpl, 3)
        XCTAssertEqual(i.state.pointee.mode, .long64)
        XCTAssertEqual(i.state.pointee.moveSelector(Seg.cs), 0x2B)
        XCTAssertEqual(i.state.pointee.moveSelector(Seg.ss), 0x33)
        // No REX.W: compatibility mode, CS = +16, SS = +24, 32-bit EIP/ESP.
        let c = machine([0x0F, 0x35], .intel)
        c.state.pointee.system.sysenterCS = 0x08
        c.t[Reg.rdx] = 0x1_0000_2000
        c.t[Reg.rcx] = 0x1_0000_9000
        c.t.run(1)
        XCTAssertEqual(c.state.pointee.rip, 0x2000)
        XCTAssertEqual(c.t[Reg.rsp], 0x9000)
        XCTAssertEqual(c.state.pointee.mode, .protected32)
        XCTAssertEqual(c.state.pointee.moveSelector(Seg.cs), 0x1B)
        XCTAssertEqual(c.state.pointee.moveSelector(Seg.ss), 0x23)
        // REX.W with a non-canonical RDX: #GP(0), still at CPL 0.
        let n = machine([0x48, 0x0F, 0x35], .intel)
        n.state.pointee.system.sysenterCS = 0x08
        n.t[Reg.rdx] = 0x8000_0000_0000_0000
        XCTAssertEqual(n.t.run(1), .exception(.gp(0), rip: 0x1000))
        XCTAssertEqual(n.state.pointee.cpl, 0)
    }

    // MARK: SYSCALL/SYSRET outside 64-bit mode

    /// Puts the CPU in compatibility mode at CPL 3 (32-bit user code 0x1B).
    func enterCompatibilityUser(_ m: SystemMachine) {
        m.state.pointee.moveSetSelector(Seg.cs, SystemMachine.user32CS)
        m.state.pointee.system.setAttributes(Seg.cs, 0xCFB)
        m.state.pointee.mode = .protected32
        m.state.pointee.cpl = 3
    }

    func testSyscallInCompatibilityModeIsAMDOnly() {
        for vendor in CPUVendor.allCases {
            let m = machine([0x0F, 0x05], vendor)
            m.state.pointee.efer |= 1                  // SCE
            m.state.pointee.system.star = 0x0018_0008_0000_0000
            m.state.pointee.system.cstar = 0x3000
            enterCompatibilityUser(m)
            let stop = m.t.run(1)
            if vendor == .intel {
                // SDM SYSCALL: IF (CS.L != 1) ... THEN #UD.
                XCTAssertEqual(stop, .exception(.ud, rip: 0x1000))
                XCTAssertEqual(m.state.pointee.cpl, 3)
            } else {
                // APM SYSCALL: from compatibility mode to CSTAR in 64-bit mode.
                XCTAssertEqual(m.state.pointee.rip, 0x3000)
                XCTAssertEqual(m.state.pointee.cpl, 0)
                XCTAssertEqual(m.state.pointee.mode, .long64)
            }
        }
    }

    func testSysretOutside64BitModeAndNonCanonicalRCX() {
        // SYSRET from compatibility mode (CPL 0): #UD on Intel; AMD returns to 32-bit ring 3.
        for vendor in CPUVendor.allCases {
            let m = machine([0x0F, 0x07], vendor)
            m.state.pointee.efer |= 1
            m.state.pointee.system.star = 0x0018_0008_0000_0000
            m.state.pointee.system.setAttributes(Seg.cs, 0xC9B)
            m.state.pointee.mode = .protected32
            m.t[Reg.rcx] = 0x2000
            let stop = m.t.run(1)
            if vendor == .intel { XCTAssertEqual(stop, .exception(.ud, rip: 0x1000)) }
            else { XCTAssertEqual(m.state.pointee.rip, 0x2000); XCTAssertEqual(m.state.pointee.cpl, 3) }
        }
        // SYSRETQ to a non-canonical RCX: Intel #GP(0) at CPL 0; AMD loads it (faults later, at CPL 3).
        for vendor in CPUVendor.allCases {
            let m = machine([0x48, 0x0F, 0x07], vendor)
            m.state.pointee.efer |= 1
            m.state.pointee.system.star = 0x0018_0008_0000_0000
            m.t[Reg.rcx] = 0x8000_0000_0000_1000
            let stop = m.t.run(1)
            if vendor == .intel {
                XCTAssertEqual(stop, .exception(.gp(0), rip: 0x1000))
                XCTAssertEqual(m.state.pointee.cpl, 0)
            } else {
                XCTAssertEqual(m.state.pointee.cpl, 3)
            }
        }
    }

    // MARK: code breakpoint after MOV SS

    func testCodeBreakpointAfterMovSSIsSuppressedOnIntelOnly() {
        // mov ax, 0x10 ; mov ss, ax ; nop (breakpoint 0 on the NOP) ; nop
        let code: [UInt8] = [0x66, 0xB8, 0x10, 0x00, 0x8E, 0xD0, 0x90, 0x90]
        for vendor in CPUVendor.allCases {
            let m = SystemMachine(code)
            m.state.pointee.vendor = vendor
            m.gate(1, handler: 0x3000)
            m.code([0x90], at: 0x3000)
            m.state.pointee.msr.setDebugRegister(0, 0x1006)
            m.state.pointee.msr.setDebugRegister(7, 0x401)   // L0, execute, length 1
            m.t.run(3)
            if vendor == .intel {
                XCTAssertEqual(m.state.pointee.rip, 0x1007, "the NOP ran: no #DB in the MOV SS shadow")
            } else {
                XCTAssertEqual(m.frame(1).first, 0x1006, "#DB before the NOP (fault: RIP at it)")
            }
        }
    }

    // MARK: non-canonical descriptor-table bases (both vendors; kvm-unit-tests la57)

    func testLGDTAndLIDTWithNonCanonicalBaseRaiseGP() {
        for (op, name) in [(UInt8(0x14), "lgdt"), (UInt8(0x1C), "lidt")] {
            let m = machine([0x0F, 0x01, op, 0x25, 0x00, 0x50, 0x00, 0x00], .intel)
            m.write16(0x5000, 0x7F)
            m.write64(0x5002, 0x0000_8000_0000_0000)
            XCTAssertEqual(m.t.run(1), .exception(.gp(0), rip: 0x1000), name)
            XCTAssertEqual(m.state.pointee.system.gdtBase, SystemMachine.gdt)
            XCTAssertEqual(m.state.pointee.system.idtBase, SystemMachine.idt)
            // A canonical upper-half base is accepted.
            let ok = machine([0x0F, 0x01, op, 0x25, 0x00, 0x50, 0x00, 0x00], .amd)
            ok.write16(0x5000, 0x7F)
            ok.write64(0x5002, 0xFFFF_8000_0000_0000)
            XCTAssertEqual(ok.t.run(1), .budgetExhausted, name)
        }
    }

    func testLTRAndLLDTWithNonCanonicalBaseRaiseGPSelector() {
        // TSS at 0x30 (SystemMachine's), its base bits 63:32 made non-canonical.
        let t = machine([0x66, 0xB8, 0x30, 0x00, 0x0F, 0x00, 0xD8], .amd)
        t.state.pointee.system.trSelector = 0
        t.write64(SystemMachine.gdt + 0x38, 0x0000_8000)
        t.t.run(1)
        XCTAssertEqual(t.t.run(1), .exception(.gp(0x30), rip: 0x1004))
        XCTAssertEqual(t.read64(SystemMachine.gdt + 0x30) >> 40 & 0xF, 0x9, "still available: not marked busy")
        XCTAssertEqual(t.state.pointee.system.trSelector, 0)
        // LDT descriptor at 0x40 (16 bytes): type 2, present, base 0x0000_8000_0000_4000.
        let l = machine([0x66, 0xB8, 0x40, 0x00, 0x0F, 0x00, 0xD0], .intel)
        l.state.pointee.system.gdtLimit = 0x4F
        l.write64(SystemMachine.gdt + 0x40, 0x0000_8200_4000_00FF)
        l.write64(SystemMachine.gdt + 0x48, 0x0000_8000)
        l.t.run(1)
        XCTAssertEqual(l.t.run(1), .exception(.gp(0x40), rip: 0x1004))
        // The same descriptor with a canonical base loads.
        let c = machine([0x66, 0xB8, 0x40, 0x00, 0x0F, 0x00, 0xD0], .intel)
        c.state.pointee.system.gdtLimit = 0x4F
        c.write64(SystemMachine.gdt + 0x40, 0x0000_8200_4000_00FF)
        c.write64(SystemMachine.gdt + 0x48, 0)
        c.t.run(2)
        XCTAssertEqual(c.state.pointee.system.ldtSelector, 0x40)
        XCTAssertEqual(c.state.pointee.system.ldtBase, 0x4000)
    }
}
