// Drivers layer: the I/O APIC (Intel 82093AA), which turns device interrupt lines (GSIs) into
// messages to a local APIC. Found through the MADT (address, first GSI); registers are reached
// indirectly: write the register number to IOREGSEL (offset 0x00), then read or write IOWIN
// (offset 0x10). Register 1 (version) bits 16-23 = number of redirection entries - 1;
// registers 0x10 + 2n / 0x11 + 2n are the low / high halves of redirection entry n
// (Support/InterruptRouting.swift). Every entry starts masked; drivers unmask their own.

enum IOAPIC {
    struct Controller {
        let registers: MMIORegion
        let gsiBase: UInt32
        let entries: UInt32
        let id: UInt8
    }

    private(set) static var controllers: [Controller] = []
    /// The MADT, kept for ISA IRQ -> GSI overrides.
    private static var madt: MADT?

    enum Failure: Error {
        case noIOAPIC
        case mapping(PageTableError)
    }

    static func initialize(madt: MADT) throws(Failure) {
        self.madt = madt
        for entry in madt.ioAPICs {
            let region: MMIORegion
            do throws(PageTableError) {
                region = try MMIO.map(physical: UInt64(entry.address), size: 0x20)
            } catch {
                throw .mapping(error)
            }
            let version = read(region, 1)
            let count = ((version >> 16) & 0xFF) + 1
            let controller = Controller(registers: region, gsiBase: entry.gsiBase, entries: count, id: entry.id)
            controllers.append(controller)
            for pin in 0..<count {
                write(controller, entry: pin, RedirectionEntry(vector: 0, masked: true))
            }
        }
        if controllers.isEmpty { throw .noIOAPIC }
    }

    private static func read(_ r: MMIORegion, _ register: UInt32) -> UInt32 {
        r.write32(0x00, register)
        return r.read32(0x10)
    }

    private static func write(_ r: MMIORegion, _ register: UInt32, _ value: UInt32) {
        r.write32(0x00, register)
        r.write32(0x10, value)
    }

    private static func write(_ c: Controller, entry pin: UInt32, _ e: RedirectionEntry) {
        let raw = e.raw
        // Mask first (low half with bit 16), then destination, then the real low half: the
        // entry is never live with half of the old and half of the new contents.
        write(c.registers, 0x10 + 2 * pin, UInt32(truncatingIfNeeded: raw) | 1 << 16)
        write(c.registers, 0x11 + 2 * pin, UInt32(truncatingIfNeeded: raw >> 32))
        write(c.registers, 0x10 + 2 * pin, UInt32(truncatingIfNeeded: raw))
    }

    private static func controller(forGSI gsi: UInt32) -> Controller? {
        for c in controllers where gsi >= c.gsiBase && gsi - c.gsiBase < c.entries { return c }
        return nil
    }

    /// Routes ISA IRQ `irq` (through the MADT's overrides: IRQ 0 is GSI 2 on PCs) to this CPU
    /// at the GSI's vector and unmasks it. Returns the GSI and vector used.
    @discardableResult
    static func routeISA(irq: UInt8, handler: @escaping () -> Void) -> (gsi: UInt32, vector: Int)? {
        let (gsi, flags) = madt?.gsi(forISAIRQ: irq) ?? (UInt32(irq), 0)
        guard let c = controller(forGSI: gsi), let vector = InterruptVector.forGSI(gsi) else { return nil }
        Interrupts.register(vector: vector, handler)
        let entry = RedirectionEntry.forISA(vector: UInt8(vector), intiFlags: flags,
                                            destination: UInt8(truncatingIfNeeded: LocalAPIC.id))
        write(c, entry: gsi - c.gsiBase, entry)
        return (gsi, vector)
    }

    /// The redirection entry currently programmed for `gsi` (selftests check it).
    static func entry(forGSI gsi: UInt32) -> RedirectionEntry? {
        guard let c = controller(forGSI: gsi) else { return nil }
        let pin = gsi - c.gsiBase
        let low = UInt64(read(c.registers, 0x10 + 2 * pin)), high = UInt64(read(c.registers, 0x11 + 2 * pin))
        return RedirectionEntry(raw: high << 32 | low)
    }

    static func setMasked(gsi: UInt32, _ masked: Bool) {
        guard let c = controller(forGSI: gsi) else { return }
        let pin = gsi - c.gsiBase
        let low = read(c.registers, 0x10 + 2 * pin)
        write(c.registers, 0x10 + 2 * pin, masked ? low | 1 << 16 : low & ~(1 << 16))
    }
}
