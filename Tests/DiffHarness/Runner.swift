// Layer: Tests (differential harness). Runs generated cases on the host CPU and in the emulator,
// compares them, and keeps per-family statistics: matches, mismatches (grouped into distinct
// signatures with one full example each), emulator #UD where the host executes
// ("unimplemented"), skipped cases, and agreement on architecturally undefined flags.

import X86

public struct DiffOptions {
    public var seed: UInt64 = 1
    /// Total number of cases, split evenly over the selected families.
    public var cases = 10_000
    /// Family names; empty = all.
    public var families: [String] = []
    /// Full reports printed per family (the counts include every mismatch).
    public var maxMismatches = 5
    public var verbose = false
    /// Count emulator #UD on instructions the host executes separately (not as mismatches).
    public var skipUnimplemented = false
    /// Run only this case index (with --family): for reproducing one report.
    public var onlyCase: Int? = nil
    public var output: (String) -> Void = { print($0) }
    public var progress: (String) -> Void = { _ in }

    public init() {}
}

public struct Signature {
    public var count = 0
    public var example = ""
}

public struct FamilyReport {
    public var name: String
    public var cases = 0
    public var matches = 0
    public var mismatches = 0
    public var unimplemented = 0
    public var skipped: [String: Int] = [:]
    /// Distinct mismatches: "case name | differing fields" -> count and the first example.
    public var signatures: [String: Signature] = [:]
    public var unimplementedNames: [String: Int] = [:]
    /// "case name | flag" -> (cases where that undefined item was compared, disagreements).
    public var undefinedChecked: [String: Int] = [:]
    public var undefinedDisagreed: [String: Int] = [:]
    public var undefinedExamples: [String: String] = [:]

    public var undefinedDisagreements: Int { undefinedDisagreed.values.reduce(0, +) }
    public var skippedTotal: Int { skipped.values.reduce(0, +) }
}

public struct DiffSummary {
    public var families: [FamilyReport] = []
    public var seconds: Double = 0
    public var totalCases: Int { families.reduce(0) { $0 + $1.cases } }
    public var totalMismatches: Int { families.reduce(0) { $0 + $1.mismatches } }
    public var totalUnimplemented: Int { families.reduce(0) { $0 + $1.unimplemented } }
}

/// FNV-1a: a stable hash of a family name (Swift's Hasher is seeded per process).
func stableHash(_ s: String) -> UInt64 {
    var h: UInt64 = 0xCBF2_9CE4_8422_2325
    for b in s.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01B3 }
    return h
}

/// The generator for case `index` of `family` under `seed` (independent of every other case).
public func caseRNG(seed: UInt64, family: String, index: Int) -> SplitMix64 {
    var r = SplitMix64(seed: seed ^ stableHash(family))
    r.state ^= UInt64(index) &* 0xA24B_AED4_963E_E407
    _ = r.next()
    return r
}

public final class DiffRunner {
    public let native: NativeExecutor
    public let emulator = EmulatorExecutor()
    public let image: DataImage
    public var options: DiffOptions

    public init(options: DiffOptions) throws {
        self.options = options
        native = try NativeExecutor()
        image = DataImage(seed: options.seed)
    }

    public func generate(_ family: Family, index: Int) -> TestCase {
        var b = Builder(rng: caseRNG(seed: options.seed, family: family.name, index: index), mode32: family.mode32)
        return family.generate(&b)
    }

    /// Runs one case on both sides and compares.
    public func runCase(_ original: TestCase) -> (Comparison, Outcome, Outcome, TestCase) {
        var c = original
        if c.probeLength, let n = native.instructionLength(c, image: image) { c.code = Array(c.code.prefix(n)) }
        let host = native.run(c, image: image)
        let emu = emulator.run(c, image: image)
        let cmp = compare(c, host: host, emu: emu,
                          hostMemory: (UnsafeRawPointer(native.code), UnsafeRawPointer(native.data)),
                          emuMemory: (UnsafeRawPointer(emulator.code), UnsafeRawPointer(emulator.data)))
        return (cmp, host, emu, c)
    }

    public func run() -> DiffSummary {
        let selected = options.families.isEmpty ? Families.all : options.families.compactMap { Families.named($0) }
        var summary = DiffSummary()
        let perFamily = max(1, options.cases / max(1, selected.count))
        let start = ContinuousClock.now
        var done = 0
        for family in selected {
            var report = FamilyReport(name: family.name)
            let range = options.onlyCase.map { $0..<($0 + 1) } ?? 0..<perFamily
            for index in range {
                let (cmp, host, emu, c) = runCase(generate(family, index: index))
                report.cases += 1
                record(cmp, c, host, emu, index: index, into: &report)
                done += 1
                if done % 100_000 == 0 {
                    let s = seconds(since: start)
                    options.progress("orrery-diff: \(done) cases, \(Int(Double(done) / s)) cases/s, family \(family.name)")
                }
            }
            summary.families.append(report)
        }
        summary.seconds = seconds(since: start)
        return summary
    }

    func seconds(since start: ContinuousClock.Instant) -> Double {
        let d = ContinuousClock.now - start
        return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }

    func record(_ cmp: Comparison, _ c: TestCase, _ host: Outcome, _ emu: Outcome, index: Int,
                into report: inout FamilyReport) {
        let key = c.family.hasPrefix("random") ? "random " + opcodeKey(c.code) : c.name.replacingOccurrences(of: " mem", with: "")
        for item in cmp.undefinedChecked {
            report.undefinedChecked["\(key) | \(item)", default: 0] += 1
        }
        for item in cmp.undefinedDisagreements {
            let k = "\(key) | \(item)"
            report.undefinedDisagreed[k, default: 0] += 1
            if report.undefinedExamples[k] == nil {
                report.undefinedExamples[k] = describe(c, host, emu, index: index, differences: [], brief: true)
            }
        }
        switch cmp.verdict {
        case .match:
            report.matches += 1
            if options.verbose { options.output("ok   [\(c.family) #\(index)] \(c.name)  \(hexBytes(c.code))") }
        case let .skipped(reason):
            report.skipped[reason, default: 0] += 1
            if options.verbose {
                options.output("skip [\(c.family) #\(index)] \(c.name): \(reason); host \(host.event) rip \(hex(host.rip)), emulator \(emu.event) rip \(hex(emu.rip))  \(hexBytes(c.code))")
            }
        case .unimplemented where options.skipUnimplemented
                || (c.family.hasPrefix("random") && Scope.isFloatingPointOrVector(c.code, mode32: c.mode32)):
            // x87/MMX/SSE are issue [2/6]: reported by form below, not failed.
            report.unimplemented += 1
            report.unimplementedNames[key, default: 0] += 1
        case .unimplemented, .mismatch:
            report.mismatches += 1
            var fields = cmp.differences.map { d -> String in
                let head = d.split(separator: ":").first.map(String.init) ?? d
                return head.hasPrefix("mem[") ? "mem" : head
            }
            if case .unimplemented = cmp.verdict { fields = ["emulator #UD (unimplemented?)"] }
            var seen = Set<String>()
            fields = fields.filter { seen.insert($0).inserted }
            let sig = "\(key) | \(fields.joined(separator: ", "))"
            var s = report.signatures[sig] ?? Signature()
            s.count += 1
            let differences = cmp.differences.isEmpty ? ["host \(host.event), emulator \(emu.event)"] : cmp.differences
            if s.count == 1 {
                s.example = describe(c, host, emu, index: index, differences: differences, brief: false)
                if report.signatures.count < options.maxMismatches || options.verbose {
                    options.output("MISMATCH [\(c.family) #\(index)] \(c.name)\n" + s.example)
                }
            }
            report.signatures[sig] = s
        }
    }

    public func describe(_ c: TestCase, _ host: Outcome, _ emu: Outcome, index: Int, differences: [String],
                         brief: Bool) -> String {
        var lines: [String] = []
        lines.append("  bytes: \(hexBytes(c.code))   (seed \(options.seed), --family \(c.family) --case \(index))")
        if brief {
            let inFlags = flagString(c.rflags)
            lines.append("  in: flags \(inFlags); host flags \(flagString(host.rflags)), emulator \(flagString(emu.rflags))")
            let changed = (0..<16).filter { host.regs[$0] != c.regs[$0] || emu.regs[$0] != c.regs[$0] }
            lines.append("  regs: " + changed.map { "\(regName($0)) \(hex(c.regs[$0]))->host \(hex(host.regs[$0]))/emu \(hex(emu.regs[$0]))" }.joined(separator: "; "))
            return lines.joined(separator: "\n")
        }
        lines.append("  input:")
        for row in 0..<4 {
            lines.append("    " + (0..<4).map { k -> String in
                let i = row * 4 + k
                return "\(regName(i).padding(3)) \(hex16(c.regs[i]))"
            }.joined(separator: "  "))
        }
        lines.append("    rip \(hex(c.ripAddress))  flags \(flagString(c.rflags))")
        if c.x87 != X87State() {
            lines.append("    x87: fcw \(hex(UInt64(c.x87.fcw))) fsw \(hex(UInt64(c.x87.fsw))) ftw \(hex(UInt64(c.x87.ftw))) "
                + (0..<8).map { "st\($0) \(hex(c.x87.st[2 * $0 + 1])):\(hex(c.x87.st[2 * $0]))" }.joined(separator: " "))
        }
        if !c.patches.isEmpty {
            let shown = c.patches.prefix(3).map { "[\(hex(Layout.dataAddress &+ UInt64(bitPattern: Int64($0.offset))))] \(hexBytes(Array($0.bytes.prefix(24))))" }
            lines.append("    memory: " + shown.joined(separator: "; "))
        }
        lines.append("  host:     \(host.event), rip \(hex(host.rip)), flags \(flagString(host.rflags))")
        lines.append("  emulator: \(emu.event), rip \(hex(emu.rip)), flags \(flagString(emu.rflags))")
        for d in differences { lines.append("    " + d) }
        return lines.joined(separator: "\n")
    }

    public func printSummary(_ s: DiffSummary) {
        let out = options.output
        out("")
        out("host CPU: \(NativeExecutor.hostDescription())")
        out("seed \(options.seed), \(s.totalCases) cases in \(String(format2(s.seconds))) s (\(Int(Double(s.totalCases) / max(s.seconds, 1e-9))) cases/s)")
        out("family        cases  match  mismatch  unimpl  skipped  undef-disagree")
        for f in s.families {
            out(f.name.padding(12) + String(f.cases).leftPad(7) + String(f.matches).leftPad(7) + String(f.mismatches).leftPad(10)
                + String(f.unimplemented).leftPad(8) + String(f.skippedTotal).leftPad(9) + String(f.undefinedDisagreements).leftPad(16))
        }
        out("TOTAL".padding(12) + String(s.totalCases).leftPad(7) + String(s.families.reduce(0) { $0 + $1.matches }).leftPad(7)
            + String(s.totalMismatches).leftPad(10) + String(s.totalUnimplemented).leftPad(8)
            + String(s.families.reduce(0) { $0 + $1.skippedTotal }).leftPad(9)
            + String(s.families.reduce(0) { $0 + $1.undefinedDisagreements }).leftPad(16))

        let skips = s.families.flatMap { f in f.skipped.map { (f.name, $0.key, $0.value) } }
        if !skips.isEmpty {
            out("\nskipped (not comparable):")
            for (fam, reason, n) in skips.sorted(by: { ($0.0, $0.1) < ($1.0, $1.1) }) { out("  [\(fam)] \(reason): \(n)") }
        }
        if s.totalMismatches > 0 {
            out("\ndistinct mismatches (case | differing fields: count):")
            for f in s.families where !f.signatures.isEmpty {
                for (sig, v) in f.signatures.sorted(by: { $0.key < $1.key }) {
                    out("  [\(f.name)] \(sig): \(v.count)")
                }
            }
        }
        let unimpl = s.families.filter { !$0.unimplementedNames.isEmpty }
        if !unimpl.isEmpty {
            out("\nemulator #UD where the host executes (unimplemented), by form:")
            for f in unimpl {
                let names = f.unimplementedNames.sorted { $0.key < $1.key }.map { "\($0.key) (\($0.value))" }
                out("  [\(f.name)] " + names.joined(separator: ", "))
            }
        }
        out("\nundefined flags/results (compared, not counted as mismatches): disagreements / cases")
        var anyUndefined = false
        for f in s.families {
            let keys = f.undefinedChecked.keys.sorted()
            guard !keys.isEmpty else { continue }
            anyUndefined = true
            let agreeing = keys.filter { (f.undefinedDisagreed[$0] ?? 0) == 0 }
            let disagreeing = keys.filter { (f.undefinedDisagreed[$0] ?? 0) > 0 }
            let totalChecked = keys.reduce(0) { $0 + f.undefinedChecked[$1]! }
            out("  [\(f.name)] \(totalChecked) undefined items compared, \(f.undefinedDisagreements) disagree"
                + (agreeing.isEmpty ? "" : "; always agree on \(agreeing.count) (form | item) pairs"))
            for k in disagreeing {
                out("    \(k): \(f.undefinedDisagreed[k]!)/\(f.undefinedChecked[k]!)")
                if options.verbose, let ex = f.undefinedExamples[k] { out(ex) }
            }
        }
        if !anyUndefined { out("  none compared") }
    }
}

/// The opcode of an encoding without its prefixes ("0f af", "f7 /6"), to group random cases.
func opcodeKey(_ code: [UInt8]) -> String {
    var i = 0
    while i < code.count, [0x66, 0x67, 0xF0, 0xF2, 0xF3, 0x2E, 0x3E, 0x26, 0x36, 0x64, 0x65].contains(code[i]) || code[i] & 0xF0 == 0x40 {
        i += 1
    }
    guard i < code.count else { return "prefixes only" }
    var op = [code[i]]
    if code[i] == 0x0F, i + 1 < code.count {
        op.append(code[i + 1])
        if code[i + 1] == 0x38 || code[i + 1] == 0x3A, i + 2 < code.count { op.append(code[i + 2]) }
    }
    let groups: Set<UInt8> = [0x80, 0x81, 0x83, 0xC0, 0xC1, 0xD0, 0xD1, 0xD2, 0xD3, 0xF6, 0xF7, 0xFE, 0xFF, 0xC6, 0xC7, 0x8F,
                              0xD8, 0xD9, 0xDA, 0xDB, 0xDC, 0xDD, 0xDE, 0xDF]
    let after = i + op.count
    var text = hexBytes(op)
    let isGroup = (op.count == 1 && groups.contains(op[0])) || (op.count == 2 && [0xBA, 0xC7, 0x71, 0x72, 0x73, 0xAE, 0x18].contains(op[1]))
    if isGroup, after < code.count { text += " /\((code[after] >> 3) & 7)" + (code[after] >> 6 == 3 ? " reg" : "") }
    return text
}

func hexBytes(_ b: [UInt8]) -> String {
    b.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined(separator: " ")
}

func hex16(_ v: UInt64) -> String {
    let s = String(v, radix: 16)
    return String(repeating: "0", count: max(0, 16 - s.count)) + s
}

func flagString(_ f: UInt64) -> String {
    flagNames.map { f & $0.0 != 0 ? $0.1 : $0.1.lowercased() }.joined(separator: " ")
}

func format2(_ d: Double) -> String {
    let v = Int((d * 100).rounded())
    let frac = v % 100
    return "\(v / 100).\(frac < 10 ? "0" : "")\(frac)"
}

extension String {
    func padding(_ n: Int) -> String { count >= n ? self : self + String(repeating: " ", count: n - count) }
    func leftPad(_ n: Int) -> String { count >= n ? self : String(repeating: " ", count: n - count) + self }
    func replacingOccurrences(of target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var result = ""
        var rest = Substring(self)
        while let r = rest.range(of: target) {
            result += rest[..<r.lowerBound] + replacement
            rest = rest[r.upperBound...]
        }
        return result + rest
    }
}

extension Substring {
    func range(of target: String) -> Range<Substring.Index>? {
        var i = startIndex
        while i < endIndex {
            if self[i...].hasPrefix(target) { return i..<index(i, offsetBy: target.count) }
            i = index(after: i)
        }
        return nil
    }
}
