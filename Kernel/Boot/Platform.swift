// Boot layer: taking over the machine after memory management is up, in dependency order:
//   kernel log (loglevel=) and console (console=) -> ACPI tables (RSDP -> RSDT/XSDT -> MADT,
//   FADT, HPET, DSDT \_S5) -> 8259 PICs remapped and masked -> local APIC -> IOAPIC (all inputs
//   masked) -> clocks (reference timer, APIC timer calibration, periodic tick) -> COM1
//   interrupt-driven (IRQ 4 unmasked) -> STI -> wall clock from the RTC -> power-off/reset.
// A machine without ACPI or APICs is reported and the kernel stays polled (no interrupts).

enum Platform {
    private(set) static var madt: MADT?
    private(set) static var fadt: FADT?
    private(set) static var hpetTable: HPETTable?
    private(set) static var sleepTypeS5: SleepType?
    private(set) static var interruptsEnabled = false

    static func start(_ commandLine: KernelCommandLine) {
        // The RTC needs neither ACPI nor interrupts: read it on every path out of here (last,
        // so the monotonic clock already runs when there is one).
        defer { Clock.readWallClock(centuryRegister: fadt?.century ?? 0) }
        Log.start(capacity: 64 * 1024, loglevel: commandLine.logLevel)
        configureConsole(commandLine)

        do throws(ACPIError) {
            let acpi = try ACPITables(memory: DirectMapReader())
            madt = try acpi.madt()
            fadt = try acpi.fadt()
            hpetTable = try? acpi.hpet()
            sleepTypeS5 = try? acpi.sleepTypeS5()
            Log.info("acpi: RSDP revision \(acpi.rsdp.revision), \(acpi.rsdp.usesXSDT ? "XSDT" : "RSDT") with \(acpi.signatures.count) tables")
        } catch {
            Log.error("acpi: tables unusable (\(describe(error))): no APIC, timer or power-off")
        }
        Power.configure(fadt: fadt, s5: sleepTypeS5)

        LegacyPIC.remapAndMaskAll()
        Interrupts.installSpuriousHandlers()
        guard let madt else { return }
        do throws(LocalAPIC.Failure) {
            try LocalAPIC.initialize(madt: madt)
        } catch {
            Log.error("apic: local APIC unusable (its register page cannot be mapped)")
            return
        }
        do throws(IOAPIC.Failure) {
            try IOAPIC.initialize(madt: madt)
        } catch {
            switch error {
            case .noIOAPIC: Log.error("apic: no IOAPIC in the MADT")
            case .mapping: Log.error("apic: IOAPIC registers cannot be mapped")
            }
            return
        }
        var hpetAddress: UInt64? = nil
        if let table = hpetTable, table.address.addressSpace == GenericAddress.systemMemory {
            hpetAddress = table.address.address
        }
        do throws(Clock.Failure) {
            try Clock.initialize(hpetAddress: hpetAddress)
        } catch {
            Log.error("time: APIC timer calibration failed (\(error == .calibrationTimedOut ? "the reference clock does not advance" : "the APIC timer does not count"))")
        }
        if !SerialPort.startInterruptDriven() {
            Log.warning("console: COM1 stays polled (no IOAPIC input for IRQ 4)")
        }
        Interrupts.enable()
        interruptsEnabled = true
    }

    /// console=ttyS0[,baud]: COM1 at that rate (divisor = 115200 / baud). Other consoles do
    /// not exist on this kernel: they are reported and COM1 stays the console.
    private static func configureConsole(_ commandLine: KernelCommandLine) {
        for console in commandLine.consoles {
            let parts = console.split(separator: 0x2C, omittingEmptySubsequences: false)    // ','
            guard let name = parts.first, Array(name) == Array("ttyS0".utf8) else {
                Log.warning("console: \(KernelCommandLine.string(console)) not supported; using ttyS0")
                continue
            }
            if parts.count > 1 {
                let rateDigits = Array(parts[1].prefix { $0 >= 0x30 && $0 <= 0x39 })
                if let baud = KernelCommandLine.decimal(rateDigits), baud > 0, baud <= 115_200, 115_200 % baud == 0 {
                    SerialConsole.com1.setDivisor(UInt16(115_200 / baud))
                } else {
                    Log.warning("console: ttyS0 speed \(KernelCommandLine.string(Array(parts[1]))) not supported; keeping 115200")
                }
            }
        }
    }

    /// ACPI errors as log text (Embedded Swift cannot print an enum value by reflection).
    static func describe(_ error: ACPIError) -> String {
        func signature(_ raw: UInt32) -> String {
            KernelCommandLine.string(ACPISignature(rawValue: raw).bytes.map { $0 >= 0x20 && $0 < 0x7F ? $0 : 0x3F })
        }
        switch error {
        case .rsdpNotFound: return "no RSDP in the EBDA or 0xE0000-0xFFFFF"
        case .badChecksum(let s, let a): return "\(signature(s)) at \(hex(a)): bad checksum"
        case .badSignature(let e, let f, let a): return "expected \(signature(e)) at \(hex(a)), found \(signature(f))"
        case .truncated(let s, let o): return "\(signature(s)) truncated at offset \(o)"
        case .badLength(let s, let l): return "\(signature(s)) with impossible length \(l)"
        case .unreadable(let a): return "physical address \(hex(a)) unreadable"
        case .unsupportedRevision(let r): return "unsupported revision \(r)"
        case .notFound(let s): return "no \(signature(s)) table"
        }
    }
}
