// Test support: a tiny machine that runs instruction bytes from address 0x1000 with the stack
// at 0x80000. Unit tests use it for cases the host-CPU differential harness cannot reach.

import EmulatorCore
@testable import X86

final class TestCPU {
    let ram: PhysicalMemory
    let cpu: X86CPU
    static let codeAddress: UInt64 = 0x1000
    static let stackTop: UInt64 = 0x80000

    init(_ code: [UInt8], mode: CPUMode = .long64, memory: UInt64 = 1 << 20) {
        ram = try! PhysicalMemory(size: memory)
        cpu = X86CPU(ram: ram, mmio: IOBus(), ports: IOBus())
        ram.write(code, at: Self.codeAddress)
        cpu.state.pointee.mode = mode
        cpu.state.pointee.rip = Self.codeAddress
        cpu.state.pointee.regs[Reg.rsp] = Self.stackTop
    }

    var state: CPU { cpu.state }
    subscript(_ r: Int) -> UInt64 {
        get { state.pointee.regs[r] }
        set { state.pointee.regs[r] = newValue }
    }
    var rflags: UInt64 { state.pointee.rflags }

    /// Runs `count` instructions (default: one).
    @discardableResult
    func run(_ count: UInt64 = 1) -> StopReason { cpu.run(maxInstructions: count) }
}

import XCTest

final class CPUStateLayoutTests: XCTestCase {
    /// CPUState must stay plain data: a strong reference inside it makes every `cpu.pointee`
    /// access risk a copy with retain/release in the hot path.
    func testCPUStateIsPlainData() {
        XCTAssertTrue(_isPOD(CPUState.self))
        XCTAssertTrue(_isPOD(DecodedInstruction.self))
    }
}
