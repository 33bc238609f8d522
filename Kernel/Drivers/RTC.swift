// Drivers layer: the MC146818 real-time clock in CMOS (index port 0x70, data port 0x71; bit 7
// of the index is the NMI mask, kept clear). Read once at boot for the wall clock.
// The update-in-progress rule: while status register A bit 7 (UIP) is set the time registers
// are being rewritten and may be inconsistent; and an update can start right after UIP was
// seen clear. So: wait for UIP to clear, read everything, and repeat until two consecutive
// readings agree (as Linux's mc146818_get_time does).

enum RTC {
    static func register(_ index: UInt8) -> UInt8 {
        Port(0x70).write8(index & 0x7F)
        return Port(0x71).read8()
    }

    private static func updateInProgress() -> Bool { register(0x0A) & 0x80 != 0 }

    private static func readOnce(centuryRegister: UInt8) -> RTCTime {
        var spins = 0
        while updateInProgress() && spins < 1_000_000 { spins += 1 }
        return RTCTime(second: register(0x00), minute: register(0x02), hour: register(0x04),
                       day: register(0x07), month: register(0x08), year: register(0x09),
                       century: centuryRegister != 0 ? register(centuryRegister) : 0)
    }

    /// The time held by the RTC (UTC), nil if it reads as an impossible date.
    /// `centuryRegister`: the CMOS index of the century byte from the FADT (0 = none).
    static func readTime(centuryRegister: UInt8) -> CivilTime? {
        var previous = readOnce(centuryRegister: centuryRegister)
        var attempts = 0
        while attempts < 10 {
            let current = readOnce(centuryRegister: centuryRegister)
            if current == previous { break }
            previous = current
            attempts += 1
        }
        return previous.decoded(statusB: register(0x0B))
    }
}
