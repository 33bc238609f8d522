// Layer: X86 (CPU model), system architecture: the descriptor-table registers (GDTR, IDTR,
// LDTR, TR), the hidden part of the segment registers (base, limit, attributes), reading and
// checking descriptors, segment-register loads with their protection checks, and the
// instructions LGDT/LIDT/SGDT/SIDT, LLDT/SLDT/LTR/STR, VERR/VERW, LAR/LSL.
//
// Descriptor formats (Intel SDM vol. 3 §3.4.5, AMD APM vol. 2 §4.7-4.8): a segment descriptor
// is 8 bytes:
//   low dword:  limit[15:0] | base[15:0] << 16
//   high dword: base[23:16] | access byte << 8 | limit[19:16] << 16 | flags << 20 | base[31:24] << 24
// access byte: type[3:0], S (1 = code/data) bit 4, DPL bits 6:5, P bit 7.
// flags: AVL bit 0, L (64-bit code) bit 1, D/B bit 2, G (limit in 4 KiB units) bit 3.
// System descriptors (LDT, TSS) and gates are 16 bytes in long mode (base/offset bits 63:32
// in the third dword).
//
// The hidden segment attributes are kept in the compact 12-bit form AMD's VMCB uses:
// access byte in bits 7:0, the flags nibble in bits 11:8.

import EmulatorCore

/// Everything the system-architecture code adds to CPUState. Plain data (no references), so
/// CPUState stays POD.
public struct SystemRegisters {
    public var gdtBase: UInt64 = 0
    public var gdtLimit: UInt16 = 0xFFFF
    public var idtBase: UInt64 = 0
    public var idtLimit: UInt16 = 0xFFFF
    public var ldtSelector: UInt16 = 0
    public var ldtBase: UInt64 = 0
    public var ldtLimit: UInt32 = 0
    /// 0 = unusable (null LDT).
    public var ldtAttributes: UInt16 = 0
    public var trSelector: UInt16 = 0
    public var trBase: UInt64 = 0
    /// Limit 0 until LTR: no I/O permission bitmap (user-mode IN/OUT above IOPL fault).
    public var trLimit: UInt32 = 0
    /// Busy 64-bit (or 386) TSS, present.
    public var trAttributes: UInt16 = 0x8B
    /// Limits of ES, CS, SS, DS, FS, GS (bytes, already scaled by G).
    public var segmentLimit: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32) =
        (0xFFFF_FFFF, 0xFFFF_FFFF, 0xFFFF_FFFF, 0xFFFF_FFFF, 0xFFFF_FFFF, 0xFFFF_FFFF)
    /// Attributes of ES, CS, SS, DS, FS, GS (see the file comment). Reset state: a 64-bit ring-0
    /// code segment (P, S, type 0xB, L) and ring-0 read/write data segments (P, S, type 3, D/B, G).
    public var segmentAttributes: (UInt16, UInt16, UInt16, UInt16, UInt16, UInt16) =
        (0xC93, 0x29B, 0xC93, 0xC93, 0xC93, 0xC93)
    /// One-instruction interrupt shadow after STI (that set IF) and MOV SS / POP SS: no
    /// interrupt (and, for MOV SS, no #DB) is accepted before the next instruction completes.
    public var interruptShadow: Bool = false
    /// The last instruction was MOV SS / POP SS (set there; STI clears it when it opens its own
    /// shadow, and the debug dispatcher before each instruction it runs, Execution/Debug.swift):
    /// while `interruptShadow` is also set the shadow is the stack switch's, so #DB traps (single
    /// step, data breakpoints) wait until after the next instruction, and with `--cpu intel` an
    /// instruction breakpoint on that next instruction is suppressed (SDM vol. 3A 6.8.3).
    public var stackShadow: Bool = false
    /// Set while an NMI handler runs: a further NMI waits until the next IRET.
    public var nmiBlocked: Bool = false
    /// An NMI is latched and waits for delivery (edge-triggered: one pending at most).
    public var nmiPending: Bool = false
    /// SYSRET loaded RFLAGS.TF = 1: the single-step #DB is taken right after it, before the
    /// first user instruction (Execution/Debug.swift; kvm-unit-tests' syscall test).
    public var singleStepAfterReturn: Bool = false
    /// Fast system call MSRs (the MSR file, "mmu"'s Emulator/X86/MSRs.swift, reads and writes
    /// these): STAR (C000_0081), LSTAR (C000_0082), CSTAR (C000_0083), SFMASK (C000_0084),
    /// SYSENTER_CS/ESP/EIP (174h-176h).
    public var star: UInt64 = 0
    public var lstar: UInt64 = 0
    public var cstar: UInt64 = 0
    public var sfmask: UInt64 = 0
    public var sysenterCS: UInt64 = 0
    public var sysenterESP: UInt64 = 0
    public var sysenterEIP: UInt64 = 0

    public init() {}

    /// Field by field (never the raw bytes: padding is not guest state).
    public func hash(into h: inout StateHash) {
        for v in [gdtBase, UInt64(gdtLimit), idtBase, UInt64(idtLimit),
                  UInt64(ldtSelector), ldtBase, UInt64(ldtLimit), UInt64(ldtAttributes),
                  UInt64(trSelector), trBase, UInt64(trLimit), UInt64(trAttributes),
                  interruptShadow ? 1 : 0, nmiBlocked ? 1 : 0, nmiPending ? 1 : 0, singleStepAfterReturn ? 1 : 0, stackShadow ? 1 : 0,
                  star, lstar, cstar, sfmask, sysenterCS, sysenterESP, sysenterEIP] { h.add(v) }
        for s in 0..<6 { h.add(UInt64(limit(s)) | UInt64(attributes(s)) << 32) }
    }

    public func limit(_ seg: Int) -> UInt32 {
        withUnsafeBytes(of: segmentLimit) { $0.load(fromByteOffset: seg * 4, as: UInt32.self) }
    }
    public mutating func setLimit(_ seg: Int, _ v: UInt32) {
        withUnsafeMutableBytes(of: &segmentLimit) { $0.storeBytes(of: v, toByteOffset: seg * 4, as: UInt32.self) }
    }
    public func attributes(_ seg: Int) -> UInt16 {
        withUnsafeBytes(of: segmentAttributes) { $0.load(fromByteOffset: seg * 2, as: UInt16.self) }
    }
    public mutating func setAttributes(_ seg: Int, _ v: UInt16) {
        withUnsafeMutableBytes(of: &segmentAttributes) { $0.storeBytes(of: v, toByteOffset: seg * 2, as: UInt16.self) }
    }
}

/// A segment descriptor as read from the GDT/LDT (8 bytes; `upper` is the third dword of a
/// 16-byte system descriptor in long mode).
public struct Descriptor: Equatable, Sendable {
    public var low: UInt32
    public var high: UInt32
    public var upper: UInt32 = 0

    public init(low: UInt32, high: UInt32, upper: UInt32 = 0) { self.low = low; self.high = high; self.upper = upper }

    public var type: UInt8 { UInt8((high >> 8) & 0xF) }
    /// S: code/data (true) or system (false).
    public var isCodeOrData: Bool { high & (1 << 12) != 0 }
    public var dpl: UInt8 { UInt8((high >> 13) & 3) }
    public var present: Bool { high & (1 << 15) != 0 }
    public var isCode: Bool { isCodeOrData && type & 0x8 != 0 }
    public var isData: Bool { isCodeOrData && type & 0x8 == 0 }
    /// Code: conforming (C). Data: expand-down (E).
    public var conforming: Bool { type & 0x4 != 0 }
    /// Code: readable. Data: writable.
    public var readableOrWritable: Bool { type & 0x2 != 0 }
    public var long: Bool { high & (1 << 21) != 0 }
    public var defaultBig: Bool { high & (1 << 22) != 0 }
    public var granularity: Bool { high & (1 << 23) != 0 }
    public var base: UInt64 {
        UInt64(low >> 16) | UInt64(high & 0xFF) << 16 | UInt64(high & 0xFF00_0000) | UInt64(upper) << 32
    }
    public var limit: UInt32 {
        let raw = (low & 0xFFFF) | (high & 0xF_0000)
        return granularity ? (raw << 12) | 0xFFF : raw
    }
    /// The 12-bit hidden attribute form (access byte | flags << 8).
    public var attributes: UInt16 { UInt16((high >> 8) & 0xFF) | UInt16((high >> 20) & 0xF) << 8 }
    /// Gate fields: target offset (64-bit gates use `upper`), selector, IST.
    public var gateOffset: UInt64 { UInt64(low & 0xFFFF) | UInt64(high & 0xFFFF_0000) | UInt64(upper) << 32 }
    public var gateSelector: UInt16 { UInt16(truncatingIfNeeded: low >> 16) }
    public var gateIST: Int { Int(high & 7) }
}

/// Attribute bits of the hidden form.
public enum SegmentAttribute {
    public static let present: UInt16 = 0x80
    public static let long: UInt16 = 0x200
    public static let big: UInt16 = 0x400
}

extension UnsafeMutablePointer where Pointee == CPUState {
    // MARK: implicit (system) memory accesses

    // Descriptor-table, TSS and interrupt-stack accesses are *implicit supervisor* accesses:
    // they are allowed to supervisor pages even at CPL 3 (SDM §4.6.1). They all go through
    // these two helpers (the MMU's readSupervisor/writeSupervisor).
    @inline(__always) func systemRead<T: FixedWidthInteger>(_ linear: UInt64) throws(CPUFault) -> T {
        try pointee.readSupervisor(pointee.mode == .long64 ? linear : linear & 0xFFFF_FFFF)
    }
    @inline(__always) func systemWrite<T: FixedWidthInteger>(_ linear: UInt64, _ value: T) throws(CPUFault) {
        try pointee.writeSupervisor(pointee.mode == .long64 ? linear : linear & 0xFFFF_FFFF, value)
    }
    @inline(__always) static func canonical(_ a: UInt64) -> Bool {
        (Int64(bitPattern: a) << 16) >> 16 == Int64(bitPattern: a)
    }

    /// EFER.LMA (long mode active).
    @inline(__always) var longModeActive: Bool { pointee.efer & 0x400 != 0 }

    // MARK: descriptors

    /// Reads the 8-byte descriptor `selector` names (GDT or, with TI, LDT). Past the table's
    /// limit (or an unusable LDT): #GP(selector) (the caller may turn it into #TS/#NP).
    func readDescriptor(_ selector: UInt16, wide: Bool = false) throws(CPUFault) -> Descriptor {
        let index = UInt64(selector & 0xFFF8)
        let base: UInt64, limit: UInt64
        if selector & 4 != 0 {
            if pointee.system.ldtAttributes & SegmentAttribute.present == 0 { throw .gp(UInt32(selector & 0xFFFC)) }
            base = pointee.system.ldtBase; limit = UInt64(pointee.system.ldtLimit)
        } else {
            base = pointee.system.gdtBase; limit = UInt64(pointee.system.gdtLimit)
        }
        let last = index + (wide ? 15 : 7)
        if last > limit { throw .gp(UInt32(selector & 0xFFFC)) }
        let low: UInt32 = try systemRead(base &+ index)
        let high: UInt32 = try systemRead(base &+ index &+ 4)
        var d = Descriptor(low: low, high: high)
        if wide { d.upper = try systemRead(base &+ index &+ 8) }
        return d
    }

    /// Sets the accessed bit (type bit 0) of a code/data descriptor in memory, as the CPU does
    /// on every load of a segment whose bit is clear.
    func markAccessed(_ selector: UInt16, _ d: Descriptor) throws(CPUFault) {
        if d.type & 1 != 0 { return }
        let base = selector & 4 != 0 ? pointee.system.ldtBase : pointee.system.gdtBase
        let address = base &+ UInt64(selector & 0xFFF8) &+ 5
        try systemWrite(address, UInt8(truncatingIfNeeded: (d.high >> 8) | 1))
    }

    /// Writes the hidden and visible parts of segment register `seg`.
    func commitSegment(_ seg: Int, selector: UInt16, base: UInt64, limit: UInt32, attributes: UInt16) {
        pointee.moveSetSelector(seg, selector)
        pointee.segmentBase[seg] = base
        pointee.system.setLimit(seg, limit)
        pointee.system.setAttributes(seg, attributes)
    }

    /// The decoder mode CS implies: 64-bit when long mode is active and CS.L = 1, otherwise
    /// 32-bit (CS.D = 1) or 16-bit (CS.D = 0) code (Execution/RealMode.swift).
    func modeForCS(_ attributes: UInt16) -> CPUMode { decodeMode(attributes) }

    /// Loads CS for a control transfer that has already passed its checks: the selector's RPL
    /// becomes the CPL, and the decoder mode follows CS.L/CS.D. Ends the block (the caller also
    /// sets RIP).
    func loadCodeSegment(_ selector: UInt16, _ d: Descriptor, cpl newCPL: UInt8) {
        let sel = (selector & 0xFFFC) | UInt16(newCPL)
        let mode = modeForCS(d.attributes)
        commitSegment(Seg.cs, selector: sel, base: mode == .long64 ? 0 : d.base & 0xFFFF_FFFF,
                      limit: d.limit, attributes: d.attributes | 1)
        pointee.cpl = newCPL
        pointee.mode = mode
        pointee.exitBlock = BlockExit.jumped
    }

    /// Checks a far-transfer target code segment (JMP/CALL far, RETF, IRET) and returns its
    /// descriptor. `rpl` rules: see each caller.
    func checkedCodeDescriptor(_ selector: UInt16) throws(CPUFault) -> Descriptor {
        if selector & 0xFFFC == 0 { throw .gp(0) }
        let d = try readDescriptor(selector)
        if !d.isCode { throw .gp(UInt32(selector & 0xFFFC)) }
        // A 64-bit code segment must not also have D set (L=1, D=1 is reserved): #GP.
        if longModeActive && d.long && d.defaultBig { throw .gp(UInt32(selector & 0xFFFC)) }
        return d
    }

    /// Loads a data segment register or SS (MOV Sreg, POP Sreg, LDS/LSS, far returns to an outer
    /// ring) with the protected-mode checks of SDM vol. 2 "MOV—Move" / AMD APM vol. 2 §4.10:
    /// - null selector: allowed for DS/ES/FS/GS (the register becomes unusable); for SS only in
    ///   64-bit mode at CPL < 3 with RPL = CPL; otherwise #GP(0).
    /// - SS: RPL = CPL, DPL = CPL and a writable data segment, else #GP(sel); not present: #SS(sel).
    /// - DS/ES/FS/GS: data or readable code; for data and non-conforming code, max(CPL, RPL) <= DPL;
    ///   else #GP(sel); not present: #NP(sel).
    /// Checks first, then writes, so a faulting load changes nothing (except the accessed bit).
    /// In 64-bit mode the bases of DS/ES/SS stay 0 (ignored); FS/GS take the descriptor's 32-bit
    /// base. Loading SS opens the one-instruction interrupt shadow.
    func loadSegment(_ seg: Int, _ selector: UInt16) throws(CPUFault) {
        if seg == Seg.cs || seg > Seg.gs { throw .ud }
        // Real mode: base = selector << 4, no descriptor (Execution/RealMode.swift).
        if pointee.realMode { loadRealModeSegment(seg, selector); return }
        let cpl = pointee.cpl
        let rpl = UInt8(selector & 3)
        if selector & 0xFFFC == 0 {
            if seg == Seg.ss && (pointee.mode != .long64 || cpl == 3 || rpl != cpl) { throw .gp(0) }
            // A null data selector marks the register unusable; FS/GS keep their base in 64-bit
            // mode (set through the FS/GS base MSRs or WRFSBASE).
            pointee.moveSetSelector(seg, selector)
            if pointee.mode == .long64 {
                if seg != Seg.fs && seg != Seg.gs { pointee.segmentBase[seg] = 0 }
                // SS in 64-bit mode stays usable (writable, DPL = CPL).
                pointee.system.setAttributes(seg, seg == Seg.ss ? 0xC93 | UInt16(cpl) << 5 : 0)
            } else {
                pointee.system.setAttributes(seg, 0)
            }
            if seg == Seg.ss { openStackShadow() }
            return
        }
        let d = try readDescriptor(selector)
        let fault = UInt32(selector & 0xFFFC)
        if seg == Seg.ss {
            if rpl != cpl || d.dpl != cpl || !d.isData || !d.readableOrWritable { throw .gp(fault) }
            if !d.present { throw .ss(fault) }
        } else {
            if !d.isCodeOrData || (d.isCode && !d.readableOrWritable) { throw .gp(fault) }
            if (d.isData || !d.conforming) && (rpl > d.dpl || cpl > d.dpl) { throw .gp(fault) }
            if !d.present { throw CPUFault(.segmentNotPresent, errorCode: fault) }
        }
        try markAccessed(selector, d)
        var base = d.base & 0xFFFF_FFFF
        if pointee.mode == .long64 && seg != Seg.fs && seg != Seg.gs { base = 0 }
        commitSegment(seg, selector: selector, base: base, limit: d.limit, attributes: d.attributes | 1)
        if seg == Seg.ss { openStackShadow() }
    }

    /// MOV SS / POP SS: the next instruction runs before any interrupt is accepted (so a
    /// MOV SS; MOV RSP pair is never split). The block ends here so the dispatcher can run
    /// exactly one more instruction inside the shadow.
    func openStackShadow() {
        pointee.system.interruptShadow = true
        pointee.system.stackShadow = true
        if pointee.exitBlock == BlockExit.none { pointee.exitBlock = BlockExit.next }
    }

    /// After a return to an outer ring (RETF, IRET): data segment registers whose DPL is below
    /// the new CPL (data or non-conforming code) become null, so the outer ring cannot use them.
    func nullifyInaccessibleSegments() {
        let cpl = pointee.cpl
        for seg in [Seg.es, Seg.ds, Seg.fs, Seg.gs] {
            let a = pointee.system.attributes(seg)
            let dpl = UInt8((a >> 5) & 3)
            let isConformingCode = a & 0x18 == 0x18 && a & 0x4 != 0
            if pointee.moveSelector(seg) & 0xFFFC != 0 && !isConformingCode && dpl < cpl {
                pointee.moveSetSelector(seg, 0)
                pointee.system.setAttributes(seg, 0)
                if !(pointee.mode == .long64 && (seg == Seg.fs || seg == Seg.gs)) { pointee.segmentBase[seg] = 0 }
            }
        }
    }
}

// MARK: - Instructions

enum DescriptorOps {
    @inline(__always) static func requireCPL0(_ cpu: CPU) throws(CPUFault) {
        if cpu.pointee.cpl != 0 { throw .gp(0) }
    }

    /// Reads the pseudo-descriptor (limit16, base) of LGDT/LIDT: an 8-byte base in 64-bit
    /// mode, 4 bytes otherwise (a 16-bit operand size keeps only 24 bits of it).
    @inline(__always) static func readPseudoDescriptor(_ cpu: CPU, _ i: Instr) throws(CPUFault) -> (UInt16, UInt64) {
        let ea = cpu.effectiveAddress(i)
        let limit: UInt16 = try cpu.load(ea)
        let wrap: UInt64 = cpu.pointee.mode == .long64 ? ~0 : 0xFFFF_FFFF
        var base: UInt64
        if cpu.pointee.mode == .long64 {
            base = try cpu.load((ea &+ 2) & wrap)
        } else {
            base = UInt64(try cpu.load((ea &+ 2) & wrap) as UInt32)
            if i.pointee.operandSize == 2 { base &= 0xFF_FFFF }
        }
        return (limit, base)
    }

    @inline(__always) static func writePseudoDescriptor(_ cpu: CPU, _ i: Instr, _ limit: UInt16, _ base: UInt64) throws(CPUFault) {
        let ea = cpu.effectiveAddress(i)
        let wrap: UInt64 = cpu.pointee.mode == .long64 ? ~0 : 0xFFFF_FFFF
        // Probe the whole operand first so a fault leaves memory untouched.
        if cpu.pointee.mode == .long64 {
            try cpu.pointee.probeWrite(ea, size: 10)
            try cpu.store(ea, limit)
            try cpu.store((ea &+ 2) & wrap, base)
        } else {
            try cpu.pointee.probeWrite(ea, size: 6)
            try cpu.store(ea, limit)
            try cpu.store((ea &+ 2) & wrap, UInt32(truncatingIfNeeded: base))
        }
    }

    /// LGDT/LIDT in 64-bit mode: the 8-byte base must be canonical, else #GP(0) and the
    /// register keeps its old value (AMD APM vol. 3 LGDT/LIDT: "#GP: the new ... base address
    /// was non-canonical"; Intel raises the same fault; Bochs checks it too).
    @inline(__always) static func requireCanonicalTableBase(_ cpu: CPU, _ base: UInt64) throws(CPUFault) {
        if cpu.pointee.mode == .long64 && !CPU.canonical(base) { throw .gp(0) }
    }

    /// The second half of a 16-byte system descriptor (LDT, TSS) in long mode: its type field
    /// (bits 12:8 of the fourth dword) must be 0, and base 63:0 must be canonical; otherwise
    /// #GP(selector) (SDM vol. 3A 3.5 / 7.2.3 on 16-byte descriptors; AMD APM vol. 2 4.8.3;
    /// Bochs LLDT/LTR raise #GP(selector & 0xFFFC) for both).
    @inline(__always) static func checkWideSystemDescriptor(_ cpu: CPU, _ sel: UInt16, _ d: Descriptor) throws(CPUFault) {
        let address = cpu.pointee.system.gdtBase &+ UInt64(sel & 0xFFF8) &+ 12
        let dword3: UInt32 = try cpu.systemRead(address)
        if dword3 & 0x1F00 != 0 || !CPU.canonical(d.base) { throw .gp(UInt32(sel & 0xFFFC)) }
    }

    /// 0F 01 /2 LGDT m (CPL 0).
    @inline(__always) static func lgdt(_ cpu: CPU, _ i: Instr) { do { try lgdtBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func lgdtBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try requireCPL0(cpu)
        let (limit, base) = try readPseudoDescriptor(cpu, i)
        try requireCanonicalTableBase(cpu, base)
        cpu.pointee.system.gdtLimit = limit
        cpu.pointee.system.gdtBase = base
    }
    /// 0F 01 /3 LIDT m (CPL 0).
    @inline(__always) static func lidt(_ cpu: CPU, _ i: Instr) { do { try lidtBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func lidtBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try requireCPL0(cpu)
        let (limit, base) = try readPseudoDescriptor(cpu, i)
        try requireCanonicalTableBase(cpu, base)
        cpu.pointee.system.idtLimit = limit
        cpu.pointee.system.idtBase = base
    }
    /// 0F 01 /0 SGDT m (any CPL: UMIP is not advertised).
    @inline(__always) static func sgdt(_ cpu: CPU, _ i: Instr) { do { try sgdtBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func sgdtBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try writePseudoDescriptor(cpu, i, cpu.pointee.system.gdtLimit, cpu.pointee.system.gdtBase)
    }
    /// 0F 01 /1 SIDT m.
    @inline(__always) static func sidt(_ cpu: CPU, _ i: Instr) { do { try sidtBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func sidtBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try writePseudoDescriptor(cpu, i, cpu.pointee.system.idtLimit, cpu.pointee.system.idtBase)
    }

    /// The 16-bit selector operand of LLDT/LTR/VERR/VERW (register low word or memory word).
    @inline(__always) static func selectorOperand(_ cpu: CPU, _ i: Instr, memory: Bool) throws(CPUFault) -> UInt16 {
        memory ? try cpu.load(cpu.effectiveAddress(i)) : cpu.reg(i.rm) as UInt16
    }

    /// LLDT: a null selector makes the LDT unusable; otherwise a present LDT descriptor (system
    /// type 2) from the GDT, 16 bytes in long mode.
    @inline(__always) static func lldt(_ cpu: CPU, _ i: Instr, memory: Bool) throws(CPUFault) {
        try requireCPL0(cpu)
        let sel = try selectorOperand(cpu, i, memory: memory)
        if sel & 0xFFFC == 0 {
            cpu.pointee.system.ldtSelector = sel
            cpu.pointee.system.ldtAttributes = 0
            return
        }
        let fault = UInt32(sel & 0xFFFC)
        if sel & 4 != 0 { throw .gp(fault) }
        let d = try cpu.readDescriptor(sel, wide: cpu.longModeActive)
        if d.isCodeOrData || d.type != 2 { throw .gp(fault) }
        if !d.present { throw CPUFault(.segmentNotPresent, errorCode: fault) }
        if cpu.longModeActive { try checkWideSystemDescriptor(cpu, sel, d) }
        cpu.pointee.system.ldtSelector = sel
        cpu.pointee.system.ldtBase = cpu.longModeActive ? d.base : d.base & 0xFFFF_FFFF
        cpu.pointee.system.ldtLimit = d.limit
        cpu.pointee.system.ldtAttributes = d.attributes
    }

    /// LTR: an available 32/64-bit TSS (type 9) from the GDT; marks it busy (type 0xB) in memory.
    @inline(__always) static func ltr(_ cpu: CPU, _ i: Instr, memory: Bool) throws(CPUFault) {
        try requireCPL0(cpu)
        let sel = try selectorOperand(cpu, i, memory: memory)
        let fault = UInt32(sel & 0xFFFC)
        if sel & 0xFFFC == 0 { throw .gp(0) }
        if sel & 4 != 0 { throw .gp(fault) }
        let d = try cpu.readDescriptor(sel, wide: cpu.longModeActive)
        if d.isCodeOrData || d.type != 9 { throw .gp(fault) }
        if !d.present { throw CPUFault(.segmentNotPresent, errorCode: fault) }
        if cpu.longModeActive { try checkWideSystemDescriptor(cpu, sel, d) }
        let address = cpu.pointee.system.gdtBase &+ UInt64(sel & 0xFFF8) &+ 5
        try cpu.systemWrite(address, UInt8(truncatingIfNeeded: (d.high >> 8) | 2))
        cpu.pointee.system.trSelector = sel
        cpu.pointee.system.trBase = cpu.longModeActive ? d.base : d.base & 0xFFFF_FFFF
        cpu.pointee.system.trLimit = d.limit
        cpu.pointee.system.trAttributes = d.attributes | 2
    }

    /// VERR/VERW: ZF = 1 when the segment is readable (VERR) / writable (VERW) at the current
    /// CPL and the selector's RPL; never faults on the selector itself.
    @inline(__always) static func verify(_ cpu: CPU, _ i: Instr, memory: Bool, write: Bool) throws(CPUFault) {
        let sel = try selectorOperand(cpu, i, memory: memory)
        var ok = false
        if sel & 0xFFFC != 0, let d = try? cpu.readDescriptor(sel), d.isCodeOrData {
            let rpl = UInt8(sel & 3), cpl = cpu.pointee.cpl
            let privileged = d.isCode && d.conforming ? true : (cpl <= d.dpl && rpl <= d.dpl)
            if write { ok = privileged && d.isData && d.readableOrWritable }
            else { ok = privileged && (d.isData || d.readableOrWritable) }
        }
        cpu.pointee.updateArithmeticFlags(mask: Flag.zf, bits: ok ? Flag.zf : 0)
    }

    /// LAR / LSL: ZF = 1 and the access rights (descriptor dword 1 & 0x00FFFF00) / the scaled
    /// limit when the descriptor is visible at the current CPL and the selector's RPL (DPL >=
    /// max(CPL, RPL), except conforming code) and of a type the instruction accepts; otherwise
    /// ZF = 0 and the destination is unchanged. A bad selector never faults.
    @inline(__always) static func loadAccessOrLimit(_ cpu: CPU, _ i: Instr, memory: Bool, limit: Bool) throws(CPUFault) {
        let sel = try selectorOperand(cpu, i, memory: memory)
        var value: UInt64? = nil
        if sel & 0xFFFC != 0, let d = try? cpu.readDescriptor(sel) {
            let rpl = UInt8(sel & 3), cpl = cpu.pointee.cpl
            var typeOK = d.isCodeOrData
            if !d.isCodeOrData {
                // System types: LDT and TSS (both instructions), call gates (LAR only); the
                // 16-bit TSS and 16-bit gates only outside long mode.
                let long = cpu.longModeActive
                switch d.type {
                case 0x2, 0x9, 0xB: typeOK = true
                case 0xC: typeOK = !limit
                case 0x1, 0x3: typeOK = !long
                case 0x4, 0x5: typeOK = !long && !limit
                default: typeOK = false
                }
            }
            let conformingCode = d.isCode && d.conforming
            if typeOK && (conformingCode || (d.dpl >= cpl && d.dpl >= rpl)) {
                value = limit ? UInt64(d.limit) : UInt64(d.high & 0x00FF_FF00)
            }
        }
        cpu.pointee.updateArithmeticFlags(mask: Flag.zf, bits: value != nil ? Flag.zf : 0)
        guard let v = value else { return }
        switch i.pointee.operandSize {
        case 2: cpu.setReg(i.reg, UInt16(truncatingIfNeeded: v))
        case 8: cpu.setReg(i.reg, v)
        default: cpu.setReg(i.reg, UInt32(truncatingIfNeeded: v))
        }
    }
    static func larReg(_ cpu: CPU, _ i: Instr) { do { try loadAccessOrLimit(cpu, i, memory: false, limit: false) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    static func larMem(_ cpu: CPU, _ i: Instr) { do { try loadAccessOrLimit(cpu, i, memory: true, limit: false) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    static func lslReg(_ cpu: CPU, _ i: Instr) { do { try loadAccessOrLimit(cpu, i, memory: false, limit: true) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    static func lslMem(_ cpu: CPU, _ i: Instr) { do { try loadAccessOrLimit(cpu, i, memory: true, limit: true) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }

    static func lldtReg(_ cpu: CPU, _ i: Instr) { do { try lldt(cpu, i, memory: false) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    static func lldtMem(_ cpu: CPU, _ i: Instr) { do { try lldt(cpu, i, memory: true) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    static func ltrReg(_ cpu: CPU, _ i: Instr) { do { try ltr(cpu, i, memory: false) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    static func ltrMem(_ cpu: CPU, _ i: Instr) { do { try ltr(cpu, i, memory: true) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    static func verrReg(_ cpu: CPU, _ i: Instr) { do { try verify(cpu, i, memory: false, write: false) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    static func verrMem(_ cpu: CPU, _ i: Instr) { do { try verify(cpu, i, memory: true, write: false) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    static func verwReg(_ cpu: CPU, _ i: Instr) { do { try verify(cpu, i, memory: false, write: true) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    static func verwMem(_ cpu: CPU, _ i: Instr) { do { try verify(cpu, i, memory: true, write: true) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }

    /// SLDT/STR: a register destination takes the selector zero-extended to the operand size;
    /// memory always gets 16 bits.
    @inline(__always) static func storeSelector(_ cpu: CPU, _ i: Instr, _ sel: UInt16, memory: Bool) throws(CPUFault) {
        if memory { try cpu.store(cpu.effectiveAddress(i), sel); return }
        switch i.pointee.operandSize {
        case 2: cpu.setReg(i.rm, sel)
        case 8: cpu.setReg(i.rm, UInt64(sel))
        default: cpu.setReg(i.rm, UInt32(sel))
        }
    }
    static func sldtReg(_ cpu: CPU, _ i: Instr) { do { try storeSelector(cpu, i, cpu.pointee.system.ldtSelector, memory: false) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    static func sldtMem(_ cpu: CPU, _ i: Instr) { do { try storeSelector(cpu, i, cpu.pointee.system.ldtSelector, memory: true) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    static func strReg(_ cpu: CPU, _ i: Instr) { do { try storeSelector(cpu, i, cpu.pointee.system.trSelector, memory: false) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    static func strMem(_ cpu: CPU, _ i: Instr) { do { try storeSelector(cpu, i, cpu.pointee.system.trSelector, memory: true) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
}

public enum DescriptorTables {
    public static let lgdt = HandlerSet(all: DescriptorOps.lgdt)
    public static let lidt = HandlerSet(all: DescriptorOps.lidt)
    public static let sgdt = HandlerSet(all: DescriptorOps.sgdt)
    public static let sidt = HandlerSet(all: DescriptorOps.sidt)
    static func regMem(_ r: Handler, _ m: Handler) -> HandlerSet {
        HandlerSet(reg16: r, reg32: r, reg64: r, mem16: m, mem32: m, mem64: m)
    }
    public static let lldt = regMem(DescriptorOps.lldtReg, DescriptorOps.lldtMem)
    public static let ltr = regMem(DescriptorOps.ltrReg, DescriptorOps.ltrMem)
    public static let sldt = regMem(DescriptorOps.sldtReg, DescriptorOps.sldtMem)
    public static let str = regMem(DescriptorOps.strReg, DescriptorOps.strMem)
    public static let verr = regMem(DescriptorOps.verrReg, DescriptorOps.verrMem)
    public static let verw = regMem(DescriptorOps.verwReg, DescriptorOps.verwMem)
    /// 0F 02 LAR Gv, Ew and 0F 03 LSL Gv, Ew.
    public static let lar = regMem(DescriptorOps.larReg, DescriptorOps.larMem)
    public static let lsl = regMem(DescriptorOps.lslReg, DescriptorOps.lslMem)
}
