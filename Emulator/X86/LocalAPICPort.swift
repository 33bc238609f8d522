// Layer: X86 (CPU model). The CPU's side of the local APIC registers it reaches without the
// memory bus (Intel SDM vol. 3A ch. 11): CR8 (an alias of TPR[7:4], SDM 11.8.6), IA32_APIC_BASE
// (global enable bit 11, x2APIC mode bit 10), the x2APIC MSRs 0x800-0x8FF (SDM 11.12) and
// IA32_TSC_DEADLINE (MSR 0x6E0, SDM 11.5.4.1). The local APIC lives in module Devices; the board
// declares its conformance and attaches it with `X86CPU.attachLocalAPIC`.
//
// CPUState must stay plain data, so it holds an `Unmanaged<LocalAPICLink>` (no reference count);
// the X86CPU keeps the link alive, and the board keeps the APIC alive while the CPU runs.
// Only cold instructions (MOV CR8, RDMSR, WRMSR) go through it.

public protocol LocalAPICPort: AnyObject {
    /// TPR[7:4] as CR8 sees it (bits 3:0); writing sets TPR = value << 4.
    var cr8: UInt64 { get set }
    /// A write of IA32_APIC_BASE that the CPU accepted (reserved bits and mode rules checked).
    func apicBaseWritten(_ value: UInt64)
    /// RDMSR of 0x800-0x8FF: the value, or nil for #GP.
    func readMSR(_ index: UInt32) -> UInt64?
    /// WRMSR of 0x800-0x8FF: false for #GP.
    func writeMSR(_ index: UInt32, _ value: UInt64) -> Bool
    /// IA32_TSC_DEADLINE.
    func readTSCDeadline() -> UInt64
    func writeTSCDeadline(_ value: UInt64, currentTSC: UInt64)
}

/// The box CPUState points at (unretained; the X86CPU retains it, and it retains the port).
public final class LocalAPICLink {
    public let port: any LocalAPICPort
    init(_ port: any LocalAPICPort) { self.port = port }
}

extension X86CPU {
    /// Connects the local APIC: CR8, IA32_APIC_BASE, x2APIC MSRs and TSC_DEADLINE reach it.
    /// The CPU keeps `apic` alive; the caller should first call
    /// `apic.apicBaseWritten(IA32_APIC_BASE)` if the two could disagree.
    public func attachLocalAPIC(_ apic: any LocalAPICPort) {
        let link = LocalAPICLink(apic)
        apicLinkStorage = link
        state.pointee.msr.apic = .passUnretained(link)
        apic.cr8 = state.pointee.msr.cr8
    }
}
