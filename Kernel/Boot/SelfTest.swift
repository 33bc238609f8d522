// Boot layer: the `selftest` boot mode. Runs the in-kernel tests (things only the real
// machine can check: traps, page tables, FPU state), prints one line per test and
//   selftest: N passed, M failed
// then exits through the debug-exit port: 0x10 (status 33) if all passed, 0x11 (35) if not.
// tools/test-kernel.sh boots this on QEMU in CI.

enum SelfTest {
    private static var passed = 0
    private static var failed = 0

    static func runAll() -> Never {
        print("selftest: start")
        TrapProbes.installTestVectorHandler()

        check("page fault recovered through the exception table", pageFaultIsRecovered())
        check("#UD resumed at its fixup", TrapProbes.invalidOpcodeResumes())
        check("#BP (INT3) handled and resumed", breakpointResumes())
        check("XMM0-15 preserved across an interrupt that clobbers them", xmmPreserved())
        check("Swift floating point live across an interrupt", floatingPointSurvivesInterrupt())
        check("page map, access, unmap, fault", mapAndUnmapPage())
        check("stack guard pages are unmapped", guardPagesUnmapped())
        check("kernel text read-only + executable, data and direct map no-execute", imagePermissions())
        check("writes to kernel text fault (CR0.WP)", textIsWriteProtected())
        // The machine: interrupt controllers, clocks, console, power (Boot/PlatformSelfTests.swift).
        check("8259 PICs remapped and every input masked", PlatformSelfTests.picsMasked())
        check("local APIC enabled: spurious vector 0xFF, TPR 0, LINT0 masked, no errors", PlatformSelfTests.localAPICConfigured())
        check("IOAPIC: COM1 (IRQ 4) routed edge/high to this CPU, other inputs masked", PlatformSelfTests.ioAPICRouting())
        check("PIT IRQ 0 arrives through the MADT override (GSI 2)", PlatformSelfTests.pitIRQ0ThroughOverride())
        check("spurious-vector interrupt handled without EOI", PlatformSelfTests.spuriousVectorHandled())
        check("timer interrupts arrive while halting (5 ticks)", PlatformSelfTests.timerTicksArrive())
        check("monotonic clock advances with the ticks, never backwards", PlatformSelfTests.monotonicClockAdvances())
        check("RTC wall clock read (year >= 2020)", PlatformSelfTests.wallClockPlausible())
        check("kernel log ring: levels, loglevel filter, overwrite keeps the newest", PlatformSelfTests.logRing())
        check("UART transmit drained by THRE interrupts (IRQ 4)", PlatformSelfTests.transmitByInterrupt())
        check("UART loopback: bytes come back through the receive path in order", PlatformSelfTests.loopbackReceive())
        check("ACPI power-off ready: PM1a_CNT (FADT) and SLP_TYPa (DSDT \\_S5)", PlatformSelfTests.powerOffReady())
        check("Swift heap objects, arrays and dictionaries", swiftHeapWorks())
        check("frame allocator: allocate, free, reuse", framesAllocateAndReuse())
        check("heap stress: freed memory is reused", heapReusesFreedMemory())
        check("heap alignments up to 4096", heapAlignments())
        check("heap exhaustion is an error, not a crash", heapExhaustionIsAnError())

        print("selftest: \(passed) passed, \(failed) failed")
        DebugExit.exit(failed == 0 ? .success : .failure)
    }

    private static func check(_ name: StaticString, _ ok: Bool) {
        if ok { passed += 1 } else { failed += 1 }
        Console.write(ok ? "selftest: ok     " : "selftest: FAILED ")
        Console.write(name)
        Console.write("\n")
    }

    // Nothing is mapped at 0x1000 (the identity map is gone after boot).
    private static func pageFaultIsRecovered() -> Bool {
        let before = Traps.recoveredFaultCount
        let value = RecoverableAccess.read64(at: 0x1000)
        return value == nil && Traps.recoveredFaultCount == before + 1
            && Traps.lastRecoveredVector == UInt64(ExceptionVector.pageFault)
            && Traps.lastRecoveredFaultAddress == 0x1000
    }

    private static func breakpointResumes() -> Bool {
        let before = Traps.breakpointCount
        CPU.breakpoint()
        CPU.breakpoint()
        return Traps.breakpointCount == before + 2
    }

    private static func xmmPreserved() -> Bool {
        let before = TrapProbes.testInterruptCount
        let changed = TrapProbes.xmmRegistersChangedByInterrupt()
        if changed != 0 { print("selftest: XMM registers changed: mask \(hex(changed, digits: 4))") }
        return changed == 0 && TrapProbes.testInterruptCount == before + 1
    }

    @inline(never)
    private static func floatingPointSurvivesInterrupt() -> Bool {
        var a = SIMD4<Double>(1.5, -2.25, 3.125, 1e10)
        let b = SIMD4<Double>(0.5, 0.25, -0.125, 2.0)
        var sum = 0.0
        for _ in 0..<4 {
            a = a * b + b
            TrapProbes.raiseTestInterrupt()
            sum += a.sum()
        }
        // Same computation with no interrupts in between.
        var x = SIMD4<Double>(1.5, -2.25, 3.125, 1e10)
        var expected = 0.0
        for _ in 0..<4 {
            x = x * b + b
            expected += x.sum()
        }
        return sum == expected
    }

    // A page in the kernel's virtual-mapping range (PML4 slot 192), backed by a fresh frame.
    private static func mapAndUnmapPage() -> Bool {
        let virtual: UInt64 = 0x0000_6000_0000_0000
        guard let frame = EarlyFramePool.allocate() else { return false }
        do throws(PageTableError) {
            try PageTables.map(virtual: virtual, to: frame, flags: .kernelData)
        } catch {
            return false
        }
        guard let (physical, flags) = PageTables.translate(virtual + 8), physical == frame.adding(8),
              flags.contains(.writable), flags.contains(.noExecute) else { return false }
        let pattern: UInt64 = 0x5EED_F00D_CAFE_0001
        // Written through the new mapping, read back through the direct map: same memory.
        guard RecoverableAccess.write64(pattern, at: virtual + 8),
              PhysicalMemory.read(frame.adding(8), as: UInt64.self) == pattern else { return false }
        do throws(PageTableError) {
            let old = try PageTables.unmap(virtual: virtual)
            guard old == frame else { return false }
        } catch {
            return false
        }
        // Unmapped (and flushed from the TLB): the same access now faults.
        return PageTables.translate(virtual) == nil && RecoverableAccess.read64(at: virtual + 8) == nil
    }

    private static func guardPagesUnmapped() -> Bool {
        let guards = [KernelImage.bootStackGuard, KernelImage.istGuard(1), KernelImage.istGuard(2), KernelImage.istGuard(3)]
        for page in guards {
            if PageTables.translate(page) != nil || RecoverableAccess.read64(at: page) != nil { return false }
        }
        // The stack itself, just above the guard, is mapped.
        return PageTables.translate(KernelImage.bootStackGuard + 4096) != nil
    }

    private static func imagePermissions() -> Bool {
        guard let (_, text) = PageTables.translate(KernelImage.textStart),
              let (_, stack) = PageTables.translate(KernelImage.bootStackTop - 8),
              let (_, direct) = PageTables.translate(PhysicalMemory.directMapBase + 0x100000) else { return false }
        return !text.contains(.writable) && !text.contains(.noExecute)
            && stack.contains(.writable) && stack.contains(.noExecute)
            && direct.contains(.noExecute)
    }

    private static func textIsWriteProtected() -> Bool {
        // Writes back the value already there, so nothing changes even if protection failed.
        guard let value = RecoverableAccess.read64(at: KernelImage.textStart) else { return false }
        return !RecoverableAccess.write64(value, at: KernelImage.textStart)
    }

    private static func framesAllocateAndReuse() -> Bool {
        guard let before = KernelMemory.frames?.statistics else { return false }
        var taken: [UInt64] = []
        for _ in 0..<64 {
            guard let frame = KernelMemory.frames?.allocate() else { return false }
            taken.append(frame)
        }
        // Distinct, page-aligned frames inside the direct map.
        for (i, frame) in taken.enumerated() {
            if frame & 0xFFF != 0 || frame >= PhysicalMemory.directMapSize { return false }
            for other in taken[(i + 1)...] where other == frame { return false }
        }
        for frame in taken {
            do throws(FrameError) { try KernelMemory.frames?.free(frame) } catch { return false }
        }
        guard let after = KernelMemory.frames?.statistics, after.freeFrames == before.freeFrames else { return false }
        // Freeing twice is reported, not ignored.
        do throws(FrameError) {
            try KernelMemory.frames?.free(taken[0])
            return false
        } catch {
            return true
        }
    }

    private static func heapReusesFreedMemory() -> Bool {
        guard let start = KernelMemory.heap?.statistics else { return false }
        var pagesAfterFirstRound = 0
        for round in 0..<20 {
            var blocks: [[UInt8]] = []
            for i in 0..<200 {
                // Sizes from 16 bytes to 8 KiB: every size class and large blocks.
                blocks.append(Array(repeating: UInt8(truncatingIfNeeded: i), count: 16 << (i % 10)))
            }
            for (i, block) in blocks.enumerated() where block.first != UInt8(truncatingIfNeeded: i) { return false }
            blocks.removeAll()
            if round == 0 { pagesAfterFirstRound = KernelMemory.heap?.statistics.pagesHeld ?? 0 }
        }
        guard let end = KernelMemory.heap?.statistics else { return false }
        // Everything was freed, and later rounds did not need more pages than the first.
        return end.liveAllocations == start.liveAllocations && end.pagesHeld <= pagesAfterFirstRound
    }

    private static func heapAlignments() -> Bool {
        for alignment in [16, 64, 256, 4096] {
            do throws(HeapError) {
                guard let address = try KernelMemory.heap?.allocate(size: 100, alignment: alignment),
                      address % UInt64(alignment) == 0 else { return false }
                try KernelMemory.heap?.free(address)
            } catch {
                return false
            }
        }
        return true
    }

    private static func heapExhaustionIsAnError() -> Bool {
        do throws(HeapError) {
            _ = try KernelMemory.heap?.allocate(size: 1 << 40, alignment: 16)
            return false
        } catch {
            return true
        }
    }

    private final class Node {
        let value: Int
        let next: Node?
        init(_ value: Int, _ next: Node?) { self.value = value; self.next = next }
    }

    private static func swiftHeapWorks() -> Bool {
        var list: Node? = nil
        for i in 0..<100 { list = Node(i, list) }
        var total = 0
        while let node = list { total += node.value; list = node.next }
        var array: [Int] = []
        for i in 0..<1000 { array.append(i * 2) }
        var dictionary: [Int: Int] = [:]
        for i in 0..<100 { dictionary[i] = i * i }
        return total == 4950 && array.reduce(0, +) == 999_000 && dictionary[9] == 81 && dictionary.count == 100
    }
}
