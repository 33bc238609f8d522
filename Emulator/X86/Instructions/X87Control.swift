// Layer: X86 (CPU model), instruction handlers: the x87 control instructions an OS needs before
// any floating point runs (FNINIT, FLDCW/FNSTCW, FNSTSW, FNCLEX) and FXSAVE/FXRSTOR, which save
// and restore the whole x87 + SSE state (kernels run them on every entry, DESIGN.md §4).
// The x87 data registers and arithmetic arrive with [2/6]; until then the registers are only
// stored and restored bit for bit.

/// x87 instructions raise #NM when CR0.EM or CR0.TS is set (the OS emulates the FPU, or must
/// restore this task's FPU state first). FXSAVE/FXRSTOR: #NM on TS or EM too.
extension UnsafeMutablePointer where Pointee == CPUState {
    @inline(__always) func x87Available() throws(CPUFault) {
        if pointee.cr0 & 0xC != 0 { throw CPUFault(.deviceNotAvailable) }   // EM (bit 2) | TS (bit 3)
    }
}

enum X87Control {
    /// FNINIT (DB E3): control word 0x37F (all exceptions masked, 64-bit precision, round to
    /// nearest), status 0, all registers empty, pointers cleared.
    @inline(__always) static func fninit(_ cpu: CPU, _ i: Instr) { do { try fninitBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fninitBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.x87Available()
        initialize(cpu)
    }

    /// The FNINIT state (also what FNSAVE leaves behind).
    @inline(__always) static func initialize(_ cpu: CPU) {
        cpu.pointee.fpuControl = 0x037F
        cpu.pointee.fpuStatus = 0
        cpu.pointee.fpuTagAbridged = 0
        cpu.pointee.fpuOpcode = 0
        cpu.pointee.fpuInstructionPointer = 0
        cpu.pointee.fpuDataPointer = 0
        cpu.pointee.fpuCodeSelector = 0
        cpu.pointee.fpuDataSelector = 0
    }

    /// FNCLEX (DB E2): clears the exception flags, the stack fault, error summary and busy bits.
    @inline(__always) static func fnclex(_ cpu: CPU, _ i: Instr) { do { try fnclexBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fnclexBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.x87Available()
        cpu.pointee.fpuStatus &= 0x7F00
    }

    /// FLDCW m16 (D9 /5). Bits 6, 13-15 are reserved and read back as 0 (bit 6 reads 1 on
    /// some CPUs; the reference CPU stores what FXSAVE later shows: the value with bit 6 set).
    @inline(__always) static func fldcw(_ cpu: CPU, _ i: Instr) { do { try fldcwBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fldcwBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.fpuBegin()   // waiting: a pending exception raises #MF first
        let v: UInt16 = try cpu.load(cpu.effectiveAddress(i))
        cpu.pointee.fpuControl = (v & 0x1F3F) | 0x0040
        cpu.fpuRecomputeSummary()
    }

    /// FNSTCW m16 (D9 /7).
    @inline(__always) static func fnstcw(_ cpu: CPU, _ i: Instr) { do { try fnstcwBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fnstcwBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.x87Available()
        try cpu.store(cpu.effectiveAddress(i), cpu.pointee.fpuControl)
    }

    /// FNSTSW m16 (DD /7).
    @inline(__always) static func fnstswMem(_ cpu: CPU, _ i: Instr) { do { try fnstswMemBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fnstswMemBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.x87Available()
        try cpu.store(cpu.effectiveAddress(i), cpu.pointee.fpuStatus)
    }

    /// FNSTSW AX (DF E0).
    @inline(__always) static func fnstswAX(_ cpu: CPU, _ i: Instr) { do { try fnstswAXBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fnstswAXBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.x87Available()
        cpu.setReg(0, cpu.pointee.fpuStatus)
    }

    // MARK: FXSAVE / FXRSTOR (0F AE /0 /1)

    /// Bits of MXCSR that FXRSTOR/LDMXCSR accept (reported in FXSAVE's MXCSR_MASK): the
    /// reference CPU (AMD) supports DAZ and the misaligned-SSE bit 17 (MM).
    static let mxcsrMask: UInt32 = 0x2FFFF

    /// FXSAVE layout (Intel SDM vol. 1 table 10-2 / AMD APM vol. 2 §11.4.4): FCW, FSW, abridged
    /// FTW, FOP, FIP, FDP (64-bit offsets with REX.W; else 32-bit offset + selector), MXCSR,
    /// MXCSR_MASK, ST0-7 in 16-byte slots at 32, XMM0-15 at 160 (XMM8-15 only in 64-bit mode),
    /// bytes 416-511 untouched. The area must be 16-byte aligned (#GP(0)).
    @inline(__always) static func fxsave(_ cpu: CPU, _ i: Instr) { do { try fxsaveBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fxsaveBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.x87Available()
        let ea = try cpu.wideEffectiveAddress(i, size: 512, write: true)
        if ea & 15 != 0 { throw .gp(0) }
        let xmmCount = cpu.pointee.mode == .long64 ? 16 : 8
        // Check the whole written range first: FXSAVE either completes or changes nothing.
        try cpu.pointee.probeWrite(ea, size: 160 + 16 * xmmCount)
        let s = cpu.pointee
        try cpu.store(ea, s.fpuControl)
        try cpu.store(ea &+ 2, s.fpuStatus)
        try cpu.store(ea &+ 4, s.fpuTagAbridged)
        try cpu.store(ea &+ 5, UInt8(0))
        // The reference CPU (AMD) saves FOP, FIP and FDP only while an unmasked exception is
        // pending (ES set); otherwise it stores zeros (AMD APM vol. 2 §11.4.4; checked on the host).
        let pointers = s.fpuStatus & FSW.es != 0
        try cpu.store(ea &+ 6, pointers ? s.fpuOpcode : 0)
        if !pointers {
            try cpu.store(ea &+ 8, UInt64(0))
            try cpu.store(ea &+ 16, UInt64(0))
        } else if i.pointee.prefixes.contains(.rexW) {
            try cpu.store(ea &+ 8, s.fpuInstructionPointer)
            try cpu.store(ea &+ 16, s.fpuDataPointer)
        } else {
            try cpu.store(ea &+ 8, UInt64(UInt32(truncatingIfNeeded: s.fpuInstructionPointer)) | UInt64(s.fpuCodeSelector) << 32)
            try cpu.store(ea &+ 16, UInt64(UInt32(truncatingIfNeeded: s.fpuDataPointer)) | UInt64(s.fpuDataSelector) << 32)
        }
        try cpu.store(ea &+ 24, s.mxcsr)
        try cpu.store(ea &+ 28, mxcsrMask)
        // The image holds ST(0)..ST(7) in stack order (physical register TOP + k).
        for k in 0..<8 {
            let slot = k * 16
            let physical = 16 * cpu.fpuPhysical(k)
            try cpu.store(ea &+ UInt64(32 + slot), s.fpuRegisters.load(fromByteOffset: physical, as: UInt64.self))
            try cpu.store(ea &+ UInt64(40 + slot), s.fpuRegisters.load(fromByteOffset: physical + 8, as: UInt16.self))
            try cpu.store(ea &+ UInt64(42 + slot), UInt16(0))
            try cpu.store(ea &+ UInt64(44 + slot), UInt32(0))
        }
        for k in 0..<xmmCount {
            try cpu.store(ea &+ UInt64(160 + 16 * k), s.xmm.load(fromByteOffset: 16 * k, as: UInt64.self))
            try cpu.store(ea &+ UInt64(168 + 16 * k), s.xmm.load(fromByteOffset: 16 * k + 8, as: UInt64.self))
        }
    }

    @inline(__always) static func fxrstor(_ cpu: CPU, _ i: Instr) { do { try fxrstorBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func fxrstorBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        try cpu.x87Available()
        let ea = try cpu.wideEffectiveAddress(i, size: 512, write: false)
        if ea & 15 != 0 { throw .gp(0) }
        let xmmCount = cpu.pointee.mode == .long64 ? 16 : 8
        // Read everything before changing any state (a fault or a bad MXCSR changes nothing).
        let mxcsr: UInt32 = try cpu.load(ea &+ 24)
        if mxcsr & ~mxcsrMask != 0 { throw .gp(0) }
        let control: UInt16 = try cpu.load(ea)
        let status: UInt16 = try cpu.load(ea &+ 2)
        let tag: UInt8 = try cpu.load(ea &+ 4)
        let opcode: UInt16 = try cpu.load(ea &+ 6)
        var ip: UInt64 = try cpu.load(ea &+ 8)
        var dp: UInt64 = try cpu.load(ea &+ 16)
        // 64-bit image: the reference CPU keeps 57 bits of each pointer, sign-extended from
        // bit 56 (measured on the host: 7F.. reads back as FF.., FE.. as 00..).
        if !i.pointee.prefixes.contains(.rexW) { ip &= 0xFFFF_FFFF; dp &= 0xFFFF_FFFF }
        else {
            ip = UInt64(bitPattern: Int64(bitPattern: ip << 7) >> 7)
            dp = UInt64(bitPattern: Int64(bitPattern: dp << 7) >> 7)
        }
        var registers: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
                        UInt16, UInt16, UInt16, UInt16, UInt16, UInt16, UInt16, UInt16) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        try withUnsafeMutableBytes(of: &registers) { (raw: UnsafeMutableRawBufferPointer) throws(CPUFault) in
            for k in 0..<8 {
                let low: UInt64 = try cpu.load(ea &+ UInt64(32 + 16 * k))
                let high: UInt16 = try cpu.load(ea &+ UInt64(40 + 16 * k))
                raw.storeBytes(of: low, toByteOffset: 8 * k, as: UInt64.self)
                raw.storeBytes(of: high, toByteOffset: 64 + 2 * k, as: UInt16.self)
            }
        }
        // XMM: read into a scratch copy first (16 x 16 bytes), then commit.
        var lanes: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
                    UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
                    UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
                    UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        try withUnsafeMutableBytes(of: &lanes) { (raw: UnsafeMutableRawBufferPointer) throws(CPUFault) in
            for k in 0..<(2 * xmmCount) {
                let v: UInt64 = try cpu.load(ea &+ UInt64(160 + 8 * k))
                raw.storeBytes(of: v, toByteOffset: 8 * k, as: UInt64.self)
            }
        }
        cpu.pointee.fpuControl = control
        cpu.pointee.fpuStatus = status
        cpu.pointee.fpuTagAbridged = tag
        cpu.pointee.fpuOpcode = opcode & 0x07FF
        cpu.pointee.fpuInstructionPointer = ip
        cpu.pointee.fpuDataPointer = dp
        cpu.pointee.mxcsr = mxcsr
        cpu.fpuRecomputeSummary()
        let fpr = cpu.pointee.fpuRegisters
        withUnsafeBytes(of: &registers) { raw in
            for k in 0..<8 {
                let physical = 16 * cpu.fpuPhysical(k)   // image slot k is ST(k) under the restored TOP
                fpr.storeBytes(of: raw.load(fromByteOffset: 8 * k, as: UInt64.self), toByteOffset: physical, as: UInt64.self)
                fpr.storeBytes(of: raw.load(fromByteOffset: 64 + 2 * k, as: UInt16.self), toByteOffset: physical + 8, as: UInt16.self)
            }
        }
        let x = cpu.pointee.xmm
        withUnsafeBytes(of: &lanes) { raw in
            x.copyMemory(from: raw.baseAddress!, byteCount: 16 * xmmCount)
        }
    }

    static let fninitSet = HandlerSet(all: fninit)
    static let fnclexSet = HandlerSet(all: fnclex)
    static let fldcwSet = HandlerSet(all: fldcw)
    static let fnstcwSet = HandlerSet(all: fnstcw)
    static let fnstswMemSet = HandlerSet(all: fnstswMem)
    static let fnstswAXSet = HandlerSet(all: fnstswAX)
    static let fxsaveSet = HandlerSet(all: fxsave)
    static let fxrstorSet = HandlerSet(all: fxrstor)
}
