// Layer: X86 (CPU model), instruction handlers: jumps, calls, returns, loops.
// STUB: filled in by the control-transfer family owner.

public enum LoopKind: Sendable { case loop, loope, loopne, jrcxz }

public enum Control {
    public static func jcc(_ cc: UInt8) -> HandlerSet { .unimplemented }
    public static let jmpRel = HandlerSet.unimplemented
    public static let callRel = HandlerSet.unimplemented
    public static let jmpIndirect = HandlerSet.unimplemented
    public static let callIndirect = HandlerSet.unimplemented
    public static let ret = HandlerSet.unimplemented
    public static let retImm = HandlerSet.unimplemented
    public static func loop(_ kind: LoopKind) -> HandlerSet { .unimplemented }
    public static let enter = HandlerSet.unimplemented
    public static let leave = HandlerSet.unimplemented
}
