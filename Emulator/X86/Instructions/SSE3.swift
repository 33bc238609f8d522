// Layer: X86 (CPU model), instruction handlers: SSE3 data movement (MOVSLDUP, MOVSHDUP,
// MOVDDUP, LDDQU). MONITOR/MWAIT are not implemented (CPUID leaf 1 ECX.MONITOR stays clear, so
// 0F 01 C8/C9 raise #UD). The floating-point SSE3 instructions (ADDSUBPS/PD, HADDPS/PD,
// HSUBPS/PD) need the software IEEE core and are not here yet.

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
