// Layer: OrreryCLI. The `orrery` command.
import ArgumentParser

@main
struct Orrery: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "A deterministic x86-64 machine.",
        subcommands: [])
    func run() throws { print("orrery") }
}
