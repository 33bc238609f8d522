// Layer: X86 (CPU model). The architectural state of one x86-64 CPU, kept in one struct that
// instruction handlers reach through a pointer (no ARC, no exclusivity checks, no copies).
//
// The register file is a small raw array so that a decoded instruction can name a register
// operand by its *byte offset*: AL is offset 0, AH offset 1 (little-endian), RCX offset 8, ...
// That makes 8/16/32/64-bit register access one load or store with no branches.

import EmulatorCore

/// Index of each 64-bit slot in the register file.
public enum Reg {
    public static let rax = 0, rcx = 1, rdx = 2, rbx = 3, rsp = 4, rbp = 5, rsi = 6, rdi = 7
    public static let r8 = 8, r9 = 9, r10 = 10, r11 = 11, r12 = 12, r13 = 13, r14 = 14, r15 = 15
    /// RIP lives in the register file so RIP-relative addressing is just "base register 16".
    /// While an instruction executes it holds the address of the *next* instruction.
    public static let rip = 16
    /// Always zero: the base/index of an address with no base or no index register.
    public static let zero = 17
    public static let count = 18
    public static let names64 = ["rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
                                 "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "rip", "0"]
}

/// Segment register numbers as encoded in instructions (ModRM.reg of MOV Sreg, prefixes).
public enum Seg {
    public static let es = 0, cs = 1, ss = 2, ds = 3, fs = 4, gs = 5
    public static let names = ["es", "cs", "ss", "ds", "fs", "gs"]
    /// Slot 6 of the segment-base table: a constant zero base (ES/CS/DS in 64-bit mode).
    public static let flat64 = 6
    /// Slot 7: also a zero base, for SS in 64-bit mode; kept apart because a non-canonical
    /// address through SS raises #SS rather than #GP.
    public static let stack64 = 7
}

/// What the decoder needs to know about the current mode.
public enum CPUMode: UInt8, Sendable {
    /// 64-bit mode: default operand size 32, address size 64, REX available.
    case long64 = 0
    /// 32-bit protected (or compatibility) mode with CS.D = 1: operand and address size 32.
    case protected32 = 1
    /// A 16-bit code segment (CS.D = 0): real mode, or 16-bit protected mode. Operand and
    /// address size 16 (66/67 select 32). Whether CR0.PE is set decides how segment loads and
    /// interrupts work, not how instructions decode (see Execution/RealMode.swift).
    case mode16 = 2
}

/// RFLAGS bit masks.
public enum Flag {
    public static let cf: UInt64 = 1 << 0
    public static let reserved1: UInt64 = 1 << 1
    public static let pf: UInt64 = 1 << 2
    public static let af: UInt64 = 1 << 4
    public static let zf: UInt64 = 1 << 6
    public static let sf: UInt64 = 1 << 7
    public static let tf: UInt64 = 1 << 8
    public static let `if`: UInt64 = 1 << 9
    public static let df: UInt64 = 1 << 10
    public static let of: UInt64 = 1 << 11
    public static let iopl: UInt64 = 3 << 12
    public static let nt: UInt64 = 1 << 14
    public static let rf: UInt64 = 1 << 16
    public static let vm: UInt64 = 1 << 17
    public static let ac: UInt64 = 1 << 18
    public static let id: UInt64 = 1 << 21
    /// The six arithmetic status flags kept lazily.
    public static let arithmetic: UInt64 = cf | pf | af | zf | sf | of
}

/// How the arithmetic flags are currently represented (see Flags.swift).
public enum FlagOp: UInt8, Sendable {
    /// `CPUState.flagBits` holds the true arithmetic flags.
    case materialized = 0
    case add, sub, logic, inc, dec
}

public struct CPUState {
    /// 18 x 64-bit slots: 16 GPRs, RIP, a zero register (see `Reg`).
    public let regs: UnsafeMutablePointer<UInt64>

    // Lazy arithmetic flags: the last flag-setting operation's operands, result and width.
    public var flagOp: FlagOp = .materialized
    /// Sign bit of the last lazy operation's width (0x80, 0x8000, 0x8000_0000 or 1<<63).
    public var flagSign: UInt64 = 0x8000_0000
    public var flagResult: UInt64 = 0
    public var flagSrc1: UInt64 = 0
    public var flagSrc2: UInt64 = 0
    /// RFLAGS. Arithmetic bits are valid only when flagOp == .materialized, except CF, which
    /// also carries the preserved carry during .inc/.dec. All other bits are always valid.
    public var flagBits: UInt64 = 0x2

    /// Segment bases indexed by `Seg` (index 6 is a constant zero base).
    public let segmentBase: UnsafeMutablePointer<UInt64>
    /// XMM0-XMM15: 16 x 16 bytes (little-endian lanes). SSE operands name a register by its
    /// byte offset here (index * 16), like GPR operands do in `regs`.
    public let xmm: UnsafeMutableRawPointer
    /// SSE control/status: exception flags (bits 0-5), DAZ (6), masks (7-12), RC (13-14), FTZ (15).
    public var mxcsr: UInt32 = 0x1F80
    /// x87 environment. The data registers are kept as raw 80-bit values in 16-byte slots (the
    /// FXSAVE layout) so FXSAVE/FXRSTOR round-trip them exactly; x87 arithmetic arrives with [2/6].
    public var fpuControl: UInt16 = 0x037F
    public var fpuStatus: UInt16 = 0
    /// Abridged tag word (FXSAVE form): bit i set = physical register i holds a value.
    public var fpuTagAbridged: UInt8 = 0
    public var fpuOpcode: UInt16 = 0
    public var fpuInstructionPointer: UInt64 = 0
    public var fpuDataPointer: UInt64 = 0
    /// Selectors recorded with FIP and FDP (FNSTENV/FNSAVE and the 32-bit FXSAVE image show them).
    public var fpuCodeSelector: UInt16 = 0
    public var fpuDataSelector: UInt16 = 0
    public let fpuRegisters: UnsafeMutableRawPointer
    public var segmentSelector: (UInt16, UInt16, UInt16, UInt16, UInt16, UInt16) = (0, 0, 0, 0, 0, 0)

    public var mode: CPUMode = .long64

    /// ET | PE, paging off: Orrery starts guests in a flat 64-bit state with identity addressing
    /// (EFER.LMA set, CR0.PG clear: not an architectural state, but the harness and bench rely
    /// on it). Setting CR0.PG turns on the page walker (MMU/Paging.swift).
    public var cr0: UInt64 = 0x11
    public var cr2: UInt64 = 0
    public var cr3: UInt64 = 0
    /// PAE | OSFXSR | OSXMMEXCPT: SSE usable (as Linux sets it), SIMD exceptions as #XM.
    public var cr4: UInt64 = 0x620
    public var efer: UInt64 = 0x500        // LME | LMA
    public var cpl: UInt8 = 0
    /// Which vendor's CPU this is (CPUID identity and the few instructions whose rules differ:
    /// far JMP/CALL m16:64, SYSCALL/SYSENTER legality; see CPUVendor.swift). Set by the board
    /// before power-on (`orrery run --cpu`); only slow-path handlers read it.
    public var vendor: CPUVendor = .amd
    public var tscAux: UInt64 = 0
    /// MSRs, CR8 and DR0-DR7 (Emulator/X86/MSRs.swift).
    public var msr = MSRFile()
    /// Descriptor-table registers, hidden segment state, interrupt shadow, NMI blocking and the
    /// fast-system-call MSRs (see Instructions/Descriptors.swift).
    public var system = SystemRegisters()

    /// Instructions retired since reset: the machine's clock (1 ns each at the default 1 GHz).
    public var instructionsRetired: UInt64 = 0
    /// TSC = instructionsRetired * tscPerInstruction + tscOffset (virtual time only).
    public var tscOffset: UInt64 = 0
    /// First decoded entry of the block being run, set by the dispatcher once per block:
    /// `instructionsRetired` is only updated at block ends, so RDTSC adds its index in the block.
    public var blockEntry: UnsafeRawPointer? = nil

    /// Set by a handler that must end the current block after itself: `BlockExit.next`
    /// (continue at the next instruction: self-modifying code hit the current page, HLT, OUT)
    /// or `BlockExit.jumped` (the handler set RIP: branches, a REP chunk that restarts).
    public var exitBlock: UInt8 = BlockExit.none
    /// Instructions the current block may still retire (set by the dispatcher, counted down
    /// by every handler; at 0 the thread of handlers returns to the dispatcher).
    public var budget: Int = 0
    /// The exception raised by the instruction at `faultEntry`, if any (see `raise`).
    public var pendingFault: CPUFault? = nil
    public var faultEntry: UnsafeRawPointer? = nil
    public var halted: Bool = false
    /// Set (through the board) by a device that ends the run, e.g. isa-debug-exit.
    public var stopRequested: Bool = false

    /// Memory system (RAM fast path through a software TLB, MMIO/ports on buses).
    public var memory: MemoryAccess

    public init(ram: PhysicalMemory, mmio: IOBus, ports: IOBus) {
        regs = .allocate(capacity: Reg.count)
        regs.initialize(repeating: 0, count: Reg.count)
        segmentBase = .allocate(capacity: 8)
        segmentBase.initialize(repeating: 0, count: 8)
        xmm = .allocate(byteCount: 256, alignment: 16)
        xmm.initializeMemory(as: UInt8.self, repeating: 0, count: 256)
        fpuRegisters = .allocate(byteCount: 128, alignment: 16)
        fpuRegisters.initializeMemory(as: UInt8.self, repeating: 0, count: 128)
        memory = MemoryAccess(ram: ram, mmio: mmio, ports: ports)
    }

    /// Frees the raw storage. Call once when the CPU is discarded.
    public func deallocate() {
        regs.deallocate(); segmentBase.deallocate(); xmm.deallocate(); fpuRegisters.deallocate(); msr.deallocate(); memory.deallocate()
    }

    /// RIP. Valid between blocks; inside a block handlers do not keep it current (see Handler).
    /// Writing it from a handler is a jump: the block ends after the instruction.
    public var rip: UInt64 {
        get { regs[Reg.rip] }
        set {
            regs[Reg.rip] = newValue
            exitBlock = BlockExit.jumped
        }
    }
}

/// Values of `CPUState.exitBlock`.
public enum BlockExit {
    public static let none: UInt8 = 0
    /// Leave the block; execution continues at the next instruction.
    public static let next: UInt8 = 1
    /// Leave the block; the handler has set RIP (a branch was taken).
    public static let jumped: UInt8 = 2
}

/// Handlers receive the CPU as a raw pointer: `cpu.pointee.x` has no exclusivity or ARC cost.
public typealias CPU = UnsafeMutablePointer<CPUState>
