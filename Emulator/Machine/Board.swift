// Layer: Machine (the PC board). Building the PC board: the memory map is validated (typed
// errors the CLI prints as one line), and the ACPI tables are written into the BIOS area.

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
    }
}
