// Layer: X86 (CPU model), execution: the code-segment limit outside 64-bit mode.
//
// Every instruction byte is fetched at an offset in CS and must lie within CS.limit (SDM vol. 3
// §5.3: "the processor checks ... that the instruction pointer does not exceed the limit"),
// else #GP(0) for the instruction that would be fetched. Near branches already fault on the
// branch when their target is beyond the limit (`checkCodeLimit`); this catches the rest:
// falling through past the limit, an instruction whose last bytes cross it, and targets of
// far transfers, interrupts and IRET. Blocks are cached independently of CS.limit, so the
// check runs on every block lookup outside 64-bit mode (64-bit mode has no limits): one
// compare of the block's last byte when the whole block fits.

extension X86CPU {
    /// Returns the block's entries that lie fully within CS.limit; #GP(0) when not even the
    /// first does.
    @inline(never)
    func clipToCodeLimit(_ rip: UInt64, _ start: Int32, _ count: Int32) throws(CPUFault) -> (start: Int32, count: Int32) {
        let limit = UInt64(state.pointee.system.segmentLimit.1)
        let first = cache.arena + Int(start)
        // The last byte of the block's last instruction (decoded offsets increase in a block).
        if count > 0 && first[Int(count) - 1].nextRIP &- 1 <= limit && rip <= limit { return (start, count) }
        var inside: Int32 = 0
        while inside < count && first[Int(inside)].nextRIP &- 1 <= limit && first[Int(inside)].nextRIP > rip {
            inside += 1
        }
        if inside == 0 { throw .gp(0) }
        return (start, inside)
    }
}
