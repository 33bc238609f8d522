// Kernel / Support: the kernel log ring buffer (printk's store; later /proc/kmsg and dmesg).
//
// Records are (sequence, level, timestamp, text) kept in one byte ring of fixed capacity that is
// allocated once at init. Appending when full drops the oldest whole records, so the buffer always
// holds the newest messages; readers follow sequence numbers, learn how many records they missed,
// and never see a torn record. A message longer than the ring is truncated to fit.
//
// Record layout in the ring (little-endian): u64 sequence, u64 timestamp, u8 level,
// u16 text length, then the text bytes; 19 bytes of header per record.
//
// Public API:
//   enum LogLevel: UInt8          emergency=0 ... debug=7 (Linux numbering, loglevel= compares to it)
//   struct LogRecord              sequence, level, timestamp, text: [UInt8]
//   struct KernelLog              init(capacity:), append(level:timestamp:text:) -> sequence,
//                                 firstSequence, nextSequence, count, droppedRecords,
//                                 record(sequence:) -> LogRecord?, read(from:max:) -> LogReadResult,
//                                 forEach(_:) oldest first, consoleLevel + shouldPrint(_:)
// No allocation happens in append (only in the read helpers that build [UInt8] copies).

public enum LogLevel: UInt8, Comparable {
    case emergency = 0, alert, critical, error, warning, notice, info, debug
    public static func < (a: LogLevel, b: LogLevel) -> Bool { a.rawValue < b.rawValue }
}

public struct LogRecord: Equatable {
    public var sequence: UInt64
    public var level: LogLevel
    public var timestamp: UInt64       // nanoseconds of monotonic time (the caller's clock)
    public var text: [UInt8]
}

public struct LogReadResult {
    public var records: [LogRecord]
    /// Records the reader asked for that were overwritten before it read them.
    public var missed: UInt64
    /// Sequence to pass to the next read.
    public var nextSequence: UInt64
}

public struct KernelLog {
    static let headerSize = 19
    private var ring: [UInt8]
    private var tail = 0                // byte offset of the oldest record
    private var used = 0                // bytes holding records
    public private(set) var firstSequence: UInt64 = 0   // sequence of the oldest record held
    public private(set) var nextSequence: UInt64 = 0    // sequence the next append gets
    public private(set) var droppedRecords: UInt64 = 0
    /// Records with level <= consoleLevel are meant for the console too (Linux loglevel=).
    public var consoleLevel: LogLevel = .info

    public init(capacity: Int) {
        ring = Array(repeating: 0, count: max(KernelLog.headerSize &+ 16, capacity))
    }

    public var capacity: Int { ring.count }
    public var count: Int { Int(truncatingIfNeeded: nextSequence &- firstSequence) }
    public func shouldPrint(_ level: LogLevel) -> Bool { level <= consoleLevel }

    /// Stores a record, dropping the oldest ones as needed; returns its sequence number.
    @discardableResult
    public mutating func append(level: LogLevel, timestamp: UInt64, text: [UInt8]) -> UInt64 {
        let maxText = min(Int(UInt16.max), ring.count &- KernelLog.headerSize)
        let n = min(text.count, maxText)
        let need = KernelLog.headerSize &+ n
        while ring.count &- used < need { dropOldest() }
        var at = (tail &+ used) % ring.count
        let seq = nextSequence
        put64(seq, &at); put64(timestamp, &at)
        putByte(level.rawValue, &at)
        putByte(UInt8(truncatingIfNeeded: n), &at); putByte(UInt8(truncatingIfNeeded: n >> 8), &at)
        var i = 0
        while i < n { putByte(text[i], &at); i &+= 1 }
        used &+= need
        nextSequence &+= 1
        return seq
    }

    public mutating func append(level: LogLevel, timestamp: UInt64, _ text: String) -> UInt64 {
        append(level: level, timestamp: timestamp, text: Array(text.utf8))
    }

    /// The record with this sequence number, if still held.
    public func record(sequence: UInt64) -> LogRecord? {
        guard sequence >= firstSequence && sequence < nextSequence else { return nil }
        var at = tail
        var s = firstSequence
        while s < sequence { at = (at &+ recordSize(at)) % ring.count; s &+= 1 }
        return decode(at)
    }

    /// Up to `max` records starting at sequence `from` (oldest held if `from` was overwritten).
    public func read(from: UInt64, max: Int = Int.max) -> LogReadResult {
        var records: [LogRecord] = []
        let start = from < firstSequence ? firstSequence : from
        let missed = from < firstSequence ? firstSequence &- from : 0
        var at = tail
        var s = firstSequence
        while s < nextSequence && records.count < max {
            if s >= start { records.append(decode(at)) }
            at = (at &+ recordSize(at)) % ring.count
            s &+= 1
        }
        let next = start > nextSequence ? nextSequence : start &+ UInt64(records.count)
        return LogReadResult(records: records, missed: missed, nextSequence: next)
    }

    /// Visits every held record, oldest first.
    public func forEach(_ body: (LogRecord) -> Void) {
        var at = tail
        var s = firstSequence
        while s < nextSequence {
            body(decode(at))
            at = (at &+ recordSize(at)) % ring.count
            s &+= 1
        }
    }

    // MARK: ring mechanics

    private mutating func dropOldest() {
        guard nextSequence > firstSequence else { used = 0; return }
        let size = recordSize(tail)
        tail = (tail &+ size) % ring.count
        used &-= size
        firstSequence &+= 1
        droppedRecords &+= 1
    }

    private func byte(_ at: Int) -> UInt8 { ring[at % ring.count] }

    private func recordSize(_ at: Int) -> Int {
        let lo = Int(byte(at &+ 17)), hi = Int(byte(at &+ 18))
        return KernelLog.headerSize &+ (lo | hi << 8)
    }

    private func get64(_ at: Int) -> UInt64 {
        var v: UInt64 = 0
        var i = 7
        while i >= 0 { v = v << 8 | UInt64(byte(at &+ i)); i &-= 1 }
        return v
    }

    private func decode(_ at: Int) -> LogRecord {
        let size = recordSize(at)
        var text: [UInt8] = []
        text.reserveCapacity(size &- KernelLog.headerSize)
        var i = KernelLog.headerSize
        while i < size { text.append(byte(at &+ i)); i &+= 1 }
        return LogRecord(sequence: get64(at), level: LogLevel(rawValue: byte(at &+ 16)) ?? .debug,
                         timestamp: get64(at &+ 8), text: text)
    }

    private mutating func putByte(_ b: UInt8, _ at: inout Int) {
        ring[at] = b
        at = (at &+ 1) % ring.count
    }

    private mutating func put64(_ v: UInt64, _ at: inout Int) {
        var i = 0
        while i < 8 { putByte(UInt8(truncatingIfNeeded: v >> UInt64(i &* 8)), &at); i &+= 1 }
    }
}
