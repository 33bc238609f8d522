// Layer: X86 (CPU model), decoder output. A decoded instruction is a fixed-size record the
// interpreter runs by calling `handler`. Blocks of them sit in one flat unsafe buffer.
//
// Register operands are *byte offsets* into CPUState.regs (see CPUState.swift), so a handler
// reads AL, AH, AX, EAX or RAX with one load. Memory operands are base/index register numbers,
// a scale and a sign-extended displacement, computed by `effectiveAddress`.

/// An instruction handler. Handlers are plain functions (no context, no ARC) and *threaded*:
/// each runs its instruction's body (a `throws(CPUFault)` function that reads operands from
/// `Instr` and updates `CPU`), then retires the instruction and tail-calls the next entry of the
/// block (`retireAndContinue`), so a block runs as a chain of jumps with no dispatch loop.
/// A body that throws ends the chain through `raise`. Handlers do not keep RIP up to date:
/// branches set it (and `exitBlock = BlockExit.jumped`); the dispatcher sets it at block exit.
public typealias Handler = @convention(thin) (CPU, Instr) -> Void
public typealias Instr = UnsafePointer<DecodedInstruction>

public struct DecodedInstruction {
    public var handler: Handler
    /// Immediate, sign-extended to 64 bits (handlers truncate to their width). For relative
    /// branches: the absolute target. For MOV r64, imm64: the full immediate.
    public var imm: UInt64 = 0
    /// Memory displacement, sign-extended (for moffs: the absolute offset).
    public var disp: UInt64 = 0
    /// Address of the following instruction (virtual, i.e. RIP after this one).
    public var nextRIP: UInt64 = 0
    /// Second immediate: ENTER's nesting level, a far pointer's selector.
    public var imm2: UInt16 = 0
    public var length: UInt8 = 0
    /// Byte offset in the register file of the ModRM.reg operand (or opcode register, fixed register).
    public var reg: UInt8 = 0
    /// Byte offset of the ModRM.rm register operand (register forms only).
    public var rm: UInt8 = 0
    /// Register numbers (Reg.*) of the memory operand's base and index; Reg.zero when absent.
    public var base: UInt8 = UInt8(Reg.zero)
    public var index: UInt8 = UInt8(Reg.zero)
    public var scale: UInt8 = 0
    /// Segment of the memory operand (Seg.*); 6 means "no base" (always-zero entry).
    public var segment: UInt8 = UInt8(Seg.ds)
    /// 32-bit address size (67 prefix in 64-bit mode, or 32-bit mode).
    public var addr32: Bool = false
    /// 16-bit address size (67 prefix in 32-bit mode): the offset wraps at 64 KiB.
    public var addr16: Bool = false
    public var prefixes: Prefixes = []
    /// Effective operand size in bytes (1, 2, 4, 8).
    public var operandSize: UInt8 = 4

    public init(handler: Handler) { self.handler = handler }
}

public struct Prefixes: OptionSet, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let lock = Prefixes(rawValue: 1 << 0)
    public static let rep = Prefixes(rawValue: 1 << 1)      // F3 (REP / REPE)
    public static let repne = Prefixes(rawValue: 1 << 2)    // F2 (REPNE)
    public static let operandSize = Prefixes(rawValue: 1 << 3)
    public static let addressSize = Prefixes(rawValue: 1 << 4)
    public static let segmentOverride = Prefixes(rawValue: 1 << 5)
    public static let rex = Prefixes(rawValue: 1 << 6)
    public static let rexW = Prefixes(rawValue: 1 << 7)
}

extension UnsafePointer where Pointee == DecodedInstruction {
    /// Shorthand so handlers read `i.imm` instead of `i.pointee.imm`.
    @inline(__always) public var imm: UInt64 { pointee.imm }
    @inline(__always) public var reg: UInt8 { pointee.reg }
    @inline(__always) public var rm: UInt8 { pointee.rm }
}

extension UnsafeMutablePointer where Pointee == CPUState {
    // MARK: threading

    /// Retires instruction `i` and runs the next entry of the block, unless the block's budget
    /// is spent or the instruction asked to leave the block. Written so the call is in tail
    /// position: in release builds it compiles to an indirect jump (no stack growth; blocks are
    /// at most 64 entries, so debug builds nest at most 64 frames).
    @inline(__always) public func retireAndContinue(_ i: Instr) {
        let left = pointee.budget &- 1
        pointee.budget = left
        if left == 0 || pointee.exitBlock != BlockExit.none { return }
        let next = i + 1
        next.pointee.handler(self, next)
    }

    /// Records the exception raised by instruction `i` and ends the block's chain; the
    /// dispatcher restores RIP and delivers or reports it.
    @inline(never) public func raise(_ fault: CPUFault, at i: Instr) {
        pointee.pendingFault = fault
        pointee.faultEntry = UnsafeRawPointer(i)
    }

    // MARK: register operands by byte offset

    @inline(__always) public func reg<T: FixedWidthInteger>(_ offset: UInt8) -> T {
        UnsafeRawPointer(pointee.regs).load(fromByteOffset: Int(offset), as: T.self)
    }

    /// Writes a register operand. 32-bit writes zero the upper half (x86-64 rule); 8- and 16-bit
    /// writes leave the other bits alone.
    @inline(__always) public func setReg<T: FixedWidthInteger>(_ offset: UInt8, _ value: T) {
        let raw = UnsafeMutableRawPointer(pointee.regs)
        if T.bitWidth == 32 {
            raw.storeBytes(of: UInt64(truncatingIfNeeded: value), toByteOffset: Int(offset), as: UInt64.self)
        } else {
            raw.storeBytes(of: value, toByteOffset: Int(offset), as: T.self)
        }
    }

    /// Full 64-bit register by number (Reg.*).
    @inline(__always) public func gpr(_ n: Int) -> UInt64 { pointee.regs[n] }
    @inline(__always) public func setGPR(_ n: Int, _ v: UInt64) { pointee.regs[n] = v }

    // MARK: memory operands

    /// Linear address of the instruction's memory operand: segment base + base + index*scale +
    /// disp (+ `delta`, which BT-family instructions use to address beyond the operand; it is
    /// part of the offset, so it wraps with it), truncated to the address size.
    /// Outside 64-bit mode the segment limit is checked too (MMU/Segmentation.swift): an
    /// offset that may be outside it gives a deferred address, which the access checks exactly.
    @inline(__always) public func effectiveAddress(_ i: Instr, plus delta: UInt64 = 0) -> UInt64 {
        if pointee.mode == .long64 {
            return pointee.segmentBase[Int(i.pointee.segment)] &+ offset(i, plus: delta)
        }
        return segmentedLinear(Int(i.pointee.segment), offset(i, plus: delta))
    }

    /// Segment base + offset without any limit check (INVLPG names a linear address, it does
    /// not access memory).
    @inline(__always) public func linearAddress(_ i: Instr) -> UInt64 {
        let linear = pointee.segmentBase[Int(i.pointee.segment)] &+ offset(i)
        return pointee.mode == .long64 ? linear : linear & 0xFFFF_FFFF
    }

    /// The memory operand's offset within its segment (what LEA computes): base + index*scale
    /// + disp (+ delta), wrapped at the address size.
    @inline(__always) public func offset(_ i: Instr, plus delta: UInt64 = 0) -> UInt64 {
        let p = i.pointee
        let ea = pointee.regs[Int(p.base)] &+ (pointee.regs[Int(p.index)] << UInt64(p.scale)) &+ p.disp &+ delta
        if p.addr32 { return ea & 0xFFFF_FFFF }
        if p.addr16 { return ea & 0xFFFF }
        return ea
    }

    @inline(__always) public func load<T: FixedWidthInteger>(_ address: UInt64) throws(CPUFault) -> T {
        try pointee.read(address)
    }

    @inline(__always) public func store<T: FixedWidthInteger>(_ address: UInt64, _ value: T) throws(CPUFault) {
        try pointee.write(address, value)
    }

    // MARK: stack

    /// Pushes a value of width T (RSP-relative, SS). A faulting push leaves RSP unchanged.
    @inline(__always) public func push<T: FixedWidthInteger>(_ value: T) throws(CPUFault) {
        if pointee.mode == .long64 {
            let sp = pointee.regs[Reg.rsp] &- UInt64(MemoryLayout<T>.size)
            try pointee.write(sp, value, stack: true)
            pointee.regs[Reg.rsp] = sp
        } else {
            // ESP, or SP when SS is a 16-bit stack segment (SS.B = 0: real mode, 16-bit code).
            let mask = stackWidthMask
            let sp = (pointee.regs[Reg.rsp] &- UInt64(MemoryLayout<T>.size)) & mask
            try pointee.write(segmentedLinear(Seg.ss, sp), value, stack: true)
            pointee.regs[Reg.rsp] = (pointee.regs[Reg.rsp] & ~mask) | sp
        }
    }

    /// Pops a value of width T. A faulting pop leaves RSP unchanged.
    @inline(__always) public func pop<T: FixedWidthInteger>() throws(CPUFault) -> T {
        if pointee.mode == .long64 {
            let sp = pointee.regs[Reg.rsp]
            let v: T = try pointee.read(sp, stack: true)
            pointee.regs[Reg.rsp] = sp &+ UInt64(MemoryLayout<T>.size)
            return v
        } else {
            let mask = stackWidthMask
            let sp = pointee.regs[Reg.rsp] & mask
            let v: T = try pointee.read(segmentedLinear(Seg.ss, sp), stack: true)
            pointee.regs[Reg.rsp] = (pointee.regs[Reg.rsp] & ~mask) | ((sp &+ UInt64(MemoryLayout<T>.size)) & mask)
            return v
        }
    }
}
