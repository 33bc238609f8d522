// Layer: X86 (CPU model), memory system. The page walker: translates a linear address through
// the page tables in guest RAM when CR0.PG is set, checks the access against the entries'
// permissions, sets their Accessed/Dirty bits and raises #PF with the architectural error code.
//
// Three formats (Intel SDM vol. 3 ch. 4, AMD APM vol. 2 ch. 5):
// - 4-level (EFER.LMA): PML4 -> PDPT -> PD -> PT, 9 index bits each, 8-byte entries;
//   1 GiB pages (PDPTE.PS) and 2 MiB pages (PDE.PS).
// - PAE (CR4.PAE, 32-bit): 4 PDPTEs at CR3[31:5] -> PD -> PT; 2 MiB pages. The PDPTEs are read
//   at walk time (hardware caches them at MOV CR3: a guest that edits them without reloading
//   CR3 sees the edit early here).
// - legacy 2-level (32-bit, no PAE): PD -> PT, 4-byte entries; 4 MiB pages with CR4.PSE
//   (PSE-36: PDE bits 20:13 are physical bits 39:32).
//
// Permissions combine over the levels: writable only if every level has R/W, user only if
// every level has U/S, no-execute if any level has XD (with EFER.NXE). A supervisor write to a
// read-only page faults only with CR0.WP. SMEP/SMAP/PKE are not advertised, so not checked.
// The Accessed bits are set (and Dirty on a write) only when the access succeeds.

/// CR0 bits.
public enum CR0 {
    public static let pe: UInt64 = 1 << 0
    public static let mp: UInt64 = 1 << 1
    public static let em: UInt64 = 1 << 2
    public static let ts: UInt64 = 1 << 3
    public static let et: UInt64 = 1 << 4
    public static let ne: UInt64 = 1 << 5
    public static let wp: UInt64 = 1 << 16
    public static let am: UInt64 = 1 << 18
    public static let nw: UInt64 = 1 << 29
    public static let cd: UInt64 = 1 << 30
    public static let pg: UInt64 = 1 << 31
    /// Bits MOV CR0 may set; setting any other bit is #GP(0).
    public static let defined: UInt64 = pe | mp | em | ts | et | ne | wp | am | nw | cd | pg
}

/// CR4 bits.
public enum CR4 {
    public static let tsd: UInt64 = 1 << 2
    public static let de: UInt64 = 1 << 3
    public static let pse: UInt64 = 1 << 4
    public static let pae: UInt64 = 1 << 5
    public static let mce: UInt64 = 1 << 6
    public static let pge: UInt64 = 1 << 7
    public static let pce: UInt64 = 1 << 8
    public static let osfxsr: UInt64 = 1 << 9
    public static let osxmmexcpt: UInt64 = 1 << 10
    /// Process-context identifiers: CR3[11:0] is the PCID (long mode only).
    public static let pcide: UInt64 = 1 << 17
    /// Bits this CPU implements; the others (VME, PVI, UMIP, FSGSBASE, OSXSAVE, SMEP, SMAP,
    /// PKE...) are not advertised, and setting them is #GP(0).
    public static let supported: UInt64 = tsd | de | pse | pae | mce | pge | pce | osfxsr | osxmmexcpt | pcide
    /// Bits whose change alters how addresses translate (SDM 4.10.4.1: the TLB is flushed).
    public static let pagingBits: UInt64 = pse | pae | pge
}

/// #PF error-code bits.
public enum PageFaultCode {
    public static let present: UInt32 = 1 << 0    // 0: not present; 1: protection violation
    public static let write: UInt32 = 1 << 1
    public static let user: UInt32 = 1 << 2
    public static let reserved: UInt32 = 1 << 3   // a reserved bit was set in some entry
    public static let fetch: UInt32 = 1 << 4      // instruction fetch (reported with NXE only)
}

/// Page-table entry bits.
enum PTE {
    static let present: UInt64 = 1 << 0
    static let writable: UInt64 = 1 << 1
    static let user: UInt64 = 1 << 2
    static let accessed: UInt64 = 1 << 5
    static let dirty: UInt64 = 1 << 6
    static let pageSize: UInt64 = 1 << 7
    static let noExecute: UInt64 = 1 << 63
    /// Physical address bits 51:48 are reserved with MAXPHYADDR = 48.
    static let aboveMaxPhysical: UInt64 = 0x000F_0000_0000_0000
    /// Next-table / 4 KiB frame address in a 64-bit entry.
    static let frame: UInt64 = 0x000F_FFFF_FFFF_F000
}

extension CPUState {
    /// Reads a paging-structure entry from physical memory (RAM, else the MMIO bus).
    @inline(__always)
    func loadTableEntry(_ address: UInt64, size: Int) -> UInt64 {
        let pa = address & memory.a20Mask     // the A20 gate applies to table reads too
        let ram = memory.ram
        if ram.contains(pa, count: UInt64(size)) {
            let p = ram.base + Int(pa)
            return size == 8 ? p.loadUnaligned(as: UInt64.self) : UInt64(p.loadUnaligned(as: UInt32.self))
        }
        return memory.mmio.read(pa, size: size)
    }

    /// Sets `bits` in the entry at `pa` (Accessed/Dirty) if they are not all set yet, and
    /// records that the page holds page tables. A/D updates are the CPU's writes to RAM: if
    /// decoded code came from that page, its blocks become stale like on any write.
    @inline(__always)
    mutating func updateTableEntry(_ address: UInt64, _ entry: UInt64, bits: UInt64, size: Int) {
        let pa = address & memory.a20Mask
        let ram = memory.ram
        guard ram.contains(pa, count: UInt64(size)) else { return }
        let frame = Int(pa >> 12)
        memory.markTablePage(frame)
        if entry & bits == bits { return }
        let p = ram.base + Int(pa)
        if size == 8 { p.storeBytes(of: entry | bits, as: UInt64.self) }
        else { p.storeBytes(of: UInt32(truncatingIfNeeded: entry | bits), as: UInt32.self) }
        if memory.pageHasCode[frame] != 0 {
            memory.pageHasCode[frame] = 0
            memory.pageGeneration[frame] &+= 1
            if exitBlock == BlockExit.none { exitBlock = BlockExit.next }
        }
    }

    /// Raises #PF for `linear` with error code `code`: CR2 gets the address.
    @inline(never)
    mutating func pageFault(_ linear: UInt64, _ code: UInt32) -> CPUFault {
        cr2 = linear
        return CPUFault(.pageFault, errorCode: code)
    }

    /// Translates `linear` through the current page tables for an access of the given type at
    /// the current CPL (CPL 3 = user). Returns the physical address or throws #PF.
    @inline(never)
    mutating func pageWalk(_ linear: UInt64, write: Bool, fetch: Bool) throws(CPUFault) -> UInt64 {
        let user = cpl == 3
        let nxe = efer & EFER.nxe != 0
        var code: UInt32 = (write ? PageFaultCode.write : 0) | (user ? PageFaultCode.user : 0)
        // The I/D bit is reported only when no-execute is enabled (no SMEP here).
        if fetch && nxe { code |= PageFaultCode.fetch }
        if cr4 & CR4.pae == 0 { return try legacyWalk(linear, write: write, user: user, code: code) }

        // Entry addresses per level (index 0 = the leaf's level ... up to 3), for the A/D pass.
        var at: (UInt64, UInt64, UInt64, UInt64) = (~0, ~0, ~0, ~0)
        var level: Int
        var table: UInt64
        if efer & EFER.lma != 0 {
            level = 4
            table = cr3 & PTE.frame
        } else {
            // 32-bit PAE: CR3[31:5] locates four PDPTEs; bits 31:30 of the address pick one.
            let pdpte = loadTableEntry((cr3 & 0xFFFF_FFE0) &+ ((linear >> 30) & 3) * 8, size: 8)
            if pdpte & PTE.present == 0 { throw pageFault(linear, code) }
            // PDPTE bits 2:1, 8:5 and 63:MAXPHYADDR are reserved.
            if pdpte & (0x1E6 | PTE.aboveMaxPhysical | PTE.noExecute) != 0 {
                throw pageFault(linear, code | PageFaultCode.present | PageFaultCode.reserved)
            }
            level = 2
            table = pdpte & PTE.frame
        }
        var writable = true, userOK = true, noExecute = false
        var entry: UInt64 = 0
        var pageMask: UInt64 = 0xFFF
        while true {
            let shift = UInt64(12 + 9 * (level - 1))
            let pa = table &+ ((linear >> shift) & 0x1FF) &* 8
            entry = loadTableEntry(pa, size: 8)
            switch level {
            case 1: at.0 = pa
            case 2: at.1 = pa
            case 3: at.2 = pa
            default: at.3 = pa
            }
            if entry & PTE.present == 0 { throw pageFault(linear, code) }
            var reserved = entry & PTE.aboveMaxPhysical
            if !nxe { reserved |= entry & PTE.noExecute }
            let large = entry & PTE.pageSize != 0 && level > 1
            if large {
                switch level {
                case 4: reserved |= PTE.pageSize                       // no 512 GiB pages
                case 3: reserved |= entry & 0x3FFF_E000                // 1 GiB: bits 29:13
                default: reserved |= entry & 0x1F_E000                 // 2 MiB: bits 20:13
                }
            }
            if reserved != 0 { throw pageFault(linear, code | PageFaultCode.present | PageFaultCode.reserved) }
            writable = writable && entry & PTE.writable != 0
            userOK = userOK && entry & PTE.user != 0
            noExecute = noExecute || (nxe && entry & PTE.noExecute != 0)
            if level == 1 || large {
                pageMask = (1 << shift) &- 1
                break
            }
            table = entry & PTE.frame
            level -= 1
        }
        if denied(write: write, fetch: fetch, user: user, writable: writable, userOK: userOK, noExecute: noExecute) {
            throw pageFault(linear, code | PageFaultCode.present)
        }
        // Success: Accessed on every level used, Dirty on the leaf for a write.
        let leafBits = PTE.accessed | (write ? PTE.dirty : 0)
        for k in 0..<4 {
            let pa: UInt64
            switch k { case 0: pa = at.0; case 1: pa = at.1; case 2: pa = at.2; default: pa = at.3 }
            if pa == ~0 { continue }
            let isLeaf = k == level - 1
            let current = isLeaf ? entry : loadTableEntry(pa, size: 8)
            updateTableEntry(pa, current, bits: isLeaf ? leafBits : PTE.accessed, size: 8)
        }
        if efer & EFER.lma == 0 {
            // The PDPTE page is part of the translation too (writes to it must flush).
            memory.markTablePage(Int((cr3 & 0xFFFF_FFE0) >> 12))
        }
        return (entry & PTE.frame & ~pageMask) | (linear & pageMask)
    }

    /// True when the combined permissions forbid the access (a protection #PF).
    @inline(__always)
    func denied(write: Bool, fetch: Bool, user: Bool, writable: Bool, userOK: Bool, noExecute: Bool) -> Bool {
        if user && !userOK { return true }
        // Writes: user writes need R/W; supervisor writes need it only with CR0.WP.
        if write && !writable && (user || cr0 & CR0.wp != 0) { return true }
        return fetch && noExecute
    }

    /// 2-level 32-bit paging (CR4.PAE clear).
    mutating func legacyWalk(_ linear: UInt64, write: Bool, user: Bool, code fullCode: UInt32) throws(CPUFault) -> UInt64 {
        // No execute-disable without PAE: the I/D bit stays clear.
        let code = fullCode & ~PageFaultCode.fetch
        let pdeAddress = (cr3 & 0xFFFF_F000) &+ ((linear >> 22) & 0x3FF) &* 4
        let pde = loadTableEntry(pdeAddress, size: 4)
        if pde & PTE.present == 0 { throw pageFault(linear, code) }
        if pde & PTE.pageSize != 0 && cr4 & CR4.pse != 0 {
            // 4 MiB page; PDE bit 21 is reserved (PSE-36 with a 40-bit physical address).
            if pde & (1 << 21) != 0 { throw pageFault(linear, code | PageFaultCode.present | PageFaultCode.reserved) }
            if denied(write: write, fetch: false, user: user, writable: pde & PTE.writable != 0,
                      userOK: pde & PTE.user != 0, noExecute: false) {
                throw pageFault(linear, code | PageFaultCode.present)
            }
            updateTableEntry(pdeAddress, pde, bits: PTE.accessed | (write ? PTE.dirty : 0), size: 4)
            let base = (pde & 0xFFC0_0000) | ((pde >> 13) & 0xFF) << 32
            return base | (linear & 0x3F_FFFF)
        }
        let pteAddress = (pde & 0xFFFF_F000) &+ ((linear >> 12) & 0x3FF) &* 4
        let pte = loadTableEntry(pteAddress, size: 4)
        if pte & PTE.present == 0 { throw pageFault(linear, code) }
        if denied(write: write, fetch: false, user: user, writable: pde & pte & PTE.writable != 0,
                  userOK: pde & pte & PTE.user != 0, noExecute: false) {
            throw pageFault(linear, code | PageFaultCode.present)
        }
        updateTableEntry(pdeAddress, pde, bits: PTE.accessed, size: 4)
        updateTableEntry(pteAddress, pte, bits: PTE.accessed | (write ? PTE.dirty : 0), size: 4)
        return (pte & 0xFFFF_F000) | (linear & 0xFFF)
    }
}
