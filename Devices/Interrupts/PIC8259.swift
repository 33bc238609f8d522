// Layer: Devices. The PC's two cascaded Intel 8259A programmable interrupt controllers
// (datasheet 8259A, order 231468) plus the EISA edge/level control registers (ELCR).
//
// PC board wiring: master at ports 0x20-0x21 (IRQ 0-7), slave at 0xA0-0xA1 (IRQ 8-15), its INT
// output on master input 2 (the cascade); ELCR at 0x4D0 (master) / 0x4D1 (slave). Each range is
// a separate BusDevice window (`masterPorts`, `slavePorts`, `elcrPorts`); the board maps them.
// Devices reach an input through an InterruptLine the board connects to `setIRQ(_:level:)`.
// The CPU side: `intr` (the INT output wire), `pendingVector()` to peek, `acknowledge()` for the
// INTA cycle. Priorities, EOI and edge detection follow the datasheet; the model matches QEMU's
// i8259 where the datasheet leaves choices (poll word 0 when nothing is pending). An edge-triggered
// input latches its request on the rising edge and keeps it until INTA even if the wire drops
// (devices may `pulse()` their line); a level-triggered input follows the wire, so a request
// withdrawn before INTA gives the spurious IRQ 7 (master) or 15 (slave).

import EmulatorCore

public final class PIC8259: Snapshottable {
    /// One 8259A.
    final class Chip {
        let isMaster: Bool
        /// Inputs the ELCR may make level-triggered (master: IRQ 0-2 are always edge; slave: 8, 13).
        let elcrMask: UInt8
        var irr: UInt8 = 0            // interrupt request register
        var imr: UInt8 = 0            // interrupt mask register (OCW1)
        var isr: UInt8 = 0            // in-service register
        var inputLevel: UInt8 = 0     // the current level of each input wire (edge detection)
        var priorityAdd: UInt8 = 0    // rotation: the input with the highest priority
        var vectorBase: UInt8 = 0     // ICW2 bits 7-3
        var readISR = false           // OCW3 RR/RIS: port 0 reads ISR instead of IRR
        var poll = false              // OCW3 P: next read of port 0 is the poll word
        var specialMask = false       // OCW3 SMM
        var initStep: UInt8 = 0       // 0 = operational; 1..3 = expecting ICW2..ICW4
        var needICW4 = false          // ICW1 IC4
        var single = false            // ICW1 SNGL (no cascade, no ICW3)
        var levelMode = false         // ICW1 LTIM: every input level-triggered
        var autoEOI = false           // ICW4 AEOI
        var rotateOnAutoEOI = false   // OCW2 R=1 SL=0 EOI=0 ("rotate in automatic EOI mode")
        var specialFullyNested = false // ICW4 SFNM
        var elcr: UInt8 = 0

        init(isMaster: Bool) {
            self.isMaster = isMaster
            self.elcrMask = isMaster ? 0xF8 : 0xDE
        }

        var levelTriggered: UInt8 { levelMode ? 0xFF : elcr }

        /// ICW1 resets the chip's programming (not the ELCR, which is a separate register).
        func initReset() {
            inputLevel = 0
            irr &= levelTriggered        // a level input still held stays requested
            imr = 0; isr = 0; priorityAdd = 0; vectorBase = 0
            readISR = false; poll = false; specialMask = false
            autoEOI = false; rotateOnAutoEOI = false; specialFullyNested = false
            needICW4 = false; single = false; levelMode = false
        }

        /// Priority level (0 = highest) of the highest-priority bit in `mask`; 8 when empty.
        func priority(of mask: UInt8) -> UInt8 {
            if mask == 0 { return 8 }
            var p: UInt8 = 0
            while mask & (1 << ((p &+ priorityAdd) & 7)) == 0 { p += 1 }
            return p
        }

        /// The input this chip would present to the CPU now, if any: the highest-priority
        /// unmasked request above everything in service (special mask mode lets masked
        /// in-service levels not block; SFNM lets the slave interrupt a slave in service).
        func highestRequest() -> UInt8? {
            let p = priority(of: irr & ~imr)
            if p == 8 { return nil }
            var inService = isr
            if specialMask { inService &= ~imr }
            if specialFullyNested && isMaster { inService &= ~(1 << 2) }
            let current = priority(of: inService)
            return p < current ? (p &+ priorityAdd) & 7 : nil
        }

        func setInput(_ n: UInt8, level: Bool) {
            let bit: UInt8 = 1 << (n & 7)
            if levelTriggered & bit != 0 {
                // Level-triggered: the request follows the wire.
                if level { irr |= bit; inputLevel |= bit } else { irr &= ~bit; inputLevel &= ~bit }
            } else {
                // Edge-triggered: a rising edge latches a request; it stays until acknowledged.
                if level {
                    if inputLevel & bit == 0 { irr |= bit }
                    inputLevel |= bit
                } else {
                    inputLevel &= ~bit
                }
            }
        }

        /// INTA for input `n`: set its ISR bit (unless auto-EOI), clear an edge request.
        func intack(_ n: UInt8) {
            let bit: UInt8 = 1 << (n & 7)
            if autoEOI {
                if rotateOnAutoEOI { priorityAdd = (n &+ 1) & 7 }
            } else {
                isr |= bit
            }
            if levelTriggered & bit == 0 { irr &= ~bit }
        }

        func save(_ w: StateWriter) {
            for v in [irr, imr, isr, inputLevel, priorityAdd, vectorBase, initStep, elcr] { w.u8(v) }
            for b in [readISR, poll, specialMask, needICW4, single, levelMode, autoEOI, rotateOnAutoEOI,
                      specialFullyNested] { w.bool(b) }
        }

        func restore(_ r: StateReader) throws(SnapshotError) {
            irr = try r.u8(); imr = try r.u8(); isr = try r.u8(); inputLevel = try r.u8()
            priorityAdd = try r.u8(below: 8, field: "PIC.priorityAdd")
            vectorBase = try r.u8() & 0xF8
            initStep = try r.u8(below: 4, field: "PIC.initStep")
            elcr = try r.u8() & elcrMask
            readISR = try r.bool(); poll = try r.bool(); specialMask = try r.bool()
            needICW4 = try r.bool(); single = try r.bool(); levelMode = try r.bool()
            autoEOI = try r.bool(); rotateOnAutoEOI = try r.bool(); specialFullyNested = try r.bool()
        }
    }

    /// A port window of the pair (the board maps each at its own range). Windows are stateless
    /// and keep the PIC alive, so a bus holding only the window is safe.
    public final class Window: BusDevice {
        enum Kind { case master, slave, elcr }
        let pic: PIC8259
        let kind: Kind
        init(_ pic: PIC8259, _ kind: Kind) { self.pic = pic; self.kind = kind }

        public func read(offset: UInt64, size: Int) -> UInt64 {
            switch kind {
            case .master: return UInt64(pic.readPort(pic.master, offset: offset))
            case .slave: return UInt64(pic.readPort(pic.slave, offset: offset))
            case .elcr: return UInt64((offset & 1 == 0 ? pic.master : pic.slave).elcr)
            }
        }

        public func write(offset: UInt64, size: Int, value: UInt64) {
            let v = UInt8(truncatingIfNeeded: value)
            switch kind {
            case .master: pic.writePort(pic.master, offset: offset, value: v)
            case .slave: pic.writePort(pic.slave, offset: offset, value: v)
            case .elcr:
                let c = offset & 1 == 0 ? pic.master : pic.slave
                c.elcr = v & c.elcrMask
                pic.update()
            }
        }
    }

    let master = Chip(isMaster: true)
    let slave = Chip(isMaster: false)

    /// Ports 0x20-0x21.
    public var masterPorts: Window { Window(self, .master) }
    /// Ports 0xA0-0xA1.
    public var slavePorts: Window { Window(self, .slave) }
    /// Ports 0x4D0-0x4D1.
    public var elcrPorts: Window { Window(self, .elcr) }

    /// The master's INT output to the CPU (the board connects it, e.g. to wake a halted CPU).
    public let intr = InterruptLine(name: "PIC INTR")

    public init() {}

    // MARK: Inputs

    /// Drives input `irq` (0-15) to `level`. Out-of-range inputs are ignored.
    public func setIRQ(_ irq: Int, level: Bool) {
        guard irq >= 0, irq < 16 else { return }
        if irq < 8 { master.setInput(UInt8(irq), level: level) } else { slave.setInput(UInt8(irq - 8), level: level) }
        update()
    }

    /// Recomputes the cascade (slave INT -> master input 2) and the INT output.
    func update() {
        if !master.single {
            master.setInput(2, level: slave.highestRequest() != nil)
        }
        intr.set(master.highestRequest() != nil)
    }

    // MARK: CPU side

    /// The vector the next INTA would deliver, without acknowledging (nil when INT is low).
    public func pendingVector() -> UInt8? {
        guard let irq = master.highestRequest() else { return nil }
        if irq == 2 && !master.single {
            return slave.vectorBase | (slave.highestRequest() ?? 7)
        }
        return master.vectorBase | irq
    }

    /// The INTA cycle: returns the vector and updates IRR/ISR. If the request went away in the
    /// meantime the 8259A answers with IRQ 7 of the chip concerned (the spurious interrupt: no
    /// ISR bit is set, so its handler must not send an EOI).
    @discardableResult
    public func acknowledge() -> UInt8 {
        let vector: UInt8
        if let irq = master.highestRequest() {
            if irq == 2 && !master.single {
                if let s = slave.highestRequest() {
                    slave.intack(s)
                    vector = slave.vectorBase | s
                } else {
                    vector = slave.vectorBase | 7      // spurious IRQ 15
                }
            } else {
                vector = master.vectorBase | irq
            }
            master.intack(irq)
        } else {
            vector = master.vectorBase | 7             // spurious IRQ 7
        }
        update()
        return vector
    }

    /// The same INTA, in the shape of X86's `InterruptSource.acknowledge(_:)` (so the board can
    /// declare `extension PIC8259: InterruptSource {}`). The CPU asks `pendingVector()` and
    /// acknowledges at once, so `vector` is what the INTA delivers; the PIC decides, as on the chip.
    public func acknowledge(_ vector: UInt8) {
        acknowledge()
    }

    // MARK: Registers

    func readPort(_ c: Chip, offset: UInt64) -> UInt8 {
        if c.poll {
            // Poll mode (OCW3 P): the read is an interrupt acknowledge; bit 7 = pending, 2-0 = level.
            c.poll = false
            guard let irq = c.highestRequest() else { return 0 }
            if c.isMaster && irq == 2 && !c.single, let s = slave.highestRequest() {
                slave.intack(s)
            }
            c.intack(irq)
            update()
            return 0x80 | irq
        }
        if offset & 1 == 0 { return c.readISR ? c.isr : c.irr }
        return c.imr
    }

    func writePort(_ c: Chip, offset: UInt64, value v: UInt8) {
        if offset & 1 == 0 {
            if v & 0x10 != 0 {
                // ICW1: start initialisation. Bit 0 IC4, bit 1 SNGL, bit 3 LTIM.
                c.initReset()
                c.initStep = 1
                c.needICW4 = v & 0x01 != 0
                c.single = v & 0x02 != 0
                c.levelMode = v & 0x08 != 0
            } else if v & 0x08 != 0 {
                // OCW3: bit 2 poll; bits 1-0 read register (10 = IRR, 11 = ISR); bits 6-5 special mask.
                if v & 0x04 != 0 { c.poll = true }
                if v & 0x02 != 0 { c.readISR = v & 0x01 != 0 }
                if v & 0x40 != 0 { c.specialMask = v & 0x20 != 0 }
            } else {
                // OCW2: bits 7-5 = R, SL, EOI; bits 2-0 = level for the specific forms.
                let cmd = v >> 5
                switch cmd {
                case 0, 4:          // clear / set rotate in automatic EOI mode
                    c.rotateOnAutoEOI = cmd == 4
                case 1, 5:          // non-specific EOI / rotate on non-specific EOI
                    let p = c.priority(of: c.isr)
                    if p != 8 {
                        let irq = (p &+ c.priorityAdd) & 7
                        c.isr &= ~(1 << irq)
                        if cmd == 5 { c.priorityAdd = (irq &+ 1) & 7 }
                    }
                case 3:             // specific EOI
                    c.isr &= ~(1 << (v & 7))
                case 6:             // set priority: level L becomes the lowest
                    c.priorityAdd = ((v & 7) &+ 1) & 7
                case 7:             // rotate on specific EOI
                    c.isr &= ~(1 << (v & 7))
                    c.priorityAdd = ((v & 7) &+ 1) & 7
                default:            // 2: no operation
                    break
                }
            }
        } else {
            switch c.initStep {
            case 1:     // ICW2: vector base (bits 7-3 on an x86)
                c.vectorBase = v & 0xF8
                c.initStep = c.single ? (c.needICW4 ? 3 : 0) : 2
            case 2:     // ICW3: cascade wiring (the PC's is fixed: slave on master input 2)
                c.initStep = c.needICW4 ? 3 : 0
            case 3:     // ICW4: bit 1 AEOI, bit 4 SFNM (bit 0 uPM: 8086 mode assumed)
                c.autoEOI = v & 0x02 != 0
                c.specialFullyNested = v & 0x10 != 0
                c.initStep = 0
            default:    // OCW1: the interrupt mask
                c.imr = v
            }
        }
        update()
    }

    // MARK: Inspection (tests, debugger)

    public struct Registers: Equatable {
        public var irr: UInt8, isr: UInt8, imr: UInt8, elcr: UInt8, vectorBase: UInt8
    }
    public var masterRegisters: Registers { regs(master) }
    public var slaveRegisters: Registers { regs(slave) }
    private func regs(_ c: Chip) -> Registers {
        Registers(irr: c.irr, isr: c.isr, imr: c.imr, elcr: c.elcr, vectorBase: c.vectorBase)
    }

    // MARK: Snapshottable

    public func save(to w: StateWriter) {
        w.section("PIC2", version: 1) {
            master.save(w)
            slave.save(w)
            w.bool(intr.level)
        }
    }

    public func restore(from r: StateReader) throws(SnapshotError) {
        try r.section("PIC2", maxVersion: 1) { _ throws(SnapshotError) in
            try master.restore(r)
            try slave.restore(r)
            intr.restoreLevel(try r.bool())
        }
    }
}
