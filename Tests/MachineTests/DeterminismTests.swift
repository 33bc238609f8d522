// System tests: the same guest and inputs end in the same state, whatever the slicing of the
// run (block shapes and budgets must never decide what happens), and across machines.

import XCTest
import EmulatorCore
import Machine
import X86

final class DeterminismTests: XCTestCase {
    /// The benchmark guest, built by tools/build-roms.sh (the test command builds it first).
    func benchImage() throws -> [UInt8] {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../roms/build/bench.elf").standardized.path
        guard let data = FileManager.default.contents(atPath: path) else {
            throw XCTSkip("roms/build/bench.elf missing: run tools/build-roms.sh")
        }
        return [UInt8](data)
    }

    func makeMachine(workload: UInt64) throws -> Machine {
        let m = try Machine(memorySize: 16 << 20)
        let image = try ELFLoader.load(try benchImage(), into: m.ram)
        m.cpu.state.pointee.rip = image.entry
        m.cpu.state.pointee.regs[Reg.rdi] = workload
        return m
    }

    func testSameInputsSameStateHashWhateverTheSlicing() throws {
        let budget: UInt64 = 300_000
        let a = try makeMachine(workload: 4)        // "calls": recursion, stack traffic
        _ = a.run(maxInstructions: budget)
        let b = try makeMachine(workload: 4)
        _ = b.run(maxInstructions: budget, slice: 7)   // stops mid-block constantly
        let c = try makeMachine(workload: 4)
        for _ in 0..<Int(budget / 1000) { _ = c.cpu.run(maxInstructions: 1000) }
        XCTAssertEqual(a.cpu.state.pointee.instructionsRetired, budget)
        XCTAssertEqual(a.stateHash(), b.stateHash())
        XCTAssertEqual(a.stateHash(), c.stateHash())
        // And the run really did something: a different budget gives a different state.
        let d = try makeMachine(workload: 4)
        _ = d.run(maxInstructions: budget - 1)
        XCTAssertNotEqual(a.stateHash(), d.stateHash())
    }

    func testBadImageIsAnErrorNotATrap() throws {
        let m = try Machine(memorySize: 1 << 20)
        XCTAssertThrowsError(try ELFLoader.load([0x7F, 0x45], into: m.ram))
        var header = [UInt8](repeating: 0, count: 64)
        header[0...3] = [0x7F, 0x45, 0x4C, 0x46]
        header[4] = 2; header[5] = 1; header[18] = 62
        header[32] = 0xFF; header[33] = 0xFF; header[56] = 3; header[54] = 56  // phoff far outside
        XCTAssertThrowsError(try ELFLoader.load(header, into: m.ram))
    }
}
