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

    if commandLine.selftest {
        SelfTest.runAll()   // exits through the debug-exit port
    }
    if commandLine.has(Array("panictest".utf8)) {
        PanicTest.run()     // deliberately panics: shows the panic path (tools/test-kernel.sh)
    }

    printMemoryMap(info)
    if let statistics = KernelMemory.frames?.statistics {
        print("boot: frame allocator: \(statistics.freeFrames) of \(statistics.totalFrames) frames free (4 KiB)")
    }
    print("boot: kernel image \(hex(KernelImage.physicalStart))-\(hex(KernelImage.physicalEnd)) (physical)")
    print("ready")
    // No ACPI power-off yet (Firmware/ACPI): leave through the debug-exit port instead.
    DebugExit.exit(.success)
}

private func printMemoryMap(_ info: MultibootInfo) {
    print("boot: memory map (Multiboot):")
    var available: UInt64 = 0
    for region in info.memoryMap {
        let end = region.base &+ region.length &- 1
        print("  [\(hex(region.base, digits: 12))-\(hex(end, digits: 12))] \(MultibootInfo.typeName(region.type))")
        if region.type == 1 { available &+= region.length }
    }
    print("boot: \(available / 1024) KiB available")
}

/// Zero-padded hexadecimal for log lines.
func hex(_ value: UInt64, digits: Int = 16) -> String {
    let raw = String(value, radix: 16)
    return "0x" + String(repeating: "0", count: max(0, digits - raw.utf8.count)) + raw
}
