// Layer: X86 (CPU model), opcode tables: the x87 escape opcodes D8-DF (Intel SDM vol. 2 tables
// AMD APM vol. 3 tables ). Memory forms are chosen by ModRM.reg (/digit),
// register forms (mod = 3) by the whole ModRM byte: ModRM.reg picks the operation and ModRM.rm
// is ST(i) or, for the single-register instructions, a further choice. The decoder records the
// 11-bit FPU opcode (FOP) in `imm2`; handlers take ST(i) from its low 3 bits.
// Entries with `HandlerSet.unimplemented` decode (so lengths are right) and raise #UD until the
// arithmetic core lands.

enum X87Map {
    static let none8 = [OpcodeNode](repeating: .invalid, count: 8)
    static let todo = HandlerSet.unimplemented

    /// A register form taking ST(i): eight entries so the disassembler prints the register.
    static func st(_ name: String, _ h: HandlerSet, _ pattern: String = "st(%)") -> OpcodeNode {
        // A plain loop (no closure capturing the handler set: the release compiler's
        // LoadableByAddress pass crashes on that shape in Swift 6.3.1).
        let parts = pattern.split(separator: "%", omittingEmptySubsequences: false)
        var nodes = none8
        for k in 0..<8 { nodes[k] = .op(name + " " + parts.joined(separator: String(k)), [], h) }
        return .byRM(nodes)
    }
    static func single(_ entries: [(Int, String, HandlerSet)]) -> OpcodeNode {
        var n = none8
        for (rm, name, h) in entries { n[rm] = .op(name, [], h) }
        return .byRM(n)
    }
    static func h(_ f: Handler) -> HandlerSet { HandlerSet(all: f) }

    /// The nodes for D8..DF, in order.
    static func escapes() -> [OpcodeNode] {
        let arith = ["fadd", "fmul", "fcom", "fcomp", "fsub", "fsubr", "fdiv", "fdivr"]
        var d8m = none8, d8r = none8, dcm = none8, dcr = none8, dam = none8, dem = none8, der = none8
        for k in 0..<8 {
            d8m[k] = .op(arith[k], [.M(.d)], todo)
            dcm[k] = .op(arith[k], [.M(.q)], todo)
            d8r[k] = st(arith[k], todo, "st,st(%)")
            dam[k] = .op("fi" + arith[k].dropFirst(), [.M(.d)], todo)
            dem[k] = .op("fi" + arith[k].dropFirst(), [.M(.w)], todo)
        }
        typealias A = X87ArithHandlers
        let d8mH: [Handler] = [A.faddM32, A.fmulM32, A.faddM32, A.faddM32, A.fsubM32, A.fsubrM32, A.fdivM32, A.fdivrM32]
        let dcmH: [Handler] = [A.faddM64, A.fmulM64, A.faddM64, A.faddM64, A.fsubM64, A.fsubrM64, A.fdivM64, A.fdivrM64]
        let damH: [Handler] = [A.fiaddM32, A.fimulM32, A.fiaddM32, A.fiaddM32, A.fisubM32, A.fisubrM32, A.fidivM32, A.fidivrM32]
        let demH: [Handler] = [A.fiaddM16, A.fimulM16, A.fiaddM16, A.fiaddM16, A.fisubM16, A.fisubrM16, A.fidivM16, A.fidivrM16]
        let d8rH: [Handler] = [A.faddST0, A.fmulST0, A.faddST0, A.faddST0, A.fsubST0, A.fsubrST0, A.fdivST0, A.fdivrST0]
        let dcrH: [Handler] = [A.faddSTi, A.fmulSTi, A.faddSTi, A.faddSTi, A.fsubrSTi, A.fsubSTi, A.fdivrSTi, A.fdivSTi]
        let derH: [Handler] = [A.faddp, A.fmulp, A.faddp, A.faddp, A.fsubrp, A.fsubp, A.fdivrp, A.fdivp]
        for k in [0, 1, 4, 5, 6, 7] {
            d8m[k] = .op(arith[k], [.M(.d)], h(d8mH[k]))
            dcm[k] = .op(arith[k], [.M(.q)], h(dcmH[k]))
            dam[k] = .op("fi" + arith[k].dropFirst(), [.M(.d)], h(damH[k]))
            dem[k] = .op("fi" + arith[k].dropFirst(), [.M(.w)], h(demH[k]))
            d8r[k] = st(arith[k], h(d8rH[k]), "st,st(%)")
        }
        d8m[2] = .op("fcom", [.M(.d)], h(X87Compare.fcomM32))
        d8m[3] = .op("fcomp", [.M(.d)], h(X87Compare.fcompM32))
        d8r[2] = st("fcom", h(X87Compare.fcom))
        d8r[3] = st("fcomp", h(X87Compare.fcomp))
        dcm[2] = .op("fcom", [.M(.q)], h(X87Compare.fcomM64))
        dcm[3] = .op("fcomp", [.M(.q)], h(X87Compare.fcompM64))
        dam[2] = .op("ficom", [.M(.d)], h(X87Compare.ficomM32))
        dam[3] = .op("ficomp", [.M(.d)], h(X87Compare.ficompM32))
        dem[2] = .op("ficom", [.M(.w)], h(X87Compare.ficomM16))
        dem[3] = .op("ficomp", [.M(.w)], h(X87Compare.ficompM16))
        // DC register forms: the destination is ST(i) (and SUB/SUBR, DIV/DIVR swap names).
        let dcNames = ["fadd", "fmul", "fcom", "fcomp", "fsubr", "fsub", "fdivr", "fdiv"]
        for k in 0..<8 { dcr[k] = st(dcNames[k], h(dcrH[k]), "st(%),st") }
        dcr[2] = st("fcom2", h(X87Compare.fcom))     // undocumented aliases of D8 D0+i / D8 D8+i
        dcr[3] = st("fcomp3", h(X87Compare.fcomp))
        let deNames = ["faddp", "fmulp", "fcomp5", "fcompp", "fsubrp", "fsubp", "fdivrp", "fdivp"]
        for k in 0..<8 { der[k] = st(deNames[k], h(derH[k]), "st(%),st") }
        der[2] = st("fcomp5", h(X87Compare.fcomp))
        der[3] = single([(1, "fcompp", h(X87Compare.fcompp))])

        var d9m = none8
        d9m[0] = .op("fld", [.M(.d)], h(X87.fldM32))
        d9m[2] = .op("fst", [.M(.d)], h(X87.fstM32))
        d9m[3] = .op("fstp", [.M(.d)], h(X87.fstpM32))
        d9m[4] = .op("fldenv", [.M(.q)], h(X87Environment.fldenv))
        d9m[5] = .op("fldcw", [.M(.w)], X87Control.fldcwSet)
        d9m[6] = .op("fnstenv", [.M(.q)], h(X87Environment.fnstenv))
        d9m[7] = .op("fnstcw", [.M(.w)], X87Control.fnstcwSet)
        var d9r = none8
        d9r[0] = st("fld", h(X87.fldST))
        d9r[1] = st("fxch", h(X87.fxch))
        d9r[2] = single([(0, "fnop", h(X87.fnop))])
        d9r[3] = st("fstp1", h(X87.fstp1))         // undocumented alias of DD D8+i
        d9r[4] = single([(0, "fchs", h(X87.fchs)), (1, "fabs", h(X87.fabs)),
                         (4, "ftst", h(X87Compare.ftst)), (5, "fxam", h(X87.fxam))])
        d9r[5] = single([(0, "fld1", h(X87.fld1)), (1, "fldl2t", h(X87.fldl2t)), (2, "fldl2e", h(X87.fldl2e)),
                         (3, "fldpi", h(X87.fldpi)), (4, "fldlg2", h(X87.fldlg2)), (5, "fldln2", h(X87.fldln2)),
                         (6, "fldz", h(X87.fldz))])
        d9r[6] = single([(0, "f2xm1", h(X87Trig.f2xm1)), (1, "fyl2x", h(X87Trig.fyl2x)), (2, "fptan", h(X87Trig.fptan)), (3, "fpatan", h(X87Trig.fpatan)),
                         (4, "fxtract", h(X87Special.fxtract)), (5, "fprem1", h(X87Special.fprem1)), (6, "fdecstp", h(X87.fdecstp)),
                         (7, "fincstp", h(X87.fincstp))])
        d9r[7] = single([(0, "fprem", h(X87Special.fprem)), (1, "fyl2xp1", h(X87Trig.fyl2xp1)), (2, "fsqrt", h(X87Arith.fsqrt)), (3, "fsincos", h(X87Trig.fsincos)),
                         (4, "frndint", h(X87.frndint)), (5, "fscale", h(X87Special.fscale)), (6, "fsin", h(X87Trig.fsin)), (7, "fcos", h(X87Trig.fcos))])

        var dar = none8
        dar[0] = st("fcmovb", h(X87.fcmovb), "st,st(%)")
        dar[1] = st("fcmove", h(X87.fcmove), "st,st(%)")
        dar[2] = st("fcmovbe", h(X87.fcmovbe), "st,st(%)")
        dar[3] = st("fcmovu", h(X87.fcmovu), "st,st(%)")
        dar[5] = single([(1, "fucompp", h(X87Compare.fucompp))])

        var dbm = none8
        dbm[0] = .op("fild", [.M(.d)], h(X87.fildM32))
        dbm[1] = .op("fisttp", [.M(.d)], h(X87.fisttpM32))
        dbm[2] = .op("fist", [.M(.d)], h(X87.fistM32))
        dbm[3] = .op("fistp", [.M(.d)], h(X87.fistpM32))
        dbm[5] = .op("fld", [.M(.q)], h(X87.fldM80))
        dbm[7] = .op("fstp", [.M(.q)], h(X87.fstpM80))
        var dbr = none8
        dbr[0] = st("fcmovnb", h(X87.fcmovnb), "st,st(%)")
        dbr[1] = st("fcmovne", h(X87.fcmovne), "st,st(%)")
        dbr[2] = st("fcmovnbe", h(X87.fcmovnbe), "st,st(%)")
        dbr[3] = st("fcmovnu", h(X87.fcmovnu), "st,st(%)")
        dbr[4] = single([(0, "feni", h(X87.fnopLegacy)), (1, "fdisi", h(X87.fnopLegacy)), (2, "fnclex", X87Control.fnclexSet),
                         (3, "fninit", X87Control.fninitSet), (4, "fsetpm", h(X87.fnopLegacy))])
        dbr[5] = st("fucomi", h(X87Compare.fucomi), "st,st(%)")
        dbr[6] = st("fcomi", h(X87Compare.fcomi), "st,st(%)")

        var ddm = none8
        ddm[0] = .op("fld", [.M(.q)], h(X87.fldM64))
        ddm[1] = .op("fisttp", [.M(.q)], h(X87.fisttpM64))
        ddm[2] = .op("fst", [.M(.q)], h(X87.fstM64))
        ddm[3] = .op("fstp", [.M(.q)], h(X87.fstpM64))
        ddm[4] = .op("frstor", [.M(.q)], h(X87Environment.frstor))
        ddm[6] = .op("fnsave", [.M(.q)], h(X87Environment.fnsave))
        ddm[7] = .op("fnstsw", [.M(.w)], X87Control.fnstswMemSet)
        var ddr = none8
        ddr[0] = st("ffree", h(X87.ffree))
        ddr[1] = st("fxch4", h(X87.fxch))
        ddr[2] = st("fst", h(X87.fstST))
        ddr[3] = st("fstp", h(X87.fstpST))
        ddr[4] = st("fucom", h(X87Compare.fucom))
        ddr[5] = st("fucomp", h(X87Compare.fucomp))

        var dfm = none8
        dfm[0] = .op("fild", [.M(.w)], h(X87.fildM16))
        dfm[1] = .op("fisttp", [.M(.w)], h(X87.fisttpM16))
        dfm[2] = .op("fist", [.M(.w)], h(X87.fistM16))
        dfm[3] = .op("fistp", [.M(.w)], h(X87.fistpM16))
        dfm[4] = .op("fbld", [.M(.q)], h(X87.fbld))
        dfm[5] = .op("fild", [.M(.q)], h(X87.fildM64))
        dfm[6] = .op("fbstp", [.M(.q)], h(X87.fbstp))
        dfm[7] = .op("fistp", [.M(.q)], h(X87.fistpM64))
        var dfr = none8
        dfr[0] = st("ffreep", h(X87.ffreep))
        dfr[1] = st("fxch7", h(X87.fxch))
        dfr[2] = st("fstp8", h(X87.fstpST))
        dfr[3] = st("fstp9", h(X87.fstpST))
        dfr[4] = single([(0, "fnstsw ax", X87Control.fnstswAXSet)])
        dfr[5] = st("fucomip", h(X87Compare.fucomip), "st,st(%)")
        dfr[6] = st("fcomip", h(X87Compare.fcomip), "st,st(%)")

        return [
            .byMod(memory: .group(d8m), register: .group(d8r)),
            .byMod(memory: .group(d9m), register: .group(d9r)),
            .byMod(memory: .group(dam), register: .group(dar)),
            .byMod(memory: .group(dbm), register: .group(dbr)),
            .byMod(memory: .group(dcm), register: .group(dcr)),
            .byMod(memory: .group(ddm), register: .group(ddr)),
            .byMod(memory: .group(dem), register: .group(der)),
            .byMod(memory: .group(dfm), register: .group(dfr)),
        ]
    }
}
