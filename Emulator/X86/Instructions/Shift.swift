// Layer: X86 (CPU model), instruction handlers: shifts and rotates.
// STUB: filled in by the shift/bit family owner.

public enum ShiftOp: Int, Sendable { case rol = 0, ror, rcl, rcr, shl, shr, sal, sar }
public enum ShiftCount: Sendable { case one, cl, imm }

public enum Shift {
    /// C0/C1/D0-D3 groups (ModRM.reg selects the operation; /6 is an alias of SHL).
    public static func shift(_ op: ShiftOp, _ count: ShiftCount) -> HandlerSet { .unimplemented }
    /// 0F A4/A5 SHLD, 0F AC/AD SHRD (count is .imm or .cl).
    public static func shld(_ count: ShiftCount) -> HandlerSet { .unimplemented }
    public static func shrd(_ count: ShiftCount) -> HandlerSet { .unimplemented }
}
