// HAL layer: the kernel's `PhysicalMemoryReader` (Firmware/ACPI) over the direct map, so the
// platform-neutral ACPI parsers can read the firmware's tables. Reads outside the direct map
// are refused (nil), which the parsers report as ACPIError.unreadable.

struct DirectMapReader: PhysicalMemoryReader {
    func readByte(at address: UInt64) -> UInt8? {
        PhysicalMemory.read(PhysicalAddress(address), as: UInt8.self)
    }
}
