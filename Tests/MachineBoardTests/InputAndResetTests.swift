// MachineBoardTests: the recorded input queue (a live run and the replay of its log end in the
// same state, whatever the host timing was) and machine reset (the guest's reset paths reboot
// through the same loader, or stop). Guests: roms/board/serial-echo.c and reset.c, built by
// tools/build-board-roms.sh (skipped when missing); their behaviour on QEMU is checked by
// tools/run-serial-echo.sh and tools/run-board-roms.sh.

import Foundation
import XCTest
import EmulatorCore
import X86
@testable import Machine

/// A host input stand-in: hands out one scripted chunk per poll (host timing is arbitrary, so
/// tests pick it) and pretends to wait.
final class ScriptedInput: LiveInput {
    var chunks: [[UInt8]]
    var quitRequested = false
    init(_ chunks: [[UInt8]]) { self.chunks = chunks }
    func readAvailable() -> [UInt8]? { chunks.isEmpty ? nil : chunks.removeFirst() }
    func wait(upTo nanoseconds: UInt64) -> UInt64 { min(nanoseconds, 3_000_000) }
}

final class InputAndResetTests: XCTestCase {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func guest(_ name: String) throws -> [UInt8] {
        let path = Self.repo.appendingPathComponent("roms/build/board/\(name).elf").path
        guard let d = FileManager.default.contents(atPath: path) else {
            throw XCTSkip("\(path) missing: run tools/build-board-roms.sh")
        }
        return [UInt8](d)
    }

    /// Boots serial-echo with `input`, returns (outcome, COM1 text, state hash, log).
    func runEcho(_ input: InputQueue) throws -> (RunOutcome, String, StateHash, [InputEvent]) {
        let m = try Machine(board: BoardConfiguration(memorySize: 64 << 20))
        try m.boot(kernel: try guest("serial-echo"))
        var out: [UInt8] = []
        m.devices?.serialOutput = { _, b in out.append(b) }
        m.input = input
        let outcome = m.run(maxInstructions: 50_000_000)
        return (outcome, String(decoding: out, as: UTF8.self), m.stateHash(), input.log)
    }

    func testInputLogRoundTripAndErrors() throws {
        let events = [InputEvent(instructions: 0, virtualNs: 0, kind: .serial(port: 0, byte: 0x41)),
                      InputEvent(instructions: 1000, virtualNs: 5000, kind: .serial(port: 3, byte: 0x0A)),
                      InputEvent(instructions: 1000, virtualNs: 9000, kind: .quit)]
        let text = InputLog.encode(events)
        XCTAssertEqual(text, "orrery-input 1\n0 0 serial 0 41\n1000 5000 serial 3 0a\n1000 9000 quit\n")
        XCTAssertEqual(try InputLog.decode(text), events)
        XCTAssertThrowsError(try InputLog.decode("")) { XCTAssertEqual(($0 as? InputLogError)?.line, 1) }
        XCTAssertThrowsError(try InputLog.decode("orrery-input 2\n"))
        XCTAssertThrowsError(try InputLog.decode("orrery-input 1\n5 5 serial 0 41\n4 9 serial 0 41\n")) {
            XCTAssertEqual(($0 as? InputLogError)?.line, 3)   // goes back in time
        }
        XCTAssertThrowsError(try InputLog.decode("orrery-input 1\n1 1 serial 4 41\n"))      // no COM5
        XCTAssertThrowsError(try InputLog.decode("orrery-input 1\n1 1 serial 0 141\n"))    // not a byte
        XCTAssertThrowsError(try InputLog.decode("orrery-input 1\n99999999999999999999 1 quit\n"))
    }

    func testLiveRunAndItsReplayEndInTheSameState() throws {
        // Live: bytes arrive in bursts at whatever polls the "host" chose, some while the guest
        // sleeps in HLT (virtual time then follows the fake host clock).
        let live = InputQueue(live: ScriptedInput([Array("hel".utf8), [], [], Array("lo\nwor".utf8), [], Array("ld\nq".utf8)]))
        let (o1, text1, hash1, log) = try runEcho(live)
        XCTAssertEqual(o1, .debugExit(0))
        // The guest's own rule (roms/board/serial-echo.c): upper-case echo, LF -> CR LF, 'q' ends.
        XCTAssertEqual(text1, "echo ready\r\nHELLO\r\nWORLD\r\n\r\nreceived 13 bytes\r\n")
        XCTAssertEqual(log.count, 13)
        XCTAssertTrue(log.contains { $0.virtualNs > $0.instructions }, "some input arrived while the CPU slept")
        // Replay (twice): same text, same state hash, and the replay logs the same events.
        for _ in 0..<2 {
            let (o2, text2, hash2, log2) = try runEcho(InputQueue(replay: log))
            XCTAssertEqual(o2, o1)
            XCTAssertEqual(text2, text1)
            XCTAssertEqual(hash2, hash1)
            XCTAssertEqual(log2, log)
        }
        // Different timing of the same bytes is a different run (the log is what makes it exact).
        // (bytes from the second on logged 1 us later: same text, another state)
        let shifted = log.enumerated().map { n, e in
            n == 0 ? e : InputEvent(instructions: e.instructions, virtualNs: e.virtualNs + 1000, kind: e.kind)
        }
        let (_, text3, hash3, _) = try runEcho(InputQueue(replay: shifted))
        XCTAssertEqual(text3, text1)
        XCTAssertNotEqual(hash3, hash1)
    }

    func testReplayedQuitStopsAtTheSamePoint() throws {
        let live = ScriptedInput([Array("ab".utf8), []])
        let q = InputQueue(live: live)
        let m = try Machine(board: BoardConfiguration(memorySize: 64 << 20))
        try m.boot(kernel: try guest("serial-echo"))
        m.input = q
        _ = m.run(maxInstructions: 3_000_000)
        XCTAssertEqual(q.log.count, 2)
        // A quit after the bytes: the replay ends with .userQuit at the logged position.
        var events = q.log
        let last = events[events.count - 1]
        events.append(InputEvent(instructions: last.instructions, virtualNs: last.virtualNs + 1_000_000, kind: .quit))
        let (o, _, _, log) = try runEcho(InputQueue(replay: events))
        XCTAssertEqual(o, .userQuit)
        XCTAssertEqual(log.last?.kind, .quit)
    }

    func testResetPathsRebootThroughTheLoaderOrStop() throws {
        let image = try guest("reset")
        func run(_ action: ResetAction, _ tf: TripleFaultPolicy) throws -> (RunOutcome, String, Machine) {
            let m = try Machine(board: BoardConfiguration(memorySize: 64 << 20))
            m.resetAction = action
            m.tripleFaultAction = tf
            try m.boot(kernel: image)
            let outcome = m.run(maxInstructions: 50_000_000)
            return (outcome, String(decoding: m.console.output, as: UTF8.self), m)
        }
        let (o, text, m) = try run(.reboot, .reset)
        XCTAssertEqual(o, .debugExit(0))
        XCTAssertEqual(m.resets, 4)
        // Each boot entered by the Multiboot loader again (magic in EAX), the CMOS counter kept.
        XCTAssertEqual(text.components(separatedBy: "magic 2badb002").count - 1, 5)
        XCTAssertTrue(text.hasSuffix("done after 4 resets\n"))
        // The CPU still reaches its local APIC (CR8, APIC MSRs) after the resets.
        XCTAssertNotNil(m.cpu.state.pointee.msr.apic)
        // Deterministic: a second machine ends in the same state.
        let (_, text2, m2) = try run(.reboot, .reset)
        XCTAssertEqual(text2, text)
        XCTAssertEqual(m2.stateHash(), m.stateHash())
        // Stop (the default): the first request ends the run; a triple fault stops with its status.
        let (o3, _, _) = try run(.stop, .stop)
        XCTAssertEqual(o3, .guestReset)
        XCTAssertEqual(o3.exitStatus, 12)
    }
}
