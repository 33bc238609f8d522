// Layer: OrreryCLI. The `orrery` command: `run` boots a guest image, `bench` measures the
// interpreter on the benchmark guest. Host errors are one-line messages with a distinct status.

import ArgumentParser

@main
struct Orrery: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "orrery",
        abstract: "Orrery: a deterministic x86-64 machine.",
        subcommands: [RunCommand.self, BenchCommand.self])
}
