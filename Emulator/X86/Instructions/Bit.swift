// Layer: X86 (CPU model), instruction handlers: bit tests (BT/BTS/BTR/BTC), scans (BSF/BSR),
// counts (TZCNT/LZCNT/POPCNT) and BSWAP.
//
// Flags. Defined ones follow the SDM/APM; undefined ones follow the reference CPU (AMD EPYC,
// family 19h), measured on the host with random operands and random input flags:
// - BT/BTS/BTR/BTC: CF = the selected bit; OF, SF, ZF, AF and PF are left unchanged.
// - BSF/BSR: ZF = (source == 0); CF, OF, SF and AF are cleared; PF = parity of the result
//   (the bit index), and PF = 1 when the source is 0. With a zero source the destination is
//   not written at all (AMD documents this; a 32-bit destination keeps its upper half too).
// - TZCNT/LZCNT: CF = (source == 0), ZF = (result == 0); OF is left unchanged, SF, AF and PF
//   are cleared.
// - POPCNT: ZF = (source == 0), the other five cleared (defined).
// - BSWAP with a 16-bit operand (undefined): the host clears the low 16 bits and keeps the rest
//   of the register; no flag changes.

public enum BitTestOp: Int, Sendable { case bt = 4, bts, btr, btc }

protocol BitTestOperation { static var op: BitTestOp { get } }
enum BtOp: BitTestOperation { static var op: BitTestOp { .bt } }
enum BtsOp: BitTestOperation { static var op: BitTestOp { .bts } }
enum BtrOp: BitTestOperation { static var op: BitTestOp { .btr } }
enum BtcOp: BitTestOperation { static var op: BitTestOp { .btc } }

enum BitTestHandlers<T: GuestInt, Op: BitTestOperation> {
    /// Tests bit `bit` (already < width) of `v`, returns the modified value (BT: unchanged).
    @inline(__always) static func apply(_ v: T, _ bit: T) -> (result: T, cf: UInt64) {
        let mask: T = 1 &<< bit
        let cf: UInt64 = v & mask != 0 ? Flag.cf : 0
        switch Op.op {
        case .bt: return (v, cf)
        case .bts: return (v | mask, cf)
        case .btr: return (v & ~mask, cf)
        case .btc: return (v ^ mask, cf)
        }
    }

    @inline(__always) static func regOffsetReg(_ cpu: CPU, _ i: Instr) { do { try regOffsetRegBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func regOffsetRegBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        // Register destination: the offset is taken modulo the width.
        let v: T = cpu.reg(i.rm)
        let bit = (cpu.reg(i.reg) as T) & T(T.bitWidth - 1)
        let r = apply(v, bit)
        if Op.op != .bt { cpu.setReg(i.rm, r.result) }
        cpu.pointee.updateArithmeticFlags(mask: Flag.cf, bits: r.cf)
    }

    @inline(__always) static func regOffsetMem(_ cpu: CPU, _ i: Instr) { do { try regOffsetMemBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func regOffsetMemBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        // Memory destination: the offset is a signed integer of the operand size and can reach
        // any bit of memory: the operand moves by (offset >> log2(width)) * width/8 bytes
        // (arithmetic shift, so negative offsets move down), then the low bits pick the bit.
        let raw: T = cpu.reg(i.reg)
        let n = UInt64(T.bitWidth)
        let offset = Int64(bitPattern: UInt64(truncatingIfNeeded: raw) &<< (64 - n)) &>> Int64(64 - n)
        let log2Width = Int64(T.bitWidth.trailingZeroBitCount)
        let delta = UInt64(bitPattern: (offset &>> log2Width) &<< (log2Width - 3))
        let ea = cpu.effectiveAddress(i, plus: delta)
        let v: T = try cpu.load(ea)
        let r = apply(v, raw & T(T.bitWidth - 1))
        if Op.op != .bt { try cpu.store(ea, r.result) }
        cpu.pointee.updateArithmeticFlags(mask: Flag.cf, bits: r.cf)
    }

    @inline(__always) static func immReg(_ cpu: CPU, _ i: Instr) { do { try immRegBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func immRegBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        let v: T = cpu.reg(i.rm)
        let r = apply(v, T(truncatingIfNeeded: i.imm) & T(T.bitWidth - 1))
        if Op.op != .bt { cpu.setReg(i.rm, r.result) }
        cpu.pointee.updateArithmeticFlags(mask: Flag.cf, bits: r.cf)
    }

    @inline(__always) static func immMem(_ cpu: CPU, _ i: Instr) { do { try immMemBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func immMemBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        // The immediate offset is taken modulo the width: it never moves the operand.
        let ea = cpu.effectiveAddress(i)
        let v: T = try cpu.load(ea)
        let r = apply(v, T(truncatingIfNeeded: i.imm) & T(T.bitWidth - 1))
        if Op.op != .bt { try cpu.store(ea, r.result) }
        cpu.pointee.updateArithmeticFlags(mask: Flag.cf, bits: r.cf)
    }
}

/// BSF/BSR/TZCNT/LZCNT/POPCNT: destination ModRM.reg, source ModRM.rm.
protocol BitCountOperation { static func run<T: GuestInt>(_ cpu: CPU, _ i: Instr, _ src: T) }

enum BsfOp: BitCountOperation {
    @inline(__always) static func run<T: GuestInt>(_ cpu: CPU, _ i: Instr, _ src: T) {
        if src == 0 { cpu.pointee.setArithmeticFlags(Flag.zf | Flag.pf); return }
        let r = T(truncatingIfNeeded: src.trailingZeroBitCount)
        cpu.setReg(i.reg, r)
        cpu.pointee.setArithmeticFlags(FlagMath.parity(r))
    }
}
enum BsrOp: BitCountOperation {
    @inline(__always) static func run<T: GuestInt>(_ cpu: CPU, _ i: Instr, _ src: T) {
        if src == 0 { cpu.pointee.setArithmeticFlags(Flag.zf | Flag.pf); return }
        let r = T(truncatingIfNeeded: T.bitWidth - 1 - src.leadingZeroBitCount)
        cpu.setReg(i.reg, r)
        cpu.pointee.setArithmeticFlags(FlagMath.parity(r))
    }
}
enum TzcntOp: BitCountOperation {
    @inline(__always) static func run<T: GuestInt>(_ cpu: CPU, _ i: Instr, _ src: T) {
        let r = T(truncatingIfNeeded: src.trailingZeroBitCount)  // width when src == 0
        cpu.setReg(i.reg, r)
        cpu.pointee.updateArithmeticFlags(mask: Flag.cf | Flag.zf | Flag.sf | Flag.af | Flag.pf,
                                          bits: (src == 0 ? Flag.cf : 0) | (r == 0 ? Flag.zf : 0))
    }
}
enum LzcntOp: BitCountOperation {
    @inline(__always) static func run<T: GuestInt>(_ cpu: CPU, _ i: Instr, _ src: T) {
        let r = T(truncatingIfNeeded: src.leadingZeroBitCount)  // width when src == 0
        cpu.setReg(i.reg, r)
        cpu.pointee.updateArithmeticFlags(mask: Flag.cf | Flag.zf | Flag.sf | Flag.af | Flag.pf,
                                          bits: (src == 0 ? Flag.cf : 0) | (r == 0 ? Flag.zf : 0))
    }
}
enum PopcntOp: BitCountOperation {
    @inline(__always) static func run<T: GuestInt>(_ cpu: CPU, _ i: Instr, _ src: T) {
        cpu.setReg(i.reg, T(truncatingIfNeeded: src.nonzeroBitCount))
        cpu.pointee.setArithmeticFlags(src == 0 ? Flag.zf : 0)
    }
}

enum BitCountHandlers<T: GuestInt, Op: BitCountOperation> {
    @inline(__always) static func reg(_ cpu: CPU, _ i: Instr) { do { try regBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func regBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        Op.run(cpu, i, cpu.reg(i.rm) as T)
    }
    @inline(__always) static func mem(_ cpu: CPU, _ i: Instr) { do { try memBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func memBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        let src: T = try cpu.load(cpu.effectiveAddress(i))
        Op.run(cpu, i, src)
    }
}

enum BswapHandlers {
    /// 16-bit operand size (undefined): the host zeroes the low word (see file header).
    @inline(__always) static func swap16(_ cpu: CPU, _ i: Instr) { do { try swap16Body(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func swap16Body(_ cpu: CPU, _ i: Instr) throws(CPUFault) { cpu.setReg(i.rm, UInt16(0)) }
    @inline(__always) static func swap32(_ cpu: CPU, _ i: Instr) { do { try swap32Body(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func swap32Body(_ cpu: CPU, _ i: Instr) throws(CPUFault) { cpu.setReg(i.rm, (cpu.reg(i.rm) as UInt32).byteSwapped) }
    @inline(__always) static func swap64(_ cpu: CPU, _ i: Instr) { do { try swap64Body(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func swap64Body(_ cpu: CPU, _ i: Instr) throws(CPUFault) { cpu.setReg(i.rm, (cpu.reg(i.rm) as UInt64).byteSwapped) }
}

public enum Bit {
    /// 0F A3/AB/B3/BB (bit offset in a register; memory forms address beyond the operand)
    /// and 0F BA /4-/7 (immediate bit offset). No byte form.
    public static func bitTest(_ op: BitTestOp, immediate: Bool) -> HandlerSet {
        switch (op, immediate) {
        case (.bt, false):
            return HandlerSet(reg16: BitTestHandlers<UInt16, BtOp>.regOffsetReg, reg32: BitTestHandlers<UInt32, BtOp>.regOffsetReg, reg64: BitTestHandlers<UInt64, BtOp>.regOffsetReg,
                              mem16: BitTestHandlers<UInt16, BtOp>.regOffsetMem, mem32: BitTestHandlers<UInt32, BtOp>.regOffsetMem, mem64: BitTestHandlers<UInt64, BtOp>.regOffsetMem)
        case (.bt, true):
            return HandlerSet(reg16: BitTestHandlers<UInt16, BtOp>.immReg, reg32: BitTestHandlers<UInt32, BtOp>.immReg, reg64: BitTestHandlers<UInt64, BtOp>.immReg,
                              mem16: BitTestHandlers<UInt16, BtOp>.immMem, mem32: BitTestHandlers<UInt32, BtOp>.immMem, mem64: BitTestHandlers<UInt64, BtOp>.immMem)
        case (.bts, false):
            return HandlerSet(reg16: BitTestHandlers<UInt16, BtsOp>.regOffsetReg, reg32: BitTestHandlers<UInt32, BtsOp>.regOffsetReg, reg64: BitTestHandlers<UInt64, BtsOp>.regOffsetReg,
                              mem16: BitTestHandlers<UInt16, BtsOp>.regOffsetMem, mem32: BitTestHandlers<UInt32, BtsOp>.regOffsetMem, mem64: BitTestHandlers<UInt64, BtsOp>.regOffsetMem)
        case (.bts, true):
            return HandlerSet(reg16: BitTestHandlers<UInt16, BtsOp>.immReg, reg32: BitTestHandlers<UInt32, BtsOp>.immReg, reg64: BitTestHandlers<UInt64, BtsOp>.immReg,
                              mem16: BitTestHandlers<UInt16, BtsOp>.immMem, mem32: BitTestHandlers<UInt32, BtsOp>.immMem, mem64: BitTestHandlers<UInt64, BtsOp>.immMem)
        case (.btr, false):
            return HandlerSet(reg16: BitTestHandlers<UInt16, BtrOp>.regOffsetReg, reg32: BitTestHandlers<UInt32, BtrOp>.regOffsetReg, reg64: BitTestHandlers<UInt64, BtrOp>.regOffsetReg,
                              mem16: BitTestHandlers<UInt16, BtrOp>.regOffsetMem, mem32: BitTestHandlers<UInt32, BtrOp>.regOffsetMem, mem64: BitTestHandlers<UInt64, BtrOp>.regOffsetMem)
        case (.btr, true):
            return HandlerSet(reg16: BitTestHandlers<UInt16, BtrOp>.immReg, reg32: BitTestHandlers<UInt32, BtrOp>.immReg, reg64: BitTestHandlers<UInt64, BtrOp>.immReg,
                              mem16: BitTestHandlers<UInt16, BtrOp>.immMem, mem32: BitTestHandlers<UInt32, BtrOp>.immMem, mem64: BitTestHandlers<UInt64, BtrOp>.immMem)
        case (.btc, false):
            return HandlerSet(reg16: BitTestHandlers<UInt16, BtcOp>.regOffsetReg, reg32: BitTestHandlers<UInt32, BtcOp>.regOffsetReg, reg64: BitTestHandlers<UInt64, BtcOp>.regOffsetReg,
                              mem16: BitTestHandlers<UInt16, BtcOp>.regOffsetMem, mem32: BitTestHandlers<UInt32, BtcOp>.regOffsetMem, mem64: BitTestHandlers<UInt64, BtcOp>.regOffsetMem)
        case (.btc, true):
            return HandlerSet(reg16: BitTestHandlers<UInt16, BtcOp>.immReg, reg32: BitTestHandlers<UInt32, BtcOp>.immReg, reg64: BitTestHandlers<UInt64, BtcOp>.immReg,
                              mem16: BitTestHandlers<UInt16, BtcOp>.immMem, mem32: BitTestHandlers<UInt32, BtcOp>.immMem, mem64: BitTestHandlers<UInt64, BtcOp>.immMem)
        }
    }
    public static let bsf = HandlerSet(reg16: BitCountHandlers<UInt16, BsfOp>.reg, reg32: BitCountHandlers<UInt32, BsfOp>.reg, reg64: BitCountHandlers<UInt64, BsfOp>.reg,
                              mem16: BitCountHandlers<UInt16, BsfOp>.mem, mem32: BitCountHandlers<UInt32, BsfOp>.mem, mem64: BitCountHandlers<UInt64, BsfOp>.mem)
    public static let bsr = HandlerSet(reg16: BitCountHandlers<UInt16, BsrOp>.reg, reg32: BitCountHandlers<UInt32, BsrOp>.reg, reg64: BitCountHandlers<UInt64, BsrOp>.reg,
                              mem16: BitCountHandlers<UInt16, BsrOp>.mem, mem32: BitCountHandlers<UInt32, BsrOp>.mem, mem64: BitCountHandlers<UInt64, BsrOp>.mem)
    public static let tzcnt = HandlerSet(reg16: BitCountHandlers<UInt16, TzcntOp>.reg, reg32: BitCountHandlers<UInt32, TzcntOp>.reg, reg64: BitCountHandlers<UInt64, TzcntOp>.reg,
                              mem16: BitCountHandlers<UInt16, TzcntOp>.mem, mem32: BitCountHandlers<UInt32, TzcntOp>.mem, mem64: BitCountHandlers<UInt64, TzcntOp>.mem)
    public static let lzcnt = HandlerSet(reg16: BitCountHandlers<UInt16, LzcntOp>.reg, reg32: BitCountHandlers<UInt32, LzcntOp>.reg, reg64: BitCountHandlers<UInt64, LzcntOp>.reg,
                              mem16: BitCountHandlers<UInt16, LzcntOp>.mem, mem32: BitCountHandlers<UInt32, LzcntOp>.mem, mem64: BitCountHandlers<UInt64, LzcntOp>.mem)
    public static let popcnt = HandlerSet(reg16: BitCountHandlers<UInt16, PopcntOp>.reg, reg32: BitCountHandlers<UInt32, PopcntOp>.reg, reg64: BitCountHandlers<UInt64, PopcntOp>.reg,
                              mem16: BitCountHandlers<UInt16, PopcntOp>.mem, mem32: BitCountHandlers<UInt32, PopcntOp>.mem, mem64: BitCountHandlers<UInt64, PopcntOp>.mem)
    /// 0F C8+r BSWAP (register only; the 16-bit form zeroes the low word on the reference CPU).
    public static let bswap = HandlerSet(reg16: BswapHandlers.swap16, reg32: BswapHandlers.swap32, reg64: BswapHandlers.swap64)
}
