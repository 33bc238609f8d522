// Boot layer: the `serialecho` boot mode (after "ready"): waits, halted, for one line of
// console input and prints it back. The bytes arrive only through the COM1 receive interrupt
// (IRQ 4 -> IOAPIC -> SerialPort's ring; nothing polls), so this checks interrupt-driven
// receive with real input: `echo hello | bash tools/run-kernel-qemu.sh serialecho`
// (tools/test-kernel.sh). Gives up after 10 s of ticks without a complete line.

enum SerialEcho {
    static func run() {
        Log.notice("serial: waiting for a line of input")
        var line: [UInt8] = []
        let deadline = Clock.ticks &+ 10 * Clock.tickHertz
        var complete = false
        while !complete && line.count < 128 && Clock.ticks < deadline {
            for byte in SerialPort.takeReceived() {
                if byte == 0x0A || byte == 0x0D { complete = true; break }
                line.append(byte)
            }
            if !complete { Interrupts.waitForInterrupt() }
        }
        if complete {
            Log.notice("serial: received \"\(KernelCommandLine.string(line))\" (\(line.count) bytes)")
        } else {
            Log.warning("serial: no complete line within 10 s (\(line.count) bytes)")
        }
    }
}
