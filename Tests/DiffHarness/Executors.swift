// Layer: Tests (differential harness). The two executors a case runs on: the real host CPU
// (through HostOracle's signal-handler trick) and the emulator (an X86CPU over PhysicalMemory
// with nothing else: no board, no devices). Both start from the same bytes at the same address,
// the same registers and flags, and the same data image.

import EmulatorCore
import HostOracle
import X86

/// The 64 KiB initial data image shared by every case (random bytes from the seed); each case
/// writes its operands over it.
public final class DataImage {
    public let bytes: UnsafeMutableRawPointer

    public init(seed: UInt64) {
        bytes = .allocate(byteCount: Layout.dataSize, alignment: 4096)
        var rng = SplitMix64(seed: seed ^ 0x1234_5678_9ABC_DEF0)
        for i in stride(from: 0, to: Layout.dataSize, by: 8) {
            bytes.storeBytes(of: rng.next(), toByteOffset: i, as: UInt64.self)
        }
    }

    deinit { bytes.deallocate() }

    /// Copies the image plus the case's patches to `destination` (a data-page mapping).
    func materialize(_ c: TestCase, into destination: UnsafeMutableRawPointer) {
        destination.copyMemory(from: bytes, byteCount: Layout.dataSize)
        for p in c.patches {
            for (k, b) in p.bytes.enumerated() {
                let o = p.offset + k
                if o >= 0 && o < Layout.dataSize { destination.storeBytes(of: b, toByteOffset: o, as: UInt8.self) }
            }
        }
    }
}

/// Writes the code page: all int3 (so any jump inside the page stops at once), then the case.
func writeCode(_ c: TestCase, into page: UnsafeMutableRawPointer) {
    page.initializeMemory(as: UInt8.self, repeating: 0xCC, count: Layout.codeSize)
    for (k, b) in c.code.enumerated() where c.codeOffset + k < Layout.codeSize {
        page.storeBytes(of: b, toByteOffset: c.codeOffset + k, as: UInt8.self)
    }
}

/// Input RFLAGS as both sides see them: bit 1 and IF set (user mode), TF/AC/NT/RF clear.
func inputFlags(_ c: TestCase) -> UInt64 { (c.rflags & (Flag.arithmetic | Flag.df)) | 0x202 }

public enum HostOracleError: Error, CustomStringConvertible {
    case initFailed(Int32)
    case runFailed(Int32)
    public var description: String {
        switch self {
        case let .initFailed(c): return "host oracle: cannot map the fixed pages or install handlers (code \(c))"
        case let .runFailed(c): return "host oracle: run failed (code \(c))"
        }
    }
}

public final class NativeExecutor {
    public let code: UnsafeMutableRawPointer
    public let data: UnsafeMutableRawPointer

    public init() throws {
        let rc = ho_init()
        guard rc == 0 else { throw HostOracleError.initFailed(rc) }
        code = UnsafeMutableRawPointer(ho_code_page())
        data = UnsafeMutableRawPointer(ho_data_page())
    }

    public func run(_ c: TestCase, image: DataImage) -> Outcome {
        writeCode(c, into: code)
        image.materialize(c, into: data)
        var input = HOState()
        withUnsafeMutableBytes(of: &input.gpr) { raw in
            for i in 0..<16 { raw.storeBytes(of: c.regs[i], toByteOffset: i * 8, as: UInt64.self) }
        }
        input.rip = c.ripAddress
        input.rflags = inputFlags(c)
        input.cs = c.mode32 ? 0x23 : 0x33
        input.mxcsr = c.mxcsr
        withUnsafeMutableBytes(of: &input.xmm) { raw in
            for k in 0..<32 { raw.storeBytes(of: c.xmm[k], toByteOffset: k * 8, as: UInt64.self) }
        }
        input.fcw = c.x87.fcw
        input.fsw = c.x87.fsw
        input.ftw = c.x87.ftw
        withUnsafeMutableBytes(of: &input.st) { raw in
            for k in 0..<16 { raw.storeBytes(of: c.x87.st[k], toByteOffset: k * 8, as: UInt64.self) }
        }
        var r = HOResult()
        let rc = ho_run(&input, &r)
        var regs = [UInt64](repeating: 0, count: 16)
        withUnsafeBytes(of: r.state.gpr) { raw in
            for i in 0..<16 { regs[i] = raw.load(fromByteOffset: i * 8, as: UInt64.self) }
        }
        var out = Outcome(event: .completed, regs: regs, rip: r.state.rip, rflags: r.state.rflags)
        withUnsafeBytes(of: r.state.xmm) { raw in
            for k in 0..<32 { out.xmm[k] = raw.load(fromByteOffset: k * 8, as: UInt64.self) }
        }
        out.mxcsr = r.state.mxcsr
        out.x87.fcw = r.state.fcw
        out.x87.fsw = r.state.fsw
        out.x87.ftw = r.state.ftw
        out.x87.fop = r.state.fop
        out.x87.fip = r.state.fip
        out.x87.fdp = r.state.fdp
        withUnsafeBytes(of: r.state.st) { raw in
            for k in 0..<16 { out.x87.st[k] = raw.load(fromByteOffset: k * 8, as: UInt64.self) }
        }
        if rc != 0 { out.event = .timeout; return out }
        switch r.trapno {
        case -1:
            out.event = .timeout
        case 3 where r.signo == 5:
            out.rip &-= 1   // the trap reports the address after the int3
        case 14:
            // A fetch fault exactly at RIP means the instruction completed and control went to
            // an unmapped (or non-executable) page: a completed branch.
            if r.err & 0x10 != 0 && r.faultAddress == r.state.rip && r.state.rip != c.ripAddress {
                out.event = .completed
            } else {
                out.event = .hostPageFault(address: r.faultAddress, errorCode: r.err)
            }
        default:
            out.event = .exception(vector: Int(r.trapno), errorCode: r.err)
        }
        return out
    }

    /// Length of the first instruction in `c.code` as the host CPU decodes it: the bytes are put
    /// at the very end of the code page (the next page is unmapped) with 1, 2, ... bytes
    /// available; while the CPU needs more bytes it takes an instruction-fetch #PF on the next
    /// page with RIP still at the instruction. nil when it needs more than `c.code` holds.
    public func instructionLength(_ c: TestCase, image: DataImage) -> Int? {
        let pageEnd = Layout.codeAddress + UInt64(Layout.codeSize)
        for k in 1...min(15, c.code.count) {
            var t = c
            t.code = Array(c.code.prefix(k))
            t.codeOffset = Layout.codeSize - k
            let out = run(t, image: image)
            if case let .hostPageFault(address, err) = out.event, address == pageEnd, err & 0x10 != 0,
               out.rip == t.ripAddress {
                continue
            }
            return k
        }
        return nil
    }

    /// The host CPU's vendor string, family and model name (for the report).
    public static func hostDescription() -> String {
        func cpuid(_ leaf: UInt32) -> [UInt32] {
            var regs: [UInt32] = [0, 0, 0, 0]
            regs.withUnsafeMutableBufferPointer { ho_cpuid(leaf, 0, $0.baseAddress) }
            return regs
        }
        func string(_ words: [UInt32]) -> String {
            var bytes: [UInt8] = []
            for w in words { for k in 0..<4 { bytes.append(UInt8(truncatingIfNeeded: w >> (8 * UInt32(k)))) } }
            return String(decoding: bytes.filter { $0 != 0 }, as: UTF8.self)
        }
        let v = cpuid(0)
        let vendor = string([v[1], v[3], v[2]])
        let f = cpuid(1)[0]
        let family = ((f >> 8) & 0xF) + ((f >> 8) & 0xF == 0xF ? (f >> 20) & 0xFF : 0)
        let model = ((f >> 4) & 0xF) | ((f >> 12) & 0xF0)
        var brand = ""
        if cpuid(0x8000_0000)[0] >= 0x8000_0004 {
            brand = string(cpuid(0x8000_0002) + cpuid(0x8000_0003) + cpuid(0x8000_0004))
                .trimmingCharacters(in: " ")
        }
        return "\(vendor) family \(String(family, radix: 16))h model \(String(model, radix: 16))h \(brand)"
    }
}

extension String {
    func trimmingCharacters(in set: Character) -> String {
        var s = Substring(self)
        while s.first == set { s = s.dropFirst() }
        while s.last == set { s = s.dropLast() }
        return String(s)
    }
}

public final class EmulatorExecutor {
    public let ram: PhysicalMemory
    public let cpu: X86CPU

    public init() {
        // Covers the code page (1 MiB) and the data pages (2 MiB + 64 KiB).
        ram = try! PhysicalMemory(size: 0x30_0000)
        cpu = X86CPU(ram: ram, mmio: IOBus(), ports: IOBus())
    }

    public var code: UnsafeMutableRawPointer { ram.base + Int(Layout.codeAddress) }
    public var data: UnsafeMutableRawPointer { ram.base + Int(Layout.dataAddress) }

    public func run(_ c: TestCase, image: DataImage) -> Outcome {
        writeCode(c, into: code)
        image.materialize(c, into: data)
        let s = cpu.state
        // The code page was rewritten behind the CPU's back: make its decoded blocks stale.
        s.pointee.memory.pageGeneration[Int(Layout.codeAddress >> 12)] &+= 1
        for i in 0..<16 { s.pointee.regs[i] = c.regs[i] }
        for k in 0..<32 { s.pointee.xmm.storeBytes(of: c.xmm[k], toByteOffset: k * 8, as: UInt64.self) }
        s.pointee.mxcsr = c.mxcsr
        // The host runs every case with a freshly initialised x87 (the oracle restores it):
        // FNINIT state, so an earlier case's FLDCW cannot leak into this one.
        // The case's x87 state (the FNINIT state unless the family sets one); the registers
        // come in stack order: ST(k) is physical register TOP + k.
        s.pointee.fpuControl = c.x87.fcw
        s.pointee.fpuStatus = c.x87.fsw
        s.pointee.fpuTagAbridged = c.x87.ftw
        s.pointee.fpuOpcode = 0
        s.pointee.fpuInstructionPointer = 0
        s.pointee.fpuDataPointer = 0
        s.pointee.fpuCodeSelector = 0
        s.pointee.fpuDataSelector = 0
        let top = Int(c.x87.fsw >> 11) & 7
        for k in 0..<8 {
            let p = 16 * ((top + k) & 7)
            s.pointee.fpuRegisters.storeBytes(of: c.x87.st[2 * k], toByteOffset: p, as: UInt64.self)
            s.pointee.fpuRegisters.storeBytes(of: UInt16(truncatingIfNeeded: c.x87.st[2 * k + 1]), toByteOffset: p + 8, as: UInt16.self)
            s.pointee.fpuRegisters.storeBytes(of: UInt16(0), toByteOffset: p + 10, as: UInt16.self)
        }
        s.pointee.rip = c.ripAddress
        s.pointee.rflags = inputFlags(c)
        s.pointee.mode = c.mode32 ? .protected32 : .long64
        // The host's user-mode selectors (ES DS FS GS are null in a 64-bit Linux process).
        // In 32-bit mode the host runs with DS = ES = 0x2B (flat user data), see oracle.c.
        s.pointee.segmentSelector = c.mode32 ? (0x2B, 0x23, 0x2B, 0x2B, 0, 0) : (0, 0x33, 0x2B, 0, 0, 0)
        s.pointee.cpl = 3
        s.pointee.halted = false
        s.pointee.stopRequested = false
        s.pointee.exitBlock = BlockExit.none

        var reason = cpu.run(maxInstructions: 1)
        if c.repeatUntilDone {
            var steps = 0
            while reason == .budgetExhausted && s.pointee.rip == c.ripAddress && steps < 1_000_000 {
                reason = cpu.run(maxInstructions: 1)
                steps += 1
            }
        }
        var regs = [UInt64](repeating: 0, count: 16)
        for i in 0..<16 { regs[i] = s.pointee.regs[i] }
        var out = Outcome(event: .completed, regs: regs, rip: s.pointee.rip, rflags: s.pointee.rflags)
        for k in 0..<32 { out.xmm[k] = s.pointee.xmm.load(fromByteOffset: k * 8, as: UInt64.self) }
        out.mxcsr = s.pointee.mxcsr
        out.x87 = EmulatorExecutor.fxsaveView(s)
        switch reason {
        case .budgetExhausted, .stopRequested, .tripleFault: break
        case .halted: out.event = .halted
        case let .exception(f, rip):
            out.event = .exception(vector: Int(f.vector.rawValue), errorCode: UInt64(f.errorCode ?? 0))
            out.rip = rip
        }
        return out
    }
}

extension EmulatorExecutor {
    /// The emulator's x87 state as the host's signal frame (an XSAVE image) shows it. The
    /// reference CPU stores FOP/FIP/FDP only while an exception is pending (ES), like FXSAVE.
    static func fxsaveView(_ s: UnsafeMutablePointer<CPUState>) -> X87State {
        var x = X87State()
        x.fcw = s.pointee.fpuControl
        x.fsw = s.pointee.fpuStatus
        x.ftw = s.pointee.fpuTagAbridged
        if s.pointee.fpuStatus & 0x80 != 0 {
            x.fop = s.pointee.fpuOpcode
            x.fip = s.pointee.fpuInstructionPointer
            x.fdp = s.pointee.fpuDataPointer
        }
        let top = Int(s.pointee.fpuStatus >> 11) & 7
        for k in 0..<8 {
            let p = 16 * ((top + k) & 7)
            x.st[2 * k] = s.pointee.fpuRegisters.load(fromByteOffset: p, as: UInt64.self)
            x.st[2 * k + 1] = UInt64(s.pointee.fpuRegisters.load(fromByteOffset: p + 8, as: UInt16.self))
        }
        return x
    }
}
