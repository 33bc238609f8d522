// Layer: X86 (CPU model), instructions. Control, debug and model-specific registers:
// MOV to/from CR0/CR2/CR3/CR4/CR8 (0F 20/22), MOV to/from DR0-DR7 (0F 21/23), CLTS (0F 06),
// INVD/WBINVD (0F 08/09), WRMSR/RDMSR (0F 30/32), INVLPG (0F 01 /7 memory), SWAPGS (0F 01 F8).
// All are privileged: #GP(0) unless CPL = 0.
//
// The register operand of MOV CRn/DRn is always a general register (ModRM.rm), 64 bits in
// 64-bit mode and 32 bits otherwise, whatever the operand-size prefix. ModRM.mod is ignored
// (always a register, no displacement), as on hardware: the table marks these `.modIgnored`.
// Writes that change how addresses translate flush the TLB (MMU/TLB.swift) and end the block,
// so the next block is fetched through the new translation.

enum ControlRegisterOps {
    /// Register operand as the mode's width (64 bits in 64-bit mode, else zero-extended 32).
    @inline(__always) static func operand(_ cpu: CPU, _ i: Instr) -> UInt64 {
        let v = cpu.reg(i.rm) as UInt64
        return cpu.pointee.mode == .long64 ? v : v & 0xFFFF_FFFF
    }

    @inline(__always) static func setOperand(_ cpu: CPU, _ i: Instr, _ v: UInt64) {
        if cpu.pointee.mode == .long64 { cpu.setReg(i.rm, v) } else { cpu.setReg(i.rm, UInt32(truncatingIfNeeded: v)) }
    }

    // MARK: MOV CRn

    /// 0F 20 /r MOV r, CRn.
    @inline(__always) static func movFromCR(_ cpu: CPU, _ i: Instr) { do { try movFromCRBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func movFromCRBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        let value: UInt64
        switch i.reg {
        case 0: value = cpu.pointee.cr0
        case 2: value = cpu.pointee.cr2
        case 3: value = cpu.pointee.cr3
        case 4: value = cpu.pointee.cr4
        case 8:
            // CR8 is the local APIC's TPR[7:4] (SDM 11.8.6), when there is one.
            if let link = cpu.pointee.msr.apic { value = link.takeUnretainedValue().port.cr8 } else { value = cpu.pointee.msr.cr8 }
        default: throw .ud   // CR1, CR5-CR7, CR9-CR15 do not exist
        }
        if cpu.pointee.cpl != 0 { throw .gp(0) }
        setOperand(cpu, i, value)
    }

    /// 0F 22 /r MOV CRn, r.
    @inline(__always) static func movToCR(_ cpu: CPU, _ i: Instr) { do { try movToCRBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func movToCRBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        let n = i.reg
        if n != 0 && n != 2 && n != 3 && n != 4 && n != 8 { throw .ud }
        if cpu.pointee.cpl != 0 { throw .gp(0) }
        let v = operand(cpu, i)
        switch n {
        case 0: try writeCR0(cpu, v)
        case 2: cpu.pointee.cr2 = v
        case 3: try writeCR3(cpu, v)
        case 4: try writeCR4(cpu, v)
        default:
            // CR8 = TPR bits 3:0; bits 63:4 reserved.
            if v >> 4 != 0 { throw .gp(0) }
            cpu.pointee.msr.cr8 = v
            if let link = cpu.pointee.msr.apic { link.takeUnretainedValue().port.cr8 = v }
            // A lower priority may unmask a pending interrupt: let the dispatcher look.
            cpu.pointee.exitBlock = BlockExit.next
        }
    }

    @inline(never) static func writeCR0(_ cpu: CPU, _ value: UInt64) throws(CPUFault) {
        let old = cpu.pointee.cr0
        if value & ~CR0.defined != 0 { throw .gp(0) }
        let v = value | CR0.et          // ET is hardwired to 1
        if v & CR0.pg != 0 && v & CR0.pe == 0 { throw .gp(0) }   // paging needs protected mode
        if v & CR0.nw != 0 && v & CR0.cd == 0 { throw .gp(0) }   // not-write-through needs cache-disable
        var efer = cpu.pointee.efer
        if old & CR0.pg == 0 && v & CR0.pg != 0 && efer & EFER.lme != 0 {
            // Activating long mode: needs PAE (SDM 9.8.5); EFER.LMA becomes 1.
            if cpu.pointee.cr4 & CR4.pae == 0 { throw .gp(0) }
            efer |= EFER.lma
        }
        // Paging may not be turned off while CR4.PCIDE = 1 (SDM "MOV—Move to/from Control Registers").
        if v & CR0.pg == 0 && cpu.pointee.cr4 & CR4.pcide != 0 { throw .gp(0) }
        if old & CR0.pg != 0 && v & CR0.pg == 0 && efer & EFER.lma != 0 {
            // Leaving long mode is only allowed from compatibility mode; LMA becomes 0.
            if cpu.pointee.mode == .long64 { throw .gp(0) }
            efer &= ~EFER.lma
        }
        cpu.pointee.efer = efer
        cpu.pointee.cr0 = v
        if (old ^ v) & (CR0.pg | CR0.wp | CR0.pe) != 0 {
            cpu.pointee.memory.flushTLB()
        }
        cpu.pointee.exitBlock = BlockExit.next
    }

    @inline(never) static func writeCR3(_ cpu: CPU, _ value: UInt64) throws(CPUFault) {
        var v = value
        // With CR4.PCIDE, bits 11:0 are the PCID and bit 63 asks to keep the PCID's cached
        // translations (it is not stored). This TLB keeps no PCID tags and flushes on every
        // CR3 load: always allowed, a TLB may drop entries at any time.
        if cpu.pointee.cr4 & CR4.pcide != 0 { v &= ~(1 << 63) }
        // Bits 63:48 (above MAXPHYADDR) are reserved in long mode.
        if cpu.pointee.efer & EFER.lma != 0 && v >> 48 != 0 { throw .gp(0) }
        cpu.pointee.cr3 = v
        // A CR3 load invalidates the non-global translations; this TLB drops the global ones
        // too (it keeps no entry a fresh walk would not give: see MMU/TLB.swift).
        cpu.pointee.memory.flushTLB()
        cpu.pointee.exitBlock = BlockExit.next
    }

    @inline(never) static func writeCR4(_ cpu: CPU, _ v: UInt64) throws(CPUFault) {
        let old = cpu.pointee.cr4
        if v & ~CR4.supported != 0 { throw .gp(0) }
        // PAE may not be cleared while long mode is active.
        if cpu.pointee.efer & EFER.lma != 0 && cpu.pointee.cr0 & CR0.pg != 0 && v & CR4.pae == 0 { throw .gp(0) }
        // PCIDE may be set only in long mode with CR3[11:0] = 0 (PCID 0).
        if v & CR4.pcide != 0 && old & CR4.pcide == 0
            && (cpu.pointee.efer & EFER.lma == 0 || cpu.pointee.cr3 & 0xFFF != 0) { throw .gp(0) }
        cpu.pointee.cr4 = v
        if (old ^ v) & CR4.pagingBits != 0 { cpu.pointee.memory.flushTLB() }
        cpu.pointee.exitBlock = BlockExit.next
    }

    // MARK: MOV DRn

    /// Resolves DR4/DR5 (aliases of DR6/DR7 unless CR4.DE, then #UD) and DR8-15 (#UD).
    @inline(__always) static func debugIndex(_ cpu: CPU, _ i: Instr) throws(CPUFault) -> Int {
        let n = Int(i.reg)
        if n > 7 { throw .ud }
        if n == 4 || n == 5 {
            if cpu.pointee.cr4 & CR4.de != 0 { throw .ud }
            return n + 2
        }
        return n
    }

    /// 0F 21 /r MOV r, DRn.
    @inline(__always) static func movFromDR(_ cpu: CPU, _ i: Instr) { do { try movFromDRBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func movFromDRBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        let n = try debugIndex(cpu, i)
        if cpu.pointee.cpl != 0 { throw .gp(0) }
        try generalDetect(cpu)
        setOperand(cpu, i, cpu.pointee.msr.debugRegister(n))
    }

    /// 0F 23 /r MOV DRn, r. Breakpoint delivery (#DB) belongs to exception delivery.
    @inline(__always) static func movToDR(_ cpu: CPU, _ i: Instr) { do { try movToDRBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func movToDRBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        let n = try debugIndex(cpu, i)
        if cpu.pointee.cpl != 0 { throw .gp(0) }
        try generalDetect(cpu)
        var v = operand(cpu, i)
        switch n {
        case 6:
            if v >> 32 != 0 { throw .gp(0) }
            // B0-B3, BD, BS, BT are writable; bits 11:4 and 31:16 read as 1, bit 12 as 0.
            v = (v & 0xE00F) | 0xFFFF_0FF0
        case 7:
            if v >> 32 != 0 { throw .gp(0) }
            // Bit 10 reads as 1; bits 11, 12, 14, 15 as 0.
            v = (v & 0xFFFF_23FF) | 0x400
        default: break
        }
        let watchedBefore = cpu.pointee.msr.dataWatch
        cpu.pointee.msr.setDebugRegister(n, v)
        // Pages holding an armed data breakpoint must leave the TLB (Execution/Debug.swift).
        if n != 6 && (watchedBefore || cpu.pointee.msr.dataWatch) { cpu.pointee.memory.flushTLB() }
        cpu.pointee.exitBlock = BlockExit.next
    }

    /// DR7.GD (bit 13) set: a MOV to or from any debug register is a #DB fault instead, with
    /// DR6.BD (bit 13) set; the CPU clears GD so the handler can use the registers (SDM 18.2.4).
    @inline(__always) static func generalDetect(_ cpu: CPU) throws(CPUFault) {
        let dr7 = cpu.pointee.msr.debugRegister(7)
        if _fastPath(dr7 & (1 << 13) == 0) { return }
        cpu.pointee.msr.setDebugRegister(7, dr7 & ~(1 << 13))
        cpu.pointee.msr.setDebugRegister(6, cpu.pointee.msr.debugRegister(6) | (1 << 13))
        throw .debugFault
    }

    // MARK: cache and TLB control

    /// 0F 06 CLTS: clears CR0.TS.
    @inline(__always) static func clts(_ cpu: CPU, _ i: Instr) { do { try cltsBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func cltsBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        if cpu.pointee.cpl != 0 { throw .gp(0) }
        cpu.pointee.cr0 &= ~CR0.ts
    }

    /// 0F 08 INVD, 0F 09 WBINVD: there are no caches to write back or drop.
    @inline(__always) static func invd(_ cpu: CPU, _ i: Instr) { do { try invdBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func invdBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        if cpu.pointee.cpl != 0 { throw .gp(0) }
    }

    /// 0F 01 /7 (memory) INVLPG m: drops the TLB entries of the page holding m's linear address.
    @inline(__always) static func invlpg(_ cpu: CPU, _ i: Instr) { do { try invlpgBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func invlpgBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        if cpu.pointee.cpl != 0 { throw .gp(0) }
        cpu.pointee.memory.flushPage(cpu.linearAddress(i))
    }

    /// 0F 01 /4 SMSW: stores the machine status word (CR0). A register destination takes CR0
    /// at the operand size (the upper bits too, SDM "SMSW"); memory always gets 16 bits. Any
    /// CPL (UMIP, which would restrict it, is not advertised).
    @inline(__always) static func smsw(_ cpu: CPU, _ i: Instr) { do { try smswBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func smswBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        let cr0 = cpu.pointee.cr0
        switch i.pointee.operandSize {
        case 2: cpu.setReg(i.rm, UInt16(truncatingIfNeeded: cr0))
        case 8: cpu.setReg(i.rm, cr0)
        default: cpu.setReg(i.rm, UInt32(truncatingIfNeeded: cr0))
        }
    }
    @inline(__always) static func smswMem(_ cpu: CPU, _ i: Instr) { do { try smswMemBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func smswMemBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.store(cpu.effectiveAddress(i), UInt16(truncatingIfNeeded: cpu.pointee.cr0))
    }

    /// 0F 01 /6 LMSW r/m16 (CPL 0): loads CR0 bits 3:0 (PE, MP, EM, TS). It can set PE but
    /// never clear it (SDM "LMSW").
    @inline(__always) static func lmsw(_ cpu: CPU, _ i: Instr) { do { try lmswBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func lmswBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        if cpu.pointee.cpl != 0 { throw .gp(0) }
        let w = UInt64(cpu.reg(i.rm) as UInt16)
        try lmswApply(cpu, w)
    }
    @inline(__always) static func lmswMem(_ cpu: CPU, _ i: Instr) { do { try lmswMemBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func lmswMemBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        if cpu.pointee.cpl != 0 { throw .gp(0) }
        let w = UInt64(try cpu.load(cpu.effectiveAddress(i)) as UInt16)
        try lmswApply(cpu, w)
    }
    @inline(__always) static func lmswApply(_ cpu: CPU, _ w: UInt64) throws(CPUFault) {
        let old = cpu.pointee.cr0
        try writeCR0(cpu, (old & ~0xE) | (w & 0xF) | (old & CR0.pe))
    }

    /// 66 0F 38 82 /r INVPCID r64 (r32 outside 64-bit mode), m128 (CPL 0). The descriptor is
    /// the PCID (bits 11:0 of the first qword; 63:12 reserved) and a linear address. Types:
    /// 0 one address in one PCID, 1 one PCID, 2 all including globals, 3 all but globals.
    /// #GP for a type above 3, reserved descriptor bits, a non-zero PCID in types 0/1 while
    /// CR4.PCIDE = 0, a non-canonical address in type 0. This TLB has no PCID tags: every type
    /// flushes it whole (a superset of what is asked, which is always allowed).
    @inline(__always) static func invpcid(_ cpu: CPU, _ i: Instr) { do { try invpcidBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func invpcidBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        if cpu.pointee.cpl != 0 { throw .gp(0) }
        let type = cpu.pointee.mode == .long64 ? cpu.reg(i.reg) as UInt64 : UInt64(cpu.reg(i.reg) as UInt32)
        let ea = cpu.effectiveAddress(i)
        let first: UInt64 = try cpu.load(ea)
        let wrap: UInt64 = cpu.pointee.mode == .long64 ? ~0 : 0xFFFF_FFFF
        let address: UInt64 = try cpu.load((ea &+ 8) & wrap)
        if type > 3 || first >> 12 != 0 { throw .gp(0) }
        let pcid = first & 0xFFF
        if type <= 1 && pcid != 0 && cpu.pointee.cr4 & CR4.pcide == 0 { throw .gp(0) }
        if type == 0 && !CPUState.isCanonical(address) { throw .gp(0) }
        cpu.pointee.memory.flushTLB()
        cpu.pointee.exitBlock = BlockExit.next
    }

    /// 0F 01 F8 SWAPGS (64-bit mode only): exchanges GS.base with KERNEL_GS_BASE.
    @inline(__always) static func swapgs(_ cpu: CPU, _ i: Instr) { do { try swapgsBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func swapgsBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        if cpu.pointee.mode != .long64 { throw .ud }
        if cpu.pointee.cpl != 0 { throw .gp(0) }
        let gs = cpu.pointee.segmentBase[Seg.gs]
        cpu.pointee.segmentBase[Seg.gs] = cpu.pointee.msr.kernelGSBase
        cpu.pointee.msr.kernelGSBase = gs
    }

    // MARK: MSRs

    /// 0F 32 RDMSR: EDX:EAX = MSR[ECX].
    @inline(__always) static func rdmsr(_ cpu: CPU, _ i: Instr) { do { try rdmsrBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func rdmsrBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        if cpu.pointee.cpl != 0 { throw .gp(0) }
        let index = UInt32(truncatingIfNeeded: cpu.gpr(Reg.rcx))
        let v = try cpu.pointee.readMSR(index, tsc: currentTSC(cpu, i))
        cpu.setGPR(Reg.rax, v & 0xFFFF_FFFF)
        cpu.setGPR(Reg.rdx, v >> 32)
    }

    /// 0F 30 WRMSR: MSR[ECX] = EDX:EAX.
    @inline(__always) static func wrmsr(_ cpu: CPU, _ i: Instr) { do { try wrmsrBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func wrmsrBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        if cpu.pointee.cpl != 0 { throw .gp(0) }
        let index = UInt32(truncatingIfNeeded: cpu.gpr(Reg.rcx))
        let v = (cpu.gpr(Reg.rdx) << 32) | (cpu.gpr(Reg.rax) & 0xFFFF_FFFF)
        if try cpu.pointee.writeMSR(index, v, tsc: currentTSC(cpu, i)) {
            cpu.pointee.memory.flushTLB()
        }
        // Segment bases, EFER, the APIC base: let the next block see the new values.
        cpu.pointee.exitBlock = BlockExit.next
    }

    /// The TSC as RDTSC at this instruction would read it (RDMSR runs at CPL 0: no TSD check).
    @inline(__always) static func currentTSC(_ cpu: CPU, _ i: Instr) -> UInt64 {
        (try? cpu.timeStampCounter(i)) ?? cpu.pointee.tscOffset
    }
}

extension ControlRegisterOps {
    static let movFromCRSet = HandlerSet(all: ControlRegisterOps.movFromCR)
    static let movToCRSet = HandlerSet(all: ControlRegisterOps.movToCR)
    static let movFromDRSet = HandlerSet(all: ControlRegisterOps.movFromDR)
    static let movToDRSet = HandlerSet(all: ControlRegisterOps.movToDR)
    static let cltsSet = HandlerSet(all: ControlRegisterOps.clts)
    static let invdSet = HandlerSet(all: ControlRegisterOps.invd)
    static let invlpgSet = HandlerSet(all: ControlRegisterOps.invlpg)
    static let swapgsSet = HandlerSet(all: ControlRegisterOps.swapgs)
    static let rdmsrSet = HandlerSet(all: ControlRegisterOps.rdmsr)
    static let wrmsrSet = HandlerSet(all: ControlRegisterOps.wrmsr)
    static let invpcidSet = HandlerSet(mem32: ControlRegisterOps.invpcid, mem64: ControlRegisterOps.invpcid)
    static let smswSet = HandlerSet(reg16: ControlRegisterOps.smsw, reg32: ControlRegisterOps.smsw, reg64: ControlRegisterOps.smsw,
                                    mem16: ControlRegisterOps.smswMem, mem32: ControlRegisterOps.smswMem, mem64: ControlRegisterOps.smswMem)
    static let lmswSet = HandlerSet(reg16: ControlRegisterOps.lmsw, reg32: ControlRegisterOps.lmsw, reg64: ControlRegisterOps.lmsw,
                                    mem16: ControlRegisterOps.lmswMem, mem32: ControlRegisterOps.lmswMem, mem64: ControlRegisterOps.lmswMem)
}
