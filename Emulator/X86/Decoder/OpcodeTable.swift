// Layer: X86 (CPU model), decoder. The vocabulary of the opcode tables. The tables themselves
// (OneByteMap.swift, TwoByteMap.swift, ThreeByteMaps.swift) are the single source of truth:
// the decoder reads operand shapes and attributes from them, the disassembler prints from them,
// and each entry names the handlers that execute it.
//
// Operand notation follows the Intel SDM / AMD APM opcode maps:
//   E = ModRM.rm (register or memory)   G = ModRM.reg      M = ModRM.rm, memory only
//   R = ModRM.rm, register only         I = immediate      J = relative branch target
//   Z = register in the opcode's low 3 bits (+REX.B)       O = absolute memory offset (moffs)
//   S = segment register in ModRM.reg   X = DS:rSI string source   Y = ES:rDI string destination
// Sizes: b = byte, w = word, d = dword, q = qword, v = operand size (16/32/64),
//        z = operand size capped at 32 (immediates), y = 32 or 64 (d unless REX.W),
//        bs = a byte immediate sign-extended to the operand size (83 /x, 6A, 6B; the SDM's
//        "imm8 sign-extended"), as opposed to b, an 8-bit value such as a shift count or port.
// The decoder sign-extends every immediate; the difference matters to the disassembler only.
// SSE operands (Intel's letters): V = XMM register in ModRM.reg, W = ModRM.rm as XMM register
// or memory, U = ModRM.rm XMM register only; x = 128 bits. Their `reg`/`rm` are byte offsets
// into CPUState.xmm (index * 16).

public enum OperandSize: UInt8, Sendable {
    case b, w, d, q, v, z, y, bs
    /// 128 bits (an XMM register or m128).
    case x
}

public enum OperandSpec: Sendable, Equatable {
    case E(OperandSize)
    case G(OperandSize)
    case M(OperandSize)
    case R(OperandSize)
    case I(OperandSize)
    case J(OperandSize)
    case Z(OperandSize)
    case O(OperandSize)
    case S
    case X(OperandSize)
    case Y(OperandSize)
    /// A fixed register operand (Reg.* number) of the given size, e.g. AL, eAX, DX, CL.
    case fixed(Int, OperandSize)
    /// The constant 1 (shift/rotate by one).
    case one
    /// A far pointer (16-bit selector : 16/32-bit offset) as an immediate (32-bit mode only).
    case farPointer
    /// Control register in ModRM.reg (MOV CRn) and debug register (MOV DRn): used from [3/6].
    case C
    case D
    /// SSE: XMM register in ModRM.reg (V), ModRM.rm XMM or memory (W), ModRM.rm XMM only (U).
    case V(OperandSize)
    case W(OperandSize)
    case U(OperandSize)
}

public struct Attributes: OptionSet, Sendable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    /// LOCK is allowed (memory destination forms only; register forms raise #UD).
    public static let lockable = Attributes(rawValue: 1 << 0)
    /// #UD in 64-bit mode.
    public static let invalid64 = Attributes(rawValue: 1 << 1)
    /// In 64-bit mode the operand size defaults to 64 (66 selects 16; 32 is impossible).
    public static let default64 = Attributes(rawValue: 1 << 2)
    /// Near branches (Jcc, JMP, CALL, RET, LOOPcc, JrCXZ): 64-bit operand size in 64-bit mode
    /// (no 32-bit form). A 66 prefix without REX.W: Intel ignores it; AMD (the reference CPU,
    /// measured on the host) selects 16 bits: rel16 immediate, target truncated to 16 bits,
    /// 2-byte push/pop. The decoder follows AMD.
    public static let force64 = Attributes(rawValue: 1 << 3)
    /// Ends a decoded block (control transfer, or changes state the decoder depends on).
    public static let endsBlock = Attributes(rawValue: 1 << 4)
    /// Accepts REP/REPE/REPNE as a repeat prefix (string instructions).
    public static let repeatable = Attributes(rawValue: 1 << 5)
    /// Only valid in 64-bit mode.
    public static let only64 = Attributes(rawValue: 1 << 6)
    /// The operand is not really read or written (LEA's address, NOP's ModRM): no alignment
    /// or memory access; the handler uses the address only.
    public static let addressOnly = Attributes(rawValue: 1 << 7)
    /// ModRM.mod is ignored and always names a register, with no SIB or displacement
    /// (MOV to/from CRn/DRn: SDM vol. 2 "MOV—Move to/from Control Registers").
    public static let modIgnored = Attributes(rawValue: 1 << 12)
}

/// Up to eight handlers for one instruction: index = size index (0: 8-bit, 1: 16, 2: 32, 3: 64)
/// + 4 for the memory form. A nil slot is an encoding the CPU does not accept (#UD).
public struct HandlerSet {
    public var slots: (Handler?, Handler?, Handler?, Handler?, Handler?, Handler?, Handler?, Handler?)

    public init(reg8: Handler? = nil, reg16: Handler? = nil, reg32: Handler? = nil, reg64: Handler? = nil,
                mem8: Handler? = nil, mem16: Handler? = nil, mem32: Handler? = nil, mem64: Handler? = nil) {
        slots = (reg8, reg16, reg32, reg64, mem8, mem16, mem32, mem64)
    }

    /// One handler for every size and form (it inspects `operandSize` itself).
    public init(all h: Handler) { slots = (h, h, h, h, h, h, h, h) }

    /// The same handlers for register and memory forms (instructions with no E operand).
    public init(any8: Handler? = nil, any16: Handler? = nil, any32: Handler? = nil, any64: Handler? = nil) {
        slots = (any8, any16, any32, any64, any8, any16, any32, any64)
    }

    /// Not implemented yet: decodes, then raises #UD.
    public static let unimplemented = HandlerSet()

    public func handler(sizeIndex: Int, memory: Bool) -> Handler? {
        switch sizeIndex + (memory ? 4 : 0) {
        case 0: return slots.0
        case 1: return slots.1
        case 2: return slots.2
        case 3: return slots.3
        case 4: return slots.4
        case 5: return slots.5
        case 6: return slots.6
        default: return slots.7
        }
    }

    public var isEmpty: Bool {
        slots.0 == nil && slots.1 == nil && slots.2 == nil && slots.3 == nil &&
            slots.4 == nil && slots.5 == nil && slots.6 == nil && slots.7 == nil
    }
}

/// One instruction form in an opcode map.
public struct OpcodeEntry {
    /// Mnemonic for the disassembler. Forms whose name depends on operand size list the names
    /// for 16/32/64-bit operand size separated by "/", e.g. "cbw/cwde/cdqe"; two names are for
    /// 16-or-32 / 64 ("cmpxchg8b/cmpxchg16b"). A branch (J operand) whose name depends on the
    /// *address* size lists 16/32/64-bit address size ("jcxz/jecxz/jrcxz"). "nop/xchg" is
    /// NOP unless the register is not eAX (REX.B) or a 66 prefix is present (objdump: "xchg ax,ax"). A name with a space carries
    /// a fixed operand ("push fs"). Everything else the disassembler prints comes from `operands`.
    public var mnemonic: String
    public var operands: [OperandSpec]
    public var handlers: HandlerSet
    public var attributes: Attributes

    public init(_ mnemonic: String, _ operands: [OperandSpec] = [], _ handlers: HandlerSet,
                _ attributes: Attributes = []) {
        self.mnemonic = mnemonic; self.operands = operands; self.handlers = handlers; self.attributes = attributes
    }

    /// True when the instruction has a ModRM byte.
    var needsModRM: Bool {
        operands.contains { op in
            switch op {
            case .E, .G, .M, .R, .S, .C, .D, .V, .W, .U: return true
            default: return false
            }
        }
    }

    /// True when an operand lives in ModRM.rm or is an absolute offset (the "E slot").
    var hasEOperand: Bool {
        operands.contains { op in
            switch op {
            case .E, .M, .R, .O, .W, .U: return true
            default: return false
            }
        }
    }

    /// True when some operand is byte-sized (selects 8-bit handler and byte register numbering).
    var isByteOperation: Bool {
        guard let first = operands.first(where: { op in
            switch op {
            // DX as an I/O port number (IN/OUT/INS/OUTS) says nothing about the data size.
            case .fixed(Reg.rdx, .w): return false
            case .E, .G, .M, .R, .Z, .O, .X, .Y, .fixed: return true
            default: return false
            }
        }) else { return false }
        switch first {
        case .E(.b), .G(.b), .M(.b), .R(.b), .Z(.b), .O(.b), .X(.b), .Y(.b), .fixed(_, .b): return true
        default: return false
        }
    }
}

/// A node in an opcode map: an instruction, or a further choice made by ModRM or prefixes.
public indirect enum OpcodeNode {
    case invalid
    case instruction(OpcodeEntry)
    /// Chosen by ModRM.reg (the "/digit" groups).
    case group([OpcodeNode])
    /// Chosen by ModRM.mod: memory forms (mod != 3) vs register forms (mod == 3).
    case byMod(memory: OpcodeNode, register: OpcodeNode)
    /// Chosen by ModRM.rm when mod == 3 (e.g. 0F 01 /0-/7 register forms).
    case byRM([OpcodeNode])
    /// Chosen by a mandatory prefix (the last of F2/F3, else 66). A chosen F2/F3 is consumed
    /// (it is not a REP prefix); nil alternatives fall back to `none`.
    case byPrefix(none: OpcodeNode, p66: OpcodeNode?, pF3: OpcodeNode?, pF2: OpcodeNode?)
    /// Chosen by mode: 64-bit vs. 32-bit.
    case byMode(long: OpcodeNode, legacy: OpcodeNode)

    public static func op(_ m: String, _ o: [OperandSpec] = [], _ h: HandlerSet, _ a: Attributes = []) -> OpcodeNode {
        .instruction(OpcodeEntry(m, o, h, a))
    }
}
