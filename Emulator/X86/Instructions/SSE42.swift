// Layer: X86 (CPU model), instruction handlers: SSE4.2: PCMPGTQ, CRC32 (F2 0F 38 F0/F1) and
// the packed string compares PCMPESTRI/PCMPESTRM/PCMPISTRI/PCMPISTRM (66 0F 3A 60-63).
//
// The string compares (Intel SDM vol. 2, "4.1 Imm8 control byte operation for PCMPESTRI/..."):
// imm8[1:0] element format: 00 unsigned bytes, 01 unsigned words, 10 signed bytes, 11 signed
// words (16 or 8 elements). The first operand (ModRM.reg) is a set, ranges or a needle; the
// second (ModRM.rm or m128, no alignment requirement) is the string examined. Lengths are
// explicit (PCMPESTRx: |EAX| for the first operand, |EDX| for the second, RAX/RDX with REX.W,
// saturated to the element count) or implicit (PCMPISTRx: up to the first zero element).
// imm8[3:2] aggregation gives IntRes1, one bit per element of the second operand:
//   00 equal any:     element j of op2 equals some valid element of op1
//   01 ranges:        op1[2k] <= op2[j] <= op1[2k+1] for some valid pair k (signedness per format)
//   10 equal each:    op1[j] == op2[j]; both invalid counts as equal, one invalid as unequal
//   11 equal ordered: op1 (needle) occurs in op2 starting at j; needle elements past op1's
//                     length match anything, string elements past op2's length match nothing
// imm8[5:4] polarity: 00/10 IntRes2 = IntRes1, 01 all bits inverted, 11 inverted only for the
// valid elements of op2. Output: PCMPxSTRI puts the index of the lowest (imm8[6] = 0) or highest
// (imm8[6] = 1) set bit of IntRes2 in ECX (the element count if none); PCMPxSTRM puts IntRes2 in
// XMM0 as a bit mask (imm8[6] = 0, zero-extended) or as byte/word masks (imm8[6] = 1).
// Flags: CF = IntRes2 != 0, ZF = op2 shorter than the element count, SF = op1 shorter than the
// element count, OF = IntRes2 bit 0, AF = PF = 0.

enum PCmpGtQ: XmmBinaryOp { @inline(__always) static func apply(_ d: V128, _ s: V128, _ imm: UInt8) -> V128 { V128.zip(d, s, Int64.self) { $0 > $1 ? -1 : 0 } } }

enum StringCompare {
    /// Element k of v in the format imm8[1:0] selects, as a signed 32-bit value.
    @inline(__always) static func element(_ v: V128, _ k: Int, _ imm: UInt8) -> Int32 {
        switch imm & 3 {
        case 0: return Int32(v.lane(k, UInt8.self))
        case 1: return Int32(v.lane(k, UInt16.self))
        case 2: return Int32(v.lane(k, Int8.self))
        default: return Int32(v.lane(k, Int16.self))
        }
    }

    @inline(__always) static func count(_ imm: UInt8) -> Int { imm & 1 == 0 ? 16 : 8 }

    /// Implicit length: the index of the first zero element, or the element count.
    @inline(__always) static func implicitLength(_ v: V128, _ imm: UInt8) -> Int {
        let n = count(imm)
        for k in 0..<n where element(v, k, imm) == 0 { return k }
        return n
    }

    /// Explicit length: the absolute value of the register (64-bit with REX.W, else its low
    /// 32 bits as a signed number), saturated to the element count.
    @inline(__always) static func explicitLength(_ r: UInt64, wide: Bool, _ imm: UInt8) -> Int {
        let magnitude: UInt64 = wide ? Int64(bitPattern: r).magnitude : UInt64(Int32(truncatingIfNeeded: r).magnitude)
        return Int(min(magnitude, UInt64(count(imm))))
    }

    /// IntRes2 for operands a (op1, length la) and b (op2, length lb).
    @inline(__always) static func compare(_ a: V128, _ la: Int, _ b: V128, _ lb: Int, _ imm: UInt8) -> UInt32 {
        let n = count(imm)
        var res: UInt32 = 0
        switch (imm >> 2) & 3 {
        case 0:   // equal any
            for j in 0..<lb {
                let y = element(b, j, imm)
                for k in 0..<la where element(a, k, imm) == y { res |= 1 << UInt32(j); break }
            }
        case 1:   // ranges: pairs (op1[2k], op1[2k+1]) with both elements valid
            for j in 0..<lb {
                let y = element(b, j, imm)
                var k = 0
                while k + 1 < la {
                    if element(a, k, imm) <= y && y <= element(a, k + 1, imm) { res |= 1 << UInt32(j); break }
                    k += 2
                }
            }
        case 2:   // equal each
            for j in 0..<n {
                let va = j < la, vb = j < lb
                let eq = va && vb ? element(a, j, imm) == element(b, j, imm) : (!va && !vb)
                if eq { res |= 1 << UInt32(j) }
            }
        default:  // equal ordered
            for j in 0..<n {
                var match = true
                for k in 0..<(n - j) {
                    if k >= la { continue }                 // needle ended: matches
                    if j + k >= lb { match = false; break } // string ended: no match
                    if element(a, k, imm) != element(b, j + k, imm) { match = false; break }
                }
                if match { res |= 1 << UInt32(j) }
            }
        }
        let all: UInt32 = n == 16 ? 0xFFFF : 0xFF
        switch (imm >> 4) & 3 {
        case 1: res = ~res & all
        case 3: res ^= (1 << UInt32(lb)) &- 1
        default: break
        }
        return res
    }

    @inline(__always) static func setFlags(_ cpu: CPU, _ res: UInt32, _ la: Int, _ lb: Int, _ imm: UInt8) {
        let n = count(imm)
        var f: UInt64 = 0
        if res != 0 { f |= Flag.cf }
        if lb < n { f |= Flag.zf }
        if la < n { f |= Flag.sf }
        if res & 1 != 0 { f |= Flag.of }
        cpu.pointee.setArithmeticFlags(f)
    }

    /// PCMPxSTRI: the index into ECX (bits 63:32 of RCX cleared).
    @inline(__always) static func writeIndex(_ cpu: CPU, _ res: UInt32, _ imm: UInt8) {
        let index: Int
        if res == 0 { index = count(imm) }
        else if imm & 0x40 != 0 { index = 31 - res.leadingZeroBitCount }
        else { index = res.trailingZeroBitCount }
        cpu.setGPR(Reg.rcx, UInt64(index))
    }

    /// PCMPxSTRM: the mask into XMM0.
    @inline(__always) static func writeMask(_ cpu: CPU, _ res: UInt32, _ imm: UInt8) {
        var m = V128(lo: 0, hi: 0)
        if imm & 0x40 == 0 {
            m.lo = UInt64(res)
        } else if imm & 1 == 0 {
            for k in 0..<16 where res >> UInt32(k) & 1 != 0 { m.setLane(k, UInt8(0xFF)) }
        } else {
            for k in 0..<8 where res >> UInt32(k) & 1 != 0 { m.setLane(k, UInt16(0xFFFF)) }
        }
        cpu.setXmm(0, m)
    }

    /// The second operand: XMM register or unaligned m128.
    @inline(__always) static func source(_ cpu: CPU, _ i: Instr, memory: Bool) throws(CPUFault) -> V128 {
        memory ? try cpu.load128(cpu.effectiveAddress(i), aligned: false) : cpu.xmm(i.rm)
    }

    @inline(__always) static func run(_ cpu: CPU, _ i: Instr, memory: Bool, explicit: Bool, index: Bool) throws(CPUFault) {
        try cpu.sseAvailable()
        let imm = UInt8(truncatingIfNeeded: i.imm)
        let a = cpu.xmm(i.reg)
        let b = try source(cpu, i, memory: memory)
        let la: Int, lb: Int
        if explicit {
            let wide = i.pointee.prefixes.contains(.rexW)
            la = explicitLength(cpu.gpr(Reg.rax), wide: wide, imm)
            lb = explicitLength(cpu.gpr(Reg.rdx), wide: wide, imm)
        } else {
            la = implicitLength(a, imm)
            lb = implicitLength(b, imm)
        }
        let res = compare(a, la, b, lb, imm)
        if index { writeIndex(cpu, res, imm) } else { writeMask(cpu, res, imm) }
        setFlags(cpu, res, la, lb, imm)
    }

    @inline(__always) static func estriR(_ cpu: CPU, _ i: Instr) { do { try estriRBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func estriRBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) { try run(cpu, i, memory: false, explicit: true, index: true) }
    @inline(__always) static func estriM(_ cpu: CPU, _ i: Instr) { do { try estriMBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func estriMBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) { try run(cpu, i, memory: true, explicit: true, index: true) }
    @inline(__always) static func estrmR(_ cpu: CPU, _ i: Instr) { do { try estrmRBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func estrmRBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) { try run(cpu, i, memory: false, explicit: true, index: false) }
    @inline(__always) static func estrmM(_ cpu: CPU, _ i: Instr) { do { try estrmMBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func estrmMBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) { try run(cpu, i, memory: true, explicit: true, index: false) }
    @inline(__always) static func istriR(_ cpu: CPU, _ i: Instr) { do { try istriRBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func istriRBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) { try run(cpu, i, memory: false, explicit: false, index: true) }
    @inline(__always) static func istriM(_ cpu: CPU, _ i: Instr) { do { try istriMBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func istriMBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) { try run(cpu, i, memory: true, explicit: false, index: true) }
    @inline(__always) static func istrmR(_ cpu: CPU, _ i: Instr) { do { try istrmRBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func istrmRBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) { try run(cpu, i, memory: false, explicit: false, index: false) }
    @inline(__always) static func istrmM(_ cpu: CPU, _ i: Instr) { do { try istrmMBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func istrmMBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) { try run(cpu, i, memory: true, explicit: false, index: false) }
}

/// CRC32 (F2 0F 38 F0/F1): CRC-32C (Castagnoli, reflected polynomial 0x82F63B78) of the source
/// bytes in memory order, continuing from the low 32 bits of the destination; the result is
/// written as a 32-bit value (bits 63:32 cleared, also in the REX.W form). No flags change.
enum CRC32Handlers<T: FixedWidthInteger & UnsignedInteger> {
    @inline(__always) static func update(_ crc: UInt32, _ data: T) -> UInt32 {
        // Byte-serial CRC generalised to 32-bit chunks: XOR a chunk into the low bits, then
        // shift once per chunk bit, reducing by the polynomial whenever a 1 leaves bit 0.
        var c = crc
        var d = UInt64(data)
        var remaining = T.bitWidth
        while remaining > 0 {
            let chunk = min(remaining, 32)
            c ^= UInt32(truncatingIfNeeded: d)
            for _ in 0..<chunk { c = (c >> 1) ^ (c & 1 == 0 ? 0 : 0x82F6_3B78) }
            d >>= 32
            remaining -= chunk
        }
        return c
    }
    @inline(__always) static func reg(_ cpu: CPU, _ i: Instr) { do { try regBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func regBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        cpu.setReg(i.reg, update(cpu.reg(i.reg) as UInt32, cpu.reg(i.rm) as T))
    }
    @inline(__always) static func mem(_ cpu: CPU, _ i: Instr) { do { try memBody(cpu, i) } catch { return cpu.raise(error, at: i) }; cpu.retireAndContinue(i) }
    @inline(__always) static func memBody(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        let v: T = try cpu.load(cpu.effectiveAddress(i))
        cpu.setReg(i.reg, update(cpu.reg(i.reg) as UInt32, v))
    }
}

extension SSE {
    static let pCmpGtQ = xmmSet(XmmBinary<PCmpGtQ>.reg, XmmBinary<PCmpGtQ>.mem)
    static let pCmpEStrI = xmmSet(StringCompare.estriR, StringCompare.estriM)
    static let pCmpEStrM = xmmSet(StringCompare.estrmR, StringCompare.estrmM)
    static let pCmpIStrI = xmmSet(StringCompare.istriR, StringCompare.istriM)
    static let pCmpIStrM = xmmSet(StringCompare.istrmR, StringCompare.istrmM)
    /// F2 0F 38 F0: CRC32 r32/r64, r/m8 (a 66 prefix does not change the byte source).
    static let crc32Byte = HandlerSet(reg16: CRC32Handlers<UInt8>.reg, reg32: CRC32Handlers<UInt8>.reg, reg64: CRC32Handlers<UInt8>.reg,
                                      mem16: CRC32Handlers<UInt8>.mem, mem32: CRC32Handlers<UInt8>.mem, mem64: CRC32Handlers<UInt8>.mem)
    /// F2 0F 38 F1: CRC32 r32, r/m16 (66), r32, r/m32, r64, r/m64 (REX.W).
    static let crc32 = HandlerSet(reg16: CRC32Handlers<UInt16>.reg, reg32: CRC32Handlers<UInt32>.reg, reg64: CRC32Handlers<UInt64>.reg,
                                  mem16: CRC32Handlers<UInt16>.mem, mem32: CRC32Handlers<UInt32>.mem, mem64: CRC32Handlers<UInt64>.mem)
}
