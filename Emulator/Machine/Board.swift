// Layer: Machine (the PC board). Building the PC board: the memory map is validated (typed
// errors the CLI prints as one line), and the ACPI tables are written into the BIOS area.

import Devices
import EmulatorCore
import X86

/// The local APIC already has the shape the CPU asks for (pendingVector / acknowledge).
extension LocalAPIC: InterruptSource {}

public struct BoardConfiguration: Equatable {
    public var memorySize: UInt64
    public var acpi = ACPIConfiguration()
    /// The RTC's wall-clock time at virtual time 0, in Unix seconds (`orrery run --rtc-epoch`).
    public var rtcEpoch: Int64 = RTC.defaultEpoch
    public init(memorySize: UInt64) { self.memorySize = memorySize }
    /// A UTC time as `--rtc-epoch` takes it (RTC.parseEpoch): Unix seconds, or YYYY-MM-DD[THH:MM[:SS]].
    public static func parseRTCEpoch(_ text: String) -> Int64? { RTC.parseEpoch(text) }
}

public enum BoardError: Error, Equatable, CustomStringConvertible {
    case memory(GuestMemoryMapError)

    public var description: String {
        switch self {
        case .memory(let e): return e.description
        }
    }
}

extension Machine {
    /// The PC board: `config.memorySize` of RAM laid out as `GuestMemoryMap` says, ACPI tables installed.
    public convenience init(board config: BoardConfiguration) throws {
        let map: GuestMemoryMap
        do { map = try GuestMemoryMap(ramSize: config.memorySize) } catch { throw BoardError.memory(error) }
        // RAM beyond the PCI hole continues at 4 GiB: one host mapping addressed by guest
        // physical address, with the hole [lowRAMEnd, 4 GiB) left out of RAM (it is MMIO).
        if map.highRAMSize > 0 {
            try self.init(memorySize: GuestMemoryMap.highRAMStart + map.highRAMSize,
                          hole: map.lowRAMEnd..<GuestMemoryMap.highRAMStart)
        } else {
            try self.init(memorySize: map.lowRAMEnd)
        }
        memoryMap = map
        var acpi = config.acpi
        acpi.mcfg = true        // the board maps ECAM (PCDevices)
        let tables = BoardACPI.build(config: acpi)
        ram.write(tables.image, at: tables.base)
        acpiTables = tables
        try wireLegacyDevices()
        devices?.rtc.setEpoch(config.rtcEpoch)
        capturePowerOnState()
    }

    /// Creates the PC devices and maps them (see PCDevices for the addresses and wires).
    func wireLegacyDevices() throws {
        let d = try PCDevices(machine: self)
        devices = d
        // The CPU asks the local APIC for maskable interrupts (the 8259 reaches it via LINT0
        // ExtINT) and delivers exceptions through the IDT, as a PC does.
        cpu.interruptSource = d.lapic
        // CR8, IA32_APIC_BASE, the x2APIC MSRs and TSC_DEADLINE reach the same APIC.
        cpu.attachLocalAPIC(TimedLocalAPIC(d.lapic, self))
        cpu.deliversExceptions = true
        // NMIs the local APIC accepts (ICR self-NMI, LINT1 in NMI mode) latch the CPU's NMI.
        d.lapic.onNMI = { [unowned cpu] in cpu.requestNMI() }
        // The A20 line (port 0x92 and the i8042's output port) masks the CPU's address bit 20.
        d.a20.onChange = { [unowned cpu] in cpu.setA20(enabled: $0) }
    }
}

/// The devices of the PC board and how they are wired (QEMU `pc`/`q35` addresses):
///   ports  0x20/0xA0 8259 pair, 0x4D0 ELCR; 0x40-0x43 8254, 0x61 port B; 0x60/0x64 i8042;
///          0x92 System Control Port A (A20 gate, fast reset);
///          0x70-0x71 RTC/CMOS; 0x3F8/0x2F8/0x3E8/0x2E8 COM1-4; 0x510 fw_cfg; 0x600 PM1a
///          (ACPIPowerDevice, the Machine's), 0x608 PM timer; 0xCF8-0xCFF PCI config + reset;
///          0xE0-0xE7 and 0x2000-0x2017 pc-testdev (not 0xE8-0xEB: 0xE9 console)
///   MMIO   0xE0000000 ECAM (256 buses); 0xFEC00000 IOAPIC; 0xFED00000 HPET; 0xFEE00000 local
///          APIC; 0xFF000000 pc-testdev iomem
///   IRQs   ISA IRQ n drives 8259 input n and IOAPIC pin n, except IRQ 0 -> pin 2 (the MADT's
///          override); PIT OUT0 and HPET legacy timer 0 share IRQ 0 (the PIT is cut off while
///          HPET legacy replacement is on), RTC and HPET timer 1 IRQ 8, COM1/3 IRQ 4, COM2/4
///          IRQ 3, keyboard IRQ 1, mouse IRQ 12; 8259 INTR -> LAPIC LINT0 (ExtINT);
///          IOAPIC -> LAPIC; LAPIC EOI -> IOAPIC.
/// Timers that arm events from a guest access (PIT, port B, RTC, HPET, LAPIC) are mapped
/// through TimedPort so the event fires at its exact instruction count.
public final class PCDevices {
    public let pic = PIC8259()
    public let pit: PIT
    public let rtc: RTC
    public let serial: [UART16550]
    public let keyboard = I8042()
    /// Port 0x92 and the A20 line it shares with the i8042 (Devices/Board/A20Gate.swift).
    public let a20 = A20Gate()
    public let pmTimer: ACPIPMTimer
    public let ioapic = IOAPIC()
    public let lapic: LocalAPIC
    public let hpet: HPET
    public let fwcfg: FwCfg
    public let testdev: PCTestDev
    public let pciBridge = PCIHostBridge()
    public let pciConfig: PCIConfigPorts
    /// ISA IRQ lines 0-15 and the IOAPIC's 24 inputs (GSIs).
    public let isa = (0..<16).map { InterruptLine(name: "IRQ\($0)") }
    public let gsi = (0..<24).map { InterruptLine(name: "GSI\($0)") }
    /// Where COM1-COM4 output goes (the CLI sets it: stdout or a file). Never read back.
    public var serialOutput: ((Int, UInt8) -> Void)? = nil

    init(machine m: Machine) throws {
        let clock = m.clock, events = m.events, ports = m.ports, mmio = m.mmio
        pit = PIT(clock: clock, events: events)
        rtc = RTC(clock: clock, events: events)
        serial = ["COM1", "COM2", "COM3", "COM4"].map { UART16550(name: $0) }
        pmTimer = ACPIPMTimer(clock: clock)
        lapic = LocalAPIC(queue: events)
        hpet = HPET(queue: events, gsiLines: gsi, legacyLines: (isa[0], isa[8]))
        fwcfg = FwCfg(ramSize: m.memoryMap?.ramSize ?? m.ram.size)
        testdev = PCTestDev(irqLines: isa + Array(gsi[16..<24]))
        pciConfig = PCIConfigPorts(bridge: pciBridge)

        // Interrupt wires.
        for (n, line) in isa.enumerated() {
            let pin = n == 0 ? 2 : n
            line.connect { [pic, ioapic] level in
                pic.setIRQ(n, level: level)
                ioapic.setIRQ(pin, level: level)
            }
        }
        for n in 16..<24 { gsi[n].connect { [ioapic] level in ioapic.setIRQ(n, level: level) } }
        pit.irq0.connect { [isa, hpet] level in if !hpet.legacyReplacement { isa[0].set(level) } }
        rtc.irq8.connect { [isa] in isa[8].set($0) }
        keyboard.irq1.connect { [isa] in isa[1].set($0) }
        keyboard.irq12.connect { [isa] in isa[12].set($0) }
        keyboard.onA20Change = { [a20] in a20.drive($0) }
        for (i, u) in serial.enumerated() {
            u.irq.connect { [isa] in isa[i % 2 == 0 ? 4 : 3].set($0) }
            u.output = { [unowned self] b in self.serialOutput?(i, b) }
        }
        pic.intr.connect { [lapic] in lapic.setLINT(0, level: $0) }
        lapic.externalPending = { [pic] in pic.pendingVector() }
        lapic.externalAcknowledge = { [pic] in _ = pic.acknowledge() }
        ioapic.deliver = { [lapic] in lapic.receive($0) }
        lapic.onEOI = { [ioapic] in ioapic.endOfInterrupt(vector: $0) }
        if let map = m.memoryMap { rtc.setMemorySize(below4G: map.lowRAMEnd, above4G: map.highRAMSize) }
        try pciBridge.attach(Q35HostBridgeFunction(ecamBase: GuestMemoryMap.ecamBase), at: PCIAddress(device: 0))

        // Port and MMIO windows.
        try ports.map(pic.masterPorts, at: 0x20, length: 2, name: "pic-master")
        try ports.map(pic.slavePorts, at: 0xA0, length: 2, name: "pic-slave")
        try ports.map(pic.elcrPorts, at: 0x4D0, length: 2, name: "pic-elcr")
        try ports.map(TimedPort(pit.ports, m), at: 0x40, length: 4, name: "pit")
        try ports.map(TimedPort(pit.systemControlPort, m), at: 0x61, length: 1, name: "port-b")
        try ports.map(keyboard.dataPort, at: 0x60, length: 1, name: "i8042-data")
        try ports.map(keyboard.commandPort, at: 0x64, length: 1, name: "i8042-command")
        try ports.map(a20, at: 0x92, length: 1, name: "port92-a20")
        try ports.map(TimedPort(rtc.ports, m), at: 0x70, length: 2, name: "rtc")
        for (u, base) in zip(serial, [0x3F8, 0x2F8, 0x3E8, 0x2E8] as [UInt64]) {
            try ports.map(u, at: base, length: 8, name: u.name)
        }
        try ports.map(fwcfg, at: 0x510, length: 2, name: "fw_cfg")
        try ports.map(pmTimer, at: ACPIPowerDevice.timerBlock, length: 4, name: "acpi-pm-timer")
        try ports.map(pciConfig, at: 0xCF8, length: 8, name: "pci-config")
        // 0xE0-0xE7 only: the byte window 0xE8-0xEB would cover the 0xE9 console our guests use.
        try ports.map(testdev.ports, at: 0xE0, length: 8, name: "pc-testdev")
        try ports.map(testdev.irqPorts, at: 0x2000, length: 24, name: "pc-testdev-irq")
        let ecam = PCIECAM(bridge: pciBridge)
        try mmio.map(ecam, at: GuestMemoryMap.ecamBase, length: ecam.length, name: "pci-ecam")
        try mmio.map(ioapic, at: GuestMemoryMap.ioAPICBase, length: 0x1000, name: "ioapic")
        try mmio.map(TimedPort(hpet, m), at: GuestMemoryMap.hpetBase, length: 0x400, name: "hpet")
        // The local APIC page sits where IA32_APIC_BASE puts it (0xFEE00000 at power-on; the APIC
        // decides: `windowBase`), ahead of the fixed mappings. Only the CPU path that misses RAM
        // reaches the bus, so a base inside RAM is not decoded (no PC firmware or OS puts it there).
        mmio.mapRelocatable(TimedPort(lapic, m), placedBy: lapic, length: 0x1000)
        try mmio.map(testdev.iomem, at: 0xFF00_0000, length: 0x1_0000, name: "pc-testdev-iomem")
    }

    /// Reset sources: the reset control register (0xCF9 RST_CPU, also the FADT's reset register)
    /// and the i8042's reset line (command 0xFE, or an output-port write with bit 0 clear).
    func connectResetLines(_ request: @escaping () -> Void) {
        pciConfig.onReset = { _ in request() }   // soft (INIT) and hard resets alike, as QEMU
        keyboard.onReset = request
        a20.onReset = request                    // port 0x92 bit 0 (fast reset)
    }

    /// The devices a machine reset returns to their power-on state (all but the RTC, whose
    /// time and CMOS RAM are battery-backed: it gets `resetPin()`), in a fixed order.
    var resettable: [any Snapshottable] { [pic, pit] + serial + [keyboard, pmTimer, ioapic, lapic, hpet, fwcfg, testdev, pciConfig, a20] }

    /// Adds every device's state to a machine hash, in a fixed order.
    func contributeHash(to h: inout StateHash) {
        let all: [any Snapshottable] = [pic, pit, rtc] + serial + [keyboard, pmTimer, ioapic, lapic, hpet, fwcfg, testdev, pciConfig, a20]
        for d in all { d.contributeHash(to: &h) }
    }
}
