// MachineBoardTests: the board wires the CPU's INTR sampling to the local APIC's output byte
// (so the run loop asks the APIC only when it has something), and a PIT interrupt still
// reaches the CPU through 8259 -> LINT0 (ExtINT) -> APIC INTR -> CPU.

import XCTest
import EmulatorCore
import X86
@testable import Machine

final class InterruptLineWiringTests: XCTestCase {
    func testCPUSamplesTheLocalAPICsOutput() throws {
        let m = try Machine(board: BoardConfiguration(memorySize: 16 << 20))
        let lapic = try XCTUnwrap(m.devices?.lapic)
        XCTAssertEqual(m.cpu.interruptRequest, lapic.interruptRequestLine)
        XCTAssertFalse(m.cpu.interruptRequest.pointee, "power-on: nothing requested")
        // An 8259 request through LINT0 (ExtINT at reset) asserts it.
        lapic.setLINT(0, level: true)
        XCTAssertTrue(m.cpu.interruptRequest.pointee)
        lapic.setLINT(0, level: false)
        XCTAssertFalse(m.cpu.interruptRequest.pointee)
    }
}
