// HAL layer: the kernel's `PhysicalMemoryReader` (Firmware/ACPI), so the platform-neutral ACPI
// parsers can read the firmware's tables. Inside the direct map (the first GiB) a read is a
// plain load; firmware tables above it (QEMU puts them at the top of low RAM: near 2 GiB on a
// 2 GiB machine) are reached by mapping their page into the kernel's virtual-mapping range
// (HAL/MMIO.swift; the mapping is kept and reused for the next byte of the same page).
// Reads that cannot be mapped are refused (nil): ACPIError.unreadable for the parsers.

struct DirectMapReader: PhysicalMemoryReader {
    func readByte(at address: UInt64) -> UInt8? {
        if let byte = PhysicalMemory.read(PhysicalAddress(address), as: UInt8.self) { return byte }
        // Only the 32-bit physical range where firmware places tables (below 4 GiB).
        guard address < 1 << 32 else { return nil }
        do throws(PageTableError) {
            return try MMIO.map(physical: address & ~0xFFF, size: 4096).read8(address & 0xFFF)
        } catch {
            return nil
        }
    }
}
