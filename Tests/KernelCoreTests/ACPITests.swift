// KernelCoreTests: ACPI parsing against real tables. Expected values come from `iasl -d`
// (acpica-tools 20200925) run on the same bytes:
//   QEMU 7.2 pc  -smp 2: RSDP rev 0 at 0xF59D0, RSDT 0x7FE1AFF; FACP(116 B, rev 1) APIC HPET WAET;
//     APIC ids 0,1; IOAPIC id 0 at FEC00000 GSI 0; overrides 0->2, 5, 9, 10, 11 (5/9/10/11 level,
//     active high: flags 0x000D); LAPIC NMI all processors LINT1; PM1a_CNT 0x604, PM timer 0x608,
//     century 0x32, SCI 9, SMI 0xB2 enable 0xF1, no reset register; _S5 {0,0}, _S3 {1,1}, _S4 {2,2}.
//   QEMU 7.2 q35 -smp 4: FACP 244 B (rev 3) with reset register I/O 0xCF9 value 0x0F, 8042 present;
//     APIC ids 0-3; HPET at FED00000 (id 8086A201); MCFG B0000000 segment 0 buses 0-255.
//   Firecracker (this CI host's own tables, /sys/firmware/acpi/tables): hardware-reduced FADT
//     (flags 0x00100030) with X_DSDT 0x9FD44; APIC ids 0,1, IOAPIC FEC00000; MCFG EEC00000 bus 0-0;
//     DSDT without \_S5.

import XCTest
@testable import KernelCore

final class ACPIQEMUTests: XCTestCase {
    func testPCMachine() throws {
        let mem = Fixture.qemu("pc")
        let rsdp = try RSDP.find(memory: mem)
        XCTAssertEqual(rsdp.address, 0xF59D0)
        XCTAssertEqual(rsdp.revision, 0)
        XCTAssertFalse(rsdp.usesXSDT)
        XCTAssertEqual(rsdp.rsdtAddress, 0x7FE1AFF)
        XCTAssertEqual(rsdp.oemID, Array("BOCHS ".utf8))
        let acpi = try ACPITables(memory: mem, rsdp: rsdp)
        XCTAssertEqual(acpi.signatures, [.fadt, .madt, .hpet, ACPISignature("WAET")])

        let madt = try acpi.madt()
        XCTAssertEqual(madt.localAPICAddress, 0xFEE0_0000)
        XCTAssertTrue(madt.hasLegacyPICs)
        XCTAssertEqual(madt.enabledAPICIDs, [0, 1])
        XCTAssertEqual(madt.ioAPICs, [MADT.IOAPIC(id: 0, address: 0xFEC0_0000, gsiBase: 0)])
        XCTAssertEqual(madt.overrides.map { $0.source }, [0, 5, 9, 10, 11])
        XCTAssertEqual(madt.overrides.map { $0.gsi }, [2, 5, 9, 10, 11])
        XCTAssertEqual(madt.gsi(forISAIRQ: 0).gsi, 2, "the PIT's IRQ0 arrives on GSI 2")
        XCTAssertEqual(madt.gsi(forISAIRQ: 4).gsi, 4)
        XCTAssertTrue(madt.overrides[1].levelTriggered)
        XCTAssertEqual(madt.overrides[1].polarity, 1)
        XCTAssertEqual(madt.localNMIs, [MADT.LocalNMI(processorUID: 0xFF, flags: 0, lint: 1)])
        XCTAssertTrue(madt.localNMIs[0].appliesToAll)

        let fadt = try acpi.fadt()
        XCTAssertEqual(fadt.revision, 1)
        XCTAssertEqual(fadt.length, 116)
        XCTAssertEqual(fadt.pm1aControl?.address, 0x604)
        XCTAssertEqual(fadt.pm1aControl?.isIO, true)
        XCTAssertEqual(fadt.pm1aControl?.bitWidth, 16)
        XCTAssertNil(fadt.pm1bControl)
        XCTAssertEqual(fadt.pmTimer?.address, 0x608)
        XCTAssertEqual(fadt.pm1aEvent?.address, 0x600)
        XCTAssertEqual(fadt.dsdtAddress, 0x7FE0040)
        XCTAssertEqual(fadt.facsAddress, 0x7FE0000)
        XCTAssertEqual(fadt.century, 0x32)
        XCTAssertEqual(fadt.sciInterrupt, 9)
        XCTAssertEqual(fadt.smiCommandPort, 0xB2)
        XCTAssertEqual(fadt.acpiEnableValue, 0xF1)
        XCTAssertEqual(fadt.flags, 0x80A5)
        XCTAssertNil(fadt.resetRegister, "ACPI 1.0 FADT: no reset register; use 0xCF9")
        XCTAssertFalse(fadt.resetSupported)
        XCTAssertFalse(fadt.hardwareReduced)

        let hpet = try acpi.hpet()
        XCTAssertEqual(hpet.address.address, 0xFED0_0000)
        XCTAssertEqual(hpet.address.addressSpace, GenericAddress.systemMemory)
        XCTAssertEqual(hpet.eventTimerBlockID, 0x8086_A201)
        XCTAssertEqual(hpet.vendorID, 0x8086)
        XCTAssertEqual(hpet.comparatorCount, 3)
        XCTAssertThrowsError(try acpi.mcfg()) { XCTAssertEqual($0 as? ACPIError, .notFound(signature: ACPISignature.mcfg.rawValue)) }

        let dsdt = try acpi.dsdt()
        XCTAssertEqual(dsdt.length, 6507)
        XCTAssertEqual(try acpi.sleepTypeS5(), SleepType(a: 0, b: 0))
        XCTAssertEqual(AML.findSleepPackage(in: dsdt, state: 3), SleepType(a: 1, b: 1))
        XCTAssertEqual(AML.findSleepPackage(in: dsdt, state: 4), SleepType(a: 2, b: 2))
        XCTAssertNil(AML.findSleepPackage(in: dsdt, state: 1))
        XCTAssertEqual(FADT.sleepControlValue(slpTyp: 0), 0x2000, "QEMU's PIIX4 powers off on SLP_EN with type 0")
    }

    func testQ35Machine() throws {
        let mem = Fixture.qemu("q35")
        let acpi = try ACPITables(memory: mem)
        XCTAssertEqual(acpi.rsdp.address, 0xF59E0)
        XCTAssertEqual(acpi.signatures, [.fadt, .madt, .hpet, .mcfg, ACPISignature("WAET")])
        let madt = try acpi.madt()
        XCTAssertEqual(madt.enabledAPICIDs, [0, 1, 2, 3])
        XCTAssertEqual(madt.processors.map { $0.processorUID }, [0, 1, 2, 3])
        XCTAssertEqual(madt.ioAPICs.first?.address, 0xFEC0_0000)
        XCTAssertEqual(madt.gsi(forISAIRQ: 0).gsi, 2)
        let fadt = try acpi.fadt()
        XCTAssertEqual(fadt.length, 244)
        XCTAssertEqual(fadt.revision, 3)
        XCTAssertTrue(fadt.resetSupported)
        XCTAssertEqual(fadt.resetRegister, GenericAddress(addressSpace: 1, bitWidth: 8, bitOffset: 0, accessSize: 0, address: 0xCF9))
        XCTAssertEqual(fadt.resetValue, 0x0F)
        XCTAssertEqual(fadt.pm1aControl?.address, 0x604, "X_PM1a_CNT_BLK")
        XCTAssertEqual(fadt.pm1aControl?.addressSpace, GenericAddress.systemIO)
        XCTAssertEqual(fadt.dsdtAddress, 0x7FE0040, "X_DSDT")
        XCTAssertTrue(fadt.has8042)
        XCTAssertEqual(fadt.acpiEnableValue, 0x02)
        let mcfg = try acpi.mcfg()
        XCTAssertEqual(mcfg.windows, [MCFG.Window(baseAddress: 0xB000_0000, segment: 0, startBus: 0, endBus: 255)])
        XCTAssertEqual(mcfg.window(forSegment: 0, bus: 3)?.configAddress(bus: 3, device: 31, function: 2),
                       0xB000_0000 + (3 << 20 | 31 << 15 | 2 << 12))
        XCTAssertEqual(try acpi.hpet().address.address, 0xFED0_0000)
        XCTAssertEqual(try acpi.sleepTypeS5(), SleepType(a: 0, b: 0))
        XCTAssertEqual(AML.findSleepPackage(in: try acpi.dsdt(), state: 4), SleepType(a: 2, b: 2))
    }

    func testCorruptionIsAnErrorNeverATrap() throws {
        var mem = Fixture.qemu("pc")
        let acpi = try ACPITables(memory: mem)
        let madtAt = try XCTUnwrap(acpi.find(.madt))
        // Bad checksum.
        mem.poke(madtAt + 50, 0x77)
        XCTAssertThrowsError(try ACPITables(memory: mem).madt()) {
            XCTAssertEqual($0 as? ACPIError, .badChecksum(signature: ACPISignature.madt.rawValue, address: madtAt))
        }
        // Every single-byte corruption of every table header/body byte either parses or throws.
        let clean = Fixture.qemu("q35")
        let a2 = try ACPITables(memory: clean)
        for sig in [ACPISignature.madt, .fadt, .hpet, .mcfg] {
            let at = try XCTUnwrap(a2.find(sig))
            let len = Int(try XCTUnwrap(clean.read32(at: at + 4)))
            for off in 0..<len {
                for value: UInt8 in [0x00, 0x01, 0xFF, 0x80] {
                    var m = clean
                    m.poke(at + UInt64(off), value)
                    // Bypass the checksum to reach the field decoders.
                    if let t = try? TableView.openUnchecked(memory: m, address: at) {
                        _ = try? MADT(t); _ = try? FADT(t); _ = try? HPETTable(t); _ = try? MCFG(t)
                        _ = AML.findSleepPackage(in: t, state: 5)
                    }
                }
            }
        }
        // A table length pointing past readable memory.
        var m3 = clean
        let fadtAt = try XCTUnwrap(a2.find(.fadt))
        m3.poke(fadtAt + 6, 0x40)      // length += 0x400000
        XCTAssertThrowsError(try TableView.open(memory: m3, address: fadtAt))
        // The RSDT pointing nowhere.
        var m4 = clean
        m4.poke(0xF59E0 + 16, 0x12)
        m4.poke(0xF59E0 + 8, clean.readByte(at: 0xF59E0 + 8)! &- (0x12 &- clean.readByte(at: 0xF59E0 + 16)!))
        XCTAssertThrowsError(try ACPITables(memory: m4))
        // No RSDP at all.
        XCTAssertThrowsError(try RSDP.find(memory: SparseMemory())) { XCTAssertEqual($0 as? ACPIError, .rsdpNotFound) }
    }
}

final class ACPIHandMadeTests: XCTestCase {
    /// ACPI 2.0 RSDP + XSDT with 64-bit entries, an MADT with x2APIC, LAPIC override, NMI
    /// source and a zero-length entry, placed in the EBDA.
    func testRevision2XSDTAndEBDA() throws {
        var madt = TableBuilder(signature: "APIC", revision: 4, length: 44)
        madt.put32(0xFEE0_0000, at: 36); madt.put32(0, at: 40)
        madt.append([0, 8, 1, 7, 1, 0, 0, 0])                             // CPU uid 1 apic 7 enabled
        madt.append([0, 8, 2, 9, 0, 0, 0, 0])                             // CPU disabled
        madt.append([9, 16, 0, 0] + le32(0x100) + le32(3) + le32(5))      // x2APIC id 256 online-capable|enabled
        madt.append([5, 12, 0, 0] + le64(0xFEE1_0000))                    // LAPIC address override
        madt.append([3, 8, 0x0D, 0] + le32(23))                           // NMI source GSI 23
        madt.append([0xA, 12, 5, 0] + le32(0xFFFF_FFFF) + [1, 0, 0, 0])   // x2APIC NMI all LINT1
        madt.append([1, 12, 4, 0] + le32(0xFEC1_0000) + le32(24))         // second IOAPIC
        let madtBytes = madt.finished()
        var xsdt = TableBuilder(signature: "XSDT", length: 36)
        xsdt.append(le64(0x1_0000_2000))
        let xsdtBytes = xsdt.finished()
        var rsdp: [UInt8] = Array("RSD PTR ".utf8) + [0] + Array("ORRERY".utf8) + [2] + le32(0xDEAD) + le32(36)
            + le64(0x1_0000_1000) + [0, 0, 0, 0]
        rsdp[8] = 0 &- rsdp[0..<20].reduce(0, &+)
        rsdp[32] = 0 &- rsdp.reduce(0, &+)
        var mem = SparseMemory()
        var bda = [UInt8](repeating: 0, count: 0x500)
        bda[0x40E] = 0x00; bda[0x40F] = 0x9F                             // EBDA segment 0x9F00
        mem.place(bda, at: 0)
        var ebda = [UInt8](repeating: 0, count: 1024)
        ebda.replaceSubrange(0x40..<0x40 + 36, with: rsdp)
        mem.place(ebda, at: 0x9F000)
        mem.place(xsdtBytes, at: 0x1_0000_1000)
        mem.place(madtBytes, at: 0x1_0000_2000)

        let acpi = try ACPITables(memory: mem)
        XCTAssertEqual(acpi.rsdp.address, 0x9F040)
        XCTAssertTrue(acpi.rsdp.usesXSDT)
        XCTAssertEqual(acpi.root.signature, .xsdt)
        let m = try acpi.madt()
        XCTAssertEqual(m.localAPICAddress, 0xFEE1_0000)
        XCTAssertFalse(m.hasLegacyPICs)
        XCTAssertEqual(m.enabledAPICIDs, [7, 0x100])
        XCTAssertTrue(m.processors[2].isX2APIC && m.processors[2].onlineCapable)
        XCTAssertEqual(m.nmiSources, [MADT.NMISource(flags: 0x0D, gsi: 23)])
        XCTAssertTrue(m.localNMIs[0].appliesToAll)
        XCTAssertEqual(m.ioAPIC(forGSI: 30, entries: { _ in 24 })?.address, 0xFEC1_0000)

        // Revision 2 with a broken extended checksum is rejected (and then nothing is found).
        var bad = mem
        bad.poke(0x9F040 + 33, 0x55)
        XCTAssertThrowsError(try RSDP.find(memory: bad))

        // An MADT entry of length 0 must not loop forever.
        var loop = TableBuilder(signature: "APIC", length: 44)
        loop.append([0, 0, 0, 0])
        var lm = SparseMemory(); lm.place(loop.finished(), at: 0x1000)
        XCTAssertThrowsError(try MADT(try TableView.open(memory: lm, address: 0x1000)))
    }

    func testSleepPackageEncodings() {
        // Name(\_S5_, Package(){0x05, 0x0705}) with root prefix, BytePrefix and WordPrefix.
        let s5: [UInt8] = [0x08, 0x5C, 0x5F, 0x53, 0x35, 0x5F, 0x12, 0x07, 0x02, 0x0A, 0x05, 0x0B, 0x05, 0x07]
        XCTAssertEqual(AML.decodeSleepPackage(bytes: s5, at: 6), SleepType(a: 5, b: 5))
        // One element: both values from it.
        XCTAssertEqual(AML.decodeSleepPackage(bytes: [0x12, 0x04, 0x01, 0x0A, 0x07], at: 0), SleepType(a: 7, b: 7))
        // Two-byte PkgLength (the length counts its own bytes): 0x45 0x00 = 5.
        XCTAssertEqual(AML.decodeSleepPackage(bytes: [0x12, 0x45, 0x00, 0x02, 0x01, 0x00], at: 0), SleepType(a: 1, b: 0))
        // A package length that ends before the second element: only what lies inside counts.
        XCTAssertNil(AML.decodeSleepPackage(bytes: [0x12, 0x03, 0x02, 0x01, 0x00], at: 0))
        // Truncated / non-constant elements.
        XCTAssertNil(AML.decodeSleepPackage(bytes: [0x12, 0x06, 0x02, 0x0A], at: 0))
        XCTAssertNil(AML.decodeSleepPackage(bytes: [0x12, 0x06, 0x02, 0x5F, 0x5F], at: 0))
        XCTAssertNil(AML.decodeSleepPackage(bytes: [0x12], at: 0))
        XCTAssertNil(AML.decodeSleepPackage(bytes: [0x12, 0x05, 0x02, 0x00, 0x00], at: 9))
        // In a table: a method named _S5_ (not a Name) is skipped, the Name after it is found.
        var t = TableBuilder(signature: "DSDT", revision: 2)
        t.append([0x14, 0x06, 0x5F, 0x53, 0x35, 0x5F, 0x00, 0xA4])     // Method(_S5_) ...
        t.append([0x08] + s5.dropFirst(2))                             // Name(_S5_, ...)
        var m = SparseMemory(); m.place(t.finished(), at: 0x2000)
        XCTAssertEqual(AML.findSleepPackage(in: try! TableView.open(memory: m, address: 0x2000), state: 5), SleepType(a: 5, b: 5))
    }

    func testSignatureHelpers() {
        XCTAssertEqual(ACPISignature("APIC"), .madt)
        XCTAssertEqual(ACPISignature("APIC").rawValue, 0x4349_5041)
        XCTAssertEqual(ACPISignature("TOOLONG").rawValue, 0)
        XCTAssertEqual(ACPISignature.fadt.bytes, Array("FACP".utf8))
    }
}

final class ACPIFirecrackerTests: XCTestCase {
    func table(_ name: String) throws -> TableView<SparseMemory> {
        var m = SparseMemory()
        m.place(Fixture.bytes("firecracker-\(name).bin"), at: 0x10_0000)
        return try TableView.open(memory: m, address: 0x10_0000)
    }

    func testHostTables() throws {
        let madt = try MADT(try table("APIC"))
        XCTAssertEqual(madt.enabledAPICIDs, [0, 1])
        XCTAssertEqual(madt.ioAPICs.first?.address, 0xFEC0_0000)
        XCTAssertFalse(madt.hasLegacyPICs)
        let fadt = try FADT(try table("FACP"))
        XCTAssertTrue(fadt.hardwareReduced)
        XCTAssertNil(fadt.pm1aControl)
        XCTAssertEqual(fadt.dsdtAddress, 0x9FD44)
        XCTAssertFalse(fadt.resetSupported)
        XCTAssertEqual(fadt.century, 0)
        let mcfg = try MCFG(try table("MCFG"))
        XCTAssertEqual(mcfg.windows, [MCFG.Window(baseAddress: 0xEEC0_0000, segment: 0, startBus: 0, endBus: 0)])
        let dsdt = try table("DSDT")
        XCTAssertEqual(dsdt.header.revision, 2)
        XCTAssertNil(AML.findSleepPackage(in: dsdt, state: 5), "hardware-reduced: no \\_S5")
    }
}
