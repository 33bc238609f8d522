// Arch layer: device interrupts. The vector plan, the IRQ dispatch table and the end-of-
// interrupt rule. Exceptions (vectors 0-31) stay with TrapDispatch.swift; this file registers
// one trap handler per device vector that runs the driver's handler and then signals EOI to
// the local APIC (Drivers/LocalAPIC.swift).
//
// Vector plan (the priority class of a vector is vector >> 4; higher classes preempt lower):
//   0x20-0x2F  the two 8259 PICs, remapped here and masked: only a spurious IRQ 7/15 can arrive
//   0x40       the selftests' software interrupt (Traps.testVector)
//   0x50-0x67  IOAPIC inputs, GSI n -> 0x50 + n (ISA IRQ 4, COM1, = GSI 4 -> 0x54)
//   0xF0       local APIC timer (the tick);  0xFE local APIC error;  0xFF spurious
import ArchAsm

enum InterruptVector {
    static let picBase = 0x20
    static let gsiBase = 0x50
    static let gsiCount = 24
    static let timer = 0xF0
    static let apicError = 0xFE
    static let spurious = 0xFF

    static func forGSI(_ gsi: UInt32) -> Int? {
        gsi < UInt32(gsiCount) ? gsiBase + Int(gsi) : nil
    }
}

enum Interrupts {
    /// Interrupts delivered per vector (dispatch statistics, read by selftests).
    private(set) static var counts: [UInt64] = Array(repeating: 0, count: 256)

    /// Installs `handler` for a device vector. After it returns, EOI is written to the local
    /// APIC: an in-service vector blocks every vector of its priority class and below until
    /// then, so a handler must not wait for other interrupts.
    static func register(vector: Int, _ handler: @escaping () -> Void) {
        Traps.register(vector: vector) { _ in
            counts[vector] &+= 1
            handler()
            LocalAPIC.endOfInterrupt()
        }
    }

    static func count(_ vector: Int) -> UInt64 { counts[vector] }

    /// The vectors that must never panic even without a driver: the APIC's spurious vector
    /// (no EOI: it never sets an in-service bit) and the masked PICs' spurious IRQ 7 and 15.
    static func installSpuriousHandlers() {
        Traps.register(vector: InterruptVector.spurious) { _ in counts[InterruptVector.spurious] &+= 1 }
        Traps.register(vector: InterruptVector.picBase + 7) { _ in counts[InterruptVector.picBase + 7] &+= 1 }
        Traps.register(vector: InterruptVector.picBase + 15) { _ in
            counts[InterruptVector.picBase + 15] &+= 1
            // A spurious IRQ 15 still passed through the master's cascade input (IRQ 2),
            // which is in service there and needs its EOI.
            Port(0x20).write8(0x20)
        }
    }

    /// Enables interrupts (STI). Call once every source is programmed.
    static func enable() { arch_sti() }

    /// Waits for the next interrupt with interrupts enabled, then returns with the interrupt
    /// flag as the caller had it. "sti; hlt" is atomic with respect to interrupts (STI's
    /// one-instruction shadow), so an interrupt that arrives just before cannot be missed.
    static func waitForInterrupt() {
        let flags = arch_irq_save()
        arch_sti_hlt()
        if flags & 0x200 == 0 { arch_cli() }
    }
}

/// The two cascaded 8259A PICs (master ports 0x20/0x21, slave 0xA0/0xA1). The APICs replace
/// them, but they wake up after reset programmed to raise vectors 8-15 (the CPU's exception
/// vectors), so they are re-initialised onto 0x20-0x2F first and then every input is masked.
enum LegacyPIC {
    static func remapAndMaskAll() {
        let masterCommand = Port(0x20), masterData = Port(0x21)
        let slaveCommand = Port(0xA0), slaveData = Port(0xA1)
        // ICW1: initialisation, ICW4 follows, cascade mode, edge triggered.
        masterCommand.write8(0x11)
        slaveCommand.write8(0x11)
        // ICW2: vector base (the low 3 bits are the IRQ number).
        masterData.write8(UInt8(InterruptVector.picBase))
        slaveData.write8(UInt8(InterruptVector.picBase + 8))
        // ICW3: the master has the slave on input 2 (bit mask); the slave's cascade id is 2.
        masterData.write8(0x04)
        slaveData.write8(0x02)
        // ICW4: 8086 mode, normal (not automatic) EOI.
        masterData.write8(0x01)
        slaveData.write8(0x01)
        // OCW1: mask every input.
        masterData.write8(0xFF)
        slaveData.write8(0xFF)
    }

    static var masks: (master: UInt8, slave: UInt8) { (Port(0x21).read8(), Port(0xA1).read8()) }
}
