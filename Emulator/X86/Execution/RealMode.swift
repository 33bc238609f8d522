// Layer: X86 (CPU model), system architecture. Real mode (CR0.PE = 0) and 16-bit code and
// stack segments.
//
// How Orrery models the modes (Intel SDM vol. 3 §9.1, §20.1; AMD APM vol. 2 §1.2, §4.2):
// - How instructions *decode* depends only on the code segment's hidden attributes: 64-bit
//   when EFER.LMA and CS.L, 32-bit when CS.D = 1, else 16-bit (`CPUMode.mode16`: operand and
//   address size 16, the 66/67 prefixes select 32). Setting or clearing CR0.PE does not touch
//   the hidden CS state, so the code keeps running at the size it had until the next far jump:
//   this is how the switch in and out of protected mode works, and why "big real mode" exists.
// - How *segment registers load* and how *interrupts are delivered* depend on CR0.PE. In real
//   mode a segment load sets selector and base = selector << 4 (no descriptor table, no checks)
//   and keeps the hidden limit and attributes (so a 4 GiB limit loaded in protected mode
//   stays: "unreal" mode); far JMP/CALL/RET/IRET load CS the same way; interrupts and
//   exceptions go through the interrupt vector table (IVT): 4-byte IP:CS entries at IDTR.base,
//   with a FLAGS, CS, IP frame of 16-bit words and no error code. CPL is 0.
// - The stack is 16-bit (SP, wrapping at 64 KiB, the upper half of ESP untouched) when the
//   hidden SS.B bit is clear, 32-bit (ESP) when it is set, whatever the mode.
// - Every RIP is an *offset* in CS: the dispatcher fetches from CS.base + RIP (in 64-bit mode
//   the base is 0), so blocks decoded for one offset are found again at the same offset.
//
// Not modelled: segment limit checks on real-mode accesses (an offset past the limit would be
// #GP/#SS), the A20 gate (addresses above 1 MiB are not wrapped), virtual-8086 mode.

extension CPUState {
    /// CR0.PE clear: real-address mode.
    @inline(__always) public var realMode: Bool { cr0 & CR0.pe == 0 }

    /// The stack segment is 16-bit (hidden SS.B = 0) outside 64-bit mode: push/pop use SP.
    @inline(__always) var stack16: Bool {
        mode != .long64 && system.attributes(Seg.ss) & SegmentAttribute.big == 0
    }
}

extension UnsafeMutablePointer where Pointee == CPUState {
    /// The decoder mode a CS with these hidden attributes gives (see the file comment).
    @inline(__always) func decodeMode(_ csAttributes: UInt16) -> CPUMode {
        if longModeActive && csAttributes & SegmentAttribute.long != 0 { return .long64 }
        return csAttributes & SegmentAttribute.big != 0 ? .protected32 : .mode16
    }

    /// A real-mode segment-register load (MOV/POP Sreg, LDS...): selector and base only.
    func loadRealModeSegment(_ seg: Int, _ selector: UInt16) {
        pointee.moveSetSelector(seg, selector)
        pointee.segmentBase[seg] = UInt64(selector) << 4
        // A segment made unusable by a null load in protected mode is usable again (present,
        // read/write data), keeping its size bit and limit.
        let a = pointee.system.attributes(seg)
        if a & SegmentAttribute.present == 0 { pointee.system.setAttributes(seg, (a & 0xF00) | 0x93) }
        if seg == Seg.ss { openStackShadow() }
    }

    /// A real-mode far transfer's CS load: selector, base = selector << 4; the hidden limit and
    /// attributes (so the code size) stay. CPL is 0. Ends the block (the caller sets RIP).
    func loadRealModeCS(_ selector: UInt16) {
        pointee.moveSetSelector(Seg.cs, selector)
        pointee.segmentBase[Seg.cs] = UInt64(selector) << 4
        pointee.cpl = 0
        pointee.mode = decodeMode(pointee.system.attributes(Seg.cs))
        pointee.exitBlock = BlockExit.jumped
    }

    /// The stack pointer's width mask: 64 bits in 64-bit mode, else ESP or SP by SS.B.
    @inline(__always) var stackWidthMask: UInt64 {
        if pointee.mode == .long64 { return ~0 }
        return pointee.stack16 ? 0xFFFF : 0xFFFF_FFFF
    }

    /// Writes a stack pointer of the stack's width: a 16-bit stack changes only SP, a 32-bit one
    /// only ESP (the upper half of RSP, invisible to 32-bit code, stays as it was).
    @inline(__always) func setStackPointerKeepingWidth(_ sp: UInt64) {
        let mask = stackWidthMask
        pointee.regs[Reg.rsp] = (pointee.regs[Reg.rsp] & ~mask) | (sp & mask)
    }

    /// Real-mode event delivery through the interrupt vector table (SDM §20.1.4): the entry
    /// for `vector` is IP (word 0) and CS (word 1) at IDTR.base + 4 * vector; past the IDTR
    /// limit it is #GP (which, while delivering, becomes #DF and then a triple fault, the
    /// "shutdown" the SDM describes). Pushes FLAGS, CS, IP (16-bit words; no error code),
    /// clears IF, TF, AC and RF, and continues at CS:IP.
    func deliverReal(vector: UInt8, returnRIP: UInt64) throws(CPUFault) {
        let offset = UInt64(vector) &* 4
        if offset &+ 3 > UInt64(pointee.system.idtLimit) { throw .gp(UInt32(vector) << 3 | 2) }
        let entry = pointee.system.idtBase &+ offset
        let ip: UInt16 = try systemRead(entry)
        let cs: UInt16 = try systemRead(entry &+ 2)
        let mask = stackWidthMask
        let sp = pointee.regs[Reg.rsp] & mask
        let ssBase = pointee.segmentBase[Seg.ss]
        let words: (UInt16, UInt16, UInt16) = (UInt16(truncatingIfNeeded: returnRIP),
                                               pointee.moveSelector(Seg.cs),
                                               UInt16(truncatingIfNeeded: pointee.rflags))
        // Frame, from the new top of stack up: IP, CS, FLAGS.
        for k in 0..<3 {
            let v = k == 0 ? words.0 : k == 1 ? words.1 : words.2
            let at = (sp &- 6 &+ UInt64(2 * k)) & mask
            try systemWrite((ssBase &+ at) & 0xFFFF_FFFF, v)
        }
        setStackPointerKeepingWidth(sp &- 6)
        pointee.rflags = pointee.rflags & ~(Flag.if | Flag.tf | Flag.ac | Flag.rf)
        loadRealModeCS(cs)
        pointee.regs[Reg.rip] = UInt64(ip)
    }
}

/// Real-mode far transfers and IRET, of operand width T (16, or 32 with a 66 prefix).
enum RealModeFar<T: GuestInt> {
    /// Stack slot `k` (T-wide) above the stack pointer, at the stack's width.
    @inline(__always) static func slot(_ cpu: CPU, _ k: Int) throws(CPUFault) -> T {
        let mask = cpu.stackWidthMask
        let at = (cpu.pointee.regs[Reg.rsp] &+ UInt64(k * MemoryLayout<T>.size)) & mask
        return try cpu.pointee.read(cpu.segmentedLinear(Seg.ss, at), stack: true)
    }

    /// JMP ptr16:16/32, JMP m16:16/32.
    @inline(__always) static func jump(_ cpu: CPU, _ sel: UInt16, _ offset: UInt64) {
        cpu.loadRealModeCS(sel)
        cpu.pointee.rip = offset & (T.bitWidth == 16 ? 0xFFFF : 0xFFFF_FFFF)
    }

    /// CALL far: pushes CS then the return offset (T-wide), then jumps.
    @inline(__always) static func call(_ cpu: CPU, _ i: Instr, _ sel: UInt16, _ offset: UInt64) throws(CPUFault) {
        let saved = cpu.pointee.regs[Reg.rsp]
        do throws(CPUFault) {
            try cpu.push(T(truncatingIfNeeded: cpu.pointee.moveSelector(Seg.cs)))
            try cpu.push(T(truncatingIfNeeded: i.pointee.nextRIP))
        } catch {
            cpu.pointee.regs[Reg.rsp] = saved
            throw error
        }
        jump(cpu, sel, offset)
    }

    /// RETF [imm16]: pops the offset and CS, then releases imm16 bytes.
    @inline(__always) static func retf(_ cpu: CPU, _ i: Instr) throws(CPUFault) {
        let ip: T = try slot(cpu, 0)
        let cs = UInt16(truncatingIfNeeded: try slot(cpu, 1) as T)
        let sp = cpu.pointee.regs[Reg.rsp] &+ UInt64(2 * MemoryLayout<T>.size) &+ (i.imm & 0xFFFF)
        cpu.setStackPointerKeepingWidth(sp)
        jump(cpu, cs, UInt64(ip))
    }

    /// IRET: pops IP, CS, FLAGS. A 16-bit IRET replaces FLAGS bits 15:0; IRETD replaces the
    /// EFLAGS bits real mode may change and keeps VM, VIF and VIP (SDM "IRET": tempEFLAGS AND
    /// 257FD5H OR EFLAGS AND 1A0000H). Ends NMI blocking.
    @inline(__always) static func iret(_ cpu: CPU) throws(CPUFault) {
        let ip: T = try slot(cpu, 0)
        let cs = UInt16(truncatingIfNeeded: try slot(cpu, 1) as T)
        let popped = UInt64(try slot(cpu, 2) as T)
        let old = cpu.pointee.rflags
        let flags: UInt64
        if T.bitWidth == 16 {
            flags = (old & ~0xFFFF) | (popped & 0x7FD5)
        } else {
            flags = (popped & 0x25_7FD5) | (old & 0x1A_0000)
        }
        cpu.setStackPointerKeepingWidth(cpu.pointee.regs[Reg.rsp] &+ UInt64(3 * MemoryLayout<T>.size))
        cpu.pointee.rflags = flags | Flag.reserved1
        cpu.pointee.system.nmiBlocked = false
        jump(cpu, cs, UInt64(ip))
    }
}
