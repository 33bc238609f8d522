// Layer: X86 (CPU model), instruction handlers: flag control, CPUID, TSC, HLT, I/O ports, INT.
// STUB: filled in by the control-transfer/system family owner.

public enum FlagControl: Sendable { case clc, stc, cmc, cld, std, cli, sti }

public enum System {
    public static func flag(_ op: FlagControl) -> HandlerSet { .unimplemented }
    public static let cpuid = HandlerSet.unimplemented
    public static let rdtsc = HandlerSet.unimplemented
    public static let rdtscp = HandlerSet.unimplemented
    public static let hlt = HandlerSet.unimplemented
    public static let int3 = HandlerSet.unimplemented
    public static let intN = HandlerSet.unimplemented
    public static let into = HandlerSet.unimplemented
    public static let ud2 = HandlerSet.unimplemented
    /// E4/E5/EC/ED IN and E6/E7/EE/EF OUT (port in imm8 or DX).
    public static let inImm = HandlerSet.unimplemented
    public static let inDX = HandlerSet.unimplemented
    public static let outImm = HandlerSet.unimplemented
    public static let outDX = HandlerSet.unimplemented
}
