// Layer: X86 (CPU model), instruction handlers: F1 ICEBP, the one-byte "in-circuit emulator
// breakpoint" (named INT1 in the SDM and the APM, and by objdump). It raises a #DB *trap* (RIP
// after the instruction) that is delivered as an exception, not as a software interrupt: no gate
// DPL check, so it works at any CPL, and DR6 is left as it is (no B0-B3, no BS) (SDM vol. 3
// §6.15 "Interrupt 1", AMD APM vol. 3 "INT1"). The rest of #DB: Execution/Debug.swift.

enum DebugOps {
    @inline(__always) static func icebp(_ cpu: CPU, _ i: Instr) { do { try icebpBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func icebpBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) { throw .debugTrap }
}

enum DebugInstructions {
    public static let icebp = HandlerSet(all: DebugOps.icebp)
}
