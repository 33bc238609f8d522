// Layer: Machine (board wiring). The local APIC as the CPU reaches it without the memory bus
// (CR8, IA32_APIC_BASE, x2APIC MSRs, IA32_TSC_DEADLINE; Emulator/X86/LocalAPICPort.swift).
// Like `TimedPort` for the xAPIC page, every write tells the machine, so a timer event it arms
// (a TSC deadline already passed, a self-IPI) is taken at the exact instruction count.

import Devices
import X86

final class TimedLocalAPIC: LocalAPICPort {
    let apic: LocalAPIC
    unowned let machine: Machine
    init(_ apic: LocalAPIC, _ machine: Machine) { self.apic = apic; self.machine = machine }

    var cr8: UInt64 {
        get { apic.cr8 }
        set { apic.cr8 = newValue; machine.deviceAccessed() }
    }
    func apicBaseWritten(_ value: UInt64) { apic.apicBaseWritten(value); machine.deviceAccessed() }
    func readMSR(_ index: UInt32) -> UInt64? { apic.readMSR(index) }
    func writeMSR(_ index: UInt32, _ value: UInt64) -> Bool {
        let ok = apic.writeMSR(index, value)
        machine.deviceAccessed()
        return ok
    }
    func readTSCDeadline() -> UInt64 { apic.readTSCDeadline() }
    func writeTSCDeadline(_ value: UInt64, currentTSC: UInt64) {
        // `currentTSC` is the exact TSC at the WRMSR (RDTSC counts the instructions before it in
        // its block), but the APIC measures from `clock.now`, which reads `instructionsRetired`:
        // the count at the start of the block. Hand it the TSC of that same instant (TSC =
        // instructions + tscOffset at 1 tick per instruction), or the interrupt would come as
        // many instructions early as the WRMSR is deep in its block: before the deadline.
        let cpu = machine.cpu.state.pointee
        let tscAtClock = cpu.instructionsRetired &+ cpu.tscOffset
        apic.writeTSCDeadline(value, currentTSC: currentTSC >= tscAtClock ? tscAtClock : currentTSC)
        machine.deviceAccessed()
    }
}
