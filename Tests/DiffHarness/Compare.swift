// Layer: Tests (differential harness). Compares the host's outcome with the emulator's:
// the event (completed or which exception), every GPR, RIP, the defined RFLAGS bits and the
// bytes of the code and data pages. Architecturally undefined flags and results are compared
// too, but reported separately (the project matches the reference CPU where it is deterministic).

import X86

public enum Verdict {
    case match
    case mismatch
    /// The emulator raised #UD where the host executed the instruction (not implemented yet).
    case unimplemented
    /// Not comparable: host page fault on an unmapped page, runaway case, or the host went on
    /// executing bytes that were not the int3.
    case skipped(String)
}

/// One disagreement on an undefined flag or result.
public struct UndefinedDisagreement {
    public var item: String   // "OF", "AF", ..., "result rax", "result memory"
}

public struct Comparison {
    public var verdict: Verdict
    public var differences: [String] = []
    public var undefinedChecked: [String] = []
    public var undefinedDisagreements: [String] = []
}

let flagNames: [(UInt64, String)] = [(Flag.cf, "CF"), (Flag.pf, "PF"), (Flag.af, "AF"), (Flag.zf, "ZF"),
                                     (Flag.sf, "SF"), (Flag.of, "OF"), (Flag.df, "DF")]

func hex(_ v: UInt64) -> String { "0x" + String(v, radix: 16) }

public func regName(_ i: Int) -> String { Reg.names64[i] }

public func compare(_ c: TestCase, host: Outcome, emu: Outcome,
                    hostMemory: (code: UnsafeRawPointer, data: UnsafeRawPointer),
                    emuMemory: (code: UnsafeRawPointer, data: UnsafeRawPointer)) -> Comparison {
    switch host.event {
    case .timeout: return Comparison(verdict: .skipped("host timeout"))
    case .hostPageFault:
        if case .exception(14, _) = emu.event { break }
        return Comparison(verdict: .skipped("host #PF (unmapped page)"))
    default: break
    }
    if case .exception(6, _) = emu.event {
        if case .exception(6, _) = host.event {} else { return Comparison(verdict: .unimplemented) }
    }
    // The emulator stops after one instruction; the host stops at the next int3. If the
    // instruction branched to a byte of itself, the host went on executing: not comparable.
    if emu.event == .completed, emu.rip >= Layout.codeAddress, emu.rip < Layout.codeAddress + UInt64(Layout.codeSize),
       emuMemory.code.load(fromByteOffset: Int(emu.rip - Layout.codeAddress), as: UInt8.self) != 0xCC {
        return Comparison(verdict: .skipped("branch into the instruction's own bytes"))
    }

    var result = Comparison(verdict: .match)
    if host.event != emu.event {
        result.differences.append("event: host \(host.event), emulator \(emu.event)")
    }
    let completed = host.event == .completed && emu.event == .completed
    let width: UInt64 = c.mode32 ? 0xFFFF_FFFF : ~0
    for i in 0..<16 {
        let h = host.regs[i] & width, e = emu.regs[i] & width
        guard h != e else { continue }
        if completed && c.undefinedRegs & (1 << i) != 0 {
            result.undefinedDisagreements.append("result \(regName(i))")
        } else {
            result.differences.append("\(regName(i)): host \(hex(h)) emulator \(hex(e))")
        }
    }
    if completed {
        for i in 0..<16 where c.undefinedRegs & (1 << i) != 0 { result.undefinedChecked.append("result \(regName(i))") }
    }
    // SSE state: all 16 XMM registers (32-bit mode sees only XMM0-7, the rest are unchanged) and MXCSR.
    for k in 0..<16 where host.xmm[2 * k] != emu.xmm[2 * k] || host.xmm[2 * k + 1] != emu.xmm[2 * k + 1] {
        if completed, c.approximateRegister == k, approximatelyEqual(host.xmm[2 * k], host.xmm[2 * k + 1], emu.xmm[2 * k], emu.xmm[2 * k + 1], lanes: c.approximateLanes) {
            continue
        }
        result.differences.append("xmm\(k): host \(hex(host.xmm[2 * k + 1])):\(hex(host.xmm[2 * k])) emulator \(hex(emu.xmm[2 * k + 1])):\(hex(emu.xmm[2 * k]))")
    }
    if host.mxcsr != emu.mxcsr {
        result.differences.append("mxcsr: host \(hex(UInt64(host.mxcsr))) emulator \(hex(UInt64(emu.mxcsr)))")
    }
    // x87 state: control, status (minus the case's undefined bits), abridged tags, FOP/FIP/FDP
    // and the eight registers (empty ones too: their bits stay observable through FXSAVE).
    let hx = host.x87, ex = emu.x87
    if hx.fcw != ex.fcw { result.differences.append("fcw: host \(hex(UInt64(hx.fcw))) emulator \(hex(UInt64(ex.fcw)))") }
    let statusMask: UInt16 = completed ? ~c.undefinedStatus : 0xFFFF
    if hx.fsw & statusMask != ex.fsw & statusMask {
        result.differences.append("fsw: host \(hex(UInt64(hx.fsw))) emulator \(hex(UInt64(ex.fsw)))")
    }
    if hx.ftw != ex.ftw { result.differences.append("ftw: host \(hex(UInt64(hx.ftw))) emulator \(hex(UInt64(ex.ftw)))") }
    if hx.fop != ex.fop || hx.fip & width != ex.fip & width || hx.fdp & width != ex.fdp & width {
        result.differences.append("fop/fip/fdp: host \(hex(UInt64(hx.fop)))/\(hex(hx.fip))/\(hex(hx.fdp)) emulator \(hex(UInt64(ex.fop)))/\(hex(ex.fip))/\(hex(ex.fdp))")
    }
    let lowMask: UInt64 = completed && c.x87LowBitsUndefined > 0 ? (1 << UInt64(c.x87LowBitsUndefined)) - 1 : 0
    if lowMask != 0 { result.undefinedChecked.append("x87 low bits") }
    var lowDiffered = false
    for k in 0..<8 where hx.st[2 * k] != ex.st[2 * k] || hx.st[2 * k + 1] & 0xFFFF != ex.st[2 * k + 1] & 0xFFFF {
        // Model-specific low bits: the same sign and values within 2^bits - 1 units in the last
        // place, measured on (exponent, fraction) keys so neighbours across a binade count as 1.
        func key(_ lo: UInt64, _ hi: UInt64) -> UInt128 { UInt128(hi & 0x7FFF) << 63 | UInt128(lo & ~(1 << 63)) }
        let hk = key(hx.st[2 * k], hx.st[2 * k + 1]), ek = key(ex.st[2 * k], ex.st[2 * k + 1])
        let distance = hk > ek ? hk - ek : ek - hk
        if lowMask != 0 && distance <= UInt128(lowMask) && hx.st[2 * k + 1] & 0x8000 == ex.st[2 * k + 1] & 0x8000 {
            lowDiffered = true
            continue
        }
        result.differences.append("st\(k): host \(hex(hx.st[2 * k + 1] & 0xFFFF)):\(hex(hx.st[2 * k])) emulator \(hex(ex.st[2 * k + 1] & 0xFFFF)):\(hex(ex.st[2 * k]))")
    }
    if lowDiffered { result.undefinedDisagreements.append("x87 low bits") }
    if host.rip & width != emu.rip & width {
        result.differences.append("rip: host \(hex(host.rip)) emulator \(hex(emu.rip))")
    }
    let undefined = completed ? c.undefinedFlags : 0
    for (bit, name) in flagNames {
        let h = host.rflags & bit, e = emu.rflags & bit
        if undefined & bit != 0 {
            result.undefinedChecked.append(name)
            if h != e { result.undefinedDisagreements.append(name) }
        } else if h != e {
            result.differences.append("\(name): host \(h != 0 ? 1 : 0) emulator \(e != 0 ? 1 : 0)")
        }
    }
    // Memory: the code page (self-modifying stores) and the data pages.
    let codeDiffs = diffBytes(hostMemory.code, emuMemory.code, count: Layout.codeSize, base: Layout.codeAddress, undefined: nil)
    result.differences += codeDiffs.0
    let dataDiffs = diffBytes(hostMemory.data, emuMemory.data, count: Layout.dataSize, base: Layout.dataAddress,
                              undefined: completed ? c.undefinedMemory : nil)
    result.differences += dataDiffs.0
    if completed && c.undefinedMemory != nil {
        result.undefinedChecked.append("result memory")
        if dataDiffs.1 { result.undefinedDisagreements.append("result memory") }
    }
    if !result.differences.isEmpty { result.verdict = .mismatch }
    return result
}

/// Differing bytes as readable lines (at most 8), and whether a byte in `undefined` differed.
func diffBytes(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, count: Int, base: UInt64,
               undefined: Range<Int>?) -> ([String], Bool) {
    if memcmpEqual(a, b, count) { return ([], false) }
    var lines: [String] = []
    var undefinedDiffered = false
    var shown = 0, total = 0
    for i in 0..<count {
        let x = a.load(fromByteOffset: i, as: UInt8.self), y = b.load(fromByteOffset: i, as: UInt8.self)
        guard x != y else { continue }
        if let u = undefined, u.contains(i) { undefinedDiffered = true; continue }
        total += 1
        if shown < 8 {
            lines.append("mem[\(hex(base + UInt64(i)))]: host \(hex(UInt64(x))) emulator \(hex(UInt64(y)))")
            shown += 1
        }
    }
    if total > shown { lines.append("... \(total - shown) more differing bytes") }
    return (lines, undefinedDiffered)
}

@inline(__always) func memcmpEqual(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ n: Int) -> Bool {
    var i = 0
    while i + 8 <= n {
        if a.loadUnaligned(fromByteOffset: i, as: UInt64.self) != b.loadUnaligned(fromByteOffset: i, as: UInt64.self) { return false }
        i += 8
    }
    while i < n {
        if a.load(fromByteOffset: i, as: UInt8.self) != b.load(fromByteOffset: i, as: UInt8.self) { return false }
        i += 1
    }
    return true
}

/// RCP/RSQRT lanes: each is exactly equal, or both are normal binary32 values of the same sign
/// within 3 * 2^-12 of each other (each within the architectural 1.5 * 2^-12 of the true value).
/// Lanes past `lanes` must be bit-identical.
func approximatelyEqual(_ hLo: UInt64, _ hHi: UInt64, _ eLo: UInt64, _ eHi: UInt64, lanes: Int) -> Bool {
    for k in 0..<4 {
        let h = UInt32(truncatingIfNeeded: (k < 2 ? hLo : hHi) >> UInt64(32 * (k % 2)))
        let e = UInt32(truncatingIfNeeded: (k < 2 ? eLo : eHi) >> UInt64(32 * (k % 2)))
        if h == e { continue }
        if k >= lanes { return false }
        let normal = { (v: UInt32) -> Bool in let x = (v >> 23) & 0xFF; return x != 0 && x != 0xFF }
        guard normal(h), normal(e), h >> 31 == e >> 31 else { return false }
        let hv = Double(Float(bitPattern: h)), ev = Double(Float(bitPattern: e))
        if abs(hv - ev) > 3.0 / 4096.0 * abs(hv) { return false }
    }
    return true
}
