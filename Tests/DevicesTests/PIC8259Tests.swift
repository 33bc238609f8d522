// Register-level tests of the 8259A pair against the datasheet (Intel 8259A, 231468) and the
// PC wiring (slave on master input 2, ELCR at 0x4D0/0x4D1).

import XCTest
import EmulatorCore
@testable import Devices

/// Port-level access to a PIC pair as the PC board maps it.
struct PICPorts {
    let pic: PIC8259
    func out(_ port: UInt16, _ v: UInt8) {
        switch port {
        case 0x20, 0x21: pic.masterPorts.write(offset: UInt64(port - 0x20), size: 1, value: UInt64(v))
        case 0xA0, 0xA1: pic.slavePorts.write(offset: UInt64(port - 0xA0), size: 1, value: UInt64(v))
        case 0x4D0, 0x4D1: pic.elcrPorts.write(offset: UInt64(port - 0x4D0), size: 1, value: UInt64(v))
        default: XCTFail("bad port")
        }
    }
    func inb(_ port: UInt16) -> UInt8 {
        switch port {
        case 0x20, 0x21: return UInt8(pic.masterPorts.read(offset: UInt64(port - 0x20), size: 1))
        case 0xA0, 0xA1: return UInt8(pic.slavePorts.read(offset: UInt64(port - 0xA0), size: 1))
        case 0x4D0, 0x4D1: return UInt8(pic.elcrPorts.read(offset: UInt64(port - 0x4D0), size: 1))
        default: XCTFail("bad port"); return 0
        }
    }
    /// The initialisation Linux (and every PC BIOS) does: vectors 0x20/0x28, cascade on IR2, 8086 mode.
    func initLikeLinux(autoEOI: Bool = false) {
        out(0x20, 0x11); out(0x21, 0x20); out(0x21, 0x04); out(0x21, autoEOI ? 0x03 : 0x01)
        out(0xA0, 0x11); out(0xA1, 0x28); out(0xA1, 0x02); out(0xA1, 0x01)
        out(0x21, 0x00); out(0xA1, 0x00)
    }
    func irr(_ p: UInt16) -> UInt8 { out(p, 0x0A); return inb(p) }
    func isr(_ p: UInt16) -> UInt8 { out(p, 0x0B); let v = inb(p); out(p, 0x0A); return v }
}

final class PIC8259Tests: XCTestCase {
    func make(autoEOI: Bool = false) -> (PIC8259, PICPorts) {
        let pic = PIC8259()
        let p = PICPorts(pic: pic)
        p.initLikeLinux(autoEOI: autoEOI)
        return (pic, p)
    }

    func testEdgeRequestAcknowledgeAndNonSpecificEOI() {
        let (pic, p) = make()
        XCTAssertNil(pic.pendingVector())
        pic.setIRQ(0, level: true)
        XCTAssertTrue(pic.intr.level)
        XCTAssertEqual(p.irr(0x20), 0x01)
        XCTAssertEqual(pic.pendingVector(), 0x20)
        XCTAssertEqual(pic.acknowledge(), 0x20)
        XCTAssertEqual(p.isr(0x20), 0x01)
        XCTAssertEqual(p.irr(0x20), 0x00)           // edge request cleared by INTA
        XCTAssertFalse(pic.intr.level)
        pic.setIRQ(0, level: true)                  // still high: no new edge
        XCTAssertEqual(p.irr(0x20), 0x00)
        pic.setIRQ(0, level: false); pic.setIRQ(0, level: true)
        XCTAssertEqual(p.irr(0x20), 0x01)
        XCTAssertFalse(pic.intr.level)              // same level in service blocks it
        p.out(0x20, 0x20)                           // OCW2 non-specific EOI
        XCTAssertEqual(p.isr(0x20), 0x00)
        XCTAssertTrue(pic.intr.level)
        XCTAssertEqual(pic.acknowledge(), 0x20)
    }

    func testFixedPriorityAndNesting() {
        let (pic, p) = make()
        pic.setIRQ(3, level: true)
        XCTAssertEqual(pic.acknowledge(), 0x23)
        pic.setIRQ(5, level: true)                  // lower priority than 3 in service
        XCTAssertNil(pic.pendingVector())
        pic.setIRQ(1, level: true)                  // higher priority: nests
        XCTAssertEqual(pic.acknowledge(), 0x21)
        XCTAssertEqual(p.isr(0x20), 0x0A)
        p.out(0x20, 0x20)                           // non-specific EOI clears the highest (IR1)
        XCTAssertEqual(p.isr(0x20), 0x08)
        XCTAssertNil(pic.pendingVector())
        p.out(0x20, 0x63)                           // specific EOI for IR3
        XCTAssertEqual(pic.acknowledge(), 0x25)
    }

    func testMaskRegister() {
        let (pic, p) = make()
        p.out(0x21, 0xFB)                           // only the cascade input unmasked
        XCTAssertEqual(p.inb(0x21), 0xFB)
        pic.setIRQ(1, level: true)
        XCTAssertNil(pic.pendingVector())
        XCTAssertEqual(p.irr(0x20), 0x02)           // IRR records masked requests
        p.out(0x21, 0x00)
        XCTAssertEqual(pic.pendingVector(), 0x21)
    }

    func testCascadeThroughIR2() {
        let (pic, p) = make()
        pic.setIRQ(10, level: true)
        XCTAssertEqual(p.irr(0xA0), 0x04)
        XCTAssertEqual(pic.pendingVector(), 0x2A)
        XCTAssertEqual(pic.acknowledge(), 0x2A)
        XCTAssertEqual(p.isr(0xA0), 0x04)
        XCTAssertEqual(p.isr(0x20), 0x04)
        pic.setIRQ(8, level: true)                  // higher on the slave, but master IR2 is in service
        XCTAssertNil(pic.pendingVector())
        p.out(0xA0, 0x20); p.out(0x20, 0x20)        // EOI slave then master (as Linux does)
        XCTAssertEqual(pic.acknowledge(), 0x28)
        // Masking the cascade input hides the slave.
        p.out(0xA0, 0x20); p.out(0x20, 0x20)
        p.out(0x21, 0x04)
        pic.setIRQ(14, level: true)
        XCTAssertNil(pic.pendingVector())
        p.out(0x21, 0x00)
        XCTAssertEqual(pic.acknowledge(), 0x2E)
    }

    func testELCRLevelTriggeringAndWritableBits() {
        let (pic, p) = make()
        p.out(0x4D0, 0xFF); p.out(0x4D1, 0xFF)
        XCTAssertEqual(p.inb(0x4D0), 0xF8)          // IRQ 0, 1, 2 cannot be level-triggered
        XCTAssertEqual(p.inb(0x4D1), 0xDE)          // nor IRQ 8 and 13
        p.out(0x4D1, 0x08)                          // IRQ 11 level
        pic.setIRQ(11, level: true)
        XCTAssertEqual(pic.acknowledge(), 0x2B)
        XCTAssertEqual(p.irr(0xA0), 0x08)           // level request stays in IRR while the wire is high
        p.out(0xA0, 0x20); p.out(0x20, 0x20)
        XCTAssertEqual(pic.pendingVector(), 0x2B)   // still asserted: requested again
        pic.setIRQ(11, level: false)
        XCTAssertEqual(p.irr(0xA0), 0x00)
        // The master latched the cascade edge (IR2 is edge-triggered), so the CPU still sees INT
        // and the INTA finds nothing on the slave: the spurious IRQ 15, with master IR2 in service.
        XCTAssertEqual(pic.acknowledge(), 0x2F)
        XCTAssertEqual(p.isr(0xA0), 0x00)
        XCTAssertEqual(p.isr(0x20), 0x04)
        p.out(0x20, 0x20)
        XCTAssertNil(pic.pendingVector())
    }

    func testSpuriousIRQ7And15() {
        let (pic, p) = make()
        p.out(0x4D0, 0x08)                          // IRQ 3 level
        pic.setIRQ(3, level: true)
        XCTAssertTrue(pic.intr.level)
        pic.setIRQ(3, level: false)                 // request withdrawn before INTA
        XCTAssertEqual(pic.acknowledge(), 0x27)     // spurious IRQ 7
        XCTAssertEqual(p.isr(0x20), 0x00)           // no ISR bit
        p.out(0x4D1, 0x08)                          // IRQ 11 level
        pic.setIRQ(11, level: true)
        // The master has latched the cascade edge; the slave's request goes away.
        p.out(0xA1, 0x08)                           // masking it on the slave withdraws it there
        XCTAssertEqual(pic.acknowledge(), 0x2F)     // spurious IRQ 15
        XCTAssertEqual(p.isr(0xA0), 0x00)
    }

    func testAutoEOIAndRotation() {
        let (pic, p) = make(autoEOI: true)
        pic.setIRQ(4, level: true)
        XCTAssertEqual(pic.acknowledge(), 0x24)
        XCTAssertEqual(p.isr(0x20), 0x00)           // AEOI: nothing in service
        // Rotate-on-non-specific-EOI with normal EOI mode: IR0 and IR1 pending.
        let (pic2, q) = make()
        pic2.setIRQ(0, level: true); pic2.setIRQ(1, level: true)
        XCTAssertEqual(pic2.acknowledge(), 0x20)
        q.out(0x20, 0xA0)                           // rotate on non-specific EOI: IR0 becomes lowest
        pic2.setIRQ(0, level: false); pic2.setIRQ(0, level: true)
        XCTAssertEqual(pic2.acknowledge(), 0x21)    // IR1 now beats IR0
        q.out(0x20, 0xC4)                           // set priority: IR4 lowest, IR5 highest
        q.out(0x20, 0x20)
        pic2.setIRQ(6, level: true)
        XCTAssertEqual(pic2.acknowledge(), 0x26)    // IR6 (priority 1) before IR0 (priority 3)
    }

    func testSpecialMaskMode() {
        let (pic, p) = make()
        pic.setIRQ(3, level: true)
        XCTAssertEqual(pic.acknowledge(), 0x23)
        pic.setIRQ(5, level: true)
        XCTAssertNil(pic.pendingVector())
        p.out(0x21, 0x08)                           // mask IR3 (in service)
        p.out(0x20, 0x68)                           // OCW3: set special mask mode
        XCTAssertEqual(pic.acknowledge(), 0x25)     // lower priority allowed through
        p.out(0x20, 0x48)                           // reset special mask mode
        XCTAssertEqual(p.isr(0x20), 0x28)
    }

    func testPollCommand() {
        let (pic, p) = make()
        p.out(0x20, 0x0C)
        XCTAssertEqual(p.inb(0x20), 0x00)           // nothing pending
        pic.setIRQ(6, level: true)
        p.out(0x20, 0x0C)
        XCTAssertEqual(p.inb(0x20), 0x86)           // I bit + level 6, acknowledged
        XCTAssertEqual(p.isr(0x20), 0x40)
    }

    func testICW1ResetsProgrammingButNotELCR() {
        let (pic, p) = make()
        p.out(0x4D0, 0x20)
        p.out(0x21, 0x5A)
        p.out(0x20, 0x11)                           // ICW1 again
        XCTAssertEqual(p.inb(0x21), 0x00)           // IMR cleared
        p.out(0x21, 0x30); p.out(0x21, 0x04); p.out(0x21, 0x01)
        XCTAssertEqual(p.inb(0x4D0), 0x20)
        pic.setIRQ(1, level: true)
        XCTAssertEqual(pic.acknowledge(), 0x31)     // new vector base
    }

    func testSnapshotRoundTripSameHashSameBehaviour() throws {
        let (a, pa) = make()
        pa.out(0x4D1, 0x08); pa.out(0x21, 0x10)
        a.setIRQ(3, level: true); _ = a.acknowledge()
        a.setIRQ(11, level: true); a.setIRQ(1, level: true); a.setIRQ(4, level: true)
        pa.out(0xA0, 0x0B)
        let w = StateWriter()
        a.save(to: w)
        let b = PIC8259()
        try b.restore(from: StateReader(bytes: w.bytes))
        XCTAssertEqual(a.stateHash(), b.stateHash())
        XCTAssertEqual(a.intr.level, b.intr.level)
        let pb = PICPorts(pic: b)
        for pic in [(a, pa), (b, pb)] {
            pic.1.out(0x20, 0x20)
            pic.0.setIRQ(6, level: true)
        }
        var va: [UInt8] = [], vb: [UInt8] = []
        for _ in 0..<4 { va.append(a.acknowledge()); vb.append(b.acknowledge()); pa.out(0x20, 0x20); pb.out(0x20, 0x20) }
        XCTAssertEqual(va, vb)
        XCTAssertEqual(pa.inb(0xA0), pb.inb(0xA0))
        XCTAssertEqual(a.stateHash(), b.stateHash())
        // A truncated or corrupted snapshot is a typed error.
        XCTAssertThrowsError(try PIC8259().restore(from: StateReader(bytes: Array(w.bytes.dropLast(3)))))
        var bad = w.bytes; bad[10 + 4] = 9                  // priorityAdd out of range
        XCTAssertThrowsError(try PIC8259().restore(from: StateReader(bytes: bad)))
    }
}
