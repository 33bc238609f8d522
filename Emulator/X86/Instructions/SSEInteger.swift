// Layer: X86 (CPU model), instruction handlers: SSE2 packed integer and 128-bit logic
// (PADD*/PSUB* incl. saturating, PCMPEQ*/PCMPGT*, PMIN/PMAX, PAVG, PMUL*, PMADDWD, PSADBW,
// shifts by register and immediate incl. PSLLDQ/PSRLDQ, PACK*, PUNPCK*, PSHUF*, PAND/POR/
// PXOR/PANDN and the float-typed logic and shuffles ANDPS..XORPD, SHUFPS/SHUFPD, UNPCK*).
// Every operation is a pure function of (destination, source, imm8) on 128-bit values
// (XmmBinaryOp); XmmBinary<Op> supplies the register and aligned-memory handlers.

enum PAddB: XmmBinaryOp { @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 { V128.zip(d, s, UInt8.self) { $0 &+ $1 } } }
enum PAddW: XmmBinaryOp { @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 { V128.zip(d, s, UInt16.self) { $0 &+ $1 } } }
enum PAddD: XmmBinaryOp { @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 { V128.zip(d, s, UInt32.self) { $0 &+ $1 } } }
enum PAddQ: XmmBinaryOp { @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 { V128.zip(d, s, UInt64.self) { $0 &+ $1 } } }
enum PSubB: XmmBinaryOp { @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 { V128.zip(d, s, UInt8.self) { $0 &- $1 } } }
enum PSubW: XmmBinaryOp { @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 { V128.zip(d, s, UInt16.self) { $0 &- $1 } } }
enum PSubD: XmmBinaryOp { @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 { V128.zip(d, s, UInt32.self) { $0 &- $1 } } }
enum PSubQ: XmmBinaryOp { @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 { V128.zip(d, s, UInt64.self) { $0 &- $1 } } }
enum PAddSB: XmmBinaryOp { @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 { V128.zip(d, s, Int8.self) { Int8(clamping: Int($0) + Int($1)) } } }
enum PAddSW: XmmBinaryOp { @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 { V128.zip(d, s, Int16.self) { Int16(clamping: Int($0) + Int($1)) } } }
enum PSubSB: XmmBinaryOp { @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 { V128.zip(d, s, Int8.self) { Int8(clamping: Int($0) - Int($1)) } } }
enum PSubSW: XmmBinaryOp { @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 { V128.zip(d, s, Int16.self) { Int16(clamping: Int($0) - Int($1)) } } }
enum PAddUSB: XmmBinaryOp { @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 { V128.zip(d, s, UInt8.self) { UInt8(clamping: Int($0) + Int($1)) } } }
enum PAddUSW: XmmBinaryOp { @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 { V128.zip(d, s, UInt16.self) { UInt16(clamping: Int($0) + Int($1)) } } }
enum PSubUSB: XmmBinaryOp { @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 { V128.zip(d, s, UInt8.self) { UInt8(clamping: Int($0) - Int($1)) } } }
enum PSubUSW: XmmBinaryOp { @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 { V128.zip(d, s, UInt16.self) { UInt16(clamping: Int($0) - Int($1)) } } }
enum PCmpEqB: XmmBinaryOp { @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 { V128.zip(d, s, UInt8.self) { $0 == $1 ? ~0 : 0 } } }
enum PCmpEqW: XmmBinaryOp { @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 { V128.zip(d, s, UInt16.self) { $0 == $1 ? ~0 : 0 } } }
enum PCmpEqD: XmmBinaryOp { @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 { V128.zip(d, s, UInt32.self) { $0 == $1 ? ~0 : 0 } } }
enum PCmpGtB: XmmBinaryOp { @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 { V128.zip(d, s, Int8.self) { $0 > $1 ? -1 : 0 } } }
enum PCmpGtW: XmmBinaryOp { @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 { V128.zip(d, s, Int16.self) { $0 > $1 ? -1 : 0 } } }
enum PCmpGtD: XmmBinaryOp { @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 { V128.zip(d, s, Int32.self) { $0 > $1 ? -1 : 0 } } }
enum PMinUB: XmmBinaryOp { @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 { V128.zip(d, s, UInt8.self) { min($0, $1) } } }
enum PMaxUB: XmmBinaryOp { @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 { V128.zip(d, s, UInt8.self) { max($0, $1) } } }
enum PMinSW: XmmBinaryOp { @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 { V128.zip(d, s, Int16.self) { min($0, $1) } } }
enum PMaxSW: XmmBinaryOp { @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 { V128.zip(d, s, Int16.self) { max($0, $1) } } }
enum PAvgB: XmmBinaryOp { @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 { V128.zip(d, s, UInt8.self) { UInt8(truncatingIfNeeded: (UInt16($0) + UInt16($1) + 1) >> 1) } } }
enum PAvgW: XmmBinaryOp { @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 { V128.zip(d, s, UInt16.self) { UInt16(truncatingIfNeeded: (UInt32($0) + UInt32($1) + 1) >> 1) } } }
enum PMulLW: XmmBinaryOp { @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 { V128.zip(d, s, UInt16.self) { $0 &* $1 } } }
enum PMulHW: XmmBinaryOp { @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 { V128.zip(d, s, Int16.self) { Int16(truncatingIfNeeded: (Int32($0) * Int32($1)) >> 16) } } }
enum PMulHUW: XmmBinaryOp { @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 { V128.zip(d, s, UInt16.self) { UInt16(truncatingIfNeeded: (UInt32($0) * UInt32($1)) >> 16) } } }
enum PMulUDQ: XmmBinaryOp { @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 { V128(lo: (d.lo & 0xFFFF_FFFF) &* (s.lo & 0xFFFF_FFFF), hi: (d.hi & 0xFFFF_FFFF) &* (s.hi & 0xFFFF_FFFF)) } }
enum PAnd: XmmBinaryOp { @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 { V128(lo: d.lo & s.lo, hi: d.hi & s.hi) } }
enum PAndN: XmmBinaryOp { @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 { V128(lo: ~d.lo & s.lo, hi: ~d.hi & s.hi) } }
enum POr: XmmBinaryOp { @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 { V128(lo: d.lo | s.lo, hi: d.hi | s.hi) } }
enum PXor: XmmBinaryOp { @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 { V128(lo: d.lo ^ s.lo, hi: d.hi ^ s.hi) } }
enum PSrlWx: XmmBinaryOp { @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 { SSEInt.srl(d, s.lo, UInt16.self) } }
enum PSrlDx: XmmBinaryOp { @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 { SSEInt.srl(d, s.lo, UInt32.self) } }
enum PSrlQx: XmmBinaryOp { @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 { SSEInt.srl(d, s.lo, UInt64.self) } }
enum PSllWx: XmmBinaryOp { @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 { SSEInt.sll(d, s.lo, UInt16.self) } }
enum PSllDx: XmmBinaryOp { @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 { SSEInt.sll(d, s.lo, UInt32.self) } }
enum PSllQx: XmmBinaryOp { @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 { SSEInt.sll(d, s.lo, UInt64.self) } }
enum PSraWx: XmmBinaryOp { @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 { SSEInt.sra(d, s.lo, Int16.self) } }
enum PSraDx: XmmBinaryOp { @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 { SSEInt.sra(d, s.lo, Int32.self) } }
enum PMAddWD: XmmBinaryOp { @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 { SSEInt.pmaddwd(d, s) } }
enum PSadBW: XmmBinaryOp { @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 { V128(lo: SSEInt.sad(d.lo, s.lo), hi: SSEInt.sad(d.hi, s.hi)) } }
enum PackSSWB: XmmBinaryOp { @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 { SSEInt.pack(d, s, Int16.self, Int8.self) } }
enum PackSSDW: XmmBinaryOp { @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 { SSEInt.pack(d, s, Int32.self, Int16.self) } }
enum PackUSWB: XmmBinaryOp { @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 { SSEInt.packUnsigned(d, s) } }
enum PUnpckLBW: XmmBinaryOp { @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 { SSEInt.interleave(d, s, UInt8.self, high: false) } }
enum PUnpckLWD: XmmBinaryOp { @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 { SSEInt.interleave(d, s, UInt16.self, high: false) } }
enum PUnpckLDQ: XmmBinaryOp { @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 { SSEInt.interleave(d, s, UInt32.self, high: false) } }
enum PUnpckLQDQ: XmmBinaryOp { @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 { V128(lo: d.lo, hi: s.lo) } }
enum PUnpckHBW: XmmBinaryOp { @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 { SSEInt.interleave(d, s, UInt8.self, high: true) } }
enum PUnpckHWD: XmmBinaryOp { @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 { SSEInt.interleave(d, s, UInt16.self, high: true) } }
enum PUnpckHDQ: XmmBinaryOp { @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 { SSEInt.interleave(d, s, UInt32.self, high: true) } }
enum PUnpckHQDQ: XmmBinaryOp { @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 { V128(lo: d.hi, hi: s.hi) } }
enum PShufD: XmmBinaryOp { @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 { SSEInt.pshufd(s, imm) } }
enum PShufLW: XmmBinaryOp { @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 { SSEInt.pshufw(s, imm, high: false) } }
enum PShufHW: XmmBinaryOp { @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 { SSEInt.pshufw(s, imm, high: true) } }
enum ShufPS: XmmBinaryOp { @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 { SSEInt.shufps(d, s, imm) } }
enum ShufPD: XmmBinaryOp { @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 { V128(lo: imm & 1 == 0 ? d.lo : d.hi, hi: imm & 2 == 0 ? s.lo : s.hi) } }

/// Lane helpers shared by the packed-integer operations.
enum SSEInt {
    /// Logical right shift of every lane; counts >= the lane width give 0.
    @inline(__always) static func srl<T: FixedWidthInteger & UnsignedInteger>(_ a: V128, _ count: UInt64, _ t: T.Type) -> V128 {
        if count >= UInt64(T.bitWidth) { return V128(lo: 0, hi: 0) }
        return V128.map(a, T.self) { $0 >> T(truncatingIfNeeded: count) }
    }
    @inline(__always) static func sll<T: FixedWidthInteger & UnsignedInteger>(_ a: V128, _ count: UInt64, _ t: T.Type) -> V128 {
        if count >= UInt64(T.bitWidth) { return V128(lo: 0, hi: 0) }
        return V128.map(a, T.self) { $0 << T(truncatingIfNeeded: count) }
    }
    /// Arithmetic right shift; counts >= the lane width fill every lane with its sign.
    @inline(__always) static func sra<T: FixedWidthInteger & SignedInteger>(_ a: V128, _ count: UInt64, _ t: T.Type) -> V128 {
        let c = T(truncatingIfNeeded: min(count, UInt64(T.bitWidth - 1)))
        return V128.map(a, T.self) { $0 >> c }
    }
    /// Byte shifts of the whole register (PSLLDQ/PSRLDQ); counts > 15 give 0.
    @inline(__always) static func byteShiftLeft(_ a: V128, _ n: UInt8) -> V128 {
        var r = V128(lo: 0, hi: 0)
        if n > 15 { return r }
        for k in Int(n)..<16 { r.setLane(k, a.lane(k - Int(n), UInt8.self)) }
        return r
    }
    @inline(__always) static func byteShiftRight(_ a: V128, _ n: UInt8) -> V128 {
        var r = V128(lo: 0, hi: 0)
        if n > 15 { return r }
        for k in 0..<(16 - Int(n)) { r.setLane(k, a.lane(k + Int(n), UInt8.self)) }
        return r
    }
    @inline(__always) static func pmaddwd(_ d: V128, _ s: V128) -> V128 {
        var r = V128(lo: 0, hi: 0)
        for k in 0..<4 {
            let p0 = Int32(d.lane(2 * k, Int16.self)) * Int32(s.lane(2 * k, Int16.self))
            let p1 = Int32(d.lane(2 * k + 1, Int16.self)) * Int32(s.lane(2 * k + 1, Int16.self))
            r.setLane(k, p0 &+ p1)   // only -32768*-32768*2 overflows: wraps to 0x80000000
        }
        return r
    }
    /// Sum of absolute byte differences of one 64-bit half, in the low 16 bits.
    @inline(__always) static func sad(_ a: UInt64, _ b: UInt64) -> UInt64 {
        var sum: UInt64 = 0
        for k in 0..<8 {
            let x = Int((a >> UInt64(8 * k)) & 0xFF), y = Int((b >> UInt64(8 * k)) & 0xFF)
            sum &+= UInt64(abs(x - y))
        }
        return sum
    }
    /// Signed saturating narrowing: the destination's lanes fill the low half, the source's the high.
    @inline(__always) static func pack<W: FixedWidthInteger & SignedInteger, N: FixedWidthInteger & SignedInteger>(_ d: V128, _ s: V128, _ w: W.Type, _ n: N.Type) -> V128 {
        var r = V128(lo: 0, hi: 0)
        let c = 16 / MemoryLayout<W>.size
        for k in 0..<c {
            r.setLane(k, N(clamping: d.lane(k, W.self)))
            r.setLane(k + c, N(clamping: s.lane(k, W.self)))
        }
        return r
    }
    @inline(__always) static func packUnsigned(_ d: V128, _ s: V128) -> V128 {
        var r = V128(lo: 0, hi: 0)
        for k in 0..<8 {
            r.setLane(k, UInt8(clamping: d.lane(k, Int16.self)))
            r.setLane(k + 8, UInt8(clamping: s.lane(k, Int16.self)))
        }
        return r
    }
    /// PUNPCKL*/H*: lanes of the low (or high) halves, alternating destination, source.
    @inline(__always) static func interleave<T: FixedWidthInteger>(_ d: V128, _ s: V128, _ t: T.Type, high: Bool) -> V128 {
        var r = V128(lo: 0, hi: 0)
        let half = 8 / MemoryLayout<T>.size
        let base = high ? half : 0
        for k in 0..<half {
            r.setLane(2 * k, d.lane(base + k, T.self))
            r.setLane(2 * k + 1, s.lane(base + k, T.self))
        }
        return r
    }
    @inline(__always) static func pshufd(_ s: V128, _ imm: UInt8) -> V128 {
        var r = V128(lo: 0, hi: 0)
        for k in 0..<4 { r.setLane(k, s.lane(Int((imm >> UInt8(2 * k)) & 3), UInt32.self)) }
        return r
    }
    /// PSHUFLW/PSHUFHW: shuffle the words of one half, copy the other half.
    @inline(__always) static func pshufw(_ s: V128, _ imm: UInt8, high: Bool) -> V128 {
        var r = s
        let base = high ? 4 : 0
        for k in 0..<4 { r.setLane(base + k, s.lane(base + Int((imm >> UInt8(2 * k)) & 3), UInt16.self)) }
        return r
    }
    @inline(__always) static func shufps(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 {
        var r = V128(lo: 0, hi: 0)
        r.setLane(0, d.lane(Int(imm & 3), UInt32.self))
        r.setLane(1, d.lane(Int((imm >> 2) & 3), UInt32.self))
        r.setLane(2, s.lane(Int((imm >> 4) & 3), UInt32.self))
        r.setLane(3, s.lane(Int((imm >> 6) & 3), UInt32.self))
        return r
    }
}

/// Shifts by immediate (66 0F 71/72/73): the U register is both source and destination.
protocol XmmShiftOp { static func apply(_ a: V128, _ count: UInt8) -> V128 }
enum XmmShiftImm<Op: XmmShiftOp> {
    @inline(__always) static func reg(_ cpu: CPU, _ i: Instr) { do { try regBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func regBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.sseAvailable()
        cpu.setXmm(i.rm, Op.apply(cpu.xmm(i.rm), UInt8(truncatingIfNeeded: i.imm)))
    }
}

enum PSrlWi: XmmShiftOp { @inline(__always) static func apply(_ a: V128, _ c: UInt8) -> V128 { SSEInt.srl(a, UInt64(c), UInt16.self) } }
enum PSrlDi: XmmShiftOp { @inline(__always) static func apply(_ a: V128, _ c: UInt8) -> V128 { SSEInt.srl(a, UInt64(c), UInt32.self) } }
enum PSrlQi: XmmShiftOp { @inline(__always) static func apply(_ a: V128, _ c: UInt8) -> V128 { SSEInt.srl(a, UInt64(c), UInt64.self) } }
enum PSllWi: XmmShiftOp { @inline(__always) static func apply(_ a: V128, _ c: UInt8) -> V128 { SSEInt.sll(a, UInt64(c), UInt16.self) } }
enum PSllDi: XmmShiftOp { @inline(__always) static func apply(_ a: V128, _ c: UInt8) -> V128 { SSEInt.sll(a, UInt64(c), UInt32.self) } }
enum PSllQi: XmmShiftOp { @inline(__always) static func apply(_ a: V128, _ c: UInt8) -> V128 { SSEInt.sll(a, UInt64(c), UInt64.self) } }
enum PSraWi: XmmShiftOp { @inline(__always) static func apply(_ a: V128, _ c: UInt8) -> V128 { SSEInt.sra(a, UInt64(c), Int16.self) } }
enum PSraDi: XmmShiftOp { @inline(__always) static func apply(_ a: V128, _ c: UInt8) -> V128 { SSEInt.sra(a, UInt64(c), Int32.self) } }
enum PSrlDQi: XmmShiftOp { @inline(__always) static func apply(_ a: V128, _ c: UInt8) -> V128 { SSEInt.byteShiftRight(a, c) } }
enum PSllDQi: XmmShiftOp { @inline(__always) static func apply(_ a: V128, _ c: UInt8) -> V128 { SSEInt.byteShiftLeft(a, c) } }

/// Handler sets for the opcode table (concrete specialisations only).
enum SSE {
    static let pAddB = xmmSet(XmmBinary<PAddB>.reg, XmmBinary<PAddB>.mem)
    static let pAddW = xmmSet(XmmBinary<PAddW>.reg, XmmBinary<PAddW>.mem)
    static let pAddD = xmmSet(XmmBinary<PAddD>.reg, XmmBinary<PAddD>.mem)
    static let pAddQ = xmmSet(XmmBinary<PAddQ>.reg, XmmBinary<PAddQ>.mem)
    static let pSubB = xmmSet(XmmBinary<PSubB>.reg, XmmBinary<PSubB>.mem)
    static let pSubW = xmmSet(XmmBinary<PSubW>.reg, XmmBinary<PSubW>.mem)
    static let pSubD = xmmSet(XmmBinary<PSubD>.reg, XmmBinary<PSubD>.mem)
    static let pSubQ = xmmSet(XmmBinary<PSubQ>.reg, XmmBinary<PSubQ>.mem)
    static let pAddSB = xmmSet(XmmBinary<PAddSB>.reg, XmmBinary<PAddSB>.mem)
    static let pAddSW = xmmSet(XmmBinary<PAddSW>.reg, XmmBinary<PAddSW>.mem)
    static let pSubSB = xmmSet(XmmBinary<PSubSB>.reg, XmmBinary<PSubSB>.mem)
    static let pSubSW = xmmSet(XmmBinary<PSubSW>.reg, XmmBinary<PSubSW>.mem)
    static let pAddUSB = xmmSet(XmmBinary<PAddUSB>.reg, XmmBinary<PAddUSB>.mem)
    static let pAddUSW = xmmSet(XmmBinary<PAddUSW>.reg, XmmBinary<PAddUSW>.mem)
    static let pSubUSB = xmmSet(XmmBinary<PSubUSB>.reg, XmmBinary<PSubUSB>.mem)
    static let pSubUSW = xmmSet(XmmBinary<PSubUSW>.reg, XmmBinary<PSubUSW>.mem)
    static let pCmpEqB = xmmSet(XmmBinary<PCmpEqB>.reg, XmmBinary<PCmpEqB>.mem)
    static let pCmpEqW = xmmSet(XmmBinary<PCmpEqW>.reg, XmmBinary<PCmpEqW>.mem)
    static let pCmpEqD = xmmSet(XmmBinary<PCmpEqD>.reg, XmmBinary<PCmpEqD>.mem)
    static let pCmpGtB = xmmSet(XmmBinary<PCmpGtB>.reg, XmmBinary<PCmpGtB>.mem)
    static let pCmpGtW = xmmSet(XmmBinary<PCmpGtW>.reg, XmmBinary<PCmpGtW>.mem)
    static let pCmpGtD = xmmSet(XmmBinary<PCmpGtD>.reg, XmmBinary<PCmpGtD>.mem)
    static let pMinUB = xmmSet(XmmBinary<PMinUB>.reg, XmmBinary<PMinUB>.mem)
    static let pMaxUB = xmmSet(XmmBinary<PMaxUB>.reg, XmmBinary<PMaxUB>.mem)
    static let pMinSW = xmmSet(XmmBinary<PMinSW>.reg, XmmBinary<PMinSW>.mem)
    static let pMaxSW = xmmSet(XmmBinary<PMaxSW>.reg, XmmBinary<PMaxSW>.mem)
    static let pAvgB = xmmSet(XmmBinary<PAvgB>.reg, XmmBinary<PAvgB>.mem)
    static let pAvgW = xmmSet(XmmBinary<PAvgW>.reg, XmmBinary<PAvgW>.mem)
    static let pMulLW = xmmSet(XmmBinary<PMulLW>.reg, XmmBinary<PMulLW>.mem)
    static let pMulHW = xmmSet(XmmBinary<PMulHW>.reg, XmmBinary<PMulHW>.mem)
    static let pMulHUW = xmmSet(XmmBinary<PMulHUW>.reg, XmmBinary<PMulHUW>.mem)
    static let pMulUDQ = xmmSet(XmmBinary<PMulUDQ>.reg, XmmBinary<PMulUDQ>.mem)
    static let pAnd = xmmSet(XmmBinary<PAnd>.reg, XmmBinary<PAnd>.mem)
    static let pAndN = xmmSet(XmmBinary<PAndN>.reg, XmmBinary<PAndN>.mem)
    static let pOr = xmmSet(XmmBinary<POr>.reg, XmmBinary<POr>.mem)
    static let pXor = xmmSet(XmmBinary<PXor>.reg, XmmBinary<PXor>.mem)
    static let pSrlWx = xmmSet(XmmBinary<PSrlWx>.reg, XmmBinary<PSrlWx>.mem)
    static let pSrlDx = xmmSet(XmmBinary<PSrlDx>.reg, XmmBinary<PSrlDx>.mem)
    static let pSrlQx = xmmSet(XmmBinary<PSrlQx>.reg, XmmBinary<PSrlQx>.mem)
    static let pSllWx = xmmSet(XmmBinary<PSllWx>.reg, XmmBinary<PSllWx>.mem)
    static let pSllDx = xmmSet(XmmBinary<PSllDx>.reg, XmmBinary<PSllDx>.mem)
    static let pSllQx = xmmSet(XmmBinary<PSllQx>.reg, XmmBinary<PSllQx>.mem)
    static let pSraWx = xmmSet(XmmBinary<PSraWx>.reg, XmmBinary<PSraWx>.mem)
    static let pSraDx = xmmSet(XmmBinary<PSraDx>.reg, XmmBinary<PSraDx>.mem)
    static let pMAddWD = xmmSet(XmmBinary<PMAddWD>.reg, XmmBinary<PMAddWD>.mem)
    static let pSadBW = xmmSet(XmmBinary<PSadBW>.reg, XmmBinary<PSadBW>.mem)
    static let packSSWB = xmmSet(XmmBinary<PackSSWB>.reg, XmmBinary<PackSSWB>.mem)
    static let packSSDW = xmmSet(XmmBinary<PackSSDW>.reg, XmmBinary<PackSSDW>.mem)
    static let packUSWB = xmmSet(XmmBinary<PackUSWB>.reg, XmmBinary<PackUSWB>.mem)
    static let pUnpckLBW = xmmSet(XmmBinary<PUnpckLBW>.reg, XmmBinary<PUnpckLBW>.mem)
    static let pUnpckLWD = xmmSet(XmmBinary<PUnpckLWD>.reg, XmmBinary<PUnpckLWD>.mem)
    static let pUnpckLDQ = xmmSet(XmmBinary<PUnpckLDQ>.reg, XmmBinary<PUnpckLDQ>.mem)
    static let pUnpckLQDQ = xmmSet(XmmBinary<PUnpckLQDQ>.reg, XmmBinary<PUnpckLQDQ>.mem)
    static let pUnpckHBW = xmmSet(XmmBinary<PUnpckHBW>.reg, XmmBinary<PUnpckHBW>.mem)
    static let pUnpckHWD = xmmSet(XmmBinary<PUnpckHWD>.reg, XmmBinary<PUnpckHWD>.mem)
    static let pUnpckHDQ = xmmSet(XmmBinary<PUnpckHDQ>.reg, XmmBinary<PUnpckHDQ>.mem)
    static let pUnpckHQDQ = xmmSet(XmmBinary<PUnpckHQDQ>.reg, XmmBinary<PUnpckHQDQ>.mem)
    static let pShufD = xmmSet(XmmBinary<PShufD>.reg, XmmBinary<PShufD>.mem)
    static let pShufLW = xmmSet(XmmBinary<PShufLW>.reg, XmmBinary<PShufLW>.mem)
    static let pShufHW = xmmSet(XmmBinary<PShufHW>.reg, XmmBinary<PShufHW>.mem)
    static let shufPS = xmmSet(XmmBinary<ShufPS>.reg, XmmBinary<ShufPS>.mem)
    static let shufPD = xmmSet(XmmBinary<ShufPD>.reg, XmmBinary<ShufPD>.mem)
    static let pSrlWi = xmmSet(XmmShiftImm<PSrlWi>.reg, nil)
    static let pSrlDi = xmmSet(XmmShiftImm<PSrlDi>.reg, nil)
    static let pSrlQi = xmmSet(XmmShiftImm<PSrlQi>.reg, nil)
    static let pSllWi = xmmSet(XmmShiftImm<PSllWi>.reg, nil)
    static let pSllDi = xmmSet(XmmShiftImm<PSllDi>.reg, nil)
    static let pSllQi = xmmSet(XmmShiftImm<PSllQi>.reg, nil)
    static let pSraWi = xmmSet(XmmShiftImm<PSraWi>.reg, nil)
    static let pSraDi = xmmSet(XmmShiftImm<PSraDi>.reg, nil)
    static let pSrlDQi = xmmSet(XmmShiftImm<PSrlDQi>.reg, nil)
    static let pSllDQi = xmmSet(XmmShiftImm<PSllDQi>.reg, nil)
}
