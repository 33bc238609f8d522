// Layer: X86 (CPU model), instruction handlers: SSE3 data movement (MOVSLDUP, MOVSHDUP,
// MOVDDUP, LDDQU) and floating point (ADDSUBPS/PD, HADDPS/PD, HSUBPS/PD, computed with the
// software IEEE core in Float/SoftFloat.swift). MONITOR/MWAIT are not implemented (CPUID leaf 1
// ECX.MONITOR stays clear, so 0F 01 C8/C9 raise #UD).

/// MOVSLDUP: the even single-precision lanes duplicated (lanes 0,0,2,2).
enum MovSLDup: XmmBinaryOp {
    @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 {
        let a = s.lo & 0xFFFF_FFFF, b = s.hi & 0xFFFF_FFFF
        return V128(lo: a | a << 32, hi: b | b << 32)
    }
}
/// MOVSHDUP: the odd single-precision lanes duplicated (lanes 1,1,3,3).
enum MovSHDup: XmmBinaryOp {
    @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 {
        let a = s.lo >> 32, b = s.hi >> 32
        return V128(lo: a | a << 32, hi: b | b << 32)
    }
}
/// MOVDDUP: the low double in both halves (the memory form reads only 64 bits).
enum MovDDup: XmmBinaryOp {
    @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 { V128(lo: s.lo, hi: s.lo) }
}

extension SSE {
    static let movsldup = xmmSet(XmmBinary<MovSLDup>.reg, XmmBinary<MovSLDup>.mem)
    static let movshdup = xmmSet(XmmBinary<MovSHDup>.reg, XmmBinary<MovSHDup>.mem)
    static let movddup = xmmSet(XmmBinary<MovDDup>.reg, XmmLow<MovDDup, UInt64>.mem)
    /// LDDQU: a 128-bit load with no alignment requirement (memory only).
    static let lddqu = xmmSet(nil, SSE.loadU)
}

// MARK: floating point. Each lane is one IEEE operation rounded per MXCSR; the NaN rule is
// SSE's (the first operand's NaN wins), the first operand being the left one written below.

enum SSE3Float {
    @inline(__always) static func f32(_ v: V128, _ k: Int) -> UInt32 { v.lane(k, UInt32.self) }
    @inline(__always) static func add32(_ a: UInt32, _ b: UInt32, _ env: inout FPEnv) -> UInt32 { SoftFloat.add(a, b, Binary32.self, &env) }
    @inline(__always) static func sub32(_ a: UInt32, _ b: UInt32, _ env: inout FPEnv) -> UInt32 { SoftFloat.sub(a, b, Binary32.self, &env) }
    @inline(__always) static func add64(_ a: UInt64, _ b: UInt64, _ env: inout FPEnv) -> UInt64 { SoftFloat.add(a, b, Binary64.self, &env) }
    @inline(__always) static func sub64(_ a: UInt64, _ b: UInt64, _ env: inout FPEnv) -> UInt64 { SoftFloat.sub(a, b, Binary64.self, &env) }
    @inline(__always) static func pack32(_ r0: UInt32, _ r1: UInt32, _ r2: UInt32, _ r3: UInt32) -> V128 {
        V128(lo: UInt64(r0) | UInt64(r1) << 32, hi: UInt64(r2) | UInt64(r3) << 32)
    }
}

/// ADDSUBPS: even lanes d - s, odd lanes d + s.
enum AddSubPS: XmmFloatOp {
    @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8, _ env: inout FPEnv) -> V128 {
        typealias F = SSE3Float
        let r0 = F.sub32(F.f32(d, 0), F.f32(s, 0), &env), r1 = F.add32(F.f32(d, 1), F.f32(s, 1), &env)
        let r2 = F.sub32(F.f32(d, 2), F.f32(s, 2), &env), r3 = F.add32(F.f32(d, 3), F.f32(s, 3), &env)
        return F.pack32(r0, r1, r2, r3)
    }
}
enum AddSubPD: XmmFloatOp {
    @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8, _ env: inout FPEnv) -> V128 {
        let lo = SSE3Float.sub64(d.lo, s.lo, &env), hi = SSE3Float.add64(d.hi, s.hi, &env)
        return V128(lo: lo, hi: hi)
    }
}
/// HADDPS: (d0+d1, d2+d3, s0+s1, s2+s3); HSUBPS the same with subtraction.
enum HAddPS: XmmFloatOp {
    @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8, _ env: inout FPEnv) -> V128 {
        typealias F = SSE3Float
        let r0 = F.add32(F.f32(d, 0), F.f32(d, 1), &env), r1 = F.add32(F.f32(d, 2), F.f32(d, 3), &env)
        let r2 = F.add32(F.f32(s, 0), F.f32(s, 1), &env), r3 = F.add32(F.f32(s, 2), F.f32(s, 3), &env)
        return F.pack32(r0, r1, r2, r3)
    }
}
enum HSubPS: XmmFloatOp {
    @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8, _ env: inout FPEnv) -> V128 {
        typealias F = SSE3Float
        let r0 = F.sub32(F.f32(d, 0), F.f32(d, 1), &env), r1 = F.sub32(F.f32(d, 2), F.f32(d, 3), &env)
        let r2 = F.sub32(F.f32(s, 0), F.f32(s, 1), &env), r3 = F.sub32(F.f32(s, 2), F.f32(s, 3), &env)
        return F.pack32(r0, r1, r2, r3)
    }
}
/// HADDPD: (d0+d1, s0+s1); HSUBPD: (d0-d1, s0-s1).
enum HAddPD: XmmFloatOp {
    @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8, _ env: inout FPEnv) -> V128 {
        let lo = SSE3Float.add64(d.lo, d.hi, &env), hi = SSE3Float.add64(s.lo, s.hi, &env)
        return V128(lo: lo, hi: hi)
    }
}
enum HSubPD: XmmFloatOp {
    @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8, _ env: inout FPEnv) -> V128 {
        let lo = SSE3Float.sub64(d.lo, d.hi, &env), hi = SSE3Float.sub64(s.lo, s.hi, &env)
        return V128(lo: lo, hi: hi)
    }
}

extension SSE {
    static let addSubPS = xmmSet(XmmFloat<AddSubPS>.reg, XmmFloat<AddSubPS>.mem)
    static let addSubPD = xmmSet(XmmFloat<AddSubPD>.reg, XmmFloat<AddSubPD>.mem)
    static let hAddPS = xmmSet(XmmFloat<HAddPS>.reg, XmmFloat<HAddPS>.mem)
    static let hSubPS = xmmSet(XmmFloat<HSubPS>.reg, XmmFloat<HSubPS>.mem)
    static let hAddPD = xmmSet(XmmFloat<HAddPD>.reg, XmmFloat<HAddPD>.mem)
    static let hSubPD = xmmSet(XmmFloat<HSubPD>.reg, XmmFloat<HSubPD>.mem)
}
