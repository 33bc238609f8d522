// Layer: X86 (CPU model), instruction handlers: the string instructions MOVS, STOS, LODS, CMPS,
// SCAS, INS and OUTS, with and without REP/REPE/REPNE.
//
// Operands: the source is seg:rSI (DS unless a segment override names another segment), the
// destination is always ES:rDI (no override possible). After each element rSI/rDI move by the
// element size, forward when RFLAGS.DF = 0 and backward when DF = 1. The address size (not the
// operand size) chooses the registers: 64-bit uses RSI/RDI/RCX, 32-bit (67 prefix in 64-bit
// mode, default in 32-bit mode) ESI/EDI/ECX, written as 32-bit registers (zero-extended), and
// 16-bit (67 in 32-bit mode) SI/DI/CX, merged into the low word.
//
// REP: with rCX = 0 nothing happens (no access, no flag change). Otherwise one dispatch runs at
// most `StringOps.chunk` iterations; if the count is not exhausted (and, for CMPS/SCAS, the
// REPE/REPNE condition still holds), RIP is set back to the instruction itself and the block
// is left (`exitBlock`), so the interpreter can deliver events between chunks at a
// deterministic instruction count. Each chunk counts as one retired instruction. rSI/rDI/rCX
// are written back after every completed iteration's worth of work, so a fault in the middle
// leaves them describing exactly the iterations done (the instruction restarts precisely).
//
// F2 on MOVS/STOS/LODS/INS/OUTS acts as REP (the CPU does not distinguish there).

/// Carries the address size of a string instruction as a type, so each body is specialised.
protocol StringAddressSize {
    /// Mask applied to rSI/rDI/rCX.
    static var mask: UInt64 { get }
    static var bits: Int { get }
}
enum StringAddr16: StringAddressSize { static var mask: UInt64 { 0xFFFF }; static var bits: Int { 16 } }
enum StringAddr32: StringAddressSize { static var mask: UInt64 { 0xFFFF_FFFF }; static var bits: Int { 32 } }
enum StringAddr64: StringAddressSize { static var mask: UInt64 { ~0 }; static var bits: Int { 64 } }

extension UnsafeMutablePointer where Pointee == CPUState {
    /// Writes an index/count register at address size A: 16-bit merges, 32-bit zero-extends.
    @inline(__always) func setStringRegister<A: StringAddressSize>(_ r: Int, _ v: UInt64, _: A.Type) {
        if A.bits == 64 { pointee.regs[r] = v }
        else if A.bits == 32 { pointee.regs[r] = v & 0xFFFF_FFFF }
        else { pointee.regs[r] = (pointee.regs[r] & ~0xFFFF) | (v & 0xFFFF) }
    }
}

/// The per-instruction context: segment bases, step and linear-address rule.
struct StringContext {
    var sourceBase: UInt64
    var destinationBase: UInt64
    /// +size or -size (two's complement), from DF.
    var step: UInt64
    /// Outside 64-bit mode linear addresses wrap at 4 GiB.
    var linearMask: UInt64
    /// Outside 64-bit mode offsets are checked against the segment limits
    /// (MMU/Segmentation.swift): the source segment (DS or the override) and ES.
    var limitChecked: Bool
    var sourceSegment: Int
    var cpu: CPU

    @inline(__always) init<T: GuestInt>(_ cpu: CPU, _ i: Instr, _: T.Type) {
        let long = cpu.pointee.mode == .long64
        sourceBase = cpu.pointee.segmentBase[Int(i.pointee.segment)]
        destinationBase = long ? 0 : cpu.pointee.segmentBase[Seg.es]
        let size = UInt64(MemoryLayout<T>.size)
        step = cpu.pointee.flagBits & Flag.df != 0 ? 0 &- size : size
        linearMask = long ? ~0 : 0xFFFF_FFFF
        limitChecked = !long
        sourceSegment = Int(i.pointee.segment)
        self.cpu = cpu
    }

    @inline(__always) func source<A: StringAddressSize>(_ si: UInt64, _: A.Type) -> UInt64 {
        if A.bits != 64 && limitChecked { return cpu.segmentedLinear(sourceSegment, si & A.mask) }
        return (sourceBase &+ (si & A.mask)) & linearMask
    }
    @inline(__always) func destination<A: StringAddressSize>(_ di: UInt64, _: A.Type) -> UInt64 {
        if A.bits != 64 && limitChecked { return cpu.segmentedLinear(Seg.es, di & A.mask) }
        return (destinationBase &+ (di & A.mask)) & linearMask
    }
}

/// Which element operation a string body performs.
enum StringKind { case movs, stos, lods, cmps, scas, ins, outs }

enum StringBodies<T: GuestInt, A: StringAddressSize> {
    /// One element of `kind`, on the given index values. Returns true when the element compared
    /// equal (CMPS/SCAS; flags set as CMP), unused otherwise. Nothing is written to registers
    /// except LODS's accumulator, which is written only after the load succeeded.
    @inline(__always)
    static func element(_ kind: StringKind, _ cpu: CPU, _ ctx: StringContext, _ si: UInt64, _ di: UInt64) throws(CPUFault) -> Bool {
        switch kind {
        case .movs:
            let v: T = try cpu.load(ctx.source(si, A.self))
            try cpu.store(ctx.destination(di, A.self), v)
            return false
        case .stos:
            try cpu.store(ctx.destination(di, A.self), cpu.reg(0) as T)
            return false
        case .lods:
            let v: T = try cpu.load(ctx.source(si, A.self))
            cpu.setReg(0, v)
            return false
        case .cmps:
            // CMPS compares [rSI] - [rDI] (source first, unlike SCAS).
            let a: T = try cpu.load(ctx.source(si, A.self))
            let b: T = try cpu.load(ctx.destination(di, A.self))
            cpu.pointee.setLazy(.sub, a &- b, a, b)
            return a == b
        case .scas:
            let a = cpu.reg(0) as T
            let b: T = try cpu.load(ctx.destination(di, A.self))
            cpu.pointee.setLazy(.sub, a &- b, a, b)
            return a == b
        case .ins:
            // The destination is checked before the port is read, so a bad address does not
            // consume device data. (With paging, [3/6], a page fault on the store can still
            // follow the read; real CPUs check the destination first too.)
            let address = ctx.destination(di, A.self)
            try cpu.pointee.probeWrite(address, size: MemoryLayout<T>.size)
            let port = UInt16(truncatingIfNeeded: cpu.pointee.regs[Reg.rdx])
            let v = T(truncatingIfNeeded: cpu.pointee.portRead(port, size: MemoryLayout<T>.size))
            try cpu.store(address, v)
            return false
        case .outs:
            let v: T = try cpu.load(ctx.source(si, A.self))
            let port = UInt16(truncatingIfNeeded: cpu.pointee.regs[Reg.rdx])
            cpu.pointee.portWrite(port, size: MemoryLayout<T>.size, value: UInt64(v))
            return false
        }
    }

    @inline(__always) static func usesSource(_ kind: StringKind) -> Bool {
        kind == .movs || kind == .lods || kind == .cmps || kind == .outs
    }
    @inline(__always) static func usesDestination(_ kind: StringKind) -> Bool {
        kind != .lods && kind != .outs
    }

    @inline(__always)
    static func run(_ kind: StringKind, _ cpu: CPU, _ i: Instr) throws(CPUFault) {
        let ctx = StringContext(cpu, i, T.self)
        let regs = cpu.pointee.regs
        var si = regs[Reg.rsi]
        var di = regs[Reg.rdi]
        let prefixes = i.pointee.prefixes
        let repeated = prefixes.contains(.rep) || prefixes.contains(.repne)

        if !repeated {
            _ = try element(kind, cpu, ctx, si, di)
            if usesSource(kind) { cpu.setStringRegister(Reg.rsi, si &+ ctx.step, A.self) }
            if usesDestination(kind) { cpu.setStringRegister(Reg.rdi, di &+ ctx.step, A.self) }
            return
        }

        var count = regs[Reg.rcx] & A.mask
        if count == 0 { return }
        // CMPS/SCAS stop early: REPE (F3) while equal, REPNE (F2) while not equal.
        let compares = kind == .cmps || kind == .scas
        let whileEqual = prefixes.contains(.rep)
        var done = 0
        var stoppedByCondition = false
        // TF (single-stepping) stops after every iteration; it cannot change inside the loop.
        let stepping = cpu.pointee.flagBits & Flag.tf != 0
        // Forward REP MOVS/STOS with 64-bit addressing may copy or fill whole runs at once.
        let fast = (kind == .movs || kind == .stos) && A.bits == 64
            && cpu.pointee.flagBits & (Flag.df | Flag.tf) == 0
        do throws(CPUFault) {
            while true {
                if fast {
                    // Fast path: a whole run inside one source page and one destination page.
                    let limit = min(count, UInt64(StringOps.chunk - done))
                    let n = fastRun(kind, cpu, ctx, si, di, limit)
                    if n != 0 {
                        let bytes = n &* UInt64(MemoryLayout<T>.size)
                        if kind == .movs { si &+= bytes }
                        di &+= bytes
                        count &-= n
                        done &+= Int(n)
                        if count == 0 || done == StringOps.chunk { break }
                        continue
                    }
                }
                let equal = try element(kind, cpu, ctx, si, di)
                if usesSource(kind) { si &+= ctx.step }
                if usesDestination(kind) { di &+= ctx.step }
                count &-= 1
                done &+= 1
                if compares && equal != whileEqual { stoppedByCondition = true; break }
                if count == 0 || done == StringOps.chunk { break }
                // A data or I/O breakpoint hit, or TF (single-stepping traps after every
                // iteration, as QEMU and Bochs do): #DB after this iteration (Execution/Debug.swift).
                if _slowPath(stepping || cpu.pointee.msr.debugHits != 0) { break }
            }
        } catch {
            // Registers describe the iterations completed before the faulting one.
            writeBack(cpu, kind, si, di, count)
            throw error
        }
        writeBack(cpu, kind, si, di, count)
        if count != 0 && !stoppedByCondition {
            // Not finished: run this instruction again after the interpreter had a chance to
            // take events.
            var own = i.pointee.nextRIP &- UInt64(i.pointee.length)
            if cpu.pointee.mode != .long64 { own &= 0xFFFF_FFFF }
            regs[Reg.rip] = own
            cpu.pointee.exitBlock = BlockExit.jumped
        }
    }

    /// REP MOVS/STOS fast path (DF = 0, 64-bit addressing): processes up to `limit` elements
    /// that lie in the current source and destination pages when both pages are in the
    /// software TLB (so every element access would take the TLB fast path anyway: RAM, no
    /// fault, destination not a code page). Returns the number of elements done, 0 when the
    /// run is too short or a page is not mapped in the TLB (the caller then takes one element
    /// the ordinary way, which fills the TLB or raises the fault).
    /// Exactness: MOVS must behave as a forward element-by-element copy. When the destination
    /// lies above the source by less than the run length, a block copy would differ (the
    /// element loop re-reads bytes it already wrote), so the run is cut to the distance; below
    /// one element of distance, the element loop handles it.
    @inline(__always)
    static func fastRun(_ kind: StringKind, _ cpu: CPU, _ ctx: StringContext, _ si: UInt64, _ di: UInt64,
                        _ limit: UInt64) -> UInt64 {
        let size = UInt64(MemoryLayout<T>.size)
        let dst = ctx.destination(di, A.self)
        let dstOffset = dst & 0xFFF
        var n = min(limit, (4096 &- dstOffset) / size)
        if n < 2 { return 0 }
        let wEntry = cpu.pointee.memory.writeTLB[Int(truncatingIfNeeded: dst >> MemoryAccess.pageShift) & (MemoryAccess.tlbSize - 1)]
        guard wEntry.tag == dst >> MemoryAccess.pageShift else { return 0 }
        let dstHost = wEntry.hostPage + Int(dstOffset)
        if kind == .movs {
            let src = ctx.source(si, A.self)
            let srcOffset = src & 0xFFF
            n = min(n, (4096 &- srcOffset) / size)
            if n < 2 { return 0 }
            let rEntry = cpu.pointee.memory.readTLB[Int(truncatingIfNeeded: src >> MemoryAccess.pageShift) & (MemoryAccess.tlbSize - 1)]
            guard rEntry.tag == src >> MemoryAccess.pageShift else { return 0 }
            let srcHost = rEntry.hostPage + Int(srcOffset)
            if dstHost > srcHost {
                let distance = UInt64(dstHost - srcHost)
                if distance < n &* size {
                    n = distance / size
                    if n < 2 { return 0 }
                }
            }
            // memmove semantics; with the cut above it equals the forward element loop.
            dstHost.copyMemory(from: UnsafeRawPointer(srcHost), byteCount: Int(n &* size))
        } else {
            let v = cpu.reg(0) as T
            if T.bitWidth == 8 {
                dstHost.initializeMemory(as: UInt8.self, repeating: UInt8(truncatingIfNeeded: v), count: Int(n))
            } else {
                for k in 0..<Int(n) { dstHost.storeBytes(of: v, toByteOffset: k &* Int(size), as: T.self) }
            }
        }
        return n
    }

    @inline(__always)
    static func writeBack(_ cpu: CPU, _ kind: StringKind, _ si: UInt64, _ di: UInt64, _ count: UInt64) {
        if usesSource(kind) { cpu.setStringRegister(Reg.rsi, si, A.self) }
        if usesDestination(kind) { cpu.setStringRegister(Reg.rdi, di, A.self) }
        cpu.setStringRegister(Reg.rcx, count, A.self)
    }
}

/// Concrete entry points: one per operation and element size; the address size is chosen at
/// run time (one branch), then the specialised body runs.
enum StringHandlers<T: GuestInt> {
    @inline(__always) static func dispatch(_ kind: StringKind, _ cpu: CPU, _ i: Instr) throws(CPUFault) {
        if cpu.pointee.mode == .long64 {
            if i.pointee.addr32 { try StringBodies<T, StringAddr32>.run(kind, cpu, i) }
            else { try StringBodies<T, StringAddr64>.run(kind, cpu, i) }
        } else {
            // In 32-bit mode `addr32` is false only with a 67 prefix: 16-bit addressing.
            if i.pointee.addr32 { try StringBodies<T, StringAddr32>.run(kind, cpu, i) }
            else { try StringBodies<T, StringAddr16>.run(kind, cpu, i) }
        }
    }
    @inline(__always) static func movs(_ cpu: CPU, _ i: Instr) { do { try movsBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func movsBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) { try dispatch(.movs, cpu, i) }
    @inline(__always) static func stos(_ cpu: CPU, _ i: Instr) { do { try stosBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func stosBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) { try dispatch(.stos, cpu, i) }
    @inline(__always) static func lods(_ cpu: CPU, _ i: Instr) { do { try lodsBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func lodsBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) { try dispatch(.lods, cpu, i) }
    @inline(__always) static func cmps(_ cpu: CPU, _ i: Instr) { do { try cmpsBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func cmpsBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) { try dispatch(.cmps, cpu, i) }
    @inline(__always) static func scas(_ cpu: CPU, _ i: Instr) { do { try scasBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func scasBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) { try dispatch(.scas, cpu, i) }
    @inline(__always) static func ins(_ cpu: CPU, _ i: Instr) { do { try insBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func insBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) { try dispatch(.ins, cpu, i) }
    @inline(__always) static func outs(_ cpu: CPU, _ i: Instr) { do { try outsBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func outsBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) { try dispatch(.outs, cpu, i) }
}

public enum StringOps {
    /// Iterations of a REP string instruction per dispatch.
    public static let chunk = 4096

    public static let movs = HandlerSet(any8: StringHandlers<UInt8>.movs, any16: StringHandlers<UInt16>.movs,
                                        any32: StringHandlers<UInt32>.movs, any64: StringHandlers<UInt64>.movs)
    public static let stos = HandlerSet(any8: StringHandlers<UInt8>.stos, any16: StringHandlers<UInt16>.stos,
                                        any32: StringHandlers<UInt32>.stos, any64: StringHandlers<UInt64>.stos)
    public static let lods = HandlerSet(any8: StringHandlers<UInt8>.lods, any16: StringHandlers<UInt16>.lods,
                                        any32: StringHandlers<UInt32>.lods, any64: StringHandlers<UInt64>.lods)
    public static let cmps = HandlerSet(any8: StringHandlers<UInt8>.cmps, any16: StringHandlers<UInt16>.cmps,
                                        any32: StringHandlers<UInt32>.cmps, any64: StringHandlers<UInt64>.cmps)
    public static let scas = HandlerSet(any8: StringHandlers<UInt8>.scas, any16: StringHandlers<UInt16>.scas,
                                        any32: StringHandlers<UInt32>.scas, any64: StringHandlers<UInt64>.scas)
    /// INS/OUTS move at most 32 bits: with REX.W (operand size 64) they still use dwords.
    public static let ins = HandlerSet(any8: StringHandlers<UInt8>.ins, any16: StringHandlers<UInt16>.ins,
                                       any32: StringHandlers<UInt32>.ins, any64: StringHandlers<UInt32>.ins)
    public static let outs = HandlerSet(any8: StringHandlers<UInt8>.outs, any16: StringHandlers<UInt16>.outs,
                                        any32: StringHandlers<UInt32>.outs, any64: StringHandlers<UInt32>.outs)
}
