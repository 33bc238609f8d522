// Layer: Tests (differential harness). Case generators for the x87 FPU: every case starts from a
// random x87 state (TOP, which registers are empty, values biased to special encodings: +-0,
// +-inf, quiet/signalling NaNs, the indefinite, denormals, pseudo-denormals, unnormals,
// pseudo-NaNs/infinities, max/min, integers and halves for rounding), a control word with every
// rounding and precision setting and sometimes unmasked exceptions, and sometimes a pending
// exception (ES), which must turn waiting instructions into #MF.

import X86

enum X87Memory { case f32, f64, f80, i16, i32, i64, bcd, env, save, word, fxsave }

/// One x87 form: the escape byte and either a /digit with a memory operand, a /digit with
/// ST(i) in ModRM.rm, or a fixed register-form ModRM byte.
struct X87Form {
    enum Shape { case mem(X87Memory), st, fixed(UInt8) }
    let op: UInt8
    let digit: Int
    let shape: Shape
    let name: String
    init(_ op: UInt8, _ digit: Int, _ shape: Shape, _ name: String) {
        self.op = op; self.digit = digit; self.shape = shape; self.name = name
    }
}

enum X87Families {
    static let moves: [X87Form] = [
        X87Form(0xD9, 0, .mem(.f32), "fld m32"), X87Form(0xDD, 0, .mem(.f64), "fld m64"), X87Form(0xDB, 5, .mem(.f80), "fld m80"),
        X87Form(0xD9, 0, .st, "fld st"),
        X87Form(0xD9, 2, .mem(.f32), "fst m32"), X87Form(0xD9, 3, .mem(.f32), "fstp m32"),
        X87Form(0xDD, 2, .mem(.f64), "fst m64"), X87Form(0xDD, 3, .mem(.f64), "fstp m64"), X87Form(0xDB, 7, .mem(.f80), "fstp m80"),
        X87Form(0xDD, 2, .st, "fst st"), X87Form(0xDD, 3, .st, "fstp st"),
        X87Form(0xD9, 3, .st, "fstp1 st"), X87Form(0xDF, 2, .st, "fstp8 st"), X87Form(0xDF, 3, .st, "fstp9 st"),
        X87Form(0xDF, 0, .mem(.i16), "fild m16"), X87Form(0xDB, 0, .mem(.i32), "fild m32"), X87Form(0xDF, 5, .mem(.i64), "fild m64"),
        X87Form(0xDF, 2, .mem(.i16), "fist m16"), X87Form(0xDF, 3, .mem(.i16), "fistp m16"), X87Form(0xDF, 1, .mem(.i16), "fisttp m16"),
        X87Form(0xDB, 2, .mem(.i32), "fist m32"), X87Form(0xDB, 3, .mem(.i32), "fistp m32"), X87Form(0xDB, 1, .mem(.i32), "fisttp m32"),
        X87Form(0xDF, 7, .mem(.i64), "fistp m64"), X87Form(0xDD, 1, .mem(.i64), "fisttp m64"),
        X87Form(0xDF, 4, .mem(.bcd), "fbld"), X87Form(0xDF, 6, .mem(.bcd), "fbstp"),
        X87Form(0xD9, 1, .st, "fxch"), X87Form(0xDD, 1, .st, "fxch4"), X87Form(0xDF, 1, .st, "fxch7"),
        X87Form(0xD9, 5, .fixed(0xE8), "fld1"), X87Form(0xD9, 5, .fixed(0xE9), "fldl2t"), X87Form(0xD9, 5, .fixed(0xEA), "fldl2e"),
        X87Form(0xD9, 5, .fixed(0xEB), "fldpi"), X87Form(0xD9, 5, .fixed(0xEC), "fldlg2"), X87Form(0xD9, 5, .fixed(0xED), "fldln2"),
        X87Form(0xD9, 5, .fixed(0xEE), "fldz"),
        X87Form(0xD9, 4, .fixed(0xE0), "fchs"), X87Form(0xD9, 4, .fixed(0xE1), "fabs"), X87Form(0xD9, 4, .fixed(0xE5), "fxam"),
        X87Form(0xD9, 7, .fixed(0xFC), "frndint"),
        X87Form(0xDD, 0, .st, "ffree"), X87Form(0xDF, 0, .st, "ffreep"),
        X87Form(0xD9, 6, .fixed(0xF6), "fdecstp"), X87Form(0xD9, 6, .fixed(0xF7), "fincstp"),
        X87Form(0xD9, 2, .fixed(0xD0), "fnop"),
        X87Form(0xDB, 4, .fixed(0xE0), "feni"), X87Form(0xDB, 4, .fixed(0xE1), "fdisi"), X87Form(0xDB, 4, .fixed(0xE4), "fsetpm"),
        X87Form(0xDA, 0, .st, "fcmovb"), X87Form(0xDA, 1, .st, "fcmove"), X87Form(0xDA, 2, .st, "fcmovbe"), X87Form(0xDA, 3, .st, "fcmovu"),
        X87Form(0xDB, 0, .st, "fcmovnb"), X87Form(0xDB, 1, .st, "fcmovne"), X87Form(0xDB, 2, .st, "fcmovnbe"), X87Form(0xDB, 3, .st, "fcmovnu"),
    ]
    static let compares: [X87Form] = [
        X87Form(0xD8, 2, .st, "fcom st"), X87Form(0xD8, 3, .st, "fcomp st"), X87Form(0xDE, 3, .fixed(0xD9), "fcompp"),
        X87Form(0xDC, 2, .st, "fcom2 st"), X87Form(0xDC, 3, .st, "fcomp3 st"), X87Form(0xDE, 2, .st, "fcomp5 st"),
        X87Form(0xDD, 4, .st, "fucom"), X87Form(0xDD, 5, .st, "fucomp"), X87Form(0xDA, 5, .fixed(0xE9), "fucompp"),
        X87Form(0xDB, 6, .st, "fcomi"), X87Form(0xDF, 6, .st, "fcomip"), X87Form(0xDB, 5, .st, "fucomi"), X87Form(0xDF, 5, .st, "fucomip"),
        X87Form(0xD8, 2, .mem(.f32), "fcom m32"), X87Form(0xD8, 3, .mem(.f32), "fcomp m32"),
        X87Form(0xDC, 2, .mem(.f64), "fcom m64"), X87Form(0xDC, 3, .mem(.f64), "fcomp m64"),
        X87Form(0xDE, 2, .mem(.i16), "ficom m16"), X87Form(0xDE, 3, .mem(.i16), "ficomp m16"),
        X87Form(0xDA, 2, .mem(.i32), "ficom m32"), X87Form(0xDA, 3, .mem(.i32), "ficomp m32"),
        X87Form(0xD9, 4, .fixed(0xE4), "ftst"),
    ]
    static var arithmetic: [X87Form] {
        var f: [X87Form] = []
        let names = ["fadd", "fmul", "", "", "fsub", "fsubr", "fdiv", "fdivr"]
        let dcNames = ["fadd", "fmul", "", "", "fsubr", "fsub", "fdivr", "fdiv"]
        for d in [0, 1, 4, 5, 6, 7] {
            f.append(X87Form(0xD8, d, .mem(.f32), names[d] + " m32"))
            f.append(X87Form(0xDC, d, .mem(.f64), names[d] + " m64"))
            f.append(X87Form(0xDA, d, .mem(.i32), "fi" + names[d].dropFirst() + " m32"))
            f.append(X87Form(0xDE, d, .mem(.i16), "fi" + names[d].dropFirst() + " m16"))
            f.append(X87Form(0xD8, d, .st, names[d] + " st0,st"))
            f.append(X87Form(0xDC, d, .st, dcNames[d] + " st,st0"))
            f.append(X87Form(0xDE, d, .st, dcNames[d] + "p st,st0"))
        }
        f.append(X87Form(0xD9, 7, .fixed(0xFA), "fsqrt"))
        return f
    }
    static let arithmeticForms = arithmetic
    static let special: [X87Form] = [
        X87Form(0xD9, 7, .fixed(0xFD), "fscale"), X87Form(0xD9, 6, .fixed(0xF4), "fxtract"),
        X87Form(0xD9, 7, .fixed(0xF8), "fprem"), X87Form(0xD9, 6, .fixed(0xF5), "fprem1"),
        X87Form(0xD9, 7, .fixed(0xFC), "frndint"),
    ]
    static let control: [X87Form] = [
        X87Form(0xD9, 6, .mem(.env), "fnstenv"), X87Form(0xD9, 4, .mem(.env), "fldenv"),
        X87Form(0xDD, 6, .mem(.save), "fnsave"), X87Form(0xDD, 4, .mem(.save), "frstor"),
        X87Form(0xD9, 7, .mem(.word), "fnstcw"), X87Form(0xD9, 5, .mem(.word), "fldcw"),
        X87Form(0xDD, 7, .mem(.word), "fnstsw m16"), X87Form(0xDF, 4, .fixed(0xE0), "fnstsw ax"),
        X87Form(0xDB, 4, .fixed(0xE2), "fnclex"), X87Form(0xDB, 4, .fixed(0xE3), "fninit"),
        X87Form(0x9B, -1, .fixed(0), "fwait"),
        X87Form(0x0F, 0, .mem(.fxsave), "fxsave"), X87Form(0x0F, 1, .mem(.fxsave), "fxrstor"),
    ]

    // MARK: values

    /// An 80-bit value biased to the encodings that matter.
    static func f80(_ b: inout Builder) -> (UInt64, UInt16) {
        let sign: UInt16 = b.rng.bool() ? 0x8000 : 0
        let top: UInt64 = 1 << 63
        switch b.rng.below(22) {
        case 0: return (0, sign)                                           // zero
        case 1: return (top, sign | 0x7FFF)                                // infinity
        case 2: return (top | 1 << 62 | (b.rng.chance(50) ? 0 : b.rng.next() >> 2), sign | 0x7FFF)   // QNaN
        case 3: return (top | max(1, b.rng.next() >> 2), sign | 0x7FFF)   // SNaN
        case 4: return (0xC000_0000_0000_0000, 0xFFFF)                    // indefinite
        case 5: return (b.rng.next() >> UInt64(1 + b.rng.below(63)), sign)   // denormal
        case 6: return (top | b.rng.next() >> 1, sign)                     // pseudo-denormal
        case 7: return (b.rng.next() >> 1, sign | UInt16(1 + b.rng.below(0x7FFE)))   // unnormal
        case 8: return (b.rng.next() >> 1, sign | 0x7FFF)                  // pseudo-NaN / pseudo-infinity
        case 9: return (~0, sign | 0x7FFE)                                 // max
        case 10: return (top, sign | 1)                                    // min normal
        case 11, 12:
            // Integers and halves: exercise rounding to integer (FIST, FRNDINT, FBSTP).
            // An integer of e+1 bits (maybe plus one half): bits below the binary point are clear.
            let e = b.rng.below(66)
            let intBits = min(e + 1, 64)
            let keepMask: UInt64 = intBits >= 64 ? ~0 : ~(~UInt64(0) >> UInt64(intBits))
            let half: UInt64 = b.rng.chance(30) && intBits < 64 ? (top >> UInt64(intBits)) : 0
            return (top | (b.rng.next() & keepMask) | half, sign | UInt16(16383 + e))
        case 13, 14:
            // Near the binary32/binary64 range edges (overflow, underflow, denormal results).
            let edges = [127, 128, -126, -127, -149, -150, -140, 1023, 1024, -1022, -1023, -1074, -1075, -1060]
            let e = b.rng.pick(edges) + b.rng.below(3) - 1
            let shortSig: UInt64 = top | ((b.rng.next() >> 40) << 39)
            let sig: UInt64 = b.rng.chance(40) ? top | (b.rng.next() >> 1) : (b.rng.chance(50) ? ~0 : shortSig)
            return (sig, sign | UInt16(truncatingIfNeeded: 16383 + e))
        case 15:
            // Values with few significand bits (exact in binary32/64) or just past them.
            let cut = b.rng.pick([24, 53, 64] as [Int])
            // cut significant bits (exact in that format), sometimes one more bit below them.
            let mask: UInt64 = ~(~UInt64(0) >> UInt64(cut))
            let extra: UInt64 = cut < 64 && b.rng.chance(50) ? UInt64(1) << UInt64(63 - cut) : 0
            let sig: UInt64 = top | (b.rng.next() & mask) | extra
            return (sig, sign | UInt16(16383 - 10 + b.rng.below(20)))
        case 16:
            // Near the integer limits (FIST m16/m32/m64, FBSTP 10^18).
            let e = b.rng.pick([14, 15, 16, 30, 31, 32, 59, 62, 63, 64])
            return (b.rng.chance(50) ? top : top | b.rng.next() >> 1, sign | UInt16(16383 + e))
        default:
            return (top | b.rng.next() >> 1, sign | UInt16(16383 - 40 + b.rng.below(80)))
        }
    }

    static func f32(_ b: inout Builder) -> UInt64 {
        let v: [UInt32] = [0, 0x8000_0000, 0x7F80_0000, 0xFF80_0000, 0x7FC0_0000, 0xFFC0_0000, 0x7FA0_0000, 0x7F80_0001,
                           0x0000_0001, 0x807F_FFFF, 0x7F7F_FFFF, 0x0080_0000, 0x3F80_0000, 0x3F00_0000, 0x4B00_0000]
        return b.rng.chance(50) ? UInt64(b.rng.pick(v)) : UInt64(UInt32(truncatingIfNeeded: b.rng.next()))
    }
    static func f64(_ b: inout Builder) -> UInt64 {
        let v: [UInt64] = [0, 1 << 63, 0x7FF0_0000_0000_0000, 0xFFF0_0000_0000_0000, 0x7FF8_0000_0000_0000, 0xFFF8_0000_0000_0000,
                           0x7FF4_0000_0000_0000, 0x7FF0_0000_0000_0001, 1, 0x800F_FFFF_FFFF_FFFF, 0x7FEF_FFFF_FFFF_FFFF,
                           0x0010_0000_0000_0000, 0x3FF0_0000_0000_0000, 0x3FE0_0000_0000_0000, 0x4330_0000_0000_0000]
        return b.rng.chance(50) ? b.rng.pick(v) : b.rng.next()
    }
    static func bcd(_ b: inout Builder) -> [UInt8] {
        var bytes: [UInt8] = []
        let digits = b.rng.below(19)
        for k in 0..<9 {
            let lo = 2 * k < digits ? UInt8(b.rng.below(10)) : 0
            let hi = 2 * k + 1 < digits ? UInt8(b.rng.below(10)) : 0
            bytes.append(hi << 4 | lo)
        }
        bytes.append(b.rng.bool() ? 0x80 : 0)
        return bytes
    }

    /// A control word: every RC and PC, exceptions masked most of the time.
    static func controlWord(_ b: inout Builder) -> UInt16 {
        var masks: UInt16 = 0x3F
        if b.rng.chance(25) { masks = UInt16(b.rng.below(64)) }
        return 0x0040 | masks | UInt16(b.rng.below(4)) << 8 | UInt16(b.rng.below(4)) << 10
    }

    /// The random starting state: TOP, tags, values, control and status words.
    static func randomState(_ b: inout Builder) {
        var x = X87State()
        x.fcw = controlWord(&b)
        let top = UInt16(b.rng.below(8))
        var fsw = top << 11
        if b.rng.chance(30) { fsw |= UInt16(b.rng.below(64)) }                         // sticky flags
        if b.rng.chance(30) { fsw |= UInt16(b.rng.below(16)) << 8 & 0x0700 | (b.rng.bool() ? 0x4000 : 0) }   // C0-C3
        // ES (and B) summarise the unmasked exception flags: FXRSTOR/XRSTOR recompute them on
        // the reference CPU, so a consistent state is the only one the host can start from.
        if b.rng.chance(8) {
            let k = UInt16(b.rng.below(6))   // a pending exception: flag k set, its mask clear
            fsw |= 1 << k
            x.fcw &= ~(1 << k)
        }
        if fsw & ~x.fcw & 0x3F != 0 { fsw |= 0x8080 }
        x.fsw = fsw
        let fullness = b.rng.pick([0, 30, 70, 90, 100] as [Int])
        for p in 0..<8 where b.rng.chance(fullness) { x.ftw |= 1 << UInt8(p) }
        for k in 0..<8 {
            let (lo, hi) = f80(&b)
            x.st[2 * k] = lo; x.st[2 * k + 1] = UInt64(hi)
        }
        b.x87 = x
    }

    // MARK: generation

    static func generate(_ forms: [X87Form], _ family: String, _ b: inout Builder) -> TestCase {
        randomState(&b)
        b.redundantPrefixes = false
        let f = b.rng.pick(forms)
        if f.op == 0x9B { b.opcode = [0x9B]; return b.finish(family, f.name) }
        if f.op == 0x0F {
            b.opcode = [0x0F, 0xAE]
            if !b.mode32 && b.rng.bool() { b.rex |= 8 }
        } else {
            b.opcode = [f.op]
        }
        switch f.shape {
        case .st:
            b.modrmReg = f.digit
            b.encodeRegisterRM(b.rng.below(8))
        case let .fixed(m):
            b.modrmReg = Int(m >> 3) & 7
            b.encodeRegisterRM(Int(m & 7))
        case let .mem(kind):
            b.modrmReg = f.digit
            var size = 8
            var bytes: [UInt8] = []
            switch kind {
            case .f32: size = 4; bytes = b.leBytes(f32(&b), 4)
            case .f64: size = 8; bytes = b.leBytes(f64(&b), 8)
            case .f80:
                size = 10
                let (lo, hi) = f80(&b)
                bytes = b.leBytes(lo, 8) + b.leBytes(UInt64(hi), 2)
            case .i16: size = 2; bytes = b.leBytes(b.edge(16), 2)
            case .i32: size = 4; bytes = b.leBytes(b.edge(32), 4)
            case .i64: size = 8; bytes = b.leBytes(b.edge(64), 8)
            case .bcd: size = 10; bytes = bcd(&b)
            case .word:
                size = 2
                bytes = b.leBytes(UInt64(b.rng.chance(70) ? controlWord(&b) : UInt16(truncatingIfNeeded: b.rng.next())), 2)
            case .env, .save:
                // A 16-bit layout sometimes (66 prefix); the image: a control word, a status word,
                // tags and pointers, then (FRSTOR) eight registers.
                let small = b.rng.chance(25)
                if small { b.legacy.append(0x66) }
                let env = small ? 14 : 28
                size = env + (kind == .save ? 80 : 0)
                var image: [UInt8] = []
                let unit = small ? 2 : 4
                func field(_ v: UInt64) { image += b.leBytes(v, unit) }
                field(UInt64(b.rng.chance(80) ? controlWord(&b) : UInt16(truncatingIfNeeded: b.rng.next())) | (small ? 0 : 0xFFFF_0000))
                var status = UInt64(b.rng.below(8)) << 11 | (b.rng.chance(30) ? UInt64(b.rng.below(64)) : 0)
                if b.rng.chance(10) { status |= 0x8080 }
                if b.rng.chance(10) { status = b.rng.next() & 0xFFFF }
                field(status)
                var tags: UInt64 = 0
                for p in 0..<8 { tags |= UInt64(b.rng.chance(40) ? 3 : b.rng.below(4)) << UInt64(2 * p) }
                field(tags)
                for _ in 0..<4 { field(b.rng.next()) }
                if kind == .save {
                    for _ in 0..<8 {
                        let (lo, hi) = f80(&b)
                        image += b.leBytes(lo, 8) + b.leBytes(UInt64(hi), 2)
                    }
                }
                bytes = image
            case .fxsave:
                size = 512
                var image: [UInt8] = []
                image += b.leBytes(UInt64(controlWord(&b)), 2)
                image += b.leBytes(UInt64(b.rng.below(8)) << 11 | (b.rng.chance(30) ? UInt64(b.rng.below(64)) : 0), 2)
                image += [UInt8(b.rng.below(256)), 0]
                image += b.leBytes(b.rng.next() & 0x7FF, 2)
                image += b.leBytes(b.rng.next(), 8) + b.leBytes(b.rng.next(), 8)
                image += b.leBytes(0x1F80, 4) + b.leBytes(0xFFFF, 4)
                for _ in 0..<8 {
                    let (lo, hi) = f80(&b)
                    image += b.leBytes(lo, 8) + b.leBytes(UInt64(hi), 2) + [0, 0, 0, 0, 0, 0]
                }
                for _ in 0..<(512 - 160) { image.append(UInt8(b.rng.below(256))) }
                bytes = image
            }
            let ea = b.pickEA(size: size, margin: 0, alignment: kind == .fxsave ? 16 : (b.rng.chance(70) ? min(size, 8) : nil))
            b.pokeBytes(ea, bytes)
            b.encodeMemory(ea)
        }
        return b.finish(family, f.name)
    }

    static let transcendentals: [X87Form] = [
        X87Form(0xD9, 7, .fixed(0xFE), "fsin"), X87Form(0xD9, 7, .fixed(0xFF), "fcos"),
        X87Form(0xD9, 7, .fixed(0xFB), "fsincos"), X87Form(0xD9, 6, .fixed(0xF2), "fptan"),
        X87Form(0xD9, 6, .fixed(0xF3), "fpatan"), X87Form(0xD9, 6, .fixed(0xF0), "f2xm1"),
        X87Form(0xD9, 6, .fixed(0xF1), "fyl2x"), X87Form(0xD9, 7, .fixed(0xF9), "fyl2xp1"),
    ]

    /// Transcendentals: ST(0)/ST(1) usually inside each instruction's domain (outside it the
    /// result is undefined), results within 15 ulps of the host's count as model-specific (the
    /// reference CPU is not always correctly rounded; disagreements there are counted), C1
    /// (rounded up) then undefined too.
    static func transcendental(_ b: inout Builder) -> TestCase {
        var c = generate(transcendentals, "x87-transc", &b)
        let top = Int(c.x87.fsw >> 11) & 7
        if b.rng.chance(85) {
            c.x87.ftw |= 1 << UInt8(top) | 1 << UInt8((top + 1) & 7)
            let sign: UInt64 = b.rng.bool() ? 0x8000 : 0
            let sig = 1 << 63 | b.rng.next() >> 1
            var e: Int
            switch c.name {
            case "f2xm1": e = -b.rng.below(40) - 1
            case "fyl2xp1": e = -b.rng.below(40) - 3
            case "fyl2x": e = b.rng.below(80) - 40
            default: e = b.rng.below(80) - 40
            }
            c.x87.st[0] = sig
            c.x87.st[1] = UInt64(16383 + e) | (c.name == "fyl2x" ? 0 : sign)
            if b.rng.chance(70) {
                c.x87.st[2] = 1 << 63 | b.rng.next() >> 1
                c.x87.st[3] = UInt64(16383 + b.rng.below(40) - 20) | (b.rng.bool() ? 0x8000 : 0)
            }
        }
        // F2XM1 (|x| <= 1) and FYL2XP1 (|x| < 1 - sqrt(2)/2) are undefined outside their
        // domain: keep finite ST(0) inside it.
        let st0e = Int(c.x87.st[1] & 0x7FFF)
        if (c.name == "f2xm1" && st0e >= 16383 && st0e != 0x7FFF) || (c.name == "fyl2xp1" && st0e >= 16383 - 2 && st0e != 0x7FFF) {
            c.x87.st[1] = (c.x87.st[1] & 0x8000) | UInt64(16383 - 3 - b.rng.below(30))
            c.x87.st[0] |= 1 << 63
        }
        c.x87LowBitsUndefined = 4
        c.undefinedStatus = 0x0200
        return c
    }

    static func move(_ b: inout Builder) -> TestCase { generate(moves, "x87-move", &b) }
    static func compare(_ b: inout Builder) -> TestCase { generate(compares, "x87-compare", &b) }
    static func controlFamily(_ b: inout Builder) -> TestCase { generate(control, "x87-control", &b) }
    static func arith(_ b: inout Builder) -> TestCase { generate(arithmeticForms, "x87-arith", &b) }
    static func specialFamily(_ b: inout Builder) -> TestCase { generate(special, "x87-special", &b) }

    static let families: [Family] = [
        Family(name: "x87-move", summary: "x87 loads/stores (float, integer, BCD), FXCH, constants, FCHS/FABS, FCMOVcc, FXAM, FRNDINT, stack ops", generate: move),
        Family(name: "x87-compare", summary: "FCOM* FUCOM* FCOMI* FUCOMI* FICOM* FTST", generate: compare),
        Family(name: "x87-control", summary: "FNSTENV FLDENV FNSAVE FRSTOR FLDCW FNSTCW FNSTSW FNCLEX FNINIT FWAIT FXSAVE FXRSTOR", generate: controlFamily),
        Family(name: "x87-arith", summary: "FADD FMUL FSUB FSUBR FDIV FDIVR (all forms) FSQRT", generate: arith),
        Family(name: "x87-special", summary: "FSCALE FXTRACT FPREM FPREM1 FRNDINT", generate: specialFamily),
        Family(name: "x87-transc", summary: "FSIN FCOS FSINCOS FPTAN FPATAN F2XM1 FYL2X FYL2XP1 (results within 15 ulps are model-specific)", generate: transcendental),
        Family(name: "x87-move32", summary: "x87 loads/stores etc. (32-bit mode)", generate: move, mode32: true),
        Family(name: "x87-control32", summary: "x87 environment instructions (32-bit mode)", generate: controlFamily, mode32: true),
        Family(name: "x87-arith32", summary: "x87 arithmetic (32-bit mode)", generate: arith, mode32: true),
        Family(name: "x87-compare32", summary: "x87 compares (32-bit mode)", generate: compare, mode32: true),
    ]
}
