// Layer: X86 (CPU model). Architectural exceptions raised by instructions. Handlers throw them
// with typed throws; the interpreter restores RIP to the faulting instruction (for traps: leaves
// it after the instruction) and reports or (from [3/6] on) delivers them through the IDT.

/// An interrupt vector (0-255). The architectural exceptions have names; INT n can raise any
/// vector, so this is a struct with named constants rather than an enum.
public struct ExceptionVector: RawRepresentable, Hashable, Sendable {
    public let rawValue: UInt8
    @inlinable public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static var divideError: ExceptionVector { .init(rawValue: 0) }          // #DE
    public static var debug: ExceptionVector { .init(rawValue: 1) }                // #DB
    public static var breakpoint: ExceptionVector { .init(rawValue: 3) }           // #BP
    public static var overflow: ExceptionVector { .init(rawValue: 4) }             // #OF
    public static var boundRange: ExceptionVector { .init(rawValue: 5) }           // #BR
    public static var invalidOpcode: ExceptionVector { .init(rawValue: 6) }        // #UD
    public static var deviceNotAvailable: ExceptionVector { .init(rawValue: 7) }   // #NM
    public static var doubleFault: ExceptionVector { .init(rawValue: 8) }          // #DF
    public static var invalidTSS: ExceptionVector { .init(rawValue: 10) }          // #TS
    public static var segmentNotPresent: ExceptionVector { .init(rawValue: 11) }   // #NP
    public static var stackFault: ExceptionVector { .init(rawValue: 12) }          // #SS
    public static var generalProtection: ExceptionVector { .init(rawValue: 13) }   // #GP
    public static var pageFault: ExceptionVector { .init(rawValue: 14) }           // #PF
    public static var x87: ExceptionVector { .init(rawValue: 16) }                 // #MF
    public static var alignmentCheck: ExceptionVector { .init(rawValue: 17) }      // #AC
    public static var simd: ExceptionVector { .init(rawValue: 19) }                // #XM
}

/// An exception raised while executing one instruction.
public struct CPUFault: Error, Equatable, Sendable, CustomStringConvertible {
    public var vector: ExceptionVector
    public var errorCode: UInt32?
    /// Trap-class events (INT3, INT n, INTO) complete their instruction: the interpreter leaves
    /// RIP at the *next* instruction and counts the instruction as retired. Faults (the default)
    /// restore RIP to the faulting instruction.
    public var isTrap: Bool
    /// Internal: a #GP(0) raised because a data address was outside its segment (not canonical
    /// in 64-bit mode, past 4 GiB otherwise). Through the SS segment (RSP/RBP base; in 32-bit
    /// mode also an SS override) that is #SS(0) instead; only the interpreter knows the
    /// operand's segment, so it converts and clears this flag.
    public var nonCanonical: Bool = false
    /// A #DB the CPU itself raises (single-step, breakpoint, general detect, ICEBP), as opposed
    /// to the software interrupt INT 1: delivered as an exception (no gate DPL check).
    public var hardwareDebug: Bool = false

    @inlinable public init(_ vector: ExceptionVector, errorCode: UInt32? = nil, trap: Bool = false) {
        self.vector = vector; self.errorCode = errorCode; self.isTrap = trap
    }

    public static let ud = CPUFault(.invalidOpcode)
    public static let de = CPUFault(.divideError)
    @inlinable public static func gp(_ code: UInt32 = 0) -> CPUFault { CPUFault(.generalProtection, errorCode: code) }
    @inlinable public static func ss(_ code: UInt32 = 0) -> CPUFault { CPUFault(.stackFault, errorCode: code) }
    /// INT3 (and INT 3): #BP, a trap.
    public static let bp = CPUFault(.breakpoint, trap: true)
    /// A #DB trap (single-step, data or I/O breakpoint, ICEBP): RIP after the instruction.
    public static var debugTrap: CPUFault { var f = CPUFault(.debug, trap: true); f.hardwareDebug = true; return f }
    /// A #DB fault (instruction breakpoint, DR7.GD general detect): RIP at the instruction.
    public static var debugFault: CPUFault { var f = CPUFault(.debug); f.hardwareDebug = true; return f }
    /// INT n: a software interrupt of vector n, reported as a trap until the IDT exists ([3/6]).
    @inlinable public static func softwareInterrupt(_ n: UInt8) -> CPUFault {
        CPUFault(ExceptionVector(rawValue: n), trap: true)
    }

    public var description: String {
        let names: [UInt8: String] = [0: "#DE", 1: "#DB", 3: "#BP", 4: "#OF", 5: "#BR", 6: "#UD", 7: "#NM",
                                      8: "#DF", 10: "#TS", 11: "#NP", 12: "#SS", 13: "#GP", 14: "#PF",
                                      16: "#MF", 17: "#AC", 19: "#XM"]
        let n = names[vector.rawValue] ?? "vector \(vector.rawValue)"
        let t = isTrap ? " (trap)" : ""
        if let e = errorCode { return "\(n)(0x\(String(e, radix: 16)))\(t)" }
        return n + t
    }
}
