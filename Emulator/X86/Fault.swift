// Layer: X86 (CPU model). Architectural exceptions raised by instructions. Handlers throw them
// with typed throws; the interpreter restores RIP to the faulting instruction and reports or
// (from [3/6] on) delivers them through the IDT.

public enum ExceptionVector: UInt8, Sendable {
    case divideError = 0        // #DE
    case debug = 1              // #DB
    case breakpoint = 3         // #BP
    case overflow = 4           // #OF
    case boundRange = 5         // #BR
    case invalidOpcode = 6      // #UD
    case deviceNotAvailable = 7 // #NM
    case doubleFault = 8        // #DF
    case invalidTSS = 10        // #TS
    case segmentNotPresent = 11 // #NP
    case stackFault = 12        // #SS
    case generalProtection = 13 // #GP
    case pageFault = 14         // #PF
    case x87 = 16               // #MF
    case alignmentCheck = 17    // #AC
    case simd = 19              // #XM
}

/// An exception raised while executing one instruction.
public struct CPUFault: Error, Equatable, Sendable, CustomStringConvertible {
    public var vector: ExceptionVector
    public var errorCode: UInt32?

    @inlinable public init(_ vector: ExceptionVector, errorCode: UInt32? = nil) {
        self.vector = vector; self.errorCode = errorCode
    }

    public static let ud = CPUFault(.invalidOpcode)
    public static let de = CPUFault(.divideError)
    @inlinable public static func gp(_ code: UInt32 = 0) -> CPUFault { CPUFault(.generalProtection, errorCode: code) }
    @inlinable public static func ss(_ code: UInt32 = 0) -> CPUFault { CPUFault(.stackFault, errorCode: code) }

    public var description: String {
        let names: [UInt8: String] = [0: "#DE", 1: "#DB", 3: "#BP", 4: "#OF", 5: "#BR", 6: "#UD", 7: "#NM",
                                      8: "#DF", 10: "#TS", 11: "#NP", 12: "#SS", 13: "#GP", 14: "#PF",
                                      16: "#MF", 17: "#AC", 19: "#XM"]
        let n = names[vector.rawValue] ?? "vector \(vector.rawValue)"
        if let e = errorCode { return "\(n)(0x\(String(e, radix: 16)))" }
        return n
    }
}
