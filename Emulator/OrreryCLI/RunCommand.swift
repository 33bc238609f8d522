// Layer: OrreryCLI. `orrery run`: build the PC board, boot a kernel by the protocol its format
// names (Linux bzImage, Multiboot v1, Multiboot2, or a flat ELF64 test guest), run it, and exit
// with a status scripts can share with QEMU (docs/cli.md). Guest text (port 0xE9 console and
// COM1-COM4) goes to --serial: stdout or a file. Input (stdin, or a replayed log) reaches COM1
// through the machine's recorded input queue; on a terminal see Terminal.swift.

import ArgumentParser
import EmulatorCore
import Foundation
import Machine
import X86
#if canImport(Glibc)
import Glibc
#endif

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Boot a kernel: Linux bzImage, Multiboot v1/v2, or a static ELF64 guest entered flat in 64-bit mode.",
        discussion: "Exit status: (V<<1)|1 when the guest writes V to isa-debug-exit (port 0xf4), 0 on ACPI power-off, "
            + "2 host error (bad option or image), 4 instruction limit, 6 unhandled exception, 8 halted forever, "
            + "10 triple fault, 12 guest reset (--on-reset stop), 14 quit (Ctrl-A x). See docs/cli.md.")

    @Option(name: .long, help: "Kernel image (bzImage, Multiboot v1/v2 ELF or a.out-kludge image, or ELF64).")
    var kernel: String

    @Option(name: .long, help: "Initial RAM disk: the Linux initrd, or the first Multiboot module.")
    var initrd: String?

    @Option(name: .long, help: "A Multiboot module after --initrd's: 'FILE' or 'FILE STRING' (the module's string is the text after the first space, as GRUB's module/module2 gives it). Repeatable.")
    var module: [String] = []

    @Option(name: .long, help: "Kernel command line.")
    var append: String = ""

    @Option(name: .long, help: "Guest RAM size: a number with K, M or G (e.g. 256M, 1G); 2M to 60G (above 3G the rest goes at 4 GiB).")
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

    @Option(name: .long, help: "Serial input to COM1: auto (stdin when it is a terminal), stdin, or none. On a terminal, Ctrl-A x quits.")
    var serialInput: String = "auto"

    @Option(name: .long, help: "Write the input log (every input byte with the instruction count and virtual time it entered the guest) to FILE.")
    var record: String?

    @Option(name: .long, help: "Feed the guest the input recorded in FILE (by --record) instead of stdin: same run, same state hash.")
    var replay: String?

    @Option(name: .long, help: "What a guest reset request (port 0xCF9, i8042 0xFE, FADT reset register) does: stop (status 12) or reboot.")
    var onReset: String = "stop"

    @Option(name: .long, help: "What a triple fault does: stop (status 10) or reset (then as --on-reset reboot).")
    var onTripleFault: String = "stop"

    @Option(name: .long, help: "The RTC's date and time (UTC) when the machine starts: YYYY-MM-DD[THH:MM[:SS]] or Unix seconds. It advances with virtual time, never the host's clock. (default: 2024-01-01T00:00:00)")
    var rtcEpoch: String?

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
        guard let resetAction = ResetAction(rawValue: onReset) else {
            printError("bad --on-reset '\(onReset)': expected stop or reboot"); throw ExitCode(hostErrorStatus)
        }
        guard let tripleFaultPolicy = TripleFaultPolicy(rawValue: onTripleFault) else {
            printError("bad --on-triple-fault '\(onTripleFault)': expected stop or reset"); throw ExitCode(hostErrorStatus)
        }
        var rtcStart: Int64? = nil
        if let text = rtcEpoch {
            guard let t = BoardConfiguration.parseRTCEpoch(text) else {
                printError("bad --rtc-epoch '\(text)': expected a UTC date YYYY-MM-DD[THH:MM[:SS]] (years 1-9999) or Unix seconds")
                throw ExitCode(hostErrorStatus)
            }
            rtcStart = t
        }
        guard ["auto", "stdin", "none"].contains(serialInput) else {
            printError("bad --serial-input '\(serialInput)': expected auto, stdin or none"); throw ExitCode(hostErrorStatus)
        }
        // Input: a replayed log, or stdin (live, recorded), or nothing.
        var replayed: [InputEvent]? = nil
        if let path = replay {
            guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
                printError("cannot read --replay file '\(path)'"); throw ExitCode(hostErrorStatus)
            }
            do { replayed = try InputLog.decode(text) } catch {
                printError("bad --replay file '\(path)': \(error)"); throw ExitCode(hostErrorStatus)
            }
        }
        if let path = record, !FileManager.default.createFile(atPath: path, contents: nil) {
            printError("cannot create --record file '\(path)'"); throw ExitCode(hostErrorStatus)
        }
        let machine: Machine
        let booted: BootResult
        do {
            var config = BoardConfiguration(memorySize: size)
            if let t = rtcStart { config.rtcEpoch = t }
            machine = try Machine(board: config)
            let image = try readFile(kernel)
            let rd = try initrd.map { try readFile($0) }
            // --module 'FILE STRING': the file name ends at the first space.
            let modules = try module.map { spec in
                let path = String(spec.prefix { $0 != " " })
                return BootModule(data: try readFile(path), string: String(spec.dropFirst(path.count + 1)))
            }
            booted = try machine.boot(kernel: image, commandLine: append, initrd: rd,
                                      initrdName: initrd.map { URL(fileURLWithPath: $0).lastPathComponent } ?? "initrd",
                                      modules: modules, protocol: forced)
            if booted.protocolName.hasPrefix("ELF64") { machine.cpu.state.pointee.regs[Reg.rdi] = rdi }
        } catch {
            printError("\(error)"); throw ExitCode(hostErrorStatus)
        }
        machine.resetAction = resetAction
        // A triple fault that resets the machine then behaves as a reset request that reboots.
        machine.tripleFaultAction = tripleFaultPolicy
        var stdinInput: StdinInput? = nil
        if let events = replayed {
            machine.input = InputQueue(replay: events)
        } else if serialInput == "stdin" || (serialInput == "auto" && isatty(STDIN_FILENO) != 0) {
            let live = StdinInput()
            stdinInput = live
            machine.input = InputQueue(live: live)
        }
        defer { stdinInput?.restore() }
        let status = StatusLine(enabled: isatty(STDERR_FILENO) != 0 && !json)
        let toStdout = serial == "stdio"
        var buffer: [UInt8] = []
        let emit: (UInt8) -> Void = { byte in
            status.erase()
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
        let outcome = machine.run(maxInstructions: maxInstructions, slice: 20_000_000) { [machine] done in
            status.update(instructions: done, virtualNs: machine.clock.now)
        }
        let wall = clock.now - start
        status.erase()
        stdinInput?.restore()
        fflush(stdout)
        if !toStdout { sink.write(Data(buffer)); try? sink.close() }
        if let path = record {
            let log = InputLog.encode(machine.input?.log ?? [])
            guard FileManager.default.createFile(atPath: path, contents: log.data(using: .utf8)) else {
                printError("cannot write --record file '\(path)'"); throw ExitCode(hostErrorStatus)
            }
        }
        let retired = machine.cpu.state.pointee.instructionsRetired
        if json {
            let seconds = Double(wall.components.seconds) + Double(wall.components.attoseconds) / 1e18
            let reason = "\(outcome)".replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            print("{\"exit\": \"\(reason)\", \"status\": \(outcome.exitStatus), \"boot\": \"\(booted.protocolName)\", "
                  + "\"instructions\": \(retired), \"virtual_ns\": \(machine.clock.now), \"wall_seconds\": \(seconds), "
                  + "\"resets\": \(machine.resets), \"state_hash\": \"\(machine.stateHash())\"}")
        }
        switch outcome {
        case .debugExit, .powerOff, .userQuit: break
        default: printError("\(outcome) after \(retired) instructions")
        }
        throw ExitCode(outcome.exitStatus)
    }
}
