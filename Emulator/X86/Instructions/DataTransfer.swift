// Layer: X86 (CPU model), instruction handlers: moves, exchanges, stack, conversions.
// STUB: filled in by the data-transfer family owner.

public enum Move {
    public static func mov(_ form: BinaryForm) -> HandlerSet { .unimplemented }
    /// 8C MOV Ev, Sreg and 8E MOV Sreg, Ew.
    public static let movFromSreg = HandlerSet.unimplemented
    public static let movToSreg = HandlerSet.unimplemented
    /// 0F B6/B7 MOVZX, 0F BE/BF MOVSX (source byte or word), 63 MOVSXD.
    public static func movzx(sourceBytes: Int) -> HandlerSet { .unimplemented }
    public static func movsx(sourceBytes: Int) -> HandlerSet { .unimplemented }
    public static let movsxd = HandlerSet.unimplemented
    public static let lea = HandlerSet.unimplemented
    /// 86/87 and 90+r XCHG (memory forms are always locked).
    public static let xchg = HandlerSet.unimplemented
    public static let xadd = HandlerSet.unimplemented
    public static let cmpxchg = HandlerSet.unimplemented
    /// 0F C7 /1: CMPXCHG8B, or CMPXCHG16B with REX.W (16-byte aligned, else #GP).
    public static let cmpxchg8b16b = HandlerSet.unimplemented
    /// 0F 38 F0/F1 MOVBE Gv,Mv / Mv,Gv.
    public static let movbeLoad = HandlerSet.unimplemented
    public static let movbeStore = HandlerSet.unimplemented
    /// FF /6 and 50+r PUSH; 8F /0 and 58+r POP; 68/6A PUSH imm.
    public static let push = HandlerSet.unimplemented
    public static let pop = HandlerSet.unimplemented
    public static let pushImm = HandlerSet.unimplemented
    /// PUSH/POP of a segment register (06/07/0E/16/17/1E/1F in 32-bit mode, 0F A0/A1/A8/A9).
    public static func pushSreg(_ seg: Int) -> HandlerSet { .unimplemented }
    public static func popSreg(_ seg: Int) -> HandlerSet { .unimplemented }
    public static let pushf = HandlerSet.unimplemented
    public static let popf = HandlerSet.unimplemented
    /// 98: CBW/CWDE/CDQE; 99: CWD/CDQ/CQO.
    public static let convertAccumulator = HandlerSet.unimplemented
    public static let convertToDouble = HandlerSet.unimplemented
    public static let lahf = HandlerSet.unimplemented
    public static let sahf = HandlerSet.unimplemented
    public static let xlat = HandlerSet.unimplemented
    public static func cmov(_ cc: UInt8) -> HandlerSet { .unimplemented }
    public static func setcc(_ cc: UInt8) -> HandlerSet { .unimplemented }
    /// NOP forms (90, 0F 1F /0, 0F 18-1F hints, F3 90 PAUSE).
    public static let nop = HandlerSet.unimplemented
}
