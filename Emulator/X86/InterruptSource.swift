// Layer: X86 (CPU model). The CPU's side of the interrupt wiring: an interrupt controller (the
// PIC pair or the local APIC, in module Devices) offers the highest-priority vector it wants
// delivered; the CPU asks at instruction-block boundaries (never in the middle of a block, so
// the instruction count at which an interrupt is taken is deterministic) and, when it accepts
// one (RFLAGS.IF = 1, no STI/MOV SS shadow), acknowledges it (INTA) and delivers it through the
// IDT. NMI does not go through this protocol: see `X86CPU.requestNMI()`.

public protocol InterruptSource: AnyObject {
    /// The vector the controller would hand out on an INTA cycle now, or nil.
    func pendingVector() -> UInt8?
    /// The CPU took `vector` (the PIC/APIC moves it from IRR to ISR).
    func acknowledge(_ vector: UInt8)
    /// The controller's INTR output, if it drives one: a byte that is true whenever
    /// `pendingVector()` may return a vector, kept up to date by the controller and valid while
    /// it exists. The CPU samples it at block boundaries (a load and a test, as a core samples
    /// its INTR pin) and calls `pendingVector()` only when it is set. nil (the default): the CPU
    /// asks `pendingVector()` at every block boundary while RFLAGS.IF = 1.
    var interruptRequestLine: UnsafePointer<Bool>? { get }
}

extension InterruptSource {
    public var interruptRequestLine: UnsafePointer<Bool>? { nil }
}
