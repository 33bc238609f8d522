// Layer: X86 (CPU model). What CPUID reports: the identity of Orrery's reference CPU and the
// features the interpreter really implements.
//
// Rule: a feature bit is set only when every instruction it announces is implemented. Guests
// (Linux, glibc, musl, compilers' runtime dispatch) pick code paths from these bits, so a bit
// set too early turns into #UD deep inside a guest. Each advertised bit is a `CPUIDFeature`
// entry naming a probe instruction that uses it; a test executes every probe (see
// Tests/X86Tests/SystemTests.swift). When a family lands, add its bits here with a probe.
//
// Not advertised yet, on purpose:
// - leaf 1 EDX CLFSH, PSE36...: not modelled.
// - leaf 7: BMI1/BMI2/ADX...: VEX encodings are not decoded.
// - leaf 1 ECX "hypervisor present" (bit 31): the guest sees a plain CPU.
//
// The reference model is AMD Zen 5 (family 1Ah): the vendor-specific choices (undefined flags,
// unsupported leaves returning zeros) follow AMD. The TSC rate is fixed by virtual time.

/// One CPUID output register set.
public struct CPUIDResult: Equatable, Sendable {
    public var eax: UInt32, ebx: UInt32, ecx: UInt32, edx: UInt32
    public init(_ eax: UInt32 = 0, _ ebx: UInt32 = 0, _ ecx: UInt32 = 0, _ edx: UInt32 = 0) {
        self.eax = eax; self.ebx = ebx; self.ecx = ecx; self.edx = edx
    }
    public static let zero = CPUIDResult()
}

/// One advertised feature bit and the evidence that it is implemented.
public struct CPUIDFeature: Sendable {
    public enum Register: Sendable { case ecx, edx, ebx }
    public var name: String
    public var leaf: UInt32
    public var register: Register
    public var bit: UInt32
    /// A 64-bit-mode instruction that only exists with this feature. Memory operands are
    /// RIP-relative with a displacement landing 0x100 bytes past the code (16-byte aligned
    /// for CMPXCHG16B when the probe sits at 0x1000).
    public var probe: [UInt8]
    /// What the bit promises, for people reading the table.
    public var meaning: String
}

/// The identity and features of the CPU that CPUID describes.
public struct CPUIDModel: Sendable {
    /// 12 ASCII characters, returned in EBX, EDX, ECX of leaf 0 (and 0x80000000 on AMD).
    public var vendor: String
    /// Displayed family and model (before splitting into base/extended fields).
    public var family: UInt32
    public var model: UInt32
    public var stepping: UInt32
    /// Up to 48 ASCII characters, leaves 0x80000002-0x80000004 (NUL-padded).
    public var brand: String
    public var maxBasicLeaf: UInt32
    public var maxExtendedLeaf: UInt32
    public var physicalAddressBits: UInt32
    public var linearAddressBits: UInt32
    public var features: [CPUIDFeature]

    /// Orrery's reference CPU: an AMD Zen 5 (family 1Ah, model 02h: EPYC 9005 "Turin")
    /// with only the features the interpreter implements.
    public static let reference = CPUIDModel(
        vendor: "AuthenticAMD", family: 0x1A, model: 0x02, stepping: 0x1,
        brand: "Orrery virtual CPU",
        // Leaf 7 is the highest basic leaf we answer (with zeros: no extended features);
        // leaves 2-6 are reserved or power management on AMD and read as zeros.
        maxBasicLeaf: 0x7, maxExtendedLeaf: 0x8000_0008,
        physicalAddressBits: 48, linearAddressBits: 48,
        features: referenceFeatures)

    /// `orrery run --cpu intel` (CPUVendor.swift): a GenuineIntel identity over the same
    /// implemented features, so software that asks "is this Intel?" takes its Intel paths.
    /// Family 6, model 8Fh, stepping 8: a 4th-generation Xeon ("Sapphire Rapids"), the Intel
    /// counterpart of the Zen reference. Intel's leaf layout (SDM vol. 2A, CPUID): no vendor
    /// string in 0x80000000 and no signature in 0x80000001 EAX (both reserved, zero); leaf
    /// 0x80000001 EDX carries only SYSCALL/NX/Page1GB/RDTSCP/LM, never AMD's mirrors of leaf 1
    /// EDX; a leaf above the maximum returns the highest basic leaf's data.
    public static let intel = CPUIDModel(
        vendor: "GenuineIntel", family: 0x6, model: 0x8F, stepping: 0x8,
        brand: "Orrery virtual CPU (Intel model)",
        maxBasicLeaf: 0x7, maxExtendedLeaf: 0x8000_0008,
        physicalAddressBits: 48, linearAddressBits: 48,
        features: referenceFeatures.filter { !($0.leaf == 0x8000_0001 && $0.register == .edx && $0.name.hasSuffix("(ext)")) })

    /// Intel's CPUID conventions apply (see `intel`).
    public var isIntel: Bool { vendor == "GenuineIntel" }

    /// A leaf past the basic or extended maximum (Intel answers these with the highest basic leaf).
    public func outOfRange(_ leaf: UInt32) -> Bool {
        leaf < 0x8000_0000 ? leaf > maxBasicLeaf : leaf > maxExtendedLeaf
    }

    static let referenceFeatures: [CPUIDFeature] = [
        // Leaf 1 EDX.
        CPUIDFeature(name: "FPU", leaf: 1, register: .edx, bit: 0, probe: [0xD9, 0xE8],
                     meaning: "x87 FPU on chip (harness families x87-*)"),
        CPUIDFeature(name: "FXSR", leaf: 1, register: .edx, bit: 24, probe: [0x0F, 0xAE, 0x05, 0xF9, 0x00, 0x00, 0x00],
                     meaning: "FXSAVE/FXRSTOR (harness family x87-control)"),
        CPUIDFeature(name: "FPU (ext)", leaf: 0x8000_0001, register: .edx, bit: 0, probe: [0xD9, 0xE8],
                     meaning: "AMD mirror of leaf 1 FPU"),
        CPUIDFeature(name: "FXSR (ext)", leaf: 0x8000_0001, register: .edx, bit: 24, probe: [0x0F, 0xAE, 0x05, 0xF9, 0x00, 0x00, 0x00],
                     meaning: "AMD mirror of leaf 1 FXSR"),
        CPUIDFeature(name: "TSC", leaf: 1, register: .edx, bit: 4, probe: [0x0F, 0x31],
                     meaning: "RDTSC (and CR4.TSD)"),
        CPUIDFeature(name: "CX8", leaf: 1, register: .edx, bit: 8,
                     probe: [0x0F, 0xC7, 0x0D, 0x00, 0x01, 0x00, 0x00], meaning: "CMPXCHG8B"),
        // The fast system calls: their probes can only be the MSR access that configures them
        // (the instructions themselves need the MSRs set up and leave the probe's code); their
        // behaviour is checked by FastSystemCallTests, CPUVendorTests, roms/tests/sysenter and
        // kvm-unit-tests syscall.
        CPUIDFeature(name: "SEP", leaf: 1, register: .edx, bit: 11, probe: [0x0F, 0x32],
                     meaning: "SYSENTER/SYSEXIT and the IA32_SYSENTER_CS/ESP/EIP MSRs (AMD: not in long mode)"),
        // Paging and MSRs (MMU/Paging.swift, MSRs.swift; behaviour tested in PagingTests). The
        // probe can only show that the controlling instruction exists: MOV from CR4, RDMSR.
        CPUIDFeature(name: "PSE", leaf: 1, register: .edx, bit: 3, probe: [0x0F, 0x20, 0xE0],
                     meaning: "4 MiB pages with CR4.PSE in 32-bit paging"),
        CPUIDFeature(name: "MSR", leaf: 1, register: .edx, bit: 5, probe: [0x0F, 0x32],
                     meaning: "RDMSR/WRMSR"),
        CPUIDFeature(name: "PAE", leaf: 1, register: .edx, bit: 6, probe: [0x0F, 0x20, 0xE0],
                     meaning: "PAE and 4-level paging (CR4.PAE)"),
        CPUIDFeature(name: "APIC", leaf: 1, register: .edx, bit: 9, probe: [0x0F, 0x32],
                     meaning: "an on-chip local APIC at IA32_APIC_BASE (xAPIC MMIO, Devices/Interrupts/LocalAPIC)"),
        CPUIDFeature(name: "MTRR", leaf: 1, register: .edx, bit: 12, probe: [0x0F, 0x32],
                     meaning: "MTRRcap, variable/fixed MTRRs, MTRRdefType (stored)"),
        CPUIDFeature(name: "PGE", leaf: 1, register: .edx, bit: 13, probe: [0x0F, 0x20, 0xE0],
                     meaning: "CR4.PGE and the G bit (accepted; see MMU/TLB.swift)"),
        CPUIDFeature(name: "PAT", leaf: 1, register: .edx, bit: 16, probe: [0x0F, 0x32],
                     meaning: "IA32_PAT MSR (stored; memory types have no effect)"),
        CPUIDFeature(name: "CMOV", leaf: 1, register: .edx, bit: 15, probe: [0x0F, 0x44, 0xC1],
                     meaning: "CMOVcc (FCMOVcc too when FPU is set)"),
        // MMX (Instructions/MMX.swift): MOVD/MOVQ, the packed-integer set, EMMS; the registers are
        // the x87 significands. Host-CPU harness families mmx, mmx32.
        CPUIDFeature(name: "MMX", leaf: 1, register: .edx, bit: 23, probe: [0x0F, 0xFC, 0xC1],
                     meaning: "MMX (PADDB mm, mm... on the x87 registers)"),
        CPUIDFeature(name: "MMX (ext)", leaf: 0x8000_0001, register: .edx, bit: 23, probe: [0x0F, 0xFC, 0xC1],
                     meaning: "MMX, AMD mirror of leaf 1"),
        // SSE/SSE2 (Instructions/SSE*.swift): every instruction of both sets except the MMX-register
        // forms, which are in Instructions/MMXConvert.swift (family mmx); host-CPU harness families
        // sse-move, sse-logic, sse-int, sse-fp-*.
        CPUIDFeature(name: "SSE", leaf: 1, register: .edx, bit: 25, probe: [0x0F, 0x58, 0xC1],
                     meaning: "SSE (ADDPS...; MXCSR, #XM)"),
        CPUIDFeature(name: "SSE2", leaf: 1, register: .edx, bit: 26, probe: [0xF2, 0x0F, 0x58, 0xC1],
                     meaning: "SSE2 (ADDSD..., packed integer in XMM)"),
        // Leaf 1 ECX.
        CPUIDFeature(name: "CX16", leaf: 1, register: .ecx, bit: 13,
                     probe: [0x48, 0x0F, 0xC7, 0x0D, 0xF8, 0x00, 0x00, 0x00], meaning: "CMPXCHG16B"),
        CPUIDFeature(name: "MOVBE", leaf: 1, register: .ecx, bit: 22,
                     probe: [0x0F, 0x38, 0xF0, 0x05, 0x00, 0x01, 0x00, 0x00], meaning: "MOVBE"),
        CPUIDFeature(name: "POPCNT", leaf: 1, register: .ecx, bit: 23, probe: [0xF3, 0x0F, 0xB8, 0xC1],
                     meaning: "POPCNT"),
        // SSSE3, SSE4.1, SSE4.2: every instruction (XMM forms) matches the host CPU in the harness
        // families ssse3, sse41, sse41-gpr, sse41-fp, sse42, pcmpstr (Tests/DiffHarness/
        // SSEExtendedFamilies.swift); the MMX-register forms of SSSE3 (no 66 prefix) in ssse3-mmx.
        // SSE3 (bit 0): families sse3, sse3-fp, and FISTTP in the x87 families (x87-move).
        // MONITOR/MWAIT have their own bit (ECX 3), not advertised: they raise #UD.
        CPUIDFeature(name: "SSE3", leaf: 1, register: .ecx, bit: 0, probe: [0x66, 0x0F, 0xD0, 0xC1],
                     meaning: "ADDSUBPS/PD, HADD/HSUB, MOVSLDUP/MOVSHDUP/MOVDDUP, LDDQU, FISTTP"),
        CPUIDFeature(name: "SSSE3", leaf: 1, register: .ecx, bit: 9, probe: [0x66, 0x0F, 0x38, 0x00, 0xC1],
                     meaning: "PSHUFB, PHADD/PHSUB, PMADDUBSW, PMULHRSW, PSIGN, PABS, PALIGNR"),
        CPUIDFeature(name: "SSE4.1", leaf: 1, register: .ecx, bit: 19, probe: [0x66, 0x0F, 0x38, 0x17, 0xC1],
                     meaning: "PTEST, PMOVSX/ZX, blends, PEXTR/PINSR, ROUND*, DPPS/DPPD, MPSADBW..."),
        CPUIDFeature(name: "SSE4.2", leaf: 1, register: .ecx, bit: 20, probe: [0x66, 0x0F, 0x3A, 0x63, 0xC1, 0x0C],
                     meaning: "PCMPESTRx/PCMPISTRx, PCMPGTQ, CRC32"),
        // Leaf 0x80000001: AMD repeats the leaf-1 EDX bits it shares (TSC, CX8, CMOV...) here.
        CPUIDFeature(name: "TSC (ext)", leaf: 0x8000_0001, register: .edx, bit: 4, probe: [0x0F, 0x31],
                     meaning: "RDTSC, AMD mirror of leaf 1"),
        CPUIDFeature(name: "CX8 (ext)", leaf: 0x8000_0001, register: .edx, bit: 8,
                     probe: [0x0F, 0xC7, 0x0D, 0x00, 0x01, 0x00, 0x00], meaning: "CMPXCHG8B, AMD mirror of leaf 1"),
        CPUIDFeature(name: "CMOV (ext)", leaf: 0x8000_0001, register: .edx, bit: 15, probe: [0x0F, 0x44, 0xC1],
                     meaning: "CMOVcc, AMD mirror of leaf 1"),
        CPUIDFeature(name: "PSE (ext)", leaf: 0x8000_0001, register: .edx, bit: 3, probe: [0x0F, 0x20, 0xE0],
                     meaning: "4 MiB pages with CR4.PSE in 32-bit paging, AMD mirror of leaf 1"),
        CPUIDFeature(name: "MSR (ext)", leaf: 0x8000_0001, register: .edx, bit: 5, probe: [0x0F, 0x32],
                     meaning: "RDMSR/WRMSR, AMD mirror of leaf 1"),
        CPUIDFeature(name: "PAE (ext)", leaf: 0x8000_0001, register: .edx, bit: 6, probe: [0x0F, 0x20, 0xE0],
                     meaning: "PAE and 4-level paging (CR4.PAE), AMD mirror of leaf 1"),
        CPUIDFeature(name: "APIC (ext)", leaf: 0x8000_0001, register: .edx, bit: 9, probe: [0x0F, 0x32],
                     meaning: "on-chip local APIC, AMD mirror of leaf 1"),
        CPUIDFeature(name: "MTRR (ext)", leaf: 0x8000_0001, register: .edx, bit: 12, probe: [0x0F, 0x32],
                     meaning: "MTRRcap, variable/fixed MTRRs, MTRRdefType (stored), AMD mirror of leaf 1"),
        CPUIDFeature(name: "PGE (ext)", leaf: 0x8000_0001, register: .edx, bit: 13, probe: [0x0F, 0x20, 0xE0],
                     meaning: "CR4.PGE and the G bit (accepted; see MMU/TLB.swift), AMD mirror of leaf 1"),
        CPUIDFeature(name: "PAT (ext)", leaf: 0x8000_0001, register: .edx, bit: 16, probe: [0x0F, 0x32],
                     meaning: "IA32_PAT MSR (stored; memory types have no effect), AMD mirror of leaf 1"),
        CPUIDFeature(name: "SYSCALL", leaf: 0x8000_0001, register: .edx, bit: 11, probe: [0x0F, 0x32],
                     meaning: "SYSCALL/SYSRET with EFER.SCE and STAR/LSTAR/CSTAR/SFMASK (Intel: 64-bit mode only)"),
        CPUIDFeature(name: "NX", leaf: 0x8000_0001, register: .edx, bit: 20, probe: [0x0F, 0x32],
                     meaning: "EFER.NXE and the XD bit in PAE/4-level page tables"),
        CPUIDFeature(name: "Page1GB", leaf: 0x8000_0001, register: .edx, bit: 26, probe: [0x0F, 0x20, 0xE0],
                     meaning: "1 GiB pages (PDPTE.PS) in 4-level paging"),
        CPUIDFeature(name: "RDTSCP", leaf: 0x8000_0001, register: .edx, bit: 27, probe: [0x0F, 0x01, 0xF9],
                     meaning: "RDTSCP and TSC_AUX"),
        CPUIDFeature(name: "LM", leaf: 0x8000_0001, register: .edx, bit: 29, probe: [0x48, 0x01, 0xC8],
                     meaning: "long mode (64-bit instructions, REX)"),
        CPUIDFeature(name: "LahfSahf", leaf: 0x8000_0001, register: .ecx, bit: 0, probe: [0x9F],
                     meaning: "LAHF/SAHF in 64-bit mode"),
        CPUIDFeature(name: "ABM", leaf: 0x8000_0001, register: .ecx, bit: 5, probe: [0xF3, 0x0F, 0xBD, 0xC1],
                     meaning: "LZCNT (with POPCNT)"),
        CPUIDFeature(name: "3DNowPrefetch", leaf: 0x8000_0001, register: .ecx, bit: 8,
                     probe: [0x0F, 0x0D, 0x0D, 0x00, 0x01, 0x00, 0x00],
                     meaning: "PREFETCH/PREFETCHW (0F 0D), executed as hints"),
        // Leaf 0x80000007 EDX: the TSC runs at a constant rate in every state (it derives from
        // virtual time, which keeps running while halted).
        CPUIDFeature(name: "InvariantTSC", leaf: 0x8000_0007, register: .edx, bit: 8, probe: [0x0F, 0x31],
                     meaning: "constant-rate TSC"),
        // Process-context identifiers ([3/6]): CR4.PCIDE and INVPCID (MMU/Paging.swift, ControlRegisters.swift).
        CPUIDFeature(name: "PCID", leaf: 1, register: .ecx, bit: 17, probe: [0x0F, 0x22, 0xE0],
                     meaning: "CR4.PCIDE"),
        CPUIDFeature(name: "INVPCID", leaf: 7, register: .ebx, bit: 10, probe: [0x66, 0x0F, 0x38, 0x82, 0x00],
                     meaning: "INVPCID"),
    ]

    /// Bits advertised in one register of one leaf.
    public func featureBits(leaf: UInt32, register: CPUIDFeature.Register) -> UInt32 {
        var bits: UInt32 = 0
        for f in features where f.leaf == leaf && f.register == register { bits |= 1 << f.bit }
        return bits
    }

    /// The signature in leaf 1 EAX (and 0x80000001 EAX on AMD): family above 0Fh is split into
    /// base family 0Fh plus extended family; the model's high nibble goes to the extended model.
    public var signature: UInt32 {
        let baseFamily: UInt32 = min(family, 0xF)
        let extendedFamily: UInt32 = family > 0xF ? family - 0xF : 0
        var eax: UInt32 = stepping & 0xF
        eax |= (model & 0xF) << 4
        eax |= baseFamily << 8
        eax |= ((model >> 4) & 0xF) << 16
        eax |= (extendedFamily & 0xFF) << 20
        return eax
    }

    /// A string as little-endian 32-bit words (4 characters each, NUL-padded to `words`).
    static func words(_ s: String, count: Int) -> [UInt32] {
        var bytes = Array(s.utf8.prefix(count * 4))
        bytes += [UInt8](repeating: 0, count: count * 4 - bytes.count)
        var result: [UInt32] = []
        for i in 0..<count {
            var w: UInt32 = 0
            for k in 0..<4 { w |= UInt32(bytes[4 * i + k]) << UInt32(8 * k) }
            result.append(w)
        }
        return result
    }

    /// CPUID's answer for EAX = leaf, ECX = subleaf. Leaves above the maximum, and leaves we
    /// do not describe, return zeros (AMD's behaviour; Intel repeats the highest basic leaf).
    public func query(leaf: UInt32, subleaf: UInt32) -> CPUIDResult {
        let v = Self.words(vendor, count: 3)
        if isIntel && outOfRange(leaf) { return query(leaf: maxBasicLeaf, subleaf: subleaf) }
        switch leaf {
        case 0:
            return CPUIDResult(maxBasicLeaf, v[0], v[2], v[1])
        case 1:
            // EBX: CLFLUSH line size 8 qwords (64 bytes) in 15:8, one logical processor in
            // 23:16 (meaningful only with HTT, which is clear), initial APIC ID 0 in 31:24.
            return CPUIDResult(signature, 0x0001_0800, featureBits(leaf: 1, register: .ecx),
                               featureBits(leaf: 1, register: .edx))
        case 7 where leaf <= maxBasicLeaf:
            // Subleaf 0: EAX = highest subleaf (0), no structured extended features.
            if subleaf != 0 { return .zero }
            return CPUIDResult(0, featureBits(leaf: 7, register: .ebx), featureBits(leaf: 7, register: .ecx),
                               featureBits(leaf: 7, register: .edx))
        case 0x8000_0000:
            if isIntel { return CPUIDResult(maxExtendedLeaf, 0, 0, 0) }
            return CPUIDResult(maxExtendedLeaf, v[0], v[2], v[1])
        case 0x8000_0001:
            return CPUIDResult(isIntel ? 0 : signature, 0, featureBits(leaf: leaf, register: .ecx),
                               featureBits(leaf: leaf, register: .edx))
        case 0x8000_0002...0x8000_0004:
            let b = Self.words(brand, count: 12)
            let k = Int(leaf - 0x8000_0002) * 4
            return CPUIDResult(b[k], b[k + 1], b[k + 2], b[k + 3])
        case 0x8000_0007 where leaf <= maxExtendedLeaf:
            return CPUIDResult(0, 0, 0, featureBits(leaf: leaf, register: .edx))
        case 0x8000_0008 where leaf <= maxExtendedLeaf:
            // EAX: physical address bits in 7:0, linear in 15:8. ECX 7:0 = cores - 1 = 0.
            return CPUIDResult(physicalAddressBits | linearAddressBits << 8, 0, 0, 0)
        default:
            return .zero
        }
    }

    /// The answers precomputed for the handler: plain values, no strings or arrays, so CPUID
    /// costs no allocation or reference counting.
    public func table() -> CPUIDTable {
        CPUIDTable(model: self)
    }
}

/// The non-zero CPUID leaves of a model, precomputed (plain stored values only).
public struct CPUIDTable: Sendable {
    var basic: (CPUIDResult, CPUIDResult, CPUIDResult)            // leaves 0, 1, 7
    var extended: (CPUIDResult, CPUIDResult, CPUIDResult, CPUIDResult,
                   CPUIDResult, CPUIDResult, CPUIDResult)         // 0x80000000-4, 7, 8
    let maxBasicLeaf: UInt32
    let maxExtendedLeaf: UInt32
    /// Intel: leaves out of range answer as the highest basic leaf (subleaf 0, other subleaves).
    let repeatsHighestBasic: Bool
    let highestBasic: (CPUIDResult, CPUIDResult)

    init(model m: CPUIDModel) {
        basic = (m.query(leaf: 0, subleaf: 0), m.query(leaf: 1, subleaf: 0), m.query(leaf: 7, subleaf: 0))
        extended = (m.query(leaf: 0x8000_0000, subleaf: 0), m.query(leaf: 0x8000_0001, subleaf: 0),
                    m.query(leaf: 0x8000_0002, subleaf: 0), m.query(leaf: 0x8000_0003, subleaf: 0),
                    m.query(leaf: 0x8000_0004, subleaf: 0), m.query(leaf: 0x8000_0007, subleaf: 0),
                    m.query(leaf: 0x8000_0008, subleaf: 0))
        maxBasicLeaf = m.maxBasicLeaf
        maxExtendedLeaf = m.maxExtendedLeaf
        repeatsHighestBasic = m.isIntel
        highestBasic = (m.query(leaf: m.maxBasicLeaf, subleaf: 0), m.query(leaf: m.maxBasicLeaf, subleaf: 1))
    }

    public static let reference = CPUIDModel.reference.table()
    public static let intel = CPUIDModel.intel.table()

    /// Same answers as `CPUIDModel.query` for the model it was built from.
    @inline(__always)
    public func lookup(leaf: UInt32, subleaf: UInt32) -> CPUIDResult {
        if repeatsHighestBasic && (leaf < 0x8000_0000 ? leaf > maxBasicLeaf : leaf > maxExtendedLeaf) {
            return subleaf == 0 ? highestBasic.0 : highestBasic.1
        }
        switch leaf {
        case 0: return basic.0
        case 1: return basic.1
        case 7 where leaf <= maxBasicLeaf: return subleaf == 0 ? basic.2 : .zero
        case 0x8000_0000: return extended.0
        case 0x8000_0001: return extended.1
        case 0x8000_0002: return extended.2
        case 0x8000_0003: return extended.3
        case 0x8000_0004: return extended.4
        case 0x8000_0007 where leaf <= maxExtendedLeaf: return extended.5
        case 0x8000_0008 where leaf <= maxExtendedLeaf: return extended.6
        default: return .zero
        }
    }
}
