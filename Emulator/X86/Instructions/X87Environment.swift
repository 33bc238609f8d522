// Layer: X86 (CPU model), instruction handlers: FNSTENV/FLDENV (the x87 environment) and
// FNSAVE/FRSTOR (environment + the eight registers), protected-mode layouts (Intel SDM vol. 1
// figures 8-9/8-10). The 32-bit layout (28 bytes) is used with a 32- or 64-bit operand size:
//   0 FCW  4 FSW  8 FTW (full 2-bit tags)  12 FIP  16 FCS | FOP << 16  20 FDP  24 FDS
// with the unused upper halves stored as 1s (as the host writes them). The 16-bit layout
// (operand size 16, 14 bytes): FCW FSW FTW FIP FCS FDP FDS, one word each, no FOP.
// FNSAVE appends ST(0)..ST(7) (10 bytes each) and then re-initialises the FPU like FNINIT.

enum X87Environment {
    /// The full tag word: 11 for an empty register, else 00 valid, 01 zero, 10 special,
    /// computed from the register's contents (the FPU keeps only empty/non-empty).
    static func fullTagWord(_ cpu: CPU) -> UInt16 {
        var tags: UInt16 = 0
        for p in 0..<8 {
            let t: UInt16 = cpu.pointee.fpuTagAbridged & (1 << UInt8(p)) == 0 ? 3 : cpu.fpuPhysicalRead(p).tag
            tags |= t << UInt16(2 * p)
        }
        return tags
    }

    /// Abridged tags from a full tag word: only "empty" (11) matters.
    static func abridged(_ full: UInt16) -> UInt8 {
        var a: UInt8 = 0
        for p in 0..<8 where (full >> UInt16(2 * p)) & 3 != 3 { a |= 1 << UInt8(p) }
        return a
    }

    static func environmentSize(_ i: Instr) -> Int { i.pointee.operandSize == 2 ? 14 : 28 }

    /// Writes the environment at `ea` (the caller has probed the whole area).
    static func storeEnvironment(_ cpu: CPU, _ i: Instr, at ea: UInt64) throws(CPUFault) {
        let s = cpu.pointee
        let tags = fullTagWord(cpu)
        if i.pointee.operandSize == 2 {
            try cpu.store(ea, s.fpuControl)
            try cpu.store(ea &+ 2, s.fpuStatus)
            try cpu.store(ea &+ 4, tags)
            try cpu.store(ea &+ 6, UInt16(truncatingIfNeeded: s.fpuInstructionPointer))
            try cpu.store(ea &+ 8, s.fpuCodeSelector)
            try cpu.store(ea &+ 10, UInt16(truncatingIfNeeded: s.fpuDataPointer))
            try cpu.store(ea &+ 12, s.fpuDataSelector)
        } else {
            try cpu.store(ea, UInt32(s.fpuControl) | 0xFFFF_0000)
            try cpu.store(ea &+ 4, UInt32(s.fpuStatus) | 0xFFFF_0000)
            try cpu.store(ea &+ 8, UInt32(tags) | 0xFFFF_0000)
            try cpu.store(ea &+ 12, UInt32(truncatingIfNeeded: s.fpuInstructionPointer))
            try cpu.store(ea &+ 16, UInt32(s.fpuCodeSelector) | UInt32(s.fpuOpcode & 0x7FF) << 16)
            try cpu.store(ea &+ 20, UInt32(truncatingIfNeeded: s.fpuDataPointer))
            try cpu.store(ea &+ 24, UInt32(s.fpuDataSelector) | 0xFFFF_0000)
        }
    }

    /// The environment read from memory (all reads done before any state changes).
    struct Image {
        var control: UInt16 = 0, status: UInt16 = 0, tags: UInt16 = 0
        var ip: UInt64 = 0, cs: UInt16 = 0, opcode: UInt16 = 0, dp: UInt64 = 0, ds: UInt16 = 0
    }

    /// Fills `m` (an inout result: a typed-throws function returning this struct crashes the
    /// Swift 6.3.1 release compiler's LoadableByAddress pass).
    static func loadEnvironment(_ cpu: CPU, _ i: Instr, at ea: UInt64, into m: inout Image) throws(CPUFault) {
        if i.pointee.operandSize == 2 {
            m.control = try cpu.load(ea)
            m.status = try cpu.load(ea &+ 2)
            m.tags = try cpu.load(ea &+ 4)
            m.ip = UInt64(try cpu.load(ea &+ 6) as UInt16)
            m.cs = try cpu.load(ea &+ 8)
            m.dp = UInt64(try cpu.load(ea &+ 10) as UInt16)
            m.ds = try cpu.load(ea &+ 12)
        } else {
            m.control = try cpu.load(ea)
            m.status = try cpu.load(ea &+ 4)
            m.tags = try cpu.load(ea &+ 8)
            m.ip = UInt64(try cpu.load(ea &+ 12) as UInt32)
            let w: UInt32 = try cpu.load(ea &+ 16)
            m.cs = UInt16(truncatingIfNeeded: w)
            m.opcode = UInt16(truncatingIfNeeded: w >> 16) & 0x7FF
            m.dp = UInt64(try cpu.load(ea &+ 20) as UInt32)
            m.ds = try cpu.load(ea &+ 24)
        }
    }

    static func apply(_ cpu: CPU, _ m: Image) {
        // Reserved control bits read back as the host shows them (see FLDCW).
        cpu.pointee.fpuControl = (m.control & 0x1F3F) | 0x0040
        cpu.pointee.fpuStatus = m.status
        cpu.pointee.fpuTagAbridged = abridged(m.tags)
        cpu.pointee.fpuInstructionPointer = m.ip
        cpu.pointee.fpuCodeSelector = m.cs
        cpu.pointee.fpuOpcode = m.opcode
        cpu.pointee.fpuDataPointer = m.dp
        cpu.pointee.fpuDataSelector = m.ds
        cpu.fpuRecomputeSummary()
    }

    /// FNSTENV m14/m28 (D9 /6): stores the environment, then masks all exceptions.
    @inline(__always) static func fnstenv(_ cpu: CPU, _ i: Instr) { do { try fnstenvBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fnstenvBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.x87Available()
        let ea = try cpu.wideEffectiveAddress(i, size: environmentSize(i), write: true)
        try cpu.pointee.probeWrite(ea, size: environmentSize(i))
        try storeEnvironment(cpu, i, at: ea)
        cpu.pointee.fpuControl |= 0x3F
        cpu.fpuRecomputeSummary()   // everything masked: nothing pending any more
    }

    /// FLDENV m14/m28 (D9 /4).
    @inline(__always) static func fldenv(_ cpu: CPU, _ i: Instr) { do { try fldenvBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fldenvBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.fpuBegin()   // a waiting instruction: a pending exception is #MF first
        var m = Image()
        try loadEnvironment(cpu, i, at: try cpu.wideEffectiveAddress(i, size: environmentSize(i), write: false), into: &m)
        apply(cpu, m)
    }

    /// FNSAVE m94/m108 (DD /6): environment + ST(0)..ST(7), then FNINIT.
    @inline(__always) static func fnsave(_ cpu: CPU, _ i: Instr) { do { try fnsaveBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fnsaveBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.x87Available()
        let ea = try cpu.wideEffectiveAddress(i, size: environmentSize(i) + 80, write: true)
        let envSize = environmentSize(i)
        try cpu.pointee.probeWrite(ea, size: envSize + 80)
        try storeEnvironment(cpu, i, at: ea)
        for k in 0..<8 {
            let v = cpu.st(k)
            let at = ea &+ UInt64(envSize + 10 * k)
            try cpu.store(at, v.significand)
            try cpu.store(at &+ 8, v.signExponent)
        }
        X87Control.initialize(cpu)
    }

    /// FRSTOR m94/m108 (DD /4).
    @inline(__always) static func frstor(_ cpu: CPU, _ i: Instr) { do { try frstorBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func frstorBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.fpuBegin()
        let ea = try cpu.wideEffectiveAddress(i, size: environmentSize(i) + 80, write: false)
        let envSize = environmentSize(i)
        var m = Image()
        try loadEnvironment(cpu, i, at: ea, into: &m)
        // Every register is read once before any state changes (a fault leaves the FPU as it
        // was); the second reads below cannot fault any more.
        for k in 0..<8 {
            let at = ea &+ UInt64(envSize + 10 * k)
            _ = try cpu.load(at) as UInt64
            _ = try cpu.load(at &+ 8) as UInt16
        }
        apply(cpu, m)
        for k in 0..<8 {
            let at = ea &+ UInt64(envSize + 10 * k)
            let low: UInt64 = (try? cpu.load(at)) ?? 0
            let high: UInt16 = (try? cpu.load(at &+ 8)) ?? 0
            cpu.fpuPhysicalWrite(cpu.fpuPhysical(k), F80(significand: low, signExponent: high))
        }
    }
}
