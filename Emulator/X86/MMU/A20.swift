// Layer: X86 (CPU model), memory system: the CPU side of the A20 gate (the A20M# input).
// The board drives it from port 0x92 and the i8042 (Devices/Board/SystemControlPortA.swift);
// the mask itself lives in `MemoryAccess.a20Mask` and is applied where physical addresses
// are formed (MMU/TLB.swift `translate`/`fetchMiss`, the page walker's table accesses).

extension X86CPU {
    /// True while physical address bit 20 passes through (the reset state).
    public var a20Enabled: Bool { state.pointee.memory.a20Mask & (1 << 20) != 0 }

    /// Sets the A20 line. Cached translations were made with the old mask, so a change drops
    /// them all; decoded blocks are keyed by physical address and need nothing. Called from a
    /// port write (OUT ends its block), so the next access already sees the new mask.
    public func setA20(enabled: Bool) {
        let mask: UInt64 = enabled ? ~0 : ~(1 << 20)
        if state.pointee.memory.a20Mask == mask { return }
        state.pointee.memory.a20Mask = mask
        state.pointee.memory.flushTLB()
    }
}
