// Drivers layer: the High Precision Event Timer (IA-PC HPET specification 1.0a), used as the
// kernel's reference clock: a 64-bit up-counter at a fixed, known rate. Its register block
// (address from the ACPI HPET table, 1 KiB) holds: 0x000 general capabilities (bits 32-63:
// the counter period in femtoseconds, at most 100 ns), 0x010 general configuration (bit 0
// ENABLE_CNF starts the main counter, bit 1 LEG_RT_CNF legacy routing, left off), 0x0F0 the
// main counter. The comparators are not used.

enum HPET {
    private static var registers: MMIORegion?
    /// Femtoseconds per counter increment.
    private(set) static var period: UInt64 = 0

    /// General capabilities bit 13 (COUNT_SIZE_CAP): the main counter has 64 bits. A 32-bit
    /// counter wraps after 2^32 periods (43 s at 100 MHz): fine for calibration, not a clock.
    private(set) static var is64Bit = false

    static var isPresent: Bool { registers != nil }

    /// Maps the block, validates the period (the spec bounds it: 0 < period <= 10^8 fs) and
    /// starts the main counter. False if the block is unusable.
    static func initialize(address: UInt64) -> Bool {
        do throws(PageTableError) {
            registers = try MMIO.map(physical: address, size: 0x400)
        } catch {
            return false
        }
        guard let r = registers else { return false }
        let femtoseconds = r.read64(0x000) >> 32
        guard femtoseconds > 0 && femtoseconds <= 100_000_000 else {
            registers = nil
            return false
        }
        period = femtoseconds
        is64Bit = r.read64(0x000) & (1 << 13) != 0
        let configuration = r.read64(0x010)
        r.write64(0x010, (configuration & ~0b10) | 0b1)
        return true
    }

    /// The main counter; differences of two readings are valid modulo `counterMask`.
    static var counter: UInt64 { (registers?.read64(0x0F0) ?? 0) & counterMask }
    static var counterMask: UInt64 { is64Bit ? UInt64.max : 0xFFFF_FFFF }
    static var frequency: UInt64 { period == 0 ? 0 : TimeMath.femtosecondsPerSecond / period }
}
