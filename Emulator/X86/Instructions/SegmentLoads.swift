// Layer: X86 (CPU model), instruction handlers: load a far pointer into a segment register and
// a general register. C5 LDS, C4 LES (not in 64-bit mode, where C4/C5 are VEX), 0F B2 LSS,
// 0F B4 LFS, 0F B5 LGS. The memory operand is m16:16 or m16:32: the offset (operand size),
// then the selector. The segment register is loaded first, with the checks of a MOV to it
// (Descriptors.swift `loadSegment`; real mode: base = selector << 4), so a fault leaves the
// general register unchanged. LSS opens the one-instruction interrupt shadow, like MOV SS.
// The REX.W form (m16:64) is not provided (#UD).

enum FarPointerLoad<T: GuestInt, S: SegmentChoice> {
    static func load(_ cpu: CPU, _ i: Instr) { do { try loadBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func loadBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        let ea = cpu.effectiveAddress(i)
        let offset: T = try cpu.load(ea)
        let wrap: UInt64 = cpu.pointee.mode == .long64 ? ~0 : 0xFFFF_FFFF
        let selector: UInt16 = try cpu.load((ea &+ UInt64(MemoryLayout<T>.size)) & wrap)
        try cpu.loadSegment(S.seg, selector)
        cpu.setReg(i.reg, offset)
    }
}

/// The segment register a far-pointer load writes (one concrete type per register, so each
/// handler is a concrete function).
protocol SegmentChoice { static var seg: Int { get } }
enum LoadES: SegmentChoice { static var seg: Int { Seg.es } }
enum LoadSS: SegmentChoice { static var seg: Int { Seg.ss } }
enum LoadDS: SegmentChoice { static var seg: Int { Seg.ds } }
enum LoadFS: SegmentChoice { static var seg: Int { Seg.fs } }
enum LoadGS: SegmentChoice { static var seg: Int { Seg.gs } }

public enum SegmentLoads {
    // Spelled out per register: a handler must be a fully concrete function.
    public static let les = HandlerSet(mem16: FarPointerLoad<UInt16, LoadES>.load, mem32: FarPointerLoad<UInt32, LoadES>.load)
    public static let lss = HandlerSet(mem16: FarPointerLoad<UInt16, LoadSS>.load, mem32: FarPointerLoad<UInt32, LoadSS>.load)
    public static let lds = HandlerSet(mem16: FarPointerLoad<UInt16, LoadDS>.load, mem32: FarPointerLoad<UInt32, LoadDS>.load)
    public static let lfs = HandlerSet(mem16: FarPointerLoad<UInt16, LoadFS>.load, mem32: FarPointerLoad<UInt32, LoadFS>.load)
    public static let lgs = HandlerSet(mem16: FarPointerLoad<UInt16, LoadGS>.load, mem32: FarPointerLoad<UInt32, LoadGS>.load)
}
