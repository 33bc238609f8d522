// MachineBoardTests: the board's ACPI tables checked by two independent readers: the Orrery
// kernel's own ACPI parser (KernelCore, the code that runs on QEMU's tables too) reading guest RAM,
// and ACPICA's `iasl -d` disassembler (skipped when acpica-tools is not installed).

import Foundation
import XCTest
import EmulatorCore
@testable import KernelCore
@testable import Machine

/// Guest RAM seen through the kernel's PhysicalMemoryReader protocol.
struct GuestRAMReader: PhysicalMemoryReader {
    let ram: PhysicalMemory
    func readByte(at address: UInt64) -> UInt8? { ram.read(address, count: 1)?.first }
}

final class BoardACPITests: XCTestCase {
    func makeBoard(_ config: ACPIConfiguration = ACPIConfiguration()) throws -> Machine {
        var c = BoardConfiguration(memorySize: 64 << 20)
        c.acpi = config
        return try Machine(board: c)
    }

    func testKernelParserReadsTheBoardTables() throws {
        var cfg = ACPIConfiguration()
        cfg.mcfg = true
        let m = try makeBoard(cfg)
        let mem = GuestRAMReader(ram: m.ram)
        let rsdp = try RSDP.find(memory: mem)
        XCTAssertEqual(rsdp.address, 0xE0000)
        XCTAssertEqual(rsdp.address % 16, 0)
        XCTAssertEqual(rsdp.revision, 2)
        XCTAssertTrue(rsdp.usesXSDT)
        XCTAssertEqual(rsdp.oemID, Array("ORRERY".utf8))
        let acpi = try ACPITables(memory: mem, rsdp: rsdp)
        XCTAssertEqual(acpi.signatures, [.fadt, .madt, .hpet, .mcfg])

        let madt = try acpi.madt()
        XCTAssertEqual(madt.localAPICAddress, 0xFEE0_0000)
        XCTAssertTrue(madt.hasLegacyPICs)
        XCTAssertEqual(madt.enabledAPICIDs, [0])
        XCTAssertEqual(madt.ioAPICs, [MADT.IOAPIC(id: 0, address: 0xFEC0_0000, gsiBase: 0)])
        XCTAssertEqual(madt.gsi(forISAIRQ: 0).gsi, 2, "PIT IRQ0 arrives on GSI 2")
        XCTAssertEqual(madt.gsi(forISAIRQ: 4).gsi, 4)
        XCTAssertEqual(madt.overrides.map { $0.source }, [0, 9])
        XCTAssertTrue(madt.overrides[1].levelTriggered, "SCI is level triggered")
        XCTAssertEqual(madt.overrides[1].polarity, 1, "active high, as QEMU pc (flags 0x000D)")
        XCTAssertEqual(madt.localNMIs, [MADT.LocalNMI(processorUID: 0xFF, flags: 0, lint: 1)])

        let fadt = try acpi.fadt()
        XCTAssertEqual(fadt.revision, 3)
        XCTAssertEqual(fadt.length, 244)
        XCTAssertEqual(fadt.pm1aEvent?.address, 0x600)
        XCTAssertEqual(fadt.pm1aControl?.address, 0x604)
        XCTAssertEqual(fadt.pm1aControl?.isIO, true)
        XCTAssertEqual(fadt.pm1aControl?.bitWidth, 16)
        XCTAssertNil(fadt.pm1bControl)
        XCTAssertEqual(fadt.pmTimer?.address, 0x608)
        XCTAssertFalse(fadt.pmTimer32Bit)
        XCTAssertEqual(fadt.sciInterrupt, 9)
        XCTAssertEqual(fadt.century, 0x32)
        XCTAssertEqual(fadt.smiCommandPort, 0)
        XCTAssertTrue(fadt.has8042)
        XCTAssertTrue(fadt.resetSupported)
        XCTAssertEqual(fadt.resetRegister?.address, 0xCF9)
        XCTAssertEqual(fadt.resetRegister?.isIO, true)
        XCTAssertEqual(fadt.resetValue, 0x06)
        XCTAssertFalse(fadt.hardwareReduced)
        XCTAssertEqual(fadt.dsdtAddress, m.acpiTables?.dsdt)
        XCTAssertEqual(fadt.facsAddress, m.acpiTables?.facs)
        XCTAssertEqual((fadt.facsAddress) % 64, 0, "FACS is 64-byte aligned")

        let hpet = try acpi.hpet()
        XCTAssertEqual(hpet.address.address, 0xFED0_0000)
        XCTAssertEqual(hpet.address.addressSpace, GenericAddress.systemMemory)
        XCTAssertEqual(hpet.vendorID, 0x8086)

        let mcfg = try acpi.mcfg()
        XCTAssertEqual(mcfg.windows.first?.baseAddress, GuestMemoryMap.ecamBase)
        XCTAssertEqual(mcfg.windows.first?.endBus, 255)

        XCTAssertNoThrow(try acpi.dsdt())
        let s5 = try acpi.sleepTypeS5()
        XCTAssertEqual(s5, SleepType(a: ACPIPowerDevice.sleepTypeS5, b: ACPIPowerDevice.sleepTypeS5))
        XCTAssertEqual(AML.findSleepPackage(in: try acpi.dsdt(), state: 3), nil, "only S5 is offered")
    }

    func testWithoutOptionalTables() throws {
        var cfg = ACPIConfiguration()
        cfg.hpet = false
        cfg.has8042 = false
        cfg.apicIDs = [0, 1]
        let m = try makeBoard(cfg)
        let acpi = try ACPITables(memory: GuestRAMReader(ram: m.ram))
        XCTAssertEqual(acpi.signatures, [.fadt, .madt, .mcfg], "the board always maps ECAM")
        XCTAssertEqual(try acpi.madt().enabledAPICIDs, [0, 1])
        XCTAssertFalse(try acpi.fadt().has8042)
    }

    func testEveryChecksumIsZeroAndTheRSDTMatchesTheXSDT() throws {
        let set = BoardACPI.build()
        XCTAssertEqual(set.image.count <= Int(GuestMemoryMap.biosEnd - set.base), true)
        func sum(_ b: ArraySlice<UInt8>) -> UInt8 { b.reduce(0, &+) }
        let img = set.image
        XCTAssertEqual(sum(img[0..<20]), 0, "RSDP 1.0 checksum")
        XCTAssertEqual(sum(img[0..<36]), 0, "RSDP extended checksum")
        for (sig, bytes) in set.tables {
            XCTAssertEqual(sum(bytes[...]), 0, "\(sig) checksum")
            let len = Int(bytes[4]) | Int(bytes[5]) << 8 | Int(bytes[6]) << 16 | Int(bytes[7]) << 24
            XCTAssertEqual(len, bytes.count, "\(sig) length field")
        }
        // The ACPI 1.0 path (RSDT) sees the same tables.
        var m = [UInt8](repeating: 0, count: 0x20000)
        m.replaceSubrange(0..<img.count, with: img)
        struct Bytes: PhysicalMemoryReader {
            let b: [UInt8]
            func readByte(at a: UInt64) -> UInt8? {
                a >= 0xE0000 && a < 0xE0000 + UInt64(b.count) ? b[Int(a - 0xE0000)] : (a < 0x1000 ? 0 : nil)
            }
        }
        var rsdp = try RSDP.find(memory: Bytes(b: m))
        rsdp.revision = 0
        let viaRSDT = try ACPITables(memory: Bytes(b: m), rsdp: rsdp)
        XCTAssertEqual(viaRSDT.signatures, [.fadt, .madt, .hpet])
    }

    func testPowerDeviceEndsTheRunOnS5() throws {
        let m = try makeBoard()
        XCTAssertEqual(m.ports.read(0x604, size: 2) & 1, 1, "SCI_EN set: always in ACPI mode")
        // A type that is not S5 does nothing; SLP_TYP(S5) | SLP_EN (what the kernel's
        // FADT.sleepControlValue computes) powers off.
        m.ports.write(0x604, size: 2, value: 5 << 10 | 1 << 13)
        XCTAssertFalse(m.power.poweredOff)
        XCTAssertEqual(m.ports.read(0x604, size: 2) & (1 << 13), 0, "SLP_EN reads as 0")
        let v = FADT.sleepControlValue(slpTyp: try ACPITables(memory: GuestRAMReader(ram: m.ram)).sleepTypeS5().a)
        m.ports.write(0x604, size: 2, value: UInt64(v))
        XCTAssertTrue(m.power.poweredOff)
        XCTAssertTrue(m.cpu.state.pointee.stopRequested)
        // PM1 status is write-1-to-clear, enable is plain read/write.
        m.ports.write(0x602, size: 2, value: 0x0121)
        XCTAssertEqual(m.ports.read(0x602, size: 2), 0x0121)
        XCTAssertEqual(m.ports.read(0x600, size: 4), 0x0121_0000)
        // Save/restore round trip gives the same registers and hash.
        let w = StateWriter()
        m.power.save(to: w)
        let copy = ACPIPowerDevice()
        try copy.restore(from: StateReader(bytes: w.bytes))
        XCTAssertEqual(copy.stateHash(), m.power.stateHash())
        XCTAssertTrue(copy.poweredOff)
        XCTAssertEqual(copy.read(offset: 2, size: 2), 0x0121)
    }

    func testPowerOffGuestExitsWithStatusZero() throws {
        let m = try makeBoard()
        // mov dx, 0x604; mov ax, 0x2000; out dx, ax; hlt   (64-bit mode, flat)
        let code: [UInt8] = [0x66, 0xBA, 0x04, 0x06, 0x66, 0xB8, 0x00, 0x20, 0x66, 0xEF, 0xF4]
        m.ram.write(code, at: 0x10_0000)
        m.cpu.state.pointee.rip = 0x10_0000
        let outcome = m.run(maxInstructions: 1000)
        XCTAssertEqual(outcome, .powerOff)
        XCTAssertEqual(outcome.exitStatus, 0)
    }

    /// ACPICA's disassembler accepts every table without errors (it recomputes checksums and
    /// lengths and decodes the AML).
    func testIASLDisassemblesEveryTable() throws {
        guard let iasl = ["/usr/bin/iasl", "/usr/local/bin/iasl"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw XCTSkip("iasl (acpica-tools) not installed")
        }
        var cfg = ACPIConfiguration()
        cfg.mcfg = true
        let set = BoardACPI.build(config: cfg)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("orrery-acpi-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for (sig, bytes) in set.tables {
            let file = dir.appendingPathComponent("\(sig).dat")
            try Data(bytes).write(to: file)
            let p = Process()
            p.executableURL = URL(fileURLWithPath: iasl)
            p.arguments = ["-d", file.path]
            p.currentDirectoryURL = dir
            let pipe = Pipe()
            p.standardOutput = pipe; p.standardError = pipe
            try p.run()
            let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            XCTAssertEqual(p.terminationStatus, 0, "\(sig): \(out)")
            let dsl = (try? String(contentsOf: dir.appendingPathComponent("\(sig).dsl"), encoding: .utf8)) ?? ""
            XCTAssertFalse(dsl.isEmpty, "\(sig): no disassembly")
            XCTAssertFalse(dsl.contains("Invalid") || dsl.contains("**** "), "\(sig) disassembly reports a problem:\n\(dsl)")
            XCTAssertFalse(out.lowercased().contains("error"), "\(sig): \(out)")
            if sig == "DSDT" { XCTAssertTrue(dsl.contains("Name (_S5, Package (0x04)"), dsl) }
            if sig == "FACP" { XCTAssertTrue(dsl.contains("Reset Register"), dsl) }
        }
    }
}
