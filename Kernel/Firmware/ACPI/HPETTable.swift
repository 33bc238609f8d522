// Kernel / Firmware / ACPI: the HPET description table (IA-PC HPET spec 1.0a, 3.2.4) and the
// MCFG table (PCI Firmware spec 3.0, 4.1.2: PCI Express ECAM windows).
//
// Public API:
//   struct HPETTable    init(_ table:) throws(ACPIError); eventTimerBlockID (PCI vendor in bits
//                       16-31, comparator count - 1 in bits 8-12), address: GenericAddress,
//                       number, minimumTick, pageProtection, comparatorCount, vendorID
//   struct MCFG         init(_ table:) throws(ACPIError); windows: [MCFG.Window]
//                       (baseAddress, segment, startBus, endBus), window(forSegment:bus:)

public struct HPETTable {
    public var eventTimerBlockID: UInt32
    public var address: GenericAddress
    public var number: UInt8
    public var minimumTick: UInt16
    public var pageProtection: UInt8

    public var comparatorCount: Int { Int((eventTimerBlockID >> 8) & 0x1F) + 1 }
    public var vendorID: UInt16 { UInt16(eventTimerBlockID >> 16) }

    public init<M: PhysicalMemoryReader>(_ t: TableView<M>) throws(ACPIError) {
        guard t.signature == .hpet else {
            throw .badSignature(expected: ACPISignature.hpet.rawValue, found: t.signature.rawValue, address: t.address)
        }
        eventTimerBlockID = try t.u32(36)
        address = try t.gas(40)
        number = try t.u8(52)
        minimumTick = try t.u16(53)
        pageProtection = try t.u8(55)
    }
}

public struct MCFG {
    public struct Window: Equatable {
        public var baseAddress: UInt64
        public var segment: UInt16
        public var startBus: UInt8
        public var endBus: UInt8
        /// ECAM address of a function's configuration space (bus within start...end).
        public func configAddress(bus: UInt8, device: UInt8, function: UInt8) -> UInt64? {
            guard bus >= startBus, bus <= endBus, device < 32, function < 8 else { return nil }
            return baseAddress &+ (UInt64(bus - startBus) << 20 | UInt64(device) << 15 | UInt64(function) << 12)
        }
    }
    public var windows: [Window] = []

    public init<M: PhysicalMemoryReader>(_ t: TableView<M>) throws(ACPIError) {
        guard t.signature == .mcfg else {
            throw .badSignature(expected: ACPISignature.mcfg.rawValue, found: t.signature.rawValue, address: t.address)
        }
        var off = 44                      // header + 8 reserved bytes
        while off + 16 <= t.length {
            windows.append(Window(baseAddress: try t.u64(off), segment: try t.u16(off + 8),
                                  startBus: try t.u8(off + 10), endBus: try t.u8(off + 11)))
            off += 16
        }
    }

    public func window(forSegment segment: UInt16, bus: UInt8) -> Window? {
        for w in windows where w.segment == segment && bus >= w.startBus && bus <= w.endBus { return w }
        return nil
    }
}
