// Layer: X86 (CPU model), execution. Delivering exceptions and interrupts through the IDT:
// the gate lookup and its checks, the stack switch (TSS RSP0-2 / IST in long mode, SS0:ESP0 in
// 32-bit protected mode), the interrupt frame, and the rules that combine a fault raised while
// delivering another event into a double fault (#DF) or, past that, a triple fault.
//
// References: Intel SDM vol. 3 §6.12-6.14 (interrupt and exception handling, 64-bit mode),
// Table 6-5 (conditions for generating a double fault), AMD APM vol. 2 §8.7-8.9.
//
// Real mode (CR0.PE = 0) uses the interrupt vector table instead: Execution/RealMode.swift.
// Not modelled: task gates and hardware task switches (#GP instead), 16-bit gates (#GP),
// virtual-8086 mode.

/// How an event reaches the CPU; decides the gate DPL check and the EXT bit of error codes.
public enum EventSource: Sendable {
    /// A fault or trap raised by an instruction (#DE, #UD, #PF, ...): no DPL check, EXT = 1 in
    /// error codes of faults raised while delivering it.
    case exception
    /// INT n, INT3, INTO: the gate's DPL must be >= CPL (else #GP(vector*8+2)), EXT = 0.
    case software
    /// A maskable interrupt from the interrupt controller, or NMI: EXT = 1.
    case external
}

/// What the CPU does after a triple fault (a fault while delivering #DF).
public enum TripleFaultAction: Sendable {
    /// `run` returns `.tripleFault` and the CPU state is left as it was at the fault.
    case stop
}

enum ExceptionClass { case benign, contributory, pageFault, doubleFault }

@inline(__always) func exceptionClass(_ v: UInt8) -> ExceptionClass {
    switch v {
    case 0, 10, 11, 12, 13: return .contributory
    case 14: return .pageFault
    case 8: return .doubleFault
    default: return .benign
    }
}

extension UnsafeMutablePointer where Pointee == CPUState {
    /// Delivers one event and, when delivery itself faults, the events that follow from it
    /// (SDM Table 6-5): contributory-then-contributory and page-fault-then-(contributory or
    /// page fault) become #DF(0); anything else is delivered serially (the second exception
    /// replaces the first); a fault while delivering #DF is a triple fault (returns false).
    /// `returnRIP` is what the frame saves (the faulting instruction for a fault, the next one
    /// for a trap or an interrupt); `instructionRIP` is the instruction's own address, which a
    /// fault raised during delivery reports.
    public func deliverEvent(vector: UInt8, errorCode: UInt32?, source: EventSource,
                             returnRIP: UInt64, instructionRIP: UInt64) -> Bool {
        var vector = vector, errorCode = errorCode, source = source, rip = returnRIP
        var isFault = source == .exception
        for _ in 0..<8 {
            do throws(CPUFault) {
                try deliverOnce(vector: vector, errorCode: errorCode, source: source, returnRIP: rip,
                                setRF: isFault && vector != ExceptionVector.debug.rawValue)
                pointee.halted = false
                return true
            } catch {
                var second = error
                if second.nonCanonical { second = .gp(0) }
                let first = exceptionClass(vector), next = exceptionClass(second.vector.rawValue)
                if first == .doubleFault { return false }
                if (first == .contributory && next == .contributory)
                    || (first == .pageFault && (next == .contributory || next == .pageFault)) {
                    vector = ExceptionVector.doubleFault.rawValue
                    errorCode = 0
                } else {
                    vector = second.vector.rawValue
                    errorCode = second.errorCode
                }
                // The new exception is a fault of the instruction (or at the interrupted point).
                source = .exception
                isFault = true
                rip = instructionRIP
            }
        }
        return false
    }

    /// Pushes the error code for vectors that have one; the caller passes nil otherwise.
    func deliverOnce(vector: UInt8, errorCode: UInt32?, source: EventSource, returnRIP: UInt64,
                     setRF: Bool) throws(CPUFault) {
        if pointee.realMode {
            try deliverReal(vector: vector, returnRIP: returnRIP)
        } else if longModeActive {
            try deliverLong(vector: vector, errorCode: errorCode, source: source, returnRIP: returnRIP, setRF: setRF)
        } else {
            try deliverProtected(vector: vector, errorCode: errorCode, source: source, returnRIP: returnRIP, setRF: setRF)
        }
    }

    /// Reads the gate for `vector` and applies the checks common to both modes. Returns the
    /// gate and the target code segment's descriptor.
    func interruptGate(_ vector: UInt8, source: EventSource, wide: Bool) throws(CPUFault) -> (Descriptor, Descriptor) {
        let ext: UInt32 = source == .software ? 0 : 1
        let gateError = UInt32(vector) << 3 | 2 | ext
        let size: UInt64 = wide ? 16 : 8
        let offset = UInt64(vector) &* size
        if offset &+ size &- 1 > UInt64(pointee.system.idtLimit) { throw .gp(gateError) }
        let base = pointee.system.idtBase &+ offset
        var gate = Descriptor(low: try systemRead(base), high: try systemRead(base &+ 4))
        if wide { gate.upper = try systemRead(base &+ 8) }
        // 64-bit mode: only 64-bit interrupt (E) and trap (F) gates. 32-bit: 386 gates
        // (task gates and 16-bit gates are not modelled: #GP as for an invalid type).
        if gate.isCodeOrData || (gate.type != 0xE && gate.type != 0xF) { throw .gp(gateError) }
        if source == .software && gate.dpl < pointee.cpl { throw .gp(gateError) }
        if !gate.present { throw CPUFault(.segmentNotPresent, errorCode: gateError) }
        let sel = gate.gateSelector
        if sel & 0xFFFC == 0 { throw .gp(ext) }
        let cs: Descriptor
        do throws(CPUFault) { cs = try readDescriptor(sel) } catch { throw .gp(UInt32(sel & 0xFFFC) | ext) }
        let selError = UInt32(sel & 0xFFFC) | ext
        if !cs.isCode || cs.dpl > pointee.cpl { throw .gp(selError) }
        if wide && (!cs.long || cs.defaultBig) { throw .gp(selError) }
        if !cs.present { throw CPUFault(.segmentNotPresent, errorCode: selError) }
        return (gate, cs)
    }

    /// Reads a TSS field (TR base + offset), #TS(TR) past the TSS limit.
    func tssRead<T: FixedWidthInteger>(_ offset: UInt64, _: T.Type) throws(CPUFault) -> T {
        let size = UInt64(MemoryLayout<T>.size)
        if offset &+ size &- 1 > UInt64(pointee.system.trLimit) {
            throw CPUFault(.invalidTSS, errorCode: UInt32(pointee.system.trSelector & 0xFFFC))
        }
        return try systemRead(pointee.system.trBase &+ offset)
    }

    /// RFLAGS after entering a handler: TF, NT, RF (and VM) cleared; an interrupt gate also
    /// clears IF (a trap gate leaves it).
    func enterHandlerFlags(_ gate: Descriptor) {
        var f = pointee.rflags & ~(Flag.tf | Flag.nt | Flag.rf | Flag.vm)
        if gate.type & 1 == 0 { f &= ~Flag.if }
        pointee.rflags = f
    }

    /// Long mode (SDM §6.14): 16-byte gates; 64-bit code target; new RSP from IST (if the gate
    /// names one) or, on a privilege change, TSS.RSPn; RSP aligned down to 16; the frame is
    /// always SS, RSP, RFLAGS, CS, RIP (+ error code), 8 bytes each; on a privilege change SS
    /// becomes the null selector with RPL = new CPL.
    func deliverLong(vector: UInt8, errorCode: UInt32?, source: EventSource, returnRIP: UInt64,
                     setRF: Bool) throws(CPUFault) {
        let (gate, cs) = try interruptGate(vector, source: source, wide: true)
        let cpl = pointee.cpl
        let newCPL = cs.conforming ? cpl : cs.dpl
        var rsp = pointee.regs[Reg.rsp]
        if gate.gateIST != 0 {
            rsp = try tssRead(0x24 &+ 8 &* UInt64(gate.gateIST - 1), UInt64.self)
        } else if newCPL < cpl {
            rsp = try tssRead(4 &+ 8 &* UInt64(newCPL), UInt64.self)
        }
        rsp &= ~0xF
        let target = gate.gateOffset
        if !CPU.canonical(target) { throw .gp(0) }
        var flags = pointee.rflags
        if setRF { flags |= Flag.rf }
        var frame: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) =
            (UInt64(errorCode ?? 0), returnRIP, UInt64(pointee.moveSelector(Seg.cs)), flags,
             pointee.regs[Reg.rsp], UInt64(pointee.moveSelector(Seg.ss)))
        let count = errorCode == nil ? 5 : 6
        let first = errorCode == nil ? 1 : 0
        let newRSP = rsp &- UInt64(count * 8)
        if !CPU.canonical(newRSP) || !CPU.canonical(rsp &- 1) { throw .ss(0) }
        try withUnsafeBytes(of: &frame) { (raw) throws(CPUFault) in
            for k in 0..<count {
                let v = raw.load(fromByteOffset: (first + k) * 8, as: UInt64.self)
                try systemWrite(newRSP &+ UInt64(k * 8), v)
            }
        }
        // Commit (nothing above changed registers).
        if newCPL < cpl {
            commitSegment(Seg.ss, selector: UInt16(newCPL), base: 0, limit: 0xFFFF_FFFF,
                          attributes: 0xC93 | UInt16(newCPL) << 5)
        }
        loadCodeSegment(gate.gateSelector, cs, cpl: newCPL)
        pointee.regs[Reg.rsp] = newRSP
        enterHandlerFlags(gate)
        pointee.regs[Reg.rip] = target
    }

    /// 32-bit protected mode (SDM §6.12.1): 8-byte gates; a handler at a more privileged level
    /// runs on SSn:ESPn from the 32-bit TSS and the frame holds the old SS:ESP; the frame is
    /// 4-byte slots: [SS, ESP,] EFLAGS, CS, EIP (+ error code).
    func deliverProtected(vector: UInt8, errorCode: UInt32?, source: EventSource, returnRIP: UInt64,
                          setRF: Bool) throws(CPUFault) {
        let (gate, cs) = try interruptGate(vector, source: source, wide: false)
        let cpl = pointee.cpl
        let newCPL = cs.conforming ? cpl : cs.dpl
        let ext: UInt32 = source == .software ? 0 : 1
        var ssBase = pointee.segmentBase[Seg.ss]
        var esp = UInt32(truncatingIfNeeded: pointee.regs[Reg.rsp])
        var newSS: (UInt16, Descriptor)? = nil
        if newCPL < cpl {
            esp = try tssRead(4 &+ 8 &* UInt64(newCPL), UInt32.self)
            let ssSel = try tssRead(8 &+ 8 &* UInt64(newCPL), UInt16.self)
            let tsError = UInt32(ssSel & 0xFFFC) | ext
            if ssSel & 0xFFFC == 0 { throw CPUFault(.invalidTSS, errorCode: ext) }
            let d: Descriptor
            do throws(CPUFault) { d = try readDescriptor(ssSel) } catch { throw CPUFault(.invalidTSS, errorCode: tsError) }
            if UInt8(ssSel & 3) != newCPL || d.dpl != newCPL || !d.isData || !d.readableOrWritable {
                throw CPUFault(.invalidTSS, errorCode: tsError)
            }
            if !d.present { throw .ss(tsError) }
            newSS = (ssSel, d)
            ssBase = d.base & 0xFFFF_FFFF
        }
        var flags = UInt32(truncatingIfNeeded: pointee.rflags)
        if setRF { flags |= UInt32(Flag.rf) }
        var frame: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32) =
            (errorCode ?? 0, UInt32(truncatingIfNeeded: returnRIP), UInt32(pointee.moveSelector(Seg.cs)), flags,
             UInt32(truncatingIfNeeded: pointee.regs[Reg.rsp]), UInt32(pointee.moveSelector(Seg.ss)))
        let count = (errorCode == nil ? 3 : 4) + (newSS == nil ? 0 : 2)
        let first = errorCode == nil ? 1 : 0
        let newESP = esp &- UInt32(count * 4)
        // The frame must fit in the stack segment it is pushed to (SDM INT n: "IF stack limit
        // does not allow push ... THEN #SS(EXT)"; on a stack switch #SS(new SS selector + EXT)).
        let (stackLimit, stackAttributes) = newSS.map { ($0.1.limit, $0.1.attributes | 1) }
            ?? (pointee.system.limit(Seg.ss), pointee.system.attributes(Seg.ss))
        if !CPUState.withinLimit(offset: UInt64(newESP), size: count * 4, limit: stackLimit, attributes: stackAttributes) {
            throw .ss(UInt32(newSS.map { $0.0 & 0xFFFC } ?? 0) | ext)
        }
        try withUnsafeBytes(of: &frame) { (raw) throws(CPUFault) in
            for k in 0..<count {
                let v = raw.load(fromByteOffset: (first + k) * 4, as: UInt32.self)
                try systemWrite((ssBase &+ UInt64(newESP &+ UInt32(k * 4))) & 0xFFFF_FFFF, v)
            }
        }
        if let (sel, d) = newSS {
            commitSegment(Seg.ss, selector: sel, base: d.base & 0xFFFF_FFFF, limit: d.limit, attributes: d.attributes | 1)
        }
        loadCodeSegment(gate.gateSelector, cs, cpl: newCPL)
        pointee.regs[Reg.rsp] = UInt64(newESP)
        enterHandlerFlags(gate)
        pointee.regs[Reg.rip] = gate.gateOffset & 0xFFFF_FFFF
    }
}
