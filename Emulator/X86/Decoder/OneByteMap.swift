// Layer: X86 (CPU model), opcode tables: the one-byte opcode map (AMD APM vol. 3 table A-1,
// Intel SDM vol. 2 table A-2). Entries not listed are undefined (#UD). x87 (D8-DF) arrives
// with [2/6]; far transfers and the system instructions with [3/6].

public enum OpcodeMaps {
    public static let oneByte: [OpcodeNode] = buildOneByteMap()
    public static let map0F: [OpcodeNode] = buildTwoByteMap()
    public static let map0F38: [OpcodeNode] = buildMap0F38()
    public static let map0F3A: [OpcodeNode] = buildMap0F3A()
}

private let aluNames = ["add", "or", "adc", "sbb", "and", "sub", "xor", "cmp"]

func buildOneByteMap() -> [OpcodeNode] {
    var m = [OpcodeNode](repeating: .invalid, count: 256)
    let al = OperandSpec.fixed(Reg.rax, .b), eAX = OperandSpec.fixed(Reg.rax, .v)

    // 00-3F: the eight ALU operations, six forms each.
    for op in 0..<8 {
        let alu = ALUOp(rawValue: op)!
        let name = aluNames[op]
        let lock: Attributes = alu == .cmp ? [] : [.lockable]
        let b = op * 8
        m[b + 0] = .op(name, [.E(.b), .G(.b)], Arith.binary(alu, .EG), lock)
        m[b + 1] = .op(name, [.E(.v), .G(.v)], Arith.binary(alu, .EG), lock)
        m[b + 2] = .op(name, [.G(.b), .E(.b)], Arith.binary(alu, .GE))
        m[b + 3] = .op(name, [.G(.v), .E(.v)], Arith.binary(alu, .GE))
        m[b + 4] = .op(name, [al, .I(.b)], Arith.binary(alu, .EI))
        m[b + 5] = .op(name, [eAX, .I(.z)], Arith.binary(alu, .EI))
    }
    // Segment pushes/pops and BCD adjusts (32-bit mode only; 2E/3E/26/36 are prefixes).
    m[0x06] = .op("push es", [], Move.pushSreg(Seg.es), [.invalid64])
    m[0x07] = .op("pop es", [], Move.popSreg(Seg.es), [.invalid64])
    m[0x0E] = .op("push cs", [], Move.pushSreg(Seg.cs), [.invalid64])
    m[0x16] = .op("push ss", [], Move.pushSreg(Seg.ss), [.invalid64])
    m[0x17] = .op("pop ss", [], Move.popSreg(Seg.ss), [.invalid64])
    m[0x1E] = .op("push ds", [], Move.pushSreg(Seg.ds), [.invalid64])
    m[0x1F] = .op("pop ds", [], Move.popSreg(Seg.ds), [.invalid64])

    // BCD adjusts (32-bit mode only).
    m[0x27] = .op("daa", [], HandlerSet(all: Legacy32.daa), [.invalid64])
    m[0x2F] = .op("das", [], HandlerSet(all: Legacy32.das), [.invalid64])
    m[0x37] = .op("aaa", [], HandlerSet(all: Legacy32.aaa), [.invalid64])
    m[0x3F] = .op("aas", [], HandlerSet(all: Legacy32.aas), [.invalid64])
    m[0xD4] = .op("aam", [.I(.b)], HandlerSet(all: Legacy32.aam), [.invalid64])
    m[0xD5] = .op("aad", [.I(.b)], HandlerSet(all: Legacy32.aad), [.invalid64])
    m[0xD6] = .op("salc", [], HandlerSet(all: Legacy32.salc), [.invalid64])
    m[0x60] = .op("pushaw/pusha/pusha", [], Legacy32.pusha, [.invalid64])
    // LES/LDS m16:16/32 outside 64-bit mode (SegmentLoads.swift); VEX prefixes in 64-bit mode.
    m[0xC4] = .byMode(long: .invalid, legacy: .op("les", [.G(.v), .M(.v)], SegmentLoads.les, [.endsBlock]))
    m[0xC5] = .byMode(long: .invalid, legacy: .op("lds", [.G(.v), .M(.v)], SegmentLoads.lds, [.endsBlock]))
    m[0x61] = .op("popaw/popa/popa", [], Legacy32.popa, [.invalid64])

    // 40-4F: INC/DEC r (32-bit mode; REX prefixes in 64-bit mode, handled by the decoder).
    for r in 0..<8 {
        m[0x40 + r] = .op("inc", [.Z(.v)], Arith.unary(.inc), [.invalid64])
        m[0x48 + r] = .op("dec", [.Z(.v)], Arith.unary(.dec), [.invalid64])
        m[0x50 + r] = .op("push", [.Z(.v)], Move.push, [.default64])
        m[0x58 + r] = .op("pop", [.Z(.v)], Move.pop, [.default64])
    }
    m[0x63] = .byMode(long: .op("movsxd", [.G(.v), .E(.d)], Move.movsxd),
                      legacy: .op("arpl", [.E(.w), .G(.w)], Legacy32.arplSet))
    m[0x68] = .op("push", [.I(.z)], Move.pushImm, [.default64])
    m[0x69] = .op("imul", [.G(.v), .E(.v), .I(.z)], Arith.imulGEI)
    m[0x6A] = .op("push", [.I(.bs)], Move.pushImm, [.default64])
    m[0x6B] = .op("imul", [.G(.v), .E(.v), .I(.bs)], Arith.imulGEI)
    m[0x6C] = .op("ins", [.Y(.b), .fixed(Reg.rdx, .w)], StringOps.ins, [.repeatable])
    m[0x6D] = .op("ins", [.Y(.z), .fixed(Reg.rdx, .w)], StringOps.ins, [.repeatable])
    m[0x6E] = .op("outs", [.fixed(Reg.rdx, .w), .X(.b)], StringOps.outs, [.repeatable])
    m[0x6F] = .op("outs", [.fixed(Reg.rdx, .w), .X(.z)], StringOps.outs, [.repeatable])

    // 70-7F: Jcc rel8, one handler per condition.
    for cc in 0..<16 {
        m[0x70 + cc] = .op("j" + conditionNames[cc], [.J(.b)], Control.jcc(UInt8(cc)), [.force64, .endsBlock])
    }

    // 80-83: group 1 (ALU with immediate); 82 is an alias of 80 outside 64-bit mode.
    func group1(_ dst: OperandSize, _ imm: OperandSize) -> OpcodeNode {
        .group((0..<8).map { op in
            let alu = ALUOp(rawValue: op)!
            return .op(aluNames[op], [.E(dst), .I(imm)], Arith.binary(alu, .EI), alu == .cmp ? [] : [.lockable])
        })
    }
    m[0x80] = group1(.b, .b)
    m[0x81] = group1(.v, .z)
    m[0x82] = .byMode(long: .invalid, legacy: group1(.b, .b))
    m[0x83] = group1(.v, .bs)
    m[0x84] = .op("test", [.E(.b), .G(.b)], Arith.test(.EG))
    m[0x85] = .op("test", [.E(.v), .G(.v)], Arith.test(.EG))
    m[0x86] = .op("xchg", [.E(.b), .G(.b)], Move.xchg, [.lockable])
    m[0x87] = .op("xchg", [.E(.v), .G(.v)], Move.xchg, [.lockable])
    m[0x88] = .op("mov", [.E(.b), .G(.b)], Move.mov(.EG))
    m[0x89] = .op("mov", [.E(.v), .G(.v)], Move.mov(.EG))
    m[0x8A] = .op("mov", [.G(.b), .E(.b)], Move.mov(.GE))
    m[0x8B] = .op("mov", [.G(.v), .E(.v)], Move.mov(.GE))
    m[0x8C] = .op("mov", [.E(.w), .S], Move.movFromSreg)
    m[0x8D] = .op("lea", [.G(.v), .M(.v)], Move.lea, [.addressOnly])
    m[0x8E] = .op("mov", [.S, .E(.w)], Move.movToSreg, [.endsBlock])
    m[0x8F] = .group([.op("pop", [.E(.v)], Move.pop, [.default64]),
                      .invalid, .invalid, .invalid, .invalid, .invalid, .invalid, .invalid])
    // 90: NOP (XCHG eAX,eAX; with REX.B it exchanges with r8). F3 90 is PAUSE.
    m[0x90] = .byPrefix(none: .op("nop/xchg", [.Z(.v), eAX], Move.xchgAccumulator), p66: nil,
                        pF3: .op("pause", [], Move.nop), pF2: nil)
    for r in 1..<8 { m[0x90 + r] = .op("xchg", [.Z(.v), eAX], Move.xchgAccumulator) }
    m[0x98] = .op("cbw/cwde/cdqe", [], Move.convertAccumulator)
    m[0x99] = .op("cwd/cdq/cqo", [], Move.convertToDouble)
    m[0x9B] = .op("fwait", [], HandlerSet(all: X87.fwait))
    m[0x9C] = .op("pushf", [], Move.pushf, [.default64])
    m[0x9D] = .op("popf", [], Move.popf, [.default64, .endsBlock])
    m[0x9E] = .op("sahf", [], Move.sahf)
    m[0x9F] = .op("lahf", [], Move.lahf)
    m[0xA0] = .op("mov", [al, .O(.b)], Move.mov(.GE))
    m[0xA1] = .op("mov", [eAX, .O(.v)], Move.mov(.GE))
    m[0xA2] = .op("mov", [.O(.b), al], Move.mov(.EG))
    m[0xA3] = .op("mov", [.O(.v), eAX], Move.mov(.EG))
    m[0xA4] = .op("movs", [.Y(.b), .X(.b)], StringOps.movs, [.repeatable])
    m[0xA5] = .op("movs", [.Y(.v), .X(.v)], StringOps.movs, [.repeatable])
    m[0xA6] = .op("cmps", [.X(.b), .Y(.b)], StringOps.cmps, [.repeatable])
    m[0xA7] = .op("cmps", [.X(.v), .Y(.v)], StringOps.cmps, [.repeatable])
    m[0xA8] = .op("test", [al, .I(.b)], Arith.test(.EI))
    m[0xA9] = .op("test", [eAX, .I(.z)], Arith.test(.EI))
    m[0xAA] = .op("stos", [.Y(.b), al], StringOps.stos, [.repeatable])
    m[0xAB] = .op("stos", [.Y(.v), eAX], StringOps.stos, [.repeatable])
    m[0xAC] = .op("lods", [al, .X(.b)], StringOps.lods, [.repeatable])
    m[0xAD] = .op("lods", [eAX, .X(.v)], StringOps.lods, [.repeatable])
    m[0xAE] = .op("scas", [al, .Y(.b)], StringOps.scas, [.repeatable])
    m[0xAF] = .op("scas", [eAX, .Y(.v)], StringOps.scas, [.repeatable])
    for r in 0..<8 {
        m[0xB0 + r] = .op("mov", [.Z(.b), .I(.b)], Move.mov(.EI))
        m[0xB8 + r] = .op("mov", [.Z(.v), .I(.v)], Move.mov(.EI))
    }

    // C0/C1/D0-D3: group 2 shifts and rotates.
    func group2(_ size: OperandSize, _ count: ShiftCount) -> OpcodeNode {
        let names = ["rol", "ror", "rcl", "rcr", "shl", "shr", "sal", "sar"]
        let countOperand: [OperandSpec] = count == .one ? [.one] : count == .cl ? [.fixed(Reg.rcx, .b)] : [.I(.b)]
        return .group((0..<8).map { .op(names[$0], [.E(size)] + countOperand, Shift.shift(ShiftOp(rawValue: $0)!, count)) })
    }
    m[0xC0] = group2(.b, .imm)
    m[0xC1] = group2(.v, .imm)
    m[0xC2] = .op("ret", [.I(.w)], Control.retImm, [.force64, .endsBlock])
    m[0xC3] = .op("ret", [], Control.ret, [.force64, .endsBlock])
    m[0xC6] = .group([.op("mov", [.E(.b), .I(.b)], Move.mov(.EI))] + Array(repeating: .invalid, count: 7))
    m[0xC7] = .group([.op("mov", [.E(.v), .I(.z)], Move.mov(.EI))] + Array(repeating: .invalid, count: 7))
    m[0xC8] = .op("enter", [.I(.w), .I(.b)], Control.enter, [.default64])
    m[0xC9] = .op("leave", [], Control.leave, [.default64])
    m[0xCA] = .op("retfw/retf/retfq", [.I(.w)], FarTransfer.retf, [.endsBlock])
    m[0xCB] = .op("retfw/retf/retfq", [], FarTransfer.retf, [.endsBlock])
    m[0xCC] = .op("int3", [], System.int3, [.endsBlock])
    m[0xCD] = .op("int", [.I(.b)], System.intN, [.endsBlock])
    m[0xCE] = .op("into", [], System.into, [.invalid64, .endsBlock])
    m[0xCF] = .op("iretw/iret/iretq", [], FarTransfer.iret, [.endsBlock])
    m[0x9A] = .op("call", [.farPointer], FarTransfer.callPtr, [.invalid64, .endsBlock])
    m[0xEA] = .op("jmp", [.farPointer], FarTransfer.jmpPtr, [.invalid64, .endsBlock])
    m[0xD0] = group2(.b, .one)
    m[0xD1] = group2(.v, .one)
    m[0xD2] = group2(.b, .cl)
    m[0xD3] = group2(.v, .cl)
    m[0xD7] = .op("xlat", [], Move.xlat)
    // x87 escapes D8-DF: Decoder/X87Map.swift.
    for (k, node) in X87Map.escapes().enumerated() { m[0xD8 + k] = node }
    m[0xE0] = .op("loopne", [.J(.b)], Control.loop(.loopne), [.force64, .endsBlock])
    m[0xE1] = .op("loope", [.J(.b)], Control.loop(.loope), [.force64, .endsBlock])
    m[0xE2] = .op("loop", [.J(.b)], Control.loop(.loop), [.force64, .endsBlock])
    m[0xE3] = .op("jcxz/jecxz/jrcxz", [.J(.b)], Control.loop(.jrcxz), [.force64, .endsBlock])
    m[0xE4] = .op("in", [al, .I(.b)], System.inImm)
    m[0xE5] = .op("in", [.fixed(Reg.rax, .z), .I(.b)], System.inImm)
    m[0xE6] = .op("out", [.I(.b), al], System.outImm)
    m[0xE7] = .op("out", [.I(.b), .fixed(Reg.rax, .z)], System.outImm)
    m[0xE8] = .op("call", [.J(.z)], Control.callRel, [.force64, .endsBlock])
    m[0xE9] = .op("jmp", [.J(.z)], Control.jmpRel, [.force64, .endsBlock])
    m[0xEB] = .op("jmp", [.J(.b)], Control.jmpRel, [.force64, .endsBlock])
    m[0xEC] = .op("in", [al, .fixed(Reg.rdx, .w)], System.inDX)
    m[0xED] = .op("in", [.fixed(Reg.rax, .z), .fixed(Reg.rdx, .w)], System.inDX)
    // OUT DX, AL is a byte access whatever the operand size (its first operand, DX, is not
    // the data: the width-from-first-operand rule would make it 16/32-bit; 0xCF9 needs a byte).
    m[0xEE] = .op("out", [.fixed(Reg.rdx, .w), al], HandlerSet(any8: SystemOps.outDX8, any16: SystemOps.outDX8,
                                                                 any32: SystemOps.outDX8, any64: SystemOps.outDX8))
    m[0xEF] = .op("out", [.fixed(Reg.rdx, .w), .fixed(Reg.rax, .z)], System.outDX)
    m[0xF1] = .op("int1", [], DebugInstructions.icebp, [.endsBlock])   // ICEBP
    m[0xF4] = .op("hlt", [], System.hlt, [.endsBlock])
    m[0xF5] = .op("cmc", [], System.flag(.cmc))

    // F6/F7: group 3 (TEST imm, NOT, NEG, MUL, IMUL, DIV, IDIV). /1 is an undocumented TEST alias.
    func group3(_ size: OperandSize, _ imm: OperandSize) -> OpcodeNode {
        .group([
            .op("test", [.E(size), .I(imm)], Arith.test(.EI)),
            .op("test", [.E(size), .I(imm)], Arith.test(.EI)),
            .op("not", [.E(size)], Arith.unary(.not), [.lockable]),
            .op("neg", [.E(size)], Arith.unary(.neg), [.lockable]),
            .op("mul", [.E(size)], Arith.mulDiv(.mul)),
            .op("imul", [.E(size)], Arith.mulDiv(.imul)),
            .op("div", [.E(size)], Arith.mulDiv(.div)),
            .op("idiv", [.E(size)], Arith.mulDiv(.idiv)),
        ])
    }
    m[0xF6] = group3(.b, .b)
    m[0xF7] = group3(.v, .z)
    m[0xF8] = .op("clc", [], System.flag(.clc))
    m[0xF9] = .op("stc", [], System.flag(.stc))
    m[0xFA] = .op("cli", [], System.flag(.cli))
    m[0xFB] = .op("sti", [], System.flag(.sti), [.endsBlock])
    m[0xFC] = .op("cld", [], System.flag(.cld))
    m[0xFD] = .op("std", [], System.flag(.std))
    m[0xFE] = .group([.op("inc", [.E(.b)], Arith.unary(.inc), [.lockable]),
                      .op("dec", [.E(.b)], Arith.unary(.dec), [.lockable]),
                      .invalid, .invalid, .invalid, .invalid, .invalid, .invalid])
    m[0xFF] = .group([
        .op("inc", [.E(.v)], Arith.unary(.inc), [.lockable]),
        .op("dec", [.E(.v)], Arith.unary(.dec), [.lockable]),
        .op("call", [.E(.v)], Control.callIndirect, [.force64, .endsBlock]),
        .byMod(memory: .op("call", [.M(.v)], FarTransfer.callMem, [.endsBlock]), register: .invalid),
        .op("jmp", [.E(.v)], Control.jmpIndirect, [.force64, .endsBlock]),
        .byMod(memory: .op("jmp", [.M(.v)], FarTransfer.jmpMem, [.endsBlock]), register: .invalid),
        .op("push", [.E(.v)], Move.push, [.default64]),
        .invalid,
    ])
    return m
}

/// Condition-code suffixes in encoding order (the low nibble of Jcc/SETcc/CMOVcc).
public let conditionNames = ["o", "no", "b", "ae", "e", "ne", "be", "a", "s", "ns", "p", "np", "l", "ge", "le", "g"]
