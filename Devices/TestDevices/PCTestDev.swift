// Layer: Devices/TestDevices. QEMU's ISA `pc-testdev` (hw/misc/pc-testdev.c), the device
// kvm-unit-tests' x86 tests use to drive interrupt lines and exercise port/MMIO emulation:
//   ports 0xE0-0xE3  a 32-bit data register, accessed at any width; offset & 3 selects the bytes
//   ports 0xE4-0xE7  "flush page": a 32-bit write names a guest-physical page (QEMU mprotects it
//                    to force KVM to refault; here the board decides, e.g. drop translations)
//   ports 0xE8-0xEB  the same data register, reached one byte at a time (wider accesses split)
//   ports 0x2000-0x2017  24 IRQ lines: a byte write of V sets ISA IRQ (port - 0x2000) to V != 0;
//                    reads return 0 (kvm-unit-tests' ioapic/eventinj `set_irq_line`)
//   MMIO 0xFF000000-0xFF00FFFF  64 KiB of plain read/write memory ("iomem")
// The device is three BusDevice windows because it sits in three places; the board maps each.

import EmulatorCore

public final class PCTestDev: Snapshottable {
    public static let dataPortBase: UInt64 = 0xE0        // ports 0xE0-0xEB: `ports`
    public static let irqPortBase: UInt64 = 0x2000       // ports 0x2000-0x2017: `irqPorts`
    public static let iomemBase: UInt64 = 0xFF00_0000    // MMIO: `iomem`
    public static let irqCount = 24
    public static let iomemLength = 0x10000

    /// The state the three windows share (they hold it, not the device: no reference cycle).
    final class State {
        var data: UInt32 = 0
        var memory: [UInt8] = Array(repeating: 0, count: PCTestDev.iomemLength)
        let irqLines: [InterruptLine]
        var onFlushPage: ((UInt64) -> Void)?
        init(irqLines: [InterruptLine]) { self.irqLines = irqLines }
    }
    let state: State

    /// The 32-bit register behind 0xE0 and 0xE8.
    public var data: UInt32 { state.data }
    /// ISA IRQ 0-23, handed over by the board (which connects each to the PIC/IOAPIC pin).
    public var irqLines: [InterruptLine] { state.irqLines }
    /// Called with the page address written to port 0xE4.
    public var onFlushPage: ((UInt64) -> Void)? {
        get { state.onFlushPage }
        set { state.onFlushPage = newValue }
    }

    /// Ports 0xE0-0xEB (length 12).
    public let ports: DataPorts
    /// Ports 0x2000-0x2017 (length 24).
    public let irqPorts: IRQPorts
    /// MMIO window of `iomemLength` bytes.
    public let iomem: IOMem

    /// `irqLines` must hold 24 lines (fewer: the missing IRQs are not driven).
    public init(irqLines: [InterruptLine]) {
        state = State(irqLines: irqLines)
        ports = DataPorts(state)
        irqPorts = IRQPorts(state)
        iomem = IOMem(state)
    }

    public final class DataPorts: BusDevice {
        let dev: State
        init(_ dev: State) { self.dev = dev }

        public func read(offset: UInt64, size: Int) -> UInt64 {
            switch offset {
            case 0..<4, 8..<12:
                // Bytes (offset & 3) ..< (offset & 3) + size of the register. An access running past
                // the register's 4 bytes reads 0 (measured on QEMU 7.2: `inl 0xe3` = 0).
                let start = Int(offset & 3)
                guard start + size <= 4 else { return 0 }
                var v: UInt64 = 0
                for i in 0..<min(size, 8) where start + i < 4 {
                    v |= UInt64((dev.data >> UInt32((start + i) * 8)) & 0xFF) << UInt64(i * 8)
                }
                return v
            default:
                return 0     // the flush port reads 0
            }
        }

        public func write(offset: UInt64, size: Int, value: UInt64) {
            switch offset {
            case 0..<4, 8..<12:
                let start = Int(offset & 3)
                guard start + size <= 4 else { return }
                for i in 0..<min(size, 8) where start + i < 4 {
                    let shift = UInt32((start + i) * 8)
                    let b = UInt32(truncatingIfNeeded: value >> UInt64(i * 8)) & 0xFF
                    dev.data = (dev.data & ~(0xFF << shift)) | (b << shift)
                }
            case 4 where size == 4:
                dev.onFlushPage?(value & 0xFFFF_F000)
            default:
                break
            }
        }
    }

    public final class IRQPorts: BusDevice {
        let dev: State
        init(_ dev: State) { self.dev = dev }
        public func read(offset: UInt64, size: Int) -> UInt64 { 0 }
        /// Byte writes only (QEMU: valid access size 1).
        public func write(offset: UInt64, size: Int, value: UInt64) {
            guard size == 1, offset < UInt64(dev.irqLines.count) else { return }
            dev.irqLines[Int(offset)].set(value & 0xFF != 0)
        }
    }

    public final class IOMem: BusDevice {
        let dev: State
        init(_ dev: State) { self.dev = dev }
        public func read(offset: UInt64, size: Int) -> UInt64 {
            var v: UInt64 = 0
            for i in 0..<min(size, 8) {
                let at = offset &+ UInt64(i)
                guard at < UInt64(PCTestDev.iomemLength) else { break }
                v |= UInt64(dev.memory[Int(at)]) << UInt64(i * 8)
            }
            return v
        }
        public func write(offset: UInt64, size: Int, value: UInt64) {
            for i in 0..<min(size, 8) {
                let at = offset &+ UInt64(i)
                guard at < UInt64(PCTestDev.iomemLength) else { break }
                dev.memory[Int(at)] = UInt8(truncatingIfNeeded: value >> UInt64(i * 8))
            }
        }
    }

    // MARK: Snapshottable
    public func save(to w: StateWriter) {
        w.section("PCTD", version: 1) {
            w.u32(data)
            w.u32(UInt32(irqLines.count))
            for l in irqLines { w.bool(l.level) }
            w.raw(state.memory)
        }
    }

    public func restore(from r: StateReader) throws(SnapshotError) {
        try r.section("PCTD", maxVersion: 1) { _ throws(SnapshotError) in
            let d = try r.u32()
            let n = try r.u32()
            guard n == irqLines.count else { throw SnapshotError.invalidValue(field: "PCTD.irqCount", value: UInt64(n)) }
            var levels: [Bool] = []
            for _ in 0..<Int(n) { levels.append(try r.bool()) }
            let m = try r.raw(Self.iomemLength)
            state.data = d
            for (l, v) in zip(irqLines, levels) { l.restoreLevel(v) }
            state.memory = m
        }
    }
}
