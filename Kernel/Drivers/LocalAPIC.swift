// Drivers layer: the local APIC in xAPIC mode (Intel SDM vol. 3 ch. 11): the interrupt
// controller of this CPU. Its 4 KiB register page (physical base from the IA32_APIC_BASE MSR,
// normally 0xFEE00000, as the MADT also says) is mapped uncached (HAL/MMIO.swift); every
// register is a 32-bit access at a 16-byte aligned offset.
//
// Set up: software enable + spurious vector (SVR), task priority 0 (accept every vector),
// LINT0 masked (the 8259s are masked; ExtINT not used), LINT1 as NMI (the MADT's local APIC
// NMI entry on PCs), error interrupt on its vector. Interrupt handlers end with EOI.
// The timer: a 32-bit down-counter at the bus clock / divide configuration, one-shot or
// periodic, raising its LVT vector at zero.

enum LocalAPIC {
    // Register offsets.
    static let idRegister: UInt64 = 0x20
    static let versionRegister: UInt64 = 0x30
    static let taskPriority: UInt64 = 0x80
    static let eoiRegister: UInt64 = 0xB0
    static let spuriousVector: UInt64 = 0xF0
    static let errorStatus: UInt64 = 0x280
    static let lvtTimer: UInt64 = 0x320
    static let lvtLINT0: UInt64 = 0x350
    static let lvtLINT1: UInt64 = 0x360
    static let lvtError: UInt64 = 0x370
    static let timerInitialCount: UInt64 = 0x380
    static let timerCurrentCount: UInt64 = 0x390
    static let timerDivide: UInt64 = 0x3E0

    // LVT bits: 16 mask, 17-18 timer mode (00 one-shot, 01 periodic), 8-10 delivery mode.
    static let lvtMasked: UInt32 = 1 << 16
    static let lvtPeriodic: UInt32 = 1 << 17
    static let deliveryNMI: UInt32 = 0b100 << 8

    static let msrAPICBase: UInt32 = 0x1B
    /// Divide configuration 0b0011 = divide by 16 (bits 0, 1, 3 encode the divisor).
    static let divideBy16: UInt32 = 0b0011
    static let divisor: UInt64 = 16

    private static var registers: MMIORegion?
    private(set) static var errorCount = 0

    static var isReady: Bool { registers != nil }
    static var id: UInt32 { (registers?.read32(idRegister) ?? 0) >> 24 }
    static var version: UInt32 { registers?.read32(versionRegister) ?? 0 }

    enum Failure: Error {
        case mapping(PageTableError)
    }

    /// The MADT's local APIC NMI entries say which LINT pin carries NMI (with its
    /// polarity and trigger); none means the PC convention, LINT1.
    static func initialize(madt: MADT) throws(Failure) {
        // IA32_APIC_BASE: bits 12-51 the register page, bit 11 global enable, bit 8 BSP.
        var base = CPU.readMSR(msrAPICBase)
        if base & (1 << 11) == 0 {
            base |= 1 << 11
            CPU.writeMSR(msrAPICBase, base)
        }
        do throws(PageTableError) {
            registers = try MMIO.map(physical: base & 0x000F_FFFF_FFFF_F000, size: 0x1000)
        } catch {
            throw .mapping(error)
        }
        guard let r = registers else { return }
        r.write32(taskPriority, 0)
        r.write32(lvtLINT0, lvtMasked)
        r.write32(lvtLINT1, lvtMasked)
        // Entries name processors by ACPI processor UID, which the MADT pairs with APIC ids.
        let uid = madt.processors.first { $0.apicID == id }?.processorUID
        var nmiPins = madt.localNMIs.filter { $0.appliesToAll || $0.processorUID == uid }
        if nmiPins.isEmpty { nmiPins = [MADT.LocalNMI(processorUID: 0xFF, flags: 0, lint: 1)] }
        for entry in nmiPins where entry.lint <= 1 {
            // LVT bit 13: active low (MPS INTI polarity 11b). NMI delivery is always edge
            // (the trigger bit only applies to fixed delivery).
            var lvt = deliveryNMI
            if entry.flags & 3 == 3 { lvt |= 1 << 13 }
            r.write32(entry.lint == 0 ? lvtLINT0 : lvtLINT1, lvt)
        }
        r.write32(lvtTimer, lvtMasked | UInt32(InterruptVector.timer))
        Interrupts.register(vector: InterruptVector.apicError) {
            // Writing ESR latches the errors since the last write; reading returns them.
            registers?.write32(errorStatus, 0)
            errorCount += 1
        }
        r.write32(lvtError, UInt32(InterruptVector.apicError))
        r.write32(errorStatus, 0)
        r.write32(errorStatus, 0)
        // SVR bit 8: APIC software enable; bits 0-7: the spurious-interrupt vector.
        r.write32(spuriousVector, 0x100 | UInt32(InterruptVector.spurious))
        endOfInterrupt()     // clears an in-service bit a loader may have left set
    }

    /// Signals the end of the highest-priority in-service interrupt (any value written).
    static func endOfInterrupt() {
        registers?.write32(eoiRegister, 0)
    }

    // MARK: timer

    /// Starts the timer counting down from `count` (divide by 16); `periodic` reloads it.
    static func startTimer(count: UInt32, periodic: Bool, masked: Bool) {
        guard let r = registers else { return }
        r.write32(timerDivide, divideBy16)
        var lvt = UInt32(InterruptVector.timer)
        if periodic { lvt |= lvtPeriodic }
        if masked { lvt |= lvtMasked }
        r.write32(lvtTimer, lvt)
        r.write32(timerInitialCount, count)   // writing the initial count starts the timer
    }

    static func stopTimer() {
        registers?.write32(timerInitialCount, 0)
        registers?.write32(lvtTimer, lvtMasked | UInt32(InterruptVector.timer))
    }

    static var timerCount: UInt32 { registers?.read32(timerCurrentCount) ?? 0 }
    static var timerInitial: UInt32 { registers?.read32(timerInitialCount) ?? 0 }
    static var timerLVT: UInt32 { registers?.read32(lvtTimer) ?? 0 }
    static var spuriousRegister: UInt32 { registers?.read32(spuriousVector) ?? 0 }
}
