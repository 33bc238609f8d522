// Layer: X86 (CPU model), x87 data path. Rounding and format conversions between the 80-bit
// register format and memory formats: binary32/binary64 (FLD/FST), integers (FILD/FIST/FISTTP,
// FRNDINT) and packed BCD (FBLD/FBSTP). All integer arithmetic on the bits: never host floats.
//
// The rounding rule (IEEE 754, Intel SDM vol. 1 §4.8.4): keep `precision` significant bits,
// decide from the first dropped bit (round) and the OR of the rest (sticky) per the rounding
// control: nearest-even, down (toward -inf), up (toward +inf), toward zero.

/// A finite binary format for the rounding helper: significand bits (with the integer bit) and
/// the unbiased exponent range of normal numbers.
struct FloatFormat {
    let precision: Int
    let emin: Int
    let emax: Int
    let fractionBits: Int
    let bias: Int
    static let single = FloatFormat(precision: 24, emin: -126, emax: 127, fractionBits: 23, bias: 127)
    static let double = FloatFormat(precision: 53, emin: -1022, emax: 1023, fractionBits: 52, bias: 1023)
}

/// A rounded finite value: `significand` left-aligned (bit 63 set unless the result is a
/// denormal of the target or zero) times 2^(exponent - 63).
struct Rounded {
    var sign: Bool
    var exponent: Int
    var significand: UInt64
    var inexact: Bool
    /// The magnitude grew (C1 after a rounding x87 instruction).
    var roundedUp: Bool
    /// The result's exponent exceeds the format's range.
    var overflow: Bool
    /// Tiny: below the smallest normal (detected after rounding, as x86 does).
    var tiny: Bool
}

enum X87Round {
    /// Bit k of the 128-bit number hi:lo.
    @inline(__always) static func bit(_ hi: UInt64, _ lo: UInt64, _ k: Int) -> Bool {
        if k < 0 || k >= 128 { return false }
        return k >= 64 ? (hi >> UInt64(k - 64)) & 1 != 0 : (lo >> UInt64(k)) & 1 != 0
    }
    /// Whether any of bits 0..<k of hi:lo is set.
    @inline(__always) static func anyBelow(_ hi: UInt64, _ lo: UInt64, _ k: Int) -> Bool {
        if k <= 0 { return false }
        if k >= 128 { return hi | lo != 0 }
        if k > 64 { return lo != 0 || hi & ((1 << UInt64(k - 64)) &- 1) != 0 }
        if k == 64 { return lo != 0 }
        return lo & ((1 << UInt64(k)) &- 1) != 0
    }

    /// hi:lo shifted right by `d` bits, dropping the rest: (kept part, must it be incremented,
    /// was anything dropped). `kept` must fit 64 bits (d >= 64).
    @inline(__always) static func shiftRound(_ hi: UInt64, _ lo: UInt64, by d: Int, sign: Bool, rc: Int) -> (UInt64, Bool, Bool) {
        let kept: UInt64 = d >= 128 ? 0 : hi >> UInt64(d - 64)
        let round = bit(hi, lo, d - 1)
        let sticky = anyBelow(hi, lo, d - 1)
        let inexact = round || sticky
        let up: Bool
        switch rc {
        case 0: up = round && (sticky || kept & 1 != 0)
        case 1: up = sign && inexact
        case 2: up = !sign && inexact
        default: up = false
        }
        return (kept, up, inexact)
    }

    /// Rounds the non-zero value (-1)^sign × (sig + extra / 2^64) × 2^(exp - 63) (sig has bit 63
    /// set) to `precision` bits within [emin, emax] (denormal results below emin).
    static func round(sign: Bool, exponent exp: Int, significand sig: UInt64, extra: UInt64 = 0,
                      precision p: Int, emin: Int, emax: Int, rc: Int) -> Rounded {
        var e = exp
        var drop = 64 + (64 - p)           // bits of sig:extra below the kept part
        if e < emin { drop += min(emin - e, 130); e = emin }
        let (k0, up, inexact) = shiftRound(sig, extra, by: drop, sign: sign, rc: rc)
        var kept = k0
        if up {
            kept &+= 1
            // Carry out of the top: 2^p (or a wrap to 0 when p = 64) becomes 2^(p-1), exponent + 1.
            if p == 64 ? kept == 0 : kept == UInt64(1) << UInt64(p) {
                kept = UInt64(1) << UInt64(p - 1)
                e += 1
            }
        }
        let result = kept << UInt64(64 - p)
        // Tininess after rounding: the value rounded to `precision` bits with an unbounded
        // exponent is still below 2^emin.
        var tiny = false
        if exp < emin {
            tiny = true
            if exp == emin - 1 {
                let (kk, u, _) = shiftRound(sig, extra, by: 64 + (64 - p), sign: sign, rc: rc)
                if u && (p == 64 ? kk &+ 1 == 0 : kk &+ 1 == UInt64(1) << UInt64(p)) { tiny = false }
            }
        }
        return Rounded(sign: sign, exponent: e, significand: result, inexact: inexact,
                       roundedUp: up, overflow: result != 0 && e > emax, tiny: tiny)
    }

    /// The value an overflow produces when OE is masked: infinity, or the largest finite number
    /// when the rounding direction points toward zero.
    static func overflowToInfinity(sign: Bool, rc: Int) -> Bool {
        switch rc {
        case 0: return true
        case 1: return sign
        case 2: return !sign
        default: return false
        }
    }
}

enum X87Convert {
    // MARK: binary32 / binary64 -> extended (exact)

    /// Widens a binary32/64 value. Flags: IE for a signalling NaN (the result is quiet), DE for
    /// a denormal source.
    static func widen(_ bits: UInt64, _ f: FloatFormat) -> (F80, UInt16) {
        let fracMask: UInt64 = (1 << UInt64(f.fractionBits)) - 1
        let sign = bits >> UInt64(f.fractionBits + (f.bias == 127 ? 8 : 11)) & 1 != 0
        let biased = Int((bits >> UInt64(f.fractionBits)) & (f.bias == 127 ? 0xFF : 0x7FF))
        let frac = bits & fracMask
        let maxBiased = f.bias * 2 + 1
        if biased == maxBiased {
            if frac == 0 { return (.infinity(sign), 0) }
            let v = F80(sign: sign, exponent: 0x7FFF, significand: F80.integerBit | frac << UInt64(63 - f.fractionBits))
            return v.isSignalingNaN ? (v.quieted, FSW.ie) : (v, 0)
        }
        if biased == 0 {
            if frac == 0 { return (.zero(sign), 0) }
            let lz = frac.leadingZeroBitCount
            // value = frac × 2^(emin - fractionBits); normalised: bit 63 set.
            let e = f.emin - f.fractionBits + 63 - lz
            return (F80(sign: sign, exponent: e + 16383, significand: frac << UInt64(lz)), FSW.de)
        }
        return (F80(sign: sign, exponent: biased - f.bias + 16383,
                    significand: F80.integerBit | frac << UInt64(63 - f.fractionBits)), 0)
    }

    // MARK: extended -> binary32 / binary64 (rounded)

    /// Narrows for FST/FSTP m32/m64. Returns the bits, the exception flags (IE, OE, UE, PE), C1
    /// (rounded up) and whether the value may be stored: an unmasked IE/OE/UE leaves memory alone.
    static func narrow(_ v: F80, _ f: FloatFormat, control: UInt16) -> (bits: UInt64, flags: UInt16, roundedUp: Bool) {
        let expBits = f.bias == 127 ? 8 : 11
        let signBit: UInt64 = v.sign ? 1 << UInt64(f.fractionBits + expBits) : 0
        let maxExp = UInt64(f.bias * 2 + 1) << UInt64(f.fractionBits)
        let quiet: UInt64 = 1 << UInt64(f.fractionBits - 1)
        if v.isUnsupported { return (1 << UInt64(f.fractionBits + expBits) | maxExp | quiet, FSW.ie, false) }
        if v.exponent == 0x7FFF {
            if v.isInfinity { return (signBit | maxExp, 0, false) }
            // NaN: the top fraction bits carry over; a signalling NaN becomes quiet (IE).
            let frac = (v.significand & ~F80.integerBit) >> UInt64(63 - f.fractionBits)
            return (signBit | maxExp | frac | quiet, v.isSignalingNaN ? FSW.ie : 0, false)
        }
        if v.isZero { return (signBit, 0, false) }
        var flags: UInt16 = 0
        let (e, sig) = v.normalized
        let rc = Int(control >> 10) & 3
        let r = X87Round.round(sign: v.sign, exponent: e, significand: sig, precision: f.precision,
                               emin: f.emin, emax: f.emax, rc: rc)
        if r.overflow {
            flags |= FSW.oe | FSW.pe
            if control & FSW.oe == 0 { return (0, FSW.oe, false) }   // unmasked: no store, no PE
            if X87Round.overflowToInfinity(sign: v.sign, rc: rc) { return (signBit | maxExp, flags, true) }
            return (signBit | (maxExp - (1 << UInt64(f.fractionBits))) | ((1 << UInt64(f.fractionBits)) - 1), flags, false)
        }
        if r.tiny && (r.inexact || control & FSW.ue == 0) {
            flags |= FSW.ue
            if control & FSW.ue == 0 { return (0, FSW.ue, false) }
        }
        if r.inexact { flags |= FSW.pe }
        let kept = r.significand >> UInt64(64 - f.precision)
        var bits = signBit
        if kept >> UInt64(f.fractionBits) != 0 {
            bits |= UInt64(r.exponent + f.bias) << UInt64(f.fractionBits) | (kept & ((1 << UInt64(f.fractionBits)) - 1))
        } else {
            bits |= kept   // denormal (or zero after rounding)
        }
        return (bits, flags, r.roundedUp)
    }

    // MARK: integers

    /// Exact conversion of a signed integer.
    static func fromInteger(_ x: Int64) -> F80 { fromMagnitude(x.magnitude, negative: x < 0 && x != 0) }

    /// Exact conversion of a sign and magnitude (a zero magnitude gives a signed zero).
    static func fromMagnitude(_ mag: UInt64, negative: Bool) -> F80 {
        if mag == 0 { return .zero(negative) }
        let lz = mag.leadingZeroBitCount
        return F80(sign: negative, exponent: 16383 + 63 - lz, significand: mag << UInt64(lz))
    }

    /// Rounds a finite non-zero value to an integer per `rc` (or toward zero). Returns the
    /// magnitude (nil when it does not fit 64 bits), inexactness and whether it rounded up.
    static func roundToInteger(_ v: F80, rc: Int) -> (magnitude: UInt64?, inexact: Bool, roundedUp: Bool) {
        let (e, sig) = v.normalized
        if e >= 64 { return (nil, false, false) }
        if e == 63 { return (sig, false, false) }
        // Integer part = sig >> (63 - e): drop 63 - e bits of sig (and the 64 zero extra bits).
        let drop = 64 + 63 - e
        let (kept, up, inexact) = X87Round.shiftRound(sig, 0, by: min(drop, 200), sign: v.sign, rc: rc)
        if up && kept == UInt64.max { return (nil, true, true) }
        return (up ? kept + 1 : kept, inexact, up)
    }

    /// FIST/FISTP/FISTTP: the integer of `bits` width for ST(0), or nil for an invalid operation
    /// (NaN, infinity, unsupported encoding, out of range): the caller stores the integer
    /// indefinite (only the sign bit set) when IE is masked.
    static func toInteger(_ v: F80, bits: Int, rc: Int) -> (value: Int64?, inexact: Bool, roundedUp: Bool) {
        if v.isUnsupported || v.exponent == 0x7FFF { return (nil, false, false) }
        if v.isZero { return (0, false, false) }
        let (m, inexact, up) = roundToInteger(v, rc: rc)
        guard let mag = m else { return (nil, false, false) }
        let limit: UInt64 = UInt64(1) << UInt64(bits - 1)     // |min| of the signed range
        if v.sign ? mag > limit : mag >= limit { return (nil, false, false) }
        return (v.sign ? Int64(bitPattern: 0 &- mag) : Int64(bitPattern: mag), inexact, up)
    }

    // MARK: packed BCD

    /// FBLD: 18 BCD digits (byte 0 holds the two lowest) and the sign in bit 7 of byte 9. Exact.
    /// Digits above 9 are undefined by the SDM; they are weighted as their binary value.
    static func fromBCD(low: UInt64, high: UInt16) -> F80 {
        var value: UInt64 = 0
        for k in stride(from: 8, through: 0, by: -1) {
            let byte = k == 8 ? UInt64(high & 0xFF) : (low >> UInt64(8 * k)) & 0xFF
            value = value &* 100 &+ (byte >> 4) &* 10 &+ (byte & 0xF)
        }
        let negative = high & 0x8000 != 0
        if value == 0 { return .zero(negative) }
        let lz = value.leadingZeroBitCount
        return F80(sign: negative, exponent: 16383 + 63 - lz, significand: value << UInt64(lz))
    }

    /// FBSTP: the BCD image (low 8 bytes, high 2 bytes) of an integer magnitude below 10^18.
    static func toBCD(magnitude: UInt64, negative: Bool) -> (UInt64, UInt16) {
        var m = magnitude
        var low: UInt64 = 0
        for k in 0..<8 {
            let d0 = m % 10; m /= 10
            let d1 = m % 10; m /= 10
            low |= (d1 << 4 | d0) << UInt64(8 * k)
        }
        let d0 = m % 10; m /= 10
        let d1 = m % 10
        return (low, UInt16(d1 << 4 | d0) | (negative ? 0x8000 : 0))
    }
}
