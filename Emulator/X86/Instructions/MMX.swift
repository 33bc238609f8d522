// Layer: X86 (CPU model), instruction handlers: the MMX instructions. Only EMMS so far: the
// MMX registers alias the x87 registers' significands, and EMMS hands the register file back to
// x87 code by marking every register empty. Linux runs it on AMD CPUs in
// restore_fpregs_from_fpstate ("fnclex; emms; fildl": the FXSAVE information-leak workaround),
// so a kernel that never uses MMX still needs it. The MMX data instructions (no-prefix 0F 60-7F,
// D0-FF) are not implemented: they decode as #UD and CPUID does not advertise MMX.

enum MMX {
    static let emmsSet = HandlerSet(all: emms)

    /// EMMS (0F 77; with a 66/F3/F2 prefix it is #UD, as on the reference CPU): all x87 tags
    /// empty (the FXSAVE abridged tag byte 0 = all empty). MMX instructions are #UD when CR0.EM
    /// is set (there is no MMX emulation), #NM when CR0.TS is set, and #MF when an unmasked x87
    /// exception is pending (status word ES, bit 7), as for a waiting x87 instruction.
    @inline(__always) static func emms(_ cpu: CPU, _ i: Instr) { do { try emmsBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func emmsBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        if cpu.pointee.cr0 & 0x4 != 0 { throw CPUFault(.invalidOpcode) }      // CR0.EM
        if cpu.pointee.cr0 & 0x8 != 0 { throw CPUFault(.deviceNotAvailable) } // CR0.TS
        if cpu.pointee.fpuStatus & 0x80 != 0 { throw CPUFault(.x87) }
        cpu.pointee.fpuTagAbridged = 0
    }
}
