// Layer: Machine (the PC board). Building the PC board: the memory map is validated (typed
// errors the CLI prints as one line), and the ACPI tables are written into the BIOS area.

import Devices
import EmulatorCore

public struct BoardConfiguration: Equatable {
    public var memorySize: UInt64
    public var acpi = ACPIConfiguration()
    public init(memorySize: UInt64) { self.memorySize = memorySize }
}

public enum BoardError: Error, Equatable, CustomStringConvertible {
    case memory(GuestMemoryMapError)
    /// RAM above 4 GiB is in the memory map, but the CPU's memory path addresses RAM as one
    /// block from 0, so it cannot yet skip the PCI hole.
    case highRAMUnsupported(UInt64)

    public var description: String {
        switch self {
        case .memory(let e): return e.description
        case .highRAMUnsupported(let s):
            return "guest RAM of \(s >> 20) MiB needs RAM above 4 GiB, which this build does not support yet (at most \(GuestMemoryMap.pciHoleStart >> 20) MiB)"
        }
    }
}

extension Machine {
    /// The PC board: `config.memorySize` of RAM laid out as `GuestMemoryMap` says, ACPI tables installed.
    public convenience init(board config: BoardConfiguration) throws {
        let map: GuestMemoryMap
        do { map = try GuestMemoryMap(ramSize: config.memorySize) } catch { throw BoardError.memory(error) }
        guard map.highRAMSize == 0 else { throw BoardError.highRAMUnsupported(config.memorySize) }
        try self.init(memorySize: map.lowRAMEnd)
        memoryMap = map
        let tables = BoardACPI.build(config: config.acpi)
        ram.write(tables.image, at: tables.base)
        acpiTables = tables
        try wireLegacyDevices()
    }

    /// The devices that exist so far, at their PC addresses:
    ///   8259A pair: 0x20-0x21, 0xA0-0xA1, ELCR 0x4D0-0x4D1
    ///   8254 PIT: 0x40-0x43, port B 0x61; counter 0's OUT drives PIC input 0.
    /// The PIC's INTR output is not yet connected to the CPU (interrupt acceptance is in
    /// progress in module X86): see the list in docs/architecture.md.
    func wireLegacyDevices() throws {
        let pic = PIC8259()
        try ports.map(pic.masterPorts, at: 0x20, length: 2, name: "pic-master")
        try ports.map(pic.slavePorts, at: 0xA0, length: 2, name: "pic-slave")
        try ports.map(pic.elcrPorts, at: 0x4D0, length: 2, name: "pic-elcr")
        let pit = PIT(clock: clock, events: events)
        try ports.map(TimedPort(pit.ports, self), at: 0x40, length: 4, name: "pit")
        try ports.map(TimedPort(pit.systemControlPort, self), at: 0x61, length: 1, name: "port-b")
        pit.irq0.connect { [unowned pic] level in pic.setIRQ(0, level: level) }
        self.pic = pic
        self.pit = pit
    }
}
