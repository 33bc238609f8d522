// Layer: X86 (CPU model), memory system. A software TLB: a direct-mapped table from virtual page
// number to a host pointer for that page. A guest load is a tag compare and a pointer add; a miss
// goes to the slow path, which translates (identity until paging lands in [3/6]), checks
// permissions, fills the entry, or forwards the access to MMIO.
//
// Reads and writes have separate tables so a page can be readable fast but written slowly:
// pages holding decoded code are never in the write table, so a write to them is seen by the
// slow path, which invalidates the decoded blocks (self-modifying code).

import EmulatorCore

public struct TLBEntry {
    /// Virtual page number (address >> 12); `TLBEntry.invalidTag` never matches.
    public var tag: UInt64
    /// Host address of the page's first byte.
    public var hostPage: UnsafeMutableRawPointer

    public static let invalidTag: UInt64 = ~0
}

/// The CPU's view of memory. A trivial (plain-data) struct on purpose: CPUState must hold no
/// strong references, or every access through `cpu.pointee` risks a copy with retain/release
/// (measured: 40% of run time). The X86CPU object keeps RAM and the buses alive.
public struct MemoryAccess {
    public static let tlbSize = 256
    public static let pageShift: UInt64 = 12
    public static let pageSize: UInt64 = 4096

    let ramObject: Unmanaged<PhysicalMemory>
    let mmioBus: Unmanaged<IOBus>
    let portBus: Unmanaged<IOBus>
    public var ram: PhysicalMemory { ramObject.takeUnretainedValue() }
    public var mmio: IOBus { mmioBus.takeUnretainedValue() }
    public var ports: IOBus { portBus.takeUnretainedValue() }
    public let readTLB: UnsafeMutablePointer<TLBEntry>
    public let writeTLB: UnsafeMutablePointer<TLBEntry>
    /// Per RAM page: non-zero when decoded blocks were built from it.
    public let pageHasCode: UnsafeMutablePointer<UInt8>
    /// Per RAM page: bumped whenever a page holding code is written; blocks remember it.
    public let pageGeneration: UnsafeMutablePointer<UInt32>
    public let pageCount: Int

    init(ram: PhysicalMemory, mmio: IOBus, ports: IOBus) {
        ramObject = .passUnretained(ram); mmioBus = .passUnretained(mmio); portBus = .passUnretained(ports)
        let invalid = TLBEntry(tag: TLBEntry.invalidTag, hostPage: ram.base)
        readTLB = .allocate(capacity: Self.tlbSize)
        readTLB.initialize(repeating: invalid, count: Self.tlbSize)
        writeTLB = .allocate(capacity: Self.tlbSize)
        writeTLB.initialize(repeating: invalid, count: Self.tlbSize)
        pageCount = Int(ram.size >> Self.pageShift)
        pageHasCode = .allocate(capacity: pageCount)
        pageHasCode.initialize(repeating: 0, count: pageCount)
        pageGeneration = .allocate(capacity: pageCount)
        pageGeneration.initialize(repeating: 0, count: pageCount)
    }

    func deallocate() {
        readTLB.deallocate(); writeTLB.deallocate(); pageHasCode.deallocate(); pageGeneration.deallocate()
    }

    /// Drops every translation (CR3 load, mode switch, snapshot restore).
    public func flushTLB() {
        let invalid = TLBEntry(tag: TLBEntry.invalidTag, hostPage: ram.base)
        readTLB.update(repeating: invalid, count: Self.tlbSize)
        writeTLB.update(repeating: invalid, count: Self.tlbSize)
    }

    /// Called when blocks are built from physical page `page`: later writes must take the slow path.
    public func markCodePage(_ page: Int) {
        guard page < pageCount, pageHasCode[page] == 0 else { return }
        pageHasCode[page] = 1
        let host = ram.base + (page << 12)
        for i in 0..<Self.tlbSize where writeTLB[i].hostPage == host {
            writeTLB[i].tag = TLBEntry.invalidTag
        }
    }
}

extension CPUState {
    /// True when a 64-bit linear address is canonical (bits 63..47 all equal).
    @inline(__always) static func isCanonical(_ a: UInt64) -> Bool {
        (Int64(bitPattern: a) << 16) >> 16 == Int64(bitPattern: a)
    }

    /// Translates a linear address to physical. Identity until paging lands ([3/6]); checks
    /// canonical form in 64-bit mode. `stack` selects #SS instead of #GP. Small enough to inline
    /// (the interpreter calls it once per block for the fetch address).
    @inline(__always)
    mutating func translate(_ linear: UInt64, stack: Bool) throws(CPUFault) -> UInt64 {
        if mode == .long64 {
            guard Self.isCanonical(linear) else { throw Self.addressFault(stack: stack) }
            return linear
        }
        return linear & 0xFFFF_FFFF
    }

    /// An address outside what the segment allows (non-canonical in 64-bit mode, past 4 GiB
    /// otherwise): #SS(0) for push/pop-style stack references; else #GP(0) marked so the
    /// interpreter turns it into #SS(0) when the operand's segment is SS (see CPUFault).
    @inline(never)
    static func addressFault(stack: Bool) -> CPUFault {
        if stack { return .ss(0) }
        var f = CPUFault.gp(0)
        f.nonCanonical = true
        return f
    }

    // MARK: data access (fast path inline, slow path out of line)

    @inline(__always)
    public mutating func read<T: FixedWidthInteger>(_ address: UInt64, stack: Bool = false) throws(CPUFault) -> T {
        let page = address >> MemoryAccess.pageShift
        let entry = memory.readTLB[Int(truncatingIfNeeded: page) & (MemoryAccess.tlbSize - 1)]
        if _fastPath(entry.tag == page && (address & 0xFFF) &+ UInt64(MemoryLayout<T>.size) <= 4096) {
            return (entry.hostPage + Int(address & 0xFFF)).loadUnaligned(as: T.self)
        }
        return T(truncatingIfNeeded: try readSlow(address, size: MemoryLayout<T>.size, stack: stack))
    }

    @inline(__always)
    public mutating func write<T: FixedWidthInteger>(_ address: UInt64, _ value: T, stack: Bool = false) throws(CPUFault) {
        let page = address >> MemoryAccess.pageShift
        let entry = memory.writeTLB[Int(truncatingIfNeeded: page) & (MemoryAccess.tlbSize - 1)]
        if _fastPath(entry.tag == page && (address & 0xFFF) &+ UInt64(MemoryLayout<T>.size) <= 4096) {
            (entry.hostPage + Int(address & 0xFFF)).storeBytes(of: value, as: T.self)
            return
        }
        try writeSlow(address, size: MemoryLayout<T>.size, value: UInt64(truncatingIfNeeded: value), stack: stack)
    }

    /// Checks that a write of `size` bytes at `address` would succeed, without writing. Used by
    /// read-modify-write instructions whose destination must be writable before any state changes.
    @inline(never)
    public mutating func probeWrite(_ address: UInt64, size: Int) throws(CPUFault) {
        _ = try translate(address, stack: false)
        _ = try translate(address &+ UInt64(size - 1), stack: false)
    }

    /// Outside 64-bit mode an access may not run past 4 GiB - 1: with flat 4 GiB segments that
    /// is a limit violation (#SS for stack references, #GP otherwise), not a wrap to address 0.
    /// Full segment limit checks arrive with [3/6].
    @inline(__always)
    func checkWrapAround(_ address: UInt64, size: Int, stack: Bool) throws(CPUFault) {
        if mode != .long64 && address &+ UInt64(size) > 0x1_0000_0000 { throw Self.addressFault(stack: stack) }
    }

    @inline(never)
    mutating func readSlow(_ address: UInt64, size: Int, stack: Bool) throws(CPUFault) -> UInt64 {
        if (address & 0xFFF) + UInt64(size) > 4096 {
            try checkWrapAround(address, size: size, stack: stack)
            // Crosses a page: both pages must translate before any byte is read.
            let last = address &+ UInt64(size - 1)
            _ = try translate(address, stack: stack)
            _ = try translate(last, stack: stack)
            var v: UInt64 = 0
            for i in 0..<size {
                let b = try readSlow(address &+ UInt64(i), size: 1, stack: stack)
                v |= b << UInt64(8 * i)
            }
            return v
        }
        let physical = try translate(address, stack: stack)
        if memory.ram.contains(physical, count: UInt64(size)) {
            let page = address >> MemoryAccess.pageShift
            let host = memory.ram.base + Int(physical & ~0xFFF)
            memory.readTLB[Int(truncatingIfNeeded: page) & (MemoryAccess.tlbSize - 1)] = TLBEntry(tag: page, hostPage: host)
            var v: UInt64 = 0
            let p = host + Int(physical & 0xFFF)
            for i in 0..<size { v |= UInt64(p.load(fromByteOffset: i, as: UInt8.self)) << UInt64(8 * i) }
            return v
        }
        return memory.mmio.read(physical, size: size)
    }

    @inline(never)
    mutating func writeSlow(_ address: UInt64, size: Int, value: UInt64, stack: Bool) throws(CPUFault) {
        if (address & 0xFFF) + UInt64(size) > 4096 {
            try checkWrapAround(address, size: size, stack: stack)
            let last = address &+ UInt64(size - 1)
            _ = try translate(address, stack: stack)
            _ = try translate(last, stack: stack)
            for i in 0..<size {
                try writeSlow(address &+ UInt64(i), size: 1, value: value >> UInt64(8 * i), stack: stack)
            }
            return
        }
        let physical = try translate(address, stack: stack)
        if memory.ram.contains(physical, count: UInt64(size)) {
            let frame = Int(physical >> MemoryAccess.pageShift)
            if memory.pageHasCode[frame] != 0 {
                // Self-modifying code: blocks from this page are stale from now on.
                memory.pageHasCode[frame] = 0
                memory.pageGeneration[frame] &+= 1
                // Leave the block after this instruction (its later entries may be stale);
                // keep "jumped" if the instruction is a branch that already set RIP.
                if exitBlock == BlockExit.none { exitBlock = BlockExit.next }
            }
            let page = address >> MemoryAccess.pageShift
            let host = memory.ram.base + Int(physical & ~0xFFF)
            memory.writeTLB[Int(truncatingIfNeeded: page) & (MemoryAccess.tlbSize - 1)] = TLBEntry(tag: page, hostPage: host)
            let p = host + Int(physical & 0xFFF)
            for i in 0..<size { p.storeBytes(of: UInt8(truncatingIfNeeded: value >> UInt64(8 * i)), toByteOffset: i, as: UInt8.self) }
            return
        }
        memory.mmio.write(physical, size: size, value: value)
    }

    // MARK: I/O ports

    public mutating func portRead(_ port: UInt16, size: Int) -> UInt64 {
        memory.ports.read(UInt64(port), size: size)
    }

    public mutating func portWrite(_ port: UInt16, size: Int, value: UInt64) {
        memory.ports.write(UInt64(port), size: size, value: value)
    }
}
