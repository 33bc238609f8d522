// Layer: X86 (CPU model), instruction handlers: the fast system calls. SYSCALL/SYSRET (0F 05 /
// 0F 07; AMD APM vol. 3 "SYSCALL", "SYSRET") and SYSENTER/SYSEXIT (0F 34 / 0F 35). They load
// CS and SS from MSRs *without* reading the GDT: the hidden parts are set to fixed flat values
// (base 0, limit 4 GiB), which is the whole point of these instructions.
//
// MSRs (kept in CPUState.system; "mmu"'s MSRs.swift reads and writes them):
//   STAR: [31:0] legacy SYSCALL EIP, [47:32] SYSCALL CS (SS = +8), [63:48] SYSRET CS base
//   (32-bit CS = base, SS = base + 8, 64-bit CS = base + 16).  LSTAR/CSTAR: SYSCALL RIP from
//   64-bit / compatibility mode.  SFMASK: RFLAGS bits SYSCALL clears.
//   SYSENTER_CS/ESP/EIP: SYSENTER CS (SS = +8), ESP, EIP; SYSEXIT CS = +16, SS = +24 (32-bit).
// Vendor rules (CPUVendor.swift; `cpu.pointee.vendor`, read only here on these slow paths):
// - AMD (the reference CPU; APM vol. 3 "SYSENTER", "SYSEXIT"): SYSENTER and SYSEXIT are #UD in
//   long mode (64-bit and compatibility mode). Intel (SDM vol. 2B "SYSENTER", "SYSEXIT"): legal
//   there; SYSENTER enters 64-bit code (CS.L = 1) at the full 64-bit SYSENTER_EIP/ESP, and
//   SYSEXIT with REX.W returns to 64-bit code (CS = SYSENTER_CS + 32, SS = + 40; RCX and RDX
//   must be canonical, else #GP(0)).
// - Intel (SDM "SYSCALL", "SYSRET": "IF (CS.L != 1) or (IA32_EFER.LMA != 1) ... THEN #UD"):
//   SYSCALL and SYSRET exist only in 64-bit mode; AMD also runs them in legacy and
//   compatibility mode. SYSRET to 64-bit code with a non-canonical RCX: #GP(0) at CPL 0 on
//   Intel; AMD does not check (the fault happens at the target, at CPL 3).
// - Both: SYSENTER and SYSEXIT in real mode (CR0.PE = 0) are #GP(0).

enum FastSystemCallOps {
    /// Flat hidden attributes: 64-bit code, 32-bit code, writable data (P, S, G; DPL added).
    static let code64: UInt16 = 0xA9B, code32: UInt16 = 0xC9B, data: UInt16 = 0xC93

    @inline(__always) static func loadFlat(_ cpu: CPU, cs: UInt16, csAttributes: UInt16, ss: UInt16, cpl: UInt8) {
        let dpl = UInt16(cpl) << 5
        cpu.commitSegment(Seg.cs, selector: cs, base: 0, limit: 0xFFFF_FFFF, attributes: csAttributes | dpl)
        cpu.commitSegment(Seg.ss, selector: ss, base: 0, limit: 0xFFFF_FFFF, attributes: data | dpl)
        cpu.pointee.cpl = cpl
        cpu.pointee.mode = cpu.modeForCS(csAttributes)
    }

    @inline(__always) static var sceMask: UInt64 { 1 }  // EFER.SCE

    /// 0F 05 SYSCALL.
    static func syscall(_ cpu: CPU, _ i: Instr) { do { try syscallBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func syscallBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        if cpu.pointee.efer & sceMask == 0 { throw .ud }
        if cpu.pointee.vendor == .intel && cpu.pointee.mode != .long64 { throw .ud }
        let star = cpu.pointee.system.star
        let cs = UInt16(truncatingIfNeeded: star >> 32) & 0xFFFC
        let next = i.pointee.nextRIP
        let flags = cpu.pointee.rflags
        if cpu.longModeActive {
            let target = cpu.pointee.mode == .long64 ? cpu.pointee.system.lstar : cpu.pointee.system.cstar
            cpu.setGPR(Reg.rcx, next)
            cpu.setGPR(Reg.r11, flags & ~Flag.rf)
            loadFlat(cpu, cs: cs, csAttributes: code64, ss: cs &+ 8, cpl: 0)
            cpu.pointee.rflags = flags & ~(cpu.pointee.system.sfmask | Flag.rf)
            cpu.pointee.rip = target
        } else {
            cpu.setGPR(Reg.rcx, next & 0xFFFF_FFFF)
            loadFlat(cpu, cs: cs, csAttributes: code32, ss: cs &+ 8, cpl: 0)
            cpu.pointee.rflags = flags & ~(Flag.vm | Flag.if | Flag.rf)
            cpu.pointee.rip = star & 0xFFFF_FFFF
        }
    }

    /// 0F 07 SYSRET (REX.W: return to 64-bit code).
    static func sysret(_ cpu: CPU, _ i: Instr) { do { try sysretBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func sysretBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        if cpu.pointee.efer & sceMask == 0 { throw .ud }
        let intel = cpu.pointee.vendor == .intel
        if intel && cpu.pointee.mode != .long64 { throw .ud }
        if cpu.pointee.cpl != 0 { throw .gp(0) }
        let base = UInt16(truncatingIfNeeded: cpu.pointee.system.star >> 48)
        let rcx = cpu.gpr(Reg.rcx)
        if intel && i.pointee.operandSize == 8 && !CPU.canonical(rcx) { throw .gp(0) }
        if cpu.longModeActive {
            let flags = (cpu.gpr(Reg.r11) & ~(Flag.rf | Flag.vm)) | Flag.reserved1
            if i.pointee.operandSize == 8 {
                loadFlat(cpu, cs: (base &+ 16) | 3, csAttributes: code64, ss: (base &+ 8) | 3, cpl: 3)
                cpu.pointee.rip = rcx
            } else {
                loadFlat(cpu, cs: base | 3, csAttributes: code32, ss: (base &+ 8) | 3, cpl: 3)
                cpu.pointee.rip = rcx & 0xFFFF_FFFF
            }
            cpu.pointee.rflags = flags
            // TF from R11 single-steps at once: #DB right after SYSRET (Execution/Debug.swift).
            cpu.pointee.system.singleStepAfterReturn = flags & Flag.tf != 0
        } else {
            loadFlat(cpu, cs: base | 3, csAttributes: code32, ss: (base &+ 8) | 3, cpl: 3)
            cpu.pointee.rflags = cpu.pointee.rflags | Flag.if
            cpu.pointee.rip = rcx & 0xFFFF_FFFF
        }
    }

    /// 0F 34 SYSENTER (legacy protected mode only on AMD; also long mode on Intel).
    static func sysenter(_ cpu: CPU, _ i: Instr) { do { try sysenterBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func sysenterBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        let long = cpu.longModeActive
        if long && cpu.pointee.vendor != .intel { throw .ud }
        if cpu.pointee.realMode { throw .gp(0) }
        let cs = UInt16(truncatingIfNeeded: cpu.pointee.system.sysenterCS) & 0xFFFC
        if cs == 0 { throw .gp(0) }
        // Intel, EFER.LMA = 1: the target is 64-bit code at the full 64-bit EIP/ESP MSRs.
        let wide: UInt64 = long ? ~0 : 0xFFFF_FFFF
        loadFlat(cpu, cs: cs, csAttributes: long ? code64 : code32, ss: cs &+ 8, cpl: 0)
        cpu.pointee.rflags = cpu.pointee.rflags & ~(Flag.vm | Flag.if | Flag.rf)
        cpu.setGPR(Reg.rsp, cpu.pointee.system.sysenterESP & wide)
        cpu.pointee.rip = cpu.pointee.system.sysenterEIP & wide
    }

    /// 0F 35 SYSEXIT: to CPL 3 at EDX with ESP = ECX; REX.W SYSEXIT (Intel, 64-bit mode): to
    /// 64-bit code at RDX with RSP = RCX.
    static func sysexit(_ cpu: CPU, _ i: Instr) { do { try sysexitBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func sysexitBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        if cpu.longModeActive && cpu.pointee.vendor != .intel { throw .ud }
        if cpu.pointee.realMode { throw .gp(0) }
        let cs = UInt16(truncatingIfNeeded: cpu.pointee.system.sysenterCS) & 0xFFFC
        if cs == 0 || cpu.pointee.cpl != 0 { throw .gp(0) }
        if cpu.pointee.mode == .long64 && i.pointee.operandSize == 8 {
            let rcx = cpu.gpr(Reg.rcx), rdx = cpu.gpr(Reg.rdx)
            if !CPU.canonical(rcx) || !CPU.canonical(rdx) { throw .gp(0) }
            loadFlat(cpu, cs: (cs &+ 32) | 3, csAttributes: code64, ss: (cs &+ 40) | 3, cpl: 3)
            cpu.setGPR(Reg.rsp, rcx)
            cpu.pointee.rip = rdx
            return
        }
        loadFlat(cpu, cs: (cs &+ 16) | 3, csAttributes: code32, ss: (cs &+ 24) | 3, cpl: 3)
        cpu.setGPR(Reg.rsp, cpu.gpr(Reg.rcx) & 0xFFFF_FFFF)
        cpu.pointee.rip = cpu.gpr(Reg.rdx) & 0xFFFF_FFFF
    }
}

public enum FastSystemCall {
    public static let syscall = HandlerSet(all: FastSystemCallOps.syscall)
    public static let sysret = HandlerSet(all: FastSystemCallOps.sysret)
    public static let sysenter = HandlerSet(all: FastSystemCallOps.sysenter)
    public static let sysexit = HandlerSet(all: FastSystemCallOps.sysexit)
}
