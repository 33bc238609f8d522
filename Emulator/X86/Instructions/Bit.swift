// Layer: X86 (CPU model), instruction handlers: bit tests, scans and counts.
// STUB: filled in by the shift/bit family owner.

public enum BitTestOp: Int, Sendable { case bt = 4, bts, btr, btc }

public enum Bit {
    /// 0F A3/AB/B3/BB (bit offset in a register; memory forms address beyond the operand)
    /// and 0F BA /4-/7 (immediate bit offset).
    public static func bitTest(_ op: BitTestOp, immediate: Bool) -> HandlerSet { .unimplemented }
    public static let bsf = HandlerSet.unimplemented
    public static let bsr = HandlerSet.unimplemented
    public static let tzcnt = HandlerSet.unimplemented
    public static let lzcnt = HandlerSet.unimplemented
    public static let popcnt = HandlerSet.unimplemented
    /// 0F C8+r BSWAP (16-bit operand size is undefined; AMD and Intel both zero the register).
    public static let bswap = HandlerSet.unimplemented
}
