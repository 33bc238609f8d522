// Layer: Devices/PCI. The PCI host bridge: bus 0's function table, the two ways software reaches
// configuration space (config mechanism #1 at ports 0xCF8-0xCFF, with the reset control register
// at 0xCF9 in the middle; ECAM/MMCONFIG, the memory window the ACPI MCFG table names), and the
// host bridge's own function 00:00.0. The bridge identifies as Intel's Q35 MCH (8086:29C0, the
// chipset QEMU's `q35` machine models): the chipset that has both MMCONFIG and the ICH9 reset
// control register.

import EmulatorCore

/// A function's position on the bus: bus 0-255, device 0-31, function 0-7.
public struct PCIAddress: Equatable, Hashable, Sendable, CustomStringConvertible {
    public var bus: UInt8
    public var device: UInt8
    public var function: UInt8
    public init(bus: UInt8 = 0, device: UInt8, function: UInt8 = 0) {
        self.bus = bus; self.device = device & 31; self.function = function & 7
    }
    public var description: String {
        func hex(_ v: UInt8, _ w: Int) -> String {
            let s = String(v, radix: 16); return String(repeating: "0", count: max(0, w - s.count)) + s
        }
        return "\(hex(bus, 2)):\(hex(device, 2)).\(function)"
    }
}

/// A PCI function: it owns a configuration space. The host bridge routes guest configuration
/// accesses to `configRead`/`configWrite`; the defaults go straight to the config space (masks
/// apply). A device overrides them for registers with side effects and calls the default.
public protocol PCIFunction: AnyObject {
    var config: PCIConfigSpace { get }
    func configRead(offset: Int, size: Int) -> UInt64
    func configWrite(offset: Int, size: Int, value: UInt64)
}

extension PCIFunction {
    public func configRead(offset: Int, size: Int) -> UInt64 { config.read(offset, size: size) }
    public func configWrite(offset: Int, size: Int, value: UInt64) {
        config.write(offset, size: size, value: value)
    }
}

/// Bus 0 and its configuration access paths. Only bus 0 exists (no PCI-to-PCI bridges yet):
/// every other bus, and every empty slot, reads all ones (vendor ID 0xFFFF = "no device").
public final class PCIHostBridge {
    /// 32 devices x 8 functions on bus 0, indexed device*8+function (no hash order anywhere).
    private var functions: [PCIFunction?] = Array(repeating: nil, count: 256)
    /// Called after any guest write to a command register or a BAR (offsets 0x04-0x27, 0x30), so
    /// the board can remap the function's windows. Not called for the host bridge's own writes.
    public var onDecodeChange: ((PCIAddress) -> Void)?

    public init() {}

    public enum AttachError: Error, Equatable { case slotInUse(PCIAddress), notBusZero(PCIAddress) }

    /// Places `function` at `address` (bus 0). Function 0 of a multi-function device must set the
    /// multi-function bit of its header type itself.
    public func attach(_ function: PCIFunction, at address: PCIAddress) throws(AttachError) {
        guard address.bus == 0 else { throw .notBusZero(address) }
        let i = Int(address.device) * 8 + Int(address.function)
        guard functions[i] == nil else { throw .slotInUse(address) }
        functions[i] = function
    }

    public func function(at address: PCIAddress) -> PCIFunction? {
        guard address.bus == 0 else { return nil }
        return functions[Int(address.device) * 8 + Int(address.function)]
    }

    /// All attached functions in bus order (for snapshots and the state hash).
    public var attached: [(PCIAddress, PCIFunction)] {
        var out: [(PCIAddress, PCIFunction)] = []
        for i in 0..<256 {
            if let f = functions[i] { out.append((PCIAddress(device: UInt8(i / 8), function: UInt8(i % 8)), f)) }
        }
        return out
    }

    /// A configuration read of `size` bytes at register `offset` (0-4095) of `address`.
    public func configRead(_ address: PCIAddress, offset: Int, size: Int) -> UInt64 {
        guard let f = function(at: address) else {
            return size >= 8 ? ~0 : (UInt64(1) << UInt64(size * 8)) &- 1
        }
        return f.configRead(offset: offset, size: size)
    }

    public func configWrite(_ address: PCIAddress, offset: Int, size: Int, value: UInt64) {
        guard let f = function(at: address) else { return }
        f.configWrite(offset: offset, size: size, value: value)
        let end = offset + size
        // Command register (0x04-0x05), BARs (0x10-0x27) or the expansion ROM BAR (0x30-0x33).
        if (offset < 0x06 && end > 0x04) || (offset < 0x28 && end > 0x10) || (offset < 0x34 && end > 0x30) {
            onDecodeChange?(address)
        }
    }
}

/// Config mechanism #1 (PCI Local Bus Spec 3.0 §3.2.2.3.2), mapped at ports 0xCF8-0xCFF:
/// - 0xCF8 CONFIG_ADDRESS, 32-bit accesses only: bit 31 enable, bits 23:16 bus, 15:11 device,
///   10:8 function, 7:2 dword register. Narrower accesses to 0xCF8-0xCFB are not config cycles.
/// - 0xCF9 (byte): the ICH9 Reset Control Register: bit 1 SYS_RST, bit 2 RST_CPU (writing 1
///   starts the reset), bit 3 FULL_RST. Bits 1 and 3 read back; bit 2 never does.
/// - 0xCFC-0xCFF CONFIG_DATA, byte/word/dword: reaches register (CONFIG_ADDRESS & 0xFC) + port
///   offset of the addressed function while the enable bit is set; all ones otherwise.
public final class PCIConfigPorts: BusDevice, Snapshottable {
    public let bridge: PCIHostBridge
    public private(set) var address: UInt32 = 0
    public private(set) var resetControl: UInt8 = 0
    /// Called when the guest writes RST_CPU to 0xCF9. The argument is true for a hard reset
    /// (SYS_RST or FULL_RST set), false for a soft one (INIT). The board decides what a reset is.
    public var onReset: ((Bool) -> Void)?

    public init(bridge: PCIHostBridge) { self.bridge = bridge }

    public static let resetSysRst: UInt8 = 1 << 1
    public static let resetCPU: UInt8 = 1 << 2
    public static let resetFull: UInt8 = 1 << 3

    public func read(offset: UInt64, size: Int) -> UInt64 {
        switch offset {
        case 0 where size == 4:
            return UInt64(address & 0x80FF_FFFC)        // reserved bits 30:24 and 1:0 read 0
        case 1 where size == 1:
            return UInt64(resetControl)
        case 4...7:
            let ones: UInt64 = size >= 8 ? ~0 : (UInt64(1) << UInt64(size * 8)) &- 1
            guard address & 0x8000_0000 != 0 else { return ones }
            let reg = Int(address & 0xFC) + Int(offset - 4)
            return bridge.configRead(target, offset: reg, size: min(size, 8 - Int(offset)))
        default:
            return size >= 8 ? ~0 : (UInt64(1) << UInt64(size * 8)) &- 1
        }
    }

    public func write(offset: UInt64, size: Int, value: UInt64) {
        switch offset {
        case 0 where size == 4:
            address = UInt32(truncatingIfNeeded: value) & 0x80FF_FFFC
        case 1 where size == 1:
            let v = UInt8(truncatingIfNeeded: value)
            resetControl = v & (Self.resetSysRst | Self.resetFull)
            if v & Self.resetCPU != 0 {
                onReset?(v & (Self.resetSysRst | Self.resetFull) != 0)
            }
        case 4...7:
            guard address & 0x8000_0000 != 0 else { return }
            let reg = Int(address & 0xFC) + Int(offset - 4)
            bridge.configWrite(target, offset: reg, size: min(size, 8 - Int(offset)), value: value)
        default:
            break
        }
    }

    private var target: PCIAddress {
        PCIAddress(bus: UInt8(truncatingIfNeeded: address >> 16), device: UInt8(truncatingIfNeeded: address >> 11),
                   function: UInt8(truncatingIfNeeded: address >> 8))
    }

    /// Board reset: CONFIG_ADDRESS and RCR return to 0.
    public func reset() { address = 0; resetControl = 0 }

    public func save(to w: StateWriter) {
        w.section("PCIA", version: 1) {
            w.u32(address)
            w.u8(resetControl)
        }
    }

    public func restore(from r: StateReader) throws(SnapshotError) {
        try r.section("PCIA", maxVersion: 1) { _ throws(SnapshotError) in
            address = try r.u32() & 0x80FF_FFFC
            resetControl = try r.u8() & (Self.resetSysRst | Self.resetFull)
        }
    }
}

/// ECAM (PCI Express Base Spec §7.2.2, "MMCONFIG"): a memory window where function
/// (bus, device, function)'s 4 KiB configuration space sits at
/// base + (bus - startBus) << 20 | device << 15 | function << 12. The board maps it at the address
/// it puts in the ACPI MCFG table, `busCount` MiB long.
public final class PCIECAM: BusDevice {
    public let bridge: PCIHostBridge
    public let startBus: UInt8
    public let busCount: Int

    public init(bridge: PCIHostBridge, startBus: UInt8 = 0, busCount: Int = 256) {
        self.bridge = bridge; self.startBus = startBus; self.busCount = max(1, min(busCount, 256))
    }

    /// Length in bytes of the window to map.
    public var length: UInt64 { UInt64(busCount) << 20 }

    private func decode(_ offset: UInt64) -> (PCIAddress, Int) {
        let bus = UInt8(truncatingIfNeeded: (offset >> 20) &+ UInt64(startBus))
        return (PCIAddress(bus: bus, device: UInt8(truncatingIfNeeded: offset >> 15),
                           function: UInt8(truncatingIfNeeded: offset >> 12)), Int(offset & 0xFFF))
    }

    public func read(offset: UInt64, size: Int) -> UInt64 {
        let (a, reg) = decode(offset)
        // An 8-byte access is two dword configuration reads (a PCIe request carries at most a dword).
        if size == 8 {
            return bridge.configRead(a, offset: reg, size: 4) | bridge.configRead(a, offset: reg + 4, size: 4) << 32
        }
        return bridge.configRead(a, offset: reg, size: size)
    }

    public func write(offset: UInt64, size: Int, value: UInt64) {
        let (a, reg) = decode(offset)
        if size == 8 {
            bridge.configWrite(a, offset: reg, size: 4, value: value & 0xFFFF_FFFF)
            bridge.configWrite(a, offset: reg + 4, size: 4, value: value >> 32)
            return
        }
        bridge.configWrite(a, offset: reg, size: size, value: value)
    }
}

/// Function 00:00.0: the Q35 MCH host bridge (Intel 3 Series Express Chipset datasheet,
/// device 0: DRAM controller). IDs 8086:29C0, class 06/00/00 (host bridge). Its PCIEXBAR register
/// (offset 0x60, 64-bit) reports the ECAM window the board chose; it is read-only here: the board,
/// not the guest, places MMCONFIG.
public final class Q35HostBridgeFunction: PCIFunction, Snapshottable {
    public static let vendorID: UInt16 = 0x8086
    public static let deviceID: UInt16 = 0x29C0
    public static let pciexbarOffset = 0x60

    public let config: PCIConfigSpace

    /// `ecamBase`: the MMCONFIG base (256 MiB aligned, e.g. 0xB000_0000 as on QEMU q35); nil if
    /// the board maps no ECAM window.
    public init(ecamBase: UInt64?, busCount: Int = 256) {
        config = PCIConfigSpace(vendorID: Self.vendorID, deviceID: Self.deviceID, revision: 0,
                                classCode: 0x06_00_00, subsystemVendorID: 0x1AF4, subsystemID: 0x1100)
        if let base = ecamBase {
            // PCIEXBAR: bit 0 enable, bits 2:1 length (00 = 256 buses, 01 = 128, 10 = 64).
            let lengthField: UInt64 = busCount >= 256 ? 0 : busCount >= 128 ? 1 : 2
            let v = base | lengthField << 1 | 1
            config.setDword(Self.pciexbarOffset, UInt32(truncatingIfNeeded: v))
            config.setDword(Self.pciexbarOffset + 4, UInt32(truncatingIfNeeded: v >> 32))
        }
    }

    public func save(to w: StateWriter) { config.save(to: w) }
    public func restore(from r: StateReader) throws(SnapshotError) { try config.restore(from: r) }
    public func contributeHash(to h: inout StateHash) { config.contributeHash(to: &h) }
}
