// Layer: Machine (the PC board). The one door through which host input (stdin today) reaches
// the guest (DESIGN §2). Live input is taken only at *poll boundaries*: every
// `pollInterval` retired instructions while the CPU runs, and at the virtual time the CPU is
// woken at while it sleeps in HLT. Each byte delivered into a UART's receive FIFO is logged with
// its position (instructions, virtual ns); replaying the log delivers the same bytes at the same
// positions, so a recorded run and its replay end in the same state hash. Host timing decides
// only *when* a byte arrives, and the log captures that decision.
//
// A byte waits in the host-side `pending` buffer while the FIFO is full (the guest has not read
// it yet): nothing is lost and nothing guest-visible depends on host timing.

import Devices
import EmulatorCore

/// A host input source (the CLI's terminal or pipe). Its host timing never reaches the guest
/// except through the positions the queue logs.
public protocol LiveInput: AnyObject {
    /// Bytes ready now, without blocking (may be empty); nil once the input has ended.
    func readAvailable() -> [UInt8]?
    /// Blocks up to `nanoseconds` of host time or until input is ready; returns the host
    /// nanoseconds that passed.
    func wait(upTo nanoseconds: UInt64) -> UInt64
    /// The user asked to end the run (the terminal's escape sequence).
    var quitRequested: Bool { get }
}

public final class InputQueue {
    /// Live input is polled every this many retired instructions (1 ms of virtual time at 1 GHz).
    public static let pollInterval: UInt64 = 1_000_000
    /// Longest host wait in one step while the CPU sleeps with nothing else due (the run loop
    /// comes back to show progress and notice a quit).
    public static let idleWaitStep: UInt64 = 100_000_000

    enum Source { case live(LiveInput), replay([InputEvent]) }
    let source: Source
    /// Which UART live input goes to (0 = COM1).
    public let port: UInt8
    /// Everything delivered so far, in order: the recording.
    public private(set) var log: [InputEvent] = []
    var pending: [UInt8] = []
    var next = 0                      // next replay event
    var liveEnded = false
    var lastPollAt: UInt64 = .max

    /// Live input (recorded into `log`) to COM`port+1`.
    public init(live: LiveInput, port: UInt8 = 0) { source = .live(live); self.port = port }
    /// Replays a recorded log (and records it again into `log`, which ends up identical).
    public init(replay events: [InputEvent]) { source = .replay(events); port = 0 }

    /// True while input may still arrive (a halted CPU then waits instead of halting forever).
    var isActive: Bool {
        switch source {
        case .live: return !liveEnded || !pending.isEmpty
        case .replay(let e): return next < e.count
        }
    }

    /// Delivers what is due at the machine's current position; returns true when the run must
    /// end (a quit). `wokenFromHalt`: the CPU sleeps and virtual time just moved (always a
    /// poll point for live input).
    func service(_ m: Machine, wokenFromHalt: Bool = false) -> Bool {
        let i = m.cpu.state.pointee.instructionsRetired
        let t = m.clock.now
        switch source {
        case .replay(let events):
            while next < events.count {
                let e = events[next]
                // Due: its instruction count is reached and, if the CPU slept there, its time.
                guard e.instructions < i || (e.instructions == i && e.virtualNs <= t) else { break }
                next += 1
                switch e.kind {
                case let .serial(p, b):
                    deliver(m, port: p, byte: b)
                case .quit:
                    log.append(InputEvent(instructions: i, virtualNs: t, kind: .quit))
                    return true
                }
            }
            return false
        case .live(let host):
            guard wokenFromHalt || (i % Self.pollInterval == 0 && i != lastPollAt) else { return false }
            lastPollAt = i
            if host.quitRequested {
                log.append(InputEvent(instructions: i, virtualNs: t, kind: .quit))
                return true
            }
            if !liveEnded {
                if let bytes = host.readAvailable() { pending += bytes } else { liveEnded = true }
            }
            if host.quitRequested {
                log.append(InputEvent(instructions: i, virtualNs: t, kind: .quit))
                return true
            }
            guard let uart = m.devices?.serial[Int(port)] else { pending.removeAll(); return false }
            var n = 0
            while n < pending.count, uart.canReceive {
                deliver(m, port: port, byte: pending[n])
                n += 1
            }
            pending.removeFirst(n)
            return false
        }
    }

    func deliver(_ m: Machine, port p: UInt8, byte: UInt8) {
        log.append(InputEvent(instructions: m.cpu.state.pointee.instructionsRetired, virtualNs: m.clock.now,
                              kind: .serial(port: p, byte: byte)))
        m.devices?.serial[Int(p & 3)].receive(byte: byte)
    }

    /// The most instructions the CPU may run before the queue must look again (nil: no limit).
    func budgetLimit(_ m: Machine) -> UInt64? {
        let i = m.cpu.state.pointee.instructionsRetired
        switch source {
        case .live:
            return liveEnded && pending.isEmpty ? nil : Self.pollInterval - i % Self.pollInterval
        case .replay(let events):
            guard next < events.count, events[next].instructions > i else { return nil }
            return events[next].instructions - i
        }
    }

    /// The CPU sleeps (HLT, interrupts on). Moves virtual time to the next point where something
    /// can happen: the next timer event (`deadline`) or the next input. Returns false when
    /// nothing can ever happen (no event and no input to come).
    func sleep(_ m: Machine, until deadline: UInt64?) -> Bool {
        let i = m.cpu.state.pointee.instructionsRetired
        let now = m.clock.now
        switch source {
        case .replay(let events):
            var wake = deadline
            if next < events.count, events[next].instructions <= i {
                wake = min(deadline ?? .max, max(events[next].virtualNs, now))
            }
            guard let w = wake else { return false }
            m.clock.skip(to: w)
            return true
        case .live(let host):
            // Interactive pacing (DESIGN §2): while the CPU sleeps, virtual time follows host
            // time, so input arrives at a virtual time the log records.
            if liveEnded && pending.isEmpty {
                guard let d = deadline else { return false }
                m.clock.skip(to: d)
                return true
            }
            // Bytes already read and room for one in the FIFO: deliver them now, no wait.
            if !pending.isEmpty, m.devices?.serial[Int(port)].canReceive ?? true { return true }
            let limit = deadline.map { $0 > now ? $0 - now : 0 } ?? Self.idleWaitStep
            let waited = limit == 0 ? 0 : host.wait(upTo: min(limit, Self.idleWaitStep))
            m.clock.skip(to: now &+ min(waited, limit))
            return true
        }
    }
}
