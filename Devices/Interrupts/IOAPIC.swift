// Layer: Devices/Interrupts. The I/O APIC (Intel 82093AA datasheet; version 0x20 as in the ICH
// chipsets and QEMU, which adds the EOI register at offset 0x40): 24 input pins, each with a
// 64-bit redirection entry that turns a pin's edge or level into an APIC message.
// The board maps the page at 0xFEC00000; IOREGSEL at offset 0x00, IOWIN at 0x10, EOI at 0x40.
// Pins are driven through `setIRQ` (the sink of each InterruptLine the board routes here); the
// messages go to `deliver` (the board points it at the local APIC's `receive`).

import EmulatorCore

public final class IOAPIC: BusDevice, Snapshottable {
    public static let pinCount = 24
    /// Version register: version 0x20, maximum redirection entry 23 (bits 23:16).
    public static let versionValue: UInt32 = UInt32(pinCount - 1) << 16 | 0x20

    // Redirection entry bits (82093AA §3.2.4).
    public static let deliveryStatus: UInt64 = 1 << 12
    public static let polarityLow: UInt64 = 1 << 13
    public static let remoteIRR: UInt64 = 1 << 14
    public static let levelTriggered: UInt64 = 1 << 15
    public static let masked: UInt64 = 1 << 16
    /// Bits software can write: vector, delivery mode, destination mode, polarity, trigger, mask,
    /// destination (delivery status and remote IRR are read-only).
    public static let writableMask: UInt64 = 0xFF00_0000_0001_AFFF

    public private(set) var select: UInt8 = 0
    public private(set) var id: UInt32 = 0
    public private(set) var redirection = [UInt64](repeating: IOAPIC.masked, count: IOAPIC.pinCount)
    /// Current (asserted) level of each input pin.
    public private(set) var pinLevel = [Bool](repeating: false, count: IOAPIC.pinCount)

    /// Where messages go (the local APIC's `receive`).
    public var deliver: ((APICMessage) -> Void)?

    public init(id: UInt32 = 0) { self.id = id & 0xF }

    /// Power-on state: all entries masked, pins low kept as they are (they are the devices' wires).
    public func reset() {
        select = 0
        for i in 0..<Self.pinCount { redirection[i] = Self.masked }
    }

    // MARK: Pins

    /// Drives pin `pin`. The line carries "asserted" (the board's wires are already in the active
    /// sense, as in QEMU: the polarity bit is stored for software but not applied to the level).
    /// Edge-triggered: a rising edge on an unmasked pin sends one message (a masked edge is lost,
    /// 82093AA §3.2.4 bit 16). Level-triggered: an asserted, unmasked pin with Remote IRR clear
    /// sends a message and sets Remote IRR; the local APIC's EOI clears it (`endOfInterrupt`).
    public func setIRQ(_ pin: Int, level: Bool) {
        guard pin >= 0, pin < Self.pinCount else { return }
        let old = pinLevel[pin]
        pinLevel[pin] = level
        let e = redirection[pin]
        if e & Self.levelTriggered != 0 {
            if level { service(pin) }
        } else if level && !old && e & Self.masked == 0 {
            send(pin, e)
        }
    }

    /// Level-triggered pin: send if asserted, unmasked and not already waiting for an EOI.
    private func service(_ pin: Int) {
        let e = redirection[pin]
        guard e & Self.levelTriggered != 0, pinLevel[pin], e & Self.masked == 0, e & Self.remoteIRR == 0 else { return }
        // Fixed/lowest-priority level interrupts are tracked by Remote IRR; NMI/SMI/INIT/ExtINT
        // are edge-like for the local APIC (82093AA: they must be programmed edge) but we send them.
        redirection[pin] = e | Self.remoteIRR
        send(pin, e)
    }

    private func send(_ pin: Int, _ e: UInt64) {
        let mode = APICDeliveryMode(rawValue: UInt8((e >> 8) & 7)) ?? .fixed
        let m = APICMessage(vector: UInt8(truncatingIfNeeded: e), deliveryMode: mode,
                            destination: UInt32(truncatingIfNeeded: e >> 56),
                            logicalDestination: e & (1 << 11) != 0,
                            levelTriggered: e & Self.levelTriggered != 0)
        deliver?(m)
    }

    /// EOI broadcast from a local APIC (or a write to the EOI register): every level-triggered
    /// entry with this vector and Remote IRR set clears Remote IRR; a pin still asserted
    /// interrupts again.
    public func endOfInterrupt(vector: UInt8) {
        for pin in 0..<Self.pinCount {
            let e = redirection[pin]
            guard UInt8(truncatingIfNeeded: e) == vector, e & Self.remoteIRR != 0 else { continue }
            redirection[pin] = e & ~Self.remoteIRR
            service(pin)
        }
    }

    // MARK: Registers (IOREGSEL-indexed)

    public func readRegister(_ index: UInt8) -> UInt32 {
        switch index {
        case 0x00: return id << 24
        case 0x01: return Self.versionValue
        case 0x02: return id << 24                      // arbitration ID follows the APIC ID
        case 0x10..<0x10 + UInt8(Self.pinCount * 2):
            let e = redirection[Int(index - 0x10) / 2]
            return UInt32(truncatingIfNeeded: index & 1 == 0 ? e : e >> 32)
        default: return 0          // unimplemented indices read 0 (as QEMU's; the 82093AA leaves them undefined)
        }
    }

    public func writeRegister(_ index: UInt8, _ value: UInt32) {
        switch index {
        case 0x00:
            id = (value >> 24) & 0xF
        case 0x10..<0x10 + UInt8(Self.pinCount * 2):
            let pin = Int(index - 0x10) / 2
            let old = redirection[pin]
            let newBits = index & 1 == 0 ? (old & ~0xFFFF_FFFF) | UInt64(value) : (old & 0xFFFF_FFFF) | UInt64(value) << 32
            var e = (old & ~Self.writableMask) | (newBits & Self.writableMask)
            // Remote IRR is meaningless for edge entries: switching to edge clears it.
            if e & Self.levelTriggered == 0 { e &= ~Self.remoteIRR }
            redirection[pin] = e
            // Unmasking (or re-programming) a level entry whose pin is asserted interrupts now.
            service(pin)
        default:
            break
        }
    }

    // MARK: MMIO

    public func read(offset: UInt64, size: Int) -> UInt64 {
        switch offset {
        case 0x00: return UInt64(select)
        case 0x10:
            let v = UInt64(readRegister(select))
            return size >= 4 ? v : v & ((1 << UInt64(size * 8)) - 1)
        default: return 0
        }
    }

    public func write(offset: UInt64, size: Int, value: UInt64) {
        switch offset {
        case 0x00: select = UInt8(truncatingIfNeeded: value)
        case 0x10 where size >= 4: writeRegister(select, UInt32(truncatingIfNeeded: value))
        case 0x40: endOfInterrupt(vector: UInt8(truncatingIfNeeded: value))
        default: break
        }
    }

    // MARK: Snapshottable

    public func save(to w: StateWriter) {
        w.section("IOAP", version: 1) {
            w.u8(select)
            w.u32(id)
            for e in redirection { w.u64(e) }
            for l in pinLevel { w.bool(l) }
        }
    }

    public func restore(from r: StateReader) throws(SnapshotError) {
        try r.section("IOAP", maxVersion: 1) { _ throws(SnapshotError) in
            select = try r.u8()
            id = try r.u32() & 0xF
            for i in 0..<Self.pinCount { redirection[i] = try r.u64() }
            for i in 0..<Self.pinCount { pinLevel[i] = try r.bool() }
        }
    }
}
