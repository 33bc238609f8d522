// Layer: X86 (CPU model), instruction handlers: flag control (CLC/STC/CMC/CLD/STD/CLI/STI),
// CPUID, RDTSC/RDTSCP, HLT, software interrupts (INT3/INT n/INTO), UD2/UD1 and port I/O.
//
// Privilege: the CPU runs at CPL 0 until [3/6] brings rings, so the checks below never fire
// yet; they are written as the hardware rule, minus what needs state that does not exist yet:
// - CLI/STI: #GP(0) when CPL > IOPL (the VME/PVI virtual-IF path is absent: VME is not in CPUID).
// - IN/OUT: when CPL > IOPL the TSS I/O permission bitmap decides (#GP(0) if any bit is set).
// - HLT: #GP(0) unless CPL = 0.  RDTSC/RDTSCP: #GP(0) when CR4.TSD is set and CPL > 0.
// STI's one-instruction interrupt shadow: see `sti` and X86CPU.run.
//
// Software interrupts: INT3, INT n and INTO raise their vector as a *trap* (`CPUFault.isTrap`,
// RIP after the instruction). With `X86CPU.deliversExceptions` the dispatcher delivers it
// through IDT gate n (Execution/Delivery.swift, gate DPL checked); without, the run stops.

public enum FlagControl: Sendable { case clc, stc, cmc, cld, std, cli, sti }

extension UnsafeMutablePointer where Pointee == CPUState {
    /// RFLAGS.IOPL (bits 13:12).
    @inline(__always) var iopl: UInt8 { UInt8(truncatingIfNeeded: (pointee.flagBits & Flag.iopl) >> 12) }

    /// Instructions retired before instruction `i`: the count at the start of the block plus
    /// i's index in the block (the dispatcher updates the count only at block ends).
    @inline(__always) func retiredBefore(_ i: Instr) -> UInt64 {
        var index: UInt64 = 0
        if let start = pointee.blockEntry {
            let distance = UnsafeRawPointer(i) - start
            if distance > 0 { index = UInt64(distance / MemoryLayout<DecodedInstruction>.stride) }
        }
        return pointee.instructionsRetired &+ index
    }

    /// The time-stamp counter as instruction `i` sees it: virtual time only, never the host's.
    @inline(__always) func timeStampCounter(_ i: Instr) throws(CPUFault) -> UInt64 {
        // CR4.TSD (bit 2) restricts RDTSC/RDTSCP to CPL 0.
        if pointee.cr4 & 0x4 != 0 && pointee.cpl != 0 { throw .gp(0) }
        return retiredBefore(i) &* SystemOps.tscPerInstruction &+ pointee.tscOffset
    }
}

enum SystemOps {
    /// TSC ticks per retired instruction: 1 at the default 1 GHz virtual clock (1 ns each),
    /// so the TSC frequency equals the virtual clock's.
    @inline(__always) static var tscPerInstruction: UInt64 { 1 }

    // MARK: flags. CF is one of the lazily kept status flags; DF and IF always live in flagBits.

    @inline(__always) static func clc(_ cpu: CPU, _ i: Instr) { do { try clcBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func clcBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        cpu.pointee.updateArithmeticFlags(mask: Flag.cf, bits: 0)
    }
    @inline(__always) static func stc(_ cpu: CPU, _ i: Instr) { do { try stcBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func stcBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        cpu.pointee.updateArithmeticFlags(mask: Flag.cf, bits: Flag.cf)
    }
    @inline(__always) static func cmc(_ cpu: CPU, _ i: Instr) { do { try cmcBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func cmcBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        let cf = cpu.pointee.carryFlag
        cpu.pointee.updateArithmeticFlags(mask: Flag.cf, bits: cf ? 0 : Flag.cf)
    }
    @inline(__always) static func cld(_ cpu: CPU, _ i: Instr) { do { try cldBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func cldBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) { cpu.pointee.flagBits &= ~Flag.df }
    @inline(__always) static func std(_ cpu: CPU, _ i: Instr) { do { try stdBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func stdBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) { cpu.pointee.flagBits |= Flag.df }
    @inline(__always) static func cli(_ cpu: CPU, _ i: Instr) { do { try cliBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func cliBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        if cpu.pointee.cpl > cpu.iopl { throw .gp(0) }
        cpu.pointee.flagBits &= ~Flag.if
    }
    @inline(__always) static func sti(_ cpu: CPU, _ i: Instr) { do { try stiBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func stiBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        if cpu.pointee.cpl > cpu.iopl { throw .gp(0) }
        // STI that sets IF opens a one-instruction interrupt shadow (STI; HLT and STI; RET
        // cannot be split by an interrupt). STI ends its block so the dispatcher sees it.
        if cpu.pointee.flagBits & Flag.if == 0 { cpu.pointee.system.interruptShadow = true; cpu.pointee.system.stackShadow = false }
        cpu.pointee.flagBits |= Flag.if
    }

    // MARK: CPUID, TSC, HLT

    /// CPUID: EAX = leaf, ECX = subleaf in; EAX, EBX, ECX, EDX out (32-bit writes zero-extend).
    @inline(__always) static func cpuid(_ cpu: CPU, _ i: Instr) { do { try cpuidBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func cpuidBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        let leaf = UInt32(truncatingIfNeeded: cpu.gpr(Reg.rax))
        let subleaf = UInt32(truncatingIfNeeded: cpu.gpr(Reg.rcx))
        // The vendor model's answers (CPUVendor.swift): two precomputed tables.
        var r = (cpu.pointee.vendor == .intel ? CPUIDTable.intel : CPUIDTable.reference).lookup(leaf: leaf, subleaf: subleaf)
        if leaf == 1 || leaf == 0x8000_0001 { localAPICFeatures(cpu, leaf: leaf, &r) }
        cpu.setGPR(Reg.rax, UInt64(r.eax))
        cpu.setGPR(Reg.rbx, UInt64(r.ebx))
        cpu.setGPR(Reg.rcx, UInt64(r.ecx))
        cpu.setGPR(Reg.rdx, UInt64(r.edx))
    }

    /// The CPUID bits that depend on the local APIC (LocalAPICPort.swift): EDX.APIC (bit 9 of
    /// leaves 1 and 0x80000001) reads as IA32_APIC_BASE.EN (SDM 11.4.3: a disabled APIC is
    /// reported as absent); leaf 1 ECX.x2APIC (bit 21) and ECX.TSC-Deadline (bit 24) only when
    /// an APIC is attached (the unit tests and the host-CPU harness run a bare CPU).
    @inline(never) static func localAPICFeatures(_ cpu: CPU, leaf: UInt32, _ r: inout CPUIDResult) {
        if cpu.pointee.msr.apicBase & (1 << 11) == 0 { r.edx &= ~(1 << 9) }
        if leaf == 1 && cpu.pointee.msr.apic != nil { r.ecx |= 1 << 21 | 1 << 24 }
    }

    /// RDTSC: EDX:EAX = TSC; the upper halves of RAX and RDX are cleared.
    @inline(__always) static func rdtsc(_ cpu: CPU, _ i: Instr) { do { try rdtscBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func rdtscBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        let tsc = try cpu.timeStampCounter(i)
        cpu.setGPR(Reg.rax, tsc & 0xFFFF_FFFF)
        cpu.setGPR(Reg.rdx, tsc >> 32)
    }

    /// RDPMC (0F 33): EDX:EAX = performance counter ECX. The reference CPU has the four legacy
    /// AMD counters (PerfCtr0-3, MSRs C001_0004-7, 48 bits wide; MSRs.swift stores them, no
    /// event counts them). ECX > 3 is #GP(0); outside CPL 0 it is #GP(0) unless CR4.PCE (bit 8)
    /// is set. Linux reads counters with it once the perf MSRs answer (its reboot path did).
    @inline(__always) static func rdpmc(_ cpu: CPU, _ i: Instr) { do { try rdpmcBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func rdpmcBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        if cpu.pointee.cpl != 0 && cpu.pointee.cr4 & 0x100 == 0 { throw .gp(0) }
        let index = cpu.gpr(Reg.rcx) & 0xFFFF_FFFF
        if index > 3 { throw .gp(0) }
        let value = cpu.pointee.msr.slots[MSRFile.perfSlot + 4 + Int(index)] & 0xFFFF_FFFF_FFFF
        cpu.setGPR(Reg.rax, value & 0xFFFF_FFFF)
        cpu.setGPR(Reg.rdx, value >> 32)
    }

    /// RDTSCP: RDTSC plus ECX = IA32_TSC_AUX[31:0] (RCX's upper half cleared).
    @inline(__always) static func rdtscp(_ cpu: CPU, _ i: Instr) { do { try rdtscpBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func rdtscpBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        let tsc = try cpu.timeStampCounter(i)
        cpu.setGPR(Reg.rax, tsc & 0xFFFF_FFFF)
        cpu.setGPR(Reg.rdx, tsc >> 32)
        cpu.setGPR(Reg.rcx, cpu.pointee.tscAux & 0xFFFF_FFFF)
    }

    /// HLT: stop until an interrupt (none can arrive yet: the run ends with `.halted`). RIP
    /// already points past HLT, where execution resumes after the wake-up interrupt.
    @inline(__always) static func hlt(_ cpu: CPU, _ i: Instr) { do { try hltBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func hltBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        if cpu.pointee.cpl != 0 { throw .gp(0) }
        cpu.pointee.halted = true
        cpu.pointee.exitBlock = BlockExit.next
    }

    // MARK: software interrupts and invalid opcodes

    /// CC INT3: #BP, a trap (the reported RIP is the next instruction, which is what
    /// debuggers expect: they step back by one byte).
    @inline(__always) static func int3(_ cpu: CPU, _ i: Instr) { do { try int3Body(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func int3Body(_ cpu: CPU, _ i: Instr) throws(CPUFault) { throw .bp }

    /// CD ib INT n: software interrupt n (a trap). See the file comment for the pre-IDT model.
    @inline(__always) static func intN(_ cpu: CPU, _ i: Instr) { do { try intNBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func intNBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        throw .softwareInterrupt(UInt8(truncatingIfNeeded: i.imm))
    }

    /// CE INTO (32-bit mode only; #UD in 64-bit mode via the table): #OF trap when OF = 1.
    @inline(__always) static func into(_ cpu: CPU, _ i: Instr) { do { try intoBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func intoBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        if cpu.pointee.overflowFlag { throw CPUFault(.overflow, trap: true) }
    }

    /// 0F 0B UD2 and 0F B9 UD1: always #UD (a fault: RIP stays at the instruction).
    @inline(__always) static func ud(_ cpu: CPU, _ i: Instr) { do { try udBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func udBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) { throw .ud }

    // MARK: port I/O. The port is imm8 (E4-E7) or DX (EC-EF); the data register is AL/AX/EAX.

    /// CPL <= IOPL allows every port; otherwise the TSS I/O permission bitmap decides: every
    /// bit for the accessed ports (port .. port + size - 1) must be 0. The bitmap starts at the
    /// 16-bit offset stored at TSS+0x66; a bit beyond the TSS limit counts as 1 (#GP(0)).
    @inline(__always) static func checkIOPrivilege(_ cpu: CPU, port: UInt16, size: Int) throws(CPUFault) {
        if cpu.pointee.cpl <= cpu.iopl { return }
        try checkIOBitmap(cpu, port: port, size: size)
    }

    @inline(never) static func checkIOBitmap(_ cpu: CPU, port: UInt16, size: Int) throws(CPUFault) {
        let type = cpu.pointee.system.trAttributes & 0x1F
        if type != 0x09 && type != 0x0B { throw .gp(0) }  // no 32/64-bit TSS loaded
        if cpu.pointee.system.trLimit < 0x67 { throw .gp(0) }  // no room for the bitmap offset
        let mapBase = UInt64(try cpu.tssRead(0x66, UInt16.self))
        let byte = mapBase &+ UInt64(port >> 3)
        if byte &+ 1 > UInt64(cpu.pointee.system.trLimit) { throw .gp(0) }
        let bits: UInt16 = try cpu.systemRead(cpu.pointee.system.trBase &+ byte)
        let mask = UInt16((1 << size) - 1) << (port & 7)
        if bits & mask != 0 { throw .gp(0) }
    }

    /// IN: the value lands in AL/AX/EAX like a register write: AL and AX merge, EAX zero-extends.
    @inline(__always) static func input<T: FixedWidthInteger>(_ cpu: CPU, port: UInt16, _: T.Type) throws(CPUFault) {
        try checkIOPrivilege(cpu, port: port, size: MemoryLayout<T>.size)
        let v = cpu.pointee.portRead(port, size: MemoryLayout<T>.size)
        cpu.setReg(UInt8(Reg.rax * 8), T(truncatingIfNeeded: v))
    }

    /// OUT: writes AL/AX/EAX, then ends the block so that a device that stops the machine
    /// (debug exit) or changes what the CPU sees takes effect before the next instruction.
    @inline(__always) static func output<T: FixedWidthInteger>(_ cpu: CPU, port: UInt16, _: T.Type) throws(CPUFault) {
        try checkIOPrivilege(cpu, port: port, size: MemoryLayout<T>.size)
        let v = cpu.reg(UInt8(Reg.rax * 8)) as T
        cpu.pointee.portWrite(port, size: MemoryLayout<T>.size, value: UInt64(v))
        cpu.pointee.exitBlock = BlockExit.next
    }

    @inline(__always) static func immPort(_ i: Instr) -> UInt16 { UInt16(UInt8(truncatingIfNeeded: i.imm)) }
    @inline(__always) static func dxPort(_ cpu: CPU) -> UInt16 { UInt16(truncatingIfNeeded: cpu.gpr(Reg.rdx)) }

    @inline(__always) static func inImm8(_ cpu: CPU, _ i: Instr) { do { try inImm8Body(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func inImm8Body(_ cpu: CPU, _ i: Instr) throws(CPUFault) { try input(cpu, port: immPort(i), UInt8.self) }
    @inline(__always) static func inImm16(_ cpu: CPU, _ i: Instr) { do { try inImm16Body(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func inImm16Body(_ cpu: CPU, _ i: Instr) throws(CPUFault) { try input(cpu, port: immPort(i), UInt16.self) }
    @inline(__always) static func inImm32(_ cpu: CPU, _ i: Instr) { do { try inImm32Body(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func inImm32Body(_ cpu: CPU, _ i: Instr) throws(CPUFault) { try input(cpu, port: immPort(i), UInt32.self) }
    @inline(__always) static func inDX8(_ cpu: CPU, _ i: Instr) { do { try inDX8Body(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func inDX8Body(_ cpu: CPU, _ i: Instr) throws(CPUFault) { try input(cpu, port: dxPort(cpu), UInt8.self) }
    @inline(__always) static func inDX16(_ cpu: CPU, _ i: Instr) { do { try inDX16Body(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func inDX16Body(_ cpu: CPU, _ i: Instr) throws(CPUFault) { try input(cpu, port: dxPort(cpu), UInt16.self) }
    @inline(__always) static func inDX32(_ cpu: CPU, _ i: Instr) { do { try inDX32Body(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func inDX32Body(_ cpu: CPU, _ i: Instr) throws(CPUFault) { try input(cpu, port: dxPort(cpu), UInt32.self) }
    @inline(__always) static func outImm8(_ cpu: CPU, _ i: Instr) { do { try outImm8Body(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func outImm8Body(_ cpu: CPU, _ i: Instr) throws(CPUFault) { try output(cpu, port: immPort(i), UInt8.self) }
    @inline(__always) static func outImm16(_ cpu: CPU, _ i: Instr) { do { try outImm16Body(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func outImm16Body(_ cpu: CPU, _ i: Instr) throws(CPUFault) { try output(cpu, port: immPort(i), UInt16.self) }
    @inline(__always) static func outImm32(_ cpu: CPU, _ i: Instr) { do { try outImm32Body(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func outImm32Body(_ cpu: CPU, _ i: Instr) throws(CPUFault) { try output(cpu, port: immPort(i), UInt32.self) }
    @inline(__always) static func outDX8(_ cpu: CPU, _ i: Instr) { do { try outDX8Body(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func outDX8Body(_ cpu: CPU, _ i: Instr) throws(CPUFault) { try output(cpu, port: dxPort(cpu), UInt8.self) }
    @inline(__always) static func outDX16(_ cpu: CPU, _ i: Instr) { do { try outDX16Body(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func outDX16Body(_ cpu: CPU, _ i: Instr) throws(CPUFault) { try output(cpu, port: dxPort(cpu), UInt16.self) }
    @inline(__always) static func outDX32(_ cpu: CPU, _ i: Instr) { do { try outDX32Body(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func outDX32Body(_ cpu: CPU, _ i: Instr) throws(CPUFault) { try output(cpu, port: dxPort(cpu), UInt32.self) }
}

public enum System {
    public static func flag(_ op: FlagControl) -> HandlerSet {
        switch op {
        case .clc: return HandlerSet(all: SystemOps.clc)
        case .stc: return HandlerSet(all: SystemOps.stc)
        case .cmc: return HandlerSet(all: SystemOps.cmc)
        case .cld: return HandlerSet(all: SystemOps.cld)
        case .std: return HandlerSet(all: SystemOps.std)
        case .cli: return HandlerSet(all: SystemOps.cli)
        case .sti: return HandlerSet(all: SystemOps.sti)
        }
    }
    public static let cpuid = HandlerSet(all: SystemOps.cpuid)
    public static let rdtsc = HandlerSet(all: SystemOps.rdtsc)
    public static let rdtscp = HandlerSet(all: SystemOps.rdtscp)
    public static let rdpmc = HandlerSet(all: SystemOps.rdpmc)
    public static let hlt = HandlerSet(all: SystemOps.hlt)
    public static let int3 = HandlerSet(all: SystemOps.int3)
    public static let intN = HandlerSet(all: SystemOps.intN)
    public static let into = HandlerSet(all: SystemOps.into)
    /// UD2 (0F 0B) and UD1 (0F B9).
    public static let ud2 = HandlerSet(all: SystemOps.ud)
    /// E4/E5/EC/ED IN and E6/E7/EE/EF OUT (port in imm8 or DX). The 32-bit form also serves
    /// a REX.W-prefixed eAX form: IN/OUT never move more than 32 bits.
    public static let inImm = HandlerSet(any8: SystemOps.inImm8, any16: SystemOps.inImm16,
                                         any32: SystemOps.inImm32, any64: SystemOps.inImm32)
    public static let inDX = HandlerSet(any8: SystemOps.inDX8, any16: SystemOps.inDX16,
                                        any32: SystemOps.inDX32, any64: SystemOps.inDX32)
    public static let outImm = HandlerSet(any8: SystemOps.outImm8, any16: SystemOps.outImm16,
                                          any32: SystemOps.outImm32, any64: SystemOps.outImm32)
    public static let outDX = HandlerSet(any8: SystemOps.outDX8, any16: SystemOps.outDX16,
                                         any32: SystemOps.outDX32, any64: SystemOps.outDX32)
}
