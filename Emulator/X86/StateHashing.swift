// Layer: X86 (CPU model). The CPU's contribution to the machine state hash: every piece of
// architectural state the guest can observe (registers, RFLAGS as the guest would read them,
// segment state, control registers, the instruction counter). Derived state (decoded blocks,
// TLB contents, lazy-flag representation) is deliberately left out: only what it means counts.

import EmulatorCore

extension CPUState {
    public func hash(into h: inout StateHash) {
        for r in 0..<Reg.rip + 1 { h.add(regs[r]) }
        h.add(rflags)
        for s in 0..<6 { h.add(segmentBase[s]) }
        let sel = segmentSelector
        h.add(UInt64(sel.0) | UInt64(sel.1) << 16 | UInt64(sel.2) << 32 | UInt64(sel.3) << 48)
        h.add(UInt64(sel.4) | UInt64(sel.5) << 16)
        h.add(UInt64(mode.rawValue))
        for v in [cr0, cr2, cr3, cr4, efer, UInt64(cpl), tscAux, tscOffset, instructionsRetired] { h.add(v) }
        for k in 0..<32 { h.add(xmm.load(fromByteOffset: k * 8, as: UInt64.self)) }
        h.add(UInt64(fpuControl) | UInt64(fpuStatus) << 16 | UInt64(fpuTagAbridged) << 32 | UInt64(fpuOpcode) << 40)
        h.add(fpuInstructionPointer); h.add(fpuDataPointer)
        for k in 0..<16 { h.add(fpuRegisters.load(fromByteOffset: k * 8, as: UInt64.self)) }
        h.add(UInt64(mxcsr))
        system.hash(into: &h)
        msr.hash(into: &h)
        h.add(halted ? 1 : 0)
    }
}
