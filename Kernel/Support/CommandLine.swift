// Kernel / Support: the kernel command line (Multiboot `cmdline`, e.g. from QEMU's -append).
//
// Syntax follows Linux: words separated by spaces/tabs/newlines; `key=value` or a bare `flag`;
// double quotes group spaces into one word (`init="/bin/sh -x"`, `"key=a b"`); everything after a
// lone `--` is passed to init as its arguments. Keys this kernel knows get typed fields; every
// parameter (known or not) is kept in order in `parameters` so later code (and /proc/cmdline
// users) can look up others. Malformed values (loglevel=abc) are kept but leave the typed field nil.
//
// Public API:
//   struct KernelCommandLine    init(_ bytes: [UInt8]) / init(_ string: String)
//     console: [UInt8]?         last console= value, e.g. "ttyS0,115200"
//     consoles: [[UInt8]]       every console= value in order (Linux allows several)
//     logLevel: Int?            loglevel=N (0..7 in Linux; any non-negative decimal accepted)
//     initPath: [UInt8]?        init=/path
//     selftest: Bool            `selftest` or `selftest=1|y|yes|on`
//     initArguments: [[UInt8]]  words after `--`
//     parameters: [Parameter]   all key[=value] pairs, unknown keys included
//     value(for:) -> [UInt8]?   last value of a key;  has(_:) -> Bool
//   static func string(_ bytes: [UInt8]) -> String   convenience for printing
// Values are bytes, not Strings, so parsing needs no Unicode tables in the kernel.

public struct KernelCommandLine {
    public struct Parameter: Equatable {
        public var key: [UInt8]
        public var value: [UInt8]?          // nil for a bare flag, [] for `key=`
        public init(key: [UInt8], value: [UInt8]?) { self.key = key; self.value = value }
    }

    public private(set) var parameters: [Parameter] = []
    public private(set) var consoles: [[UInt8]] = []
    public private(set) var logLevel: Int?
    public private(set) var initPath: [UInt8]?
    public private(set) var selftest = false
    public private(set) var initArguments: [[UInt8]] = []

    public var console: [UInt8]? { consoles.last }

    public init(_ string: String) { self.init(Array(string.utf8)) }

    public init(_ bytes: [UInt8]) {
        let words = KernelCommandLine.split(bytes)
        var afterDashes = false
        for word in words {
            if afterDashes { initArguments.append(word); continue }
            if word == [0x2D, 0x2D] { afterDashes = true; continue }       // "--"
            let param: Parameter
            if let eq = word.firstIndex(of: 0x3D) {                          // '='
                param = Parameter(key: Array(word[..<eq]), value: Array(word[(eq + 1)...]))
            } else {
                param = Parameter(key: word, value: nil)
            }
            if param.key.isEmpty { continue }
            parameters.append(param)
            apply(param)
        }
    }

    private mutating func apply(_ p: Parameter) {
        switch p.key {
        case KernelCommandLine.keyConsole:
            if let v = p.value { consoles.append(v) }
        case KernelCommandLine.keyLogLevel:
            logLevel = p.value.flatMap(KernelCommandLine.decimal)
        case KernelCommandLine.keyInit:
            if let v = p.value, !v.isEmpty { initPath = v }
        case KernelCommandLine.keySelftest:
            guard let v = p.value else { selftest = true; return }
            selftest = KernelCommandLine.truthy(v)
        default:
            break
        }
    }

    /// Last value given for `key` (bytes of an ASCII key), nil if absent or a bare flag.
    public func value(for key: [UInt8]) -> [UInt8]? {
        var result: [UInt8]? = nil
        for p in parameters where p.key == key { result = p.value }
        return result
    }
    public func value(for key: String) -> [UInt8]? { value(for: Array(key.utf8)) }

    /// True when `key` appears, as a flag or with a value.
    public func has(_ key: [UInt8]) -> Bool { parameters.contains { $0.key == key } }
    public func has(_ key: String) -> Bool { has(Array(key.utf8)) }

    public static func string(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    // MARK: lexing

    static let keyConsole: [UInt8] = [0x63, 0x6F, 0x6E, 0x73, 0x6F, 0x6C, 0x65]            // console
    static let keyLogLevel: [UInt8] = [0x6C, 0x6F, 0x67, 0x6C, 0x65, 0x76, 0x65, 0x6C]     // loglevel
    static let keyInit: [UInt8] = [0x69, 0x6E, 0x69, 0x74]                                  // init
    static let keySelftest: [UInt8] = [0x73, 0x65, 0x6C, 0x66, 0x74, 0x65, 0x73, 0x74]     // selftest

    static func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D }

    /// Splits on whitespace outside double quotes; quotes are removed. A NUL ends the line
    /// (Multiboot passes a C string). An unterminated quote runs to the end.
    static func split(_ bytes: [UInt8]) -> [[UInt8]] {
        var words: [[UInt8]] = []
        var current: [UInt8] = []
        var inWord = false
        var quoted = false
        for c in bytes {
            if c == 0 { break }
            if c == 0x22 { quoted.toggle(); inWord = true; continue }       // '"'
            if !quoted && isSpace(c) {
                if inWord { words.append(current); current = []; inWord = false }
                continue
            }
            current.append(c)
            inWord = true
        }
        if inWord { words.append(current) }
        return words
    }

    /// Non-negative decimal without overflow (nil on junk or more than 9 digits).
    static func decimal(_ v: [UInt8]) -> Int? {
        guard !v.isEmpty, v.count <= 9 else { return nil }
        var n = 0
        for c in v {
            guard c >= 0x30 && c <= 0x39 else { return nil }
            n = n * 10 + Int(c - 0x30)
        }
        return n
    }

    static func truthy(_ v: [UInt8]) -> Bool {
        switch v {
        case [0x31], [0x79], [0x59], [0x79, 0x65, 0x73], [0x6F, 0x6E], []: return true   // 1 y Y yes on (bare `selftest=`)
        default: return false
        }
    }
}
