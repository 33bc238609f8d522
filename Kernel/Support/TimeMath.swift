// Kernel / Support: time arithmetic and the CMOS real-time clock's formats (platform-neutral,
// host-tested). No floating point (the kernel prints frequencies and times with integers) and
// no trapping arithmetic: values come from hardware counters.
//
// Public API:
//   enum TimeMath
//     scale(_:numerator:denominator:) -> UInt64   value * n / d with a 128-bit intermediate
//     hertz(counts:overFemtoseconds:) -> UInt64   a counter's rate from a reference interval
//     formatMHz(_ hertz:) -> String               "1000.000 MHz" (three decimals, truncated)
//   struct RTCTime                                the raw CMOS registers of one reading
//     decoded(statusB:) -> CivilTime?             BCD or binary, 12 or 24 hour (status B bits 2, 1)
//   struct CivilTime                              year month day hour minute second (UTC)
//     unixSeconds, formatted "YYYY-MM-DD hh:mm:ss"

public enum TimeMath {
    public static let femtosecondsPerSecond: UInt64 = 1_000_000_000_000_000

    /// value * numerator / denominator, exact up to a 64-bit result (saturates, never traps).
    public static func scale(_ value: UInt64, numerator: UInt64, denominator: UInt64) -> UInt64 {
        guard denominator != 0 else { return UInt64.max }
        let product = value.multipliedFullWidth(by: numerator)
        guard product.high < denominator else { return UInt64.max }
        return divide(high: product.high, low: product.low, by: denominator)
    }

    /// (high:low) / divisor for high < divisor, by restoring shift-and-subtract division (the
    /// kernel has no compiler runtime for 128-bit division, which dividingFullWidth calls).
    static func divide(high: UInt64, low: UInt64, by divisor: UInt64) -> UInt64 {
        var remainder = high
        var quotient: UInt64 = 0
        var bit = 63
        while bit >= 0 {
            // remainder < divisor <= 2^64-1, so remainder * 2 + 1 may need 65 bits: track the carry.
            let carry = remainder >> 63
            remainder = remainder << 1 | (low >> UInt64(bit)) & 1
            if carry != 0 || remainder >= divisor {
                remainder = remainder &- divisor
                quotient |= 1 << UInt64(bit)
            }
            bit -= 1
        }
        return quotient
    }

    /// The frequency of a counter that advanced `counts` during `femtoseconds` of reference time.
    public static func hertz(counts: UInt64, overFemtoseconds femtoseconds: UInt64) -> UInt64 {
        scale(counts, numerator: femtosecondsPerSecond, denominator: femtoseconds)
    }

    public static func formatMHz(_ hertz: UInt64) -> String {
        let whole = hertz / 1_000_000
        let thousandths = (hertz % 1_000_000) / 1000
        return "\(whole).\(pad(thousandths, 3)) MHz"
    }

    static func pad(_ value: UInt64, _ digits: Int) -> String {
        var s = String(value)
        while s.utf8.count < digits { s = "0" + s }
        return s
    }
}

/// The MC146818 registers of one reading: 0 seconds, 2 minutes, 4 hours, 7 day of month,
/// 8 month, 9 year (two digits), and the century byte the FADT names (0 when there is none).
public struct RTCTime: Equatable {
    public var second: UInt8, minute: UInt8, hour: UInt8
    public var day: UInt8, month: UInt8, year: UInt8, century: UInt8

    public init(second: UInt8, minute: UInt8, hour: UInt8, day: UInt8, month: UInt8, year: UInt8, century: UInt8) {
        self.second = second; self.minute = minute; self.hour = hour
        self.day = day; self.month = month; self.year = year; self.century = century
    }

    /// Status register B: bit 2 (DM) = binary (else BCD), bit 1 (24/12) = 24-hour mode. In
    /// 12-hour mode bit 7 of the hour byte means PM, and 12 AM is midnight. Nil for values no
    /// clock can hold (bad BCD digits, month 13, ...).
    public func decoded(statusB: UInt8) -> CivilTime? {
        let binary = statusB & 0x04 != 0
        let twentyFour = statusB & 0x02 != 0
        func value(_ raw: UInt8) -> Int? {
            if binary { return Int(raw) }
            let high = raw >> 4, low = raw & 0x0F
            guard high <= 9, low <= 9 else { return nil }
            return Int(high) * 10 + Int(low)
        }
        let pm = !twentyFour && hour & 0x80 != 0
        guard let s = value(second), let m = value(minute), var h = value(twentyFour ? hour : hour & 0x7F),
              let d = value(day), let mo = value(month), let y = value(year) else { return nil }
        if !twentyFour {
            guard h >= 1 && h <= 12 else { return nil }
            h = h % 12 + (pm ? 12 : 0)
        }
        // Without a century register, two-digit years are 2000-2099 (the RTC was set after 2000).
        let c = century == 0 ? 20 : value(century)
        guard let c, s < 60, m < 60, h < 24, mo >= 1, mo <= 12, d >= 1,
              d <= CivilTime.daysInMonth(year: c * 100 + y, month: mo) else { return nil }
        return CivilTime(year: c * 100 + y, month: mo, day: d, hour: h, minute: m, second: s)
    }
}

public struct CivilTime: Equatable {
    public var year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int

    public init(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) {
        self.year = year; self.month = month; self.day = day
        self.hour = hour; self.minute = minute; self.second = second
    }

    static func isLeap(_ y: Int) -> Bool { (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 }

    static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: return isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (eras of 400 years = 146097 days).
    static func daysSinceEpoch(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1   // March-based
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146097 + dayOfEra - 719468
    }

    /// Seconds since the Unix epoch (the RTC holds UTC on this machine).
    public var unixSeconds: Int64 {
        Int64(CivilTime.daysSinceEpoch(year: year, month: month, day: day)) * 86400
            + Int64(hour * 3600 + minute * 60 + second)
    }

    public var formatted: String {
        let p = { (v: Int, n: Int) in TimeMath.pad(UInt64(max(0, v)), n) }
        return "\(p(year, 4))-\(p(month, 2))-\(p(day, 2)) \(p(hour, 2)):\(p(minute, 2)):\(p(second, 2))"
    }
}
