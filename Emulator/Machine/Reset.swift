// Layer: Machine (the PC board). Machine reset: the guest asks for one through the reset control
// register (port 0xCF9, RST_CPU; the FADT's reset register names the same port), the i8042's
// reset line (command 0xFE), or the CPU's shutdown cycle after a triple fault. The board either
// stops (`ResetAction.stop`, the default: status 12; a triple fault stops with status 10) or
// reboots: the CPU and every device return to their power-on state, the ACPI tables and the
// kernel are loaded again by the same boot loader, and the CPU enters it as on the first boot.
//
// Determinism: a reboot keeps the virtual clock and the retired-instruction count running (they
// are the machine's time, never reset) and keeps RAM as it is (QEMU does the same; the loader
// rewrites what it loads). The RTC keeps its time and CMOS RAM (battery-backed): only its
// RESET pin effects apply. Nothing of the host enters, so a reboot happens the same way on
// every run.

import Devices
import EmulatorCore
import X86

/// What a guest reset request does (`orrery run --on-reset`).
public enum ResetAction: String, Equatable { case reboot, stop }
/// What a triple fault does (`orrery run --on-triple-fault`).
public enum TripleFaultPolicy: String, Equatable { case reset, stop }

/// The kernel and parameters of the last boot, loaded again on a reboot.
struct BootRequest {
    var kernel: [UInt8]
    var commandLine: String
    var initrd: [UInt8]?
    var initrdName: String
    var forced: BootProtocol?
    var modules: [BootModule] = []
}

extension Machine {
    /// Remembers the power-on state of the devices and event queue (the CPU's is taken in
    /// `init(memorySize:)`), and connects the reset lines. Called once the board is wired.
    func capturePowerOnState() {
        let w = StateWriter()
        events.save(to: w)
        power.save(to: w)
        for d in devices?.resettable ?? [] { d.save(to: w) }
        powerOnDevices = w.bytes
        // The power-on CPU state was taken before the board attached the local APIC: keep the
        // link (LocalAPICPort.swift) across resets.
        powerOnCPU.msr.apic = cpu.state.pointee.msr.apic
        devices?.connectResetLines { [unowned self] in
            self.resetRequested = true
            self.cpu.state.pointee.stopRequested = true
        }
    }

    /// Resets the machine and boots the same kernel again. Returns nil on success, or the
    /// outcome that ends the run when the machine cannot be brought back (never expected: the
    /// same image booted before).
    func reboot() -> RunOutcome? {
        resets += 1
        // Devices and timers back to power-on (their snapshot restores cannot fail on bytes
        // this machine wrote itself; if one did, the run stops rather than continue half-reset).
        let r = StateReader(bytes: powerOnDevices)
        do {
            try events.restore(from: r)
            try power.restore(from: r)
            for d in devices?.resettable ?? [] { try d.restore(from: r) }
        } catch {
            return .guestReset
        }
        devices?.rtc.resetPin()
        // The CPU: power-on state, but time (the retired-instruction count) keeps running.
        let retired = cpu.state.pointee.instructionsRetired
        cpu.state.pointee = powerOnCPU
        cpu.state.pointee.instructionsRetired = retired
        cpu.invalidateDecodedCode()
        if let tables = acpiTables { ram.write(tables.image, at: tables.base) }
        guard let b = bootRequest else { return .guestReset }
        do {
            try boot(kernel: b.kernel, commandLine: b.commandLine, initrd: b.initrd,
                     initrdName: b.initrdName, modules: b.modules, protocol: b.forced)
        } catch {
            return .guestReset
        }
        return nil
    }
}
