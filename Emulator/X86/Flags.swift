// Layer: X86 (CPU model). Lazy arithmetic flags.
//
// Most instructions that set flags never have their flags read: the next CMP or ADD overwrites
// them. So ADD/SUB/CMP/logic/INC/DEC only record (operation, operands, result, width) and the
// six status flags are computed when something reads them (Jcc, SETcc, PUSHF, ADC...).
// Every other flag-setting instruction computes its flags eagerly and stores them
// "materialized" in flagBits.

extension CPUState {
    // MARK: recording

    @inline(__always) public mutating func setLazy<T: FixedWidthInteger & UnsignedInteger>(
        _ op: FlagOp, _ result: T, _ src1: T, _ src2: T
    ) {
        flagOp = op
        flagSign = UInt64(1) << UInt64(T.bitWidth - 1)
        flagResult = UInt64(result)
        flagSrc1 = UInt64(src1)
        flagSrc2 = UInt64(src2)
    }

    /// INC/DEC leave CF unchanged: keep the current CF in flagBits before going lazy.
    @inline(__always) public mutating func setLazyIncDec<T: FixedWidthInteger & UnsignedInteger>(
        _ op: FlagOp, _ result: T, _ src: T
    ) {
        let cf = carryFlag
        flagBits = (flagBits & ~Flag.cf) | (cf ? Flag.cf : 0)
        setLazy(op, result, src, 1)
    }

    /// Stores explicit values for the six status flags (only bits in `Flag.arithmetic` are used).
    @inline(__always) public mutating func setArithmeticFlags(_ bits: UInt64) {
        flagBits = (flagBits & ~Flag.arithmetic) | (bits & Flag.arithmetic)
        flagOp = .materialized
    }

    /// Replaces some of the status flags, keeping the others.
    @inline(__always) public mutating func updateArithmeticFlags(mask: UInt64, bits: UInt64) {
        let current = arithmeticFlags
        setArithmeticFlags((current & ~mask) | (bits & mask))
    }

    // MARK: evaluation

    @inline(__always) public var carryFlag: Bool {
        switch flagOp {
        case .materialized, .inc, .dec: return flagBits & Flag.cf != 0
        case .add: return flagResult < flagSrc1
        case .sub: return flagSrc1 < flagSrc2
        case .logic: return false
        }
    }

    @inline(__always) public var zeroFlag: Bool {
        flagOp == .materialized ? flagBits & Flag.zf != 0 : flagResult == 0
    }

    @inline(__always) public var signFlag: Bool {
        flagOp == .materialized ? flagBits & Flag.sf != 0 : flagResult & flagSign != 0
    }

    @inline(__always) public var overflowFlag: Bool {
        switch flagOp {
        case .materialized: return flagBits & Flag.of != 0
        case .add: return (flagSrc1 ^ flagResult) & (flagSrc2 ^ flagResult) & flagSign != 0
        case .sub: return (flagSrc1 ^ flagSrc2) & (flagSrc1 ^ flagResult) & flagSign != 0
        case .logic: return false
        case .inc: return flagResult == flagSign
        case .dec: return flagResult == flagSign &- 1
        }
    }

    /// PF: set when the low byte of the result has an even number of 1 bits.
    @inline(__always) public var parityFlag: Bool {
        flagOp == .materialized ? flagBits & Flag.pf != 0 : (UInt8(truncatingIfNeeded: flagResult).nonzeroBitCount & 1) == 0
    }

    /// AF: carry out of bit 3 (BCD adjust). AMD and Intel clear it for logic operations.
    @inline(__always) public var auxCarryFlag: Bool {
        switch flagOp {
        case .materialized: return flagBits & Flag.af != 0
        case .add, .sub, .inc, .dec: return (flagSrc1 ^ flagSrc2 ^ flagResult) & 0x10 != 0
        case .logic: return false
        }
    }

    /// The six status flags as RFLAGS bits.
    @inline(__always) public var arithmeticFlags: UInt64 {
        if flagOp == .materialized { return flagBits & Flag.arithmetic }
        var f: UInt64 = 0
        if carryFlag { f |= Flag.cf }
        if parityFlag { f |= Flag.pf }
        if auxCarryFlag { f |= Flag.af }
        if zeroFlag { f |= Flag.zf }
        if signFlag { f |= Flag.sf }
        if overflowFlag { f |= Flag.of }
        return f
    }

    /// The full RFLAGS value (bit 1 always reads as 1).
    public var rflags: UInt64 {
        @inline(__always) get { (flagBits & ~Flag.arithmetic) | arithmeticFlags | Flag.reserved1 }
        set {
            flagBits = newValue | Flag.reserved1
            flagOp = .materialized
        }
    }

    /// Evaluates condition code `cc` (the low nibble of Jcc/SETcc/CMOVcc opcodes).
    /// With `cc` a constant (handlers are specialised per condition), this folds to one test.
    @inline(__always) public func condition(_ cc: UInt8) -> Bool {
        switch cc {
        case 0x0: return overflowFlag
        case 0x1: return !overflowFlag
        case 0x2: return carryFlag
        case 0x3: return !carryFlag
        case 0x4: return zeroFlag
        case 0x5: return !zeroFlag
        case 0x6: return belowOrEqual
        case 0x7: return !belowOrEqual
        case 0x8: return signFlag
        case 0x9: return !signFlag
        case 0xA: return parityFlag
        case 0xB: return !parityFlag
        case 0xC: return less
        case 0xD: return !less
        case 0xE: return lessOrEqual
        default: return !lessOrEqual
        }
    }

    /// CF or ZF; after CMP/SUB that is "unsigned a <= b".
    @inline(__always) var belowOrEqual: Bool {
        if flagOp == .sub { return flagSrc1 <= flagSrc2 }
        return carryFlag || zeroFlag
    }

    /// SF != OF; after CMP/SUB that is "signed a < b".
    @inline(__always) var less: Bool {
        if flagOp == .sub { return (flagSrc1 ^ flagSign) < (flagSrc2 ^ flagSign) }
        return signFlag != overflowFlag
    }

    /// ZF or SF != OF; after CMP/SUB that is "signed a <= b".
    @inline(__always) var lessOrEqual: Bool {
        if flagOp == .sub { return (flagSrc1 ^ flagSign) <= (flagSrc2 ^ flagSign) }
        return zeroFlag || (signFlag != overflowFlag)
    }
}

/// Flag helpers for handlers that compute flags eagerly.
public enum FlagMath {
    /// PF bit for a result (even parity of the low byte).
    @inline(__always) public static func parity<T: FixedWidthInteger>(_ v: T) -> UInt64 {
        (UInt8(truncatingIfNeeded: v).nonzeroBitCount & 1) == 0 ? Flag.pf : 0
    }
    /// ZF, SF and PF bits for a result of width T.
    @inline(__always) public static func szp<T: FixedWidthInteger & UnsignedInteger>(_ v: T) -> UInt64 {
        var f = parity(v)
        if v == 0 { f |= Flag.zf }
        if v >> (T.bitWidth - 1) != 0 { f |= Flag.sf }
        return f
    }
}
