// Layer: X86 (CPU model), instruction handlers: near jumps, calls, returns, LOOP/JrCXZ,
// ENTER/LEAVE (64-bit mode and 32-bit protected mode with a flat, 32-bit stack segment).
//
// Conventions the handlers rely on:
// - Handlers do not keep RIP current (see Handler in DecodedInstruction.swift): a not-taken
//   branch does nothing (the dispatcher continues after it), a taken one writes
//   `cpu.pointee.rip` (which also marks the block as left), and a CALL pushes `i.nextRIP`.
// - Relative targets arrive absolute in `i.imm`; the decoder already truncated them to 32 bits
//   in 32-bit mode, or to 16 bits with a 66 prefix there ("EIP <- tempEIP AND 0000FFFFh").
// - A branch to a non-canonical address raises #GP(0) *on the branch* (RIP stays at it, no
//   register or stack change), as real CPUs do; the target is never fetched. A 32-bit target
//   is always canonical, so the same check is harmless (and free of a mode test) in 32-bit mode.
// - Every handler loads and checks everything that can fault before it writes any register
//   (x86 faults are precise): a faulting CALL leaves RSP unchanged, a RET whose target is
//   non-canonical leaves RSP pointing at the return address.
// - Outside 64-bit mode a target beyond CS.limit raises #GP(0) on the branch, like a
//   non-canonical one (`checkCodeLimit`, MMU/Segmentation.swift); stack accesses are checked
//   against SS.limit (#SS(0)).
// - Operand size of near branches in 64-bit mode (`.force64` in the tables): 64 bits, but on
//   the AMD reference CPU (measured on the host) a 66 prefix without REX.W selects 16 bits for
//   every near branch (Jcc, JMP, CALL, RET, LOOPcc, JrCXZ, indirect forms): rel16 immediates,
//   targets truncated to 16 bits, 2-byte pushes and pops. Intel ignores 66 there. The decoder
//   follows AMD, so the 16-bit handlers below also run in 64-bit mode (64-bit stack pointer).

public enum LoopKind: Sendable { case loop, loope, loopne, jrcxz }

typealias StackWord = FixedWidthInteger & UnsignedInteger

extension UnsafeMutablePointer where Pointee == CPUState {
    /// Jumps to `target`, raising #GP(0) first if it is not canonical (64-bit mode rule; a
    /// 32-bit target is always canonical).
    @inline(__always) func branch(to target: UInt64) throws(CPUFault) {
        guard CPUState.isCanonical(target) else { throw .gp(0) }
        pointee.regs[Reg.rip] = target
        pointee.exitBlock = BlockExit.jumped
    }

    /// `branch(to:)` for the handlers that run outside 64-bit mode (the 16/32-bit slots of
    /// Jcc, JMP and the indirect forms): the target must also lie within CS.limit. Kept apart
    /// so the 64-bit handlers keep their single canonical check (one more compare in them cost
    /// the Jcc handlers their shrink-wrapped prologue: measured +1.5 host instructions per
    /// guest instruction on the sort workload).
    @inline(__always) func branchWithinLimit(to target: UInt64) throws(CPUFault) {
        try pointee.checkCodeLimit(target)
        try branch(to: target)
    }

    /// Mask of the stack pointer's width: RSP in 64-bit mode, else ESP (SS.B = 1) or SP.
    @inline(__always) var stackMask: UInt64 { stackWidthMask }

    /// Linear address of stack offset `sp` (already reduced to the stack width).
    @inline(__always) func stackLinear(_ sp: UInt64) -> UInt64 {
        if pointee.mode == .long64 { return sp }
        return segmentedLinear(Seg.ss, sp)
    }

    /// Stores a new stack pointer of the stack's width (ESP writes keep RSP's upper half, which
    /// 32-bit code cannot see, as the push/pop helpers do).
    @inline(__always) func setStackPointer(_ sp: UInt64) {
        if pointee.mode == .long64 {
            pointee.regs[Reg.rsp] = sp
        } else {
            setStackPointerKeepingWidth(sp)
        }
    }

    /// Pops a return address of width T and `extra` more bytes (RET imm16), then jumps to it.
    /// The target is checked before RSP moves, so a #GP leaves the stack untouched.
    @inline(__always) func returnNear<T: StackWord>(_: T.Type, extra: UInt64) throws(CPUFault) {
        let mask = stackMask
        let sp = pointee.regs[Reg.rsp] & mask
        let target: T = try pointee.read(stackLinear(sp), stack: true)
        if T.self != UInt64.self { try pointee.checkCodeLimit(UInt64(target)) }
        try branch(to: UInt64(target))
        setStackPointer((sp &+ UInt64(MemoryLayout<T>.size) &+ extra) & mask)
    }
}

/// Jcc: one handler per condition, each with its condition a literal so `condition(_:)` folds
/// to a single flag test. Taken and not-taken are two separate paths: not taken does nothing
/// (RIP already points past the Jcc).
enum JccHandlers {
    @inline(__always) static func jo(_ cpu: CPU, _ i: Instr) { do { try joBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func joBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) { if cpu.pointee.condition(0x0) { try cpu.branch(to: i.imm) } }
    @inline(__always) static func jno(_ cpu: CPU, _ i: Instr) { do { try jnoBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func jnoBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) { if cpu.pointee.condition(0x1) { try cpu.branch(to: i.imm) } }
    @inline(__always) static func jb(_ cpu: CPU, _ i: Instr) { do { try jbBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func jbBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) { if cpu.pointee.condition(0x2) { try cpu.branch(to: i.imm) } }
    @inline(__always) static func jae(_ cpu: CPU, _ i: Instr) { do { try jaeBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func jaeBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) { if cpu.pointee.condition(0x3) { try cpu.branch(to: i.imm) } }
    @inline(__always) static func je(_ cpu: CPU, _ i: Instr) { do { try jeBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func jeBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) { if cpu.pointee.condition(0x4) { try cpu.branch(to: i.imm) } }
    @inline(__always) static func jne(_ cpu: CPU, _ i: Instr) { do { try jneBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func jneBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) { if cpu.pointee.condition(0x5) { try cpu.branch(to: i.imm) } }
    @inline(__always) static func jbe(_ cpu: CPU, _ i: Instr) { do { try jbeBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func jbeBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) { if cpu.pointee.condition(0x6) { try cpu.branch(to: i.imm) } }
    @inline(__always) static func ja(_ cpu: CPU, _ i: Instr) { do { try jaBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func jaBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) { if cpu.pointee.condition(0x7) { try cpu.branch(to: i.imm) } }
    @inline(__always) static func js(_ cpu: CPU, _ i: Instr) { do { try jsBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func jsBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) { if cpu.pointee.condition(0x8) { try cpu.branch(to: i.imm) } }
    @inline(__always) static func jns(_ cpu: CPU, _ i: Instr) { do { try jnsBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func jnsBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) { if cpu.pointee.condition(0x9) { try cpu.branch(to: i.imm) } }
    @inline(__always) static func jp(_ cpu: CPU, _ i: Instr) { do { try jpBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func jpBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) { if cpu.pointee.condition(0xA) { try cpu.branch(to: i.imm) } }
    @inline(__always) static func jnp(_ cpu: CPU, _ i: Instr) { do { try jnpBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func jnpBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) { if cpu.pointee.condition(0xB) { try cpu.branch(to: i.imm) } }
    @inline(__always) static func jl(_ cpu: CPU, _ i: Instr) { do { try jlBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func jlBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) { if cpu.pointee.condition(0xC) { try cpu.branch(to: i.imm) } }
    @inline(__always) static func jge(_ cpu: CPU, _ i: Instr) { do { try jgeBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func jgeBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) { if cpu.pointee.condition(0xD) { try cpu.branch(to: i.imm) } }
    @inline(__always) static func jle(_ cpu: CPU, _ i: Instr) { do { try jleBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func jleBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) { if cpu.pointee.condition(0xE) { try cpu.branch(to: i.imm) } }
    @inline(__always) static func jg(_ cpu: CPU, _ i: Instr) { do { try jgBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func jgBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) { if cpu.pointee.condition(0xF) { try cpu.branch(to: i.imm) } }
}

/// Jcc for the 16- and 32-bit slots (outside 64-bit mode, and the AMD 66-prefixed form): the
/// taken target must lie within CS.limit, else #GP(0) on the Jcc (`branchWithinLimit`).
enum JccLimitHandlers {
    @inline(__always) static func jo(_ cpu: CPU, _ i: Instr) { do { try joBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func joBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) { if cpu.pointee.condition(0x0) { try cpu.branchWithinLimit(to: i.imm) } }
    @inline(__always) static func jno(_ cpu: CPU, _ i: Instr) { do { try jnoBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func jnoBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) { if cpu.pointee.condition(0x1) { try cpu.branchWithinLimit(to: i.imm) } }
    @inline(__always) static func jb(_ cpu: CPU, _ i: Instr) { do { try jbBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func jbBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) { if cpu.pointee.condition(0x2) { try cpu.branchWithinLimit(to: i.imm) } }
    @inline(__always) static func jae(_ cpu: CPU, _ i: Instr) { do { try jaeBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func jaeBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) { if cpu.pointee.condition(0x3) { try cpu.branchWithinLimit(to: i.imm) } }
    @inline(__always) static func je(_ cpu: CPU, _ i: Instr) { do { try jeBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func jeBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) { if cpu.pointee.condition(0x4) { try cpu.branchWithinLimit(to: i.imm) } }
    @inline(__always) static func jne(_ cpu: CPU, _ i: Instr) { do { try jneBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func jneBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) { if cpu.pointee.condition(0x5) { try cpu.branchWithinLimit(to: i.imm) } }
    @inline(__always) static func jbe(_ cpu: CPU, _ i: Instr) { do { try jbeBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func jbeBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) { if cpu.pointee.condition(0x6) { try cpu.branchWithinLimit(to: i.imm) } }
    @inline(__always) static func ja(_ cpu: CPU, _ i: Instr) { do { try jaBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func jaBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) { if cpu.pointee.condition(0x7) { try cpu.branchWithinLimit(to: i.imm) } }
    @inline(__always) static func js(_ cpu: CPU, _ i: Instr) { do { try jsBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func jsBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) { if cpu.pointee.condition(0x8) { try cpu.branchWithinLimit(to: i.imm) } }
    @inline(__always) static func jns(_ cpu: CPU, _ i: Instr) { do { try jnsBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func jnsBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) { if cpu.pointee.condition(0x9) { try cpu.branchWithinLimit(to: i.imm) } }
    @inline(__always) static func jp(_ cpu: CPU, _ i: Instr) { do { try jpBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func jpBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) { if cpu.pointee.condition(0xA) { try cpu.branchWithinLimit(to: i.imm) } }
    @inline(__always) static func jnp(_ cpu: CPU, _ i: Instr) { do { try jnpBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func jnpBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) { if cpu.pointee.condition(0xB) { try cpu.branchWithinLimit(to: i.imm) } }
    @inline(__always) static func jl(_ cpu: CPU, _ i: Instr) { do { try jlBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func jlBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) { if cpu.pointee.condition(0xC) { try cpu.branchWithinLimit(to: i.imm) } }
    @inline(__always) static func jge(_ cpu: CPU, _ i: Instr) { do { try jgeBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func jgeBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) { if cpu.pointee.condition(0xD) { try cpu.branchWithinLimit(to: i.imm) } }
    @inline(__always) static func jle(_ cpu: CPU, _ i: Instr) { do { try jleBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func jleBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) { if cpu.pointee.condition(0xE) { try cpu.branchWithinLimit(to: i.imm) } }
    @inline(__always) static func jg(_ cpu: CPU, _ i: Instr) { do { try jgBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func jgBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) { if cpu.pointee.condition(0xF) { try cpu.branchWithinLimit(to: i.imm) } }
}

/// JMP/CALL/RET handlers. Slots: 16-bit and 32-bit forms run only in 32-bit mode (66 prefix
/// selects 16), 64-bit forms only in 64-bit mode (operand size forced to 64).
enum BranchHandlers {
    // JMP rel8/rel32: the decoder has already truncated the target to the operand size.
    @inline(__always) static func jmpRel(_ cpu: CPU, _ i: Instr) { do { try jmpRelBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func jmpRelBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) { try cpu.branch(to: i.imm) }
    @inline(__always) static func jmpRelLimited(_ cpu: CPU, _ i: Instr) { do { try jmpRelLimitedBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func jmpRelLimitedBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) { try cpu.branchWithinLimit(to: i.imm) }

    // CALL rel: push the address of the next instruction, then jump. The target is checked
    // first: a faulting CALL pushes nothing (the push helper leaves RSP alone when it faults).
    @inline(__always) static func callRel16(_ cpu: CPU, _ i: Instr) { do { try callRel16Body(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func callRel16Body(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.pointee.checkCodeLimit(i.imm)
        try cpu.push(UInt16(truncatingIfNeeded: i.pointee.nextRIP))
        cpu.pointee.rip = i.imm
    }
    @inline(__always) static func callRel32(_ cpu: CPU, _ i: Instr) { do { try callRel32Body(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func callRel32Body(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.pointee.checkCodeLimit(i.imm)
        try cpu.push(UInt32(truncatingIfNeeded: i.pointee.nextRIP))
        cpu.pointee.rip = i.imm
    }
    @inline(__always) static func callRel64(_ cpu: CPU, _ i: Instr) { do { try callRel64Body(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func callRel64Body(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        let target = i.imm
        guard CPUState.isCanonical(target) else { throw .gp(0) }
        try cpu.push(i.pointee.nextRIP)
        cpu.pointee.rip = target
    }

    // JMP r/m (FF /4): the operand is the absolute target, zero-extended (a 16-bit one
    // clears EIP's upper half).
    @inline(__always) static func jmpReg16(_ cpu: CPU, _ i: Instr) { do { try jmpReg16Body(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func jmpReg16Body(_ cpu: CPU, _ i: Instr) throws(CPUFault) { try cpu.branchWithinLimit(to: UInt64(cpu.reg(i.rm) as UInt16)) }
    @inline(__always) static func jmpReg32(_ cpu: CPU, _ i: Instr) { do { try jmpReg32Body(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func jmpReg32Body(_ cpu: CPU, _ i: Instr) throws(CPUFault) { try cpu.branchWithinLimit(to: UInt64(cpu.reg(i.rm) as UInt32)) }
    @inline(__always) static func jmpReg64(_ cpu: CPU, _ i: Instr) { do { try jmpReg64Body(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func jmpReg64Body(_ cpu: CPU, _ i: Instr) throws(CPUFault) { try cpu.branch(to: cpu.reg(i.rm) as UInt64) }
    @inline(__always) static func jmpMem16(_ cpu: CPU, _ i: Instr) { do { try jmpMem16Body(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func jmpMem16Body(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        let t: UInt16 = try cpu.load(cpu.effectiveAddress(i))
        try cpu.branchWithinLimit(to: UInt64(t))
    }
    @inline(__always) static func jmpMem32(_ cpu: CPU, _ i: Instr) { do { try jmpMem32Body(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func jmpMem32Body(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        let t: UInt32 = try cpu.load(cpu.effectiveAddress(i))
        try cpu.branchWithinLimit(to: UInt64(t))
    }
    @inline(__always) static func jmpMem64(_ cpu: CPU, _ i: Instr) { do { try jmpMem64Body(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func jmpMem64Body(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        let t: UInt64 = try cpu.load(cpu.effectiveAddress(i))
        try cpu.branch(to: t)
    }

    // CALL r/m (FF /2): the target is read *before* the push, so `call rsp` and `call [rsp]`
    // use the old RSP.
    @inline(__always) static func callReg16(_ cpu: CPU, _ i: Instr) { do { try callReg16Body(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func callReg16Body(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        let t = cpu.reg(i.rm) as UInt16
        try cpu.pointee.checkCodeLimit(UInt64(t))
        try cpu.push(UInt16(truncatingIfNeeded: i.pointee.nextRIP))
        cpu.pointee.rip = UInt64(t)
    }
    @inline(__always) static func callReg32(_ cpu: CPU, _ i: Instr) { do { try callReg32Body(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func callReg32Body(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        let t = cpu.reg(i.rm) as UInt32
        try cpu.pointee.checkCodeLimit(UInt64(t))
        try cpu.push(UInt32(truncatingIfNeeded: i.pointee.nextRIP))
        cpu.pointee.rip = UInt64(t)
    }
    @inline(__always) static func callReg64(_ cpu: CPU, _ i: Instr) { do { try callReg64Body(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func callReg64Body(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        let t = cpu.reg(i.rm) as UInt64
        guard CPUState.isCanonical(t) else { throw .gp(0) }
        try cpu.push(i.pointee.nextRIP)
        cpu.pointee.rip = t
    }
    @inline(__always) static func callMem16(_ cpu: CPU, _ i: Instr) { do { try callMem16Body(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func callMem16Body(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        let t: UInt16 = try cpu.load(cpu.effectiveAddress(i))
        try cpu.pointee.checkCodeLimit(UInt64(t))
        try cpu.push(UInt16(truncatingIfNeeded: i.pointee.nextRIP))
        cpu.pointee.rip = UInt64(t)
    }
    @inline(__always) static func callMem32(_ cpu: CPU, _ i: Instr) { do { try callMem32Body(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func callMem32Body(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        let t: UInt32 = try cpu.load(cpu.effectiveAddress(i))
        try cpu.pointee.checkCodeLimit(UInt64(t))
        try cpu.push(UInt32(truncatingIfNeeded: i.pointee.nextRIP))
        cpu.pointee.rip = UInt64(t)
    }
    @inline(__always) static func callMem64(_ cpu: CPU, _ i: Instr) { do { try callMem64Body(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func callMem64Body(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        let t: UInt64 = try cpu.load(cpu.effectiveAddress(i))
        guard CPUState.isCanonical(t) else { throw .gp(0) }
        try cpu.push(i.pointee.nextRIP)
        cpu.pointee.rip = t
    }

    // RET / RET imm16: pop the return address, then release imm16 more bytes (zero-extended).
    @inline(__always) static func ret16(_ cpu: CPU, _ i: Instr) { do { try ret16Body(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func ret16Body(_ cpu: CPU, _ i: Instr) throws(CPUFault) { try cpu.returnNear(UInt16.self, extra: 0) }
    @inline(__always) static func ret32(_ cpu: CPU, _ i: Instr) { do { try ret32Body(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func ret32Body(_ cpu: CPU, _ i: Instr) throws(CPUFault) { try cpu.returnNear(UInt32.self, extra: 0) }
    @inline(__always) static func ret64(_ cpu: CPU, _ i: Instr) { do { try ret64Body(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func ret64Body(_ cpu: CPU, _ i: Instr) throws(CPUFault) { try cpu.returnNear(UInt64.self, extra: 0) }
    @inline(__always) static func retImm16(_ cpu: CPU, _ i: Instr) { do { try retImm16Body(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func retImm16Body(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.returnNear(UInt16.self, extra: UInt64(UInt16(truncatingIfNeeded: i.imm)))
    }
    @inline(__always) static func retImm32(_ cpu: CPU, _ i: Instr) { do { try retImm32Body(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func retImm32Body(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.returnNear(UInt32.self, extra: UInt64(UInt16(truncatingIfNeeded: i.imm)))
    }
    @inline(__always) static func retImm64(_ cpu: CPU, _ i: Instr) { do { try retImm64Body(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func retImm64Body(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.returnNear(UInt64.self, extra: UInt64(UInt16(truncatingIfNeeded: i.imm)))
    }
}

/// LOOP/LOOPE/LOOPNE/JrCXZ. The count register's width is the *address* size: RCX in 64-bit
/// mode (ECX with 67), ECX in 32-bit mode (CX with 67). LOOPcc decrements without touching any
/// flag; JrCXZ only tests. The count is written only once the branch cannot fault any more.
enum LoopHandlers {
    @inline(__always)
    static func run<W: StackWord>(_ cpu: CPU, _ i: Instr, _ kind: LoopKind, _: W.Type) throws(CPUFault) {
        let rcx = UInt8(Reg.rcx * 8)
        let count = cpu.reg(rcx) as W
        let taken: Bool
        switch kind {
        case .jrcxz:
            if count == 0 { try cpu.branchWithinLimit(to: i.imm) }
            return
        case .loop: taken = count != 1
        case .loope, .loopne:
            // Undocumented, measured on the reference CPU (AMD Zen): a REP prefix overrides the
            // condition as it does for CMPS/SCAS: F3 makes both LOOPE and LOOPNE test ZF = 1,
            // F2 makes both test ZF = 0. Without one, E1 is LOOPE and E0 is LOOPNE.
            let prefixes = i.pointee.prefixes
            let wantZero = prefixes.contains(.rep) ? true : prefixes.contains(.repne) ? false : kind == .loope
            taken = count != 1 && cpu.pointee.zeroFlag == wantZero
        }
        if taken {
            guard CPUState.isCanonical(i.imm) else { throw .gp(0) }
            try cpu.pointee.checkCodeLimit(i.imm)
            cpu.pointee.rip = i.imm
        }
        // A 32-bit count write zero-extends into RCX (64-bit mode with 67), a 16-bit one keeps
        // ECX's upper half (32-bit mode with 67).
        cpu.setReg(rcx, count &- 1)
    }

    @inline(__always)
    static func dispatch(_ cpu: CPU, _ i: Instr, _ kind: LoopKind) throws(CPUFault) {
        if cpu.pointee.mode == .long64 {
            if i.pointee.addr32 { try run(cpu, i, kind, UInt32.self) } else { try run(cpu, i, kind, UInt64.self) }
        } else {
            if i.pointee.addr32 { try run(cpu, i, kind, UInt32.self) } else { try run(cpu, i, kind, UInt16.self) }
        }
    }

    @inline(__always) static func loop(_ cpu: CPU, _ i: Instr) { do { try loopBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func loopBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) { try dispatch(cpu, i, .loop) }
    @inline(__always) static func loope(_ cpu: CPU, _ i: Instr) { do { try loopeBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func loopeBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) { try dispatch(cpu, i, .loope) }
    @inline(__always) static func loopne(_ cpu: CPU, _ i: Instr) { do { try loopneBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func loopneBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) { try dispatch(cpu, i, .loopne) }
    @inline(__always) static func jrcxz(_ cpu: CPU, _ i: Instr) { do { try jrcxzBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func jrcxzBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) { try dispatch(cpu, i, .jrcxz) }
}

/// ENTER imm16, imm8 and LEAVE. T is the operand size (16/32/64): it sets the width of every
/// push and of the frame-pointer register written; the stack pointer keeps the stack's width.
enum FrameHandlers {
    /// ENTER (Intel SDM / AMD APM pseudocode):
    ///   push rBP; FrameTemp = rSP
    ///   repeat level-1 times: rBP' -= size; push [SS:rBP']   (copies the outer frame pointers)
    ///   if level > 0: push FrameTemp
    ///   rBP = FrameTemp; rSP -= imm16
    /// level = imm8 mod 32. All pushes go to temporaries first; registers change only at the end,
    /// so a fault in the middle leaves rSP and rBP as they were (the bytes already written lie
    /// below rSP, in free stack space). Intel also documents a write probe at the final rSP
    /// (#PF); without paging there is nothing to probe yet: revisit in [3/6].
    @inline(__always)
    static func enter<T: StackWord>(_ cpu: CPU, _ i: Instr, _: T.Type) throws(CPUFault) {
        let size = UInt64(MemoryLayout<T>.size)
        let allocation = UInt64(UInt16(truncatingIfNeeded: i.imm))
        let level = Int(i.pointee.imm2 & 0x1F)
        let mask = cpu.stackMask
        let bp = cpu.gpr(Reg.rbp)
        var sp = (cpu.gpr(Reg.rsp) &- size) & mask
        try cpu.pointee.write(cpu.stackLinear(sp), T(truncatingIfNeeded: bp), stack: true)
        let frameTemp = sp
        if level > 0 {
            var framePointer = bp & mask
            var copies = level - 1
            while copies > 0 {
                framePointer = (framePointer &- size) & mask
                let outer: T = try cpu.pointee.read(cpu.stackLinear(framePointer), stack: true)
                sp = (sp &- size) & mask
                try cpu.pointee.write(cpu.stackLinear(sp), outer, stack: true)
                copies -= 1
            }
            sp = (sp &- size) & mask
            try cpu.pointee.write(cpu.stackLinear(sp), T(truncatingIfNeeded: frameTemp), stack: true)
        }
        // rBP gets FrameTemp at the operand size: BP only (16), EBP zero-extended (32), RBP (64).
        cpu.setReg(UInt8(Reg.rbp * 8), T(truncatingIfNeeded: frameTemp))
        cpu.setStackPointer((sp &- allocation) & mask)
    }

    /// LEAVE: rSP = rBP (stack width), then pop rBP (operand size). The pop is read before
    /// anything is written, so a fault changes nothing.
    @inline(__always)
    static func leave<T: StackWord>(_ cpu: CPU, _: T.Type) throws(CPUFault) {
        let mask = cpu.stackMask
        let sp = cpu.gpr(Reg.rbp) & mask
        let saved: T = try cpu.pointee.read(cpu.stackLinear(sp), stack: true)
        cpu.setStackPointer((sp &+ UInt64(MemoryLayout<T>.size)) & mask)
        cpu.setReg(UInt8(Reg.rbp * 8), saved)
    }

    @inline(__always) static func enter16(_ cpu: CPU, _ i: Instr) { do { try enter16Body(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func enter16Body(_ cpu: CPU, _ i: Instr) throws(CPUFault) { try enter(cpu, i, UInt16.self) }
    @inline(__always) static func enter32(_ cpu: CPU, _ i: Instr) { do { try enter32Body(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func enter32Body(_ cpu: CPU, _ i: Instr) throws(CPUFault) { try enter(cpu, i, UInt32.self) }
    @inline(__always) static func enter64(_ cpu: CPU, _ i: Instr) { do { try enter64Body(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func enter64Body(_ cpu: CPU, _ i: Instr) throws(CPUFault) { try enter(cpu, i, UInt64.self) }
    @inline(__always) static func leave16(_ cpu: CPU, _ i: Instr) { do { try leave16Body(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func leave16Body(_ cpu: CPU, _ i: Instr) throws(CPUFault) { try leave(cpu, UInt16.self) }
    @inline(__always) static func leave32(_ cpu: CPU, _ i: Instr) { do { try leave32Body(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func leave32Body(_ cpu: CPU, _ i: Instr) throws(CPUFault) { try leave(cpu, UInt32.self) }
    @inline(__always) static func leave64(_ cpu: CPU, _ i: Instr) { do { try leave64Body(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func leave64Body(_ cpu: CPU, _ i: Instr) throws(CPUFault) { try leave(cpu, UInt64.self) }
}

public enum Control {
    /// Jcc rel8 (70-7F) and rel32 (0F 80-8F): one concrete handler per condition.
    public static func jcc(_ cc: UInt8) -> HandlerSet {
        switch cc & 0xF {
        case 0x0: return HandlerSet(any16: JccLimitHandlers.jo, any32: JccLimitHandlers.jo, any64: JccHandlers.jo)
        case 0x1: return HandlerSet(any16: JccLimitHandlers.jno, any32: JccLimitHandlers.jno, any64: JccHandlers.jno)
        case 0x2: return HandlerSet(any16: JccLimitHandlers.jb, any32: JccLimitHandlers.jb, any64: JccHandlers.jb)
        case 0x3: return HandlerSet(any16: JccLimitHandlers.jae, any32: JccLimitHandlers.jae, any64: JccHandlers.jae)
        case 0x4: return HandlerSet(any16: JccLimitHandlers.je, any32: JccLimitHandlers.je, any64: JccHandlers.je)
        case 0x5: return HandlerSet(any16: JccLimitHandlers.jne, any32: JccLimitHandlers.jne, any64: JccHandlers.jne)
        case 0x6: return HandlerSet(any16: JccLimitHandlers.jbe, any32: JccLimitHandlers.jbe, any64: JccHandlers.jbe)
        case 0x7: return HandlerSet(any16: JccLimitHandlers.ja, any32: JccLimitHandlers.ja, any64: JccHandlers.ja)
        case 0x8: return HandlerSet(any16: JccLimitHandlers.js, any32: JccLimitHandlers.js, any64: JccHandlers.js)
        case 0x9: return HandlerSet(any16: JccLimitHandlers.jns, any32: JccLimitHandlers.jns, any64: JccHandlers.jns)
        case 0xA: return HandlerSet(any16: JccLimitHandlers.jp, any32: JccLimitHandlers.jp, any64: JccHandlers.jp)
        case 0xB: return HandlerSet(any16: JccLimitHandlers.jnp, any32: JccLimitHandlers.jnp, any64: JccHandlers.jnp)
        case 0xC: return HandlerSet(any16: JccLimitHandlers.jl, any32: JccLimitHandlers.jl, any64: JccHandlers.jl)
        case 0xD: return HandlerSet(any16: JccLimitHandlers.jge, any32: JccLimitHandlers.jge, any64: JccHandlers.jge)
        case 0xE: return HandlerSet(any16: JccLimitHandlers.jle, any32: JccLimitHandlers.jle, any64: JccHandlers.jle)
        default: return HandlerSet(any16: JccLimitHandlers.jg, any32: JccLimitHandlers.jg, any64: JccHandlers.jg)
        }
    }

    /// EB JMP rel8, E9 JMP rel32 (rel16 with 66 in 32-bit mode).
    public static let jmpRel = HandlerSet(any16: BranchHandlers.jmpRelLimited, any32: BranchHandlers.jmpRelLimited,
                                          any64: BranchHandlers.jmpRel)
    /// E8 CALL rel32 (rel16 with 66 in 32-bit mode).
    public static let callRel = HandlerSet(any16: BranchHandlers.callRel16, any32: BranchHandlers.callRel32,
                                           any64: BranchHandlers.callRel64)
    /// FF /4 JMP r/m.
    public static let jmpIndirect = HandlerSet(reg16: BranchHandlers.jmpReg16, reg32: BranchHandlers.jmpReg32,
                                               reg64: BranchHandlers.jmpReg64, mem16: BranchHandlers.jmpMem16,
                                               mem32: BranchHandlers.jmpMem32, mem64: BranchHandlers.jmpMem64)
    /// FF /2 CALL r/m.
    public static let callIndirect = HandlerSet(reg16: BranchHandlers.callReg16, reg32: BranchHandlers.callReg32,
                                                reg64: BranchHandlers.callReg64, mem16: BranchHandlers.callMem16,
                                                mem32: BranchHandlers.callMem32, mem64: BranchHandlers.callMem64)
    /// C3 RET.
    public static let ret = HandlerSet(any16: BranchHandlers.ret16, any32: BranchHandlers.ret32,
                                       any64: BranchHandlers.ret64)
    /// C2 RET imm16.
    public static let retImm = HandlerSet(any16: BranchHandlers.retImm16, any32: BranchHandlers.retImm32,
                                          any64: BranchHandlers.retImm64)

    /// E0-E3 LOOPNE/LOOPE/LOOP/JrCXZ.
    public static func loop(_ kind: LoopKind) -> HandlerSet {
        switch kind {
        case .loop: return HandlerSet(any16: LoopHandlers.loop, any32: LoopHandlers.loop, any64: LoopHandlers.loop)
        case .loope: return HandlerSet(any16: LoopHandlers.loope, any32: LoopHandlers.loope, any64: LoopHandlers.loope)
        case .loopne: return HandlerSet(any16: LoopHandlers.loopne, any32: LoopHandlers.loopne, any64: LoopHandlers.loopne)
        case .jrcxz: return HandlerSet(any16: LoopHandlers.jrcxz, any32: LoopHandlers.jrcxz, any64: LoopHandlers.jrcxz)
        }
    }

    /// C8 ENTER imm16, imm8 (64-bit operand size by default in 64-bit mode, 16 with 66).
    public static let enter = HandlerSet(any16: FrameHandlers.enter16, any32: FrameHandlers.enter32,
                                         any64: FrameHandlers.enter64)
    /// C9 LEAVE.
    public static let leave = HandlerSet(any16: FrameHandlers.leave16, any32: FrameHandlers.leave32,
                                         any64: FrameHandlers.leave64)
}
