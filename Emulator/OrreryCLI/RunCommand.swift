// Layer: OrreryCLI. `orrery run`: load a 64-bit ELF guest and run it; port-0xE9 output goes to
// stdout; the exit status follows QEMU's isa-debug-exit convention (see docs/cli.md).

import ArgumentParser
import Foundation
import Machine
import X86

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Run a guest image (a static 64-bit ELF, entered flat in 64-bit mode).")

    @Option(name: .long, help: "Guest image (ELF64).")
    var kernel: String

    @Option(name: .long, help: "Guest RAM size (e.g. 64M, 1G).")
    var memory: String = "64M"

    @Option(name: .long, help: "Stop after this many instructions.")
    var maxInstructions: UInt64 = 10_000_000_000

    @Option(name: .long, help: "Initial RDI value (the benchmark guest reads its workload index from it).")
    var rdi: UInt64 = 0

    @ArgumentParser.Flag(name: .long, help: "Print a machine-readable summary on stdout at exit.")
    var json = false

    func run() throws {
        guard let size = parseSize(memory) else {
            printError("bad --memory '\(memory)'"); throw ExitCode(hostErrorStatus)
        }
        let machine: Machine
        do {
            machine = try Machine(memorySize: size)
            let image = try ELFLoader.load(try readFile(kernel), into: machine.ram)
            machine.cpu.state.pointee.rip = image.entry
            machine.cpu.state.pointee.regs[Reg.rdi] = rdi
        } catch {
            printError("\(error)"); throw ExitCode(hostErrorStatus)
        }
        machine.console.echo = { byte in
            var b = byte
            _ = fwrite(&b, 1, 1, stdout)
            if b == 10 { fflush(stdout) }
        }
        let clock = ContinuousClock()
        let start = clock.now
        let outcome = machine.run(maxInstructions: maxInstructions)
        let wall = clock.now - start
        fflush(stdout)
        let retired = machine.cpu.state.pointee.instructionsRetired
        if json {
            let seconds = Double(wall.components.seconds) + Double(wall.components.attoseconds) / 1e18
            print("{\"exit\": \"\(outcome)\", \"status\": \(outcome.exitStatus), \"instructions\": \(retired), \"virtual_ns\": \(retired), \"wall_seconds\": \(seconds)}")
        }
        switch outcome {
        case .debugExit: break
        default: printError("\(outcome) after \(retired) instructions")
        }
        throw ExitCode(outcome.exitStatus)
    }
}
