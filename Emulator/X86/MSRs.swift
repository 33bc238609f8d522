// Layer: X86 (CPU model). Model-specific registers (RDMSR/WRMSR) and the system registers that
// live next to them (CR8, DR0-DR7). The MSR *file* is plain data stored in CPUState; the
// RDMSR/WRMSR semantics (which index means what, which bits are reserved) are here too, and
// the instructions in Instructions/ControlRegisters.swift call `readMSR`/`writeMSR`.
//
// Unknown MSRs raise #GP(0), as on hardware: guests probe with rdmsr_safe and must see "absent".

import EmulatorCore

/// MSR indices (AMD APM vol. 2 appendix A, Intel SDM vol. 4).
public enum MSR {
    public static let p5MCAddr: UInt32 = 0x0
    public static let p5MCType: UInt32 = 0x1
    public static let tsc: UInt32 = 0x10
    public static let sysenterCS: UInt32 = 0x174
    public static let sysenterESP: UInt32 = 0x175
    public static let sysenterEIP: UInt32 = 0x176
    public static let apicBase: UInt32 = 0x1B
    /// IA32_TSC_DEADLINE and the x2APIC register range (local APIC, LocalAPICPort.swift).
    public static let tscDeadline: UInt32 = 0x6E0
    public static let x2APICFirst: UInt32 = 0x800, x2APICLast: UInt32 = 0x8FF
    /// Machine-check global registers: MCG_CAP (bank count in bits 7:0), MCG_STATUS.
    public static let mcgCap: UInt32 = 0x179
    public static let mcgStatus: UInt32 = 0x17A
    public static let mtrrCap: UInt32 = 0xFE
    public static let miscEnable: UInt32 = 0x1A0
    public static let mtrrPhysBase0: UInt32 = 0x200   // 0x200-0x20F: base/mask pairs 0-7
    public static let mtrrFix64K: UInt32 = 0x250
    public static let mtrrFix16K80000: UInt32 = 0x258
    public static let mtrrFix16KA0000: UInt32 = 0x259
    public static let mtrrFix4KC0000: UInt32 = 0x268  // 0x268-0x26F
    public static let pat: UInt32 = 0x277
    public static let mtrrDefType: UInt32 = 0x2FF
    public static let efer: UInt32 = 0xC000_0080
    public static let star: UInt32 = 0xC000_0081
    public static let lstar: UInt32 = 0xC000_0082
    public static let cstar: UInt32 = 0xC000_0083
    public static let sfmask: UInt32 = 0xC000_0084
    public static let fsBase: UInt32 = 0xC000_0100
    public static let gsBase: UInt32 = 0xC000_0101
    public static let kernelGSBase: UInt32 = 0xC000_0102
    public static let tscAux: UInt32 = 0xC000_0103
    /// Legacy AMD performance counters (every AMD64 CPU): PerfEvtSel0-3, then PerfCtr0-3.
    public static let k7EventSelect0: UInt32 = 0xC001_0000
    public static let k7PerfCounter0: UInt32 = 0xC001_0004
    // AMD model-specific registers Linux touches on every boot (AMD APM vol. 2 appendix A,
    // BKDG/PPR for family 17h+).
    /// Microcode patch level: 0 = no patch loaded (read by the microcode loader).
    public static let amdPatchLevel: UInt32 = 0x8B
    /// IA32_PLATFORM_ID (Intel model only).
    public static let intelPlatformID: UInt32 = 0x17
    /// Hardware configuration. Bit 24 (TscFreqSel, read-only 1): the TSC counts at the P0
    /// frequency, not the current P-state's (Linux warns "[Firmware Bug]" when it reads 0).
    public static let amdHWCR: UInt32 = 0xC001_0015
    /// Northbridge configuration; Linux sets bit 46 (EnableCf8ExtCfg: extended PCI config
    /// space through CF8/CFC). Stored; our PCI host bridge does not depend on it.
    public static let amdNBConfig: UInt32 = 0xC001_001F
}

/// EFER bits.
public enum EFER {
    public static let sce: UInt64 = 1 << 0     // SYSCALL/SYSRET enable
    public static let lme: UInt64 = 1 << 8     // long mode enable
    public static let lma: UInt64 = 1 << 10    // long mode active (set by the CPU)
    public static let nxe: UInt64 = 1 << 11    // no-execute enable
    /// Bits WRMSR may set; the others are reserved (#GP) or unimplemented features (SVME, FFXSR...).
    public static let writable: UInt64 = sce | lme | lma | nxe
}

/// Storage for the MSRs and other system registers that are not on every hot path. Plain data
/// (CPUState must be POD): the arrays live in one raw allocation made by `init`.
public struct MSRFile {
    // STAR, LSTAR, CSTAR, SFMASK and SYSENTER_* live in CPUState.system (their users, the
    // fast system calls, are in Instructions/FastSystemCall.swift); RDMSR/WRMSR reach them here.
    public var kernelGSBase: UInt64 = 0
    /// APIC base 0xFEE00000, enabled (bit 11), this CPU is the bootstrap processor (bit 8).
    public var apicBase: UInt64 = 0xFEE0_0900
    /// Power-on PAT: WB, WT, UC-, UC repeated (SDM 11.12.4).
    public var pat: UInt64 = 0x0007_0406_0007_0406
    public var miscEnable: UInt64 = 1         // fast strings enabled
    public var mtrrDefType: UInt64 = 0
    /// CR8: task priority (bits 3:0). With a local APIC attached, CR8 is its TPR[7:4] and this
    /// copy only follows MOV to CR8 (used when no APIC is attached: unit tests, the harness).
    public var cr8: UInt64 = 0
    /// The local APIC (LocalAPICPort.swift), unretained; nil without one.
    public var apic: Unmanaged<LocalAPICLink>? = nil
    /// 16 variable-range MTRR slots (base/mask x 8), then 11 fixed-range MTRRs, then DR0-DR7,
    /// then the AMD HWCR and NB_CFG, then the 4 legacy AMD event selects and 4 counters
    /// (C001_0000-C001_0007).
    public let slots: UnsafeMutablePointer<UInt64>
    public static let variableSlot = 0, fixedSlot = 16, debugSlot = 27, hwcrSlot = 35, nbConfigSlot = 36, perfSlot = 37, slotCount = 45
    /// HWCR bits software may change: the reset value is TscFreqSel (bit 24, read-only 1);
    /// the writable bits are stored without further effect (SMM lock, TLB flush filter...).
    static let hwcrFixedBits: UInt64 = 1 << 24

    public init() {
        slots = .allocate(capacity: Self.slotCount)
        slots.initialize(repeating: 0, count: Self.slotCount)
        // DR6 and DR7 reset values (SDM 17.2.4 / 17.2.6).
        slots[Self.debugSlot + 6] = 0xFFFF_0FF0
        slots[Self.debugSlot + 7] = 0x400
        slots[Self.hwcrSlot] = Self.hwcrFixedBits
    }

    public func deallocate() { slots.deallocate() }

    /// DR0-DR7 (DR4/DR5 are resolved to DR6/DR7 by the instruction).
    public func debugRegister(_ n: Int) -> UInt64 { slots[Self.debugSlot + (n & 7)] }
    public mutating func setDebugRegister(_ n: Int, _ v: UInt64) {
        slots[Self.debugSlot + (n & 7)] = v
        if n & 7 == 7 || n & 7 < 4 { updateWatchFlags() }
    }
    /// An instruction breakpoint is enabled in DR7, or a #DB is held by a MOV SS shadow (kept
    /// here so the dispatcher tests one byte per block, next to RFLAGS.TF and RF, to decide
    /// whether to run one checked instruction at a time: Execution/Debug.swift).
    public internal(set) var breakpointsEnabled = false
    /// An enabled data breakpoint (R/W = 01 or 11) / I/O breakpoint (R/W = 10) exists: memory /
    /// port accesses are checked against DR0-DR3 (Execution/Debug.swift, `updateWatchFlags`).
    public internal(set) var dataWatch = false
    public internal(set) var ioWatch = false
    /// DR6 B0-B3 bits matched by data / I/O accesses of the instruction now running, and those
    /// held back by a MOV SS / POP SS shadow until after the next instruction.
    public var debugHits: UInt64 = 0
    public var heldDebugHits: UInt64 = 0 { didSet { updateWatchFlags() } }

    /// Slot of a fixed-range MTRR index, or nil.
    static func fixedMTRRSlot(_ index: UInt32) -> Int? {
        switch index {
        case MSR.mtrrFix64K: return fixedSlot
        case MSR.mtrrFix16K80000: return fixedSlot + 1
        case MSR.mtrrFix16KA0000: return fixedSlot + 2
        case MSR.mtrrFix4KC0000...(MSR.mtrrFix4KC0000 + 7): return fixedSlot + 3 + Int(index - MSR.mtrrFix4KC0000)
        default: return nil
        }
    }

    /// All stored values, in a fixed order, for the state hash.
    public func hash(into h: inout StateHash) {
        for v in [kernelGSBase, apicBase, pat, miscEnable, mtrrDefType, cr8, heldDebugHits] { h.add(v) }
        for k in 0..<Self.slotCount { h.add(slots[k]) }
    }
}

/// MTRRcap: 8 variable ranges (VCNT), fixed ranges supported (FIX, bit 8), write-combining
/// (WC, bit 10). SMRR (bit 11) not present.
let mtrrCapValue: UInt64 = 0x508

extension CPUState {
    /// Bits 51:48 must be zero in physical addresses (MAXPHYADDR = 48, CPUID 0x80000008).
    static let physicalAddressMask: UInt64 = 0x0000_FFFF_FFFF_F000

    /// A memory type encoding valid in PAT / MTRRs: UC(0), WC(1), WT(4), WP(5), WB(6); UC-(7) only in PAT.
    static func validMemoryType(_ t: UInt64, pat: Bool) -> Bool {
        t == 0 || t == 1 || t == 4 || t == 5 || t == 6 || (pat && t == 7)
    }

    /// RDMSR: the value of MSR `index`, or #GP(0) for an unknown index. `tsc` is the current
    /// virtual TSC (the caller knows the instruction's position in its block).
    public mutating func readMSR(_ index: UInt32, tsc: UInt64) throws(CPUFault) -> UInt64 {
        switch index {
        case MSR.p5MCAddr, MSR.p5MCType: return 0       // legacy machine-check registers: no event logged
        case MSR.tsc: return tsc
        // No machine-check banks are modelled: MCG_CAP reports 0 banks and no MCG_CTL, so the
        // bank MSRs (400h + 4n...) are absent (#GP); MCG_STATUS never shows an event.
        case MSR.mcgCap, MSR.mcgStatus: return 0
        case MSR.apicBase: return msr.apicBase
        case MSR.tscDeadline:
            guard let link = msr.apic else { throw .gp(0) }
            return link.takeUnretainedValue().port.readTSCDeadline()
        case MSR.x2APICFirst...MSR.x2APICLast:
            // #GP unless in x2APIC mode and the register is readable (SDM 11.12.1.2).
            guard let link = msr.apic, let v = link.takeUnretainedValue().port.readMSR(index) else { throw .gp(0) }
            return v
        case MSR.mtrrCap: return mtrrCapValue
        case MSR.miscEnable: return msr.miscEnable
        case MSR.mtrrPhysBase0...(MSR.mtrrPhysBase0 + 15): return msr.slots[MSRFile.variableSlot + Int(index - MSR.mtrrPhysBase0)]
        case MSR.pat: return msr.pat
        case MSR.mtrrDefType: return msr.mtrrDefType
        case MSR.efer: return efer
        case MSR.star: return system.star
        case MSR.lstar: return system.lstar
        case MSR.cstar: return system.cstar
        case MSR.sfmask: return system.sfmask
        case MSR.sysenterCS: return system.sysenterCS
        case MSR.sysenterESP: return system.sysenterESP
        case MSR.sysenterEIP: return system.sysenterEIP
        case MSR.fsBase: return segmentBase[Seg.fs]
        case MSR.gsBase: return segmentBase[Seg.gs]
        case MSR.kernelGSBase: return msr.kernelGSBase
        case MSR.tscAux: return tscAux
        case MSR.k7EventSelect0...(MSR.k7PerfCounter0 + 3):
            // Stored only: Orrery models no performance events, so an enabled counter keeps
            // the value last written (kvm-unit-tests' common start-up code resets them).
            return msr.slots[MSRFile.perfSlot + Int(index - MSR.k7EventSelect0)]
        case MSR.amdPatchLevel: return 0
        // Intel model (CPUVendor.swift): IA32_PLATFORM_ID (17h) reads 0 (platform 0); Linux's
        // early microcode loader reads it with a plain RDMSR on family 6 model >= 5.
        case MSR.intelPlatformID where vendor == .intel: return 0
        case MSR.amdHWCR: return msr.slots[MSRFile.hwcrSlot]
        case MSR.amdNBConfig: return msr.slots[MSRFile.nbConfigSlot]
        default:
            if let s = MSRFile.fixedMTRRSlot(index) { return msr.slots[s] }
            throw .gp(0)
        }
    }

    /// WRMSR: checks reserved bits (#GP(0)) before changing anything. Returns true when the
    /// write changes how addresses translate (EFER.NXE): the caller flushes the TLB and ends the block.
    public mutating func writeMSR(_ index: UInt32, _ value: UInt64, tsc: UInt64) throws(CPUFault) -> Bool {
        switch index {
        case MSR.p5MCAddr, MSR.p5MCType: return false
        case MSR.mcgCap: throw .gp(0)                    // read-only
        case MSR.mcgStatus: if value != 0 { throw .gp(0) }   // no event to acknowledge
        case MSR.tsc:
            // Writing the TSC moves the offset so that reads continue from `value`.
            tscOffset = tscOffset &+ (value &- tsc)
        case MSR.apicBase:
            // Bits 7:0, 9, 63:48 reserved; bit 8 (BSP) is read-only; bit 10 is x2APIC mode and
            // exists only with a local APIC attached (CPUID.1:ECX.x2APIC).
            let apic = msr.apic?.takeUnretainedValue().port
            let allowed: UInt64 = 0x0000_FFFF_FFFF_F000 | 0x900 | (apic != nil ? 0x400 : 0)
            if value & ~allowed != 0 { throw .gp(0) }
            // Mode transitions (SDM table 11-5): EXTD without EN is invalid; x2APIC -> xAPIC
            // and disabled -> x2APIC directly are not allowed.
            let enable: UInt64 = 1 << 11, extd: UInt64 = 1 << 10
            let old = msr.apicBase
            if value & (enable | extd) == extd { throw .gp(0) }
            if old & (enable | extd) == enable | extd && value & (enable | extd) == enable { throw .gp(0) }
            if old & enable == 0 && value & (enable | extd) == enable | extd { throw .gp(0) }
            msr.apicBase = (value & ~0x100) | (old & 0x100)
            apic?.apicBaseWritten(msr.apicBase)
        case MSR.tscDeadline:
            guard let link = msr.apic else { throw .gp(0) }
            link.takeUnretainedValue().port.writeTSCDeadline(value, currentTSC: tsc)
        case MSR.x2APICFirst...MSR.x2APICLast:
            guard let link = msr.apic, link.takeUnretainedValue().port.writeMSR(index, value) else { throw .gp(0) }
        case MSR.mtrrCap: throw .gp(0)                   // read-only
        case MSR.miscEnable: msr.miscEnable = value
        case MSR.mtrrPhysBase0...(MSR.mtrrPhysBase0 + 15):
            let k = Int(index - MSR.mtrrPhysBase0)
            if k & 1 == 0 {
                // PhysBase: type in 7:0, base in 51:12; bits 11:8 and 63:52 reserved.
                if value & ~(Self.physicalAddressMask | 0xFF) != 0 || !Self.validMemoryType(value & 0xFF, pat: false) { throw .gp(0) }
            } else {
                // PhysMask: valid bit 11, mask in 51:12.
                if value & ~(Self.physicalAddressMask | 0x800) != 0 { throw .gp(0) }
            }
            msr.slots[MSRFile.variableSlot + k] = value
        case MSR.pat:
            for k in 0..<8 where !Self.validMemoryType((value >> UInt64(8 * k)) & 0xFF, pat: true) { throw .gp(0) }
            msr.pat = value
        case MSR.mtrrDefType:
            // Type 7:0, FE (10), E (11); the rest reserved.
            if value & ~0xCFF != 0 || !Self.validMemoryType(value & 0xFF, pat: false) { throw .gp(0) }
            msr.mtrrDefType = value
        case MSR.efer:
            if value & ~EFER.writable != 0 { throw .gp(0) }
            // LME may not change while paging is on (SDM 9.8.5); LMA is the CPU's and ignores writes.
            if cr0 & CR0.pg != 0 && (value ^ efer) & EFER.lme != 0 { throw .gp(0) }
            let newValue = (value & ~EFER.lma) | (efer & EFER.lma)
            let translationChanged = (newValue ^ efer) & EFER.nxe != 0
            efer = newValue
            return translationChanged
        case MSR.star: system.star = value
        case MSR.sysenterCS: system.sysenterCS = value & 0xFFFF
        case MSR.lstar, MSR.cstar, MSR.fsBase, MSR.gsBase, MSR.kernelGSBase, MSR.sysenterESP, MSR.sysenterEIP:
            // Addresses: must be canonical.
            if !Self.isCanonical(value) { throw .gp(0) }
            switch index {
            case MSR.lstar: system.lstar = value
            case MSR.cstar: system.cstar = value
            case MSR.sysenterESP: system.sysenterESP = value
            case MSR.sysenterEIP: system.sysenterEIP = value
            case MSR.fsBase: segmentBase[Seg.fs] = value
            case MSR.gsBase: segmentBase[Seg.gs] = value
            default: msr.kernelGSBase = value
            }
        case MSR.sfmask:
            if value >> 32 != 0 { throw .gp(0) }
            system.sfmask = value
        case MSR.tscAux:
            if value >> 32 != 0 { throw .gp(0) }
            tscAux = value
        case MSR.k7EventSelect0...(MSR.k7EventSelect0 + 3):
            // PerfEvtSel: bits 63:42 and 39:36 are reserved (APM vol. 2, 13.2.1).
            if value & 0xFFFF_FC00_0000_0000 != 0 { throw .gp(0) }
            msr.slots[MSRFile.perfSlot + Int(index - MSR.k7EventSelect0)] = value
        case MSR.k7PerfCounter0...(MSR.k7PerfCounter0 + 3):
            // PerfCtr: 48-bit counters; the upper 16 bits of the written value are dropped.
            msr.slots[MSRFile.perfSlot + Int(index - MSR.k7EventSelect0)] = value & 0xFFFF_FFFF_FFFF
        case MSR.amdHWCR:
            if value >> 32 != 0 { throw .gp(0) }    // bits 63:32 reserved
            msr.slots[MSRFile.hwcrSlot] = value | MSRFile.hwcrFixedBits
        case MSR.amdNBConfig:
            msr.slots[MSRFile.nbConfigSlot] = value
        case MSR.amdPatchLevel where vendor == .intel:
            // IA32_BIOS_SIGN_ID (8Bh, SDM vol. 3A 10.11.7.1): software writes 0, then CPUID
            // loads the update signature, which stays 0 (no microcode update). Linux does this
            // with a plain WRMSR on Intel family 6 model >= 0Dh.
            return false
        default:
            guard let s = MSRFile.fixedMTRRSlot(index) else { throw .gp(0) }
            for k in 0..<8 where !Self.validMemoryType((value >> UInt64(8 * k)) & 0xFF, pat: false) { throw .gp(0) }
            msr.slots[s] = value
        }
        return false
    }
}
