// Layer: X86 (CPU model), instruction handlers: integer arithmetic and logic
// (ADD/OR/ADC/SBB/AND/SUB/XOR/CMP, TEST, INC/DEC/NEG/NOT, MUL/IMUL/DIV/IDIV).
//
// Pattern used by every family: a generic `@inline(__always)` body parameterised by operand
// width T and operation, and concrete non-generic entry points (one per width and form) that
// the opcode table stores as `@convention(thin)` handlers. Register forms never touch memory.

public enum ALUOp: Int, Sendable { case add = 0, or, adc, sbb, and, sub, xor, cmp }
/// Operand form of a two-operand instruction: destination first.
public enum BinaryForm: Sendable { case EG, GE, EI }
public enum UnaryOp: Sendable { case inc, dec, neg, not }
public enum MulDivOp: Sendable { case mul, imul, div, idiv }

/// Operand widths the handlers are generic over.
public typealias GuestInt = FixedWidthInteger & UnsignedInteger

extension UnsafeMutablePointer where Pointee == CPUState {
    /// Computes `a op b`, records the flags, and returns the result (CMP's result is discarded
    /// by the caller).
    @inline(__always) func alu<T: GuestInt>(_ op: ALUOp, _ a: T, _ b: T) -> T {
        switch op {
        case .add:
            let r = a &+ b
            pointee.setLazy(.add, r, a, b)
            return r
        case .sub, .cmp:
            let r = a &- b
            pointee.setLazy(.sub, r, a, b)
            return r
        case .and:
            let r = a & b
            pointee.setLazy(.logic, r, a, b)
            return r
        case .or:
            let r = a | b
            pointee.setLazy(.logic, r, a, b)
            return r
        case .xor:
            let r = a ^ b
            pointee.setLazy(.logic, r, a, b)
            return r
        case .adc:
            let carry: T = pointee.carryFlag ? 1 : 0
            let r = a &+ b &+ carry
            let cf = r < a || (carry == 1 && r == a)
            let of = (a ^ r) & (b ^ r) >> (T.bitWidth - 1) != 0
            var f = FlagMath.szp(r) | ((a ^ b ^ r) & 0x10 != 0 ? Flag.af : 0)
            if cf { f |= Flag.cf }
            if of { f |= Flag.of }
            pointee.setArithmeticFlags(f)
            return r
        case .sbb:
            let borrow: T = pointee.carryFlag ? 1 : 0
            let r = a &- b &- borrow
            let cf = a < b || (borrow == 1 && a == b)
            let of = ((a ^ b) & (a ^ r)) >> (T.bitWidth - 1) != 0
            var f = FlagMath.szp(r) | ((a ^ b ^ r) & 0x10 != 0 ? Flag.af : 0)
            if cf { f |= Flag.cf }
            if of { f |= Flag.of }
            pointee.setArithmeticFlags(f)
            return r
        }
    }
}

/// Handlers for one ALU operation, generic over width; `Op` is a compile-time constant carrier.
protocol ALUOperation { static var op: ALUOp { get } }
enum AddOp: ALUOperation { static var op: ALUOp { .add } }
enum OrOp: ALUOperation { static var op: ALUOp { .or } }
enum AdcOp: ALUOperation { static var op: ALUOp { .adc } }
enum SbbOp: ALUOperation { static var op: ALUOp { .sbb } }
enum AndOp: ALUOperation { static var op: ALUOp { .and } }
enum SubOp: ALUOperation { static var op: ALUOp { .sub } }
enum XorOp: ALUOperation { static var op: ALUOp { .xor } }
enum CmpOp: ALUOperation { static var op: ALUOp { .cmp } }

enum ALUHandlers<T: GuestInt, Op: ALUOperation> {
    static func egReg(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        let r = cpu.alu(Op.op, cpu.reg(i.rm) as T, cpu.reg(i.reg) as T)
        if Op.op != .cmp { cpu.setReg(i.rm, r) }
    }
    static func egMem(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        let ea = cpu.effectiveAddress(i)
        let a: T = try cpu.load(ea)
        let r = cpu.alu(Op.op, a, cpu.reg(i.reg) as T)
        if Op.op != .cmp { try cpu.store(ea, r) }
    }
    static func geReg(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        let r = cpu.alu(Op.op, cpu.reg(i.reg) as T, cpu.reg(i.rm) as T)
        if Op.op != .cmp { cpu.setReg(i.reg, r) }
    }
    static func geMem(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        let b: T = try cpu.load(cpu.effectiveAddress(i))
        let r = cpu.alu(Op.op, cpu.reg(i.reg) as T, b)
        if Op.op != .cmp { cpu.setReg(i.reg, r) }
    }
    static func eiReg(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        let r = cpu.alu(Op.op, cpu.reg(i.rm) as T, T(truncatingIfNeeded: i.imm))
        if Op.op != .cmp { cpu.setReg(i.rm, r) }
    }
    static func eiMem(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        let ea = cpu.effectiveAddress(i)
        let a: T = try cpu.load(ea)
        let r = cpu.alu(Op.op, a, T(truncatingIfNeeded: i.imm))
        if Op.op != .cmp { try cpu.store(ea, r) }
    }
}

public enum Arith {
    /// ADD/OR/ADC/SBB/AND/SUB/XOR/CMP in the given form (EI covers 80/81/83 and AL/eAX,imm).
    public static func binary(_ op: ALUOp, _ form: BinaryForm) -> HandlerSet {
        // Swift takes `@convention(thin)` references only to fully concrete functions, so each
        // width is spelled out.
        switch (op, form) {
        case (.add, .EG):
            return HandlerSet(reg8: ALUHandlers<UInt8, AddOp>.egReg, reg16: ALUHandlers<UInt16, AddOp>.egReg, reg32: ALUHandlers<UInt32, AddOp>.egReg, reg64: ALUHandlers<UInt64, AddOp>.egReg,
                              mem8: ALUHandlers<UInt8, AddOp>.egMem, mem16: ALUHandlers<UInt16, AddOp>.egMem, mem32: ALUHandlers<UInt32, AddOp>.egMem, mem64: ALUHandlers<UInt64, AddOp>.egMem)
        case (.add, .GE):
            return HandlerSet(reg8: ALUHandlers<UInt8, AddOp>.geReg, reg16: ALUHandlers<UInt16, AddOp>.geReg, reg32: ALUHandlers<UInt32, AddOp>.geReg, reg64: ALUHandlers<UInt64, AddOp>.geReg,
                              mem8: ALUHandlers<UInt8, AddOp>.geMem, mem16: ALUHandlers<UInt16, AddOp>.geMem, mem32: ALUHandlers<UInt32, AddOp>.geMem, mem64: ALUHandlers<UInt64, AddOp>.geMem)
        case (.add, .EI):
            return HandlerSet(reg8: ALUHandlers<UInt8, AddOp>.eiReg, reg16: ALUHandlers<UInt16, AddOp>.eiReg, reg32: ALUHandlers<UInt32, AddOp>.eiReg, reg64: ALUHandlers<UInt64, AddOp>.eiReg,
                              mem8: ALUHandlers<UInt8, AddOp>.eiMem, mem16: ALUHandlers<UInt16, AddOp>.eiMem, mem32: ALUHandlers<UInt32, AddOp>.eiMem, mem64: ALUHandlers<UInt64, AddOp>.eiMem)
        case (.or, .EG):
            return HandlerSet(reg8: ALUHandlers<UInt8, OrOp>.egReg, reg16: ALUHandlers<UInt16, OrOp>.egReg, reg32: ALUHandlers<UInt32, OrOp>.egReg, reg64: ALUHandlers<UInt64, OrOp>.egReg,
                              mem8: ALUHandlers<UInt8, OrOp>.egMem, mem16: ALUHandlers<UInt16, OrOp>.egMem, mem32: ALUHandlers<UInt32, OrOp>.egMem, mem64: ALUHandlers<UInt64, OrOp>.egMem)
        case (.or, .GE):
            return HandlerSet(reg8: ALUHandlers<UInt8, OrOp>.geReg, reg16: ALUHandlers<UInt16, OrOp>.geReg, reg32: ALUHandlers<UInt32, OrOp>.geReg, reg64: ALUHandlers<UInt64, OrOp>.geReg,
                              mem8: ALUHandlers<UInt8, OrOp>.geMem, mem16: ALUHandlers<UInt16, OrOp>.geMem, mem32: ALUHandlers<UInt32, OrOp>.geMem, mem64: ALUHandlers<UInt64, OrOp>.geMem)
        case (.or, .EI):
            return HandlerSet(reg8: ALUHandlers<UInt8, OrOp>.eiReg, reg16: ALUHandlers<UInt16, OrOp>.eiReg, reg32: ALUHandlers<UInt32, OrOp>.eiReg, reg64: ALUHandlers<UInt64, OrOp>.eiReg,
                              mem8: ALUHandlers<UInt8, OrOp>.eiMem, mem16: ALUHandlers<UInt16, OrOp>.eiMem, mem32: ALUHandlers<UInt32, OrOp>.eiMem, mem64: ALUHandlers<UInt64, OrOp>.eiMem)
        case (.adc, .EG):
            return HandlerSet(reg8: ALUHandlers<UInt8, AdcOp>.egReg, reg16: ALUHandlers<UInt16, AdcOp>.egReg, reg32: ALUHandlers<UInt32, AdcOp>.egReg, reg64: ALUHandlers<UInt64, AdcOp>.egReg,
                              mem8: ALUHandlers<UInt8, AdcOp>.egMem, mem16: ALUHandlers<UInt16, AdcOp>.egMem, mem32: ALUHandlers<UInt32, AdcOp>.egMem, mem64: ALUHandlers<UInt64, AdcOp>.egMem)
        case (.adc, .GE):
            return HandlerSet(reg8: ALUHandlers<UInt8, AdcOp>.geReg, reg16: ALUHandlers<UInt16, AdcOp>.geReg, reg32: ALUHandlers<UInt32, AdcOp>.geReg, reg64: ALUHandlers<UInt64, AdcOp>.geReg,
                              mem8: ALUHandlers<UInt8, AdcOp>.geMem, mem16: ALUHandlers<UInt16, AdcOp>.geMem, mem32: ALUHandlers<UInt32, AdcOp>.geMem, mem64: ALUHandlers<UInt64, AdcOp>.geMem)
        case (.adc, .EI):
            return HandlerSet(reg8: ALUHandlers<UInt8, AdcOp>.eiReg, reg16: ALUHandlers<UInt16, AdcOp>.eiReg, reg32: ALUHandlers<UInt32, AdcOp>.eiReg, reg64: ALUHandlers<UInt64, AdcOp>.eiReg,
                              mem8: ALUHandlers<UInt8, AdcOp>.eiMem, mem16: ALUHandlers<UInt16, AdcOp>.eiMem, mem32: ALUHandlers<UInt32, AdcOp>.eiMem, mem64: ALUHandlers<UInt64, AdcOp>.eiMem)
        case (.sbb, .EG):
            return HandlerSet(reg8: ALUHandlers<UInt8, SbbOp>.egReg, reg16: ALUHandlers<UInt16, SbbOp>.egReg, reg32: ALUHandlers<UInt32, SbbOp>.egReg, reg64: ALUHandlers<UInt64, SbbOp>.egReg,
                              mem8: ALUHandlers<UInt8, SbbOp>.egMem, mem16: ALUHandlers<UInt16, SbbOp>.egMem, mem32: ALUHandlers<UInt32, SbbOp>.egMem, mem64: ALUHandlers<UInt64, SbbOp>.egMem)
        case (.sbb, .GE):
            return HandlerSet(reg8: ALUHandlers<UInt8, SbbOp>.geReg, reg16: ALUHandlers<UInt16, SbbOp>.geReg, reg32: ALUHandlers<UInt32, SbbOp>.geReg, reg64: ALUHandlers<UInt64, SbbOp>.geReg,
                              mem8: ALUHandlers<UInt8, SbbOp>.geMem, mem16: ALUHandlers<UInt16, SbbOp>.geMem, mem32: ALUHandlers<UInt32, SbbOp>.geMem, mem64: ALUHandlers<UInt64, SbbOp>.geMem)
        case (.sbb, .EI):
            return HandlerSet(reg8: ALUHandlers<UInt8, SbbOp>.eiReg, reg16: ALUHandlers<UInt16, SbbOp>.eiReg, reg32: ALUHandlers<UInt32, SbbOp>.eiReg, reg64: ALUHandlers<UInt64, SbbOp>.eiReg,
                              mem8: ALUHandlers<UInt8, SbbOp>.eiMem, mem16: ALUHandlers<UInt16, SbbOp>.eiMem, mem32: ALUHandlers<UInt32, SbbOp>.eiMem, mem64: ALUHandlers<UInt64, SbbOp>.eiMem)
        case (.and, .EG):
            return HandlerSet(reg8: ALUHandlers<UInt8, AndOp>.egReg, reg16: ALUHandlers<UInt16, AndOp>.egReg, reg32: ALUHandlers<UInt32, AndOp>.egReg, reg64: ALUHandlers<UInt64, AndOp>.egReg,
                              mem8: ALUHandlers<UInt8, AndOp>.egMem, mem16: ALUHandlers<UInt16, AndOp>.egMem, mem32: ALUHandlers<UInt32, AndOp>.egMem, mem64: ALUHandlers<UInt64, AndOp>.egMem)
        case (.and, .GE):
            return HandlerSet(reg8: ALUHandlers<UInt8, AndOp>.geReg, reg16: ALUHandlers<UInt16, AndOp>.geReg, reg32: ALUHandlers<UInt32, AndOp>.geReg, reg64: ALUHandlers<UInt64, AndOp>.geReg,
                              mem8: ALUHandlers<UInt8, AndOp>.geMem, mem16: ALUHandlers<UInt16, AndOp>.geMem, mem32: ALUHandlers<UInt32, AndOp>.geMem, mem64: ALUHandlers<UInt64, AndOp>.geMem)
        case (.and, .EI):
            return HandlerSet(reg8: ALUHandlers<UInt8, AndOp>.eiReg, reg16: ALUHandlers<UInt16, AndOp>.eiReg, reg32: ALUHandlers<UInt32, AndOp>.eiReg, reg64: ALUHandlers<UInt64, AndOp>.eiReg,
                              mem8: ALUHandlers<UInt8, AndOp>.eiMem, mem16: ALUHandlers<UInt16, AndOp>.eiMem, mem32: ALUHandlers<UInt32, AndOp>.eiMem, mem64: ALUHandlers<UInt64, AndOp>.eiMem)
        case (.sub, .EG):
            return HandlerSet(reg8: ALUHandlers<UInt8, SubOp>.egReg, reg16: ALUHandlers<UInt16, SubOp>.egReg, reg32: ALUHandlers<UInt32, SubOp>.egReg, reg64: ALUHandlers<UInt64, SubOp>.egReg,
                              mem8: ALUHandlers<UInt8, SubOp>.egMem, mem16: ALUHandlers<UInt16, SubOp>.egMem, mem32: ALUHandlers<UInt32, SubOp>.egMem, mem64: ALUHandlers<UInt64, SubOp>.egMem)
        case (.sub, .GE):
            return HandlerSet(reg8: ALUHandlers<UInt8, SubOp>.geReg, reg16: ALUHandlers<UInt16, SubOp>.geReg, reg32: ALUHandlers<UInt32, SubOp>.geReg, reg64: ALUHandlers<UInt64, SubOp>.geReg,
                              mem8: ALUHandlers<UInt8, SubOp>.geMem, mem16: ALUHandlers<UInt16, SubOp>.geMem, mem32: ALUHandlers<UInt32, SubOp>.geMem, mem64: ALUHandlers<UInt64, SubOp>.geMem)
        case (.sub, .EI):
            return HandlerSet(reg8: ALUHandlers<UInt8, SubOp>.eiReg, reg16: ALUHandlers<UInt16, SubOp>.eiReg, reg32: ALUHandlers<UInt32, SubOp>.eiReg, reg64: ALUHandlers<UInt64, SubOp>.eiReg,
                              mem8: ALUHandlers<UInt8, SubOp>.eiMem, mem16: ALUHandlers<UInt16, SubOp>.eiMem, mem32: ALUHandlers<UInt32, SubOp>.eiMem, mem64: ALUHandlers<UInt64, SubOp>.eiMem)
        case (.xor, .EG):
            return HandlerSet(reg8: ALUHandlers<UInt8, XorOp>.egReg, reg16: ALUHandlers<UInt16, XorOp>.egReg, reg32: ALUHandlers<UInt32, XorOp>.egReg, reg64: ALUHandlers<UInt64, XorOp>.egReg,
                              mem8: ALUHandlers<UInt8, XorOp>.egMem, mem16: ALUHandlers<UInt16, XorOp>.egMem, mem32: ALUHandlers<UInt32, XorOp>.egMem, mem64: ALUHandlers<UInt64, XorOp>.egMem)
        case (.xor, .GE):
            return HandlerSet(reg8: ALUHandlers<UInt8, XorOp>.geReg, reg16: ALUHandlers<UInt16, XorOp>.geReg, reg32: ALUHandlers<UInt32, XorOp>.geReg, reg64: ALUHandlers<UInt64, XorOp>.geReg,
                              mem8: ALUHandlers<UInt8, XorOp>.geMem, mem16: ALUHandlers<UInt16, XorOp>.geMem, mem32: ALUHandlers<UInt32, XorOp>.geMem, mem64: ALUHandlers<UInt64, XorOp>.geMem)
        case (.xor, .EI):
            return HandlerSet(reg8: ALUHandlers<UInt8, XorOp>.eiReg, reg16: ALUHandlers<UInt16, XorOp>.eiReg, reg32: ALUHandlers<UInt32, XorOp>.eiReg, reg64: ALUHandlers<UInt64, XorOp>.eiReg,
                              mem8: ALUHandlers<UInt8, XorOp>.eiMem, mem16: ALUHandlers<UInt16, XorOp>.eiMem, mem32: ALUHandlers<UInt32, XorOp>.eiMem, mem64: ALUHandlers<UInt64, XorOp>.eiMem)
        case (.cmp, .EG):
            return HandlerSet(reg8: ALUHandlers<UInt8, CmpOp>.egReg, reg16: ALUHandlers<UInt16, CmpOp>.egReg, reg32: ALUHandlers<UInt32, CmpOp>.egReg, reg64: ALUHandlers<UInt64, CmpOp>.egReg,
                              mem8: ALUHandlers<UInt8, CmpOp>.egMem, mem16: ALUHandlers<UInt16, CmpOp>.egMem, mem32: ALUHandlers<UInt32, CmpOp>.egMem, mem64: ALUHandlers<UInt64, CmpOp>.egMem)
        case (.cmp, .GE):
            return HandlerSet(reg8: ALUHandlers<UInt8, CmpOp>.geReg, reg16: ALUHandlers<UInt16, CmpOp>.geReg, reg32: ALUHandlers<UInt32, CmpOp>.geReg, reg64: ALUHandlers<UInt64, CmpOp>.geReg,
                              mem8: ALUHandlers<UInt8, CmpOp>.geMem, mem16: ALUHandlers<UInt16, CmpOp>.geMem, mem32: ALUHandlers<UInt32, CmpOp>.geMem, mem64: ALUHandlers<UInt64, CmpOp>.geMem)
        case (.cmp, .EI):
            return HandlerSet(reg8: ALUHandlers<UInt8, CmpOp>.eiReg, reg16: ALUHandlers<UInt16, CmpOp>.eiReg, reg32: ALUHandlers<UInt32, CmpOp>.eiReg, reg64: ALUHandlers<UInt64, CmpOp>.eiReg,
                              mem8: ALUHandlers<UInt8, CmpOp>.eiMem, mem16: ALUHandlers<UInt16, CmpOp>.eiMem, mem32: ALUHandlers<UInt32, CmpOp>.eiMem, mem64: ALUHandlers<UInt64, CmpOp>.eiMem)
        }
    }

    /// TEST E,G and TEST E,I.
    public static func test(_ form: BinaryForm) -> HandlerSet { .unimplemented }
    public static func unary(_ op: UnaryOp) -> HandlerSet { .unimplemented }
    /// F6/F7 /4-/7: one-operand MUL/IMUL/DIV/IDIV with rDX:rAX.
    public static func mulDiv(_ op: MulDivOp) -> HandlerSet { .unimplemented }
    /// 0F AF: IMUL Gv, Ev.
    public static let imulGE = HandlerSet.unimplemented
    /// 69 / 6B: IMUL Gv, Ev, imm.
    public static let imulGEI = HandlerSet.unimplemented
}
