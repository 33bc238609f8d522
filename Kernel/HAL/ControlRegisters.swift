// HAL layer: the CPU's control registers, flags and model-specific registers (MSRs), as values.
import ArchAsm

enum CPU {
    /// CR2: the linear address whose access caused the last page fault.
    static var faultAddress: UInt64 { arch_read_cr2() }
    /// CR3: physical address of the top-level page table (PML4), plus PCID/flag bits.
    static var pageTableRoot: UInt64 { arch_read_cr3() }
    static func setPageTableRoot(_ physical: UInt64) { arch_write_cr3(physical) }
    static var cr0: UInt64 { arch_read_cr0() }
    static var cr4: UInt64 { arch_read_cr4() }
    static var rflags: UInt64 { arch_read_rflags() }
    /// The current frame pointer (RBP), where a backtrace starts.
    static var framePointer: UInt64 { arch_read_rbp() }

    static func readMSR(_ msr: UInt32) -> UInt64 { arch_rdmsr(msr) }
    static func writeMSR(_ msr: UInt32, _ value: UInt64) { arch_wrmsr(msr, value) }

    /// Drops the TLB entry for one virtual page (after changing or removing its mapping).
    static func invalidatePage(_ virtual: UInt64) { arch_invlpg(virtual) }

    static func disableInterrupts() { arch_cli() }
    static func enableInterrupts() { arch_sti() }
    /// INT3: a breakpoint trap (#BP, vector 3); execution continues after it when handled.
    static func breakpoint() { arch_int3() }

    static let msrEFER: UInt32 = 0xC000_0080
}
