// Layer: X86 (CPU model), floating point: the x87 transcendental functions in software, for
// FSIN/FCOS/FSINCOS/FPTAN/FPATAN/F2XM1/FYL2X/FYL2XP1. Never the host libm: a small binary
// floating-point type with a 128-bit significand (`Wide`, ~120 correct bits after a few dozen
// operations) evaluates series, and SoftFloat.roundPack rounds the result once to the x87
// precision with the current rounding control. Results are the correctly rounded value for all
// but astronomically rare inputs; the reference CPU is not always correctly rounded, so the
// harness compares these results with the last bits masked and reports the agreement rate.

/// value = (-1)^neg * sig * 2^(exp - 127); sig has bit 127 set (or is 0 for zero).
struct Wide {
    var neg: Bool
    var exp: Int32
    var sig: UInt128

    static let zero = Wide(neg: false, exp: 0, sig: 0)
    static let one = Wide(neg: false, exp: 0, sig: UInt128(1) << 127)

    init(neg: Bool, exp: Int32, sig: UInt128) {
        self.neg = neg; self.exp = exp; self.sig = sig
        normalize()
    }

    /// From an unpacked finite operand (sig * 2^(exp-63)).
    init(_ u: Unpacked) { self.init(neg: u.sign, exp: u.exp, sig: UInt128(u.sig) << 64) }

    init(integer v: Int64) {
        self.init(neg: v < 0, exp: 127, sig: UInt128(v.magnitude))
    }

    mutating func normalize() {
        if sig == 0 { exp = 0; return }
        let lz = sig.leadingZeroBitCount
        sig <<= UInt128(lz)
        exp &-= Int32(lz)
    }

    var isZero: Bool { sig == 0 }
    var negated: Wide { var w = self; w.neg.toggle(); return w }

    static func * (a: Wide, b: Wide) -> Wide {
        if a.isZero || b.isZero { return .zero }
        let (hi, lo) = a.sig.multipliedFullWidth(by: b.sig)
        // (a.sig * b.sig) * 2^(ea + eb - 254); keep the top 128 bits (sticky bit in bit 0).
        return Wide(neg: a.neg != b.neg, exp: a.exp &+ b.exp &+ 1, sig: hi | (lo != 0 ? 1 : 0))
    }

    static func / (a: Wide, b: Wide) -> Wide {
        if a.isZero || b.isZero { return .zero }
        // q = a.sig * 2^127 / b.sig in [2^126, 2^128): a/b = q * 2^(ea - eb - 127).
        let (q, r) = b.sig.dividingFullWidth((high: a.sig >> 1, low: a.sig << 127))
        return Wide(neg: a.neg != b.neg, exp: a.exp &- b.exp, sig: q | (r != 0 ? 1 : 0))
    }

    static func + (a: Wide, b: Wide) -> Wide {
        if a.isZero { return b }
        if b.isZero { return a }
        var x = a, y = b
        if y.exp > x.exp || (y.exp == x.exp && y.sig > x.sig) { swap(&x, &y) }
        // Work with one guard bit: sums may carry into bit 128.
        let d = Int(x.exp &- y.exp) + 1
        let xs = x.sig >> 1
        let ys: UInt128 = d >= 128 ? (y.sig != 0 ? 1 : 0) : (y.sig >> UInt128(d)) | ((y.sig & ((UInt128(1) << UInt128(d)) &- 1)) != 0 ? 1 : 0)
        if x.neg == y.neg { return Wide(neg: x.neg, exp: x.exp &+ 1, sig: xs &+ ys) }
        return Wide(neg: x.neg, exp: x.exp &+ 1, sig: xs &- ys)
    }

    static func - (a: Wide, b: Wide) -> Wide { a + b.negated }

    /// Multiplies by 2^k.
    func scaled(_ k: Int32) -> Wide { isZero ? self : Wide(neg: neg, exp: exp &+ k, sig: sig) }

    /// Integer nearest to the value (|value| < 2^126), and the value is assumed finite.
    var roundedInteger: Int64 {
        if isZero || exp < -2 { return 0 }
        let shift = 127 - Int(exp)
        if shift <= 0 { return neg ? Int64.min : Int64.max }
        let t = (sig >> UInt128(shift - 1)) &+ 1   // add one half, then drop it
        let m = Int64(truncatingIfNeeded: t >> 1)
        return neg ? -m : m
    }
}

enum X87Transcendental {
    // Constants at 128 bits (hex expansions of the constants, bit 127 = leading 1).
    /// pi = 0xC90FDAA22168C234C4C6628B80DC1CD1 29024E088A67CC74... * 2^-126
    static let pi = Wide(neg: false, exp: 1, sig: UInt128(0xC90F_DAA2_2168_C234) << 64 | UInt128(0xC4C6_628B_80DC_1CD1))
    /// pi truncated to 66 significant bits (0xC90FDAA22168C234C * 2^-66): the reduction constant.
    static let pi66 = Wide(neg: false, exp: 1, sig: UInt128(0xC90F_DAA2_2168_C234) << 64 | UInt128(0xC) << 60)
    /// ln 2 = 0xB17217F7D1CF79ABC9E3B39803F2F6AF * 2^-128
    static let ln2 = Wide(neg: false, exp: -1, sig: UInt128(0xB172_17F7_D1CF_79AB) << 64 | UInt128(0xC9E3_B398_03F2_F6AF))

    /// Rounds to extended precision with the current RC and PC ignored (transcendentals round
    /// to 64 bits): (bits, x87 flags, rounded up).
    static func round(_ w: Wide, rc: UInt32) -> (Float80Bits, UInt32, Bool) {
        if w.isZero { return (Float80Bits(sig: 0, signExp: w.neg ? 0x8000 : 0), 0, false) }
        var env = FPEnv(rounding: rc, precision: 64, nanRule: .x87)
        let r = SoftFloat.roundPack(sign: w.neg, exp: w.exp, sig: w.sig, as: Extended80.self, &env)
        var chop = FPEnv(rounding: FPRound.towardZero, precision: 64, nanRule: .x87)
        let t = SoftFloat.roundPack(sign: w.neg, exp: w.exp, sig: w.sig, as: Extended80.self, &chop)
        // Transcendental results are never exact (except the special cases handled elsewhere),
        // so a tiny result also underflows (masked UE = tiny and inexact) even when the software
        // value happens to fit the format exactly: FYL2X of a denormal y and x = 2^14 gives
        // y * 14, exact here, and the reference CPU reports PE and UE.
        var flags = env.flags | FPFlag.inexact
        if flags & FPFlag.tiny != 0 { flags |= FPFlag.underflow }
        return (r, flags, t != r)
    }

    // MARK: series

    /// A series term below the sum's last bit: it was added once (its sticky bit records the
    /// direction of the error) and the series stops, so later terms cannot cancel that bit.
    @inline(__always) static func negligible(_ term: Wide, _ sum: Wide) -> Bool {
        term.isZero || Int(sum.exp) - Int(term.exp) > 130
    }

    /// sin(r) and cos(r) for |r| <= pi/4 (Taylor series to ~2^-125).
    static func sinCosReduced(_ r: Wide) -> (Wide, Wide) {
        let r2 = r * r
        var term = r, sinSum = r
        var k: Int64 = 1
        for _ in 0..<30 {
            term = (term * r2 / Wide(integer: (2 * k) * (2 * k + 1))).negated
            sinSum = sinSum + term
            if negligible(term, sinSum) { break }
            k += 1
        }
        var cterm = Wide.one, cosSum = Wide.one
        k = 1
        for _ in 0..<30 {
            cterm = (cterm * r2 / Wide(integer: (2 * k - 1) * (2 * k))).negated
            cosSum = cosSum + cterm
            if negligible(cterm, cosSum) { break }
            k += 1
        }
        return (sinSum, cosSum)
    }

    /// sin(x), cos(x) for |x| < 2^63: x = k * pi/2 + r, |r| <= pi/4 (about).
    static func sinCos(_ x: Wide) -> (Wide, Wide) {
        let k = (x / pi66.scaled(-1)).roundedInteger
        let kw = Wide(integer: k)
        // r = x - k*pi/2, the product exact enough: k has 64 bits, pi/2 256 (two parts).
        // The reference CPU reduces with pi rounded toward zero to 66 bits (as Intel documents
        // for its FSIN/FCOS/FPTAN): measured on the host, a more precise pi disagrees for large
        // arguments. Reduce with exactly that value.
        let r = x - kw * pi66.scaled(-1)
        let (s, c) = sinCosReduced(r)
        switch k & 3 {
        case 0: return (s, c)
        case 1: return (c, s.negated)
        case 2: return (s.negated, c.negated)
        default: return (c.negated, s)
        }
    }

    /// e^t - 1 for |t| <= 1 (Taylor series).
    static func expm1(_ t: Wide) -> Wide {
        var term = t, sum = t
        var k: Int64 = 2
        for _ in 0..<40 {
            term = term * t / Wide(integer: k)
            sum = sum + term
            if negligible(term, sum) { break }
            k += 1
        }
        return sum
    }

    /// 2 atanh(s) = ln((1 + s) / (1 - s)) by its series 2 (s + s^3/3 + s^5/5 + ...), for the
    /// small |s| both logarithms below produce.
    static func twoAtanh(_ s: Wide) -> Wide {
        let s2 = s * s
        var power = s, sum = s
        var k: Int64 = 3
        for _ in 0..<60 {
            power = power * s2
            let term = power / Wide(integer: k)
            sum = sum + term
            if negligible(term, sum) { break }
            k += 2
        }
        return sum.scaled(1)
    }

    /// ln(m) for m in [1, 2): 2 * atanh((m-1)/(m+1)).
    static func lnMantissa(_ m: Wide) -> Wide {
        twoAtanh((m - .one) / (m + .one))
    }

    /// log2(x) for x > 0 finite.
    static func log2(_ x: Wide) -> Wide {
        let e = Wide(integer: Int64(x.exp))
        let m = Wide(neg: false, exp: 0, sig: x.sig)
        return e + lnMantissa(m) / ln2
    }

    /// log2(1 + x) for small |x| (FYL2XP1's domain): 2 atanh(x / (2 + x)) / ln 2.
    static func log2p1(_ x: Wide) -> Wide {
        twoAtanh(x / (Wide.one.scaled(1) + x)) / ln2
    }

    /// atan(z) for z >= 0: reduce with atan(z) = pi/2 - atan(1/z) and atan(z) = 2 atan(z / (1 + sqrt(1 + z^2))).
    static func atan(_ zIn: Wide) -> Wide {
        var z = zIn
        // z > 1: sig * 2^(exp-127) with sig in [2^127, 2^128) exceeds 1 when exp > 0 or sig > 2^127.
        let invert = z.exp > 0 || (z.exp == 0 && z.sig > UInt128(1) << 127)
        if invert { z = .one / z }
        // Halve the argument three times: z -> z / (1 + sqrt(1 + z^2)).
        var doublings: Int32 = 0
        for _ in 0..<3 {
            z = z / (Wide.one + sqrt(Wide.one + z * z))
            doublings += 1
        }
        let z2 = z * z
        var power = z, sum = z
        var k: Int64 = 3
        for _ in 0..<50 {
            power = (power * z2).negated
            let term = power / Wide(integer: k)
            sum = sum + term
            if negligible(term, sum) { break }
            k += 2
        }
        let r = sum.scaled(doublings)
        return invert ? pi.scaled(-1) - r : r
    }

    /// Square root by Newton's method (positive argument).
    static func sqrt(_ a: Wide) -> Wide {
        if a.isZero { return .zero }
        // Initial guess: 2^(exp/2).
        var x = Wide(neg: false, exp: a.exp >> 1, sig: UInt128(1) << 127)
        for _ in 0..<12 { x = (x + a / x).scaled(-1) }
        return x
    }
}
