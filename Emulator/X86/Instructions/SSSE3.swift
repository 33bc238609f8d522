// Layer: X86 (CPU model), instruction handlers: SSSE3 on XMM registers (66 0F 38 00-0B, 1C-1E,
// 66 0F 3A 0F): PSHUFB, PHADDW/D/SW, PHSUBW/D/SW, PMADDUBSW, PMULHRSW, PSIGNB/W/D,
// PABSB/W/D, PALIGNR. The MMX forms (no 66 prefix) reuse these operations (Instructions/MMX.swift).
// Horizontal operations work on adjacent lane pairs: the destination's pairs fill the low
// half of the result, the source's pairs the high half.

enum SSSE3Lanes {
    /// PHADD*/PHSUB*: pairs (2k, 2k+1) of d give lanes 0..n/2-1, pairs of s the rest.
    @inline(__always) static func horizontal<T: FixedWidthInteger>(_ d: V128, _ s: V128, _ t: T.Type, _ f: (T, T) -> T) -> V128 {
        var r = V128(lo: 0, hi: 0)
        let n = 16 / MemoryLayout<T>.size, h = n / 2
        for k in 0..<h {
            r.setLane(k, f(d.lane(2 * k, T.self), d.lane(2 * k + 1, T.self)))
            r.setLane(k + h, f(s.lane(2 * k, T.self), s.lane(2 * k + 1, T.self)))
        }
        return r
    }
    /// PSIGN*: negate d where s < 0, zero where s == 0, keep where s > 0 (negation wraps:
    /// the most negative value stays itself).
    @inline(__always) static func sign<T: FixedWidthInteger & SignedInteger>(_ d: V128, _ s: V128, _ t: T.Type) -> V128 {
        V128.zip(d, s, T.self) { a, b in b < 0 ? 0 &- a : (b == 0 ? 0 : a) }
    }
    /// PABS*: |s| as an unsigned lane (|-128| = 0x80).
    @inline(__always) static func abs<T: FixedWidthInteger & SignedInteger>(_ s: V128, _ t: T.Type) -> V128 {
        V128.map(s, T.self) { $0 < 0 ? 0 &- $0 : $0 }
    }
}

enum PShufB: XmmBinaryOp {
    /// Byte k of the result: 0 if bit 7 of s[k] is set, else d[s[k] & 15].
    @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 {
        var r = V128(lo: 0, hi: 0)
        for k in 0..<16 {
            let c = s.lane(k, UInt8.self)
            r.setLane(k, c & 0x80 != 0 ? 0 : d.lane(Int(c & 15), UInt8.self))
        }
        return r
    }
}
enum PHAddW: XmmBinaryOp { @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 { SSSE3Lanes.horizontal(d, s, UInt16.self) { $0 &+ $1 } } }
enum PHAddD: XmmBinaryOp { @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 { SSSE3Lanes.horizontal(d, s, UInt32.self) { $0 &+ $1 } } }
enum PHAddSW: XmmBinaryOp { @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 { SSSE3Lanes.horizontal(d, s, Int16.self) { Int16(clamping: Int32($0) + Int32($1)) } } }
enum PHSubW: XmmBinaryOp { @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 { SSSE3Lanes.horizontal(d, s, UInt16.self) { $0 &- $1 } } }
enum PHSubD: XmmBinaryOp { @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 { SSSE3Lanes.horizontal(d, s, UInt32.self) { $0 &- $1 } } }
enum PHSubSW: XmmBinaryOp { @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 { SSSE3Lanes.horizontal(d, s, Int16.self) { Int16(clamping: Int32($0) - Int32($1)) } } }
enum PMAddUBSW: XmmBinaryOp {
    /// Unsigned bytes of the destination times signed bytes of the source; adjacent products
    /// summed with signed saturation to 16 bits.
    @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 {
        var r = V128(lo: 0, hi: 0)
        for k in 0..<8 {
            let p0 = Int32(d.lane(2 * k, UInt8.self)) * Int32(s.lane(2 * k, Int8.self))
            let p1 = Int32(d.lane(2 * k + 1, UInt8.self)) * Int32(s.lane(2 * k + 1, Int8.self))
            r.setLane(k, Int16(clamping: p0 + p1))
        }
        return r
    }
}
enum PMulHRSW: XmmBinaryOp {
    /// (a*b >> 14) + 1 >> 1: the high half of the product, rounded; only -32768 * -32768
    /// overflows (to 0x8000), which truncation reproduces.
    @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 {
        V128.zip(d, s, Int16.self) { a, b in Int16(truncatingIfNeeded: ((Int32(a) * Int32(b)) >> 14 &+ 1) >> 1) }
    }
}
enum PSignB: XmmBinaryOp { @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 { SSSE3Lanes.sign(d, s, Int8.self) } }
enum PSignW: XmmBinaryOp { @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 { SSSE3Lanes.sign(d, s, Int16.self) } }
enum PSignD: XmmBinaryOp { @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 { SSSE3Lanes.sign(d, s, Int32.self) } }
enum PAbsB: XmmBinaryOp { @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 { SSSE3Lanes.abs(s, Int8.self) } }
enum PAbsW: XmmBinaryOp { @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 { SSSE3Lanes.abs(s, Int16.self) } }
enum PAbsD: XmmBinaryOp { @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 { SSSE3Lanes.abs(s, Int32.self) } }
enum PAlignR: XmmBinaryOp {
    /// The 32-byte value d:s (d high) shifted right by imm8 bytes; the low 16 bytes remain
    /// (imm8 >= 32 gives zero).
    @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 {
        var r = V128(lo: 0, hi: 0)
        for k in 0..<16 {
            let src = k + Int(imm)
            let b: UInt8 = src < 16 ? s.lane(src, UInt8.self) : (src < 32 ? d.lane(src - 16, UInt8.self) : 0)
            r.setLane(k, b)
        }
        return r
    }
}

extension SSE {
    static let pShufB = xmmSet(XmmBinary<PShufB>.reg, XmmBinary<PShufB>.mem)
    static let pHAddW = xmmSet(XmmBinary<PHAddW>.reg, XmmBinary<PHAddW>.mem)
    static let pHAddD = xmmSet(XmmBinary<PHAddD>.reg, XmmBinary<PHAddD>.mem)
    static let pHAddSW = xmmSet(XmmBinary<PHAddSW>.reg, XmmBinary<PHAddSW>.mem)
    static let pHSubW = xmmSet(XmmBinary<PHSubW>.reg, XmmBinary<PHSubW>.mem)
    static let pHSubD = xmmSet(XmmBinary<PHSubD>.reg, XmmBinary<PHSubD>.mem)
    static let pHSubSW = xmmSet(XmmBinary<PHSubSW>.reg, XmmBinary<PHSubSW>.mem)
    static let pMAddUBSW = xmmSet(XmmBinary<PMAddUBSW>.reg, XmmBinary<PMAddUBSW>.mem)
    static let pMulHRSW = xmmSet(XmmBinary<PMulHRSW>.reg, XmmBinary<PMulHRSW>.mem)
    static let pSignB = xmmSet(XmmBinary<PSignB>.reg, XmmBinary<PSignB>.mem)
    static let pSignW = xmmSet(XmmBinary<PSignW>.reg, XmmBinary<PSignW>.mem)
    static let pSignD = xmmSet(XmmBinary<PSignD>.reg, XmmBinary<PSignD>.mem)
    static let pAbsB = xmmSet(XmmBinary<PAbsB>.reg, XmmBinary<PAbsB>.mem)
    static let pAbsW = xmmSet(XmmBinary<PAbsW>.reg, XmmBinary<PAbsW>.mem)
    static let pAbsD = xmmSet(XmmBinary<PAbsD>.reg, XmmBinary<PAbsD>.mem)
    static let pAlignR = xmmSet(XmmBinary<PAlignR>.reg, XmmBinary<PAlignR>.mem)
}
