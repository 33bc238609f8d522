// Boot layer: the kernel log (printk). Every message goes into the KernelLog ring
// (Support/KernelLog.swift: sequence number, level, monotonic timestamp, text; later
// /proc/kmsg and dmesg) and, when its level is below the console threshold, to the console.
// The threshold follows Linux's `loglevel=N`: messages with level < N are printed (default 7:
// everything but debug). The console shows the text alone; timestamps stay in the ring, so the
// console lines of a QEMU and an Orrery boot can be compared.

enum Log {
    private(set) static var ring: KernelLog?
    /// Messages with a level below this are printed (Linux console_loglevel).
    private(set) static var consoleThreshold = 7

    static func start(capacity: Int, loglevel: Int?) {
        ring = KernelLog(capacity: capacity)
        if let level = loglevel { consoleThreshold = min(level, 8) }
        // KernelLog's own notion: print levels <= consoleLevel (nothing when the threshold is 0).
        if consoleThreshold > 0, let level = LogLevel(rawValue: UInt8(consoleThreshold - 1)) {
            ring?.consoleLevel = level
        }
    }

    static func shouldPrint(_ level: LogLevel) -> Bool { Int(level.rawValue) < consoleThreshold }

    static func write(_ level: LogLevel, _ text: String) {
        let bytes = Array(text.utf8)
        ring?.append(level: level, timestamp: Clock.monotonicNanoseconds, text: bytes)
        if shouldPrint(level) {
            Console.write(bytes)
            Console.write("\n")
        }
    }

    static func info(_ text: String) { write(.info, text) }
    static func notice(_ text: String) { write(.notice, text) }
    static func warning(_ text: String) { write(.warning, text) }
    static func error(_ text: String) { write(.error, text) }
}
