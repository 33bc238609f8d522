// Layer: X86 (CPU model), x87 data path. The 80-bit register value (`F80`), its classes, the
// register stack (ST(i) = physical register (TOP + i) mod 8), the tag word, the status word's
// exception flags with the masked/unmasked rule, and the bookkeeping every x87 instruction
// shares: #NM/#MF checks before it runs, FIP/FOP/FDP after it.
//
// Status word (Intel SDM vol. 1 §8.1.3): IE 0, DE 1, ZE 2, OE 3, UE 4, PE 5, SF 6 (stack fault),
// ES 7 (error summary), C0 8, C1 9, C2 10, TOP 11-13, C3 14, B 15 (busy, mirrors ES).

/// An x87 register value as stored (FXSAVE layout): 64-bit significand with an explicit
/// integer bit (bit 63) and a sign + 15-bit biased exponent (bias 16383).
public struct F80: Equatable, Sendable {
    public var significand: UInt64
    public var signExponent: UInt16

    @inline(__always) public init(significand: UInt64, signExponent: UInt16) {
        self.significand = significand; self.signExponent = signExponent
    }
    @inline(__always) public init(sign: Bool, exponent: Int, significand: UInt64) {
        self.significand = significand
        self.signExponent = UInt16(truncatingIfNeeded: exponent & 0x7FFF) | (sign ? 0x8000 : 0)
    }

    static let integerBit: UInt64 = 1 << 63
    static let quietBit: UInt64 = 1 << 62
    /// The "real indefinite" QNaN every masked invalid operation produces.
    public static let indefinite = F80(significand: 0xC000_0000_0000_0000, signExponent: 0xFFFF)
    static func zero(_ negative: Bool) -> F80 { F80(significand: 0, signExponent: negative ? 0x8000 : 0) }
    static func infinity(_ negative: Bool) -> F80 { F80(significand: integerBit, signExponent: negative ? 0xFFFF : 0x7FFF) }

    @inline(__always) var sign: Bool { signExponent & 0x8000 != 0 }
    @inline(__always) var exponent: Int { Int(signExponent & 0x7FFF) }
    @inline(__always) var isZero: Bool { exponent == 0 && significand == 0 }
    /// Exponent 0 and a non-zero significand: a denormal, or a pseudo-denormal (integer bit set),
    /// which the FPU accepts as the same value with exponent 1.
    @inline(__always) var isDenormal: Bool { exponent == 0 && significand != 0 }
    @inline(__always) var isInfinity: Bool { exponent == 0x7FFF && significand == F80.integerBit }
    @inline(__always) var isNaN: Bool { exponent == 0x7FFF && significand & F80.integerBit != 0 && significand << 1 != 0 }
    @inline(__always) var isSignalingNaN: Bool { isNaN && significand & F80.quietBit == 0 }
    /// Encodings the 387 and later reject (unnormals, pseudo-NaNs, pseudo-infinities): a
    /// non-zero exponent with the integer bit clear. Any arithmetic use is an invalid operation.
    @inline(__always) var isUnsupported: Bool { exponent != 0 && significand & F80.integerBit == 0 }

    /// The same NaN made quiet.
    @inline(__always) var quieted: F80 { F80(significand: significand | F80.quietBit, signExponent: signExponent) }

    /// Unbiased exponent and significand normalised so bit 63 is set (finite, non-zero values).
    @inline(__always) var normalized: (exponent: Int, significand: UInt64) {
        if exponent == 0 {
            let lz = significand.leadingZeroBitCount
            return (-16382 - lz, significand << UInt64(lz))
        }
        return (exponent - 16383, significand)
    }

    /// The 2-bit tag FNSTENV/FNSAVE report for a non-empty register: 0 valid, 1 zero, 2 special.
    var tag: UInt16 {
        if exponent == 0 { return significand == 0 ? 1 : 2 }
        if exponent == 0x7FFF || significand & F80.integerBit == 0 { return 2 }
        return 0
    }
}

/// Status word bits.
enum FSW {
    static let ie: UInt16 = 1 << 0, de: UInt16 = 1 << 1, ze: UInt16 = 1 << 2, oe: UInt16 = 1 << 3
    static let ue: UInt16 = 1 << 4, pe: UInt16 = 1 << 5, sf: UInt16 = 1 << 6, es: UInt16 = 1 << 7
    static let c0: UInt16 = 1 << 8, c1: UInt16 = 1 << 9, c2: UInt16 = 1 << 10, c3: UInt16 = 1 << 14
    static let busy: UInt16 = 1 << 15
    static let top: UInt16 = 7 << 11
    static let conditionCodes: UInt16 = c0 | c1 | c2 | c3
}

extension UnsafeMutablePointer where Pointee == CPUState {
    // MARK: stack

    @inline(__always) var fpuTop: Int { Int(pointee.fpuStatus >> 11) & 7 }
    @inline(__always) func setFpuTop(_ t: Int) {
        pointee.fpuStatus = (pointee.fpuStatus & ~FSW.top) | UInt16(t & 7) << 11
    }
    /// Physical register number of ST(i).
    @inline(__always) func fpuPhysical(_ i: Int) -> Int { (fpuTop &+ i) & 7 }
    @inline(__always) func fpuEmpty(_ i: Int) -> Bool { pointee.fpuTagAbridged & (1 << UInt8(fpuPhysical(i))) == 0 }

    @inline(__always) func fpuPhysicalRead(_ p: Int) -> F80 {
        let r = pointee.fpuRegisters
        return F80(significand: r.load(fromByteOffset: 16 * p, as: UInt64.self),
                   signExponent: r.load(fromByteOffset: 16 * p + 8, as: UInt16.self))
    }
    @inline(__always) func fpuPhysicalWrite(_ p: Int, _ v: F80) {
        let r = pointee.fpuRegisters
        r.storeBytes(of: v.significand, toByteOffset: 16 * p, as: UInt64.self)
        r.storeBytes(of: v.signExponent, toByteOffset: 16 * p + 8, as: UInt16.self)
    }
    @inline(__always) func st(_ i: Int) -> F80 { fpuPhysicalRead(fpuPhysical(i)) }
    /// Writes ST(i) and tags it non-empty.
    @inline(__always) func setST(_ i: Int, _ v: F80) {
        let p = fpuPhysical(i)
        fpuPhysicalWrite(p, v)
        pointee.fpuTagAbridged |= 1 << UInt8(p)
    }
    /// Marks ST(0) empty and increments TOP (the value stays in the physical register).
    @inline(__always) func fpuPop() {
        pointee.fpuTagAbridged &= ~(1 << UInt8(fpuPhysical(0)))
        setFpuTop(fpuTop &+ 1)
    }
    /// Decrements TOP and stores `v` as the new ST(0).
    @inline(__always) func fpuPushValue(_ v: F80) {
        setFpuTop(fpuTop &- 1)
        setST(0, v)
    }

    // MARK: exceptions

    /// Sets exception flags in the status word. An exception whose mask bit (control word bits
    /// 0-5) is clear also sets ES and B: the next waiting x87 instruction raises #MF. Returns true
    /// when one of `flags` is unmasked; the caller then must not deliver the masked response.
    @inline(__always) @discardableResult func fpuSignal(_ flags: UInt16) -> Bool {
        var s = pointee.fpuStatus | flags
        let unmasked = flags & ~pointee.fpuControl & 0x3F != 0
        if unmasked { s |= FSW.es | FSW.busy }
        pointee.fpuStatus = s
        return unmasked
    }
    /// ES and B summarise the flags whose exceptions are unmasked. Instructions that load the
    /// control or status word (FLDCW, FLDENV, FRSTOR, FXRSTOR) recompute them on the reference
    /// CPU (measured on the host): a loaded ES without an unmasked flag is dropped, and
    /// unmasking a flagged exception makes it pending.
    @inline(__always) func fpuRecomputeSummary() {
        let s = pointee.fpuStatus
        pointee.fpuStatus = s & ~pointee.fpuControl & 0x3F != 0 ? s | FSW.es | FSW.busy : s & ~(FSW.es | FSW.busy)
    }

    @inline(__always) func fpuSetC1(_ on: Bool) {
        pointee.fpuStatus = on ? pointee.fpuStatus | FSW.c1 : pointee.fpuStatus & ~FSW.c1
    }
    /// Replaces C3 C2 C1 C0.
    @inline(__always) func fpuSetConditions(_ bits: UInt16) {
        pointee.fpuStatus = (pointee.fpuStatus & ~FSW.conditionCodes) | bits
    }

    /// Stack underflow (an empty register read): IE + SF with C1 = 0. Returns true if masked.
    @inline(__always) func fpuUnderflow() -> Bool {
        fpuSetC1(false)
        return !fpuSignal(FSW.ie | FSW.sf)
    }
    /// Stack overflow (a push onto a non-empty register): IE + SF with C1 = 1. Returns true if masked.
    @inline(__always) func fpuOverflow() -> Bool {
        fpuSetC1(true)
        return !fpuSignal(FSW.ie | FSW.sf)
    }
    /// Pushes `v`, or handles a stack overflow: masked, the new ST(0) is the indefinite QNaN;
    /// unmasked, nothing changes but the flags.
    @inline(__always) func fpuPush(_ v: F80) {
        if !fpuEmpty(7) {
            if fpuOverflow() { fpuPushValue(.indefinite) }
            return
        }
        fpuPushValue(v)
    }

    // MARK: bookkeeping

    /// Checks done before every x87 instruction that waits: #NM when CR0.EM or CR0.TS, then #MF
    /// when an unmasked exception is pending (ES set; the CR0.NE = 1 path: Orrery has no IRQ13).
    @inline(__always) func fpuBegin() throws(CPUFault) {
        try x87Available()
        if pointee.fpuStatus & FSW.es != 0 { throw CPUFault(.x87) }
    }

    /// Records the last non-control instruction: FIP (its address), FCS, FOP (11 bits: the escape
    /// byte's low 3 bits and ModRM, put in `imm2` by the decoder) and, for memory operands, FDP/FDS.
    @inline(__always) func fpuRecord(_ i: Instr, memory: Bool) {
        let p = i.pointee
        pointee.fpuOpcode = p.imm2 & 0x7FF
        pointee.fpuInstructionPointer = p.nextRIP &- UInt64(p.length)
        if pointee.mode != .long64 { pointee.fpuInstructionPointer &= 0xFFFF_FFFF }
        pointee.fpuCodeSelector = pointee.segmentSelector.1
        if memory {
            pointee.fpuDataPointer = offset(i)
            pointee.fpuDataSelector = fpuSegmentSelector(Int(p.segment))
        }
    }

    @inline(__always) func fpuSegmentSelector(_ seg: Int) -> UInt16 {
        let s = pointee.segmentSelector
        switch seg {
        case Seg.es: return s.0
        case Seg.cs: return s.1
        case Seg.ss, Seg.stack64: return s.2
        case Seg.fs: return s.4
        case Seg.gs: return s.5
        default: return s.3
        }
    }

    /// ST(i) of a register form: the low 3 bits of ModRM (FOP).
    @inline(__always) func fpuRegisterOperand(_ i: Instr) -> Int { Int(i.pointee.imm2 & 7) }

    /// Rounding control (control word bits 10-11): 0 nearest, 1 down, 2 up, 3 toward zero.
    @inline(__always) var fpuRounding: Int { Int(pointee.fpuControl >> 10) & 3 }
}
