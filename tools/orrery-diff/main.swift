// Layer: tools. `orrery-diff`: the host-CPU differential harness's command line. Runs generated
// instruction cases on this machine's CPU and in Orrery's interpreter and reports every
// difference (see Tests/DiffHarness). Exit status 1 when any case mismatches.

import ArgumentParser
import DiffHarness

#if canImport(Glibc)
import Glibc
#endif

@main
struct OrreryDiff: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "orrery-diff",
        abstract: "Compare Orrery's x86-64 interpreter against the host CPU, one instruction at a time.",
        discussion: "Families: " + Families.all.map { $0.name }.joined(separator: " "))

    @Option(help: "Total number of cases (split evenly over the families).")
    var cases = 20_000

    @Option(help: "Seed of the case generator.")
    var seed: UInt64 = 1

    @Option(name: .customLong("family"), help: "Instruction family (repeatable); default: all.")
    var families: [String] = []

    @Option(help: "Run only this case index of the family (reproduces one reported case).")
    var `case`: Int? = nil

    @Option(help: "Full mismatch reports to print per family.")
    var maxMismatches = 5

    @Flag(help: "Report emulator #UD on instructions the host executes separately, not as mismatches.")
    var skipUnimplemented = false

    @Flag(help: "Print every case and every undefined-flag example.")
    var verbose = false

    @Flag(help: "List the families and exit.")
    var listFamilies = false

    mutating func run() throws {
        if listFamilies {
            for f in Families.all { print(f.name.padding(toLength: 14) + f.summary) }
            return
        }
        for f in families where Families.named(f) == nil {
            throw ValidationError("unknown family '\(f)'; known: " + Families.all.map { $0.name }.joined(separator: " "))
        }
        var options = DiffOptions()
        options.seed = seed
        options.cases = cases
        options.families = families
        options.maxMismatches = maxMismatches
        options.verbose = verbose || `case` != nil
        options.skipUnimplemented = skipUnimplemented
        options.onlyCase = `case`
        options.progress = { line in
            fputs(line + "\n", stderr)
        }
        let runner = try DiffRunner(options: options)
        let summary = runner.run()
        runner.printSummary(summary)
        if summary.totalMismatches > 0 { throw ExitCode(1) }
    }
}

extension String {
    func padding(toLength n: Int) -> String { count >= n ? self : self + String(repeating: " ", count: n - count) }
}
