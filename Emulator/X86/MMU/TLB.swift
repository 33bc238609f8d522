// Layer: X86 (CPU model), memory system. A software TLB: a direct-mapped table from virtual page
// number to a host pointer for that page. A guest load is a tag compare and a pointer add; a miss
// goes to the slow path, which translates (identity with CR0.PG clear, else the page walk in
// MMU/Paging.swift), checks permissions, fills the entry, or forwards the access to MMIO.
//
// Reads, writes and instruction fetches have separate tables, and each exists twice: one set
// for supervisor accesses (CPL 0-2) and one for user accesses (CPL 3). An entry is only filled
// after the walk allowed that access at that privilege, so a hit needs no permission check: the
// fast path stays one compare. `readTLB`/`writeTLB`/`fetchTLB` point at the set for the current
// CPL; `selectPrivilege` switches them (the dispatcher checks once per block, the slow path on
// every miss, and code that changes CPL calls `CPUState.privilegeChanged()`).
//
// Pages holding decoded code, and pages the walker read page-table entries from, are never in
// the write tables, so a write to them is seen by the slow path: a code write invalidates the
// decoded blocks (self-modifying code), a page-table write flushes the TLB. That keeps the TLB
// exactly coherent with the page tables in RAM: it never shows a translation a fresh walk
// would not give, so it is not guest-visible state (docs/determinism.md).

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
    /// Tables in `tables`: supervisor read, write, fetch, then user read, write, fetch.
    static let tableCount = 6

    let ramObject: Unmanaged<PhysicalMemory>
    let mmioBus: Unmanaged<IOBus>
    let portBus: Unmanaged<IOBus>
    public var ram: PhysicalMemory { ramObject.takeUnretainedValue() }
    public var mmio: IOBus { mmioBus.takeUnretainedValue() }
    public var ports: IOBus { portBus.takeUnretainedValue() }
    /// All six tables in one allocation.
    let tables: UnsafeMutablePointer<TLBEntry>
    /// The tables for the current privilege (see the file comment).
    public private(set) var readTLB: UnsafeMutablePointer<TLBEntry>
    public private(set) var writeTLB: UnsafeMutablePointer<TLBEntry>
    public private(set) var fetchTLB: UnsafeMutablePointer<TLBEntry>
    /// True when the user (CPL 3) set is selected.
    public private(set) var userTables = false
    /// Per RAM page: non-zero when decoded blocks were built from it.
    public let pageHasCode: UnsafeMutablePointer<UInt8>
    /// Per RAM page: bumped whenever a page holding code is written; blocks remember it.
    public let pageGeneration: UnsafeMutablePointer<UInt32>
    /// Per RAM page: non-zero when TLB entries may derive from page-table entries in it.
    public let pageIsTable: UnsafeMutablePointer<UInt8>
    public let pageCount: Int
    /// The A20 gate (PC board: port 0x92 bit 1 and the i8042's output port bit 1): ~0 while
    /// enabled; with the gate disabled, bit 20 of every physical address is forced to 0 (an
    /// address in an odd megabyte reaches the even one below, as on the 8086's 1 MiB wrap).
    /// Applied where physical addresses are formed (translation, page-table accesses), so the
    /// TLB fast path never sees it; changing it flushes the TLB (`X86CPU.setA20`).
    public var a20Mask: UInt64 = ~0

    init(ram: PhysicalMemory, mmio: IOBus, ports: IOBus) {
        ramObject = .passUnretained(ram); mmioBus = .passUnretained(mmio); portBus = .passUnretained(ports)
        let invalid = TLBEntry(tag: TLBEntry.invalidTag, hostPage: ram.base)
        tables = .allocate(capacity: Self.tlbSize * Self.tableCount)
        tables.initialize(repeating: invalid, count: Self.tlbSize * Self.tableCount)
        readTLB = tables
        writeTLB = tables + Self.tlbSize
        fetchTLB = tables + 2 * Self.tlbSize
        pageCount = Int(ram.size >> Self.pageShift)
        pageHasCode = .allocate(capacity: pageCount)
        pageHasCode.initialize(repeating: 0, count: pageCount)
        pageGeneration = .allocate(capacity: pageCount)
        pageGeneration.initialize(repeating: 0, count: pageCount)
        pageIsTable = .allocate(capacity: pageCount)
        pageIsTable.initialize(repeating: 0, count: pageCount)
    }

    func deallocate() {
        tables.deallocate(); pageHasCode.deallocate(); pageGeneration.deallocate(); pageIsTable.deallocate()
    }

    /// Points the fast-path tables at the supervisor or the user set.
    @inline(__always)
    public mutating func selectPrivilege(user: Bool) {
        if user == userTables { return }
        userTables = user
        let base = tables + (user ? 3 * Self.tlbSize : 0)
        readTLB = base
        writeTLB = base + Self.tlbSize
        fetchTLB = base + 2 * Self.tlbSize
    }

    /// Drops every translation (CR3 load, paging-mode change, page-table write, snapshot restore).
    public func flushTLB() {
        let invalid = TLBEntry(tag: TLBEntry.invalidTag, hostPage: ram.base)
        tables.update(repeating: invalid, count: Self.tlbSize * Self.tableCount)
    }

    /// Drops the translations of one virtual page (INVLPG) in every table.
    public func flushPage(_ linear: UInt64) {
        let page = linear >> Self.pageShift
        let index = Int(truncatingIfNeeded: page) & (Self.tlbSize - 1)
        for t in 0..<Self.tableCount where tables[t * Self.tlbSize + index].tag == page {
            tables[t * Self.tlbSize + index].tag = TLBEntry.invalidTag
        }
    }

    /// Removes physical frame `page` from both write tables (every alias of it).
    func dropWriteEntries(_ page: Int) {
        let host = ram.base + (page << 12)
        for set in 0..<2 {
            let w = tables + (set * 3 + 1) * Self.tlbSize
            for i in 0..<Self.tlbSize where w[i].hostPage == host { w[i].tag = TLBEntry.invalidTag }
        }
    }

    /// Called when blocks are built from physical page `page`: later writes must take the slow path.
    public func markCodePage(_ page: Int) {
        guard page < pageCount, pageHasCode[page] == 0 else { return }
        pageHasCode[page] = 1
        dropWriteEntries(page)
    }

    /// Called when the walker used an entry in physical page `page` for a translation it caches.
    func markTablePage(_ page: Int) {
        guard page >= 0, page < pageCount, pageIsTable[page] == 0 else { return }
        pageIsTable[page] = 1
        dropWriteEntries(page)
    }
}

extension CPUState {
    /// True when a 64-bit linear address is canonical (bits 63..47 all equal).
    @inline(__always) static func isCanonical(_ a: UInt64) -> Bool {
        (Int64(bitPattern: a) << 16) >> 16 == Int64(bitPattern: a)
    }

    /// Translates a linear address to physical for a data access: identity with CR0.PG clear,
    /// else the page walk (#PF with CR2 on failure). Checks canonical form in 64-bit mode.
    /// `stack` selects #SS instead of #GP; `write` is the access type the walk checks (and
    /// marks dirty).
    @inline(__always)
    mutating func translate(_ linear: UInt64, stack: Bool, write: Bool = false) throws(CPUFault) -> UInt64 {
        if mode == .long64 {
            guard Self.isCanonical(linear) else { throw Self.addressFault(stack: stack) }
            if cr0 & CR0.pg != 0 { return try pageWalk(linear, write: write, fetch: false) & memory.a20Mask }
            return linear & memory.a20Mask
        }
        if cr0 & CR0.pg != 0 { return try pageWalk(linear & 0xFFFF_FFFF, write: write, fetch: false) & memory.a20Mask }
        return linear & 0xFFFF_FFFF & memory.a20Mask
    }

    /// Translates an instruction-fetch address (once per block, by the dispatcher): through the
    /// fetch TLB of the current privilege, else the walk with fetch semantics (NX, I/D bit).
    @inline(__always)
    mutating func translateFetch(_ linear: UInt64) throws(CPUFault) -> UInt64 {
        if cr0 & CR0.pg == 0 { return try translate(linear, stack: false) }
        memory.selectPrivilege(user: cpl == 3)
        let page = linear >> MemoryAccess.pageShift
        let entry = memory.fetchTLB[Int(truncatingIfNeeded: page) & (MemoryAccess.tlbSize - 1)]
        if entry.tag == page {
            return UInt64(entry.hostPage - memory.ram.base) | (linear & 0xFFF)
        }
        return try fetchMiss(linear)
    }

    @inline(never)
    mutating func fetchMiss(_ linear: UInt64) throws(CPUFault) -> UInt64 {
        let l = mode == .long64 ? linear : linear & 0xFFFF_FFFF
        if mode == .long64 && !Self.isCanonical(l) { throw .gp(0) }
        let physical = try pageWalk(l, write: false, fetch: true) & memory.a20Mask
        if memory.ram.contains(physical & ~0xFFF, count: 4096) {
            let page = linear >> MemoryAccess.pageShift
            memory.fetchTLB[Int(truncatingIfNeeded: page) & (MemoryAccess.tlbSize - 1)] =
                TLBEntry(tag: page, hostPage: memory.ram.base + Int(physical & ~0xFFF))
        }
        return physical
    }

    /// Code that changes CPL calls this so that the fast path uses the tables of the new privilege
    /// from the next access on (the dispatcher also checks once per block).
    @inline(__always)
    public mutating func privilegeChanged() {
        memory.selectPrivilege(user: cpl == 3)
    }

    /// A supervisor-mode ("implicit") access at any CPL: descriptor tables, the TSS, the IDT.
    /// Page protection treats it as CPL 0 (the #PF error code has U/S clear).
    public mutating func readSupervisor<T: FixedWidthInteger>(_ address: UInt64) throws(CPUFault) -> T {
        let saved = cpl
        cpl = 0
        memory.selectPrivilege(user: false)
        defer { cpl = saved; memory.selectPrivilege(user: saved == 3) }
        return try read(address)
    }

    public mutating func writeSupervisor<T: FixedWidthInteger>(_ address: UInt64, _ value: T) throws(CPUFault) {
        let saved = cpl
        cpl = 0
        memory.selectPrivilege(user: false)
        defer { cpl = saved; memory.selectPrivilege(user: saved == 3) }
        try write(address, value)
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
        memory.selectPrivilege(user: cpl == 3)
        let address = try resolveSegmented(address, size: size, write: true)
        _ = try translate(address, stack: false, write: true)
        _ = try translate(address &+ UInt64(size - 1), stack: false, write: true)
    }

    /// Outside 64-bit mode an access may not run past 4 GiB - 1: with flat 4 GiB segments that
    /// is a limit violation (#SS for stack references, #GP otherwise), not a wrap to address 0.
    /// (Segment limits proper are checked in MMU/Segmentation.swift.)
    @inline(__always)
    func checkWrapAround(_ address: UInt64, size: Int, stack: Bool) throws(CPUFault) {
        if mode != .long64 && address &+ UInt64(size) > 0x1_0000_0000 { throw Self.addressFault(stack: stack) }
    }

    @inline(never)
    mutating func readSlow(_ address: UInt64, size: Int, stack: Bool) throws(CPUFault) -> UInt64 {
        memory.selectPrivilege(user: cpl == 3)
        // A deferred address: the segment limit and type checks for this size (MMU/Segmentation.swift).
        let address = try resolveSegmented(address, size: size, write: false)
        if (address & 0xFFF) + UInt64(size) > 4096 {
            try checkWrapAround(address, size: size, stack: stack)
            // Crosses a page: both pages must translate before any byte is read (a #PF on the
            // second page reports its first byte in CR2).
            let last = (address &+ UInt64(size - 1)) & ~0xFFF
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
        // Data breakpoints (Execution/Debug.swift): check the access; a watched page stays out of the TLB.
        let watched = _slowPath(msr.dataWatch) && watchesPage(address)
        if _slowPath(msr.dataWatch) { noteDataAccess(address, size: size, write: false) }
        if memory.ram.contains(physical, count: UInt64(size)) {
            let page = address >> MemoryAccess.pageShift
            let host = memory.ram.base + Int(physical & ~0xFFF)
            if !watched {
                memory.readTLB[Int(truncatingIfNeeded: page) & (MemoryAccess.tlbSize - 1)] = TLBEntry(tag: page, hostPage: host)
            }
            var v: UInt64 = 0
            let p = host + Int(physical & 0xFFF)
            for i in 0..<size { v |= UInt64(p.load(fromByteOffset: i, as: UInt8.self)) << UInt64(8 * i) }
            return v
        }
        return memory.mmio.read(physical, size: size)
    }

    @inline(never)
    mutating func writeSlow(_ address: UInt64, size: Int, value: UInt64, stack: Bool) throws(CPUFault) {
        memory.selectPrivilege(user: cpl == 3)
        let address = try resolveSegmented(address, size: size, write: true)
        if (address & 0xFFF) + UInt64(size) > 4096 {
            try checkWrapAround(address, size: size, stack: stack)
            let last = (address &+ UInt64(size - 1)) & ~0xFFF
            _ = try translate(address, stack: stack, write: true)
            _ = try translate(last, stack: stack, write: true)
            for i in 0..<size {
                try writeSlow(address &+ UInt64(i), size: 1, value: value >> UInt64(8 * i), stack: stack)
            }
            return
        }
        let physical = try translate(address, stack: stack, write: true)
        // Data breakpoints (Execution/Debug.swift): check the access; a watched page stays out of the TLB.
        let watched = _slowPath(msr.dataWatch) && watchesPage(address)
        if _slowPath(msr.dataWatch) { noteDataAccess(address, size: size, write: true) }
        if memory.ram.contains(physical, count: UInt64(size)) {
            let frame = Int(physical >> MemoryAccess.pageShift)
            let wasTable = memory.pageIsTable[frame] != 0
            if wasTable {
                // A write to a page the walker read entries from: cached translations may be
                // stale from now on. Drop them all (the TLB stays exactly coherent), and leave
                // the block so the next fetch translates afresh.
                memory.pageIsTable[frame] = 0
                memory.flushTLB()
                if exitBlock == BlockExit.none { exitBlock = BlockExit.next }
            }
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
            // Not after a page-table write: this translation came from the tables before the
            // write, which may have changed it (a page table mapping itself).
            if !wasTable && !watched {
                memory.writeTLB[Int(truncatingIfNeeded: page) & (MemoryAccess.tlbSize - 1)] = TLBEntry(tag: page, hostPage: host)
            }
            let p = host + Int(physical & 0xFFF)
            for i in 0..<size { p.storeBytes(of: UInt8(truncatingIfNeeded: value >> UInt64(8 * i)), toByteOffset: i, as: UInt8.self) }
            return
        }
        memory.mmio.write(physical, size: size, value: value)
    }

    // MARK: I/O ports

    public mutating func portRead(_ port: UInt16, size: Int) -> UInt64 {
        if _slowPath(msr.ioWatch) { notePortAccess(port, size: size) }   // I/O breakpoints (Execution/Debug.swift)
        return memory.ports.read(UInt64(port), size: size)
    }

    public mutating func portWrite(_ port: UInt16, size: Int, value: UInt64) {
        if _slowPath(msr.ioWatch) { notePortAccess(port, size: size) }
        memory.ports.write(UInt64(port), size: size, value: value)
    }
}
