// Boot layer: kmain, the first Swift code. boot.S calls it in 64-bit mode on the boot stack,
// with SSE enabled, .bss zeroed and the higher-half kernel and direct map in place.
// Boot order: console, CPU tables (from then on faults are reported, not triple faults),
// Multiboot information, frame allocator and heap, then either the selftests or the normal boot.

/// - Parameters:
///   - multibootInfo: physical address of the Multiboot information structure (from EBX).
///   - magic: the loader's EAX, 0x2BADB002 for a Multiboot v1 loader.
@_cdecl("kmain")
func kmain(_ multibootInfo: UInt64, _ magic: UInt32) {
    SerialConsole.com1.initialize()
    print("Orrery kernel booting")
    Arch.initialize()

    guard magic == MultibootInfo.loaderMagic else {
        print("boot: not started by a Multiboot loader (EAX=\(hex(UInt64(magic))))")
        DebugExit.exit(.failure)
    }
    guard let info = MultibootInfo(at: PhysicalAddress(multibootInfo)) else {
        print("boot: Multiboot information at \(hex(multibootInfo)) is not readable")
        DebugExit.exit(.failure)
    }
    do throws(MemorySetup.Failure) {
        try MemorySetup.start(info)
    } catch {
        print("boot: memory setup failed: \(error)")
        DebugExit.exit(.failure)
    }
    let commandLine = KernelCommandLine(info.commandLine)
    print("boot: command line \"\(KernelCommandLine.string(info.commandLine))\"")
    Platform.start(commandLine)

    if commandLine.selftest {
        SelfTest.runAll()   // exits through the debug-exit port
    }
    if commandLine.has(Array("panictest".utf8)) {
        PanicTest.run()     // deliberately panics: shows the panic path (tools/test-kernel.sh)
    }

    printMemoryMap(info)
    if let statistics = KernelMemory.frames?.statistics {
        Log.info("boot: frame allocator: \(statistics.freeFrames) of \(statistics.totalFrames) frames free (4 KiB)")
    }
    Log.info("boot: kernel image \(hex(KernelImage.physicalStart))-\(hex(KernelImage.physicalEnd)) (physical)")
    printPlatform()
    Log.notice("ready")
    if commandLine.has(Array("serialecho".utf8)) { SerialEcho.run() }

    // halt=poweroff: ACPI power-off (exit status 0 on QEMU and Orrery); halt=reboot: reset;
    // otherwise leave through the debug-exit port (status 33), as the selftests do.
    // (Bytes, not Strings: String comparison would pull in the Unicode tables.)
    let halt = commandLine.value(for: Array("halt".utf8))
    if halt == Array("poweroff".utf8) { Power.powerOff() }
    if halt == Array("reboot".utf8) { Power.reset() }
    DebugExit.exit(.success)
}

/// APIC ids, interrupt routing, the timer and the wall clock. Lines whose values depend on
/// host timing on QEMU start with "time:" (tools/test-kernel-orrery.sh masks their digits).
private func printPlatform() {
    if let madt = Platform.madt {
        let ids = madt.enabledAPICIDs.map { String($0) }.joined(separator: " ")
        Log.info("apic: \(madt.enabledAPICIDs.count) processor(s), APIC ids [\(ids)] (MADT); this CPU APIC id \(LocalAPIC.id)")
        for io in madt.ioAPICs {
            Log.info("apic: IOAPIC id \(io.id) at \(hex(UInt64(io.address), digits: 8)), GSI base \(io.gsiBase)")
        }
        let timerGSI = madt.gsi(forISAIRQ: 0).gsi
        Log.info("apic: ISA IRQ 0 -> GSI \(timerGSI), COM1 IRQ 4 -> GSI \(SerialPort.gsi) (vector \(hex(UInt64(InterruptVector.gsiBase) + UInt64(SerialPort.gsi), digits: 2)))")
    }
    let reference: String = Clock.reference == .hpet ? "HPET \(TimeMath.formatMHz(HPET.frequency))" : "PIT channel 2"
    if Clock.apicTimerHertz == 0 {
        Log.warning("time: no timer interrupts (local APIC timer not calibrated)")
    } else {
        Log.info("time: local APIC timer \(TimeMath.formatMHz(Clock.apicTimerHertz)) (calibrated against \(reference)), tick \(Clock.tickHertz) Hz")
    }
    if let wall = Clock.bootWallClock {
        Log.info("time: wall clock \(wall.formatted) UTC (RTC), Unix time \(wall.unixSeconds)")
    } else {
        Log.warning("time: wall clock unreadable (RTC)")
    }
    Log.info("time: monotonic \(Clock.monotonicNanoseconds / 1000) us since the clock started, \(Clock.ticks) ticks")
}

private func printMemoryMap(_ info: MultibootInfo) {
    Log.info("boot: memory map (Multiboot):")
    var available: UInt64 = 0
    for region in info.memoryMap {
        let end = region.base &+ region.length &- 1
        Log.info("  [\(hex(region.base, digits: 12))-\(hex(end, digits: 12))] \(MultibootInfo.typeName(region.type))")
        if region.type == 1 { available &+= region.length }
    }
    Log.info("boot: \(available / 1024) KiB available")
}

/// Zero-padded hexadecimal for log lines.
func hex(_ value: UInt64, digits: Int = 16) -> String {
    let raw = String(value, radix: 16)
    return "0x" + String(repeating: "0", count: max(0, digits - raw.utf8.count)) + raw
}
