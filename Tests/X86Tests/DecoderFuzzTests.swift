// Decoder robustness: random byte strings (deterministic, seeded) must decode to an instruction,
// a fault (#UD / #GP) or "truncated", never trap, hang or read past the bytes they were given.
// Each string sits at the END of a page whose successor is PROT_NONE, so a single byte of
// over-read is a segfault that kills the test run.
//
// 100,000 cases by default (debug builds); ORRERY_FUZZ_CASES=1000000 for the long run, e.g.
//   ORRERY_FUZZ_CASES=1000000 swift test -c release -Xswiftc -enable-testing --filter DecoderFuzz

import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
@testable import X86

/// SplitMix64 (named apart from DiffHarness.SplitMix64 so the test target has one meaning): tiny, fast, and the same sequence on every machine.
struct DecoderFuzzRNG {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
}

/// Two pages: the first readable/writable, the second PROT_NONE. `place` copies bytes so that
/// they end exactly at the guard page.
final class GuardPageBuffer {
    let base: UnsafeMutableRawPointer
    let pageSize: Int

    init() {
        pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))
        let p = mmap(nil, 2 * pageSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
        guard let p, p != MAP_FAILED else { fatalError("mmap failed") }
        base = p
        precondition(mprotect(base + pageSize, pageSize, PROT_NONE) == 0, "mprotect failed")
    }

    deinit { munmap(base, 2 * pageSize) }

    func place(_ bytes: UnsafeBufferPointer<UInt8>) -> UnsafeRawPointer {
        let start = base + (pageSize - bytes.count)
        start.copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
        return UnsafeRawPointer(start)
    }
}

final class DecoderFuzzTests: XCTestCase {
    static let prefixes: [UInt8] = [0x66, 0x67, 0xF2, 0xF3, 0xF0, 0x2E, 0x3E, 0x26, 0x36, 0x64, 0x65]

    /// A byte biased toward the interesting parts of the encoding space.
    static func biasedByte(_ rng: inout DecoderFuzzRNG, previous: UInt8?) -> UInt8 {
        let r = rng.below(100)
        if previous == 0x0F && r < 25 { return rng.below(2) == 0 ? 0x38 : 0x3A }
        switch r {
        case 0..<25: return prefixes[rng.below(prefixes.count)]
        case 25..<38: return UInt8(0x40 + rng.below(16))   // REX
        case 38..<48: return 0x0F
        default: return UInt8(truncatingIfNeeded: rng.next())
        }
    }

    struct Summary: Equatable {
        var length = 0, kind = 0, imm: UInt64 = 0, disp: Int64 = 0, base = 0, index = 0, opsize = 0
        var fault: CPUFault? = nil, failure: DecodeFailure? = nil, mnemonic = ""
    }

    static func summarize(_ o: DecodeOutcome) -> Summary {
        var s = Summary()
        switch o {
        case let .instruction(di, info):
            s.kind = 1; s.length = Int(di.length); s.imm = di.imm; s.disp = info.disp
            s.base = info.base; s.index = info.index; s.opsize = info.operandSizeBytes
            s.mnemonic = info.entry?.mnemonic ?? ""
        case let .fault(f, info):
            s.kind = 2; s.fault = f; s.failure = info.failure; s.length = info.length
            s.mnemonic = info.entry?.mnemonic ?? ""
        case .truncated:
            s.kind = 3
        }
        return s
    }

    func testRandomByteStrings() {
        let cases = ProcessInfo.processInfo.environment["ORRERY_FUZZ_CASES"].flatMap { Int($0) } ?? 100_000
        let buffer = GuardPageBuffer()
        var rng = DecoderFuzzRNG(seed: 0x0DDB_A11_5EED)
        var bytes = [UInt8](repeating: 0, count: 20)
        var counts = [0, 0, 0, 0, 0]   // instruction, #UD, #GP, truncated, lock-checked
        var failures = 0
        let start = Date()

        for n in 0..<cases {
            let length = 1 + rng.below(20)
            var prev: UInt8? = nil
            // One case in 32 starts with a long prefix run (the 15-byte limit).
            let prefixRun = rng.below(32) == 0 ? min(length, 10 + rng.below(8)) : 0
            for k in 0..<length {
                bytes[k] = k < prefixRun ? Self.prefixes[rng.below(Self.prefixes.count)] : Self.biasedByte(&rng, previous: prev)
                prev = bytes[k]
            }
            let mode: CPUMode = rng.below(8) == 0 ? .protected32 : .long64
            let address = rng.next()
            let outcome = bytes.withUnsafeBufferPointer { buf -> DecodeOutcome in
                let p = buffer.place(UnsafeBufferPointer(rebasing: buf[0..<length]))
                let first = Decoder.decode(p, available: length, address: address, mode: mode)
                // Deterministic: the same bytes decode the same way.
                let again = Decoder.decode(p, available: length, address: address, mode: mode)
                if Self.summarize(first) != Self.summarize(again) {
                    failures += 1
                    XCTFail("case \(n): nondeterministic decode")
                }
                return first
            }
            switch outcome {
            case let .instruction(di, info):
                counts[0] += 1
                if Int(di.length) > Decoder.maxLength || Int(di.length) > length || Int(di.length) != info.length {
                    failures += 1
                    XCTFail("case \(n): length \(di.length) of \(length) bytes")
                }
                // LOCK in front of a decoded instruction: #UD unless lockable with a memory
                // destination (or #GP if that makes it longer than 15 bytes).
                if length < 20, info.length < Decoder.maxLength, let entry = info.entry {
                    counts[4] += 1
                    let locked = [0xF0] + bytes[0..<info.length]
                    let o = locked.withUnsafeBufferPointer { buf in
                        Decoder.decode(buffer.place(buf), available: locked.count, address: address, mode: mode)
                    }
                    let allowed = entry.attributes.contains(.lockable) && info.isMemory
                    switch o {
                    case .instruction:
                        if !allowed { failures += 1; XCTFail("case \(n): LOCK accepted on \(entry.mnemonic)") }
                    case let .fault(f, i):
                        if allowed && i.failure != .missingHandler {
                            failures += 1; XCTFail("case \(n): LOCK refused on \(entry.mnemonic): \(f)")
                        }
                        if !allowed && (f != .ud || i.failure != .lockNotAllowed) {
                            failures += 1; XCTFail("case \(n): LOCK on \(entry.mnemonic) gave \(f)")
                        }
                    case .truncated:
                        failures += 1; XCTFail("case \(n): LOCK made it truncated")
                    }
                }
            case let .fault(f, info):
                if f == .ud { counts[1] += 1 } else if f == .gp(0) { counts[2] += 1 } else {
                    failures += 1; XCTFail("case \(n): unexpected fault \(f)")
                }
                if info.length < 1 || info.length > Decoder.maxLength || info.length > length {
                    failures += 1; XCTFail("case \(n): fault length \(info.length) of \(length)")
                }
                if f == .gp(0) && info.failure != .tooLong {
                    failures += 1; XCTFail("case \(n): #GP without tooLong")
                }
                // More than 15 bytes of prefixes is always #GP.
            case .truncated:
                counts[3] += 1
                // Truncation is only possible when fewer than 15 bytes were available.
                if length >= Decoder.maxLength { failures += 1; XCTFail("case \(n): truncated with \(length) bytes") }
            }
            if failures > 20 { break }
        }
        let seconds = Date().timeIntervalSince(start)
        print("DecoderFuzz: \(cases) cases in \(String(format: "%.2f", seconds)) s: \(counts[0]) instructions, "
              + "\(counts[1]) #UD, \(counts[2]) #GP, \(counts[3]) truncated; \(counts[4]) LOCK checks")
        XCTAssertGreaterThan(counts[0], cases / 10)
        XCTAssertGreaterThan(counts[1], 0)
        XCTAssertGreaterThan(counts[2], 0)
        XCTAssertGreaterThan(counts[3], 0)
    }

    /// 16 or more bytes of prefixes: #GP(0) whatever follows, in both modes.
    func testLongPrefixRunsAreGP() {
        let buffer = GuardPageBuffer()
        var rng = DecoderFuzzRNG(seed: 42)
        for _ in 0..<2000 {
            let count = 15 + rng.below(6)
            let mode: CPUMode = rng.below(2) == 0 ? .long64 : .protected32
            var bytes = (0..<count).map { _ in Self.prefixes[rng.below(Self.prefixes.count)] }
            if mode == .long64 && rng.below(2) == 0 { bytes[count - 1] = UInt8(0x40 + rng.below(16)) }  // end in a REX
            bytes += [0x90]
            let o = bytes.withUnsafeBufferPointer { buf in
                Decoder.decode(buffer.place(buf), available: buf.count, address: 0, mode: mode)
            }
            guard case let .fault(f, info) = o, f == .gp(0), info.failure == .tooLong else {
                XCTFail("\(bytes): expected #GP, got \(o)"); return
            }
            XCTAssertEqual(info.length, Decoder.maxLength)
        }
    }

    /// Every truncation of every valid instruction in a small corpus: truncated, never a wrong
    /// instruction, and never a read past the end (guard page).
    func testEveryPrefixOfValidInstructions() {
        let buffer = GuardPageBuffer()
        let corpus: [[UInt8]] = [
            [0x48, 0x81, 0x84, 0x88, 1, 2, 3, 4, 5, 6, 7, 8],
            [0x48, 0xB8, 1, 2, 3, 4, 5, 6, 7, 8],
            [0x66, 0x67, 0xF3, 0xA5],
            [0x0F, 0x38, 0xF0, 0x44, 0x24, 0x08],
            [0xC8, 0x10, 0x00, 0x01],
            [0x67, 0xA1, 1, 2, 3, 4],
            [0x64, 0x48, 0x8B, 0x04, 0x25, 0x28, 0, 0, 0],
        ]
        for insn in corpus {
            let full = insn.withUnsafeBufferPointer { Decoder.decode(buffer.place($0), available: $0.count, address: 0, mode: .long64) }
            let fullLength: Int
            switch full {
            case let .instruction(_, i): fullLength = i.length
            case let .fault(_, i) where i.failure == .missingHandler: fullLength = i.length
            default: XCTFail("\(insn) does not decode: \(full)"); continue
            }
            XCTAssertEqual(fullLength, insn.count)
            for cut in 1..<insn.count {
                let part = Array(insn[0..<cut])
                let o = part.withUnsafeBufferPointer { Decoder.decode(buffer.place($0), available: cut, address: 0, mode: .long64) }
                if case .truncated = o {} else { XCTFail("\(part): expected truncated, got \(o)") }
            }
        }
    }
}
