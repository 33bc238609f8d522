// Boot layer: kmain, the first Swift code. boot.S calls it in 64-bit mode on the boot stack,
// with SSE enabled, .bss zeroed and the higher-half kernel and direct map in place.

/// - Parameters:
///   - multibootInfo: physical address of the Multiboot information structure (from EBX).
///   - magic: the loader's EAX, 0x2BADB002 for a Multiboot v1 loader.
@_cdecl("kmain")
func kmain(_ multibootInfo: UInt64, _ magic: UInt32) {
    SerialConsole.com1.initialize()
    print("Orrery kernel")
    DebugExit.exit(.success)
}
