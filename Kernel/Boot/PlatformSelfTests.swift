// Boot layer: the selftests of the machine the kernel took over (Boot/Platform.swift): the
// interrupt controllers, the timer tick and clocks, the console driver and the log ring, and
// what power-off needs. Each returns true on success; SelfTest.runAll prints the results.
// Every result must be the same on QEMU and on Orrery (tools/test-kernel-orrery.sh compares
// the lines), so tests check properties, never measured durations to the nanosecond.
import ArchAsm

enum PlatformSelfTests {
    static func picsMasked() -> Bool {
        let masks = LegacyPIC.masks
        return masks.master == 0xFF && masks.slave == 0xFF
    }

    static func localAPICConfigured() -> Bool {
        guard LocalAPIC.isReady else { return false }
        let svr = LocalAPIC.spuriousRegister
        return svr & 0x100 != 0 && svr & 0xFF == UInt32(InterruptVector.spurious)
            && LocalAPIC.errorCount == 0
            && LocalAPIC.timerLVT & 0xFF == UInt32(InterruptVector.timer)
            && LocalAPIC.timerLVT & LocalAPIC.lvtMasked == 0
    }

    static func ioAPICRouting() -> Bool {
        guard let madt = Platform.madt, !IOAPIC.controllers.isEmpty else { return false }
        let com1 = madt.gsi(forISAIRQ: SerialPort.isaIRQ).gsi
        guard let entry = IOAPIC.entry(forGSI: com1),
              entry == RedirectionEntry(vector: UInt8(InterruptVector.gsiBase) + UInt8(truncatingIfNeeded: com1),
                                        destination: UInt8(truncatingIfNeeded: LocalAPIC.id)) else { return false }
        for controller in IOAPIC.controllers {
            for pin in 0..<controller.entries where controller.gsiBase + pin != com1 {
                guard let other = IOAPIC.entry(forGSI: controller.gsiBase + pin), other.masked else { return false }
            }
        }
        return true
    }

    /// The PIT's IRQ 0 reaches the IOAPIC on the GSI the MADT's interrupt source override
    /// names (2 on PCs: the IOAPIC's pin 0 is the 8259's INTR); routed there, it interrupts.
    static func pitIRQ0ThroughOverride() -> Bool {
        var count = 0
        guard let route = IOAPIC.routeISA(irq: 0, handler: { count += 1 }) else { return false }
        PIT.startChannel0(divisor: 1193)               // about 1 kHz
        var wakeups = 0
        while count < 3 && wakeups < 1000 {
            Interrupts.waitForInterrupt()
            wakeups += 1
        }
        IOAPIC.setMasked(gsi: route.gsi, true)
        PIT.stopChannel0()
        let expected = Platform.madt?.gsi(forISAIRQ: 0).gsi
        return count >= 3 && route.gsi == expected
    }

    static func spuriousVectorHandled() -> Bool {
        let before = Interrupts.count(InterruptVector.spurious)
        arch_int_spurious_vector()
        // Nothing was put in service, so the tick still arrives afterwards (no EOI owed).
        return Interrupts.count(InterruptVector.spurious) == before + 1 && Clock.waitForTicks(1) == 1
    }

    static func timerTicksArrive() -> Bool {
        let before = Interrupts.count(InterruptVector.timer)
        let observed = Clock.waitForTicks(5)
        return observed == 5 && Interrupts.count(InterruptVector.timer) >= before + 5
    }

    static func monotonicClockAdvances() -> Bool {
        let tick = 1_000_000_000 / Clock.tickHertz
        var previous = Clock.monotonicNanoseconds
        let start = previous
        for _ in 0..<1000 {
            let now = Clock.monotonicNanoseconds
            if now < previous { return false }
            previous = now
        }
        // Two more ticks: at least one whole tick period has passed, and not 10 s (that would be
        // a unit error; the bound is loose because QEMU's clock follows a possibly busy host).
        guard Clock.waitForTicks(2) == 2 else { return false }
        let elapsed = Clock.monotonicNanoseconds &- start
        return elapsed >= tick && elapsed < 10_000_000_000
    }

    static func wallClockPlausible() -> Bool {
        guard let wall = Clock.bootWallClock, wall.year >= 2020,
              let now = Clock.wallClockNanoseconds else { return false }
        return now / 1_000_000_000 >= UInt64(wall.unixSeconds)
    }

    static func logRing() -> Bool {
        // A ring with room for about four 20-byte records: the fifth drops the oldest.
        var ring = KernelLog(capacity: 4 * (19 + 20))
        let text = Array("0123456789abcdefghij".utf8)
        for n in 0..<5 {
            ring.append(level: n == 0 ? .error : .info, timestamp: UInt64(n), text: text)
        }
        let kept = ring.read(from: 0)
        guard kept.missed == 1, kept.records.count == 4, kept.records.first?.sequence == 1,
              kept.records.last?.timestamp == 4, ring.droppedRecords == 1,
              kept.records.allSatisfy({ $0.level == .info && $0.text == text }) else { return false }
        // The kernel's own ring: a debug message (below the default console threshold, so not
        // printed) is stored with its level and text, after every earlier record, with a
        // timestamp no older than theirs.
        guard let before = Log.ring, before.count > 0,
              let previous = before.record(sequence: before.nextSequence &- 1) else { return false }
        Log.write(.debug, "selftest: a debug-level record")
        guard let after = Log.ring, after.nextSequence == before.nextSequence &+ 1,
              let record = after.record(sequence: before.nextSequence) else { return false }
        return record.level == .debug && record.text == Array("selftest: a debug-level record".utf8)
            && record.timestamp >= previous.timestamp && !Log.shouldPrint(.debug) == (Log.consoleThreshold <= 7)
    }

    static func transmitByInterrupt() -> Bool {
        guard SerialPort.isInterruptDriven else { return false }
        Console.flush()
        let before = SerialPort.bytesSentByInterrupt
        let interrupts = SerialPort.interruptCount
        // Queued with interrupts on: the THRE interrupt moves it to the UART.
        let line: StaticString = "selftest: (this line is sent by THRE interrupts)\n"
        let bytes = line.utf8CodeUnitCount + 1          // the console sends "\n" as "\r\n"
        Console.write(line)
        var waits = 0
        while SerialPort.bytesSentByInterrupt &- before < UInt64(bytes) && waits < 100 {
            Interrupts.waitForInterrupt()
            waits += 1
        }
        return SerialPort.bytesSentByInterrupt &- before == UInt64(bytes) && SerialPort.interruptCount > interrupts
    }

    static func loopbackReceive() -> Bool {
        guard SerialPort.isInterruptDriven else { return false }
        Console.flush()
        _ = SerialPort.takeReceived()
        SerialPort.setLoopback(true)
        // Fewer bytes than the 16-byte receive FIFO, so none can be lost even if they are only
        // collected afterwards.
        let pattern: [UInt8] = [0x4F, 0x72, 0x72, 0x65, 0x72, 0x79, 0x00, 0xFF, 0x0D, 0x0A, 0x55, 0xAA]
        for byte in pattern {
            SerialPort.sendRaw(byte)
            // QEMU raises IRQ 4 even in loopback and the byte arrives here by interrupt; a PC
            // (and Orrery) disconnects the interrupt pin in loopback (OUT2 is forced inactive),
            // so the same handler is then run by polling IIR.
            Interrupts.waitForInterrupt()
        }
        SerialPort.poll()
        let got = SerialPort.takeReceived()
        SerialPort.setLoopback(false)
        return got == pattern
    }

    static func powerOffReady() -> Bool {
        guard let fadt = Platform.fadt, Power.canPowerOff else { return false }
        return fadt.pm1aControl != nil || fadt.sleepControlRegister != nil
    }
}
