// KernelCoreTests: command line, log ring buffer, ring buffer.

import XCTest
@testable import KernelCore

final class CommandLineTests: XCTestCase {
    func s(_ b: [UInt8]?) -> String? { b.map { String(decoding: $0, as: UTF8.self) } }

    func testKnownAndUnknownKeys() {
        let c = KernelCommandLine("console=ttyS0,115200 loglevel=7 init=/sbin/init selftest foo=bar quiet")
        XCTAssertEqual(s(c.console), "ttyS0,115200")
        XCTAssertEqual(c.logLevel, 7)
        XCTAssertEqual(s(c.initPath), "/sbin/init")
        XCTAssertTrue(c.selftest)
        XCTAssertEqual(s(c.value(for: "foo")), "bar")
        XCTAssertTrue(c.has("quiet"))
        XCTAssertNil(c.value(for: "quiet"))
        XCTAssertEqual(c.parameters.count, 6)
    }

    func testQuotesDashesAndEdgeCases() {
        let c = KernelCommandLine(Array("  init=\"/bin/sh -x\"\tconsole=tty0 console=ttyS1 loglevel=abc selftest=0 =x -- a \"b c\"".utf8) + [0, 0x41])
        XCTAssertEqual(s(c.initPath), "/bin/sh -x")
        XCTAssertEqual(c.consoles.map { s($0)! }, ["tty0", "ttyS1"])
        XCTAssertEqual(s(c.console), "ttyS1", "the last console= is the primary one")
        XCTAssertNil(c.logLevel, "malformed loglevel is kept but not applied")
        XCTAssertEqual(s(c.value(for: "loglevel")), "abc")
        XCTAssertFalse(c.selftest)
        XCTAssertEqual(c.initArguments.map { s($0)! }, ["a", "b c"])
        XCTAssertFalse(c.has("A"), "a NUL ends the command line")
        XCTAssertEqual(KernelCommandLine("loglevel=99999999999999").logLevel, nil, "no overflow")
        XCTAssertTrue(KernelCommandLine("selftest=yes").selftest)
        XCTAssertTrue(KernelCommandLine("").parameters.isEmpty)
        XCTAssertEqual(KernelCommandLine("init=").initPath, nil)
    }
}

final class KernelLogTests: XCTestCase {
    func text(_ r: LogRecord) -> String { String(decoding: r.text, as: UTF8.self) }

    func testAppendReadInOrder() {
        var log = KernelLog(capacity: 4096)
        _ = log.append(level: .info, timestamp: 10, "hello")
        _ = log.append(level: .error, timestamp: 20, "oops")
        let r = log.read(from: 0)
        XCTAssertEqual(r.records.map(text), ["hello", "oops"])
        XCTAssertEqual(r.records[1].level, .error)
        XCTAssertEqual(r.records[1].timestamp, 20)
        XCTAssertEqual(r.nextSequence, 2)
        XCTAssertEqual(log.read(from: 2).records.count, 0)
        XCTAssertEqual(log.record(sequence: 1).map(text), "oops")
        XCTAssertTrue(log.shouldPrint(.error))
        XCTAssertFalse(log.shouldPrint(.debug))
    }

    func testOverwritesOldestWholeRecords() {
        var log = KernelLog(capacity: 200)
        for i in 0..<100 { _ = log.append(level: .notice, timestamp: UInt64(i), "message \(i)") }
        XCTAssertEqual(log.nextSequence, 100)
        XCTAssertGreaterThan(log.droppedRecords, 0)
        var seen: [String] = []
        log.forEach { seen.append(text($0)) }
        XCTAssertEqual(seen.last, "message 99")
        XCTAssertEqual(seen.count, log.count)
        XCTAssertEqual(seen, (100 - log.count..<100).map { "message \($0)" }, "contiguous, in order, no torn records")
        let r = log.read(from: 0, max: 2)
        XCTAssertEqual(r.missed, log.firstSequence)
        XCTAssertEqual(r.records.map { $0.sequence }, [log.firstSequence, log.firstSequence + 1])
        XCTAssertEqual(r.nextSequence, log.firstSequence + 2)
        // A message bigger than the ring is truncated, and the ring holds only it.
        log.append(level: .debug, timestamp: 0, text: [UInt8](repeating: 0x41, count: 1000))
        XCTAssertEqual(log.count, 1)
        XCTAssertEqual(log.read(from: 0).records[0].text.count, 200 - 19)
    }

    func testWrapAroundStress() {
        var log = KernelLog(capacity: 1000)
        var rng = SplitMix(state: 3)
        var cursor: UInt64 = 0
        var expected: [Int: String] = [:]
        for i in 0..<3000 {
            let msg = String(repeating: "x", count: rng.below(60)) + "#\(i)"
            expected[i] = msg
            _ = log.append(level: .info, timestamp: UInt64(i), msg)
            if rng.below(4) == 0 {
                let r = log.read(from: cursor)
                for rec in r.records { XCTAssertEqual(text(rec), expected[Int(rec.sequence)]) }
                cursor = r.nextSequence
            }
        }
    }
}

final class RingBufferTests: XCTestCase {
    func testFIFOAndOverwrite() {
        var rb = RingBuffer<UInt8>(capacity: 3, filler: 0)
        XCTAssertTrue(rb.push(1)); XCTAssertTrue(rb.push(2)); XCTAssertTrue(rb.push(3))
        XCTAssertFalse(rb.push(4))
        XCTAssertTrue(rb.isFull)
        XCTAssertEqual(rb.pop(), 1)
        XCTAssertFalse(rb.pushOverwriting(5))
        XCTAssertTrue(rb.pushOverwriting(6))
        XCTAssertEqual([rb[0], rb[1], rb[2]], [3, 5, 6])
        XCTAssertNil(rb[3])
        XCTAssertEqual(rb.pop(), 3); XCTAssertEqual(rb.pop(), 5); XCTAssertEqual(rb.pop(), 6)
        XCTAssertNil(rb.pop())
        XCTAssertTrue(rb.isEmpty)
    }
}
