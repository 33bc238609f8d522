// Layer: Machine (the PC board). RAM, an MMIO bus, a port bus, one CPU, the two test devices
// every guest of ours uses (isa-debug-exit at port 0xf4, the port-0xE9 console) and the ACPI
// power-management block (port 0x600). `Machine(memorySize:)` is the bare board our flat test
// and benchmark guests use; `Machine(board:)` is the PC board: a validated memory map (e820) and
// the ACPI tables in the BIOS area, which the boot loaders (Boot/) rely on.

import Devices
import EmulatorCore
import X86

public final class Machine {
    public let ram: PhysicalMemory
    public let mmio = IOBus()
    public let ports = IOBus()
    public let cpu: X86CPU
    public let debugExit = DebugExit()
    public let console = DebugConsoleE9()
    /// PM1a event/control registers: soft-off through SLP_TYP(S5) | SLP_EN ends the run.
    public let power = ACPIPowerDevice()
    /// Virtual time (1 ns per retired instruction) and the timer events the devices arm on it.
    public let clock = VirtualClock()
    public let events: EventQueue
    /// The devices of the PC board (`Machine(board:)` only; see Board.swift).
    public internal(set) var devices: PCDevices? = nil
    public var pic: PIC8259? { devices?.pic }
    public var pit: PIT? { devices?.pit }
    /// Virtual-time deadline the current run budget ends at (GuestRun), and whether a device
    /// armed an earlier event so the CPU must come back to the run loop (see TimedPort).
    var budgetDeadline: UInt64 = .max
    var returnForEvent = false
    /// The PC memory map (`Machine(board:)` only).
    public internal(set) var memoryMap: GuestMemoryMap? = nil
    /// Where the ACPI tables were placed (`Machine(board:)` only).
    public internal(set) var acpiTables: ACPITableSet? = nil
    /// The recorded input queue (host input reaches the guest only through it); nil: no input.
    public var input: InputQueue? = nil
    /// What a guest reset request does, and what a triple fault does (Reset.swift).
    public var resetAction: ResetAction = .stop
    public var tripleFaultAction: TripleFaultPolicy = .stop
    /// Machine resets performed so far (reboots).
    public internal(set) var resets = 0
    var resetRequested = false
    /// The CPU and device state at power-on, and the boot request, for a reboot (Reset.swift).
    var powerOnCPU: CPUState
    var powerOnDevices: [UInt8] = []
    var bootRequest: BootRequest? = nil

    /// `hole`: guest-physical addresses inside 0..<memorySize that are not RAM (the PC board's
    /// PCI window when RAM goes on above 4 GiB).
    public init(memorySize: UInt64, hole: Range<UInt64>? = nil) throws {
        ram = try PhysicalMemory(size: memorySize, hole: hole)
        cpu = X86CPU(ram: ram, mmio: mmio, ports: ports)
        events = EventQueue(clock: clock)
        try ports.map(debugExit, at: 0xF4, length: 4, name: "isa-debug-exit")
        try ports.map(console, at: 0xE9, length: 1, name: "debug-console-e9")
        try ports.map(power, at: ACPIPowerDevice.eventBlock, length: ACPIPowerDevice.portLength, name: "acpi-pm1a")
        let state = cpu.state
        debugExit.onExit = { _ in state.pointee.stopRequested = true }
        power.onPowerOff = { state.pointee.stopRequested = true }
        clock.instructionSource = { state.pointee.instructionsRetired }
        powerOnCPU = state.pointee
    }
}

/// QEMU's isa-debug-exit: writing V ends the run; QEMU's process exit status is (V << 1) | 1.
public final class DebugExit: BusDevice {
    public private(set) var exitValue: UInt64? = nil
    var onExit: ((UInt64) -> Void)?
    public init() {}
    public func read(offset: UInt64, size: Int) -> UInt64 { 0 }
    public func write(offset: UInt64, size: Int, value: UInt64) {
        guard offset == 0 else { return }
        exitValue = value
        onExit?(value)
    }
    /// The process exit status QEMU would report.
    public var status: Int32? { exitValue.map { Int32(truncatingIfNeeded: (($0 & 0xFFFF_FFFF) << 1) | 1) } }
}

/// Bochs/QEMU port-0xE9 console: each byte written is output text. Output never feeds back
/// into guest state.
public final class DebugConsoleE9: BusDevice {
    public private(set) var output: [UInt8] = []
    public var echo: ((UInt8) -> Void)?
    public init() {}
    public func read(offset: UInt64, size: Int) -> UInt64 { 0xE9 }
    public func write(offset: UInt64, size: Int, value: UInt64) {
        let b = UInt8(truncatingIfNeeded: value)
        output.append(b)
        echo?(b)
    }
}

extension Machine {
    /// Called after a guest access to a device that may arm timer events: if the earliest event
    /// is now before the end of the running budget, the CPU stops after this instruction (the
    /// access ends its block) and the run loop recomputes the budget, so the event fires at its
    /// exact instruction count.
    func deviceAccessed() {
        if let d = events.nextDeadline, d < budgetDeadline {
            returnForEvent = true
            cpu.state.pointee.stopRequested = true
        }
    }
}

/// A device window that tells the board after each access (see `Machine.deviceAccessed`).
final class TimedPort: BusDevice {
    let inner: any BusDevice
    unowned let machine: Machine
    init(_ inner: any BusDevice, _ machine: Machine) { self.inner = inner; self.machine = machine }
    func read(offset: UInt64, size: Int) -> UInt64 {
        let v = inner.read(offset: offset, size: size)
        machine.deviceAccessed()
        return v
    }
    func write(offset: UInt64, size: Int, value: UInt64) {
        inner.write(offset: offset, size: size, value: value)
        machine.deviceAccessed()
    }
}

extension Machine {
    /// Hash of all guest-observable state: CPU and RAM (devices join as they gain state).
    public func stateHash() -> StateHash {
        var h = StateHash()
        cpu.state.pointee.hash(into: &h)
        power.contributeHash(to: &h)
        clock.contributeHash(to: &h)
        events.contributeHash(to: &h)
        devices?.contributeHash(to: &h)
        for r in ram.ranges { h.add(bytes: ram.base + Int(r.lowerBound), count: Int(r.count)) }
        return h
    }
}
