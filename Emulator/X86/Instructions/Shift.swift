// Layer: X86 (CPU model), instruction handlers: shifts and rotates (C0/C1/D0-D3 group 2:
// ROL/ROR/RCL/RCR/SHL/SHR/SAL/SAR) and the double shifts SHLD/SHRD (0F A4/A5/AC/AD).
//
// Rules every form follows (SDM vol. 2 "SAL/SAR/SHL/SHR", "RCL/RCR/ROL/ROR", APM vol. 3):
// - The count (1, CL or imm8) is masked to 5 bits, 6 with a 64-bit operand. A masked count of 0
//   changes no flag (but a 32-bit register destination is still written, so its upper half is
//   cleared: measured on the host) and a memory destination is not written.
// - ROL/ROR of 8/16-bit operands rotate by count mod width; RCL/RCR rotate through CF, so an
//   8-bit operand has period 9 and a 16-bit one 17.
// - Rotates change only CF and OF; shifts set SF/ZF/PF from the result.
//
// Undefined flags follow the reference CPU (AMD EPYC, family 19h), measured with 20 000 random
// cases per operation and width (random values, counts 0-255, random input flags):
// - Shifts: AF = 1 whenever the masked count is non-zero. OF (defined only for count 1) is
//   computed by the count-1 formula for every count: SHL: MSB(result) XOR CF; SHR: the two top
//   bits of the result differ (0 once count > 1); SAR: 0. CF is the last bit shifted out, for
//   counts past the width too (SHL/SHR give 0, SAR gives the sign).
// - Rotates: OF by the count-1 formula for every count, even when the rotation amount is 0
//   (e.g. ROL r8 by 8, RCL r8 by 9): ROL/RCL: MSB(result) XOR CF(new); ROR/RCR: XOR of the two
//   top bits of the result. ROL/ROR by a multiple of the width still set CF (LSB/MSB of result).
// - SHLD/SHRD: AF = 1, OF by the count-1 formula (SHLD: MSB(result) XOR CF; SHRD: XOR of the
//   two top bits). 16-bit operands with count 17-31 (undefined result): the host shifts the
//   pattern dest:src:src (SHLD) or src:src:dest (SHRD), i.e. only the source shows up; CF = 0;
//   OF = 0 for SHLD and the two-top-bits XOR for SHRD. 16-bit SHLD by exactly 16 sets OF = CF
//   (not MSB XOR CF).

public enum ShiftOp: Int, Sendable { case rol = 0, ror, rcl, rcr, shl, shr, sal, sar }
public enum ShiftCount: Sendable { case one, cl, imm }

/// Compile-time carriers: which operation and where the count comes from.
protocol ShiftOperation { static var op: ShiftOp { get } }
enum RolOp: ShiftOperation { static var op: ShiftOp { .rol } }
enum RorOp: ShiftOperation { static var op: ShiftOp { .ror } }
enum RclOp: ShiftOperation { static var op: ShiftOp { .rcl } }
enum RcrOp: ShiftOperation { static var op: ShiftOp { .rcr } }
enum ShlOp: ShiftOperation { static var op: ShiftOp { .shl } }
enum ShrOp: ShiftOperation { static var op: ShiftOp { .shr } }
enum SarOp: ShiftOperation { static var op: ShiftOp { .sar } }

protocol ShiftCountSource { static var source: ShiftCount { get } }
enum CountOne: ShiftCountSource { static var source: ShiftCount { .one } }
enum CountCL: ShiftCountSource { static var source: ShiftCount { .cl } }
enum CountImm: ShiftCountSource { static var source: ShiftCount { .imm } }

extension ShiftCountSource {
    /// The count masked to 5 bits (6 for 64-bit operands).
    @inline(__always) static func count<T: GuestInt>(_ cpu: CPU, _ i: Instr, _: T.Type) -> UInt64 {
        let raw: UInt64
        switch source {
        case .one: raw = 1
        case .cl: raw = cpu.gpr(Reg.rcx)
        case .imm: raw = i.imm
        }
        return raw & (T.bitWidth == 64 ? 63 : 31)
    }
}

/// Most significant bit and the bit below it, as 0 or 1.
@inline(__always) func topBit<T: GuestInt>(_ v: T) -> UInt64 { UInt64(truncatingIfNeeded: v >> (T.bitWidth - 1)) }
@inline(__always) func secondBit<T: GuestInt>(_ v: T) -> UInt64 { UInt64(truncatingIfNeeded: v >> (T.bitWidth - 2)) & 1 }

extension UnsafeMutablePointer where Pointee == CPUState {
    /// Shift or rotate `v` by the masked count `c` (non-zero). Returns the result and the new
    /// values of the flags in `mask` (the others are unchanged).
    @inline(__always) func shiftResult<T: GuestInt>(_ op: ShiftOp, _ v: T, _ c: UInt64) -> (result: T, mask: UInt64, flags: UInt64) {
        let n = UInt64(T.bitWidth)
        switch op {
        case .shl, .sal:
            // Widen so that the last bit shifted out (bit n of the wide result) is still there:
            // c <= 31 for widths up to 32, so 64 bits suffice; 64-bit operands read it directly.
            let r: T, cf: UInt64
            if T.bitWidth == 64 {
                let x = UInt64(truncatingIfNeeded: v)
                r = T(truncatingIfNeeded: x &<< c)
                cf = (x &>> (64 - c)) & 1
            } else {
                let w = UInt64(truncatingIfNeeded: v) &<< c
                r = T(truncatingIfNeeded: w)
                cf = (w &>> n) & 1
            }
            let of = topBit(r) ^ cf
            return (r, Flag.arithmetic, FlagMath.szp(r) | Flag.af | cf | of << 11)
        case .shr:
            // c <= 31 < 64, so a 64-bit shift of the zero-extended value gives 0 past the width.
            let x = UInt64(truncatingIfNeeded: v)
            let r = T(truncatingIfNeeded: x &>> c)
            let cf = (x &>> (c - 1)) & 1
            let of = topBit(r) ^ secondBit(r)
            return (r, Flag.arithmetic, FlagMath.szp(r) | Flag.af | cf | of << 11)
        case .sar:
            // Sign-extend to 64 bits; shifting that by up to 63 replicates the sign correctly.
            let s = Int64(bitPattern: UInt64(truncatingIfNeeded: v) &<< (64 - n)) &>> Int64(64 - n)
            let r = T(truncatingIfNeeded: s &>> Int64(c))
            let cf = UInt64(bitPattern: s &>> Int64(c - 1)) & 1
            return (r, Flag.arithmetic, FlagMath.szp(r) | Flag.af | cf)
        case .rol:
            let k = c % n
            let r = k == 0 ? v : (v &<< T(truncatingIfNeeded: k)) | (v &>> T(truncatingIfNeeded: n - k))
            let cf = UInt64(truncatingIfNeeded: r) & 1
            return (r, Flag.cf | Flag.of, cf | (topBit(r) ^ cf) << 11)
        case .ror:
            let k = c % n
            let r = k == 0 ? v : (v &>> T(truncatingIfNeeded: k)) | (v &<< T(truncatingIfNeeded: n - k))
            let cf = topBit(r)
            return (r, Flag.cf | Flag.of, cf | (topBit(r) ^ secondBit(r)) << 11)
        case .rcl, .rcr:
            // Rotation through CF: an (n+1)-bit rotate. 8/16-bit counts are taken mod 9/17.
            let k = T.bitWidth == 8 ? c % 9 : T.bitWidth == 16 ? c % 17 : c
            let oldCF: UInt64 = pointee.carryFlag ? 1 : 0
            var r = v, cf = oldCF
            if k != 0 {
                let x = UInt64(truncatingIfNeeded: v)
                if op == .rcl {
                    // result = v << k | CF << (k-1) | v >> (n+1-k); CF = bit n-k of v.
                    // (Smart shifts: n+1-k can be 64, which must give 0.)
                    r = T(truncatingIfNeeded: (x &<< k) | (oldCF &<< (k - 1)) | (x >> (n + 1 - k)))
                    cf = (x >> (n - k)) & 1
                } else {
                    // result = v >> k | CF << (n-k) | v << (n+1-k); CF = bit k-1 of v.
                    r = T(truncatingIfNeeded: (x &>> k) | (oldCF << (n - k)) | (x << (n + 1 - k)))
                    cf = (x &>> (k - 1)) & 1
                }
            }
            let of = op == .rcl ? topBit(r) ^ cf : topBit(r) ^ secondBit(r)
            return (r, Flag.cf | Flag.of, cf | of << 11)
        }
    }

    @inline(__always) func applyShiftFlags(mask: UInt64, flags: UInt64) {
        if mask == Flag.arithmetic { pointee.setArithmeticFlags(flags) }
        else { pointee.updateArithmeticFlags(mask: mask, bits: flags) }
    }
}

enum ShiftHandlers<T: GuestInt, Op: ShiftOperation, Count: ShiftCountSource> {
    @inline(__always) static func reg(_ cpu: CPU, _ i: Instr) { do { try regBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func regBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        let c = Count.count(cpu, i, T.self)
        let v: T = cpu.reg(i.rm)
        if c == 0 {
            cpu.setReg(i.rm, v)  // no flag changes, but a 32-bit destination is zero-extended
            return
        }
        let s = cpu.shiftResult(Op.op, v, c)
        cpu.setReg(i.rm, s.result)
        cpu.applyShiftFlags(mask: s.mask, flags: s.flags)
    }
    @inline(__always) static func mem(_ cpu: CPU, _ i: Instr) { do { try memBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func memBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        let c = Count.count(cpu, i, T.self)
        let ea = cpu.effectiveAddress(i)
        let v: T = try cpu.load(ea)
        if c == 0 { return }
        let s = cpu.shiftResult(Op.op, v, c)
        try cpu.store(ea, s.result)
        cpu.applyShiftFlags(mask: s.mask, flags: s.flags)
    }
}

// MARK: SHLD / SHRD

protocol DoubleShiftDirection { static var left: Bool { get } }
enum ShldDir: DoubleShiftDirection { static var left: Bool { true } }
enum ShrdDir: DoubleShiftDirection { static var left: Bool { false } }

/// Double-precision shift of `d` with bits from `s` by the masked count `c` (non-zero).
@inline(__always) func doubleShift<T: GuestInt>(left: Bool, _ d: T, _ s: T, _ c: UInt64) -> (result: T, flags: UInt64) {
    let n = UInt64(T.bitWidth)
    var r: T, cf: UInt64, of: UInt64
    if T.bitWidth == 16 {
        // Counts up to 31 exceed the width: model the host's 48-bit pattern (see file header).
        let d64 = UInt64(truncatingIfNeeded: d), s64 = UInt64(truncatingIfNeeded: s)
        if left {
            let w = d64 << 32 | s64 << 16 | s64
            r = T(truncatingIfNeeded: (w &<< c) &>> 32)
            cf = c <= 16 ? (w &>> (48 - c)) & 1 : 0
            of = c < 16 ? topBit(r) ^ cf : cf  // count 16: OF = CF; above: both 0 (measured)
        } else {
            let w = s64 << 32 | s64 << 16 | d64
            r = T(truncatingIfNeeded: w &>> c)
            cf = c <= 16 ? (w &>> (c - 1)) & 1 : 0
            of = topBit(r) ^ secondBit(r)
        }
    } else {
        // 32/64-bit: 1 <= c < n, so every shift amount below is in range.
        let k = T(truncatingIfNeeded: c)
        if left {
            r = (d &<< k) | (s &>> T(truncatingIfNeeded: n - c))
            cf = UInt64(truncatingIfNeeded: d &>> T(truncatingIfNeeded: n - c)) & 1
            of = topBit(r) ^ cf
        } else {
            r = (d &>> k) | (s &<< T(truncatingIfNeeded: n - c))
            cf = UInt64(truncatingIfNeeded: d &>> T(truncatingIfNeeded: c - 1)) & 1
            of = topBit(r) ^ secondBit(r)
        }
    }
    return (r, FlagMath.szp(r) | Flag.af | cf | of << 11)
}

enum DoubleShiftHandlers<T: GuestInt, Dir: DoubleShiftDirection, Count: ShiftCountSource> {
    @inline(__always) static func reg(_ cpu: CPU, _ i: Instr) { do { try regBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func regBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        let c = Count.count(cpu, i, T.self)
        let d: T = cpu.reg(i.rm)
        if c == 0 {
            cpu.setReg(i.rm, d)  // 32-bit destination still zero-extended (measured)
            return
        }
        let s = doubleShift(left: Dir.left, d, cpu.reg(i.reg) as T, c)
        cpu.setReg(i.rm, s.result)
        cpu.pointee.setArithmeticFlags(s.flags)
    }
    @inline(__always) static func mem(_ cpu: CPU, _ i: Instr) { do { try memBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func memBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        let c = Count.count(cpu, i, T.self)
        let ea = cpu.effectiveAddress(i)
        let d: T = try cpu.load(ea)
        if c == 0 { return }
        let s = doubleShift(left: Dir.left, d, cpu.reg(i.reg) as T, c)
        try cpu.store(ea, s.result)
        cpu.pointee.setArithmeticFlags(s.flags)
    }
}

public enum Shift {
    /// C0/C1/D0-D3 groups (ModRM.reg selects the operation; /6 is an alias of SHL).
    public static func shift(_ op: ShiftOp, _ count: ShiftCount) -> HandlerSet {
        // Swift takes `@convention(thin)` references only to fully concrete functions, so each
        // operation, count source and width is spelled out.
        switch (op, count) {
        case (.rol, .one):
            return HandlerSet(reg8: ShiftHandlers<UInt8, RolOp, CountOne>.reg, reg16: ShiftHandlers<UInt16, RolOp, CountOne>.reg, reg32: ShiftHandlers<UInt32, RolOp, CountOne>.reg, reg64: ShiftHandlers<UInt64, RolOp, CountOne>.reg,
                              mem8: ShiftHandlers<UInt8, RolOp, CountOne>.mem, mem16: ShiftHandlers<UInt16, RolOp, CountOne>.mem, mem32: ShiftHandlers<UInt32, RolOp, CountOne>.mem, mem64: ShiftHandlers<UInt64, RolOp, CountOne>.mem)
        case (.rol, .cl):
            return HandlerSet(reg8: ShiftHandlers<UInt8, RolOp, CountCL>.reg, reg16: ShiftHandlers<UInt16, RolOp, CountCL>.reg, reg32: ShiftHandlers<UInt32, RolOp, CountCL>.reg, reg64: ShiftHandlers<UInt64, RolOp, CountCL>.reg,
                              mem8: ShiftHandlers<UInt8, RolOp, CountCL>.mem, mem16: ShiftHandlers<UInt16, RolOp, CountCL>.mem, mem32: ShiftHandlers<UInt32, RolOp, CountCL>.mem, mem64: ShiftHandlers<UInt64, RolOp, CountCL>.mem)
        case (.rol, .imm):
            return HandlerSet(reg8: ShiftHandlers<UInt8, RolOp, CountImm>.reg, reg16: ShiftHandlers<UInt16, RolOp, CountImm>.reg, reg32: ShiftHandlers<UInt32, RolOp, CountImm>.reg, reg64: ShiftHandlers<UInt64, RolOp, CountImm>.reg,
                              mem8: ShiftHandlers<UInt8, RolOp, CountImm>.mem, mem16: ShiftHandlers<UInt16, RolOp, CountImm>.mem, mem32: ShiftHandlers<UInt32, RolOp, CountImm>.mem, mem64: ShiftHandlers<UInt64, RolOp, CountImm>.mem)
        case (.ror, .one):
            return HandlerSet(reg8: ShiftHandlers<UInt8, RorOp, CountOne>.reg, reg16: ShiftHandlers<UInt16, RorOp, CountOne>.reg, reg32: ShiftHandlers<UInt32, RorOp, CountOne>.reg, reg64: ShiftHandlers<UInt64, RorOp, CountOne>.reg,
                              mem8: ShiftHandlers<UInt8, RorOp, CountOne>.mem, mem16: ShiftHandlers<UInt16, RorOp, CountOne>.mem, mem32: ShiftHandlers<UInt32, RorOp, CountOne>.mem, mem64: ShiftHandlers<UInt64, RorOp, CountOne>.mem)
        case (.ror, .cl):
            return HandlerSet(reg8: ShiftHandlers<UInt8, RorOp, CountCL>.reg, reg16: ShiftHandlers<UInt16, RorOp, CountCL>.reg, reg32: ShiftHandlers<UInt32, RorOp, CountCL>.reg, reg64: ShiftHandlers<UInt64, RorOp, CountCL>.reg,
                              mem8: ShiftHandlers<UInt8, RorOp, CountCL>.mem, mem16: ShiftHandlers<UInt16, RorOp, CountCL>.mem, mem32: ShiftHandlers<UInt32, RorOp, CountCL>.mem, mem64: ShiftHandlers<UInt64, RorOp, CountCL>.mem)
        case (.ror, .imm):
            return HandlerSet(reg8: ShiftHandlers<UInt8, RorOp, CountImm>.reg, reg16: ShiftHandlers<UInt16, RorOp, CountImm>.reg, reg32: ShiftHandlers<UInt32, RorOp, CountImm>.reg, reg64: ShiftHandlers<UInt64, RorOp, CountImm>.reg,
                              mem8: ShiftHandlers<UInt8, RorOp, CountImm>.mem, mem16: ShiftHandlers<UInt16, RorOp, CountImm>.mem, mem32: ShiftHandlers<UInt32, RorOp, CountImm>.mem, mem64: ShiftHandlers<UInt64, RorOp, CountImm>.mem)
        case (.rcl, .one):
            return HandlerSet(reg8: ShiftHandlers<UInt8, RclOp, CountOne>.reg, reg16: ShiftHandlers<UInt16, RclOp, CountOne>.reg, reg32: ShiftHandlers<UInt32, RclOp, CountOne>.reg, reg64: ShiftHandlers<UInt64, RclOp, CountOne>.reg,
                              mem8: ShiftHandlers<UInt8, RclOp, CountOne>.mem, mem16: ShiftHandlers<UInt16, RclOp, CountOne>.mem, mem32: ShiftHandlers<UInt32, RclOp, CountOne>.mem, mem64: ShiftHandlers<UInt64, RclOp, CountOne>.mem)
        case (.rcl, .cl):
            return HandlerSet(reg8: ShiftHandlers<UInt8, RclOp, CountCL>.reg, reg16: ShiftHandlers<UInt16, RclOp, CountCL>.reg, reg32: ShiftHandlers<UInt32, RclOp, CountCL>.reg, reg64: ShiftHandlers<UInt64, RclOp, CountCL>.reg,
                              mem8: ShiftHandlers<UInt8, RclOp, CountCL>.mem, mem16: ShiftHandlers<UInt16, RclOp, CountCL>.mem, mem32: ShiftHandlers<UInt32, RclOp, CountCL>.mem, mem64: ShiftHandlers<UInt64, RclOp, CountCL>.mem)
        case (.rcl, .imm):
            return HandlerSet(reg8: ShiftHandlers<UInt8, RclOp, CountImm>.reg, reg16: ShiftHandlers<UInt16, RclOp, CountImm>.reg, reg32: ShiftHandlers<UInt32, RclOp, CountImm>.reg, reg64: ShiftHandlers<UInt64, RclOp, CountImm>.reg,
                              mem8: ShiftHandlers<UInt8, RclOp, CountImm>.mem, mem16: ShiftHandlers<UInt16, RclOp, CountImm>.mem, mem32: ShiftHandlers<UInt32, RclOp, CountImm>.mem, mem64: ShiftHandlers<UInt64, RclOp, CountImm>.mem)
        case (.rcr, .one):
            return HandlerSet(reg8: ShiftHandlers<UInt8, RcrOp, CountOne>.reg, reg16: ShiftHandlers<UInt16, RcrOp, CountOne>.reg, reg32: ShiftHandlers<UInt32, RcrOp, CountOne>.reg, reg64: ShiftHandlers<UInt64, RcrOp, CountOne>.reg,
                              mem8: ShiftHandlers<UInt8, RcrOp, CountOne>.mem, mem16: ShiftHandlers<UInt16, RcrOp, CountOne>.mem, mem32: ShiftHandlers<UInt32, RcrOp, CountOne>.mem, mem64: ShiftHandlers<UInt64, RcrOp, CountOne>.mem)
        case (.rcr, .cl):
            return HandlerSet(reg8: ShiftHandlers<UInt8, RcrOp, CountCL>.reg, reg16: ShiftHandlers<UInt16, RcrOp, CountCL>.reg, reg32: ShiftHandlers<UInt32, RcrOp, CountCL>.reg, reg64: ShiftHandlers<UInt64, RcrOp, CountCL>.reg,
                              mem8: ShiftHandlers<UInt8, RcrOp, CountCL>.mem, mem16: ShiftHandlers<UInt16, RcrOp, CountCL>.mem, mem32: ShiftHandlers<UInt32, RcrOp, CountCL>.mem, mem64: ShiftHandlers<UInt64, RcrOp, CountCL>.mem)
        case (.rcr, .imm):
            return HandlerSet(reg8: ShiftHandlers<UInt8, RcrOp, CountImm>.reg, reg16: ShiftHandlers<UInt16, RcrOp, CountImm>.reg, reg32: ShiftHandlers<UInt32, RcrOp, CountImm>.reg, reg64: ShiftHandlers<UInt64, RcrOp, CountImm>.reg,
                              mem8: ShiftHandlers<UInt8, RcrOp, CountImm>.mem, mem16: ShiftHandlers<UInt16, RcrOp, CountImm>.mem, mem32: ShiftHandlers<UInt32, RcrOp, CountImm>.mem, mem64: ShiftHandlers<UInt64, RcrOp, CountImm>.mem)
        case (.shl, .one):
            return HandlerSet(reg8: ShiftHandlers<UInt8, ShlOp, CountOne>.reg, reg16: ShiftHandlers<UInt16, ShlOp, CountOne>.reg, reg32: ShiftHandlers<UInt32, ShlOp, CountOne>.reg, reg64: ShiftHandlers<UInt64, ShlOp, CountOne>.reg,
                              mem8: ShiftHandlers<UInt8, ShlOp, CountOne>.mem, mem16: ShiftHandlers<UInt16, ShlOp, CountOne>.mem, mem32: ShiftHandlers<UInt32, ShlOp, CountOne>.mem, mem64: ShiftHandlers<UInt64, ShlOp, CountOne>.mem)
        case (.shl, .cl):
            return HandlerSet(reg8: ShiftHandlers<UInt8, ShlOp, CountCL>.reg, reg16: ShiftHandlers<UInt16, ShlOp, CountCL>.reg, reg32: ShiftHandlers<UInt32, ShlOp, CountCL>.reg, reg64: ShiftHandlers<UInt64, ShlOp, CountCL>.reg,
                              mem8: ShiftHandlers<UInt8, ShlOp, CountCL>.mem, mem16: ShiftHandlers<UInt16, ShlOp, CountCL>.mem, mem32: ShiftHandlers<UInt32, ShlOp, CountCL>.mem, mem64: ShiftHandlers<UInt64, ShlOp, CountCL>.mem)
        case (.shl, .imm):
            return HandlerSet(reg8: ShiftHandlers<UInt8, ShlOp, CountImm>.reg, reg16: ShiftHandlers<UInt16, ShlOp, CountImm>.reg, reg32: ShiftHandlers<UInt32, ShlOp, CountImm>.reg, reg64: ShiftHandlers<UInt64, ShlOp, CountImm>.reg,
                              mem8: ShiftHandlers<UInt8, ShlOp, CountImm>.mem, mem16: ShiftHandlers<UInt16, ShlOp, CountImm>.mem, mem32: ShiftHandlers<UInt32, ShlOp, CountImm>.mem, mem64: ShiftHandlers<UInt64, ShlOp, CountImm>.mem)
        case (.shr, .one):
            return HandlerSet(reg8: ShiftHandlers<UInt8, ShrOp, CountOne>.reg, reg16: ShiftHandlers<UInt16, ShrOp, CountOne>.reg, reg32: ShiftHandlers<UInt32, ShrOp, CountOne>.reg, reg64: ShiftHandlers<UInt64, ShrOp, CountOne>.reg,
                              mem8: ShiftHandlers<UInt8, ShrOp, CountOne>.mem, mem16: ShiftHandlers<UInt16, ShrOp, CountOne>.mem, mem32: ShiftHandlers<UInt32, ShrOp, CountOne>.mem, mem64: ShiftHandlers<UInt64, ShrOp, CountOne>.mem)
        case (.shr, .cl):
            return HandlerSet(reg8: ShiftHandlers<UInt8, ShrOp, CountCL>.reg, reg16: ShiftHandlers<UInt16, ShrOp, CountCL>.reg, reg32: ShiftHandlers<UInt32, ShrOp, CountCL>.reg, reg64: ShiftHandlers<UInt64, ShrOp, CountCL>.reg,
                              mem8: ShiftHandlers<UInt8, ShrOp, CountCL>.mem, mem16: ShiftHandlers<UInt16, ShrOp, CountCL>.mem, mem32: ShiftHandlers<UInt32, ShrOp, CountCL>.mem, mem64: ShiftHandlers<UInt64, ShrOp, CountCL>.mem)
        case (.shr, .imm):
            return HandlerSet(reg8: ShiftHandlers<UInt8, ShrOp, CountImm>.reg, reg16: ShiftHandlers<UInt16, ShrOp, CountImm>.reg, reg32: ShiftHandlers<UInt32, ShrOp, CountImm>.reg, reg64: ShiftHandlers<UInt64, ShrOp, CountImm>.reg,
                              mem8: ShiftHandlers<UInt8, ShrOp, CountImm>.mem, mem16: ShiftHandlers<UInt16, ShrOp, CountImm>.mem, mem32: ShiftHandlers<UInt32, ShrOp, CountImm>.mem, mem64: ShiftHandlers<UInt64, ShrOp, CountImm>.mem)
        case (.sal, .one):
            return HandlerSet(reg8: ShiftHandlers<UInt8, ShlOp, CountOne>.reg, reg16: ShiftHandlers<UInt16, ShlOp, CountOne>.reg, reg32: ShiftHandlers<UInt32, ShlOp, CountOne>.reg, reg64: ShiftHandlers<UInt64, ShlOp, CountOne>.reg,
                              mem8: ShiftHandlers<UInt8, ShlOp, CountOne>.mem, mem16: ShiftHandlers<UInt16, ShlOp, CountOne>.mem, mem32: ShiftHandlers<UInt32, ShlOp, CountOne>.mem, mem64: ShiftHandlers<UInt64, ShlOp, CountOne>.mem)
        case (.sal, .cl):
            return HandlerSet(reg8: ShiftHandlers<UInt8, ShlOp, CountCL>.reg, reg16: ShiftHandlers<UInt16, ShlOp, CountCL>.reg, reg32: ShiftHandlers<UInt32, ShlOp, CountCL>.reg, reg64: ShiftHandlers<UInt64, ShlOp, CountCL>.reg,
                              mem8: ShiftHandlers<UInt8, ShlOp, CountCL>.mem, mem16: ShiftHandlers<UInt16, ShlOp, CountCL>.mem, mem32: ShiftHandlers<UInt32, ShlOp, CountCL>.mem, mem64: ShiftHandlers<UInt64, ShlOp, CountCL>.mem)
        case (.sal, .imm):
            return HandlerSet(reg8: ShiftHandlers<UInt8, ShlOp, CountImm>.reg, reg16: ShiftHandlers<UInt16, ShlOp, CountImm>.reg, reg32: ShiftHandlers<UInt32, ShlOp, CountImm>.reg, reg64: ShiftHandlers<UInt64, ShlOp, CountImm>.reg,
                              mem8: ShiftHandlers<UInt8, ShlOp, CountImm>.mem, mem16: ShiftHandlers<UInt16, ShlOp, CountImm>.mem, mem32: ShiftHandlers<UInt32, ShlOp, CountImm>.mem, mem64: ShiftHandlers<UInt64, ShlOp, CountImm>.mem)
        case (.sar, .one):
            return HandlerSet(reg8: ShiftHandlers<UInt8, SarOp, CountOne>.reg, reg16: ShiftHandlers<UInt16, SarOp, CountOne>.reg, reg32: ShiftHandlers<UInt32, SarOp, CountOne>.reg, reg64: ShiftHandlers<UInt64, SarOp, CountOne>.reg,
                              mem8: ShiftHandlers<UInt8, SarOp, CountOne>.mem, mem16: ShiftHandlers<UInt16, SarOp, CountOne>.mem, mem32: ShiftHandlers<UInt32, SarOp, CountOne>.mem, mem64: ShiftHandlers<UInt64, SarOp, CountOne>.mem)
        case (.sar, .cl):
            return HandlerSet(reg8: ShiftHandlers<UInt8, SarOp, CountCL>.reg, reg16: ShiftHandlers<UInt16, SarOp, CountCL>.reg, reg32: ShiftHandlers<UInt32, SarOp, CountCL>.reg, reg64: ShiftHandlers<UInt64, SarOp, CountCL>.reg,
                              mem8: ShiftHandlers<UInt8, SarOp, CountCL>.mem, mem16: ShiftHandlers<UInt16, SarOp, CountCL>.mem, mem32: ShiftHandlers<UInt32, SarOp, CountCL>.mem, mem64: ShiftHandlers<UInt64, SarOp, CountCL>.mem)
        case (.sar, .imm):
            return HandlerSet(reg8: ShiftHandlers<UInt8, SarOp, CountImm>.reg, reg16: ShiftHandlers<UInt16, SarOp, CountImm>.reg, reg32: ShiftHandlers<UInt32, SarOp, CountImm>.reg, reg64: ShiftHandlers<UInt64, SarOp, CountImm>.reg,
                              mem8: ShiftHandlers<UInt8, SarOp, CountImm>.mem, mem16: ShiftHandlers<UInt16, SarOp, CountImm>.mem, mem32: ShiftHandlers<UInt32, SarOp, CountImm>.mem, mem64: ShiftHandlers<UInt64, SarOp, CountImm>.mem)
        }
    }

    /// 0F A4/A5 SHLD, 0F AC/AD SHRD (count is .imm or .cl; no byte form).
    public static func shld(_ count: ShiftCount) -> HandlerSet {
        count == .cl
            ? HandlerSet(reg16: DoubleShiftHandlers<UInt16, ShldDir, CountCL>.reg, reg32: DoubleShiftHandlers<UInt32, ShldDir, CountCL>.reg, reg64: DoubleShiftHandlers<UInt64, ShldDir, CountCL>.reg,
                              mem16: DoubleShiftHandlers<UInt16, ShldDir, CountCL>.mem, mem32: DoubleShiftHandlers<UInt32, ShldDir, CountCL>.mem, mem64: DoubleShiftHandlers<UInt64, ShldDir, CountCL>.mem)
            : HandlerSet(reg16: DoubleShiftHandlers<UInt16, ShldDir, CountImm>.reg, reg32: DoubleShiftHandlers<UInt32, ShldDir, CountImm>.reg, reg64: DoubleShiftHandlers<UInt64, ShldDir, CountImm>.reg,
                              mem16: DoubleShiftHandlers<UInt16, ShldDir, CountImm>.mem, mem32: DoubleShiftHandlers<UInt32, ShldDir, CountImm>.mem, mem64: DoubleShiftHandlers<UInt64, ShldDir, CountImm>.mem)
    }
    public static func shrd(_ count: ShiftCount) -> HandlerSet {
        count == .cl
            ? HandlerSet(reg16: DoubleShiftHandlers<UInt16, ShrdDir, CountCL>.reg, reg32: DoubleShiftHandlers<UInt32, ShrdDir, CountCL>.reg, reg64: DoubleShiftHandlers<UInt64, ShrdDir, CountCL>.reg,
                              mem16: DoubleShiftHandlers<UInt16, ShrdDir, CountCL>.mem, mem32: DoubleShiftHandlers<UInt32, ShrdDir, CountCL>.mem, mem64: DoubleShiftHandlers<UInt64, ShrdDir, CountCL>.mem)
            : HandlerSet(reg16: DoubleShiftHandlers<UInt16, ShrdDir, CountImm>.reg, reg32: DoubleShiftHandlers<UInt32, ShrdDir, CountImm>.reg, reg64: DoubleShiftHandlers<UInt64, ShrdDir, CountImm>.reg,
                              mem16: DoubleShiftHandlers<UInt16, ShrdDir, CountImm>.mem, mem32: DoubleShiftHandlers<UInt32, ShrdDir, CountImm>.mem, mem64: DoubleShiftHandlers<UInt64, ShrdDir, CountImm>.mem)
    }
}
