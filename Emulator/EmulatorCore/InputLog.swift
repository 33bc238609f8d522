// Layer: EmulatorCore. The recorded input queue's log (DESIGN §2: all external input enters the
// machine at an exact position, and recording = logging that queue). Each event carries the
// position at which the board delivered it: the retired-instruction count plus the virtual time
// (they differ only while the CPU sleeps in HLT, when virtual time skips ahead without retiring
// instructions). The format is text, one event per line (docs/file-formats.md):
//
//   orrery-input 1
//   <instructions> <virtual ns> serial <port 0-3> <byte, two hex digits>
//   <instructions> <virtual ns> quit
//
// Parsing never traps on a bad file: every problem is an `InputLogError` with its line number.

/// One external input event at an exact position of a run.
public struct InputEvent: Equatable, CustomStringConvertible {
    public enum Kind: Equatable {
        /// A byte arriving on COM1-COM4's receive line (port = 0-3).
        case serial(port: UInt8, byte: UInt8)
        /// The user ended the run (the terminal's escape sequence): replay stops at the same point.
        case quit
    }
    public var instructions: UInt64
    public var virtualNs: UInt64
    public var kind: Kind

    public init(instructions: UInt64, virtualNs: UInt64, kind: Kind) {
        self.instructions = instructions; self.virtualNs = virtualNs; self.kind = kind
    }

    public var description: String {
        switch kind {
        case let .serial(port, byte):
            let hex = String(byte, radix: 16)
            return "\(instructions) \(virtualNs) serial \(port) \(hex.count == 1 ? "0" + hex : hex)"
        case .quit:
            return "\(instructions) \(virtualNs) quit"
        }
    }
}

public struct InputLogError: Error, Equatable, CustomStringConvertible {
    public let line: Int
    public let reason: String
    public var description: String { "input log line \(line): \(reason)" }
}

public enum InputLog {
    public static let header = "orrery-input 1"

    /// The log as text (header line, then one line per event).
    public static func encode(_ events: [InputEvent]) -> String {
        var s = header + "\n"
        for e in events { s += e.description + "\n" }
        return s
    }

    /// Parses a log. Events must be in delivery order (positions never go back); blank lines and
    /// lines starting with '#' are ignored.
    public static func decode(_ text: String) throws(InputLogError) -> [InputEvent] {
        var events: [InputEvent] = []
        var sawHeader = false
        for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingWhitespace()
            if line.isEmpty || line.hasPrefix("#") { continue }
            if !sawHeader {
                guard line == header else { throw InputLogError(line: n + 1, reason: "expected the header '\(header)'") }
                sawHeader = true
                continue
            }
            let f = line.split(separator: " ", omittingEmptySubsequences: true)
            guard f.count >= 3, let i = UInt64(f[0]), let t = UInt64(f[1]) else {
                throw InputLogError(line: n + 1, reason: "expected '<instructions> <virtual ns> <event>'")
            }
            let kind: InputEvent.Kind
            switch f[2] {
            case "serial":
                guard f.count == 5, let p = UInt8(f[3]), p < 4, f[4].count <= 2, let b = UInt8(f[4], radix: 16) else {
                    throw InputLogError(line: n + 1, reason: "expected 'serial <port 0-3> <byte in hex>'")
                }
                kind = .serial(port: p, byte: b)
            case "quit":
                guard f.count == 3 else { throw InputLogError(line: n + 1, reason: "'quit' takes no arguments") }
                kind = .quit
            default:
                throw InputLogError(line: n + 1, reason: "unknown event '\(f[2])'")
            }
            if let last = events.last, i < last.instructions || t < last.virtualNs {
                throw InputLogError(line: n + 1, reason: "position goes back in time")
            }
            events.append(InputEvent(instructions: i, virtualNs: t, kind: kind))
        }
        guard sawHeader else { throw InputLogError(line: 1, reason: "empty file: expected the header '\(header)'") }
        return events
    }
}

extension Substring {
    fileprivate func trimmingWhitespace() -> Substring {
        var s = self
        while let c = s.first, c == " " || c == "\t" || c == "\r" { s = s.dropFirst() }
        while let c = s.last, c == " " || c == "\t" || c == "\r" { s = s.dropLast() }
        return s
    }
}
