// Layer: OrreryCLI. Small host-side helpers: reading files, parsing sizes, stderr.

import Foundation

func readFile(_ path: String) throws -> [UInt8] {
    guard let data = FileManager.default.contents(atPath: path) else {
        throw CLIError("cannot read '\(path)'")
    }
    return [UInt8](data)
}

struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// Parses "64M", "1G", "4096" (bytes).
func parseSize(_ s: String) -> UInt64? {
    let units: [Character: UInt64] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30]
    if let last = s.uppercased().last, let u = units[last], let n = UInt64(s.dropLast()) {
        let (v, o) = n.multipliedReportingOverflow(by: u)
        return o ? nil : v
    }
    return UInt64(s)
}

func printError(_ message: String) {
    FileHandle.standardError.write(("orrery: " + message + "\n").data(using: .utf8)!)
}

/// Exit status for host-side errors (bad image, bad option): see docs/cli.md.
let hostErrorStatus: Int32 = 2
