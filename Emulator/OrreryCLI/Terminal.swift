// Layer: OrreryCLI. The host side of the serial console: stdin as the machine's live input
// (Machine/InputQueue logs every byte's position), the terminal in raw mode while the guest
// runs, the escape sequence that quits, and the status line on stderr.
//
// Escape sequence (as QEMU's -serial stdio): Ctrl-A x quits (exit status 14, logged as `quit`
// so a replay stops at the same point); Ctrl-A Ctrl-A (or Ctrl-A a) sends one Ctrl-A to the
// guest; Ctrl-A h prints this help on stderr. Other keys after Ctrl-A are dropped.
//
// The terminal is restored on every exit path: normal return, `exit()` (atexit), and the
// signals that end a process (SIGTERM, SIGHUP, SIGQUIT, SIGINT from outside: raw mode turns off
// the keyboard's own signals, so Ctrl-C goes to the guest as byte 0x03).

import Foundation
import Machine
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The terminal settings to put back (written once before raw mode starts; read by the
/// restore path, which may run in a signal handler: plain C data only).
nonisolated(unsafe) private var savedTermios = termios()
nonisolated(unsafe) private var termiosSaved = false

private func restoreTerminal() {
    if termiosSaved { _ = tcsetattr(STDIN_FILENO, TCSANOW, &savedTermios) }
}

private func restoreAndReraise(_ sig: Int32) {
    restoreTerminal()
    signal(sig, SIG_DFL)
    raise(sig)
}

/// Host monotonic nanoseconds (only for pacing host waits and reports; never guest state).
func hostNanoseconds() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
}

/// stdin as the machine's live input. On a terminal it switches to raw mode (restored by
/// `restore()` and on every exit path) and interprets the Ctrl-A escape sequence.
final class StdinInput: LiveInput {
    let fd = STDIN_FILENO
    let isTerminal: Bool
    private var escape = false
    private(set) var quitRequested = false
    private var ended = false

    init() {
        isTerminal = isatty(STDIN_FILENO) != 0
        guard isTerminal, tcgetattr(fd, &savedTermios) == 0 else { return }
        termiosSaved = true
        atexit { restoreTerminal() }
        for s in [SIGTERM, SIGHUP, SIGQUIT, SIGINT] { signal(s) { restoreAndReraise($0) } }
        var raw = savedTermios
        cfmakeraw(&raw)
        // Keep output processing (LF -> CR LF) so guests that print bare "\n" look right, as QEMU.
        raw.c_oflag |= tcflag_t(OPOST | ONLCR)
        _ = tcsetattr(fd, TCSANOW, &raw)
    }

    func restore() { restoreTerminal() }

    func readAvailable() -> [UInt8]? {
        if ended { return nil }
        var out: [UInt8] = []
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        while poll(&pfd, 1, 0) > 0 {
            var buf = [UInt8](repeating: 0, count: 256)
            let n = read(fd, &buf, buf.count)
            if n <= 0 { ended = true; break }
            for b in buf[0..<n] { filter(b, into: &out) }
            if quitRequested { break }
        }
        if ended && out.isEmpty { return nil }
        return out
    }

    /// The Ctrl-A escape sequence (terminal only; a pipe passes every byte through).
    private func filter(_ b: UInt8, into out: inout [UInt8]) {
        guard isTerminal else { out.append(b); return }
        if escape {
            escape = false
            switch b {
            case UInt8(ascii: "x"), UInt8(ascii: "X"): quitRequested = true
            case 0x01, UInt8(ascii: "a"): out.append(0x01)
            case UInt8(ascii: "h"), UInt8(ascii: "?"):
                FileHandle.standardError.write("\r\norrery: Ctrl-A x quit, Ctrl-A Ctrl-A send Ctrl-A, Ctrl-A h help\r\n".data(using: .utf8)!)
            default: break
            }
        } else if b == 0x01 {
            escape = true
        } else {
            out.append(b)
        }
    }

    func wait(upTo nanoseconds: UInt64) -> UInt64 {
        let start = hostNanoseconds()
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let ms = Int32(clamping: (nanoseconds + 999_999) / 1_000_000)
        if ended { usleep(useconds_t(clamping: nanoseconds / 1000)) } else { _ = poll(&pfd, 1, ms) }
        return min(hostNanoseconds() &- start, nanoseconds)
    }
}

/// The status line on stderr during long runs: instructions, MIPS, virtual time. Only on a
/// terminal and never with --json; erased before guest output and at exit.
final class StatusLine {
    let enabled: Bool
    let startWall = hostNanoseconds()
    private var lastDraw: UInt64 = 0
    private var shown = false
    /// Draws start after this much wall time (short runs never see it).
    static let delay: UInt64 = 2_000_000_000
    static let period: UInt64 = 500_000_000

    init(enabled: Bool) { self.enabled = enabled }

    func update(instructions: UInt64, virtualNs: UInt64) {
        guard enabled else { return }
        let now = hostNanoseconds()
        let wall = now &- startWall
        guard wall >= Self.delay, now &- lastDraw >= Self.period else { return }
        lastDraw = now
        let mips = Double(instructions) / (Double(wall) / 1e3)
        let text = String(format: "\r\u{1b}[K[orrery] %.3e instructions  %.0f MIPS  virtual %.3f s  (Ctrl-A x quits)",
                          Double(instructions), mips, Double(virtualNs) / 1e9)
        FileHandle.standardError.write(text.data(using: .utf8)!)
        shown = true
    }

    /// Removes the line (before guest output reaches the same terminal, and at exit).
    func erase() {
        guard shown else { return }
        shown = false
        FileHandle.standardError.write("\r\u{1b}[K".data(using: .utf8)!)
    }
}
