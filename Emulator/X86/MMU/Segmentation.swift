// Layer: X86 (CPU model), memory system: segment limit checks outside 64-bit mode (real mode,
// 16-bit and 32-bit protected mode, compatibility mode).
//
// The rules (Intel SDM vol. 3 §5.3, vol. 1 §3.4.5; AMD APM vol. 2 §4.12): every data access of
// `size` bytes at `offset` in a segment is checked against the segment's cached limit.
// - expand-up (code, or data with type bit E clear): offset + size - 1 <= limit.
// - expand-down (data with E set): offset > limit and offset + size - 1 <= 0xFFFF (B = 0) or
//   0xFFFF_FFFF (B = 1): the valid offsets are the ones *above* the limit.
// - a violation is #SS(0) when the segment is SS (explicit [ebp] operands and the implicit
//   stack accesses of PUSH/POP/CALL/RET/ENTER/LEAVE), #GP(0) for any other segment; in protected
//   mode a segment loaded with a null selector (not present in its cached attributes) gives
//   #GP(0) on any access. Real mode checks the cached limit too (0xFFFF after a real-mode load;
//   "big real mode" keeps a 4 GiB limit loaded in protected mode).
// - 64-bit mode has no limit checks (only canonical-address checks, MMU/TLB.swift).
//
// Type checks (SDM vol. 3 §5.4-5.5, the "#GP(0)/#SS(0)" lines of each instruction in vol. 2;
// AMD APM vol. 2 §4.9) go with the limit check, outside 64-bit mode and real mode:
// - a write through a code segment (a CS override, or readable code loaded into DS/ES/FS/GS)
//   or through a read-only data segment faults;
// - a read through an execute-only code segment faults (segment loads refuse to put one in
//   DS/ES/FS/GS, so only a CS-override read meets this rule);
// - the fault is #SS(0) through SS (which a load only accepts writable, so in practice never)
//   and #GP(0) otherwise. Real mode checks no types: its accesses see the segment as read/write
//   whatever attributes protected mode left in the cache (Bochs too).
//
// Cost. The access size is not known where the address is formed (`effectiveAddress` serves
// every handler; the handler then loads 1-16 bytes, or more at ea + k). So the check is split:
// 1. Where an offset becomes a linear address outside 64-bit mode, one compare decides whether
//    any access of up to 16 bytes there is surely inside a present, expand-up, *writable data*
//    segment (so neither a read nor a write can fail a type check). Flat 4 GiB data segments
//    pass it except within 16 bytes of 4 GiB; 64-bit code never runs it. Accesses through code
//    segments (CS overrides) and read-only data segments all take the slow path, reads too:
//    the address is formed before the handler says whether it reads or writes, and these
//    segments are rare in practice (the flat model loads writable data segments everywhere).
// 2. Otherwise the address is returned *deferred*: a value that no TLB entry can match (bits
//    63..52 = 0xA5A, non-canonical), carrying the segment number (bits 51..48) and the offset.
//    The TLB fast path misses, and the slow path (`readSlow`/`writeSlow`/`probeWrite`), which
//    knows the size, checks the limit exactly and continues with the real linear address.
//    A handler adding k to such an address (the second half of a far pointer, FXSAVE's fields)
//    adds it to the offset, which is then checked exactly as well.

extension CPUState {
    /// Bits 63..52 of a deferred (not yet limit-checked) address.
    static let deferredTag: UInt64 = 0xA5A

    /// True when `address` (outside 64-bit mode) is a deferred address (see the file comment).
    @inline(__always) func isDeferred(_ address: UInt64) -> Bool {
        mode != .long64 && address >> 52 == Self.deferredTag
    }

    /// Checks an access of `size` bytes at `offset` in segment `seg` (0...5) against its cached
    /// limit and attributes, for a write when `write` is set, else a read (see the file
    /// comment); throws #SS(0) for SS, #GP(0) otherwise.
    func checkSegmentLimit(_ seg: Int, offset: UInt64, size: Int, write: Bool) throws(CPUFault) {
        guard seg < 6 else { return }
        let attributes = system.attributes(seg)
        let fault: CPUFault = seg == Seg.ss ? .ss(0) : .gp(0)
        if !realMode {
            // A null selector in protected mode leaves the register unusable (not present).
            if attributes & SegmentAttribute.present == 0 { throw fault }
            if !Self.typeAllows(attributes, write: write) { throw fault }
        }
        if !Self.withinLimit(offset: offset, size: size, limit: system.limit(seg), attributes: attributes) { throw fault }
    }

    /// The segment-type rule for a data access through a segment with these hidden attributes
    /// (access byte: bit 3 = code; for code bit 1 = readable, for data bit 1 = writable):
    /// writes need a writable data segment, reads need data or readable code.
    @inline(__always) static func typeAllows(_ attributes: UInt16, write: Bool) -> Bool {
        let isCode = attributes & 0x08 != 0
        let readableOrWritable = attributes & 0x02 != 0
        if write { return !isCode && readableOrWritable }
        return !isCode || readableOrWritable
    }

    /// True when `size` bytes at `offset` lie within a segment of this (byte-scaled) limit
    /// and hidden attributes: expand-up, or expand-down (data type with E set: offsets above
    /// the limit, up to 64 KiB or 4 GiB by B).
    static func withinLimit(offset: UInt64, size: Int, limit: UInt32, attributes: UInt16) -> Bool {
        let last = offset &+ UInt64(size) &- 1
        if last < offset { return false }
        if attributes & 0x1C == 0x14 {
            let upper: UInt64 = attributes & SegmentAttribute.big != 0 ? 0xFFFF_FFFF : 0xFFFF
            return offset > UInt64(limit) && last <= upper
        }
        return last <= UInt64(limit)
    }

    /// The slow path's half of the check: a deferred address is checked for a read or write
    /// (`write`) of `size` bytes and replaced by its linear address; any other address is
    /// returned unchanged.
    @inline(__always) func resolveSegmented(_ address: UInt64, size: Int, write: Bool) throws(CPUFault) -> UInt64 {
        if !isDeferred(address) { return address }
        return try resolveDeferred(address, size: size, write: write)
    }

    @inline(never)
    func resolveDeferred(_ address: UInt64, size: Int, write: Bool) throws(CPUFault) -> UInt64 {
        let seg = Int((address >> 48) & 0xF)
        let offset = address & 0xFFFF_FFFF_FFFF
        try checkSegmentLimit(seg, offset: offset, size: size, write: write)
        return (segmentBase[seg] &+ offset) & 0xFFFF_FFFF
    }

    /// A near branch target outside 64-bit mode must lie within CS's limit, else #GP(0) on the
    /// branch itself (SDM JMP/CALL/RET: "IF tempEIP is not within code segment limit").
    @inline(__always) func checkCodeLimit(_ target: UInt64) throws(CPUFault) {
        if mode != .long64 && target > UInt64(system.segmentLimit.1) { throw .gp(0) }
    }
}

extension UnsafeMutablePointer where Pointee == CPUState {
    /// Linear address of `offset` in segment `seg` for an access of at most 16 bytes, outside
    /// 64-bit mode: base + offset wrapped at 4 GiB when the access is surely within the limit,
    /// else a deferred address the slow path checks exactly. The hidden limit and attributes
    /// are read in place through the CPU pointer (the offsets fold to constants): reading the
    /// tuples through `withUnsafeBytes` copied them to the stack, which cost every handler that
    /// forms an address a larger frame and a stack-protector check, in 64-bit mode too.
    @inline(__always) func segmentedLinear(_ seg: Int, _ offset: UInt64) -> UInt64 {
        if _fastPath(seg < 6) {
            let raw = UnsafeRawPointer(self)
            let limit = raw.load(fromByteOffset: MemoryLayout<CPUState>.offset(of: \CPUState.system.segmentLimit)! &+ seg &* 4,
                                 as: UInt32.self)
            let attributes = raw.load(fromByteOffset: MemoryLayout<CPUState>.offset(of: \CPUState.system.segmentAttributes)! &+ seg &* 2,
                                      as: UInt16.self)
            // Present, an expand-up writable data segment (P|S|code|E|W = 1|1|0|0|1: attributes
            // & 0x9E == 0x92, so no read or write fails a type check), and the last byte of a
            // 16-byte access is within the limit.
            if _fastPath(offset &+ 15 <= UInt64(limit) && attributes & 0x9E == 0x92) {
                return (pointee.segmentBase[seg] &+ offset) & 0xFFFF_FFFF
            }
            return CPUState.deferredTag << 52 | UInt64(seg) << 48 | (offset & 0xFFFF_FFFF_FFFF)
        }
        return (pointee.segmentBase[seg] &+ offset) & 0xFFFF_FFFF
    }

    /// The memory operand's address for an access wider than 16 bytes (FXSAVE/FXRSTOR 512,
    /// FNSAVE/FRSTOR 94/108, FNSTENV/FLDENV 14/28 bytes), which the handler then makes piecewise
    /// at ea + k: outside 64-bit mode the whole area is checked first against the segment's
    /// limit and type (a read, or a write when `write` is set), as the SDM's rule is for the
    /// whole operand ("#GP(0) if a memory operand effective address is outside the CS, DS, ES,
    /// FS, or GS segment limit"; #SS(0) for SS). The pieces are still formed by
    /// `segmentedLinear`, so they take the usual path and cannot fail the limit any more.
    @inline(__always) public func wideEffectiveAddress(_ i: Instr, size: Int, write: Bool) throws(CPUFault) -> UInt64 {
        if pointee.mode == .long64 { return effectiveAddress(i) }
        let seg = Int(i.pointee.segment)
        let offset = offset(i)
        try pointee.checkSegmentLimit(seg, offset: offset, size: size, write: write)
        return segmentedLinear(seg, offset)
    }
}
