// MachineBoardTests: roms/acpi/poweroff.c, a Multiboot ELF32 guest that finds the board's ACPI
// tables the way a kernel does (RSDP scan, XSDT, FADT PM1a_CNT, DSDT \_S5) and powers off. The
// same guest powers off QEMU pc with the same serial output (tools/run-acpi-poweroff.sh, which
// is the QEMU oracle); here it is built with gcc -m32 (skipped when that is not possible) and run
// on Orrery's board end to end: Multiboot loader, ACPI tables, COM1, ACPIPowerDevice, status 0.

import Foundation
import XCTest
@testable import Machine

final class ACPIPowerOffGuestTests: XCTestCase {
    func testGuestPowersOffThroughTheACPITables() throws {
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("orrery-acpi-poweroff-\(getpid()).elf")
        defer { try? FileManager.default.removeItem(at: out) }
        let gcc = Process()
        gcc.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        gcc.arguments = ["gcc", "-m32", "-O2", "-ffreestanding", "-fno-pic", "-fno-pie", "-nostdlib", "-static",
                         "-fno-stack-protector", "-fno-asynchronous-unwind-tables", "-fcf-protection=none",
                         "-Wl,-T," + repo.appendingPathComponent("roms/acpi/link.ld").path, "-Wl,--build-id=none",
                         "-Wl,-z,noexecstack", "-Wl,--no-warn-rwx-segments", "-o", out.path,
                         repo.appendingPathComponent("roms/acpi/poweroff.c").path]
        gcc.standardError = FileHandle.nullDevice
        do { try gcc.run() } catch { throw XCTSkip("gcc not available") }
        gcc.waitUntilExit()
        guard gcc.terminationStatus == 0, let data = FileManager.default.contents(atPath: out.path) else {
            throw XCTSkip("gcc -m32 cannot build the guest here")
        }
        let m = try Machine(board: BoardConfiguration(memorySize: 64 << 20))
        var serial: [UInt8] = []
        m.devices?.serialOutput = { port, b in if port == 0 { serial.append(b) } }
        let r = try m.boot(kernel: [UInt8](data))
        XCTAssertEqual(r.protocolName, "Multiboot")
        let outcome = m.run(maxInstructions: 1_000_000)
        XCTAssertEqual(outcome, .powerOff)
        XCTAssertEqual(outcome.exitStatus, 0)
        // The same text QEMU pc prints for this guest (PM1a_CNT and SLP_TYP(S5) are QEMU's values).
        XCTAssertEqual(String(decoding: serial, as: UTF8.self),
                       "FADT PM1a_CNT 0x00000604\n_S5 SLP_TYPa 0x00000000\npowering off\n")
    }
}
