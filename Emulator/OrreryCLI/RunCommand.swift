// Layer: OrreryCLI. `orrery run`: build the PC board, boot a kernel by the protocol its format
// names (Linux bzImage, Multiboot v1, Multiboot2, or a flat ELF64 test guest), run it, and exit
// with a status scripts can share with QEMU (docs/cli.md). Guest text (port 0xE9 console, and
// the serial port once the UART is wired) goes to --serial: stdout or a file.

import ArgumentParser
import Foundation
import Machine
import X86

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Boot a kernel: Linux bzImage, Multiboot v1/v2, or a static ELF64 guest entered flat in 64-bit mode.",
        discussion: "Exit status: (V<<1)|1 when the guest writes V to isa-debug-exit (port 0xf4), 0 on ACPI power-off, "
            + "2 host error (bad option or image), 4 instruction limit, 6 unhandled exception, 8 halted forever, "
            + "10 triple fault. See docs/cli.md.")

    @Option(name: .long, help: "Kernel image (bzImage, Multiboot v1/v2 ELF or a.out-kludge image, or ELF64).")
    var kernel: String

    @Option(name: .long, help: "Initial RAM disk: the Linux initrd, or the first Multiboot module.")
    var initrd: String?

    @Option(name: .long, help: "Kernel command line.")
    var append: String = ""

    @Option(name: .long, help: "Guest RAM size: a number with K, M or G (e.g. 256M, 1G); 2M to 3G.")
    var memory: String = "256M"

    @Option(name: .long, help: "Where guest console output goes: 'stdio' or a file path.")
    var serial: String = "stdio"

    @Option(name: .long, help: "Stop after this many instructions (exit status 4).")
    var maxInstructions: UInt64 = 10_000_000_000

    @Option(name: .long, help: "Boot protocol: auto (from the image: bzImage, then Multiboot v1, Multiboot2, ELF64), linux, multiboot1, multiboot2 or elf64 (flat 64-bit entry at e_entry).")
    var boot: String = "auto"

    @Option(name: .long, help: "Initial RDI for flat ELF64 guests (the benchmark guest reads its workload index from it).")
    var rdi: UInt64 = 0

    @ArgumentParser.Flag(name: .long, help: "Print a machine-readable summary on stdout at exit.")
    var json = false

    /// Parses --memory with a reason for each way it can be wrong.
    static func memorySize(_ text: String) -> Result<UInt64, CLIError> {
        let s = text.trimmingCharacters(in: .whitespaces)
        guard !s.isEmpty else { return .failure(CLIError("--memory is empty: give a size such as 256M or 1G")) }
        guard let size = parseSize(s) else {
            return .failure(CLIError("bad --memory '\(text)': expected a number of bytes or a number with K, M or G (e.g. 256M, 1G)"))
        }
        return .success(size)
    }

    func run() throws {
        let size: UInt64
        switch Self.memorySize(memory) {
        case .success(let s): size = s
        case .failure(let e): printError(e.description); throw ExitCode(hostErrorStatus)
        }
        // Output sink: stdout, or a file created/truncated now (an unwritable path is a host error).
        let sink: FileHandle
        if serial == "stdio" {
            sink = FileHandle.standardOutput
        } else {
            guard FileManager.default.createFile(atPath: serial, contents: nil), let h = FileHandle(forWritingAtPath: serial) else {
                printError("cannot open --serial file '\(serial)'"); throw ExitCode(hostErrorStatus)
            }
            sink = h
        }
        var forced: BootProtocol? = nil
        if boot != "auto" {
            guard let p = BootProtocol(rawValue: boot) else {
                printError("bad --boot '\(boot)': expected auto, linux, multiboot1, multiboot2 or elf64"); throw ExitCode(hostErrorStatus)
            }
            forced = p
        }
        let machine: Machine
        let booted: BootResult
        do {
            machine = try Machine(board: BoardConfiguration(memorySize: size))
            let image = try readFile(kernel)
            let rd = try initrd.map { try readFile($0) }
            booted = try machine.boot(kernel: image, commandLine: append, initrd: rd,
                                      initrdName: initrd.map { URL(fileURLWithPath: $0).lastPathComponent } ?? "initrd",
                                      protocol: forced)
            if booted.protocolName.hasPrefix("ELF64") { machine.cpu.state.pointee.regs[Reg.rdi] = rdi }
        } catch {
            printError("\(error)"); throw ExitCode(hostErrorStatus)
        }
        let toStdout = serial == "stdio"
        var buffer: [UInt8] = []
        let emit: (UInt8) -> Void = { byte in
            if toStdout {
                var b = byte
                _ = fwrite(&b, 1, 1, stdout)
                if b == 10 { fflush(stdout) }
            } else {
                buffer.append(byte)
                if buffer.count >= 4096 { sink.write(Data(buffer)); buffer.removeAll(keepingCapacity: true) }
            }
        }
        // The 0xE9 console and every COM port write to the same sink (COM1 is console=ttyS0).
        machine.console.echo = emit
        machine.devices?.serialOutput = { _, byte in emit(byte) }
        let clock = ContinuousClock()
        let start = clock.now
        let outcome = machine.run(maxInstructions: maxInstructions)
        let wall = clock.now - start
        fflush(stdout)
        if !toStdout { sink.write(Data(buffer)); try? sink.close() }
        let retired = machine.cpu.state.pointee.instructionsRetired
        if json {
            let seconds = Double(wall.components.seconds) + Double(wall.components.attoseconds) / 1e18
            let reason = "\(outcome)".replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            print("{\"exit\": \"\(reason)\", \"status\": \(outcome.exitStatus), \"boot\": \"\(booted.protocolName)\", "
                  + "\"instructions\": \(retired), \"virtual_ns\": \(retired), \"wall_seconds\": \(seconds)}")
        }
        switch outcome {
        case .debugExit, .powerOff: break
        default: printError("\(outcome) after \(retired) instructions")
        }
        throw ExitCode(outcome.exitStatus)
    }
}
