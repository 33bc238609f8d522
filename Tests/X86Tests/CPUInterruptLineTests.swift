// Tests for how the CPU samples a controller's INTR output (`InterruptSource.interruptRequestLine`)
// at block boundaries: with the line low the controller is not asked (a vector it would offer
// stays pending), with it high the vector is taken as before; a controller without a line is
// asked at every boundary while RFLAGS.IF = 1, and no controller means no interrupts.

import XCTest
@testable import X86

final class LineDrivingController: InterruptSource {
    let line = UnsafeMutablePointer<Bool>.allocate(capacity: 1)
    var pending: [UInt8] = []
    var asked = 0
    init() { line.initialize(to: false) }
    deinit { line.deallocate() }
    var interruptRequestLine: UnsafePointer<Bool>? { UnsafePointer(line) }
    func pendingVector() -> UInt8? { asked += 1; return pending.first }
    func acknowledge(_ vector: UInt8) { pending.removeFirst() }
}

final class CPUInterruptLineTests: XCTestCase {
    func testCPUAsksOnlyWhileTheLineIsAsserted() {
        let m = SystemMachine([0x90, 0x90, 0x90, 0x90])
        let c = LineDrivingController()
        m.t.cpu.interruptSource = c
        XCTAssertEqual(m.t.cpu.interruptRequest, UnsafePointer(c.line))
        m.gate(0x30, handler: 0x3000)
        m.code([0x90, 0x90], at: 0x3000)
        m.state.pointee.rflags = 0x202
        c.pending = [0x30]
        m.t.run(1)                      // line low: not asked, not taken
        XCTAssertEqual(c.asked, 0)
        XCTAssertEqual(m.state.pointee.rip, 0x1001)
        c.line.pointee = true
        m.t.run(1)                      // asked at the boundary and taken; the handler's NOP runs
        XCTAssertEqual(c.asked, 1)
        XCTAssertEqual(c.pending, [])
        XCTAssertEqual(m.state.pointee.rip, 0x3001)
        XCTAssertEqual(m.frame(5), [0x1001, 0x08, 0x202, 0x80000, 0x10])
    }

    func testControllerWithoutLineIsAlwaysAskedAndNoControllerNever() {
        let m = SystemMachine([0x90, 0x90])
        XCTAssertFalse(m.t.cpu.interruptRequest.pointee, "no controller: INTR low")
        let pic = FakeInterruptController()
        m.t.cpu.interruptSource = pic
        XCTAssertTrue(m.t.cpu.interruptRequest.pointee, "no output line: asked at every boundary")
        m.t.cpu.interruptSource = nil
        XCTAssertFalse(m.t.cpu.interruptRequest.pointee)
    }
}
