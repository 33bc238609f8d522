// Oracle test: roms/devices/portprobe.script run on the device models must read exactly what
// the same script read on QEMU (roms/devices/portprobe.expected, recorded by
// tools/run-portprobe-qemu.sh --record). The script documents the few places where Orrery follows
// the datasheets instead of QEMU (those bits are masked or not probed).

import XCTest
import EmulatorCore
@testable import Devices

final class PortProbeTests: XCTestCase {
    enum Op { case out(UInt16, UInt8), read(UInt16, UInt8), drain }

    static let romDir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../roms/devices").standardized

    static func parse(_ text: String) -> [Op] {
        var ops: [Op] = []
        for rawLine in text.split(separator: "\n") {
            let line = rawLine.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            var rest = Substring(line)
            while let open = rest.firstIndex(of: "("), let close = rest[open...].firstIndex(of: ")") {
                let name = rest[..<open].trimmingCharacters(in: .whitespaces)
                let args = rest[rest.index(after: open)..<close].split(separator: ",").map {
                    $0.trimmingCharacters(in: .whitespaces)
                }
                func num(_ s: String) -> Int { s.hasPrefix("0x") ? Int(s.dropFirst(2), radix: 16) ?? -1 : Int(s) ?? -1 }
                switch name {
                case "OUT": ops.append(.out(UInt16(num(args[0])), UInt8(num(args[1]))))
                case "IN": ops.append(.read(UInt16(num(args[0])), 0xFF))
                case "INM": ops.append(.read(UInt16(num(args[0])), UInt8(num(args[1]))))
                case "DRAIN": ops.append(.drain)
                default: XCTFail("unknown op \(name)")
                }
                rest = rest[rest.index(after: close)...]
            }
        }
        return ops
    }

    func testModelsReadWhatQEMUReads() throws {
        guard let script = try? String(contentsOf: Self.romDir.appendingPathComponent("portprobe.script"), encoding: .utf8),
              let expected = try? String(contentsOf: Self.romDir.appendingPathComponent("portprobe.expected"), encoding: .utf8)
        else { return XCTFail("roms/devices/portprobe.script or .expected missing") }

        let clock = VirtualClock()
        let events = EventQueue(clock: clock)
        let pic = PIC8259(), pit = PIT(clock: clock, events: events), rtc = RTC(clock: clock, events: events)
        let com2 = UART16550(name: "COM2"), kbc = I8042()
        // The PC board's port map for these devices.
        let map: [(UInt16, UInt16, BusDevice)] = [
            (0x20, 2, pic.masterPorts), (0xA0, 2, pic.slavePorts), (0x4D0, 2, pic.elcrPorts),
            (0x40, 4, pit.ports), (0x61, 1, pit.systemControlPort), (0x70, 2, rtc.ports),
            (0x2F8, 8, com2), (0x60, 1, kbc.dataPort), (0x64, 1, kbc.commandPort),
        ]
        func device(_ port: UInt16) -> (BusDevice, UInt64)? {
            for (base, n, d) in map where port >= base && port < base + n { return (d, UInt64(port - base)) }
            return nil
        }
        var lines: [String] = []
        for op in Self.parse(script) {
            clock.advance(by: 1000)                 // a microsecond per access, as a guest's OUT/IN roughly costs
            events.runDue()
            switch op {
            case let .out(p, v):
                guard let (d, o) = device(p) else { XCTFail("unmapped port \(p)"); continue }
                d.write(offset: o, size: 1, value: UInt64(v))
            case let .read(p, m):
                guard let (d, o) = device(p) else { XCTFail("unmapped port \(p)"); continue }
                let v = UInt8(truncatingIfNeeded: d.read(offset: o, size: 1)) & m
                let ps = String(p, radix: 16), vs = String(v, radix: 16)
                lines.append(String(repeating: "0", count: 4 - ps.count) + ps + " " + (vs.count < 2 ? "0" : "") + vs)
            case .drain:
                var n = 0
                while n < 64, kbc.commandPort.read(offset: 0, size: 1) & 1 != 0 { _ = kbc.dataPort.read(offset: 0, size: 1); n += 1 }
            }
        }
        let want = expected.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, want.count)
        for (i, (got, exp)) in zip(lines, want).enumerated() where got != exp {
            XCTFail("read \(i): Orrery \(got), QEMU \(exp)")
        }
    }
}
