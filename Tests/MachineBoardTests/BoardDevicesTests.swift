// MachineBoardTests: the legacy devices wired on the PC board. A guest programs the 8254 and
// reads the 8259's IRR: PIT counter 0's OUT reaches PIC input 0 at the virtual time the
// datasheet gives (count / 1.193182 MHz), because the run loop ends its budgets at timer events.

import XCTest
import EmulatorCore
@testable import Machine

final class BoardDevicesTests: XCTestCase {
    /// 64-bit guest: PIT counter 0 mode 0 (interrupt on terminal count) with count 100 (83.8 us = 83,810 instructions at 1 ns),
    /// spin `loops` iterations (2 instructions each), then report the master PIC's IRR on 0xf4.
    func guest(loops: UInt32) -> [UInt8] {
        var c: [UInt8] = []
        c += [0xB0, 0x11, 0xE6, 0x20]             // ICW1: edge, cascade, ICW4 needed
        c += [0xB0, 0x20, 0xE6, 0x21]             // ICW2: vector base 0x20
        c += [0xB0, 0x04, 0xE6, 0x21]             // ICW3: slave on IR2
        c += [0xB0, 0x01, 0xE6, 0x21]             // ICW4: 8086 mode
        c += [0xB0, 0x30, 0xE6, 0x43]             // counter 0, LSB then MSB, mode 0 (OUT low)
        c += [0xB0, 100, 0xE6, 0x40, 0xB0, 0x00, 0xE6, 0x40]
        c += [0xB9] + withUnsafeBytes(of: loops.littleEndian, Array.init)   // mov ecx, loops
        c += [0xFF, 0xC9, 0x75, 0xFC]             // 1: dec ecx; jnz 1b
        c += [0xB0, 0x0A, 0xE6, 0x20, 0xE4, 0x20] // OCW3: read IRR; in al, 0x20
        c += [0xE6, 0xF4, 0xF4]                   // out 0xf4, al; hlt
        return c
    }

    func run(loops: UInt32) throws -> (RunOutcome, Machine) {
        let m = try Machine(board: BoardConfiguration(memorySize: 16 << 20))
        m.ram.write(guest(loops: loops), at: 0x10_0000)
        m.cpu.state.pointee.rip = 0x10_0000
        return (m.run(maxInstructions: 1_000_000), m)
    }

    func testPITInterruptReachesThePICAfterItsPeriod() throws {
        // 30,000 loops = 60,000 instructions: before the first period ends, IRR0 clear.
        let (early, _) = try run(loops: 30_000)
        XCTAssertEqual(early, .debugExit(0))
        // 50,000 loops = 100,000 instructions: past 83.8 us, IRR0 set.
        let (late, m) = try run(loops: 50_000)
        XCTAssertEqual(late, .debugExit(1))
        XCTAssertEqual(m.devices?.pic.masterRegisters.irr ?? 0 & 1, 1)
    }

    func testDeviceStateIsInTheHashAndRunsAreDeterministic() throws {
        let (_, a) = try run(loops: 50_000)
        let (_, b) = try run(loops: 50_000)
        XCTAssertEqual(a.stateHash(), b.stateHash())
        let (_, c) = try run(loops: 30_000)
        XCTAssertNotEqual(a.stateHash(), c.stateHash())
    }

    func testCOM1OutputReachesTheSerialSink() throws {
        let m = try Machine(board: BoardConfiguration(memorySize: 16 << 20))
        var out: [(Int, UInt8)] = []
        m.devices?.serialOutput = { out.append(($0, $1)) }
        // mov dx, 0x3f8; mov al, 'O'; out dx, al; mov al, 'K'; out dx, al; mov dx, 0x2f8; out dx, al; hlt
        let code: [UInt8] = [0x66, 0xBA, 0xF8, 0x03, 0xB0, 0x4F, 0xEE, 0xB0, 0x4B, 0xEE,
                             0x66, 0xBA, 0xF8, 0x02, 0xEE, 0xF4]
        m.ram.write(code, at: 0x10_0000)
        m.cpu.state.pointee.rip = 0x10_0000
        XCTAssertEqual(m.run(maxInstructions: 100), .haltedForever)
        XCTAssertEqual(out.map { $0.0 }, [0, 0, 1])
        XCTAssertEqual(out.map { $0.1 }, [0x4F, 0x4B, 0x4B])
        // The RTC answers at 0x70/0x71 and the CMOS century byte is the FADT's 0x32 register.
        m.ports.write(0x70, size: 1, value: 0x32)
        XCTAssertEqual(m.ports.read(0x71, size: 1), 0x20, "century 20xx (BCD)")
        // fw_cfg signature "QEMU" and the ECAM host bridge ID 8086:29C0 at 00:00.0.
        m.ports.write(0x510, size: 2, value: 0)
        XCTAssertEqual((0..<4).map { _ in UInt8(m.ports.read(0x511, size: 1)) }, Array("QEMU".utf8))
        XCTAssertEqual(m.mmio.read(GuestMemoryMap.ecamBase, size: 4), 0x29C0_8086)
        XCTAssertEqual(m.mmio.read(GuestMemoryMap.ioAPICBase + 0x10, size: 4) & 0xFF, 0, "IOAPIC reachable (IOREGSEL reads back)")
    }

    /// HLT with IF = 1 skips virtual time to the next timer event instead of ending the run;
    /// with IF = 0 the CPU is halted for good at once.
    func testHaltSkipsVirtualTimeOnlyWithInterruptsEnabled() throws {
        func run(sti: Bool) throws -> (RunOutcome, UInt64) {
            let m = try Machine(board: BoardConfiguration(memorySize: 16 << 20))
            // PIT counter 0, mode 2 (rate generator), count 1193: a 1 ms periodic event.
            var code: [UInt8] = [0xB0, 0x34, 0xE6, 0x43, 0xB0, 0xA9, 0xE6, 0x40, 0xB0, 0x04, 0xE6, 0x40]
            code += [0xB0, 0xFF, 0xE6, 0x21]        // mask every PIC input: nothing will wake the CPU
            code += [sti ? 0xFB : 0xFA, 0xF4]      // sti/cli; hlt
            m.ram.write(code, at: 0x10_0000)
            m.cpu.state.pointee.rip = 0x10_0000
            let outcome = m.run(maxInstructions: 1000)
            return (outcome, m.clock.now)
        }
        let (off, tOff) = try run(sti: false)
        XCTAssertEqual(off, .haltedForever)
        XCTAssertLessThan(tOff, 1_000, "no time skipped with IF = 0")
        let (on, tOn) = try run(sti: true)
        XCTAssertEqual(on, .haltedForever, "events that never wake the CPU end the run")
        // Counter 0 in mode 2 makes two events per period (OUT low, then high again).
        XCTAssertGreaterThanOrEqual(tOn, UInt64(Machine.maxIdleSkips / 2 - 1) * 999_000, "virtual time advanced period by period")
    }

    /// The whole interrupt path of the board: PIT -> 8259 (IRQ 0, vector 0x20) -> LAPIC LINT0
    /// (ExtINT) -> CPU, taken while halted with IF = 1 through a 32-bit IDT, in a Multiboot guest
    /// (flat GDT from the loader). The handler reports the PIC's ISR (IRQ 0 in service) on 0xf4.
    func testTimerInterruptWakesAHaltedMultibootGuest() throws {
        var code: [UInt8] = []
        // IDT at 0x200000: 256 interrupt gates (selector 0x10, type 0x8E) all to `handler`.
        let idt: UInt32 = 0x20_0000, handler: UInt32 = 0x10_0100
        for v in 0..<256 {
            let gate = UInt32(idt) + UInt32(v * 8)
            // mov dword [gate], handler_lo | 0x10 << 16; mov dword [gate+4], handler_hi | 0x8E00
            code += [0xC7, 0x05] + le(gate) + le((handler & 0xFFFF) | 0x10 << 16)
            code += [0xC7, 0x05] + le(gate + 4) + le((handler & 0xFFFF_0000) | 0x8E00)
        }
        // lidt [idtr] with idtr at 0x201000 = { limit 0x7FF, base idt }
        code += [0xC7, 0x05] + le(0x20_1000) + le(0x7FF | (idt & 0xFFFF) << 16)
        code += [0xC7, 0x05] + le(0x20_1004) + le(idt >> 16)
        code += [0x0F, 0x01, 0x1D] + le(0x20_1000)
        code += [0xBC] + le(0x30_0000)                                 // mov esp, 0x300000
        for (p, v) in [(0x20, 0x11), (0x21, 0x20), (0x21, 0x04), (0x21, 0x01), (0x21, 0xFE)] as [(UInt8, UInt8)] {
            code += [0xB0, v, 0xE6, p]                                 // PIC init, only IRQ 0 unmasked
        }
        // PIT counter 0 mode 0 (OUT low until terminal count), count 1193: IRQ 0 edge after 1 ms.
        code += [0xB0, 0x30, 0xE6, 0x43, 0xB0, 0xA9, 0xE6, 0x40, 0xB0, 0x04, 0xE6, 0x40]
        code += [0xFB, 0xF4, 0xEB, 0xFD]                               // sti; hlt; jmp $-1 (back to hlt)
        XCTAssertLessThan(code.count, 0x100 * 0x40)
        // The guest lives at 0x101000 (entry); the handler at 0x100100 reads ISR and exits.
        let isr: [UInt8] = [0xB0, 0x0B, 0xE6, 0x20, 0xE4, 0x20, 0xE6, 0xF4, 0xF4]   // OCW3 read ISR; out 0xf4
        var img = Img(count: 0x1000 + code.count)
        img.put32(0x40, Multiboot1.headerMagic); img.put32(0x44, 1 << 16)
        img.put32(0x48, 0 &- (Multiboot1.headerMagic &+ (1 << 16)))
        img.put32(0x4C, 0x10_0040); img.put32(0x50, 0x10_0000); img.put32(0x54, 0); img.put32(0x58, 0)
        img.put32(0x5C, 0x10_1000)
        img.put(0x100, isr)
        img.put(0x1000, code)
        let m = try Machine(board: BoardConfiguration(memorySize: 16 << 20))
        try m.boot(kernel: img.b)
        let outcome = m.run(maxInstructions: 100_000)
        XCTAssertEqual(outcome, .debugExit(1), "IRQ 0 in service when the handler runs")
        XCTAssertGreaterThan(m.clock.now, 900_000, "the CPU slept until the PIT's first period ended")
    }

    func le(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
}
