// Unit tests for the software IEEE-754 engine (Emulator/X86/Float/SoftFloat.swift). The oracle is
// the HOST CPU: each case runs the same operation with the same MXCSR / x87 control word through
// inline assembly (Tests/HostOracle/fporacle.c) and the result bits and exception flags must match.
// Operands: special values (±0, ±inf, QNaN, SNaN, denormals, max/min, halfway cases, integer
// boundaries) and random bit patterns, in all four rounding modes, with DAZ/FTZ on and off.
import XCTest
import HostOracle
@testable import X86

final class SoftFloatTests: XCTestCase {
    /// Deterministic xorshift generator (fixed seed: reproducible failures).
    struct Rng {
        var s: UInt64
        mutating func next() -> UInt64 { s ^= s << 13; s ^= s >> 7; s ^= s << 17; return s }
        mutating func pick<T>(_ a: [T]) -> T { a[Int(next() % UInt64(a.count))] }
    }

    static let specials64: [UInt64] = [
        0, 1 << 63, 0x7FF0_0000_0000_0000, 0xFFF0_0000_0000_0000,               // ±0, ±inf
        0x7FF8_0000_0000_0000, 0xFFF8_0000_0000_0000, 0x7FF8_0000_0000_1234,     // QNaNs
        0x7FF0_0000_0000_0001, 0xFFF4_0000_0000_5678,                            // SNaNs
        0x0000_0000_0000_0001, 0x800F_FFFF_FFFF_FFFF, 0x0008_0000_0000_0000,     // denormals
        0x0010_0000_0000_0000, 0x8010_0000_0000_0000, 0x7FEF_FFFF_FFFF_FFFF,     // min normal, max
        0x3FF0_0000_0000_0000, 0xBFF0_0000_0000_0000, 0x3FF8_0000_0000_0000,     // 1, -1, 1.5
        0x4000_0000_0000_0000, 0x3FE0_0000_0000_0000, 0x3CA0_0000_0000_0000,     // 2, 0.5, 2^-53
        0x41E0_0000_0000_0000, 0xC1E0_0000_0000_0000, 0x41DF_FFFF_FFC0_0000,     // ±2^31, 2^31-1
        0xC1E0_0000_0020_0000, 0x43E0_0000_0000_0000, 0xC3E0_0000_0000_0000,     // -2^31-1, ±2^63
        0x43DF_FFFF_FFFF_FFFF, 0x4330_0000_0000_0001, 0x3FF0_0000_0000_0001,     // big ints, 1+ulp
        0x4004_0000_0000_0000, 0xC004_0000_0000_0000, 0x3FE0_0000_0000_0001,     // 2.5, -2.5, 0.5+
        0x36A0_0000_0000_0000, 0x3690_0000_0000_0000, 0x47EF_FFFF_F000_0000,     // near float tiny/max
        0x47EF_FFFF_E000_0000, 0x380F_FFFF_F000_0000, 0x3810_0000_0000_0000,
    ]
    static let specials32: [UInt32] = [
        0, 0x8000_0000, 0x7F80_0000, 0xFF80_0000, 0x7FC0_0000, 0xFFC0_0000, 0x7FC0_1234,
        0x7F80_0001, 0xFFA0_0005, 0x0000_0001, 0x807F_FFFF, 0x0040_0000, 0x0080_0000, 0x8080_0000,
        0x7F7F_FFFF, 0xFF7F_FFFF, 0x3F80_0000, 0xBF80_0000, 0x3FC0_0000, 0x3F00_0000, 0x3380_0000,
        0x4F00_0000, 0xCF00_0000, 0x4EFF_FFFF, 0x5F00_0000, 0xDF00_0000, 0x5EFF_FFFF, 0x4020_0000,
        0xC020_0000, 0x3F00_0001, 0x3F80_0001, 0x0080_0001, 0x4B00_0001,
    ]

    /// A random operand: a special value, a fully random pattern, or a value with a small
    /// exponent spread (so sums/products hit rounding and the denormal range often).
    static func operand64(_ r: inout Rng) -> UInt64 {
        switch r.next() % 4 {
        case 0: return r.pick(specials64)
        case 1: return r.next()
        case 2: return (r.next() & 0x800F_FFFF_FFFF_FFFF) | (UInt64(0x3F0 + r.next() % 32) << 52)
        default: return (r.next() & 0x800F_FFFF_FFFF_FFFF) | ((r.next() % 3 == 0 ? r.next() % 60 : 0x7C0 + r.next() % 63) << 52)
        }
    }
    static func operand32(_ r: inout Rng) -> UInt32 {
        switch r.next() % 4 {
        case 0: return r.pick(specials32)
        case 1: return UInt32(truncatingIfNeeded: r.next())
        case 2: return UInt32(truncatingIfNeeded: r.next() & 0x807F_FFFF) | UInt32(0x78 + r.next() % 16) << 23
        default: return UInt32(truncatingIfNeeded: r.next() & 0x807F_FFFF) | UInt32(r.next() % 3 == 0 ? r.next() % 30 : 0xE0 + r.next() % 31) << 23
        }
    }
    /// Random MXCSR with all exceptions masked: rounding mode, DAZ, FTZ.
    static func mxcsr(_ r: inout Rng) -> UInt32 {
        0x1F80 | UInt32(r.next() % 4) << 13 | (r.next() % 4 == 0 ? 0x40 : 0) | (r.next() % 4 == 0 ? 0x8000 : 0)
    }

    static let cases = 40_000

    func check(_ name: String, _ a: UInt64, _ b: UInt64, _ m: UInt32, host: (UInt64, UInt32), ours: (UInt64, UInt32),
               failures: inout Int) {
        if host.0 != ours.0 || host.1 & 0x3F != ours.1 & 0x3F {
            failures += 1
            if failures <= 10 {
                XCTFail(String(format: "%@ a=%016llx b=%016llx mxcsr=%04x: host %016llx flags %02x, soft %016llx flags %02x",
                               name, a, b, m, host.0, host.1 & 0x3F, ours.0, ours.1 & 0x3F))
            }
        }
    }

    func host(_ op: Int32, _ a: UInt64, _ b: UInt64, _ m: UInt32) -> (UInt64, UInt32) {
        var out: UInt64 = 0
        let after = fpo_sse(op, a, b, m, &out)
        return (out, after & 0x3F)
    }

    func testBinary64ArithmeticAgainstHost() throws {
        #if !arch(x86_64)
        throw XCTSkip("host CPU oracle needs x86-64")
        #endif
        var r = Rng(s: 0x1234_5678_9ABC_DEF1)
        var failures = 0
        let ops: [(String, Int32, (UInt64, UInt64, inout FPEnv) -> UInt64)] = [
            ("addsd", Int32(FPO_ADDSD), { SoftFloat.add($0, $1, Binary64.self, &$2) }),
            ("subsd", Int32(FPO_SUBSD), { SoftFloat.sub($0, $1, Binary64.self, &$2) }),
            ("mulsd", Int32(FPO_MULSD), { SoftFloat.mul($0, $1, Binary64.self, &$2) }),
            ("divsd", Int32(FPO_DIVSD), { SoftFloat.div($0, $1, Binary64.self, &$2) }),
            ("sqrtsd", Int32(FPO_SQRTSD), { (_, b, e) in SoftFloat.sqrt(b, Binary64.self, &e) }),
            ("minsd", Int32(FPO_MINSD), { SoftFloat.sseMin($0, $1, Binary64.self, &$2) }),
            ("maxsd", Int32(FPO_MAXSD), { SoftFloat.sseMax($0, $1, Binary64.self, &$2) }),
            ("roundsd", Int32(FPO_ROUNDSD), { (_, b, e) in SoftFloat.roundToIntegral(b, Binary64.self, &e) }),
        ]
        for (name, op, soft) in ops {
            for _ in 0..<Self.cases {
                let a = Self.operand64(&r), b = Self.operand64(&r), m = Self.mxcsr(&r)
                var env = FPEnv(mxcsr: m)
                let v = soft(a, b, &env)
                check(name, a, b, m, host: host(op, a, b, m), ours: (v, env.flags), failures: &failures)
            }
        }
        XCTAssertEqual(failures, 0)
    }

    func testBinary32ArithmeticAgainstHost() throws {
        #if !arch(x86_64)
        throw XCTSkip("host CPU oracle needs x86-64")
        #endif
        var r = Rng(s: 0x2545_F491_4F6C_DD1D)
        var failures = 0
        let ops: [(String, Int32, (UInt32, UInt32, inout FPEnv) -> UInt32)] = [
            ("addss", Int32(FPO_ADDSS), { SoftFloat.add($0, $1, Binary32.self, &$2) }),
            ("subss", Int32(FPO_SUBSS), { SoftFloat.sub($0, $1, Binary32.self, &$2) }),
            ("mulss", Int32(FPO_MULSS), { SoftFloat.mul($0, $1, Binary32.self, &$2) }),
            ("divss", Int32(FPO_DIVSS), { SoftFloat.div($0, $1, Binary32.self, &$2) }),
            ("sqrtss", Int32(FPO_SQRTSS), { (_, b, e) in SoftFloat.sqrt(b, Binary32.self, &e) }),
            ("minss", Int32(FPO_MINSS), { SoftFloat.sseMin($0, $1, Binary32.self, &$2) }),
            ("maxss", Int32(FPO_MAXSS), { SoftFloat.sseMax($0, $1, Binary32.self, &$2) }),
            ("roundss", Int32(FPO_ROUNDSS), { (_, b, e) in SoftFloat.roundToIntegral(b, Binary32.self, &e) }),
        ]
        for (name, op, soft) in ops {
            for _ in 0..<Self.cases {
                let a = Self.operand32(&r), b = Self.operand32(&r), m = Self.mxcsr(&r)
                var env = FPEnv(mxcsr: m)
                let v = soft(a, b, &env)
                let h = host(op, UInt64(a), UInt64(b), m)
                check(name, UInt64(a), UInt64(b), m, host: (h.0 & 0xFFFF_FFFF, h.1), ours: (UInt64(v), env.flags), failures: &failures)
            }
        }
        XCTAssertEqual(failures, 0)
    }

    func testConversionsAndComparisonsAgainstHost() throws {
        #if !arch(x86_64)
        throw XCTSkip("host CPU oracle needs x86-64")
        #endif
        var r = Rng(s: 0x9E37_79B9_7F4A_7C15)
        var failures = 0
        func rel(_ x: FPRelation) -> UInt64 {
            // COMISx: unordered ZF=PF=CF=1, less CF=1, equal ZF=1, greater none.
            switch x { case .unordered: return 0x45; case .less: return 0x1; case .equal: return 0x40; case .greater: return 0 }
        }
        for _ in 0..<Self.cases {
            let m = Self.mxcsr(&r)
            let d = Self.operand64(&r), f = Self.operand32(&r), d2 = Self.operand64(&r), f2 = Self.operand32(&r)
            // Integers near the interesting boundaries (exactly representable or not).
            let i: UInt64 = r.next() % 2 == 0 ? r.next() : r.next() >> (r.next() % 64)
            var e = FPEnv(mxcsr: m)
            var v: UInt64
            v = UInt64(SoftFloat.convert(f, from: Binary32.self, to: Binary64.self, &e))
            check("cvtss2sd", 0, UInt64(f), m, host: host(Int32(FPO_CVTSS2SD), 0, UInt64(f), m), ours: (v, e.flags), failures: &failures)
            e = FPEnv(mxcsr: m)
            v = UInt64(SoftFloat.convert(d, from: Binary64.self, to: Binary32.self, &e) as UInt32)
            var h = host(Int32(FPO_CVTSD2SS), 0, d, m); h.0 &= 0xFFFF_FFFF
            check("cvtsd2ss", 0, d, m, host: h, ours: (v, e.flags), failures: &failures)
            for trunc in [false, true] {
                e = FPEnv(mxcsr: m)
                v = UInt64(bitPattern: Int64(SoftFloat.toInt32(d, Binary64.self, &e, truncate: trunc)))
                check(trunc ? "cvttsd2si32" : "cvtsd2si32", 0, d, m, host: host(Int32(trunc ? FPO_CVTTSD2SI32 : FPO_CVTSD2SI32), 0, d, m), ours: (v, e.flags), failures: &failures)
                e = FPEnv(mxcsr: m)
                v = UInt64(bitPattern: SoftFloat.toInt64(d, Binary64.self, &e, truncate: trunc))
                check(trunc ? "cvttsd2si64" : "cvtsd2si64", 0, d, m, host: host(Int32(trunc ? FPO_CVTTSD2SI64 : FPO_CVTSD2SI64), 0, d, m), ours: (v, e.flags), failures: &failures)
                e = FPEnv(mxcsr: m)
                v = UInt64(bitPattern: Int64(SoftFloat.toInt32(f, Binary32.self, &e, truncate: trunc)))
                check(trunc ? "cvttss2si32" : "cvtss2si32", 0, UInt64(f), m, host: host(Int32(trunc ? FPO_CVTTSS2SI32 : FPO_CVTSS2SI32), 0, UInt64(f), m), ours: (v, e.flags), failures: &failures)
                e = FPEnv(mxcsr: m)
                v = UInt64(bitPattern: SoftFloat.toInt64(f, Binary32.self, &e, truncate: trunc))
                check(trunc ? "cvttss2si64" : "cvtss2si64", 0, UInt64(f), m, host: host(Int32(trunc ? FPO_CVTTSS2SI64 : FPO_CVTSS2SI64), 0, UInt64(f), m), ours: (v, e.flags), failures: &failures)
            }
            e = FPEnv(mxcsr: m)
            v = SoftFloat.fromInt64(Int64(bitPattern: i), Binary64.self, &e)
            check("cvtsi2sd64", i, 0, m, host: host(Int32(FPO_CVTSI2SD64), i, 0, m), ours: (v, e.flags), failures: &failures)
            e = FPEnv(mxcsr: m)
            v = SoftFloat.fromInt32(Int32(truncatingIfNeeded: i), Binary64.self, &e)
            check("cvtsi2sd32", i, 0, m, host: host(Int32(FPO_CVTSI2SD32), i, 0, m), ours: (v, e.flags), failures: &failures)
            e = FPEnv(mxcsr: m)
            v = UInt64(SoftFloat.fromInt64(Int64(bitPattern: i), Binary32.self, &e))
            h = host(Int32(FPO_CVTSI2SS64), i, 0, m); h.0 &= 0xFFFF_FFFF
            check("cvtsi2ss64", i, 0, m, host: h, ours: (v, e.flags), failures: &failures)
            e = FPEnv(mxcsr: m)
            v = UInt64(SoftFloat.fromInt32(Int32(truncatingIfNeeded: i), Binary32.self, &e))
            h = host(Int32(FPO_CVTSI2SS32), i, 0, m); h.0 &= 0xFFFF_FFFF
            check("cvtsi2ss32", i, 0, m, host: h, ours: (v, e.flags), failures: &failures)
            for signaling in [true, false] {
                let b64 = r.next() % 4 == 0 ? d : d2, b32 = r.next() % 4 == 0 ? f : f2
                e = FPEnv(mxcsr: m)
                v = rel(SoftFloat.compare(d, b64, Binary64.self, signaling: signaling, &e))
                check(signaling ? "comisd" : "ucomisd", d, b64, m, host: host(Int32(signaling ? FPO_COMISD : FPO_UCOMISD), d, b64, m), ours: (v, e.flags), failures: &failures)
                e = FPEnv(mxcsr: m)
                v = rel(SoftFloat.compare(f, b32, Binary32.self, signaling: signaling, &e))
                check(signaling ? "comiss" : "ucomiss", UInt64(f), UInt64(b32), m, host: host(Int32(signaling ? FPO_COMISS : FPO_UCOMISS), UInt64(f), UInt64(b32), m), ours: (v, e.flags), failures: &failures)
            }
        }
        XCTAssertEqual(failures, 0)
    }

    // MARK: - Extended precision (x87) against the host FPU

    static func ext(_ v: Float80Bits) -> [UInt8] {
        withUnsafeBytes(of: v.sig.littleEndian, Array.init) + withUnsafeBytes(of: v.signExp.littleEndian, Array.init)
    }
    static func operand80(_ r: inout Rng) -> Float80Bits {
        let specials: [Float80Bits] = [
            .init(sig: 0, signExp: 0), .init(sig: 0, signExp: 0x8000), .init(sig: 1 << 63, signExp: 0x7FFF),
            .init(sig: 1 << 63, signExp: 0xFFFF), .init(sig: 0xC000_0000_0000_0000, signExp: 0x7FFF),
            .init(sig: 0xC000_0000_0000_0001, signExp: 0xFFFF), .init(sig: 0x8000_0000_0000_0001, signExp: 0x7FFF),
            .init(sig: 0xA000_0000_0000_0000, signExp: 0xFFFF), .init(sig: 1, signExp: 0), .init(sig: 0x7FFF_FFFF_FFFF_FFFF, signExp: 0x8000),
            .init(sig: 1 << 63, signExp: 1), .init(sig: ~0, signExp: 0x7FFE), .init(sig: 1 << 63, signExp: 0x3FFF),
            .init(sig: 0xC000_0000_0000_0000, signExp: 0x3FFF), .init(sig: 0x8000_0000_0000_0001, signExp: 0x3FFF),
            .init(sig: 0xA000_0000_0000_0000, signExp: 0x4000), .init(sig: 0x8000_0000_0000_0400, signExp: 0x3FFF),
            .init(sig: 0x8000_0000_0000_0000, signExp: 0x3FFE),
            // Encodings the 387+ reject or treat specially: unnormal, pseudo-infinity, pseudo-NaN,
            // pseudo-denormal (integer bit set with a zero exponent).
            .init(sig: 0x4000_0000_0000_0000, signExp: 0x3FFF), .init(sig: 0, signExp: 0x7FFF),
            .init(sig: 0x4000_0000_0000_0001, signExp: 0xFFFF), .init(sig: 0x8000_0000_0000_0001, signExp: 0),
        ]
        switch r.next() % 4 {
        case 0: return r.pick(specials)
        case 1: return Float80Bits(sig: r.next() | 1 << 63, signExp: UInt16(truncatingIfNeeded: r.next()) | (r.next() % 8 == 0 ? 0 : 0))
        case 2: return Float80Bits(sig: r.next() | 1 << 63, signExp: UInt16(0x3FF0 + r.next() % 32) | UInt16(r.next() % 2) << 15)
        default:
            let e = r.next() % 3 == 0 ? r.next() % 70 : 0x7FFE - r.next() % 70
            return Float80Bits(sig: e == 0 ? r.next() >> 1 : r.next() | 1 << 63, signExp: UInt16(e) | UInt16(r.next() % 2) << 15)
        }
    }

    func testExtendedAgainstHostX87() throws {
        #if !arch(x86_64)
        throw XCTSkip("host CPU oracle needs x86-64")
        #endif
        var r = Rng(s: 0xD1B5_4A32_D192_ED03)
        var failures = 0
        let ops: [(String, Int32, (Float80Bits, Float80Bits, inout FPEnv) -> Float80Bits)] = [
            ("fadd", Int32(FPO_X_ADD), { SoftFloat.add($0, $1, Extended80.self, &$2) }),
            ("fsub", Int32(FPO_X_SUB), { SoftFloat.sub($0, $1, Extended80.self, &$2) }),
            ("fmul", Int32(FPO_X_MUL), { SoftFloat.mul($0, $1, Extended80.self, &$2) }),
            ("fdiv", Int32(FPO_X_DIV), { SoftFloat.div($0, $1, Extended80.self, &$2) }),
            ("fsqrt", Int32(FPO_X_SQRT), { (a, _, e) in SoftFloat.sqrt(a, Extended80.self, &e) }),
            ("frndint", Int32(FPO_X_RNDINT), { (a, _, e) in SoftFloat.roundToIntegral(a, Extended80.self, &e, reportDenormal: true) }),
        ]
        for (name, op, soft) in ops {
            for _ in 0..<Self.cases / 2 {
                let a = Self.operand80(&r), b = Self.operand80(&r)
                let rc = UInt32(r.next() % 4), pc = [0, 2, 3, 3][Int(r.next() % 4)]
                let cw = UInt16(0x3F | pc << 8 | Int(rc) << 10)
                var env = FPEnv(rounding: rc, precision: [24, 24, 53, 64][pc], nanRule: .x87)
                let v = soft(a, b, &env)
                var out = [UInt8](repeating: 0, count: 10)
                let sw = fpo_x87(op, Self.ext(a), Self.ext(b), cw, &out)
                // x87 reports UE only when tiny AND inexact (masked), as SoftFloat's UE; C1 (bit 9)
                // is the round-up bit, checked by the x87 unit itself.
                if out != Self.ext(v) || UInt32(sw) & 0x3F != env.flags & 0x3F {
                    failures += 1
                    if failures <= 10 {
                        XCTFail("\(name) a=\(Self.ext(a)) b=\(Self.ext(b)) cw=\(String(cw, radix: 16)): host \(out) sw \(String(sw & 0x3F, radix: 16)), soft \(Self.ext(v)) flags \(String(env.flags & 0x3F, radix: 16))")
                    }
                }
            }
        }
        // Conversions binary64/binary32 <-> extended (FLD m64/m32, FST m64/m32).
        for _ in 0..<Self.cases {
            let rc = UInt32(r.next() % 4)
            let cw = UInt16(0x37F & ~0xC00 | Int(rc) << 10)
            let d = Self.operand64(&r), f = Self.operand32(&r), x = Self.operand80(&r)
            var out = [UInt8](repeating: 0, count: 10)
            var env = FPEnv(rounding: rc, nanRule: .x87)
            var sw = fpo_x87(Int32(FPO_X_LOAD64), withUnsafeBytes(of: d, Array.init), [], cw, &out)
            var v = Self.ext(SoftFloat.convert(d, from: Binary64.self, to: Extended80.self, &env))
            if out != v || UInt32(sw) & 0x3F != env.flags & 0x3F { failures += 1; if failures <= 10 { XCTFail("fld m64 \(d): host \(out) \(sw & 0x3F) soft \(v) \(env.flags)") } }
            env = FPEnv(rounding: rc, nanRule: .x87); out = [UInt8](repeating: 0, count: 10)
            sw = fpo_x87(Int32(FPO_X_LOAD32), withUnsafeBytes(of: f, Array.init), [], cw, &out)
            v = Self.ext(SoftFloat.convert(f, from: Binary32.self, to: Extended80.self, &env))
            if out != v || UInt32(sw) & 0x3F != env.flags & 0x3F { failures += 1; if failures <= 10 { XCTFail("fld m32 \(f): host \(out) \(sw & 0x3F) soft \(v) \(env.flags)") } }
            env = FPEnv(rounding: rc, nanRule: .x87); out = [UInt8](repeating: 0, count: 10)
            sw = fpo_x87(Int32(FPO_X_STORE64), Self.ext(x), [], cw, &out)
            let s64 = SoftFloat.convert(x, from: Extended80.self, to: Binary64.self, &env, reportDenormal: false)
            if Array(out[0..<8]) != withUnsafeBytes(of: s64, Array.init) || UInt32(sw) & 0x3F != env.flags & 0x3F {
                failures += 1; if failures <= 10 { XCTFail("fst m64 \(Self.ext(x)) rc \(rc): host \(out) \(sw & 0x3F) soft \(String(s64, radix: 16)) \(env.flags)") }
            }
            env = FPEnv(rounding: rc, nanRule: .x87); out = [UInt8](repeating: 0, count: 10)
            sw = fpo_x87(Int32(FPO_X_STORE32), Self.ext(x), [], cw, &out)
            let s32 = SoftFloat.convert(x, from: Extended80.self, to: Binary32.self, &env, reportDenormal: false)
            if Array(out[0..<4]) != withUnsafeBytes(of: s32, Array.init) || UInt32(sw) & 0x3F != env.flags & 0x3F {
                failures += 1; if failures <= 10 { XCTFail("fst m32 \(Self.ext(x)) rc \(rc): host \(out) \(sw & 0x3F) soft \(String(s32, radix: 16)) \(env.flags)") }
            }
        }
        XCTAssertEqual(failures, 0)
    }
}
