// Layer: Tests (differential harness). Case generators for the SSE/SSE2 floating-point
// instructions (arithmetic, compares, conversions). Lanes are drawn from float specials (±0, ±inf,
// QNaN, SNaN, denormals, max/min, 1.0, halfway cases, integer-indefinite boundaries), values with
// nearby exponents (rounding and cancellation), tiny and huge values (underflow/overflow) and
// random bits. MXCSR: every rounding mode, DAZ and FTZ, random sticky flags, and in some cases
// UNMASKED exceptions: the host then raises #XM (SIGFPE, vector 19), which the harness compares
// like any other fault (registers unchanged, MXCSR flags as the CPU set them).

import X86

enum SSEFloatFamilies {
    /// Lane type of a form's operands (drives the value generator).
    enum Lane { case single, double, int32, int64 }

    enum Shape {
        case xmm(mem: Int)              // V, W: memory operand of mem bytes (16: aligned)
        case xmmImm(mem: Int)           // V, W, imm8 (CMPcc)
        case gprFromXmm(mem: Int)       // G(32/64), W (CVT*2SI)
        case xmmFromGpr                 // V, E(32/64) (CVTSI2S*)
    }

    struct Form {
        let prefix: UInt8?, op: UInt8, name: String, shape: Shape, lane: Lane
        init(_ prefix: UInt8?, _ op: UInt8, _ name: String, _ shape: Shape, _ lane: Lane) {
            self.prefix = prefix; self.op = op; self.name = name; self.shape = shape; self.lane = lane
        }
    }

    static var arithmetic: [Form] {
        var f: [Form] = []
        for (op, n) in [(UInt8(0x51), "sqrt"), (0x58, "add"), (0x59, "mul"), (0x5C, "sub"), (0x5D, "min"), (0x5E, "div"), (0x5F, "max")] {
            f.append(Form(nil, op, n + "ps", .xmm(mem: 16), .single))
            f.append(Form(0x66, op, n + "pd", .xmm(mem: 16), .double))
            f.append(Form(0xF3, op, n + "ss", .xmm(mem: 4), .single))
            f.append(Form(0xF2, op, n + "sd", .xmm(mem: 8), .double))
        }
        return f
    }
    static let compares: [Form] = [
        Form(nil, 0xC2, "cmpps", .xmmImm(mem: 16), .single), Form(0x66, 0xC2, "cmppd", .xmmImm(mem: 16), .double),
        Form(0xF3, 0xC2, "cmpss", .xmmImm(mem: 4), .single), Form(0xF2, 0xC2, "cmpsd", .xmmImm(mem: 8), .double),
        Form(nil, 0x2E, "ucomiss", .xmm(mem: 4), .single), Form(0x66, 0x2E, "ucomisd", .xmm(mem: 8), .double),
        Form(nil, 0x2F, "comiss", .xmm(mem: 4), .single), Form(0x66, 0x2F, "comisd", .xmm(mem: 8), .double),
    ]
    static let conversions: [Form] = [
        Form(0xF3, 0x2A, "cvtsi2ss", .xmmFromGpr, .int64), Form(0xF2, 0x2A, "cvtsi2sd", .xmmFromGpr, .int64),
        Form(0xF3, 0x2C, "cvttss2si", .gprFromXmm(mem: 4), .single), Form(0xF2, 0x2C, "cvttsd2si", .gprFromXmm(mem: 8), .double),
        Form(0xF3, 0x2D, "cvtss2si", .gprFromXmm(mem: 4), .single), Form(0xF2, 0x2D, "cvtsd2si", .gprFromXmm(mem: 8), .double),
        Form(nil, 0x5A, "cvtps2pd", .xmm(mem: 8), .single), Form(0x66, 0x5A, "cvtpd2ps", .xmm(mem: 16), .double),
        Form(0xF3, 0x5A, "cvtss2sd", .xmm(mem: 4), .single), Form(0xF2, 0x5A, "cvtsd2ss", .xmm(mem: 8), .double),
        Form(nil, 0x5B, "cvtdq2ps", .xmm(mem: 16), .int32), Form(0x66, 0x5B, "cvtps2dq", .xmm(mem: 16), .single),
        Form(0xF3, 0x5B, "cvttps2dq", .xmm(mem: 16), .single),
        Form(0x66, 0xE6, "cvttpd2dq", .xmm(mem: 16), .double), Form(0xF3, 0xE6, "cvtdq2pd", .xmm(mem: 8), .int32),
        Form(0xF2, 0xE6, "cvtpd2dq", .xmm(mem: 16), .double),
    ]

    static let approximations: [Form] = [
        Form(nil, 0x53, "rcpps", .xmm(mem: 16), .single), Form(0xF3, 0x53, "rcpss", .xmm(mem: 4), .single),
        Form(nil, 0x52, "rsqrtps", .xmm(mem: 16), .single), Form(0xF3, 0x52, "rsqrtss", .xmm(mem: 4), .single),
    ]

    static let singles: [UInt32] = [
        0, 0x8000_0000, 0x7F80_0000, 0xFF80_0000, 0x7FC0_0000, 0xFFC0_0000, 0x7FC1_2345, 0x7F80_0001, 0xFFA0_0000,
        0x0000_0001, 0x807F_FFFF, 0x0040_0000, 0x0080_0000, 0x8080_0000, 0x7F7F_FFFF, 0xFF7F_FFFF, 0x3F80_0000,
        0xBF80_0000, 0x3FC0_0000, 0x3F00_0000, 0x4020_0000, 0xC020_0000, 0x3F80_0001, 0x4F00_0000, 0xCF00_0000,
        0x4EFF_FFFF, 0xCF00_0001, 0x5F00_0000, 0xDF00_0000, 0x5EFF_FFFF, 0x3380_0000, 0x0080_0001, 0x4B00_0001,
    ]
    static let doubles: [UInt64] = [
        0, 1 << 63, 0x7FF0_0000_0000_0000, 0xFFF0_0000_0000_0000, 0x7FF8_0000_0000_0000, 0xFFF8_0000_0000_0000,
        0x7FF8_0000_0001_2345, 0x7FF0_0000_0000_0001, 0xFFF4_0000_0000_0000, 1, 0x800F_FFFF_FFFF_FFFF,
        0x0008_0000_0000_0000, 0x0010_0000_0000_0000, 0x7FEF_FFFF_FFFF_FFFF, 0xFFEF_FFFF_FFFF_FFFF,
        0x3FF0_0000_0000_0000, 0xBFF0_0000_0000_0000, 0x3FF8_0000_0000_0000, 0x3FE0_0000_0000_0000,
        0x4004_0000_0000_0000, 0xC004_0000_0000_0000, 0x3FF0_0000_0000_0001, 0x41E0_0000_0000_0000,
        0xC1E0_0000_0000_0000, 0x41DF_FFFF_FFC0_0000, 0xC1E0_0000_0020_0000, 0x41DF_FFFF_FFE0_0000,
        0x43E0_0000_0000_0000, 0xC3E0_0000_0000_0000, 0x43DF_FFFF_FFFF_FFFF, 0x3690_0000_0000_0000,
        0x47EF_FFFF_F000_0000, 0x380F_FFFF_F000_0000, 0x3810_0000_0000_0000, 0x36A0_0000_0000_0000,
    ]

    static func single(_ b: inout Builder) -> UInt32 {
        let sign = UInt32(b.rng.below(2)) << 31
        let frac = UInt32(truncatingIfNeeded: b.rng.next()) & 0x7F_FFFF
        switch b.rng.below(10) {
        case 0, 1, 2: return b.rng.pick(singles)
        case 3, 4: return UInt32(truncatingIfNeeded: b.rng.next())
        case 5, 6: return sign | UInt32(0x78 + b.rng.below(16)) << 23 | frac             // near 1
        case 7: return sign | UInt32(b.rng.below(26)) << 23 | frac                        // tiny
        case 8: return sign | UInt32(0xE0 + b.rng.below(31)) << 23 | frac                 // huge
        default: return sign | UInt32(0x96 + b.rng.below(10)) << 23 | frac               // integer range
        }
    }
    static func double(_ b: inout Builder) -> UInt64 {
        let sign = UInt64(b.rng.below(2)) << 63
        let frac = b.rng.next() & 0xF_FFFF_FFFF_FFFF
        switch b.rng.below(10) {
        case 0, 1, 2: return b.rng.pick(doubles)
        case 3, 4: return b.rng.next()
        case 5, 6: return sign | UInt64(0x3F8 + b.rng.below(16)) << 52 | frac
        case 7: return sign | UInt64(b.rng.below(60)) << 52 | frac
        case 8: return sign | UInt64(0x7B0 + b.rng.below(79)) << 52 | frac
        default: return sign | UInt64(0x41C + b.rng.below(40)) << 52 | frac               // int32/int64 range
        }
    }
    static func lane64(_ lane: Lane, _ b: inout Builder) -> UInt64 {
        switch lane {
        case .single: return UInt64(single(&b)) | UInt64(single(&b)) << 32
        case .double: return double(&b)
        case .int32: return b.edge(32) | b.edge(32) << 32
        case .int64: return b.rng.bool() ? b.edge(64) : b.rng.next() >> UInt64(b.rng.below(64))
        }
    }

    static func generate(_ forms: [Form], _ family: String, _ b: inout Builder) -> TestCase {
        let f = b.rng.pick(forms)
        for k in 0..<32 { b.xmm[k] = lane64(f.lane, &b) }
        // Second operands sometimes close to the first (cancellation, equal compares).
        if b.rng.chance(20) { for k in stride(from: 2, to: 32, by: 2) where b.rng.bool() { b.xmm[k] = b.xmm[0] ^ (b.rng.next() & 0xFF) } }
        var m: UInt32 = 0x1F80 | UInt32(b.rng.below(4)) << 13
        if b.rng.chance(25) { m |= 0x40 }                                // DAZ
        if b.rng.chance(25) { m |= 0x8000 }                              // FTZ
        if b.rng.chance(30) { m |= UInt32(b.rng.below(64)) }             // sticky flags
        if b.rng.chance(15) { m &= ~(UInt32(b.rng.below(64)) << 7) }     // unmasked exceptions: #XM
        if b.rng.chance(5) { m |= MXCSR.misalignedMode }
        b.mxcsr = m
        if let p = f.prefix { b.legacy.append(p) }
        b.opcode = [0x0F, f.op]
        let x = b.rng.below(16), y = b.rng.below(16)
        func memory(_ size: Int) -> UInt64 {
            let align: Int? = size == 16 ? (b.rng.chance(95) ? 16 : nil) : (b.rng.chance(70) ? size : nil)
            let ea = b.pickEA(size: size, margin: 0, alignment: align)
            var bytes: [UInt8] = []
            for _ in 0..<2 { bytes += b.leBytes(lane64(f.lane, &b), 8) }
            b.pokeBytes(ea, Array(bytes.prefix(size)))
            return ea
        }
        switch f.shape {
        case let .xmm(n), let .xmmImm(n):
            b.modrmReg = x
            if b.rng.chance(60) { b.encodeRegisterRM(y) } else { b.encodeMemory(memory(n)) }
            if case .xmmImm = f.shape { b.immBytes(UInt64(b.rng.chance(90) ? b.rng.below(8) : b.rng.below(256)), 1) }
        case let .gprFromXmm(n):
            if b.rng.bool() { b.rex |= 8 }
            let g = b.pickReg(); b.reserve(g)
            b.modrmReg = g
            if b.rng.chance(60) { b.encodeRegisterRM(y) } else { b.encodeMemory(memory(n)) }
        case .xmmFromGpr:
            if b.rng.bool() { b.rex |= 8 }
            b.modrmReg = x
            if b.rng.chance(60) {
                let r = b.pickReg(); b.reserve(r); b.encodeRegisterRM(r)
                b.regs[r] = lane64(.int64, &b)
            } else {
                b.encodeMemory(memory(8))
            }
        }
        var c = b.finish(family, f.name)
        if f.op == 0x52 || f.op == 0x53 {
            c.approximateRegister = x
            c.approximateLanes = f.prefix == nil ? 4 : 1
        }
        return c
    }

    static let arithmeticForms = arithmetic
    static func arith(_ b: inout Builder) -> TestCase { generate(arithmeticForms, "sse-fp-arith", &b) }
    static func cmp(_ b: inout Builder) -> TestCase { generate(compares, "sse-fp-cmp", &b) }
    static func cvt(_ b: inout Builder) -> TestCase { generate(conversions, "sse-fp-cvt", &b) }
    static func rcp(_ b: inout Builder) -> TestCase { generate(approximations, "sse-fp-rcp", &b) }

    static let families: [Family] = [
        Family(name: "sse-fp-arith", summary: "ADD/SUB/MUL/DIV/MIN/MAX/SQRT PS/PD/SS/SD, all MXCSR modes", generate: arith),
        Family(name: "sse-fp-cmp", summary: "CMPccPS/PD/SS/SD (8 predicates), COMISS/UCOMISS/COMISD/UCOMISD", generate: cmp),
        Family(name: "sse-fp-cvt", summary: "CVT*/CVTT* between int32/int64/single/double, scalar and packed", generate: cvt),
        Family(name: "sse-fp-rcp", summary: "RCPPS/RCPSS/RSQRTPS/RSQRTSS (model-specific: compared within the error bound)", generate: rcp),
    ]
}
