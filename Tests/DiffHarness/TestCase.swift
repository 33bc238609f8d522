// Layer: Tests (differential harness). What one differential case is (instruction bytes plus
// the complete input state) and what running it produced (on the host CPU or in the emulator).

import HostOracle

/// Fixed addresses, identical on both sides (see HostOracle.h).
public enum Layout {
    public static let codeAddress: UInt64 = 0x100000
    public static let codeSize = 0x1000
    public static let dataAddress: UInt64 = 0x200000
    public static let dataSize = 0x10000
    public static let dataEnd: UInt64 = dataAddress + UInt64(dataSize)
    /// Where the instruction under test starts (mid-page so short branches either way stay in it).
    public static let defaultOffset = 0x800
}

public struct TestCase {
    public var family: String
    /// Short description ("add Ev,Gv"), also the key for undefined-flag statistics.
    public var name: String
    public var code: [UInt8]
    public var codeOffset: Int = Layout.defaultOffset
    /// rax rcx rdx rbx rsp rbp rsi rdi r8..r15.
    public var regs: [UInt64]
    /// Input RFLAGS (only arithmetic flags and DF vary; TF and AC are always 0).
    public var rflags: UInt64
    /// Bytes written over the data image before the run: (offset into the data pages, bytes).
    public var patches: [(offset: Int, bytes: [UInt8])] = []
    /// Flags the SDM leaves undefined after this instruction with these operands.
    public var undefinedFlags: UInt64 = 0
    /// Registers (bit per GPR) whose result is architecturally undefined.
    public var undefinedRegs: UInt16 = 0
    /// Data-page range whose result is architecturally undefined.
    public var undefinedMemory: Range<Int>? = nil
    /// REP string instructions: the emulator may retire each iteration as one instruction, so it
    /// runs until RIP leaves the instruction (the host runs the whole REP before the int3).
    public var repeatUntilDone = false
    /// Random bytes: the host measures the first instruction's length (page-end probing) and
    /// the bytes after it are replaced by int3, so both sides run exactly one instruction.
    public var probeLength = false
    /// 32-bit compatibility mode (CS = 0x23) instead of 64-bit mode.
    public var mode32 = false
    /// XMM0-XMM15 as 32 little-endian qwords (lo, hi per register) and MXCSR.
    public var xmm = [UInt64](repeating: 0, count: 32)
    public var mxcsr: UInt32 = 0x1F80
    /// x87 input state (see X87State).
    public var x87 = X87State()
    /// Status-word bits architecturally undefined after this case (e.g. C0 C2 C3 after FLD).
    public var undefinedStatus: UInt16 = 0
    /// Low significand bits of the x87 registers that are model-specific (transcendentals):
    /// compared masked; a difference there is reported as an undefined-result disagreement.
    public var x87LowBitsUndefined = 0
    /// RCPPS/RCPSS/RSQRTPS/RSQRTSS: the low `approximateLanes` binary32 lanes of XMM register
    /// `approximateRegister` are model-specific approximations; they are compared within the
    /// architectural error bound instead of bit for bit (see Compare.swift).
    public var approximateRegister: Int? = nil
    public var approximateLanes = 0

    public init(family: String, name: String, code: [UInt8], regs: [UInt64], rflags: UInt64) {
        self.family = family; self.name = name; self.code = code; self.regs = regs; self.rflags = rflags
    }

    public var ripAddress: UInt64 { Layout.codeAddress + UInt64(codeOffset) }
}

/// How a run ended.
public enum Event: Equatable, CustomStringConvertible {
    /// The instruction completed (the host reached the int3 that follows, or jumped away).
    case completed
    /// An exception with its vector and (where Linux reports it) error code.
    case exception(vector: Int, errorCode: UInt64)
    /// Host only: a page fault on an unmapped page (the emulator has no paging yet): not comparable.
    case hostPageFault(address: UInt64, errorCode: UInt64)
    /// Host only: the case ran away (e.g. `jmp $`) and was stopped.
    case timeout
    /// Emulator only: HLT.
    case halted

    public var description: String {
        switch self {
        case .completed: return "completed"
        case let .exception(v, e): return "\(Event.vectorName(v))(err 0x\(String(e, radix: 16)))"
        case let .hostPageFault(a, e): return "host #PF at 0x\(String(a, radix: 16)) (err 0x\(String(e, radix: 16)))"
        case .timeout: return "timeout"
        case .halted: return "halted"
        }
    }

    public static func vectorName(_ v: Int) -> String {
        let names = [0: "#DE", 1: "#DB", 3: "#BP", 4: "#OF", 5: "#BR", 6: "#UD", 7: "#NM", 8: "#DF",
                     10: "#TS", 11: "#NP", 12: "#SS", 13: "#GP", 14: "#PF", 16: "#MF", 17: "#AC", 19: "#XM"]
        return names[v] ?? "vector \(v)"
    }
}

public struct Outcome {
    public var event: Event
    public var regs: [UInt64]
    public var rip: UInt64
    public var rflags: UInt64
    public var xmm = [UInt64](repeating: 0, count: 32)
    public var mxcsr: UInt32 = 0x1F80
    public var x87 = X87State()
}

/// The x87 state as an FXSAVE image shows it: control, status, abridged tag word (bit per
/// physical register), FOP/FIP/FDP, and ST(0)..ST(7) in stack order as (significand,
/// sign+exponent) pairs. The default is the FNINIT state.
public struct X87State: Equatable {
    public var fcw: UInt16 = 0x037F
    public var fsw: UInt16 = 0
    public var ftw: UInt8 = 0
    public var fop: UInt16 = 0
    public var fip: UInt64 = 0
    public var fdp: UInt64 = 0
    public var st = [UInt64](repeating: 0, count: 16)
    public init() {}
}
