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
            let of = ((a ^ r) & (b ^ r)) >> (T.bitWidth - 1) != 0
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

    /// The result of `a op b` without recording flags. Memory forms store it before they call
    /// `alu`: a store that faults (#PF, a read-only segment) must leave the flags as they were
    /// (x86 faults are precise; an ADC/SBB restarted after the #PF handler reads the old CF).
    @inline(__always) func aluResult<T: GuestInt>(_ op: ALUOp, _ a: T, _ b: T) -> T {
        switch op {
        case .add: return a &+ b
        case .or: return a | b
        case .adc: return a &+ b &+ (pointee.carryFlag ? 1 : 0)
        case .sbb: return a &- b &- (pointee.carryFlag ? 1 : 0)
        case .and: return a & b
        case .sub, .cmp: return a &- b
        case .xor: return a ^ b
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
    @inline(__always) static func egReg(_ cpu: CPU, _ i: Instr) { do { try egRegBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func egRegBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        let r = cpu.alu(Op.op, cpu.reg(i.rm) as T, cpu.reg(i.reg) as T)
        if Op.op != .cmp { cpu.setReg(i.rm, r) }
    }
    @inline(__always) static func egMem(_ cpu: CPU, _ i: Instr) { do { try egMemBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func egMemBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        let ea = cpu.effectiveAddress(i)
        let a: T = try cpu.load(ea)
        let b: T = cpu.reg(i.reg)
        // The store first, then the flags (see `aluResult`).
        if Op.op != .cmp { try cpu.store(ea, cpu.aluResult(Op.op, a, b)) }
        _ = cpu.alu(Op.op, a, b)
    }
    @inline(__always) static func geReg(_ cpu: CPU, _ i: Instr) { do { try geRegBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func geRegBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        let r = cpu.alu(Op.op, cpu.reg(i.reg) as T, cpu.reg(i.rm) as T)
        if Op.op != .cmp { cpu.setReg(i.reg, r) }
    }
    @inline(__always) static func geMem(_ cpu: CPU, _ i: Instr) { do { try geMemBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func geMemBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        let b: T = try cpu.load(cpu.effectiveAddress(i))
        let r = cpu.alu(Op.op, cpu.reg(i.reg) as T, b)
        if Op.op != .cmp { cpu.setReg(i.reg, r) }
    }
    @inline(__always) static func eiReg(_ cpu: CPU, _ i: Instr) { do { try eiRegBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func eiRegBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        let r = cpu.alu(Op.op, cpu.reg(i.rm) as T, T(truncatingIfNeeded: i.imm))
        if Op.op != .cmp { cpu.setReg(i.rm, r) }
    }
    @inline(__always) static func eiMem(_ cpu: CPU, _ i: Instr) { do { try eiMemBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func eiMemBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        let ea = cpu.effectiveAddress(i)
        let a: T = try cpu.load(ea)
        let b = T(truncatingIfNeeded: i.imm)
        if Op.op != .cmp { try cpu.store(ea, cpu.aluResult(Op.op, a, b)) }
        _ = cpu.alu(Op.op, a, b)
    }
}

// MARK: TEST, INC/DEC/NEG/NOT

enum TestHandlers<T: GuestInt> {
    @inline(__always) static func egReg(_ cpu: CPU, _ i: Instr) { do { try egRegBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func egRegBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        let a: T = cpu.reg(i.rm), b: T = cpu.reg(i.reg)
        cpu.pointee.setLazy(.logic, a & b, a, b)
    }
    @inline(__always) static func egMem(_ cpu: CPU, _ i: Instr) { do { try egMemBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func egMemBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        let a: T = try cpu.load(cpu.effectiveAddress(i)), b: T = cpu.reg(i.reg)
        cpu.pointee.setLazy(.logic, a & b, a, b)
    }
    @inline(__always) static func eiReg(_ cpu: CPU, _ i: Instr) { do { try eiRegBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func eiRegBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        let a: T = cpu.reg(i.rm), b = T(truncatingIfNeeded: i.imm)
        cpu.pointee.setLazy(.logic, a & b, a, b)
    }
    @inline(__always) static func eiMem(_ cpu: CPU, _ i: Instr) { do { try eiMemBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func eiMemBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        let a: T = try cpu.load(cpu.effectiveAddress(i)), b = T(truncatingIfNeeded: i.imm)
        cpu.pointee.setLazy(.logic, a & b, a, b)
    }
}

protocol UnaryOperation { static var op: UnaryOp { get } }
enum IncOp: UnaryOperation { static var op: UnaryOp { .inc } }
enum DecOp: UnaryOperation { static var op: UnaryOp { .dec } }
enum NegOp: UnaryOperation { static var op: UnaryOp { .neg } }
enum NotOp: UnaryOperation { static var op: UnaryOp { .not } }

extension UnsafeMutablePointer where Pointee == CPUState {
    /// Records the flags of a unary operation whose operand was `v` and result `r`.
    /// Called after the result is stored, so a faulting store leaves the flags alone.
    @inline(__always) func unaryFlags<T: GuestInt>(_ op: UnaryOp, _ r: T, _ v: T) {
        switch op {
        // INC/DEC: like ADD/SUB 1 except that CF is preserved.
        case .inc: pointee.setLazyIncDec(.inc, r, v)
        case .dec: pointee.setLazyIncDec(.dec, r, v)
        // NEG is SUB 0 - v: CF = (v != 0), OF = (v == sign bit), AF = borrow from bit 4.
        case .neg: pointee.setLazy(.sub, r, 0, v)
        // NOT changes no flag.
        case .not: break
        }
    }
}

enum UnaryHandlers<T: GuestInt, Op: UnaryOperation> {
    @inline(__always) static func compute(_ v: T) -> T {
        switch Op.op {
        case .inc: return v &+ 1
        case .dec: return v &- 1
        case .neg: return 0 &- v
        case .not: return ~v
        }
    }
    @inline(__always) static func reg(_ cpu: CPU, _ i: Instr) { do { try regBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func regBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        let v: T = cpu.reg(i.rm)
        let r = compute(v)
        cpu.setReg(i.rm, r)
        cpu.unaryFlags(Op.op, r, v)
    }
    @inline(__always) static func mem(_ cpu: CPU, _ i: Instr) { do { try memBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func memBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        let ea = cpu.effectiveAddress(i)
        let v: T = try cpu.load(ea)
        let r = compute(v)
        try cpu.store(ea, r)
        cpu.unaryFlags(Op.op, r, v)
    }
}

// MARK: MUL/IMUL/DIV/IDIV
//
// Flags measured on the reference CPU (AMD EPYC, family 19h; 50 000 random cases per form,
// random input flags):
// - MUL, IMUL (all three forms): CF = OF = "the high half is significant"; SF, ZF, AF and PF
//   (undefined in the SDM/APM) are left unchanged.
// - DIV, IDIV: all six flags are undefined; the host leaves CF and OF unchanged, sets AF and
//   clears SF, ZF and PF, whatever the operands.

protocol MulDivOperation { static var op: MulDivOp { get } }
enum MulOp: MulDivOperation { static var op: MulDivOp { .mul } }
enum IMulOp: MulDivOperation { static var op: MulDivOp { .imul } }
enum DivOp: MulDivOperation { static var op: MulDivOp { .div } }
enum IDivOp: MulDivOperation { static var op: MulDivOp { .idiv } }

/// Signed full-width product of two values of width T seen as two's complement.
/// From the unsigned product: hi(a*b signed) = hi(a*b unsigned) - (a<0 ? b : 0) - (b<0 ? a : 0).
@inline(__always) func signedProduct<T: GuestInt>(_ a: T, _ b: T) -> (high: T, low: T) {
    let p = a.multipliedFullWidth(by: b)
    var high = p.high
    if a >> (T.bitWidth - 1) != 0 { high &-= b }
    if b >> (T.bitWidth - 1) != 0 { high &-= a }
    return (high, T(truncatingIfNeeded: p.low))
}

/// True when the signed product does not fit in T (high half is not the sign extension of low).
@inline(__always) func signedProductOverflows<T: GuestInt>(_ p: (high: T, low: T)) -> Bool {
    p.high != (0 as T) &- (p.low >> (T.bitWidth - 1))
}

extension UnsafeMutablePointer where Pointee == CPUState {
    /// The high half of the double-width accumulator: AH for bytes, else DX/EDX/RDX.
    @inline(__always) func accumulatorHigh<T: GuestInt>(_: T.Type) -> T {
        T.bitWidth == 8 ? reg(1) : reg(UInt8(Reg.rdx * 8))
    }

    /// Writes the double-width accumulator: AX = high:low for bytes, else rDX = high, rAX = low.
    @inline(__always) func setAccumulatorPair<T: GuestInt>(high: T, low: T) {
        if T.bitWidth == 8 {
            setReg(0, UInt16(truncatingIfNeeded: high) << 8 | UInt16(truncatingIfNeeded: low))
        } else {
            setReg(0, low)
            setReg(UInt8(Reg.rdx * 8), high)
        }
    }

    @inline(__always) func mulDiv<T: GuestInt>(_ op: MulDivOp, _ src: T) throws(CPUFault) {
        let a: T = reg(0)
        switch op {
        case .mul:
            let p = a.multipliedFullWidth(by: src)
            setAccumulatorPair(high: p.high, low: T(truncatingIfNeeded: p.low))
            pointee.updateArithmeticFlags(mask: Flag.cf | Flag.of, bits: p.high != 0 ? Flag.cf | Flag.of : 0)
        case .imul:
            let p = signedProduct(a, src)
            setAccumulatorPair(high: p.high, low: p.low)
            pointee.updateArithmeticFlags(mask: Flag.cf | Flag.of,
                                          bits: signedProductOverflows(p) ? Flag.cf | Flag.of : 0)
        case .div:
            // #DE when dividing by zero or when the quotient does not fit in T (high >= divisor).
            let high = accumulatorHigh(T.self)
            if src == 0 || high >= src { throw .de }
            let q: T, r: T
            if T.bitWidth == 64 {
                let dividend = UInt128(high) << 64 | UInt128(a)
                q = T(truncatingIfNeeded: dividend / UInt128(src))
                r = T(truncatingIfNeeded: dividend % UInt128(src))
            } else {
                let dividend = UInt64(high) << UInt64(T.bitWidth) | UInt64(a)
                q = T(truncatingIfNeeded: dividend / UInt64(src))
                r = T(truncatingIfNeeded: dividend % UInt64(src))
            }
            setAccumulatorPair(high: r, low: q)
            pointee.updateArithmeticFlags(mask: Flag.sf | Flag.zf | Flag.af | Flag.pf, bits: Flag.af)
        case .idiv:
            let high = accumulatorHigh(T.self)
            if src == 0 { throw .de }
            let q: T, r: T
            // The quotient must lie in [-2^(n-1), 2^(n-1) - 1]; the remainder has the dividend's sign.
            if T.bitWidth == 64 {
                let dividend = Int128(Int64(truncatingIfNeeded: high)) << 64 | Int128(UInt64(truncatingIfNeeded: a))
                let divisor = Int128(Int64(truncatingIfNeeded: src))
                let (quotient, overflow) = dividend.dividedReportingOverflow(by: divisor)
                if overflow || quotient < Int128(Int64.min) || quotient > Int128(Int64.max) { throw .de }
                q = T(truncatingIfNeeded: quotient)
                r = T(truncatingIfNeeded: dividend.remainderReportingOverflow(dividingBy: divisor).partialValue)
            } else {
                let n = UInt64(T.bitWidth)
                let raw = UInt64(high) << n | UInt64(a)
                let dividend = Int64(bitPattern: raw << (64 - 2 * n)) >> Int64(64 - 2 * n)
                let divisor = Int64(bitPattern: UInt64(src) << (64 - n)) >> Int64(64 - n)
                // Int64.min / -1 (only reachable for 32-bit operands) overflows: #DE as well.
                let (quotient, overflow) = dividend.dividedReportingOverflow(by: divisor)
                let limit = Int64(1) << Int64(n - 1)
                if overflow || quotient < -limit || quotient >= limit { throw .de }
                q = T(truncatingIfNeeded: quotient)
                r = T(truncatingIfNeeded: dividend.remainderReportingOverflow(dividingBy: divisor).partialValue)
            }
            setAccumulatorPair(high: r, low: q)
            pointee.updateArithmeticFlags(mask: Flag.sf | Flag.zf | Flag.af | Flag.pf, bits: Flag.af)
        }
    }
}

enum MulDivHandlers<T: GuestInt, Op: MulDivOperation> {
    @inline(__always) static func reg(_ cpu: CPU, _ i: Instr) { do { try regBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func regBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.mulDiv(Op.op, cpu.reg(i.rm) as T)
    }
    @inline(__always) static func mem(_ cpu: CPU, _ i: Instr) { do { try memBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func memBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        let src: T = try cpu.load(cpu.effectiveAddress(i))
        try cpu.mulDiv(Op.op, src)
    }
}

/// IMUL with a truncated result: 0F AF (Gv = Gv * Ev) and 69/6B (Gv = Ev * imm).
enum IMulHandlers<T: GuestInt> {
    @inline(__always) static func multiply(_ cpu: CPU, _ i: Instr, _ a: T, _ b: T) {
        let p = signedProduct(a, b)
        cpu.setReg(i.reg, p.low)
        cpu.pointee.updateArithmeticFlags(mask: Flag.cf | Flag.of,
                                          bits: signedProductOverflows(p) ? Flag.cf | Flag.of : 0)
    }
    @inline(__always) static func geReg(_ cpu: CPU, _ i: Instr) { do { try geRegBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func geRegBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        multiply(cpu, i, cpu.reg(i.reg), cpu.reg(i.rm))
    }
    @inline(__always) static func geMem(_ cpu: CPU, _ i: Instr) { do { try geMemBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func geMemBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        let b: T = try cpu.load(cpu.effectiveAddress(i))
        multiply(cpu, i, cpu.reg(i.reg), b)
    }
    @inline(__always) static func geiReg(_ cpu: CPU, _ i: Instr) { do { try geiRegBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func geiRegBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        multiply(cpu, i, cpu.reg(i.rm), T(truncatingIfNeeded: i.imm))
    }
    @inline(__always) static func geiMem(_ cpu: CPU, _ i: Instr) { do { try geiMemBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func geiMemBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        let a: T = try cpu.load(cpu.effectiveAddress(i))
        multiply(cpu, i, a, T(truncatingIfNeeded: i.imm))
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

    /// 84/85 TEST E,G; A8/A9 and F6/F7 /0 (/1 alias) TEST E,I. Flags as AND (AF = 0 on the
    /// reference CPU, like every logic operation); no result is written.
    public static func test(_ form: BinaryForm) -> HandlerSet {
        switch form {
        case .EG, .GE:
            return HandlerSet(reg8: TestHandlers<UInt8>.egReg, reg16: TestHandlers<UInt16>.egReg, reg32: TestHandlers<UInt32>.egReg, reg64: TestHandlers<UInt64>.egReg,
                              mem8: TestHandlers<UInt8>.egMem, mem16: TestHandlers<UInt16>.egMem, mem32: TestHandlers<UInt32>.egMem, mem64: TestHandlers<UInt64>.egMem)
        case .EI:
            return HandlerSet(reg8: TestHandlers<UInt8>.eiReg, reg16: TestHandlers<UInt16>.eiReg, reg32: TestHandlers<UInt32>.eiReg, reg64: TestHandlers<UInt64>.eiReg,
                              mem8: TestHandlers<UInt8>.eiMem, mem16: TestHandlers<UInt16>.eiMem, mem32: TestHandlers<UInt32>.eiMem, mem64: TestHandlers<UInt64>.eiMem)
        }
    }

    /// FE/FF /0-/1 and 40+r/48+r INC/DEC, F6/F7 /2-/3 NOT/NEG.
    public static func unary(_ op: UnaryOp) -> HandlerSet {
        switch op {
        case .inc:
            return HandlerSet(reg8: UnaryHandlers<UInt8, IncOp>.reg, reg16: UnaryHandlers<UInt16, IncOp>.reg, reg32: UnaryHandlers<UInt32, IncOp>.reg, reg64: UnaryHandlers<UInt64, IncOp>.reg,
                              mem8: UnaryHandlers<UInt8, IncOp>.mem, mem16: UnaryHandlers<UInt16, IncOp>.mem, mem32: UnaryHandlers<UInt32, IncOp>.mem, mem64: UnaryHandlers<UInt64, IncOp>.mem)
        case .dec:
            return HandlerSet(reg8: UnaryHandlers<UInt8, DecOp>.reg, reg16: UnaryHandlers<UInt16, DecOp>.reg, reg32: UnaryHandlers<UInt32, DecOp>.reg, reg64: UnaryHandlers<UInt64, DecOp>.reg,
                              mem8: UnaryHandlers<UInt8, DecOp>.mem, mem16: UnaryHandlers<UInt16, DecOp>.mem, mem32: UnaryHandlers<UInt32, DecOp>.mem, mem64: UnaryHandlers<UInt64, DecOp>.mem)
        case .neg:
            return HandlerSet(reg8: UnaryHandlers<UInt8, NegOp>.reg, reg16: UnaryHandlers<UInt16, NegOp>.reg, reg32: UnaryHandlers<UInt32, NegOp>.reg, reg64: UnaryHandlers<UInt64, NegOp>.reg,
                              mem8: UnaryHandlers<UInt8, NegOp>.mem, mem16: UnaryHandlers<UInt16, NegOp>.mem, mem32: UnaryHandlers<UInt32, NegOp>.mem, mem64: UnaryHandlers<UInt64, NegOp>.mem)
        case .not:
            return HandlerSet(reg8: UnaryHandlers<UInt8, NotOp>.reg, reg16: UnaryHandlers<UInt16, NotOp>.reg, reg32: UnaryHandlers<UInt32, NotOp>.reg, reg64: UnaryHandlers<UInt64, NotOp>.reg,
                              mem8: UnaryHandlers<UInt8, NotOp>.mem, mem16: UnaryHandlers<UInt16, NotOp>.mem, mem32: UnaryHandlers<UInt32, NotOp>.mem, mem64: UnaryHandlers<UInt64, NotOp>.mem)
        }
    }

    /// F6/F7 /4-/7: one-operand MUL/IMUL/DIV/IDIV with AX (bytes) or rDX:rAX.
    public static func mulDiv(_ op: MulDivOp) -> HandlerSet {
        switch op {
        case .mul:
            return HandlerSet(reg8: MulDivHandlers<UInt8, MulOp>.reg, reg16: MulDivHandlers<UInt16, MulOp>.reg, reg32: MulDivHandlers<UInt32, MulOp>.reg, reg64: MulDivHandlers<UInt64, MulOp>.reg,
                              mem8: MulDivHandlers<UInt8, MulOp>.mem, mem16: MulDivHandlers<UInt16, MulOp>.mem, mem32: MulDivHandlers<UInt32, MulOp>.mem, mem64: MulDivHandlers<UInt64, MulOp>.mem)
        case .imul:
            return HandlerSet(reg8: MulDivHandlers<UInt8, IMulOp>.reg, reg16: MulDivHandlers<UInt16, IMulOp>.reg, reg32: MulDivHandlers<UInt32, IMulOp>.reg, reg64: MulDivHandlers<UInt64, IMulOp>.reg,
                              mem8: MulDivHandlers<UInt8, IMulOp>.mem, mem16: MulDivHandlers<UInt16, IMulOp>.mem, mem32: MulDivHandlers<UInt32, IMulOp>.mem, mem64: MulDivHandlers<UInt64, IMulOp>.mem)
        case .div:
            return HandlerSet(reg8: MulDivHandlers<UInt8, DivOp>.reg, reg16: MulDivHandlers<UInt16, DivOp>.reg, reg32: MulDivHandlers<UInt32, DivOp>.reg, reg64: MulDivHandlers<UInt64, DivOp>.reg,
                              mem8: MulDivHandlers<UInt8, DivOp>.mem, mem16: MulDivHandlers<UInt16, DivOp>.mem, mem32: MulDivHandlers<UInt32, DivOp>.mem, mem64: MulDivHandlers<UInt64, DivOp>.mem)
        case .idiv:
            return HandlerSet(reg8: MulDivHandlers<UInt8, IDivOp>.reg, reg16: MulDivHandlers<UInt16, IDivOp>.reg, reg32: MulDivHandlers<UInt32, IDivOp>.reg, reg64: MulDivHandlers<UInt64, IDivOp>.reg,
                              mem8: MulDivHandlers<UInt8, IDivOp>.mem, mem16: MulDivHandlers<UInt16, IDivOp>.mem, mem32: MulDivHandlers<UInt32, IDivOp>.mem, mem64: MulDivHandlers<UInt64, IDivOp>.mem)
        }
    }

    /// 0F AF: IMUL Gv, Ev (no byte form).
    public static let imulGE = HandlerSet(reg16: IMulHandlers<UInt16>.geReg, reg32: IMulHandlers<UInt32>.geReg, reg64: IMulHandlers<UInt64>.geReg,
                              mem16: IMulHandlers<UInt16>.geMem, mem32: IMulHandlers<UInt32>.geMem, mem64: IMulHandlers<UInt64>.geMem)
    /// 69 / 6B: IMUL Gv, Ev, Iz / Ib (the immediate is sign-extended by the decoder).
    public static let imulGEI = HandlerSet(reg16: IMulHandlers<UInt16>.geiReg, reg32: IMulHandlers<UInt32>.geiReg, reg64: IMulHandlers<UInt64>.geiReg,
                              mem16: IMulHandlers<UInt16>.geiMem, mem32: IMulHandlers<UInt32>.geiMem, mem64: IMulHandlers<UInt64>.geiMem)
}
