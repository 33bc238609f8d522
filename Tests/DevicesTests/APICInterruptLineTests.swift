// Tests for the local APIC's INTR output (`interruptRequestLine`), the byte the CPU samples at
// block boundaries instead of calling `pendingVector()`: a missed update would be a lost
// interrupt. With an 8259 that always has a request, the line must equal
// `pendingVector() != nil` after every operation (SDM 11.8.3: an IRR vector above PPR, or ExtINT
// through LINT0), across long seeded random sequences of register writes, MSR writes, INTA,
// EOI, pin changes, IOAPIC messages, resets, and snapshot restores.

import XCTest
import EmulatorCore
@testable import Devices

final class APICInterruptLineTests: XCTestCase {
    /// A fixed-seed 64-bit LCG (Knuth MMIX constants): the same sequence on every run.
    struct LCG {
        var s: UInt64
        mutating func next(_ n: UInt64) -> UInt64 {
            s = s &* 6364136223846793005 &+ 1442695040888963407
            return (s >> 33) % n
        }
    }

    private func make() -> (LocalAPIC, VirtualClock, EventQueue) {
        let clock = VirtualClock()
        let queue = EventQueue(clock: clock)
        let apic = LocalAPIC(queue: queue)
        apic.externalPending = { 0x30 }          // an 8259 that always has a request
        return (apic, clock, queue)
    }

    private func line(_ a: LocalAPIC) -> Bool {
        guard let p = a.interruptRequestLine else { XCTFail("no INTR output"); return false }
        return p.pointee
    }

    func testResetLineIsLowThenExtINTRaisesIt() {
        let (apic, _, _) = make()
        XCTAssertFalse(line(apic))
        apic.setLINT(0, level: true)             // 8259 INTR -> LINT0 (ExtINT at reset)
        XCTAssertTrue(line(apic))
        XCTAssertEqual(apic.pendingVector(), 0x30)
        apic.setLINT(0, level: false)
        XCTAssertFalse(line(apic))
    }

    func testLineFollowsPendingVectorThroughRandomOperations() throws {
        var sawHigh = 0, sawLow = 0
        for seed: UInt64 in 1...8 {
            var rng = LCG(s: seed)
            var (apic, clock, queue) = make()
            for step in 0..<4000 {
                switch rng.next(16) {
                case 0: apic.accept(vector: UInt8(rng.next(256)), levelTriggered: rng.next(2) == 1)
                case 1:
                    let modes: [APICDeliveryMode] = [.fixed, .lowestPriority, .extINT, .nmi]
                    apic.receive(APICMessage(vector: UInt8(rng.next(256)), deliveryMode: modes[Int(rng.next(4))],
                                             destination: rng.next(4) == 0 ? 1 : 0xFF,
                                             levelTriggered: rng.next(2) == 1))
                case 2: apic.setLINT(Int(rng.next(2)), level: rng.next(2) == 1)
                case 3, 4:
                    if let v = apic.pendingVector() { apic.acknowledge(v) }
                case 5: apic.endOfInterrupt()
                case 6: apic.writeRegister(LocalAPIC.Reg.tpr, UInt32(rng.next(256)))
                case 7: apic.writeRegister(LocalAPIC.Reg.svr, UInt32(rng.next(0x200)))
                case 8:
                    let lvts = [LocalAPIC.Reg.lvtLINT0, LocalAPIC.Reg.lvtLINT1, LocalAPIC.Reg.lvtTimer, LocalAPIC.Reg.lvtError]
                    apic.writeRegister(lvts[Int(rng.next(4))], UInt32(rng.next(0x2_0000)) | UInt32(rng.next(8)) << 8)
                case 9:
                    // Self IPIs (fixed, NMI, ExtINT; illegal vectors raise an APIC error).
                    apic.writeRegister(LocalAPIC.Reg.icrLow, UInt32(rng.next(256)) | UInt32(rng.next(8)) << 8 | 1 << 18)
                case 10: apic.cr8 = rng.next(16)
                case 11:
                    let bases: [UInt64] = [0xFEE0_0900, 0xFEE0_0D00, 0xFEE0_0100, 0xFEE0_0800]
                    apic.apicBaseWritten(bases[Int(rng.next(4))])
                case 12:
                    _ = apic.writeMSR(0x808, rng.next(256))                          // x2APIC TPR
                    _ = apic.writeMSR(0x83F, rng.next(256))                          // x2APIC SELF IPI
                    _ = apic.writeMSR(0x80B, 0)                                      // x2APIC EOI
                case 13:
                    // The timer: one-shot, short count, then let it fire.
                    apic.writeRegister(LocalAPIC.Reg.lvtTimer, UInt32(0x20 + rng.next(0xE0)))
                    apic.writeRegister(LocalAPIC.Reg.timerInitial, UInt32(1 + rng.next(50)))
                    clock.advance(by: 300)
                    queue.runDue()
                case 14:
                    if rng.next(8) == 0 { apic.reset() } else { apic.writeRegister(LocalAPIC.Reg.esr, 0) }
                default:
                    // Snapshot into a fresh APIC: its line must follow the restored state.
                    let w = StateWriter()
                    clock.save(to: w); queue.save(to: w); apic.save(to: w)
                    let fresh = make()
                    let r = StateReader(bytes: w.bytes)
                    try fresh.1.restore(from: r); try fresh.2.restore(from: r); try fresh.0.restore(from: r)
                    XCTAssertEqual(line(fresh.0), fresh.0.pendingVector() != nil, "restored, seed \(seed) step \(step)")
                    (apic, clock, queue) = fresh
                }
                let expected = apic.pendingVector() != nil
                XCTAssertEqual(line(apic), expected, "seed \(seed) step \(step)")
                if expected { sawHigh += 1 } else { sawLow += 1 }
            }
        }
        // The sequences must reach both states often, or the test checks little.
        XCTAssertGreaterThan(sawHigh, 2000)
        XCTAssertGreaterThan(sawLow, 2000)
    }
}
