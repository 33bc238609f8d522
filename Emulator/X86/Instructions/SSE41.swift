// Layer: X86 (CPU model), instruction handlers: SSE4.1 integer and data-movement instructions:
// PMOVSX*/PMOVZX*, PMULDQ, PMULLD, PMINSB/SD/UW/UD, PMAXSB/SD/UW/UD, PCMPEQQ, PACKUSDW, PTEST,
// PBLENDW, BLENDPS/PD, PBLENDVB/BLENDVPS/BLENDVPD (mask in XMM0), PEXTRB/W/D/Q, EXTRACTPS,
// PINSRB/D/Q, INSERTPS, PHMINPOSUW, MOVNTDQA, MPSADBW, and the floating-point ROUNDPS/PD/SS/SD
// and DPPS/DPPD (software IEEE core, Float/SoftFloat.swift).

// MARK: widening moves (the memory operand is only as wide as the lanes read: m16/m32/m64)

/// Lanes 0..<(16/size(W)) of type N from the low bytes of s, each widened to W.
enum SSE41Lanes {
    @inline(__always) static func widen<N: FixedWidthInteger, W: FixedWidthInteger>(_ s: V128, _ n: N.Type, _ w: W.Type) -> V128 {
        var r = V128(lo: 0, hi: 0)
        for k in 0..<(16 / MemoryLayout<W>.size) { r.setLane(k, W(truncatingIfNeeded: s.lane(k, N.self))) }
        return r
    }
}
enum PMovSXBW: XmmBinaryOp { @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 { SSE41Lanes.widen(s, Int8.self, Int16.self) } }
enum PMovSXBD: XmmBinaryOp { @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 { SSE41Lanes.widen(s, Int8.self, Int32.self) } }
enum PMovSXBQ: XmmBinaryOp { @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 { SSE41Lanes.widen(s, Int8.self, Int64.self) } }
enum PMovSXWD: XmmBinaryOp { @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 { SSE41Lanes.widen(s, Int16.self, Int32.self) } }
enum PMovSXWQ: XmmBinaryOp { @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 { SSE41Lanes.widen(s, Int16.self, Int64.self) } }
enum PMovSXDQ: XmmBinaryOp { @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 { SSE41Lanes.widen(s, Int32.self, Int64.self) } }
enum PMovZXBW: XmmBinaryOp { @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 { SSE41Lanes.widen(s, UInt8.self, UInt16.self) } }
enum PMovZXBD: XmmBinaryOp { @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 { SSE41Lanes.widen(s, UInt8.self, UInt32.self) } }
enum PMovZXBQ: XmmBinaryOp { @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 { SSE41Lanes.widen(s, UInt8.self, UInt64.self) } }
enum PMovZXWD: XmmBinaryOp { @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 { SSE41Lanes.widen(s, UInt16.self, UInt32.self) } }
enum PMovZXWQ: XmmBinaryOp { @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 { SSE41Lanes.widen(s, UInt16.self, UInt64.self) } }
enum PMovZXDQ: XmmBinaryOp { @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 { SSE41Lanes.widen(s, UInt32.self, UInt64.self) } }

// MARK: arithmetic and compares

enum PMulDQ: XmmBinaryOp {
    /// Signed 32x32 -> 64 products of dword lanes 0 and 2.
    @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 {
        V128(lo: UInt64(bitPattern: Int64(Int32(truncatingIfNeeded: d.lo)) &* Int64(Int32(truncatingIfNeeded: s.lo))),
             hi: UInt64(bitPattern: Int64(Int32(truncatingIfNeeded: d.hi)) &* Int64(Int32(truncatingIfNeeded: s.hi))))
    }
}
enum PMulLD: XmmBinaryOp { @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 { V128.zip(d, s, UInt32.self) { $0 &* $1 } } }
enum PMinSB: XmmBinaryOp { @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 { V128.zip(d, s, Int8.self) { min($0, $1) } } }
enum PMinSD: XmmBinaryOp { @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 { V128.zip(d, s, Int32.self) { min($0, $1) } } }
enum PMinUW: XmmBinaryOp { @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 { V128.zip(d, s, UInt16.self) { min($0, $1) } } }
enum PMinUD: XmmBinaryOp { @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 { V128.zip(d, s, UInt32.self) { min($0, $1) } } }
enum PMaxSB: XmmBinaryOp { @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 { V128.zip(d, s, Int8.self) { max($0, $1) } } }
enum PMaxSD: XmmBinaryOp { @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 { V128.zip(d, s, Int32.self) { max($0, $1) } } }
enum PMaxUW: XmmBinaryOp { @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 { V128.zip(d, s, UInt16.self) { max($0, $1) } } }
enum PMaxUD: XmmBinaryOp { @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 { V128.zip(d, s, UInt32.self) { max($0, $1) } } }
enum PCmpEqQ: XmmBinaryOp { @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 { V128.zip(d, s, UInt64.self) { $0 == $1 ? ~0 : 0 } } }
enum PackUSDW: XmmBinaryOp {
    /// Signed dwords to unsigned words with saturation: d's lanes fill the low half, s's the high.
    @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 {
        var r = V128(lo: 0, hi: 0)
        for k in 0..<4 {
            r.setLane(k, UInt16(clamping: d.lane(k, Int32.self)))
            r.setLane(k + 4, UInt16(clamping: s.lane(k, Int32.self)))
        }
        return r
    }
}
enum PHMinPosUW: XmmBinaryOp {
    /// The smallest unsigned word of s (lowest index on ties) in bits 15:0, its index in 18:16,
    /// all other bits zero.
    @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 {
        var best = s.lane(0, UInt16.self), index = 0
        for k in 1..<8 where s.lane(k, UInt16.self) < best { best = s.lane(k, UInt16.self); index = k }
        return V128(lo: UInt64(best) | UInt64(index) << 16, hi: 0)
    }
}
enum MPSadBW: XmmBinaryOp {
    /// Eight sums of absolute differences: a 4-byte block of s (imm8[1:0] selects dword
    /// 0-3) against the 11-byte window of d starting at byte 4*imm8[2], slid by one byte per
    /// result word.
    @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 {
        let sOff = Int(imm & 3) * 4, dOff = Int((imm >> 2) & 1) * 4
        var r = V128(lo: 0, hi: 0)
        for k in 0..<8 {
            var sum: UInt16 = 0
            for j in 0..<4 {
                let a = Int(d.lane(dOff + k + j, UInt8.self)), b = Int(s.lane(sOff + j, UInt8.self))
                sum &+= UInt16(truncatingIfNeeded: a > b ? a - b : b - a)
            }
            r.setLane(k, sum)
        }
        return r
    }
}

// MARK: blends

enum PBlendW: XmmBinaryOp {
    /// Word k from s where imm8 bit k is set.
    @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 {
        var r = d
        for k in 0..<8 where imm >> UInt8(k) & 1 != 0 { r.setLane(k, s.lane(k, UInt16.self)) }
        return r
    }
}
enum BlendPS: XmmBinaryOp {
    @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 {
        var r = d
        for k in 0..<4 where imm >> UInt8(k) & 1 != 0 { r.setLane(k, s.lane(k, UInt32.self)) }
        return r
    }
}
enum BlendPD: XmmBinaryOp {
    @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 {
        V128(lo: imm & 1 != 0 ? s.lo : d.lo, hi: imm & 2 != 0 ? s.hi : d.hi)
    }
}
/// Variable blends: a lane comes from s where the mask lane's top bit is set.
enum PBlendVB: XmmTernaryOp {
    @inline(__always) static func apply(_ d: V128, _ s: V128, _ m: V128) -> V128 {
        var r = d
        for k in 0..<16 where m.lane(k, UInt8.self) & 0x80 != 0 { r.setLane(k, s.lane(k, UInt8.self)) }
        return r
    }
}
enum BlendVPS: XmmTernaryOp {
    @inline(__always) static func apply(_ d: V128, _ s: V128, _ m: V128) -> V128 {
        var r = d
        for k in 0..<4 where m.lane(k, UInt32.self) & 0x8000_0000 != 0 { r.setLane(k, s.lane(k, UInt32.self)) }
        return r
    }
}
enum BlendVPD: XmmTernaryOp {
    @inline(__always) static func apply(_ d: V128, _ s: V128, _ m: V128) -> V128 {
        V128(lo: m.lo >> 63 != 0 ? s.lo : d.lo, hi: m.hi >> 63 != 0 ? s.hi : d.hi)
    }
}

// MARK: INSERTPS

enum InsertPS: XmmBinaryOp {
    /// Source lane imm8[7:6] goes to destination lane imm8[5:4]; lanes set in imm8[3:0] are
    /// then zeroed.
    @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 {
        var r = d
        r.setLane(Int((imm >> 4) & 3), s.lane(Int(imm >> 6), UInt32.self))
        for k in 0..<4 where imm >> UInt8(k) & 1 != 0 { r.setLane(k, UInt32(0)) }
        return r
    }
}
/// INSERTPS xmm, m32: the 32-bit memory value is the source element (imm8[7:6] is ignored).
enum InsertPSMem: XmmBinaryOp {
    @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 { InsertPS.apply(d, s, imm & 0x3F) }
}

// MARK: handlers with general-register or flag results

enum SSE41 {
    /// PTEST: ZF = (d AND s) == 0, CF = (NOT d AND s) == 0; AF, OF, PF, SF cleared.
    @inline(__always) static func ptestFlags(_ cpu: CPU, _ d: V128, _ s: V128) {
        let zf = (d.lo & s.lo) | (d.hi & s.hi) == 0, cf = (~d.lo & s.lo) | (~d.hi & s.hi) == 0
        cpu.pointee.setArithmeticFlags((zf ? Flag.zf : 0) | (cf ? Flag.cf : 0))
    }
    @inline(__always) static func ptestR(_ cpu: CPU, _ i: Instr) { do { try ptestRBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func ptestRBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.sseAvailable(); ptestFlags(cpu, cpu.xmm(i.reg), cpu.xmm(i.rm))
    }
    @inline(__always) static func ptestM(_ cpu: CPU, _ i: Instr) { do { try ptestMBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func ptestMBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.sseAvailable()
        let s = try cpu.load128(cpu.effectiveAddress(i), aligned: cpu.pointee.mxcsr & MXCSR.misalignedMode == 0)
        ptestFlags(cpu, cpu.xmm(i.reg), s)
    }

    // Extracts: the element selected by imm8 (modulo the lane count). A register destination
    // receives it zero-extended (a 32-bit write clears bits 63:32); memory gets its width.
    @inline(__always) static func pextrbR(_ cpu: CPU, _ i: Instr) { do { try pextrbRBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func pextrbRBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.sseAvailable(); cpu.setReg(i.rm, UInt32(cpu.xmm(i.reg).lane(Int(i.imm & 15), UInt8.self)))
    }
    @inline(__always) static func pextrbM(_ cpu: CPU, _ i: Instr) { do { try pextrbMBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func pextrbMBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.sseAvailable(); try cpu.store(cpu.effectiveAddress(i), cpu.xmm(i.reg).lane(Int(i.imm & 15), UInt8.self))
    }
    @inline(__always) static func pextrwR(_ cpu: CPU, _ i: Instr) { do { try pextrwRBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func pextrwRBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.sseAvailable(); cpu.setReg(i.rm, UInt32(cpu.xmm(i.reg).lane(Int(i.imm & 7), UInt16.self)))
    }
    @inline(__always) static func pextrwM(_ cpu: CPU, _ i: Instr) { do { try pextrwMBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func pextrwMBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.sseAvailable(); try cpu.store(cpu.effectiveAddress(i), cpu.xmm(i.reg).lane(Int(i.imm & 7), UInt16.self))
    }
    /// PEXTRD and EXTRACTPS (the same operation on the integer view of the lane).
    @inline(__always) static func pextrdR(_ cpu: CPU, _ i: Instr) { do { try pextrdRBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func pextrdRBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.sseAvailable(); cpu.setReg(i.rm, cpu.xmm(i.reg).lane(Int(i.imm & 3), UInt32.self))
    }
    @inline(__always) static func pextrdM(_ cpu: CPU, _ i: Instr) { do { try pextrdMBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func pextrdMBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.sseAvailable(); try cpu.store(cpu.effectiveAddress(i), cpu.xmm(i.reg).lane(Int(i.imm & 3), UInt32.self))
    }
    @inline(__always) static func pextrqR(_ cpu: CPU, _ i: Instr) { do { try pextrqRBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func pextrqRBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.sseAvailable(); let v = cpu.xmm(i.reg); cpu.setReg(i.rm, i.imm & 1 == 0 ? v.lo : v.hi)
    }
    @inline(__always) static func pextrqM(_ cpu: CPU, _ i: Instr) { do { try pextrqMBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func pextrqMBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.sseAvailable(); let v = cpu.xmm(i.reg); try cpu.store(cpu.effectiveAddress(i), i.imm & 1 == 0 ? v.lo : v.hi)
    }

    // Inserts: the low bits of a general register (or a memory value of the lane's width)
    // replace the lane selected by imm8.
    @inline(__always) static func pinsrbR(_ cpu: CPU, _ i: Instr) { do { try pinsrbRBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func pinsrbRBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.sseAvailable(); var d = cpu.xmm(i.reg); d.setLane(Int(i.imm & 15), cpu.reg(i.rm) as UInt8); cpu.setXmm(i.reg, d)
    }
    @inline(__always) static func pinsrbM(_ cpu: CPU, _ i: Instr) { do { try pinsrbMBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func pinsrbMBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.sseAvailable()
        let v: UInt8 = try cpu.load(cpu.effectiveAddress(i))
        var d = cpu.xmm(i.reg); d.setLane(Int(i.imm & 15), v); cpu.setXmm(i.reg, d)
    }
    @inline(__always) static func pinsrdR(_ cpu: CPU, _ i: Instr) { do { try pinsrdRBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func pinsrdRBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.sseAvailable(); var d = cpu.xmm(i.reg); d.setLane(Int(i.imm & 3), cpu.reg(i.rm) as UInt32); cpu.setXmm(i.reg, d)
    }
    @inline(__always) static func pinsrdM(_ cpu: CPU, _ i: Instr) { do { try pinsrdMBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func pinsrdMBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.sseAvailable()
        let v: UInt32 = try cpu.load(cpu.effectiveAddress(i))
        var d = cpu.xmm(i.reg); d.setLane(Int(i.imm & 3), v); cpu.setXmm(i.reg, d)
    }
    @inline(__always) static func pinsrqR(_ cpu: CPU, _ i: Instr) { do { try pinsrqRBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func pinsrqRBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.sseAvailable(); var d = cpu.xmm(i.reg); d.setLane(Int(i.imm & 1), cpu.reg(i.rm) as UInt64); cpu.setXmm(i.reg, d)
    }
    @inline(__always) static func pinsrqM(_ cpu: CPU, _ i: Instr) { do { try pinsrqMBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func pinsrqMBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.sseAvailable()
        let v: UInt64 = try cpu.load(cpu.effectiveAddress(i))
        var d = cpu.xmm(i.reg); d.setLane(Int(i.imm & 1), v); cpu.setXmm(i.reg, d)
    }
}

extension SSE {
    static let pMovSXBW = xmmSet(XmmBinary<PMovSXBW>.reg, XmmLow<PMovSXBW, UInt64>.mem)
    static let pMovSXBD = xmmSet(XmmBinary<PMovSXBD>.reg, XmmLow<PMovSXBD, UInt32>.mem)
    static let pMovSXBQ = xmmSet(XmmBinary<PMovSXBQ>.reg, XmmLow<PMovSXBQ, UInt16>.mem)
    static let pMovSXWD = xmmSet(XmmBinary<PMovSXWD>.reg, XmmLow<PMovSXWD, UInt64>.mem)
    static let pMovSXWQ = xmmSet(XmmBinary<PMovSXWQ>.reg, XmmLow<PMovSXWQ, UInt32>.mem)
    static let pMovSXDQ = xmmSet(XmmBinary<PMovSXDQ>.reg, XmmLow<PMovSXDQ, UInt64>.mem)
    static let pMovZXBW = xmmSet(XmmBinary<PMovZXBW>.reg, XmmLow<PMovZXBW, UInt64>.mem)
    static let pMovZXBD = xmmSet(XmmBinary<PMovZXBD>.reg, XmmLow<PMovZXBD, UInt32>.mem)
    static let pMovZXBQ = xmmSet(XmmBinary<PMovZXBQ>.reg, XmmLow<PMovZXBQ, UInt16>.mem)
    static let pMovZXWD = xmmSet(XmmBinary<PMovZXWD>.reg, XmmLow<PMovZXWD, UInt64>.mem)
    static let pMovZXWQ = xmmSet(XmmBinary<PMovZXWQ>.reg, XmmLow<PMovZXWQ, UInt32>.mem)
    static let pMovZXDQ = xmmSet(XmmBinary<PMovZXDQ>.reg, XmmLow<PMovZXDQ, UInt64>.mem)
    static let pMulDQ = xmmSet(XmmBinary<PMulDQ>.reg, XmmBinary<PMulDQ>.mem)
    static let pMulLD = xmmSet(XmmBinary<PMulLD>.reg, XmmBinary<PMulLD>.mem)
    static let pMinSB = xmmSet(XmmBinary<PMinSB>.reg, XmmBinary<PMinSB>.mem)
    static let pMinSD = xmmSet(XmmBinary<PMinSD>.reg, XmmBinary<PMinSD>.mem)
    static let pMinUW = xmmSet(XmmBinary<PMinUW>.reg, XmmBinary<PMinUW>.mem)
    static let pMinUD = xmmSet(XmmBinary<PMinUD>.reg, XmmBinary<PMinUD>.mem)
    static let pMaxSB = xmmSet(XmmBinary<PMaxSB>.reg, XmmBinary<PMaxSB>.mem)
    static let pMaxSD = xmmSet(XmmBinary<PMaxSD>.reg, XmmBinary<PMaxSD>.mem)
    static let pMaxUW = xmmSet(XmmBinary<PMaxUW>.reg, XmmBinary<PMaxUW>.mem)
    static let pMaxUD = xmmSet(XmmBinary<PMaxUD>.reg, XmmBinary<PMaxUD>.mem)
    static let pCmpEqQ = xmmSet(XmmBinary<PCmpEqQ>.reg, XmmBinary<PCmpEqQ>.mem)
    static let packUSDW = xmmSet(XmmBinary<PackUSDW>.reg, XmmBinary<PackUSDW>.mem)
    static let pHMinPosUW = xmmSet(XmmBinary<PHMinPosUW>.reg, XmmBinary<PHMinPosUW>.mem)
    static let mpSadBW = xmmSet(XmmBinary<MPSadBW>.reg, XmmBinary<MPSadBW>.mem)
    static let pBlendW = xmmSet(XmmBinary<PBlendW>.reg, XmmBinary<PBlendW>.mem)
    static let blendPS = xmmSet(XmmBinary<BlendPS>.reg, XmmBinary<BlendPS>.mem)
    static let blendPD = xmmSet(XmmBinary<BlendPD>.reg, XmmBinary<BlendPD>.mem)
    static let pBlendVB = xmmSet(XmmBlendV<PBlendVB>.reg, XmmBlendV<PBlendVB>.mem)
    static let blendVPS = xmmSet(XmmBlendV<BlendVPS>.reg, XmmBlendV<BlendVPS>.mem)
    static let blendVPD = xmmSet(XmmBlendV<BlendVPD>.reg, XmmBlendV<BlendVPD>.mem)
    static let insertPS = xmmSet(XmmBinary<InsertPS>.reg, XmmLow<InsertPSMem, UInt32>.mem)
    static let pTest = xmmSet(SSE41.ptestR, SSE41.ptestM)
    /// MOVNTDQA xmm, m128: an aligned load (the non-temporal hint has no effect here).
    static let movNTDQA = xmmSet(nil, SSE.loadA)
    static let pExtrB = xmmSet(SSE41.pextrbR, SSE41.pextrbM)
    static let pExtrW = xmmSet(SSE41.pextrwR, SSE41.pextrwM)
    /// 66 0F 3A 16: PEXTRD (operand size 32) or PEXTRQ (REX.W): slots by size.
    static let pExtrDQ = HandlerSet(reg8: nil, reg16: SSE41.pextrdR, reg32: SSE41.pextrdR, reg64: SSE41.pextrqR,
                                    mem8: nil, mem16: SSE41.pextrdM, mem32: SSE41.pextrdM, mem64: SSE41.pextrqM)
    static let extractPS = xmmSet(SSE41.pextrdR, SSE41.pextrdM)
    static let pInsrB = xmmSet(SSE41.pinsrbR, SSE41.pinsrbM)
    static let pInsrDQ = HandlerSet(reg8: nil, reg16: SSE41.pinsrdR, reg32: SSE41.pinsrdR, reg64: SSE41.pinsrqR,
                                    mem8: nil, mem16: SSE41.pinsrdM, mem32: SSE41.pinsrdM, mem64: SSE41.pinsrqM)
}

// MARK: floating point

/// ROUND*: imm8[1:0] is the rounding mode unless imm8[2] selects MXCSR.RC; imm8[3] suppresses
/// the precision exception. Only an SNaN operand raises IE; denormal operands raise no DE (DAZ
/// still reads them as zero).
enum SSE41Round {
    @inline(__always) static func mode(_ imm: UInt8, _ env: inout FPEnv) -> Bool {
        if imm & 4 == 0 { env.rounding = UInt32(imm & 3) }
        return imm & 8 != 0
    }
    @inline(__always) static func r32(_ a: UInt32, _ imm: UInt8, _ env: inout FPEnv) -> UInt32 {
        let quiet = mode(imm, &env)
        return SoftFloat.roundToIntegral(a, Binary32.self, &env, suppressInexact: quiet)
    }
    @inline(__always) static func r64(_ a: UInt64, _ imm: UInt8, _ env: inout FPEnv) -> UInt64 {
        let quiet = mode(imm, &env)
        return SoftFloat.roundToIntegral(a, Binary64.self, &env, suppressInexact: quiet)
    }
}
enum RoundPS: XmmFloatOp {
    @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8, _ env: inout FPEnv) -> V128 {
        var r = V128(lo: 0, hi: 0)
        for k in 0..<4 { r.setLane(k, SSE41Round.r32(s.lane(k, UInt32.self), imm, &env)) }
        return r
    }
}
enum RoundPD: XmmFloatOp {
    @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8, _ env: inout FPEnv) -> V128 {
        let lo = SSE41Round.r64(s.lo, imm, &env), hi = SSE41Round.r64(s.hi, imm, &env)
        return V128(lo: lo, hi: hi)
    }
}
/// ROUNDSS/ROUNDSD: the low lane of the source, rounded, replaces the destination's low lane.
enum RoundSS: XmmFloatOp {
    @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8, _ env: inout FPEnv) -> V128 {
        var r = d
        r.setLane(0, SSE41Round.r32(s.lane(0, UInt32.self), imm, &env))
        return r
    }
}
enum RoundSD: XmmFloatOp {
    @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8, _ env: inout FPEnv) -> V128 {
        V128(lo: SSE41Round.r64(s.lo, imm, &env), hi: d.hi)
    }
}
/// DPPS: products d[k]*s[k] for lanes selected by imm8[7:4] (else +0.0), summed as
/// (p0 + p1) + (p2 + p3), each step rounded; the sum goes to the lanes selected by imm8[3:0],
/// +0.0 to the others (SDM DPPS "DP_primitive").
enum DPPS: XmmFloatOp {
    @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8, _ env: inout FPEnv) -> V128 {
        let p0 = product(d, s, 0, imm, &env), p1 = product(d, s, 1, imm, &env)
        let p2 = product(d, s, 2, imm, &env), p3 = product(d, s, 3, imm, &env)
        let t1 = SoftFloat.add(p0, p1, Binary32.self, &env)
        let t2 = SoftFloat.add(p2, p3, Binary32.self, &env)
        let sum = SoftFloat.add(t1, t2, Binary32.self, &env)
        var r = V128(lo: 0, hi: 0)
        for k in 0..<4 where imm & (1 << UInt8(k)) != 0 { r.setLane(k, sum) }
        return r
    }
    @inline(__always) static func product(_ d: V128, _ s: V128, _ k: Int, _ imm: UInt8, _ env: inout FPEnv) -> UInt32 {
        imm & (0x10 << UInt8(k)) != 0 ? SoftFloat.mul(d.lane(k, UInt32.self), s.lane(k, UInt32.self), Binary32.self, &env) : 0
    }
}
/// DPPD: products of lanes selected by imm8[5:4], summed once; broadcast per imm8[1:0].
enum DPPD: XmmFloatOp {
    @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8, _ env: inout FPEnv) -> V128 {
        let p0: UInt64 = imm & 0x10 != 0 ? SoftFloat.mul(d.lo, s.lo, Binary64.self, &env) : 0
        let p1: UInt64 = imm & 0x20 != 0 ? SoftFloat.mul(d.hi, s.hi, Binary64.self, &env) : 0
        let sum = SoftFloat.add(p0, p1, Binary64.self, &env)
        return V128(lo: imm & 1 != 0 ? sum : 0, hi: imm & 2 != 0 ? sum : 0)
    }
}

extension SSE {
    static let roundPS = xmmSet(XmmFloat<RoundPS>.reg, XmmFloat<RoundPS>.mem)
    static let roundPD = xmmSet(XmmFloat<RoundPD>.reg, XmmFloat<RoundPD>.mem)
    static let roundSS = xmmSet(XmmFloat<RoundSS>.reg, XmmFloatLow<RoundSS, UInt32>.mem)
    static let roundSD = xmmSet(XmmFloat<RoundSD>.reg, XmmFloatLow<RoundSD, UInt64>.mem)
    static let dpPS = xmmSet(XmmFloat<DPPS>.reg, XmmFloat<DPPS>.mem)
    static let dpPD = xmmSet(XmmFloat<DPPD>.reg, XmmFloat<DPPD>.mem)
}
