// Layer: X86 (CPU model), instruction handlers: data transfer. MOV (all forms, incl. moffs and
// segment registers), MOVZX/MOVSX/MOVSXD, LEA, XCHG/XADD/CMPXCHG/CMPXCHG8B/16B, MOVBE, the stack
// (PUSH/POP of registers, memory, immediates, segment registers and RFLAGS), the accumulator
// conversions (CBW..CQO), LAHF/SAHF, XLAT, CMOVcc, SETcc and the NOP forms.
//
// Same pattern as Arith.swift: generic `@inline(__always)`-able bodies parameterised by operand
// width, and concrete per-width entry points stored in the opcode tables. Every handler loads
// and checks everything that can fault before it changes any architectural state (precise
// exceptions), so a faulting instruction leaves registers, flags and memory untouched.
//
// Register writes go through `cpu.setReg`, which applies the x86-64 rule: a 32-bit register
// write zero-extends into the full 64-bit register, an 8- or 16-bit write merges.

// MARK: - Helpers shared by this family

/// Sign-extends a value of width S to 64 bits.
@inline(__always) func moveSignExtend<S: GuestInt>(_ s: S) -> UInt64 {
    let shift = UInt64(64 - S.bitWidth)
    return UInt64(bitPattern: Int64(bitPattern: UInt64(s) << shift) >> Int64(shift))
}

extension CPUState {
    /// The selector held in segment register `seg` (Seg.*).
    @inline(__always) func moveSelector(_ seg: Int) -> UInt16 {
        switch seg {
        case Seg.es: return segmentSelector.0
        case Seg.cs: return segmentSelector.1
        case Seg.ss: return segmentSelector.2
        case Seg.ds: return segmentSelector.3
        case Seg.fs: return segmentSelector.4
        default: return segmentSelector.5
        }
    }

    @inline(__always) mutating func moveSetSelector(_ seg: Int, _ value: UInt16) {
        switch seg {
        case Seg.es: segmentSelector.0 = value
        case Seg.cs: segmentSelector.1 = value
        case Seg.ss: segmentSelector.2 = value
        case Seg.ds: segmentSelector.3 = value
        case Seg.fs: segmentSelector.4 = value
        default: segmentSelector.5 = value
        }
    }

}

extension UnsafeMutablePointer where Pointee == CPUState {
    /// Base of ES for string destinations and similar: zero in 64-bit mode.
    @inline(__always) var moveESBase: UInt64 {
        pointee.mode == .long64 ? 0 : pointee.segmentBase[Seg.es]
    }
}

// MARK: - MOV

enum MovHandlers<T: GuestInt> {
    /// 88/89 (and A2/A3 moffs): MOV E, G.
    @inline(__always) static func egReg(_ cpu: CPU, _ i: Instr) { do { try egRegBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func egRegBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        cpu.setReg(i.rm, cpu.reg(i.reg) as T)
    }
    @inline(__always) static func egMem(_ cpu: CPU, _ i: Instr) { do { try egMemBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func egMemBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.store(cpu.effectiveAddress(i), cpu.reg(i.reg) as T)
    }
    /// 8A/8B (and A0/A1 moffs): MOV G, E.
    @inline(__always) static func geReg(_ cpu: CPU, _ i: Instr) { do { try geRegBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func geRegBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        cpu.setReg(i.reg, cpu.reg(i.rm) as T)
    }
    @inline(__always) static func geMem(_ cpu: CPU, _ i: Instr) { do { try geMemBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func geMemBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        let v: T = try cpu.load(cpu.effectiveAddress(i))
        cpu.setReg(i.reg, v)
    }
    /// B0-BF and C6/C7: MOV E, imm. The decoder sign-extends imm8/16/32 and keeps a full imm64
    /// (B8+r with REX.W), so truncation gives the right value at every width.
    @inline(__always) static func eiReg(_ cpu: CPU, _ i: Instr) { do { try eiRegBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func eiRegBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        cpu.setReg(i.rm, T(truncatingIfNeeded: i.imm))
    }
    @inline(__always) static func eiMem(_ cpu: CPU, _ i: Instr) { do { try eiMemBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func eiMemBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.store(cpu.effectiveAddress(i), T(truncatingIfNeeded: i.imm))
    }
}

// MARK: - MOV to/from segment registers

enum SregMoveHandlers<T: GuestInt> {
    /// 8C with a register destination: 16-bit operand size writes only the low word; 32-bit
    /// zero-extends the selector into the whole register (AMD and recent Intel), 64-bit likewise.
    /// ModRM.reg names the segment register; REX.R is ignored.
    @inline(__always) static func storeReg(_ cpu: CPU, _ i: Instr) { do { try storeRegBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func storeRegBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        cpu.setReg(i.rm, T(cpu.pointee.moveSelector(Int(i.reg & 7))))
    }
}

enum SregMove {
    /// 8C with a memory destination: always a 16-bit store, whatever the operand size.
    @inline(__always) static func storeMem(_ cpu: CPU, _ i: Instr) { do { try storeMemBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func storeMemBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.store(cpu.effectiveAddress(i), cpu.pointee.moveSelector(Int(i.reg & 7)))
    }
    /// 8E: the source is always 16 bits (register low word or a word in memory).
    @inline(__always) static func loadReg(_ cpu: CPU, _ i: Instr) { do { try loadRegBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func loadRegBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.loadSegment(Int(i.reg & 7), cpu.reg(i.rm) as UInt16)
    }
    @inline(__always) static func loadMem(_ cpu: CPU, _ i: Instr) { do { try loadMemBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func loadMemBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        let sel: UInt16 = try cpu.load(cpu.effectiveAddress(i))
        try cpu.loadSegment(Int(i.reg & 7), sel)
    }
}

// MARK: - MOVZX / MOVSX / MOVSXD

enum ExtendHandlers<D: GuestInt, S: GuestInt> {
    @inline(__always) static func zxReg(_ cpu: CPU, _ i: Instr) { do { try zxRegBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func zxRegBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        cpu.setReg(i.reg, D(truncatingIfNeeded: cpu.reg(i.rm) as S))
    }
    @inline(__always) static func zxMem(_ cpu: CPU, _ i: Instr) { do { try zxMemBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func zxMemBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        let s: S = try cpu.load(cpu.effectiveAddress(i))
        cpu.setReg(i.reg, D(truncatingIfNeeded: s))
    }
    @inline(__always) static func sxReg(_ cpu: CPU, _ i: Instr) { do { try sxRegBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func sxRegBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        cpu.setReg(i.reg, D(truncatingIfNeeded: moveSignExtend(cpu.reg(i.rm) as S)))
    }
    @inline(__always) static func sxMem(_ cpu: CPU, _ i: Instr) { do { try sxMemBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func sxMemBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        let s: S = try cpu.load(cpu.effectiveAddress(i))
        cpu.setReg(i.reg, D(truncatingIfNeeded: moveSignExtend(s)))
    }
}

// MARK: - LEA

enum LeaHandlers<T: GuestInt> {
    /// 8D: the effective address itself, with no segment base and no memory access. The
    /// address is computed at the address size (67 selects 32 or 16 bits) and then truncated to the
    /// operand size (e.g. `lea ax, [...]` keeps the low 16 bits, `lea eax` zero-extends).
    @inline(__always) static func lea(_ cpu: CPU, _ i: Instr) { do { try leaBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func leaBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        cpu.setReg(i.reg, T(truncatingIfNeeded: cpu.offset(i)))
    }
}

// MARK: - XCHG / XADD / CMPXCHG

enum ExchangeHandlers<T: GuestInt> {
    /// 86/87 register form. Both registers are read before either is written, so
    /// `xchg ah, al` works, and `xchg eax, eax` (87 C0) zero-extends RAX like any 32-bit write.
    @inline(__always) static func xchgReg(_ cpu: CPU, _ i: Instr) { do { try xchgRegBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func xchgRegBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        let a = cpu.reg(i.rm) as T
        let b = cpu.reg(i.reg) as T
        cpu.setReg(i.rm, b)
        cpu.setReg(i.reg, a)
    }
    /// 86/87 memory form (implicitly locked: a single CPU makes that a no-op here). The store
    /// happens before the register write so a faulting store changes nothing.
    @inline(__always) static func xchgMem(_ cpu: CPU, _ i: Instr) { do { try xchgMemBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func xchgMemBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        let ea = cpu.effectiveAddress(i)
        let m: T = try cpu.load(ea)
        try cpu.store(ea, cpu.reg(i.reg) as T)
        cpu.setReg(i.reg, m)
    }
    /// 90+r: XCHG rAX, r. Opcode 90 without REX.B names rAX twice and is NOP: unlike 87 C0 it
    /// does NOT zero-extend RAX in 64-bit mode. With REX.B (49 90) it is `xchg r8, rax`.
    @inline(__always) static func xchgAccumulator(_ cpu: CPU, _ i: Instr) { do { try xchgAccumulatorBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func xchgAccumulatorBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        if i.rm == i.reg { return }
        try xchgRegBody(cpu, i)
    }

    /// 0F C0/C1 XADD E, G: TEMP = DEST + SRC; SRC = DEST; DEST = TEMP (so `xadd eax, eax`
    /// leaves 2*EAX). Flags as ADD.
    @inline(__always) static func xaddReg(_ cpu: CPU, _ i: Instr) { do { try xaddRegBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func xaddRegBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        let d = cpu.reg(i.rm) as T
        let s = cpu.reg(i.reg) as T
        let sum = d &+ s
        cpu.pointee.setLazy(.add, sum, d, s)
        cpu.setReg(i.reg, d)
        cpu.setReg(i.rm, sum)
    }
    @inline(__always) static func xaddMem(_ cpu: CPU, _ i: Instr) { do { try xaddMemBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func xaddMemBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        let ea = cpu.effectiveAddress(i)
        let d: T = try cpu.load(ea)
        let s = cpu.reg(i.reg) as T
        let sum = d &+ s
        try cpu.store(ea, sum)
        cpu.pointee.setLazy(.add, sum, d, s)
        cpu.setReg(i.reg, d)
    }

    /// 0F B0/B1 CMPXCHG E, G: compare the accumulator with DEST (flags as CMP acc, DEST).
    /// Equal: DEST = SRC. Not equal: accumulator = DEST.
    /// Register form, 32-bit: only the register actually written is zero-extended: DEST when
    /// equal (EAX keeps RAX's upper half), EAX when not equal (DEST keeps its upper half).
    @inline(__always) static func cmpxchgReg(_ cpu: CPU, _ i: Instr) { do { try cmpxchgRegBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func cmpxchgRegBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        let acc = cpu.reg(0) as T
        let d = cpu.reg(i.rm) as T
        cpu.pointee.setLazy(.sub, acc &- d, acc, d)
        if acc == d {
            cpu.setReg(i.rm, cpu.reg(i.reg) as T)
        } else {
            cpu.setReg(0, d)
        }
    }
    /// Memory form: the processor always writes the destination (the old value back when the
    /// comparison fails), so a read-only destination faults either way.
    @inline(__always) static func cmpxchgMem(_ cpu: CPU, _ i: Instr) { do { try cmpxchgMemBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func cmpxchgMemBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        let ea = cpu.effectiveAddress(i)
        let d: T = try cpu.load(ea)
        let acc = cpu.reg(0) as T
        if acc == d {
            try cpu.store(ea, cpu.reg(i.reg) as T)
        } else {
            try cpu.store(ea, d)
        }
        cpu.pointee.setLazy(.sub, acc &- d, acc, d)
        if acc != d { cpu.setReg(0, d) }
    }
}

enum WideCompareExchange {
    /// 0F C7 /1 CMPXCHG8B m64: compare EDX:EAX with m64. Equal: ZF = 1, m64 = ECX:EBX.
    /// Not equal: ZF = 0, m64 rewritten with its old value, EDX:EAX = m64 (32-bit writes: the
    /// upper halves of RAX/RDX are cleared). Only ZF changes.
    @inline(__always) static func cmpxchg8b(_ cpu: CPU, _ i: Instr) { do { try cmpxchg8bBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func cmpxchg8bBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        let ea = cpu.effectiveAddress(i)
        let old: UInt64 = try cpu.load(ea)
        let r = cpu.pointee.regs
        let expected = (r[Reg.rdx] << 32) | (r[Reg.rax] & 0xFFFF_FFFF)
        if old == expected {
            try cpu.store(ea, (r[Reg.rcx] << 32) | (r[Reg.rbx] & 0xFFFF_FFFF))
            cpu.pointee.updateArithmeticFlags(mask: Flag.zf, bits: Flag.zf)
        } else {
            try cpu.store(ea, old)
            cpu.pointee.updateArithmeticFlags(mask: Flag.zf, bits: 0)
            r[Reg.rax] = old & 0xFFFF_FFFF
            r[Reg.rdx] = old >> 32
        }
    }
    /// REX.W 0F C7 /1 CMPXCHG16B m128: RDX:RAX against m128, RCX:RBX stored when equal.
    /// The operand must be 16-byte aligned (#GP(0)); aligned, it never crosses a page, so the
    /// two 8-byte stores cannot fault halfway.
    @inline(__always) static func cmpxchg16b(_ cpu: CPU, _ i: Instr) { do { try cmpxchg16bBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func cmpxchg16bBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        let ea = cpu.effectiveAddress(i)
        if ea & 15 != 0 { throw .gp(0) }
        let lo: UInt64 = try cpu.load(ea)
        let hi: UInt64 = try cpu.load(ea &+ 8)
        let r = cpu.pointee.regs
        if lo == r[Reg.rax] && hi == r[Reg.rdx] {
            try cpu.store(ea, r[Reg.rbx])
            try cpu.store(ea &+ 8, r[Reg.rcx])
            cpu.pointee.updateArithmeticFlags(mask: Flag.zf, bits: Flag.zf)
        } else {
            try cpu.store(ea, lo)
            try cpu.store(ea &+ 8, hi)
            cpu.pointee.updateArithmeticFlags(mask: Flag.zf, bits: 0)
            r[Reg.rax] = lo
            r[Reg.rdx] = hi
        }
    }
}

// MARK: - MOVBE

enum MovbeHandlers<T: GuestInt> {
    /// 0F 38 F0: load with the bytes reversed (16-bit merges, 32-bit zero-extends).
    @inline(__always) static func load(_ cpu: CPU, _ i: Instr) { do { try loadBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func loadBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        let v: T = try cpu.load(cpu.effectiveAddress(i))
        cpu.setReg(i.reg, v.byteSwapped)
    }
    /// 0F 38 F1: store with the bytes reversed.
    @inline(__always) static func store(_ cpu: CPU, _ i: Instr) { do { try storeBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func storeBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.store(cpu.effectiveAddress(i), (cpu.reg(i.reg) as T).byteSwapped)
    }
}

// MARK: - Stack

enum StackHandlers<T: GuestInt> {
    /// 50+r, FF /6 register form. `push rsp` pushes the value RSP had before the push.
    @inline(__always) static func pushReg(_ cpu: CPU, _ i: Instr) { do { try pushRegBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func pushRegBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.push(cpu.reg(i.rm) as T)
    }
    /// FF /6 memory form: the address uses RSP before the push.
    @inline(__always) static func pushMem(_ cpu: CPU, _ i: Instr) { do { try pushMemBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func pushMemBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        let v: T = try cpu.load(cpu.effectiveAddress(i))
        try cpu.push(v)
    }
    /// 68/6A: the immediate is already sign-extended (imm8 for 6A, imm16/imm32 for 68).
    @inline(__always) static func pushImm(_ cpu: CPU, _ i: Instr) { do { try pushImmBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func pushImmBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.push(T(truncatingIfNeeded: i.imm))
    }
    /// 58+r, 8F /0 register form. RSP is incremented first and the register written last, so
    /// `pop rsp` leaves the popped value in RSP.
    @inline(__always) static func popReg(_ cpu: CPU, _ i: Instr) { do { try popRegBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func popRegBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        let v: T = try cpu.pop()
        cpu.setReg(i.rm, v)
    }
    /// 8F /0 memory form: the destination address is computed with the *incremented* RSP
    /// (`pop [rsp]` stores where the next item was). If the store faults, RSP is put back.
    @inline(__always) static func popMem(_ cpu: CPU, _ i: Instr) { do { try popMemBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func popMemBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        let savedRSP = cpu.pointee.regs[Reg.rsp]
        let v: T = try cpu.pop()
        do throws(CPUFault) {
            try cpu.store(cpu.effectiveAddress(i), v)
        } catch {
            cpu.pointee.regs[Reg.rsp] = savedRSP
            throw error
        }
    }

    /// 9C PUSHF/PUSHFD/PUSHFQ: the image has RF and VM cleared. 16-bit pushes the low word.
    @inline(__always) static func pushf(_ cpu: CPU, _ i: Instr) { do { try pushfBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func pushfBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        let f = cpu.pointee.rflags & ~(Flag.rf | Flag.vm)
        try cpu.push(T(truncatingIfNeeded: f))
    }

    /// 9D POPF/POPFD/POPFQ. Writable: the status flags, TF, DF, NT, AC, ID always; IOPL only at
    /// CPL 0; IF only when CPL <= IOPL (a silent no-op otherwise, no fault). VM, VIF and VIP
    /// are unaffected; RF is cleared (32/64-bit forms). Reserved bits: bit 1 reads 1, bits
    /// 3, 5, 15 and 22-63 read 0. The 16-bit form only touches the low word.
    /// Not modelled yet: virtual-8086 mode and the VME/PVI variants ([3/6]).
    @inline(__always) static func popf(_ cpu: CPU, _ i: Instr) { do { try popfBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func popfBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        let v: T = try cpu.pop()
        let old = cpu.pointee.rflags
        let cpl = UInt64(cpu.pointee.cpl)
        var writable = Flag.arithmetic | Flag.tf | Flag.df | Flag.nt | Flag.ac | Flag.id
        if cpl == 0 { writable |= Flag.iopl }
        if cpl <= (old & Flag.iopl) >> 12 { writable |= Flag.if }
        var new: UInt64
        if T.bitWidth == 16 {
            writable &= 0xFFFF
            new = (old & ~writable) | (UInt64(v) & writable)
        } else {
            new = ((old & ~writable) | (UInt64(v) & writable)) & ~Flag.rf
        }
        new |= Flag.reserved1
        cpu.pointee.rflags = new
    }
}

/// Carries a segment register number as a type, so PUSH/POP Sreg handlers are concrete.
protocol MoveSegmentRegister { static var seg: Int { get } }
enum MoveSegES: MoveSegmentRegister { static var seg: Int { Seg.es } }
enum MoveSegCS: MoveSegmentRegister { static var seg: Int { Seg.cs } }
enum MoveSegSS: MoveSegmentRegister { static var seg: Int { Seg.ss } }
enum MoveSegDS: MoveSegmentRegister { static var seg: Int { Seg.ds } }
enum MoveSegFS: MoveSegmentRegister { static var seg: Int { Seg.fs } }
enum MoveSegGS: MoveSegmentRegister { static var seg: Int { Seg.gs } }

enum SegmentStackHandlers<T: GuestInt, S: MoveSegmentRegister> {
    /// PUSH Sreg: the selector, zero-extended to the operand size (AMD writes the whole slot;
    /// some Intel cores write only the low word with a 32-bit operand size).
    @inline(__always) static func push(_ cpu: CPU, _ i: Instr) { do { try pushBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func pushBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.push(T(cpu.pointee.moveSelector(S.seg)))
    }
    /// POP Sreg: pops operand-size bytes and loads the low word. If the segment load faults,
    /// RSP is put back (precise).
    @inline(__always) static func pop(_ cpu: CPU, _ i: Instr) { do { try popBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func popBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        let savedRSP = cpu.pointee.regs[Reg.rsp]
        let v: T = try cpu.pop()
        do throws(CPUFault) {
            try cpu.loadSegment(S.seg, UInt16(truncatingIfNeeded: v))
        } catch {
            cpu.pointee.regs[Reg.rsp] = savedRSP
            throw error
        }
    }
}

// MARK: - Accumulator conversions, LAHF/SAHF, XLAT

enum ConvertHandlers {
    /// 98: CBW (AX = sext AL), CWDE (EAX = sext AX, RAX upper half cleared), CDQE (RAX = sext EAX).
    @inline(__always) static func cbw(_ cpu: CPU, _ i: Instr) { do { try cbwBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func cbwBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        cpu.setReg(0, UInt16(truncatingIfNeeded: moveSignExtend(cpu.reg(0) as UInt8)))
    }
    @inline(__always) static func cwde(_ cpu: CPU, _ i: Instr) { do { try cwdeBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func cwdeBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        cpu.setReg(0, UInt32(truncatingIfNeeded: moveSignExtend(cpu.reg(0) as UInt16)))
    }
    @inline(__always) static func cdqe(_ cpu: CPU, _ i: Instr) { do { try cdqeBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func cdqeBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        cpu.setReg(0, moveSignExtend(cpu.reg(0) as UInt32))
    }
    /// 99: CWD (DX = sign of AX), CDQ (EDX = sign of EAX, RDX upper half cleared), CQO.
    @inline(__always) static func cwd(_ cpu: CPU, _ i: Instr) { do { try cwdBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func cwdBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        let sign: UInt16 = (cpu.reg(0) as UInt16) >> 15 != 0 ? 0xFFFF : 0
        cpu.setReg(UInt8(Reg.rdx * 8), sign)
    }
    @inline(__always) static func cdq(_ cpu: CPU, _ i: Instr) { do { try cdqBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func cdqBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        let sign: UInt32 = (cpu.reg(0) as UInt32) >> 31 != 0 ? 0xFFFF_FFFF : 0
        cpu.setReg(UInt8(Reg.rdx * 8), sign)
    }
    @inline(__always) static func cqo(_ cpu: CPU, _ i: Instr) { do { try cqoBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func cqoBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        let sign: UInt64 = (cpu.reg(0) as UInt64) >> 63 != 0 ? ~0 : 0
        cpu.setReg(UInt8(Reg.rdx * 8), sign)
    }

    /// 9F LAHF: AH = SF:ZF:0:AF:0:PF:1:CF. Valid in 64-bit mode on this CPU (CPUID
    /// 80000001h ECX bit 0, LahfSahf). Always AH (register-file byte 1), even with REX.
    @inline(__always) static func lahf(_ cpu: CPU, _ i: Instr) { do { try lahfBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func lahfBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        let f = cpu.pointee.arithmeticFlags & (Flag.sf | Flag.zf | Flag.af | Flag.pf | Flag.cf)
        cpu.setReg(1, UInt8(truncatingIfNeeded: f) | 0x02)
    }
    /// 9E SAHF: SF, ZF, AF, PF, CF from AH (bits 7, 6, 4, 2, 0); OF unchanged.
    @inline(__always) static func sahf(_ cpu: CPU, _ i: Instr) { do { try sahfBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func sahfBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        let ah = UInt64(cpu.reg(1) as UInt8)
        cpu.pointee.updateArithmeticFlags(mask: Flag.sf | Flag.zf | Flag.af | Flag.pf | Flag.cf, bits: ah)
    }

    /// D7 XLAT: AL = [seg:rBX + zero-extended AL], at the address size (BX in 16-bit
    /// addressing, EBX with 32-bit). DS by default; a segment override applies.
    @inline(__always) static func xlat(_ cpu: CPU, _ i: Instr) { do { try xlatBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func xlatBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        let p = i.pointee
        var offset = cpu.pointee.regs[Reg.rbx] &+ UInt64(cpu.reg(0) as UInt8)
        if p.addr32 { offset &= 0xFFFF_FFFF }
        else if cpu.pointee.mode != .long64 { offset &= 0xFFFF }  // 67 in 32-bit mode
        let linear = cpu.pointee.mode == .long64 ? cpu.pointee.segmentBase[Int(p.segment)] &+ offset
            : cpu.segmentedLinear(Int(p.segment), offset)
        let v: UInt8 = try cpu.load(linear)
        cpu.setReg(0, v)
    }
}

// MARK: - CMOVcc, SETcc, NOP

enum CmovHandlers<T: GuestInt, C: MoveConditionCode> {
    /// 0F 40-4F. A 32-bit CMOV writes its destination even when the condition is false: the
    /// upper half of the 64-bit register is cleared either way.
    @inline(__always) static func reg(_ cpu: CPU, _ i: Instr) { do { try regBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func regBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        if cpu.pointee.condition(C.cc) {
            cpu.setReg(i.reg, cpu.reg(i.rm) as T)
        } else if T.bitWidth == 32 {
            cpu.setReg(i.reg, cpu.reg(i.reg) as T)
        }
    }
    /// The memory operand is always read, and may fault, whatever the condition.
    @inline(__always) static func mem(_ cpu: CPU, _ i: Instr) { do { try memBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func memBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        let v: T = try cpu.load(cpu.effectiveAddress(i))
        if cpu.pointee.condition(C.cc) {
            cpu.setReg(i.reg, v)
        } else if T.bitWidth == 32 {
            cpu.setReg(i.reg, cpu.reg(i.reg) as T)
        }
    }
}

enum SetccHandlers<C: MoveConditionCode> {
    /// 0F 90-9F: byte = condition ? 1 : 0 (ModRM.reg is ignored).
    @inline(__always) static func reg(_ cpu: CPU, _ i: Instr) { do { try regBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func regBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        cpu.setReg(i.rm, UInt8(cpu.pointee.condition(C.cc) ? 1 : 0))
    }
    @inline(__always) static func mem(_ cpu: CPU, _ i: Instr) { do { try memBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func memBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.store(cpu.effectiveAddress(i), UInt8(cpu.pointee.condition(C.cc) ? 1 : 0))
    }
}

enum NopHandler {
    /// Does nothing: 90, F3 90 (PAUSE), 0F 1F /0 and the 0F 18-1F hint space (their ModRM
    /// operand is never accessed), 0F 0D PREFETCH. FWAIT also lands here until x87 exceptions
    /// exist ([2/6]: it must then deliver a pending #MF, and #NM when CR0.MP and CR0.TS).
    @inline(__always) static func nop(_ cpu: CPU, _ i: Instr) { do { try nopBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func nopBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {}
}

// MARK: - Handler sets for the opcode tables

public enum Move {
    public static func mov(_ form: BinaryForm) -> HandlerSet {
        switch form {
        case .EG:
            return HandlerSet(reg8: MovHandlers<UInt8>.egReg, reg16: MovHandlers<UInt16>.egReg, reg32: MovHandlers<UInt32>.egReg, reg64: MovHandlers<UInt64>.egReg,
                              mem8: MovHandlers<UInt8>.egMem, mem16: MovHandlers<UInt16>.egMem, mem32: MovHandlers<UInt32>.egMem, mem64: MovHandlers<UInt64>.egMem)
        case .GE:
            return HandlerSet(reg8: MovHandlers<UInt8>.geReg, reg16: MovHandlers<UInt16>.geReg, reg32: MovHandlers<UInt32>.geReg, reg64: MovHandlers<UInt64>.geReg,
                              mem8: MovHandlers<UInt8>.geMem, mem16: MovHandlers<UInt16>.geMem, mem32: MovHandlers<UInt32>.geMem, mem64: MovHandlers<UInt64>.geMem)
        case .EI:
            return HandlerSet(reg8: MovHandlers<UInt8>.eiReg, reg16: MovHandlers<UInt16>.eiReg, reg32: MovHandlers<UInt32>.eiReg, reg64: MovHandlers<UInt64>.eiReg,
                              mem8: MovHandlers<UInt8>.eiMem, mem16: MovHandlers<UInt16>.eiMem, mem32: MovHandlers<UInt32>.eiMem, mem64: MovHandlers<UInt64>.eiMem)
        }
    }
    /// 8C MOV Ev, Sreg and 8E MOV Sreg, Ew.
    public static let movFromSreg = HandlerSet(reg16: SregMoveHandlers<UInt16>.storeReg, reg32: SregMoveHandlers<UInt32>.storeReg,
                                               reg64: SregMoveHandlers<UInt64>.storeReg,
                                               mem16: SregMove.storeMem, mem32: SregMove.storeMem, mem64: SregMove.storeMem)
    public static let movToSreg = HandlerSet(reg16: SregMove.loadReg, reg32: SregMove.loadReg, reg64: SregMove.loadReg,
                                             mem16: SregMove.loadMem, mem32: SregMove.loadMem, mem64: SregMove.loadMem)
    /// 0F B6/B7 MOVZX, 0F BE/BF MOVSX (source byte or word), 63 MOVSXD.
    public static func movzx(sourceBytes: Int) -> HandlerSet {
        if sourceBytes == 1 {
            return HandlerSet(reg16: ExtendHandlers<UInt16, UInt8>.zxReg, reg32: ExtendHandlers<UInt32, UInt8>.zxReg, reg64: ExtendHandlers<UInt64, UInt8>.zxReg,
                              mem16: ExtendHandlers<UInt16, UInt8>.zxMem, mem32: ExtendHandlers<UInt32, UInt8>.zxMem, mem64: ExtendHandlers<UInt64, UInt8>.zxMem)
        }
        return HandlerSet(reg16: ExtendHandlers<UInt16, UInt16>.zxReg, reg32: ExtendHandlers<UInt32, UInt16>.zxReg, reg64: ExtendHandlers<UInt64, UInt16>.zxReg,
                          mem16: ExtendHandlers<UInt16, UInt16>.zxMem, mem32: ExtendHandlers<UInt32, UInt16>.zxMem, mem64: ExtendHandlers<UInt64, UInt16>.zxMem)
    }
    public static func movsx(sourceBytes: Int) -> HandlerSet {
        if sourceBytes == 1 {
            return HandlerSet(reg16: ExtendHandlers<UInt16, UInt8>.sxReg, reg32: ExtendHandlers<UInt32, UInt8>.sxReg, reg64: ExtendHandlers<UInt64, UInt8>.sxReg,
                              mem16: ExtendHandlers<UInt16, UInt8>.sxMem, mem32: ExtendHandlers<UInt32, UInt8>.sxMem, mem64: ExtendHandlers<UInt64, UInt8>.sxMem)
        }
        return HandlerSet(reg16: ExtendHandlers<UInt16, UInt16>.sxReg, reg32: ExtendHandlers<UInt32, UInt16>.sxReg, reg64: ExtendHandlers<UInt64, UInt16>.sxReg,
                          mem16: ExtendHandlers<UInt16, UInt16>.sxMem, mem32: ExtendHandlers<UInt32, UInt16>.sxMem, mem64: ExtendHandlers<UInt64, UInt16>.sxMem)
    }
    /// 63 MOVSXD (64-bit mode only). With REX.W it sign-extends r/m32 to 64 bits; without, it
    /// is a plain 32-bit move (zero-extending), and with 66 a 16-bit move.
    public static let movsxd = HandlerSet(reg16: MovHandlers<UInt16>.geReg, reg32: MovHandlers<UInt32>.geReg, reg64: ExtendHandlers<UInt64, UInt32>.sxReg,
                                          mem16: MovHandlers<UInt16>.geMem, mem32: MovHandlers<UInt32>.geMem, mem64: ExtendHandlers<UInt64, UInt32>.sxMem)
    public static let lea = HandlerSet(mem16: LeaHandlers<UInt16>.lea, mem32: LeaHandlers<UInt32>.lea, mem64: LeaHandlers<UInt64>.lea)
    /// 86/87 XCHG (memory forms are always locked).
    public static let xchg = HandlerSet(reg8: ExchangeHandlers<UInt8>.xchgReg, reg16: ExchangeHandlers<UInt16>.xchgReg, reg32: ExchangeHandlers<UInt32>.xchgReg, reg64: ExchangeHandlers<UInt64>.xchgReg,
                                        mem8: ExchangeHandlers<UInt8>.xchgMem, mem16: ExchangeHandlers<UInt16>.xchgMem, mem32: ExchangeHandlers<UInt32>.xchgMem, mem64: ExchangeHandlers<UInt64>.xchgMem)
    /// 90+r XCHG rAX, r (90 itself is NOP unless REX.B makes it `xchg r8, rax`).
    public static let xchgAccumulator = HandlerSet(any16: ExchangeHandlers<UInt16>.xchgAccumulator, any32: ExchangeHandlers<UInt32>.xchgAccumulator,
                                                   any64: ExchangeHandlers<UInt64>.xchgAccumulator)
    public static let xadd = HandlerSet(reg8: ExchangeHandlers<UInt8>.xaddReg, reg16: ExchangeHandlers<UInt16>.xaddReg, reg32: ExchangeHandlers<UInt32>.xaddReg, reg64: ExchangeHandlers<UInt64>.xaddReg,
                                        mem8: ExchangeHandlers<UInt8>.xaddMem, mem16: ExchangeHandlers<UInt16>.xaddMem, mem32: ExchangeHandlers<UInt32>.xaddMem, mem64: ExchangeHandlers<UInt64>.xaddMem)
    public static let cmpxchg = HandlerSet(reg8: ExchangeHandlers<UInt8>.cmpxchgReg, reg16: ExchangeHandlers<UInt16>.cmpxchgReg, reg32: ExchangeHandlers<UInt32>.cmpxchgReg, reg64: ExchangeHandlers<UInt64>.cmpxchgReg,
                                           mem8: ExchangeHandlers<UInt8>.cmpxchgMem, mem16: ExchangeHandlers<UInt16>.cmpxchgMem, mem32: ExchangeHandlers<UInt32>.cmpxchgMem, mem64: ExchangeHandlers<UInt64>.cmpxchgMem)
    /// 0F C7 /1: CMPXCHG8B, or CMPXCHG16B with REX.W (16-byte aligned, else #GP). A 66 prefix
    /// does not change the operand (it stays 8 bytes).
    public static let cmpxchg8b16b = HandlerSet(mem16: WideCompareExchange.cmpxchg8b, mem32: WideCompareExchange.cmpxchg8b,
                                                mem64: WideCompareExchange.cmpxchg16b)
    /// 0F 38 F0/F1 MOVBE Gv,Mv / Mv,Gv.
    public static let movbeLoad = HandlerSet(mem16: MovbeHandlers<UInt16>.load, mem32: MovbeHandlers<UInt32>.load, mem64: MovbeHandlers<UInt64>.load)
    public static let movbeStore = HandlerSet(mem16: MovbeHandlers<UInt16>.store, mem32: MovbeHandlers<UInt32>.store, mem64: MovbeHandlers<UInt64>.store)
    /// FF /6 and 50+r PUSH; 8F /0 and 58+r POP; 68/6A PUSH imm. In 64-bit mode the operand size
    /// is 64 (or 16 with 66); 32-bit pushes exist only outside 64-bit mode.
    public static let push = HandlerSet(reg16: StackHandlers<UInt16>.pushReg, reg32: StackHandlers<UInt32>.pushReg, reg64: StackHandlers<UInt64>.pushReg,
                                        mem16: StackHandlers<UInt16>.pushMem, mem32: StackHandlers<UInt32>.pushMem, mem64: StackHandlers<UInt64>.pushMem)
    public static let pop = HandlerSet(reg16: StackHandlers<UInt16>.popReg, reg32: StackHandlers<UInt32>.popReg, reg64: StackHandlers<UInt64>.popReg,
                                       mem16: StackHandlers<UInt16>.popMem, mem32: StackHandlers<UInt32>.popMem, mem64: StackHandlers<UInt64>.popMem)
    public static let pushImm = HandlerSet(any16: StackHandlers<UInt16>.pushImm, any32: StackHandlers<UInt32>.pushImm, any64: StackHandlers<UInt64>.pushImm)
    /// PUSH/POP of a segment register (06/07/0E/16/17/1E/1F in 32-bit mode, 0F A0/A1/A8/A9).
    public static func pushSreg(_ seg: Int) -> HandlerSet {
        switch seg {
        case Seg.es: return HandlerSet(any16: SegmentStackHandlers<UInt16, MoveSegES>.push, any32: SegmentStackHandlers<UInt32, MoveSegES>.push, any64: SegmentStackHandlers<UInt64, MoveSegES>.push)
        case Seg.cs: return HandlerSet(any16: SegmentStackHandlers<UInt16, MoveSegCS>.push, any32: SegmentStackHandlers<UInt32, MoveSegCS>.push, any64: SegmentStackHandlers<UInt64, MoveSegCS>.push)
        case Seg.ss: return HandlerSet(any16: SegmentStackHandlers<UInt16, MoveSegSS>.push, any32: SegmentStackHandlers<UInt32, MoveSegSS>.push, any64: SegmentStackHandlers<UInt64, MoveSegSS>.push)
        case Seg.ds: return HandlerSet(any16: SegmentStackHandlers<UInt16, MoveSegDS>.push, any32: SegmentStackHandlers<UInt32, MoveSegDS>.push, any64: SegmentStackHandlers<UInt64, MoveSegDS>.push)
        case Seg.fs: return HandlerSet(any16: SegmentStackHandlers<UInt16, MoveSegFS>.push, any32: SegmentStackHandlers<UInt32, MoveSegFS>.push, any64: SegmentStackHandlers<UInt64, MoveSegFS>.push)
        case Seg.gs: return HandlerSet(any16: SegmentStackHandlers<UInt16, MoveSegGS>.push, any32: SegmentStackHandlers<UInt32, MoveSegGS>.push, any64: SegmentStackHandlers<UInt64, MoveSegGS>.push)
        default: return .unimplemented
        }
    }
    public static func popSreg(_ seg: Int) -> HandlerSet {
        switch seg {
        case Seg.es: return HandlerSet(any16: SegmentStackHandlers<UInt16, MoveSegES>.pop, any32: SegmentStackHandlers<UInt32, MoveSegES>.pop, any64: SegmentStackHandlers<UInt64, MoveSegES>.pop)
        case Seg.ss: return HandlerSet(any16: SegmentStackHandlers<UInt16, MoveSegSS>.pop, any32: SegmentStackHandlers<UInt32, MoveSegSS>.pop, any64: SegmentStackHandlers<UInt64, MoveSegSS>.pop)
        case Seg.ds: return HandlerSet(any16: SegmentStackHandlers<UInt16, MoveSegDS>.pop, any32: SegmentStackHandlers<UInt32, MoveSegDS>.pop, any64: SegmentStackHandlers<UInt64, MoveSegDS>.pop)
        case Seg.fs: return HandlerSet(any16: SegmentStackHandlers<UInt16, MoveSegFS>.pop, any32: SegmentStackHandlers<UInt32, MoveSegFS>.pop, any64: SegmentStackHandlers<UInt64, MoveSegFS>.pop)
        case Seg.gs: return HandlerSet(any16: SegmentStackHandlers<UInt16, MoveSegGS>.pop, any32: SegmentStackHandlers<UInt32, MoveSegGS>.pop, any64: SegmentStackHandlers<UInt64, MoveSegGS>.pop)
        default: return .unimplemented  // there is no POP CS
        }
    }
    public static let pushf = HandlerSet(any16: StackHandlers<UInt16>.pushf, any32: StackHandlers<UInt32>.pushf, any64: StackHandlers<UInt64>.pushf)
    public static let popf = HandlerSet(any16: StackHandlers<UInt16>.popf, any32: StackHandlers<UInt32>.popf, any64: StackHandlers<UInt64>.popf)
    /// 98: CBW/CWDE/CDQE; 99: CWD/CDQ/CQO.
    public static let convertAccumulator = HandlerSet(any16: ConvertHandlers.cbw, any32: ConvertHandlers.cwde, any64: ConvertHandlers.cdqe)
    public static let convertToDouble = HandlerSet(any16: ConvertHandlers.cwd, any32: ConvertHandlers.cdq, any64: ConvertHandlers.cqo)
    public static let lahf = HandlerSet(all: ConvertHandlers.lahf)
    public static let sahf = HandlerSet(all: ConvertHandlers.sahf)
    public static let xlat = HandlerSet(all: ConvertHandlers.xlat)
    public static func cmov(_ cc: UInt8) -> HandlerSet { cmovSet(cc) }
    public static func setcc(_ cc: UInt8) -> HandlerSet { setccSet(cc) }
    /// NOP forms (90 via xchgAccumulator, 0F 1F /0, 0F 18-1F hints, F3 90 PAUSE, FWAIT).
    public static let nop = HandlerSet(all: NopHandler.nop)
}

// MARK: - Per-condition handler sets (CMOVcc, SETcc)

/// One carrier type per condition code, so each CMOVcc/SETcc handler folds its test at compile time.
protocol MoveConditionCode { static var cc: UInt8 { get } }
enum MoveCCO: MoveConditionCode { static var cc: UInt8 { 0x0 } }
enum MoveCCNO: MoveConditionCode { static var cc: UInt8 { 0x1 } }
enum MoveCCB: MoveConditionCode { static var cc: UInt8 { 0x2 } }
enum MoveCCAE: MoveConditionCode { static var cc: UInt8 { 0x3 } }
enum MoveCCE: MoveConditionCode { static var cc: UInt8 { 0x4 } }
enum MoveCCNE: MoveConditionCode { static var cc: UInt8 { 0x5 } }
enum MoveCCBE: MoveConditionCode { static var cc: UInt8 { 0x6 } }
enum MoveCCA: MoveConditionCode { static var cc: UInt8 { 0x7 } }
enum MoveCCS: MoveConditionCode { static var cc: UInt8 { 0x8 } }
enum MoveCCNS: MoveConditionCode { static var cc: UInt8 { 0x9 } }
enum MoveCCP: MoveConditionCode { static var cc: UInt8 { 0xA } }
enum MoveCCNP: MoveConditionCode { static var cc: UInt8 { 0xB } }
enum MoveCCL: MoveConditionCode { static var cc: UInt8 { 0xC } }
enum MoveCCGE: MoveConditionCode { static var cc: UInt8 { 0xD } }
enum MoveCCLE: MoveConditionCode { static var cc: UInt8 { 0xE } }
enum MoveCCG: MoveConditionCode { static var cc: UInt8 { 0xF } }

extension Move {
    static func cmovSet(_ cc: UInt8) -> HandlerSet {
        switch cc & 0xF {
        case 0x0: return HandlerSet(reg16: CmovHandlers<UInt16, MoveCCO>.reg, reg32: CmovHandlers<UInt32, MoveCCO>.reg, reg64: CmovHandlers<UInt64, MoveCCO>.reg,
                                  mem16: CmovHandlers<UInt16, MoveCCO>.mem, mem32: CmovHandlers<UInt32, MoveCCO>.mem, mem64: CmovHandlers<UInt64, MoveCCO>.mem)
        case 0x1: return HandlerSet(reg16: CmovHandlers<UInt16, MoveCCNO>.reg, reg32: CmovHandlers<UInt32, MoveCCNO>.reg, reg64: CmovHandlers<UInt64, MoveCCNO>.reg,
                                  mem16: CmovHandlers<UInt16, MoveCCNO>.mem, mem32: CmovHandlers<UInt32, MoveCCNO>.mem, mem64: CmovHandlers<UInt64, MoveCCNO>.mem)
        case 0x2: return HandlerSet(reg16: CmovHandlers<UInt16, MoveCCB>.reg, reg32: CmovHandlers<UInt32, MoveCCB>.reg, reg64: CmovHandlers<UInt64, MoveCCB>.reg,
                                  mem16: CmovHandlers<UInt16, MoveCCB>.mem, mem32: CmovHandlers<UInt32, MoveCCB>.mem, mem64: CmovHandlers<UInt64, MoveCCB>.mem)
        case 0x3: return HandlerSet(reg16: CmovHandlers<UInt16, MoveCCAE>.reg, reg32: CmovHandlers<UInt32, MoveCCAE>.reg, reg64: CmovHandlers<UInt64, MoveCCAE>.reg,
                                  mem16: CmovHandlers<UInt16, MoveCCAE>.mem, mem32: CmovHandlers<UInt32, MoveCCAE>.mem, mem64: CmovHandlers<UInt64, MoveCCAE>.mem)
        case 0x4: return HandlerSet(reg16: CmovHandlers<UInt16, MoveCCE>.reg, reg32: CmovHandlers<UInt32, MoveCCE>.reg, reg64: CmovHandlers<UInt64, MoveCCE>.reg,
                                  mem16: CmovHandlers<UInt16, MoveCCE>.mem, mem32: CmovHandlers<UInt32, MoveCCE>.mem, mem64: CmovHandlers<UInt64, MoveCCE>.mem)
        case 0x5: return HandlerSet(reg16: CmovHandlers<UInt16, MoveCCNE>.reg, reg32: CmovHandlers<UInt32, MoveCCNE>.reg, reg64: CmovHandlers<UInt64, MoveCCNE>.reg,
                                  mem16: CmovHandlers<UInt16, MoveCCNE>.mem, mem32: CmovHandlers<UInt32, MoveCCNE>.mem, mem64: CmovHandlers<UInt64, MoveCCNE>.mem)
        case 0x6: return HandlerSet(reg16: CmovHandlers<UInt16, MoveCCBE>.reg, reg32: CmovHandlers<UInt32, MoveCCBE>.reg, reg64: CmovHandlers<UInt64, MoveCCBE>.reg,
                                  mem16: CmovHandlers<UInt16, MoveCCBE>.mem, mem32: CmovHandlers<UInt32, MoveCCBE>.mem, mem64: CmovHandlers<UInt64, MoveCCBE>.mem)
        case 0x7: return HandlerSet(reg16: CmovHandlers<UInt16, MoveCCA>.reg, reg32: CmovHandlers<UInt32, MoveCCA>.reg, reg64: CmovHandlers<UInt64, MoveCCA>.reg,
                                  mem16: CmovHandlers<UInt16, MoveCCA>.mem, mem32: CmovHandlers<UInt32, MoveCCA>.mem, mem64: CmovHandlers<UInt64, MoveCCA>.mem)
        case 0x8: return HandlerSet(reg16: CmovHandlers<UInt16, MoveCCS>.reg, reg32: CmovHandlers<UInt32, MoveCCS>.reg, reg64: CmovHandlers<UInt64, MoveCCS>.reg,
                                  mem16: CmovHandlers<UInt16, MoveCCS>.mem, mem32: CmovHandlers<UInt32, MoveCCS>.mem, mem64: CmovHandlers<UInt64, MoveCCS>.mem)
        case 0x9: return HandlerSet(reg16: CmovHandlers<UInt16, MoveCCNS>.reg, reg32: CmovHandlers<UInt32, MoveCCNS>.reg, reg64: CmovHandlers<UInt64, MoveCCNS>.reg,
                                  mem16: CmovHandlers<UInt16, MoveCCNS>.mem, mem32: CmovHandlers<UInt32, MoveCCNS>.mem, mem64: CmovHandlers<UInt64, MoveCCNS>.mem)
        case 0xA: return HandlerSet(reg16: CmovHandlers<UInt16, MoveCCP>.reg, reg32: CmovHandlers<UInt32, MoveCCP>.reg, reg64: CmovHandlers<UInt64, MoveCCP>.reg,
                                  mem16: CmovHandlers<UInt16, MoveCCP>.mem, mem32: CmovHandlers<UInt32, MoveCCP>.mem, mem64: CmovHandlers<UInt64, MoveCCP>.mem)
        case 0xB: return HandlerSet(reg16: CmovHandlers<UInt16, MoveCCNP>.reg, reg32: CmovHandlers<UInt32, MoveCCNP>.reg, reg64: CmovHandlers<UInt64, MoveCCNP>.reg,
                                  mem16: CmovHandlers<UInt16, MoveCCNP>.mem, mem32: CmovHandlers<UInt32, MoveCCNP>.mem, mem64: CmovHandlers<UInt64, MoveCCNP>.mem)
        case 0xC: return HandlerSet(reg16: CmovHandlers<UInt16, MoveCCL>.reg, reg32: CmovHandlers<UInt32, MoveCCL>.reg, reg64: CmovHandlers<UInt64, MoveCCL>.reg,
                                  mem16: CmovHandlers<UInt16, MoveCCL>.mem, mem32: CmovHandlers<UInt32, MoveCCL>.mem, mem64: CmovHandlers<UInt64, MoveCCL>.mem)
        case 0xD: return HandlerSet(reg16: CmovHandlers<UInt16, MoveCCGE>.reg, reg32: CmovHandlers<UInt32, MoveCCGE>.reg, reg64: CmovHandlers<UInt64, MoveCCGE>.reg,
                                  mem16: CmovHandlers<UInt16, MoveCCGE>.mem, mem32: CmovHandlers<UInt32, MoveCCGE>.mem, mem64: CmovHandlers<UInt64, MoveCCGE>.mem)
        case 0xE: return HandlerSet(reg16: CmovHandlers<UInt16, MoveCCLE>.reg, reg32: CmovHandlers<UInt32, MoveCCLE>.reg, reg64: CmovHandlers<UInt64, MoveCCLE>.reg,
                                  mem16: CmovHandlers<UInt16, MoveCCLE>.mem, mem32: CmovHandlers<UInt32, MoveCCLE>.mem, mem64: CmovHandlers<UInt64, MoveCCLE>.mem)
        case 0xF: return HandlerSet(reg16: CmovHandlers<UInt16, MoveCCG>.reg, reg32: CmovHandlers<UInt32, MoveCCG>.reg, reg64: CmovHandlers<UInt64, MoveCCG>.reg,
                                  mem16: CmovHandlers<UInt16, MoveCCG>.mem, mem32: CmovHandlers<UInt32, MoveCCG>.mem, mem64: CmovHandlers<UInt64, MoveCCG>.mem)
        default: return .unimplemented
        }
    }

    static func setccSet(_ cc: UInt8) -> HandlerSet {
        switch cc & 0xF {
        case 0x0: return HandlerSet(reg8: SetccHandlers<MoveCCO>.reg, mem8: SetccHandlers<MoveCCO>.mem)
        case 0x1: return HandlerSet(reg8: SetccHandlers<MoveCCNO>.reg, mem8: SetccHandlers<MoveCCNO>.mem)
        case 0x2: return HandlerSet(reg8: SetccHandlers<MoveCCB>.reg, mem8: SetccHandlers<MoveCCB>.mem)
        case 0x3: return HandlerSet(reg8: SetccHandlers<MoveCCAE>.reg, mem8: SetccHandlers<MoveCCAE>.mem)
        case 0x4: return HandlerSet(reg8: SetccHandlers<MoveCCE>.reg, mem8: SetccHandlers<MoveCCE>.mem)
        case 0x5: return HandlerSet(reg8: SetccHandlers<MoveCCNE>.reg, mem8: SetccHandlers<MoveCCNE>.mem)
        case 0x6: return HandlerSet(reg8: SetccHandlers<MoveCCBE>.reg, mem8: SetccHandlers<MoveCCBE>.mem)
        case 0x7: return HandlerSet(reg8: SetccHandlers<MoveCCA>.reg, mem8: SetccHandlers<MoveCCA>.mem)
        case 0x8: return HandlerSet(reg8: SetccHandlers<MoveCCS>.reg, mem8: SetccHandlers<MoveCCS>.mem)
        case 0x9: return HandlerSet(reg8: SetccHandlers<MoveCCNS>.reg, mem8: SetccHandlers<MoveCCNS>.mem)
        case 0xA: return HandlerSet(reg8: SetccHandlers<MoveCCP>.reg, mem8: SetccHandlers<MoveCCP>.mem)
        case 0xB: return HandlerSet(reg8: SetccHandlers<MoveCCNP>.reg, mem8: SetccHandlers<MoveCCNP>.mem)
        case 0xC: return HandlerSet(reg8: SetccHandlers<MoveCCL>.reg, mem8: SetccHandlers<MoveCCL>.mem)
        case 0xD: return HandlerSet(reg8: SetccHandlers<MoveCCGE>.reg, mem8: SetccHandlers<MoveCCGE>.mem)
        case 0xE: return HandlerSet(reg8: SetccHandlers<MoveCCLE>.reg, mem8: SetccHandlers<MoveCCLE>.mem)
        case 0xF: return HandlerSet(reg8: SetccHandlers<MoveCCG>.reg, mem8: SetccHandlers<MoveCCG>.mem)
        default: return .unimplemented
        }
    }
}
