// Layer: Devices. The PC's keyboard controller: an Intel 8042 (as documented for the IBM PC/AT
// and in the PS/2 technical reference) with a PS/2 keyboard on its first port.
//
// PC board wiring: data port 0x60 (`dataPort`) and status/command port 0x64 (`commandPort`),
// two 1-byte windows (port 0x61 between them belongs to the PIT's system control port).
// Keyboard bytes interrupt on IRQ 1 (`irq1`), auxiliary (mouse) bytes on IRQ 12 (`irq12`).
// The output port's bit 0 is the CPU reset line and bit 1 the A20 gate: `onReset` is called
// when the guest pulses reset (command 0xFE, or an output-port write with bit 0 clear) and
// `onA20Change` on every output-port write (0xD1, 0xDD, 0xDF); the board implements both. There is no mouse: commands to
// the auxiliary device are answered with 0xFE and the timeout bit, which Linux reads as "no
// device". Keyboard input (scancodes) arrives only through `receiveScancode`, called from the
// board's recorded input queue.

import EmulatorCore

public final class I8042: Snapshottable {
    public let irq1 = InterruptLine(name: "i8042 IRQ1")
    public let irq12 = InterruptLine(name: "i8042 IRQ12")
    /// The guest asked for a CPU reset.
    public var onReset: (() -> Void)?
    /// The output port's A20 bit was written (true = enabled), changed or not.
    public var onA20Change: ((Bool) -> Void)?

    var commandByte: UInt8 = 0x45     // translate, system flag, keyboard interrupt (as a BIOS leaves it)
    var outputPort: UInt8 = 0xCF      // reset line high, A20 enabled, the "ones" bits
    var status: UInt8 = 0x10          // bit 4: keyboard not inhibited
    /// The byte in the output buffer (OBF) and whether it came from the aux port.
    var outputBuffer: UInt8 = 0
    var outputFull = false
    var outputAux = false
    /// Bytes waiting behind the output buffer (keyboard replies and scancodes), bit 8 = aux.
    var queue: [UInt16] = []
    /// A controller command waiting for its data byte on port 0x60.
    var pendingCommand: UInt8? = nil
    /// A keyboard command waiting for its parameter (0xED, 0xF0, 0xF3).
    var keyboardPending: UInt8? = nil
    var scanning = true
    var scancodeSet: UInt8 = 2
    var ram = [UInt8](repeating: 0, count: 32)

    public init() {}

    public var dataPort: Window { Window(self, command: false) }
    public var commandPort: Window { Window(self, command: true) }

    public final class Window: BusDevice {
        let kbc: I8042
        let command: Bool
        init(_ kbc: I8042, command: Bool) { self.kbc = kbc; self.command = command }
        public func read(offset: UInt64, size: Int) -> UInt64 {
            UInt64(command ? kbc.readStatus() : kbc.readData())
        }
        public func write(offset: UInt64, size: Int, value: UInt64) {
            let v = UInt8(truncatingIfNeeded: value)
            if command { kbc.writeCommand(v) } else { kbc.writeData(v) }
        }
    }

    public var a20Enabled: Bool { outputPort & 0x02 != 0 }

    // MARK: Output buffer

    func push(_ b: UInt8, aux: Bool = false) {
        queue.append(UInt16(b) | (aux ? 0x100 : 0))
        refill()
    }

    /// Moves the next queued byte into the empty output buffer and updates the IRQ lines.
    func refill() {
        if !outputFull, !queue.isEmpty {
            let e = queue.removeFirst()
            outputBuffer = UInt8(truncatingIfNeeded: e)
            outputAux = e & 0x100 != 0
            outputFull = true
        }
        updateIRQ()
    }

    func updateIRQ() {
        irq1.set(outputFull && !outputAux && commandByte & 0x01 != 0)
        irq12.set(outputFull && outputAux && commandByte & 0x02 != 0)
    }

    func readStatus() -> UInt8 {
        // Bit 0 OBF, 1 IBF (never: commands complete at once), 2 SYS, 3 A2, 4 unlocked, 5 AUXB.
        (status & 0xDC) | (outputFull ? 0x01 : 0) | (commandByte & 0x04) | (outputFull && outputAux ? 0x20 : 0)
    }

    func readData() -> UInt8 {
        let v = outputBuffer
        outputFull = false
        status &= ~0x40                    // the timeout bit goes with the byte
        updateIRQ()                        // OBF low drops the IRQ: the next byte is a new edge
        refill()
        return v
    }

    // MARK: Host input

    /// A scancode from the host keyboard (already in the set the guest expects: set 1 when the
    /// controller translates, i.e. command byte bit 6). Dropped while the keyboard is disabled.
    public func receiveScancode(_ b: UInt8) {
        guard scanning, commandByte & 0x10 == 0 else { return }
        push(b)
    }

    // MARK: Controller commands (port 0x64)

    func writeCommand(_ c: UInt8) {
        status |= 0x08                      // A2: last write was a command
        pendingCommand = nil
        switch c {
        case 0x20...0x3F:                   // read controller RAM (0x20: the command byte)
            push(c == 0x20 ? commandByte : ram[Int(c & 0x1F)])
        case 0x60...0x7F, 0xD1, 0xD2, 0xD3, 0xD4:
            pendingCommand = c              // the data byte follows on port 0x60
        case 0xA7: commandByte |= 0x20      // disable aux clock
        case 0xA8: commandByte &= ~0x20     // enable aux clock
        case 0xA9: push(0x00)               // aux interface test: no error
        case 0xAA:                          // controller self-test
            status |= 0x04
            commandByte |= 0x04
            push(0x55)
        case 0xAB: push(0x00)               // keyboard interface test: no error
        case 0xAD: commandByte |= 0x10      // disable keyboard
        case 0xAE: commandByte &= ~0x10     // enable keyboard
        case 0xC0: push(0x80)               // input port: keyboard not inhibited
        case 0xD0:                          // read output port (bits 4/5 show the buffers)
            push(outputPort & 0xCF | (outputFull && !outputAux ? 0x10 : 0) | (outputFull && outputAux ? 0x20 : 0))
        case 0xDD: setOutputPort(outputPort & ~0x02)   // disable A20
        case 0xDF: setOutputPort(outputPort | 0x02)    // enable A20
        case 0xE0: push(0x00)               // test inputs
        case 0xF0...0xFF:
            // Pulse output port bits 0-3 low for those clear in the command: bit 0 is reset.
            if c & 0x01 == 0 { onReset?() }
        default:
            break                           // unknown commands are ignored
        }
        updateIRQ()
    }

    func setOutputPort(_ v: UInt8) {
        outputPort = v
        // Every output-port write drives the board's A20 line with its bit 1, changed or not
        // (QEMU's pckbd does; the board's A20Gate explains why that matters).
        onA20Change?(v & 0x02 != 0)
        if v & 0x01 == 0 {
            outputPort |= 0x01              // the reset line is a pulse: the machine restarts
            onReset?()
        }
    }

    // MARK: Data writes (port 0x60)

    func writeData(_ v: UInt8) {
        status &= ~0x08                     // A2: last write was data
        if let c = pendingCommand {
            pendingCommand = nil
            switch c {
            case 0x60:
                commandByte = v
                updateIRQ()
            case 0x61...0x7F: ram[Int(c & 0x1F)] = v
            case 0xD1: setOutputPort(v)
            case 0xD2: push(v)                       // as if the keyboard had sent it
            case 0xD3: push(v, aux: true)            // as if the mouse had sent it
            default:                                 // 0xD4: to the aux device: nobody there
                status |= 0x40
                push(0xFE, aux: true)
            }
            return
        }
        commandByte &= ~0x10                // writing to the keyboard enables its interface
        keyboardCommand(v)
    }

    /// The PS/2 keyboard's command set (IBM PS/2 keyboard technical reference).
    func keyboardCommand(_ v: UInt8) {
        if let p = keyboardPending {
            keyboardPending = nil
            switch p {
            case 0xF0:
                if v == 0 {
                    push(0xFA)
                    let translated: [UInt8] = [0x43, 0x41, 0x3F]
                    push(commandByte & 0x40 != 0 ? translated[Int(scancodeSet - 1)] : scancodeSet)
                    return
                }
                if (1...3).contains(v) { scancodeSet = v }
                push(0xFA)
            default:                        // 0xED LEDs, 0xF3 typematic rate
                push(0xFA)
            }
            return
        }
        switch v {
        case 0xED, 0xF0, 0xF3:
            keyboardPending = v
            push(0xFA)
        case 0xEE: push(0xEE)               // echo
        case 0xF2:                          // identify: MF2 keyboard
            push(0xFA); push(0xAB); push(commandByte & 0x40 != 0 ? 0x41 : 0x83)
        case 0xF4: scanning = true; push(0xFA)
        case 0xF5: scanning = false; scancodeSet = 2; push(0xFA)
        case 0xF6: scanning = true; scancodeSet = 2; push(0xFA)
        case 0xF7...0xFD, 0xFE: push(0xFA)
        case 0xFF:                          // reset: ACK, then the self-test passed code
            scanning = true; scancodeSet = 2
            push(0xFA); push(0xAA)
        default:
            push(0xFE)                      // unknown: resend
        }
    }

    // MARK: Snapshottable

    public func save(to w: StateWriter) {
        w.section("8042", version: 1) {
            for b in [commandByte, outputPort, status, outputBuffer, scancodeSet] { w.u8(b) }
            w.bool(outputFull); w.bool(outputAux); w.bool(scanning)
            w.bool(pendingCommand != nil); w.u8(pendingCommand ?? 0)
            w.bool(keyboardPending != nil); w.u8(keyboardPending ?? 0)
            w.u32(UInt32(queue.count))
            for e in queue { w.u16(e) }
            w.raw(ram)
            w.bool(irq1.level); w.bool(irq12.level)
        }
    }

    public func restore(from r: StateReader) throws(SnapshotError) {
        try r.section("8042", maxVersion: 1) { _ throws(SnapshotError) in
            commandByte = try r.u8(); outputPort = try r.u8(); status = try r.u8()
            outputBuffer = try r.u8()
            scancodeSet = try r.u8()
            guard (1...3).contains(scancodeSet) else {
                throw SnapshotError.invalidValue(field: "8042.scancodeSet", value: UInt64(scancodeSet))
            }
            outputFull = try r.bool(); outputAux = try r.bool(); scanning = try r.bool()
            let hasCmd = try r.bool(); let cmd = try r.u8(); pendingCommand = hasCmd ? cmd : nil
            let hasKbd = try r.bool(); let kbd = try r.u8(); keyboardPending = hasKbd ? kbd : nil
            let n = try r.u32()
            guard n <= 4096 else { throw SnapshotError.invalidValue(field: "8042.queue", value: UInt64(n)) }
            var q: [UInt16] = []
            for _ in 0..<n { q.append(try r.u16() & 0x1FF) }
            queue = q
            ram = try r.raw(32)
            irq1.restoreLevel(try r.bool()); irq12.restoreLevel(try r.bool())
        }
    }
}
