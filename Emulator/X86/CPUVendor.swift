// Layer: X86 (CPU model). The selectable CPU vendor model: Orrery's reference CPU is AMD (Zen,
// the host-CPU harness oracle); `--cpu intel` gives a GenuineIntel identity instead, for guests
// written against Intel's rules (kvm-unit-tests targets KVM on Intel hosts).
//
// What the vendor changes (each rule is cited where it is implemented):
// - CPUID: vendor string, family/model/stepping, brand, Intel's leaf layout (CPUID.swift,
//   `CPUIDModel.intel`).
// - FF /3 and FF /5 with REX.W in 64-bit mode: Intel reads m16:64, AMD m16:32
//   (Instructions/FarTransfer.swift).
// - SYSENTER/SYSEXIT: #UD in long mode on AMD, legal (with 64-bit forms) on Intel;
//   SYSCALL/SYSRET: #UD outside 64-bit mode on Intel, legal in legacy and compatibility mode on
//   AMD; SYSRET to a non-canonical RCX: #GP(0) on Intel (Instructions/FastSystemCall.swift).
// - Code breakpoints right after MOV SS/POP SS: suppressed on Intel, taken on AMD
//   (Execution/Debug.swift).
// - MSRs: Intel's IA32_PLATFORM_ID (17h) reads 0 and IA32_BIOS_SIGN_ID (8Bh) takes writes (Linux
//   uses both with plain RDMSR/WRMSR on Intel); AMD's own MSRs stay on both models (MSRs.swift).
// The common path never looks at the vendor: only the handlers above read the field.

public enum CPUVendor: UInt8, Sendable, CaseIterable {
    case amd = 0
    case intel = 1

    /// The `--cpu` spelling.
    public var name: String {
        switch self {
        case .amd: return "amd"
        case .intel: return "intel"
        }
    }

    public init?(name: String) {
        switch name.lowercased() {
        case "amd": self = .amd
        case "intel": self = .intel
        default: return nil
        }
    }

    /// The CPUID model this vendor answers with.
    public var cpuidModel: CPUIDModel {
        switch self {
        case .amd: return .reference
        case .intel: return .intel
        }
    }
}
