// Kernel / Support: IOAPIC redirection entries, computed from ACPI (platform-neutral, host-tested).
//
// An IOAPIC input (a GSI) is programmed by a 64-bit redirection entry (82093AA datasheet 3.2.4):
//   bits 0-7 vector, 8-10 delivery mode (000 fixed), 11 destination mode (0 physical),
//   12 delivery status (read-only), 13 polarity (1 = active low), 14 remote IRR (read-only),
//   15 trigger mode (1 = level), 16 mask, 56-63 destination (the local APIC id, physical mode).
// ISA interrupts are edge-triggered and active high unless the MADT's interrupt source override
// says otherwise; the override's MPS INTI flags are polarity (bits 0-1) and trigger (bits 2-3),
// each 00 = "conforms to the bus" (ISA: high, edge), 01 = high / edge, 11 = low / level.
//
// Public API:
//   struct RedirectionEntry   vector, activeLow, levelTriggered, masked, destination;
//                             init(raw:), raw; static func forISA(vector:intiFlags:destination:)

public struct RedirectionEntry: Equatable {
    public var vector: UInt8
    public var activeLow: Bool
    public var levelTriggered: Bool
    public var masked: Bool
    public var destination: UInt8

    public init(vector: UInt8, activeLow: Bool = false, levelTriggered: Bool = false,
                masked: Bool = false, destination: UInt8 = 0) {
        self.vector = vector
        self.activeLow = activeLow
        self.levelTriggered = levelTriggered
        self.masked = masked
        self.destination = destination
    }

    public init(raw: UInt64) {
        vector = UInt8(truncatingIfNeeded: raw)
        activeLow = raw & (1 << 13) != 0
        levelTriggered = raw & (1 << 15) != 0
        masked = raw & (1 << 16) != 0
        destination = UInt8(truncatingIfNeeded: raw >> 56)
    }

    /// Fixed delivery, physical destination mode.
    public var raw: UInt64 {
        var value = UInt64(vector)
        if activeLow { value |= 1 << 13 }
        if levelTriggered { value |= 1 << 15 }
        if masked { value |= 1 << 16 }
        value |= UInt64(destination) << 56
        return value
    }

    /// The entry for an ISA interrupt with the given MPS INTI flags (0 when no override).
    public static func forISA(vector: UInt8, intiFlags: UInt16, destination: UInt8) -> RedirectionEntry {
        let polarity = intiFlags & 3
        let trigger = (intiFlags >> 2) & 3
        // 10b is reserved in both fields: treat it as the bus default rather than guess.
        return RedirectionEntry(vector: vector, activeLow: polarity == 3, levelTriggered: trigger == 3,
                                masked: false, destination: destination)
    }
}
