// Layer: X86 (CPU model), SSE support: the 128-bit value type, XMM register access by byte
// offset (CPUState.xmm), the availability checks every SSE instruction makes first, 128-bit
// memory accesses with the legacy-SSE alignment rule, and the lane helpers the packed
// instructions are written with.

/// One XMM value: `lo` holds bytes 0-7, `hi` bytes 8-15 (little-endian lanes).
public struct V128: Equatable, Sendable {
    public var lo: UInt64
    public var hi: UInt64
    @inline(__always) public init(lo: UInt64, hi: UInt64) { self.lo = lo; self.hi = hi }
}

/// Lane views of a V128: lane k of width T is bytes [k*size, (k+1)*size).
extension V128 {
    @inline(__always) func lane<T: FixedWidthInteger>(_ k: Int, _ t: T.Type = T.self) -> T {
        var v = self
        return withUnsafeBytes(of: &v) { $0.load(fromByteOffset: k &* MemoryLayout<T>.size, as: T.self) }
    }

    @inline(__always) mutating func setLane<T: FixedWidthInteger>(_ k: Int, _ value: T) {
        withUnsafeMutableBytes(of: &self) { $0.storeBytes(of: value, toByteOffset: k &* MemoryLayout<T>.size, as: T.self) }
    }

    /// Lane-wise f(a, b) for lanes of type T.
    @inline(__always) static func zip<T: FixedWidthInteger>(_ a: V128, _ b: V128, _ t: T.Type, _ f: (T, T) -> T) -> V128 {
        var r = V128(lo: 0, hi: 0)
        let n = 16 / MemoryLayout<T>.size
        for k in 0..<n { r.setLane(k, f(a.lane(k, T.self), b.lane(k, T.self))) }
        return r
    }

    /// Lane-wise f(a) for lanes of type T.
    @inline(__always) static func map<T: FixedWidthInteger>(_ a: V128, _ t: T.Type, _ f: (T) -> T) -> V128 {
        var r = V128(lo: 0, hi: 0)
        let n = 16 / MemoryLayout<T>.size
        for k in 0..<n { r.setLane(k, f(a.lane(k, T.self))) }
        return r
    }
}

/// MXCSR bits.
public enum MXCSR {
    /// Bits LDMXCSR/FXRSTOR accept (MXCSR_MASK of the reference CPU, measured on the host:
    /// AMD's bit 17 MM, misaligned SSE mode, is writable).
    public static let writableMask: UInt32 = 0x2FFFF
    /// AMD misaligned SSE mode: 128-bit operands of ordinary SSE instructions need no alignment
    /// (MOVAPS/MOVAPD/MOVDQA/MOVNT* still require it).
    public static let misalignedMode: UInt32 = 1 << 17
    public static let reset: UInt32 = 0x1F80
}

extension UnsafeMutablePointer where Pointee == CPUState {
    /// XMM register at byte offset `off` (index * 16).
    @inline(__always) func xmm(_ off: UInt8) -> V128 {
        let p = pointee.xmm
        return V128(lo: p.load(fromByteOffset: Int(off), as: UInt64.self),
                    hi: p.load(fromByteOffset: Int(off) &+ 8, as: UInt64.self))
    }

    @inline(__always) func setXmm(_ off: UInt8, _ v: V128) {
        let p = pointee.xmm
        p.storeBytes(of: v.lo, toByteOffset: Int(off), as: UInt64.self)
        p.storeBytes(of: v.hi, toByteOffset: Int(off) &+ 8, as: UInt64.self)
    }

    /// The checks every SSE instruction makes before anything else: CR0.EM set or CR4.OSFXSR
    /// clear -> #UD (the OS has not enabled SSE state saving); CR0.TS set -> #NM (lazy FPU
    /// context switch: the OS must restore this task's XMM state first).
    @inline(__always) func sseAvailable() throws(CPUFault) {
        if pointee.cr0 & 0x4 != 0 || pointee.cr4 & 0x200 == 0 { throw .ud }
        if pointee.cr0 & 0x8 != 0 { throw CPUFault(.deviceNotAvailable) }
    }

    /// Reads 16 bytes. Legacy (non-VEX) SSE instructions with a 128-bit memory operand require
    /// it to be 16-byte aligned (#GP(0)), except the explicitly unaligned ones (MOVUPS, MOVDQU...).
    @inline(__always) func load128(_ ea: UInt64, aligned: Bool) throws(CPUFault) -> V128 {
        if aligned && ea & 15 != 0 { throw .gp(0) }
        let lo: UInt64 = try load(ea)
        let hi: UInt64 = try load(ea &+ 8)
        return V128(lo: lo, hi: hi)
    }

    /// Writes 16 bytes; both halves are checked writable first, so a fault changes nothing.
    @inline(__always) func store128(_ ea: UInt64, _ v: V128, aligned: Bool) throws(CPUFault) {
        if aligned && ea & 15 != 0 { throw .gp(0) }
        try pointee.probeWrite(ea, size: 16)
        try store(ea, v.lo)
        try store(ea &+ 8, v.hi)
    }
}

/// A HandlerSet with one register-form and one memory-form handler for every operand size
/// (SSE instructions do not depend on the operand size; a 66 prefix selects the instruction).
func xmmSet(_ reg: Handler?, _ mem: Handler?) -> HandlerSet {
    HandlerSet(reg8: reg, reg16: reg, reg32: reg, reg64: reg, mem8: mem, mem16: mem, mem32: mem, mem64: mem)
}

/// A two-operand SSE operation dst = f(dst, src, imm8) on 128-bit values.
protocol XmmBinaryOp { static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 }

/// Handlers for an XmmBinaryOp: register form (V, U) and aligned m128 form (V, M).
enum XmmBinary<Op: XmmBinaryOp> {
    @inline(__always) static func reg(_ cpu: CPU, _ i: Instr) { do { try regBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func regBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.sseAvailable()
        cpu.setXmm(i.reg, Op.apply(cpu.xmm(i.reg), cpu.xmm(i.rm), UInt8(truncatingIfNeeded: i.imm)))
    }
    @inline(__always) static func mem(_ cpu: CPU, _ i: Instr) { do { try memBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func memBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.sseAvailable()
        // Arithmetic operands are exempt from the alignment check in AMD's misaligned mode (MXCSR.MM).
        let s = try cpu.load128(cpu.effectiveAddress(i), aligned: cpu.pointee.mxcsr & MXCSR.misalignedMode == 0)
        cpu.setXmm(i.reg, Op.apply(cpu.xmm(i.reg), s, UInt8(truncatingIfNeeded: i.imm)))
    }
}
