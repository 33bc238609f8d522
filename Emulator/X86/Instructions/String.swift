// Layer: X86 (CPU model), instruction handlers: string instructions with REP prefixes.
// STUB: filled in by the data-transfer family owner.

public enum StringOps {
    public static let movs = HandlerSet.unimplemented
    public static let stos = HandlerSet.unimplemented
    public static let lods = HandlerSet.unimplemented
    public static let cmps = HandlerSet.unimplemented
    public static let scas = HandlerSet.unimplemented
    public static let ins = HandlerSet.unimplemented
    public static let outs = HandlerSet.unimplemented
}
