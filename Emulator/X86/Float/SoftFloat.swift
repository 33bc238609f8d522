// Layer: X86 (CPU model), floating point: a software IEEE-754 engine shared by the SSE and x87
// units. Every guest-visible floating-point result is computed here with integer arithmetic only
// (never host Float/Double/libm), so a recording replays bit-identically on any host (x86 or ARM).
//
// ## API (read this first)
// Formats (a caseless enum conforming to `SoftFloatFormat`, with its raw bit type):
//   `Binary32` (UInt32), `Binary64` (UInt64), `Extended80` (`Float80Bits`: 64-bit significand with
//   an explicit integer bit + 16-bit sign/exponent word, the x87 register format).
// Environment (`FPEnv`, passed `inout`): the rounding mode in x86 RC encoding (`FPRound`: 0 nearest-
//   even, 1 down, 2 up, 3 toward zero), `precision` (x87 precision control: 24/53/64 significand
//   bits, keeping the 15-bit exponent range; only `Extended80` uses it), `daz` (SSE denormals-are-
//   zero: denormal inputs read as ±0, no DE), `ftz` (SSE flush-to-zero: the caller sets it only when
//   MXCSR.FTZ=1 AND underflow is masked; tiny results become ±0 with UE|PE), `nanRule` (which NaN an
//   operation with two NaN operands returns) and the accumulated exception `flags`.
// Flags (`FPFlag`) use the x86 bit order: IE=1 DE=2 ZE=4 OE=8 UE=16 PE=32, as MXCSR and the x87
//   status word do. UE follows the *masked* rule (tiny AND inexact). `FPFlag.tiny` (0x100, not an x86
//   flag) additionally reports "tininess detected" (after rounding, as x86 does), so a caller with
//   underflow UNMASKED can raise UE even for an exact tiny result. Overflow returns the masked result
//   (±inf or ±max by rounding mode) with OE|PE; `FPFlag.inexactUnbounded` (0x200) tells whether the
//   exponent-unbounded rounding was inexact (PE for unmasked overflow/underflow).
// Operations (generic over the format `F`, each returns `F.Bits` and ORs flags into `env.flags`):
//   `SoftFloat.add/sub/mul/div(a, b, F.self, &env)`, `sqrt(a, F.self, &env)`,
//   `roundToIntegral(a, F.self, &env, suppressInexact:, reportDenormal:)`,
//   `convert(a, from: F.self, to: G.self, &env, reportDenormal:)`, `toInt32/toInt64(a, F.self, &env, truncate:)` (NaN/out of
//   range -> integer indefinite 0x80..0 with IE; no DE, as SSE), `fromInt64/fromInt32(v, F.self, &env)`,
//   `compare(a, b, F.self, signaling:, &env) -> FPRelation` (less/equal/greater/unordered; IE on SNaN, or on
//   any NaN when `signaling`), `sseMin/sseMax` (the SSE MIN/MAX rule).
// NaNs: an SNaN operand raises IE and is quietened. `FPNaNRule.firstOperand` (SSE: the first source
//   operand's NaN wins, whichever kind) or `.x87` (x87: a QNaN beats an SNaN, otherwise the larger
//   significand wins). Invalid operations return the default NaN ("real indefinite": negative QNaN,
//   `F.defaultNaN`).
// Lower level, for x87 instructions built on this (FSCALE, FXTRACT, FPREM...): `Unpacked` (sign,
//   class, unbiased exponent, 64-bit significand with the integer bit at bit 63), `F.unpack(bits)`,
//   `SoftFloat.roundPack(sign:exp:sig:as:&env)` (exact 128-bit value sig * 2^(exp-127) rounded into
//   format F) and `F.pack(...)`.

/// x86 exception flags (MXCSR bits 0-5, x87 status word bits 0-5).
public enum FPFlag {
    public static let invalid: UInt32 = 1        // IE
    public static let denormal: UInt32 = 2       // DE
    public static let divideByZero: UInt32 = 4   // ZE
    public static let overflow: UInt32 = 8       // OE
    public static let underflow: UInt32 = 16     // UE (masked rule: tiny and inexact)
    public static let inexact: UInt32 = 32       // PE
    /// Not an x86 flag: the result was tiny (after rounding), whether or not inexact.
    public static let tiny: UInt32 = 0x100
    /// Not an x86 flag: rounding to the precision with an UNBOUNDED exponent was inexact. With
    /// overflow or underflow unmasked x86 delivers that (exponent-scaled) result, so PE follows
    /// this bit instead of `inexact`.
    public static let inexactUnbounded: UInt32 = 0x200
    public static let x86Mask: UInt32 = 0x3F
}

/// x86 rounding control (MXCSR.RC bits 13-14, x87 control word bits 10-11).
public enum FPRound {
    public static let nearestEven: UInt32 = 0
    public static let down: UInt32 = 1
    public static let up: UInt32 = 2
    public static let towardZero: UInt32 = 3
}

/// Which NaN a two-operand operation returns when an operand is a NaN.
public enum FPNaNRule: Sendable {
    /// SSE: if the first source is a NaN it is returned (quietened), else the second's.
    case firstOperand
    /// x87: with two NaNs, a QNaN wins over an SNaN; two of the same kind: the larger significand
    /// (on a tie, the first). One NaN: that one. Always quietened.
    case x87
}

/// The floating-point environment of one operation.
public struct FPEnv: Sendable {
    public var rounding: UInt32
    public var flags: UInt32 = 0
    public var daz: Bool = false
    public var ftz: Bool = false
    /// Significand bits for Extended80 results (x87 PC: 24, 53 or 64).
    public var precision: Int = 64
    public var nanRule: FPNaNRule = .firstOperand

    public init(rounding: UInt32, daz: Bool = false, ftz: Bool = false, precision: Int = 64,
                nanRule: FPNaNRule = .firstOperand) {
        self.rounding = rounding & 3; self.daz = daz; self.ftz = ftz; self.precision = precision; self.nanRule = nanRule
    }

    /// The environment MXCSR describes for one SSE instruction (flags start empty). FTZ only
    /// applies while underflow is masked (UM, bit 11).
    public init(mxcsr: UInt32) {
        self.init(rounding: (mxcsr >> 13) & 3, daz: mxcsr & 0x40 != 0,
                  ftz: mxcsr & 0x8000 != 0 && mxcsr & 0x800 != 0)
    }
}

/// The 80-bit x87 extended format: `sig` (bit 63 is the explicit integer bit) and `signExp`
/// (bit 15 sign, bits 0-14 biased exponent, bias 16383).
public struct Float80Bits: Equatable, Sendable {
    public var sig: UInt64
    public var signExp: UInt16
    @inline(__always) public init(sig: UInt64, signExp: UInt16) { self.sig = sig; self.signExp = signExp }
}

/// Result of comparing two values.
public enum FPRelation: Sendable { case less, equal, greater, unordered }

/// Value classes after unpacking.
public enum FPClass: Sendable {
    case zero, finite, infinity, nan
    /// x87 encodings the 387+ reject (unnormals, pseudo-NaN/infinity): invalid operands.
    case unsupported
}

/// A decoded operand. Finite: value = sig * 2^(exp-63), sig normalized (bit 63 set), even for
/// denormal inputs (`denormal` records the encoding for DE/DAZ). NaN: sig holds the significand
/// aligned like the extended format (bit 63 set, bit 62 = quiet bit, payload below).
public struct Unpacked: Sendable {
    public var sign: Bool
    public var cls: FPClass
    public var exp: Int32
    public var sig: UInt64
    public var denormal: Bool = false
    @inline(__always) public init(sign: Bool, cls: FPClass, exp: Int32 = 0, sig: UInt64 = 0, denormal: Bool = false) {
        self.sign = sign; self.cls = cls; self.exp = exp; self.sig = sig; self.denormal = denormal
    }
    @inline(__always) public var isNaN: Bool { cls == .nan }
    @inline(__always) public var isSignalingNaN: Bool { cls == .nan && sig & (1 << 62) == 0 }
}

/// A storage format. `precision` counts significand bits including the integer bit.
public protocol SoftFloatFormat {
    associatedtype Bits: Equatable
    static var precision: Int { get }
    static var bias: Int32 { get }
    static var defaultNaN: Bits { get }
    static func unpack(_ b: Bits) -> Unpacked
    /// Packs `biasedExp` (0 = zero/denormal, all-ones = inf/NaN) and the 64-bit significand
    /// (integer bit at 63; bits below the format's precision are dropped).
    static func pack(sign: Bool, biasedExp: Int32, sig: UInt64) -> Bits
}

extension SoftFloatFormat {
    @inline(__always) static var emax: Int32 { bias }
    @inline(__always) static var emin: Int32 { 1 &- bias }
    @inline(__always) static var maxBiasedExp: Int32 { 2 &* bias &+ 1 }
}

/// Shared unpacking of the IEEE interchange formats (implicit integer bit).
@inline(__always) private func unpackIEEE(sign: Bool, expField: Int32, frac: UInt64, fracBits: Int, bias: Int32, maxExp: Int32) -> Unpacked {
    let aligned = frac << (63 - fracBits)  // fraction just below bit 63
    if expField == maxExp {
        if frac == 0 { return Unpacked(sign: sign, cls: .infinity) }
        return Unpacked(sign: sign, cls: .nan, sig: aligned | (1 << 63))
    }
    if expField == 0 {
        if frac == 0 { return Unpacked(sign: sign, cls: .zero) }
        // Denormal: value = 0.frac * 2^(1-bias); normalize the significand.
        let lz = aligned.leadingZeroBitCount
        return Unpacked(sign: sign, cls: .finite, exp: (1 &- bias) &- Int32(lz), sig: aligned << lz, denormal: true)
    }
    return Unpacked(sign: sign, cls: .finite, exp: expField &- bias, sig: aligned | (1 << 63))
}

public enum Binary32: SoftFloatFormat {
    public typealias Bits = UInt32
    public static var precision: Int { 24 }
    public static var bias: Int32 { 127 }
    public static var defaultNaN: UInt32 { 0xFFC0_0000 }
    @inline(__always) public static func unpack(_ b: UInt32) -> Unpacked {
        unpackIEEE(sign: b >> 31 != 0, expField: Int32((b >> 23) & 0xFF), frac: UInt64(b & 0x7F_FFFF),
                   fracBits: 23, bias: 127, maxExp: 0xFF)
    }
    @inline(__always) public static func pack(sign: Bool, biasedExp: Int32, sig: UInt64) -> UInt32 {
        (sign ? 0x8000_0000 : 0) | UInt32(truncatingIfNeeded: biasedExp) << 23 | UInt32(truncatingIfNeeded: sig >> 40) & 0x7F_FFFF
    }
}

public enum Binary64: SoftFloatFormat {
    public typealias Bits = UInt64
    public static var precision: Int { 53 }
    public static var bias: Int32 { 1023 }
    public static var defaultNaN: UInt64 { 0xFFF8_0000_0000_0000 }
    @inline(__always) public static func unpack(_ b: UInt64) -> Unpacked {
        unpackIEEE(sign: b >> 63 != 0, expField: Int32((b >> 52) & 0x7FF), frac: b & 0xF_FFFF_FFFF_FFFF,
                   fracBits: 52, bias: 1023, maxExp: 0x7FF)
    }
    @inline(__always) public static func pack(sign: Bool, biasedExp: Int32, sig: UInt64) -> UInt64 {
        (sign ? 1 << 63 : 0) | UInt64(truncatingIfNeeded: biasedExp) << 52 | (sig >> 11) & 0xF_FFFF_FFFF_FFFF
    }
}

public enum Extended80: SoftFloatFormat {
    public typealias Bits = Float80Bits
    public static var precision: Int { 64 }
    public static var bias: Int32 { 16383 }
    /// Real indefinite: negative QNaN with only the integer and quiet bits set.
    public static var defaultNaN: Float80Bits { Float80Bits(sig: 0xC000_0000_0000_0000, signExp: 0xFFFF) }
    @inline(__always) public static func unpack(_ b: Float80Bits) -> Unpacked {
        let sign = b.signExp & 0x8000 != 0
        let e = Int32(b.signExp & 0x7FFF)
        let integerBit = b.sig >> 63 != 0
        if e == 0x7FFF {
            // Infinity and NaN need the integer bit; without it they are pseudo-inf/NaN (invalid).
            if !integerBit { return Unpacked(sign: sign, cls: .unsupported, sig: b.sig) }
            if b.sig << 1 == 0 { return Unpacked(sign: sign, cls: .infinity) }
            return Unpacked(sign: sign, cls: .nan, sig: b.sig)
        }
        if e == 0 {
            if b.sig == 0 { return Unpacked(sign: sign, cls: .zero) }
            // Denormal (integer bit 0) or pseudo-denormal (integer bit 1): both read with exponent
            // emin, value = sig * 2^(-16382-63); both are denormal operands (DE).
            let lz = b.sig.leadingZeroBitCount
            return Unpacked(sign: sign, cls: .finite, exp: -16382 &- Int32(lz), sig: b.sig << lz, denormal: true)
        }
        // Nonzero exponent without the integer bit: an unnormal, rejected since the 387.
        if !integerBit { return Unpacked(sign: sign, cls: .unsupported, exp: e &- 16383, sig: b.sig) }
        return Unpacked(sign: sign, cls: .finite, exp: e &- 16383, sig: b.sig)
    }
    @inline(__always) public static func pack(sign: Bool, biasedExp: Int32, sig: UInt64) -> Float80Bits {
        // Infinity has the integer bit set in this format.
        let s = biasedExp == 0x7FFF && sig == 0 ? 1 << 63 : sig
        return Float80Bits(sig: s, signExp: (sign ? 0x8000 : 0) | UInt16(truncatingIfNeeded: biasedExp) & 0x7FFF)
    }
}

public enum SoftFloat {
    // MARK: - Helpers

    /// Shifts right, ORing every bit shifted out into bit 0 ("jamming" the sticky bit).
    @inline(__always) static func shiftRightJam(_ x: UInt128, _ n: Int) -> UInt128 {
        if n <= 0 { return x }
        if n >= 128 { return x != 0 ? 1 : 0 }
        let lost = x & ((UInt128(1) << n) &- 1)
        return (x >> n) | (lost != 0 ? 1 : 0)
    }

    /// Precision of results in format F under `env` (x87 precision control for Extended80).
    @inline(__always) static func precision<F: SoftFloatFormat>(_ f: F.Type, _ env: FPEnv) -> Int {
        F.self == Extended80.self ? min(max(env.precision, 2), 64) : F.precision
    }

    @inline(__always) static func zero<F: SoftFloatFormat>(_ f: F.Type, sign: Bool) -> F.Bits {
        F.pack(sign: sign, biasedExp: 0, sig: 0)
    }
    @inline(__always) static func infinity<F: SoftFloatFormat>(_ f: F.Type, sign: Bool) -> F.Bits {
        F.pack(sign: sign, biasedExp: F.maxBiasedExp, sig: 0)
    }

    /// Reads an operand: DAZ turns denormals into signed zeros (no DE).
    @inline(__always) static func operand<F: SoftFloatFormat>(_ b: F.Bits, _ f: F.Type, _ env: FPEnv) -> Unpacked {
        var u = F.unpack(b)
        if u.denormal && env.daz { u = Unpacked(sign: u.sign, cls: .zero) }
        return u
    }

    /// A NaN result as bits of F: quiet bit forced.
    @inline(__always) static func packNaN<F: SoftFloatFormat>(_ u: Unpacked, _ f: F.Type) -> F.Bits {
        F.pack(sign: u.sign, biasedExp: F.maxBiasedExp, sig: u.sig | (3 << 62))
    }

    /// The NaN a two-operand operation returns (at least one of a, b is a NaN); IE for any SNaN.
    @inline(__always) static func propagateNaN<F: SoftFloatFormat>(_ a: Unpacked, _ b: Unpacked, _ f: F.Type, _ env: inout FPEnv) -> F.Bits {
        if a.isSignalingNaN || b.isSignalingNaN { env.flags |= FPFlag.invalid }
        switch env.nanRule {
        case .firstOperand:
            return packNaN(a.isNaN ? a : b, F.self)
        case .x87:
            if a.isNaN && b.isNaN {
                if a.isSignalingNaN != b.isSignalingNaN { return packNaN(a.isSignalingNaN ? b : a, F.self) }
                let ma = a.sig & ~(UInt64(1) << 62), mb = b.sig & ~(UInt64(1) << 62)
                if ma == mb { return packNaN(a.sign ? b : a, F.self) }  // tie: the positive one (x87)
                return packNaN(ma > mb ? a : b, F.self)
            }
            return packNaN(a.isNaN ? a : b, F.self)
        }
    }

    /// One-operand NaN / unsupported-encoding handling: returns nil for ordinary operands.
    @inline(__always) static func specialOperand<F: SoftFloatFormat>(_ a: Unpacked, _ f: F.Type, _ env: inout FPEnv) -> F.Bits? {
        if a.cls == .unsupported { env.flags |= FPFlag.invalid; return F.defaultNaN }
        if a.isNaN {
            if a.isSignalingNaN { env.flags |= FPFlag.invalid }
            return packNaN(a, F.self)
        }
        return nil
    }

    // MARK: - Rounding

    /// Rounds the exact value sig * 2^(exp-127) (sig != 0; any bit may be set, bit 0 may be a
    /// sticky bit) with unbounded exponent to `p` bits. Returns the significand normalized to
    /// bit p-1 (or the carry into bit p handled: exponent incremented), the exponent of its top
    /// bit, and whether it was inexact.
    @inline(__always) public static func roundUnbounded(sign: Bool, exp: Int32, sig: UInt128, p: Int, rounding: UInt32) -> (sig: UInt64, exp: Int32, inexact: Bool) {
        let lz = sig.leadingZeroBitCount
        let s = sig << lz
        let e = exp &- Int32(lz)
        let drop = 128 - p
        let rem = s & ((UInt128(1) << drop) &- 1)
        var kept = UInt64(truncatingIfNeeded: s >> drop)
        var e2 = e
        if roundUp(kept: kept, rem: rem, half: UInt128(1) << (drop - 1), sign: sign, rounding: rounding) {
            kept &+= 1
            if kept == UInt64(1) << p || (p == 64 && kept == 0) { kept = UInt64(1) << (p - 1); e2 &+= 1 }
        }
        return (kept, e2, rem != 0)
    }

    /// The rounding decision: add one unit in the last kept place?
    @inline(__always) static func roundUp(kept: UInt64, rem: UInt128, half: UInt128, sign: Bool, rounding: UInt32) -> Bool {
        if rem == 0 { return false }
        switch rounding {
        case FPRound.nearestEven: return rem > half || (rem == half && kept & 1 != 0)
        case FPRound.down: return sign
        case FPRound.up: return !sign
        default: return false
        }
    }

    /// Rounds the exact nonzero value (-1)^sign * sig * 2^(exp-127) into format F under `env`
    /// (precision, rounding mode, denormals, overflow, FTZ) and sets PE/UE/OE/tiny.
    public static func roundPack<F: SoftFloatFormat>(sign: Bool, exp: Int32, sig: UInt128, as f: F.Type, _ env: inout FPEnv) -> F.Bits {
        if sig == 0 { return zero(F.self, sign: sign) }
        let p = precision(F.self, env)
        // Normalize: top bit at 127 carries weight 2^e.
        let lz = sig.leadingZeroBitCount
        var s = sig << lz
        let e = exp &- Int32(lz)
        let emin = F.emin, emax = F.emax
        var tiny = false
        var biased: Int32
        var out: UInt64
        var inexact: Bool
        if e < emin {
            // x86 detects tininess AFTER rounding: round as if the exponent range were unbounded.
            let unbounded = roundUnbounded(sign: sign, exp: e, sig: s, p: p, rounding: env.rounding)
            tiny = unbounded.exp < emin
            if unbounded.inexact { env.flags |= FPFlag.inexactUnbounded }
            // The denormal: align to the minimum exponent, then keep p bits counted from there.
            s = shiftRightJam(s, Int(emin &- e))
            let drop = 128 - p
            let rem = s & ((UInt128(1) << drop) &- 1)
            var kept = UInt64(truncatingIfNeeded: s >> drop)
            inexact = rem != 0
            if roundUp(kept: kept, rem: rem, half: UInt128(1) << (drop - 1), sign: sign, rounding: env.rounding) { kept &+= 1 }
            out = kept << (64 - p)
            // Rounding up may carry into the integer bit: the result is then the smallest normal.
            biased = out >> 63 != 0 ? 1 : 0
        } else {
            let r = roundUnbounded(sign: sign, exp: e, sig: s, p: p, rounding: env.rounding)
            inexact = r.inexact
            if inexact { env.flags |= FPFlag.inexactUnbounded }
            out = r.sig << (64 - p)
            biased = r.exp &+ F.bias
            if r.exp > emax {
                // Overflow: ±inf, or the largest finite value when rounding toward zero / away
                // from this sign's infinity.
                env.flags |= FPFlag.overflow | FPFlag.inexact
                let toInf: Bool
                switch env.rounding {
                case FPRound.nearestEven: toInf = true
                case FPRound.down: toInf = sign
                case FPRound.up: toInf = !sign
                default: toInf = false
                }
                if toInf { return infinity(F.self, sign: sign) }
                let maxSig: UInt64 = p == 64 ? ~0 : ((UInt64(1) << p) &- 1) << (64 - p)
                return F.pack(sign: sign, biasedExp: F.maxBiasedExp &- 1, sig: maxSig)
            }
        }
        if tiny {
            env.flags |= FPFlag.tiny
            if env.ftz {
                // SSE flush-to-zero (underflow masked): a tiny result becomes a signed zero.
                env.flags |= FPFlag.underflow | FPFlag.inexact
                return zero(F.self, sign: sign)
            }
            if inexact { env.flags |= FPFlag.underflow }
        }
        if inexact { env.flags |= FPFlag.inexact }
        return F.pack(sign: sign, biasedExp: biased, sig: out)
    }

    // MARK: - Arithmetic

    public static func add<F: SoftFloatFormat>(_ a: F.Bits, _ b: F.Bits, _ f: F.Type, _ env: inout FPEnv) -> F.Bits {
        addSub(operand(a, F.self, env), operand(b, F.self, env), negateB: false, F.self, &env)
    }

    public static func sub<F: SoftFloatFormat>(_ a: F.Bits, _ b: F.Bits, _ f: F.Type, _ env: inout FPEnv) -> F.Bits {
        addSub(operand(a, F.self, env), operand(b, F.self, env), negateB: true, F.self, &env)
    }

    /// Common prologue of two-operand operations: NaNs, unsupported encodings; nil = continue.
    @inline(__always) static func binarySpecial<F: SoftFloatFormat>(_ a: Unpacked, _ b: Unpacked, _ f: F.Type, _ env: inout FPEnv) -> F.Bits? {
        if a.cls == .unsupported || b.cls == .unsupported {
            env.flags |= FPFlag.invalid; return F.defaultNaN
        }
        if a.isNaN || b.isNaN { return propagateNaN(a, b, F.self, &env) }
        return nil
    }

    /// DE when an operand is a denormal (reached only for non-NaN operands).
    @inline(__always) static func denormalCheck(_ a: Unpacked, _ b: Unpacked, _ env: inout FPEnv) {
        if a.denormal || b.denormal { env.flags |= FPFlag.denormal }
    }

    public static func addSub<F: SoftFloatFormat>(_ a: Unpacked, _ bIn: Unpacked, negateB: Bool, _ f: F.Type, _ env: inout FPEnv) -> F.Bits {
        if let r = binarySpecial(a, bIn, F.self, &env) { return r }
        var b = bIn
        if negateB { b.sign.toggle() }
        if a.cls == .infinity || b.cls == .infinity {
            if a.cls == .infinity && b.cls == .infinity && a.sign != b.sign {
                env.flags |= FPFlag.invalid; return F.defaultNaN  // inf - inf
            }
            denormalCheck(a, b, &env)
            return infinity(F.self, sign: a.cls == .infinity ? a.sign : b.sign)
        }
        denormalCheck(a, b, &env)
        if a.cls == .zero && b.cls == .zero {
            // (+0) + (-0) is +0, except -0 when rounding down; equal signs keep the sign.
            let sign = a.sign == b.sign ? a.sign : env.rounding == FPRound.down
            return zero(F.self, sign: sign)
        }
        if a.cls == .zero { return roundPack(sign: b.sign, exp: b.exp, sig: UInt128(b.sig) << 64, as: F.self, &env) }
        if b.cls == .zero { return roundPack(sign: a.sign, exp: a.exp, sig: UInt128(a.sig) << 64, as: F.self, &env) }
        // Both finite nonzero: align on the larger exponent with 62 guard bits (top bit at 125).
        var (x, y) = (a, b)
        if y.exp > x.exp || (y.exp == x.exp && y.sig > x.sig) { swap(&x, &y) }
        let X = UInt128(x.sig) << 62
        let Y = shiftRightJam(UInt128(y.sig) << 62, Int(x.exp &- y.exp))
        if x.sign == y.sign {
            // The sum is below 2^127: the value is sum * 2^(x.exp - 125).
            return roundPack(sign: x.sign, exp: x.exp &+ 2, sig: X &+ Y, as: F.self, &env)
        }
        let d = X &- Y  // |x| >= |y|
        if d == 0 { return zero(F.self, sign: env.rounding == FPRound.down) }
        return roundPack(sign: x.sign, exp: x.exp &+ 2, sig: d, as: F.self, &env)
    }

    public static func mul<F: SoftFloatFormat>(_ a: F.Bits, _ b: F.Bits, _ f: F.Type, _ env: inout FPEnv) -> F.Bits {
        mul(operand(a, F.self, env), operand(b, F.self, env), F.self, &env)
    }

    public static func mul<F: SoftFloatFormat>(_ a: Unpacked, _ b: Unpacked, _ f: F.Type, _ env: inout FPEnv) -> F.Bits {
        if let r = binarySpecial(a, b, F.self, &env) { return r }
        let sign = a.sign != b.sign
        if a.cls == .infinity || b.cls == .infinity {
            if a.cls == .zero || b.cls == .zero { env.flags |= FPFlag.invalid; return F.defaultNaN }  // 0 * inf
            denormalCheck(a, b, &env)
            return infinity(F.self, sign: sign)
        }
        denormalCheck(a, b, &env)
        if a.cls == .zero || b.cls == .zero { return zero(F.self, sign: sign) }
        // The exact 128-bit product: value = prod * 2^(ea + eb - 126) = prod * 2^((ea+eb+1) - 127).
        let (hi, lo) = a.sig.multipliedFullWidth(by: b.sig)
        return roundPack(sign: sign, exp: a.exp &+ b.exp &+ 1, sig: UInt128(hi) << 64 | UInt128(lo), as: F.self, &env)
    }

    public static func div<F: SoftFloatFormat>(_ a: F.Bits, _ b: F.Bits, _ f: F.Type, _ env: inout FPEnv) -> F.Bits {
        div(operand(a, F.self, env), operand(b, F.self, env), F.self, &env)
    }

    public static func div<F: SoftFloatFormat>(_ a: Unpacked, _ b: Unpacked, _ f: F.Type, _ env: inout FPEnv) -> F.Bits {
        if let r = binarySpecial(a, b, F.self, &env) { return r }
        let sign = a.sign != b.sign
        if a.cls == .infinity {
            if b.cls == .infinity { env.flags |= FPFlag.invalid; return F.defaultNaN }  // inf / inf
            denormalCheck(a, b, &env)
            return infinity(F.self, sign: sign)
        }
        if b.cls == .infinity { denormalCheck(a, b, &env); return zero(F.self, sign: sign) }
        if b.cls == .zero {
            if a.cls == .zero { env.flags |= FPFlag.invalid; return F.defaultNaN }  // 0 / 0
            // Finite nonzero / 0: divide-by-zero, exact infinity. ZE has priority over DE: a
            // denormal dividend is not reported.
            env.flags |= FPFlag.divideByZero
            return infinity(F.self, sign: sign)
        }
        denormalCheck(a, b, &env)
        if a.cls == .zero { return zero(F.self, sign: sign) }
        // Long division in two 64-bit steps: Q = a.sig * 2^127 / b.sig, a 128-bit quotient in
        // [2^126, 2^128) plus a sticky bit for the remainder. value = Q * 2^(ea - eb - 127).
        let n = UInt128(a.sig) << 63
        let d = UInt128(b.sig)
        let q1 = n / d, r1 = n % d
        let n2 = r1 << 64
        let q2 = n2 / d, r2 = n2 % d
        var q = q1 << 64 | q2
        if r2 != 0 { q |= 1 }
        return roundPack(sign: sign, exp: a.exp &- b.exp, sig: q, as: F.self, &env)
    }

    public static func sqrt<F: SoftFloatFormat>(_ a: F.Bits, _ f: F.Type, _ env: inout FPEnv) -> F.Bits {
        sqrt(operand(a, F.self, env), F.self, &env)
    }

    public static func sqrt<F: SoftFloatFormat>(_ a: Unpacked, _ f: F.Type, _ env: inout FPEnv) -> F.Bits {
        if let r = specialOperand(a, F.self, &env) { return r }
        if a.cls == .zero { return zero(F.self, sign: a.sign) }  // sqrt(-0) = -0
        if a.sign { env.flags |= FPFlag.invalid; return F.defaultNaN }
        if a.cls == .infinity { return infinity(F.self, sign: false) }
        if a.denormal { env.flags |= FPFlag.denormal }
        // value = M * 2^(2k), M in [1,4). The radicand X = sig * 2^s (s = 67 for even exponents,
        // 68 for odd) equals M * 2^130, so its integer square root is sqrt(M) * 2^65: 66 root bits,
        // produced one per pair of radicand bits (restoring digit-by-digit method).
        let s = a.exp & 1 == 0 ? 67 : 68
        @inline(__always) func radicandBit(_ j: Int) -> UInt128 {
            let k = j - s
            return k >= 0 && k < 64 ? UInt128((a.sig >> UInt64(k)) & 1) : 0
        }
        var rem: UInt128 = 0, root: UInt128 = 0
        var j = 131
        while j > 0 {
            rem = (rem << 2) | (radicandBit(j) << 1) | radicandBit(j - 1)
            let trial = (root << 2) | 1
            if rem >= trial { rem -= trial; root = (root << 1) | 1 } else { root <<= 1 }
            j -= 2
        }
        // root in [2^65, 2^66): value = root * 2^(k - 65), k = floor(exp / 2).
        var sig = root << 62
        if rem != 0 { sig |= 1 }
        return roundPack(sign: false, exp: a.exp >> 1, sig: sig, as: F.self, &env)
    }

    // MARK: - Integers

    /// Rounds a finite nonzero value to an integer magnitude in the given mode. `overflow` is set
    /// when the magnitude needs more than 64 bits.
    @inline(__always) static func integerPart(_ a: Unpacked, rounding: UInt32) -> (mag: UInt64, inexact: Bool, overflow: Bool) {
        let f = 63 - Int(a.exp)  // number of fraction bits in sig
        if f <= 0 {
            if f < 0 { return (0, false, true) }  // >= 2^64
            return (a.sig, false, false)
        }
        var kept: UInt64, rem: UInt128, half: UInt128
        if f <= 64 {
            kept = f == 64 ? 0 : a.sig >> f
            rem = UInt128(a.sig) & ((UInt128(1) << f) &- 1)
            half = UInt128(1) << (f - 1)
        } else {
            // |value| < 1/2: only the sticky part remains.
            kept = 0; rem = 1; half = 2
        }
        var overflow = false
        if roundUp(kept: kept, rem: rem, half: half, sign: a.sign, rounding: rounding) {
            kept &+= 1
            if kept == 0 { overflow = true }
        }
        return (kept, rem != 0, overflow)
    }

    /// Converts to a signed integer of `bits` (32 or 64) bits. NaN or out of range: the integer
    /// indefinite (only the sign bit set) with IE; otherwise PE when inexact.
    static func toInt(_ a: Unpacked, bits: Int, rounding: UInt32, _ env: inout FPEnv) -> Int64 {
        let indefinite: Int64 = bits == 64 ? Int64.min : Int64(Int32.min)
        switch a.cls {
        case .nan, .infinity, .unsupported: env.flags |= FPFlag.invalid; return indefinite
        case .zero: return 0
        case .finite: break
        }
        let r = integerPart(a, rounding: rounding)
        let limit: UInt64 = bits == 64 ? 1 << 63 : 1 << 31  // |min|; max is limit - 1
        if r.overflow || r.mag > limit || (r.mag == limit && !a.sign) {
            env.flags |= FPFlag.invalid; return indefinite
        }
        // No DE here: SSE CVT*2SI do not report denormal operands (an x87 FIST caller adds DE).
        if r.inexact { env.flags |= FPFlag.inexact }
        return a.sign ? Int64(bitPattern: 0 &- r.mag) : Int64(bitPattern: r.mag)
    }

    /// CVTSD2SI/CVTTSD2SI style conversion; `truncate` rounds toward zero regardless of RC.
    public static func toInt32<F: SoftFloatFormat>(_ a: F.Bits, _ f: F.Type, _ env: inout FPEnv, truncate: Bool = false) -> Int32 {
        Int32(truncatingIfNeeded: toInt(operand(a, F.self, env), bits: 32, rounding: truncate ? FPRound.towardZero : env.rounding, &env))
    }

    public static func toInt64<F: SoftFloatFormat>(_ a: F.Bits, _ f: F.Type, _ env: inout FPEnv, truncate: Bool = false) -> Int64 {
        toInt(operand(a, F.self, env), bits: 64, rounding: truncate ? FPRound.towardZero : env.rounding, &env)
    }

    /// Signed integer to format F (rounded per env; exact for Extended80 at 64-bit precision).
    public static func fromInt64<F: SoftFloatFormat>(_ v: Int64, _ f: F.Type, _ env: inout FPEnv) -> F.Bits {
        if v == 0 { return zero(F.self, sign: false) }
        let mag = v < 0 ? 0 &- UInt64(bitPattern: v) : UInt64(bitPattern: v)
        // value = mag * 2^0 = (mag << 64) * 2^(127 - 127 - 64): exponent of bit 127 is 63.
        return roundPack(sign: v < 0, exp: 63, sig: UInt128(mag) << 64, as: F.self, &env)
    }

    public static func fromInt32<F: SoftFloatFormat>(_ v: Int32, _ f: F.Type, _ env: inout FPEnv) -> F.Bits {
        fromInt64(Int64(v), F.self, &env)
    }

    /// Round to an integral value in format F (ROUNDSS/ROUNDSD, FRNDINT) in env.rounding. PE
    /// when inexact unless `suppressInexact` (ROUNDSx imm8 bit 3).
    public static func roundToIntegral<F: SoftFloatFormat>(_ a: F.Bits, _ f: F.Type, _ env: inout FPEnv, suppressInexact: Bool = false,
                                                         reportDenormal: Bool = false) -> F.Bits {
        let u = operand(a, F.self, env)
        if let r = specialOperand(u, F.self, &env) { return r }
        if u.cls != .finite { return F.pack(sign: u.sign, biasedExp: u.cls == .zero ? 0 : F.maxBiasedExp, sig: 0) }
        // ROUNDSS/ROUNDSD do not report denormal operands; x87 FRNDINT does (reportDenormal).
        if u.denormal && reportDenormal { env.flags |= FPFlag.denormal }
        if u.exp >= 63 { return a }  // no fraction bits in any format
        let r = integerPart(u, rounding: env.rounding)
        if r.inexact && !suppressInexact { env.flags |= FPFlag.inexact }
        if r.mag == 0 { return zero(F.self, sign: u.sign) }
        // The integer is exactly representable (it has no more bits than the operand had).
        var quiet = env
        quiet.precision = 64  // precision control does not apply to FRNDINT
        let out = roundPack(sign: u.sign, exp: 63, sig: UInt128(r.mag) << 64, as: F.self, &quiet)
        return out
    }

    // MARK: - Format conversion

    /// Converts between formats: NaN payloads keep their top bits (SNaN -> QNaN with IE), DE for
    /// a denormal source, and the result is rounded into G.
    public static func convert<F: SoftFloatFormat, G: SoftFloatFormat>(_ a: F.Bits, from: F.Type, to: G.Type, _ env: inout FPEnv,
                                                                          reportDenormal: Bool = true) -> G.Bits {
        let u = operand(a, F.self, env)
        switch u.cls {
        case .unsupported: env.flags |= FPFlag.invalid; return G.defaultNaN
        case .nan:
            if u.isSignalingNaN { env.flags |= FPFlag.invalid }
            return packNaN(u, G.self)
        case .infinity: return infinity(G.self, sign: u.sign)
        case .zero: return zero(G.self, sign: u.sign)
        case .finite:
            // CVTSS2SD/CVTSD2SS and FLD m32/m64 report a denormal source; FST from the 80-bit
            // register format does not (reportDenormal: false).
            if u.denormal && reportDenormal { env.flags |= FPFlag.denormal }
            return roundPack(sign: u.sign, exp: u.exp, sig: UInt128(u.sig) << 64, as: G.self, &env)
        }
    }

    // MARK: - Comparison

    /// Compares a and b. IE for an SNaN operand, or for any NaN when `signaling` (COMISS, CMPLT...).
    /// DE for a denormal operand of an ordered comparison.
    public static func compare<F: SoftFloatFormat>(_ a: F.Bits, _ b: F.Bits, _ f: F.Type, signaling: Bool, _ env: inout FPEnv) -> FPRelation {
        compare(operand(a, F.self, env), operand(b, F.self, env), signaling: signaling, &env)
    }

    public static func compare(_ a: Unpacked, _ b: Unpacked, signaling: Bool, _ env: inout FPEnv) -> FPRelation {
        if a.cls == .unsupported || b.cls == .unsupported { env.flags |= FPFlag.invalid; return .unordered }
        if a.isNaN || b.isNaN {
            if signaling || a.isSignalingNaN || b.isSignalingNaN { env.flags |= FPFlag.invalid }
            return .unordered
        }
        denormalCheck(a, b, &env)
        return orderedCompare(a, b)
    }

    /// Ordering of two non-NaN values (±0 are equal).
    @inline(__always) static func orderedCompare(_ a: Unpacked, _ b: Unpacked) -> FPRelation {
        if a.cls == .zero && b.cls == .zero { return .equal }
        if a.sign != b.sign { return a.sign ? .less : .greater }
        // Same sign: compare magnitudes (zero < finite < infinity).
        @inline(__always) func rank(_ u: Unpacked) -> Int { u.cls == .zero ? 0 : (u.cls == .infinity ? 2 : 1) }
        var mag: FPRelation
        if rank(a) != rank(b) { mag = rank(a) < rank(b) ? .less : .greater }
        else if rank(a) != 1 { mag = .equal }
        else if a.exp != b.exp { mag = a.exp < b.exp ? .less : .greater }
        else if a.sig != b.sig { mag = a.sig < b.sig ? .less : .greater }
        else { mag = .equal }
        if a.sign {
            if mag == .less { mag = .greater } else if mag == .greater { mag = .less }
        }
        return mag
    }

    /// SSE MINSS/MINSD/MINPS/MINPD: a < b ? a : b. With any NaN operand (QNaN included: IE) or
    /// two zeros of either sign, the SECOND operand is returned unchanged (not quietened).
    public static func sseMin<F: SoftFloatFormat>(_ a: F.Bits, _ b: F.Bits, _ f: F.Type, _ env: inout FPEnv) -> F.Bits {
        let r = compare(a, b, F.self, signaling: true, &env)
        return dazOperand(r == .less ? a : b, F.self, env)
    }

    /// The operand as an instruction passing it through sees it: a denormal reads as ±0 under DAZ.
    @inline(__always) static func dazOperand<F: SoftFloatFormat>(_ x: F.Bits, _ f: F.Type, _ env: FPEnv) -> F.Bits {
        if env.daz { let u = F.unpack(x); if u.denormal { return zero(F.self, sign: u.sign) } }
        return x
    }

    /// SSE MAX: a > b ? a : b, otherwise (NaN, equal, both zero) the second operand.
    public static func sseMax<F: SoftFloatFormat>(_ a: F.Bits, _ b: F.Bits, _ f: F.Type, _ env: inout FPEnv) -> F.Bits {
        let r = compare(a, b, F.self, signaling: true, &env)
        return dazOperand(r == .greater ? a : b, F.self, env)
    }
}
