// Layer: OrreryCLI. `orrery bench`: runs each benchmark workload of roms/bench on a fresh
// machine, checks its checksum against the same C code run natively on the host CPU, and
// prints instructions retired, host seconds and MIPS (millions of guest instructions per
// second). Optionally runs QEMU TCG on the same guest for a ratio.

import ArgumentParser
import Foundation
import Machine
import X86

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Measure interpreter speed (MIPS) on the benchmark guest.")

    @Option(name: .long, help: "Benchmark guest image.")
    var rom: String = "roms/build/bench.elf"

    @Option(name: .long, help: "Native build of the same workloads (the checksum oracle).")
    var host: String = "roms/build/bench-host"

    @Option(name: .long, help: "Run only this workload (repeatable).")
    var workload: [String] = []

    @ArgumentParser.Flag(name: .long, help: "Also time qemu-system-x86_64 (TCG) on the whole guest, for a ratio.")
    var qemu = false

    @ArgumentParser.Flag(name: .long, help: "Run with 4-level paging on (identity tables, 4 KiB pages) to measure its cost.")
    var paging = false

    static let names = ["intloop", "sieve", "hash", "string", "calls", "sort", "float"]

    func run() throws {
        let image: [UInt8]
        do { image = try readFile(rom) } catch {
            printError("\(error) (build the guests first: bash tools/build-roms.sh)")
            throw ExitCode(hostErrorStatus)
        }
        let expected = hostChecksums()
        if expected.isEmpty { printError("warning: host oracle '\(host)' not runnable; checksums not verified") }

        print("workload      instructions    seconds      MIPS  checksum")
        var totalInstructions: UInt64 = 0
        var totalSeconds = 0.0
        var failures = 0
        for (index, name) in Self.names.enumerated() where workload.isEmpty || workload.contains(name) {
            let machine = try Machine(memorySize: 64 << 20)
            let loaded = try ELFLoader.load(image, into: machine.ram)
            machine.cpu.state.pointee.rip = loaded.entry
            machine.cpu.state.pointee.regs[Reg.rdi] = UInt64(index)
            if paging { Self.enableIdentityPaging(machine) }
            let clock = ContinuousClock()
            let start = clock.now
            let outcome = machine.run(maxInstructions: 20_000_000_000)
            let elapsed = clock.now - start
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            let retired = machine.cpu.state.pointee.instructionsRetired
            let text = String(decoding: machine.console.output, as: UTF8.self)
            let got = text.split(separator: "\n").first.map(String.init) ?? ""
            var verdict: String
            if outcome != .debugExit(0) {
                verdict = "FAILED: \(outcome)"
                failures += 1
            } else if let want = expected[name] {
                verdict = got == "\(name) \(want)" ? "ok (matches host CPU)" : "MISMATCH: got '\(got)', host '\(want)'"
                if got != "\(name) \(want)" { failures += 1 }
            } else {
                verdict = "unverified: \(got)"
            }
            totalInstructions += retired
            totalSeconds += seconds
            let mips = Double(retired) / seconds / 1e6
            print(pad(name, 10) + lpad("\(retired)", 16) + lpad(String(format: "%.3f", seconds), 11)
                  + lpad(String(format: "%.1f", mips), 10) + "  " + verdict
                  + "  [blocks built \(machine.cpu.blocksBuilt), flushes \(machine.cpu.blockCacheFlushes)]")
        }
        print(pad("total", 10) + lpad("\(totalInstructions)", 16) + lpad(String(format: "%.3f", totalSeconds), 11)
              + lpad(String(format: "%.1f", Double(totalInstructions) / totalSeconds / 1e6), 10))
        if qemu { runQEMU(totalInstructions: totalInstructions, totalSeconds: totalSeconds, expected: expected) }
        if failures > 0 { throw ExitCode(1) }
    }

    /// Builds 4-level identity page tables for all of RAM with 4 KiB pages (the costliest
    /// case for the TLB) in the top 256 KiB of RAM, which the benchmark guest does not use,
    /// and turns paging on (CR3, CR0.PG; EFER.LMA and CR4.PAE are already set).
    static func enableIdentityPaging(_ machine: Machine) {
        let ram = machine.ram
        let size = ram.size
        let pages = size >> 12
        let ptCount = (pages + 511) / 512
        let pdCount = (ptCount + 511) / 512
        precondition(pdCount == 1, "bench --paging supports up to 1 GiB of RAM")
        let tablesBase = size - 0x4_0000
        let pml4 = tablesBase, pdpt = tablesBase + 0x1000, pd = tablesBase + 0x2000, pt0 = tablesBase + 0x3000
        precondition(pt0 + ptCount * 0x1000 <= size, "page tables do not fit")
        func put(_ at: UInt64, _ v: UInt64) { (ram.base + Int(at)).storeBytes(of: v, as: UInt64.self) }
        let flags: UInt64 = 0x7   // present, writable, user
        for k in 0..<512 { put(pml4 + UInt64(k) * 8, 0); put(pdpt + UInt64(k) * 8, 0); put(pd + UInt64(k) * 8, 0) }
        put(pml4, pdpt | flags)
        put(pdpt, pd | flags)
        for t in 0..<ptCount { put(pd + t * 8, (pt0 + t * 0x1000) | flags) }
        for p in 0..<(ptCount * 512) { put(pt0 + p * 8, p < pages ? (p << 12) | flags : 0) }
        let s = machine.cpu.state
        s.pointee.cr3 = pml4
        s.pointee.cr0 |= 0x8000_0000 | 0x1_0000   // PG | WP
        s.pointee.memory.flushTLB()
    }

    /// Runs the host build of the workloads: "name checksum" per line.
    func hostChecksums() -> [String: String] {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: host)
        let pipe = Pipe()
        p.standardOutput = pipe
        do { try p.run() } catch { return [:] }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        var result: [String: String] = [:]
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            let parts = line.split(separator: " ")
            if parts.count == 2 { result[String(parts[0])] = String(parts[1]) }
        }
        return result
    }

    /// QEMU TCG on the same guest image (Multiboot entry, all workloads in one boot) for a
    /// wall-time ratio. The guest executes the same instructions on both machines (plus a few
    /// dozen for the 32-to-64-bit trampoline), so Orrery instructions / QEMU seconds is QEMU's
    /// equivalent MIPS.
    func runQEMU(totalInstructions: UInt64, totalSeconds: Double, expected: [String: String]) {
        let candidates = ["/usr/bin/qemu-system-x86_64", "/usr/local/bin/qemu-system-x86_64"]
        guard let qemuPath = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            print("qemu: qemu-system-x86_64 not installed (apt-get install qemu-system-x86)")
            return
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: qemuPath)
        p.arguments = ["-accel", "tcg", "-m", "256M", "-display", "none", "-serial", "none", "-debugcon", "stdio",
                       "-no-reboot", "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04", "-kernel", rom]
        let pipe = Pipe()
        p.standardOutput = pipe
        let clock = ContinuousClock()
        let start = clock.now
        do { try p.run() } catch { print("qemu: could not start: \(error)"); return }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let elapsed = clock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
        let agree = lines.filter { line in
            let parts = line.split(separator: " ")
            return parts.count == 2 && expected[String(parts[0])] == String(parts[1])
        }.count
        print(String(format: "qemu TCG: %.3f s wall for all workloads incl. startup (%.0f MIPS-equivalent), "
                     + "checksums matching host: %d/%d; Orrery takes %.1fx QEMU's time",
                     seconds, Double(totalInstructions) / seconds / 1e6, agree, Self.names.count, totalSeconds / seconds))
    }

    func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }
    func lpad(_ s: String, _ n: Int) -> String { s.count >= n ? s : String(repeating: " ", count: n - s.count) + s }
}
