// Layer: Devices/TestDevices. QEMU's firmware configuration device (fw_cfg), the traditional
// port interface only, as QEMU's docs/specs/fw_cfg.rst describes it: selector port 0x510
// (16-bit write), data port 0x511 (byte reads, one byte of the selected item each). kvm-unit-tests
// reads FW_CFG_RAM_SIZE and FW_CFG_NB_CPUS through it; firmware and the board's own loaders read
// named files through the file directory (key 0x19). No DMA interface (FW_CFG_ID bit 1 clear).

import EmulatorCore

/// Selector keys (QEMU include/standard-headers/linux/qemu_fw_cfg.h; kvm-unit-tests lib/x86/fwcfg.h).
public enum FwCfgKey {
    public static let signature: UInt16 = 0x00
    public static let id: UInt16 = 0x01
    public static let uuid: UInt16 = 0x02
    public static let ramSize: UInt16 = 0x03
    public static let noGraphic: UInt16 = 0x04
    public static let nbCPUs: UInt16 = 0x05
    public static let machineID: UInt16 = 0x06
    public static let kernelAddr: UInt16 = 0x07
    public static let kernelSize: UInt16 = 0x08
    public static let kernelCmdline: UInt16 = 0x09
    public static let initrdAddr: UInt16 = 0x0A
    public static let initrdSize: UInt16 = 0x0B
    public static let bootDevice: UInt16 = 0x0C
    public static let numa: UInt16 = 0x0D
    public static let bootMenu: UInt16 = 0x0E
    public static let maxCPUs: UInt16 = 0x0F
    public static let fileDir: UInt16 = 0x19
    public static let fileFirst: UInt16 = 0x20
    /// Bit 14 of a selector: write access (ignored by QEMU since v2.4, and here).
    public static let writeChannel: UInt16 = 0x4000
    /// Bit 15: architecture-specific item (x86: 0x8000 ACPI tables, 0x8001 SMBIOS, 0x8002 IRQ0 override...).
    public static let archLocal: UInt16 = 0x8000
    public static let entryMask: UInt16 = 0x3FFF
    /// "No item selected": data reads return 0.
    public static let invalid: UInt16 = 0xFFFF
}

public final class FwCfg: BusDevice, Snapshottable {
    /// Number of file slots (QEMU's default: 0x20), so keys 0x20-0x3F are files and any key at
    /// or above 0x40 (after masking bits 14-15) selects nothing.
    public static let fileSlots = 0x20
    public static let maxEntry = Int(FwCfgKey.fileFirst) + fileSlots
    /// Length of a file name in a directory entry, including its terminating NUL.
    public static let fileNameLength = 56

    /// Item contents by [arch][key & entryMask]; nil = no such item. Fixed by the board.
    private var items: [[[UInt8]?]] = [Array(repeating: nil, count: FwCfg.maxEntry),
                                        Array(repeating: nil, count: FwCfg.maxEntry)]
    public private(set) var fileNames: [String] = []

    /// Guest-visible state: the selected key and the offset of the next data byte.
    public private(set) var selector: UInt16 = FwCfgKey.signature
    public private(set) var dataOffset: UInt32 = 0

    public enum ItemError: Error, Equatable { case keyOutOfRange(UInt16), noFreeFileSlot, nameTooLong(String), duplicateFile(String) }

    /// A device with the items every QEMU machine has: signature, ID, RAM size, CPU counts, UUID
    /// (all zero), no-graphic, boot menu, and an empty file directory.
    public init(ramSize: UInt64, cpus: UInt16 = 1, maxCPUs: UInt16? = nil) {
        items[0][Int(FwCfgKey.signature)] = Array("QEMU".utf8)
        items[0][Int(FwCfgKey.id)] = Self.le(1, 4)                  // bit 0: traditional interface
        items[0][Int(FwCfgKey.uuid)] = Array(repeating: 0, count: 16)
        items[0][Int(FwCfgKey.ramSize)] = Self.le(ramSize, 8)
        items[0][Int(FwCfgKey.noGraphic)] = Self.le(0, 2)      // as QEMU without -nographic
        items[0][Int(FwCfgKey.nbCPUs)] = Self.le(UInt64(cpus), 2)
        items[0][Int(FwCfgKey.maxCPUs)] = Self.le(UInt64(maxCPUs ?? cpus), 2)
        items[0][Int(FwCfgKey.bootMenu)] = Self.le(0, 2)
        rebuildDirectory()
    }

    /// Little-endian bytes of `v`, `n` long (fw_cfg integers are little-endian).
    public static func le(_ v: UInt64, _ n: Int) -> [UInt8] {
        (0..<n).map { UInt8(truncatingIfNeeded: v >> UInt64($0 * 8)) }
    }

    /// Sets (or replaces) the item at `key` (bit 15 selects the architecture-specific table).
    public func setItem(_ key: UInt16, _ data: [UInt8]) throws(ItemError) {
        let k = Int(key & FwCfgKey.entryMask)
        guard k < Self.maxEntry, k != Int(FwCfgKey.fileDir) else { throw .keyOutOfRange(key) }
        items[key & FwCfgKey.archLocal != 0 ? 1 : 0][k] = data
    }

    public func item(_ key: UInt16) -> [UInt8]? {
        let k = Int(key & FwCfgKey.entryMask)
        guard k < Self.maxEntry else { return nil }
        return items[key & FwCfgKey.archLocal != 0 ? 1 : 0][k]
    }

    /// Adds a named file (e.g. "etc/e820", "opt/org.orrery/..."): it takes the next free key from
    /// 0x20 and appears in the directory. Files keep the order they were added in (the board adds
    /// them in a fixed order), which is also their key order. Returns the key.
    @discardableResult
    public func addFile(_ name: String, _ data: [UInt8]) throws(ItemError) -> UInt16 {
        guard name.utf8.count < Self.fileNameLength else { throw .nameTooLong(name) }
        guard !fileNames.contains(name) else { throw .duplicateFile(name) }
        guard fileNames.count < Self.fileSlots else { throw .noFreeFileSlot }
        let key = FwCfgKey.fileFirst + UInt16(fileNames.count)
        items[0][Int(key)] = data
        fileNames.append(name)
        rebuildDirectory()
        return key
    }

    /// FW_CFG_FILE_DIR: a big-endian u32 count, then per file 64 bytes: u32 size (BE), u16 key
    /// (BE), u16 reserved, 56 bytes of NUL-terminated name.
    private func rebuildDirectory() {
        var d = Self.be(UInt64(fileNames.count), 4)
        for (i, name) in fileNames.enumerated() {
            let key = Int(FwCfgKey.fileFirst) + i
            d += Self.be(UInt64(items[0][key]?.count ?? 0), 4)
            d += Self.be(UInt64(key), 2)
            d += [0, 0]
            var n = Array(name.utf8)
            n += Array(repeating: 0, count: Self.fileNameLength - n.count)
            d += n
        }
        items[0][Int(FwCfgKey.fileDir)] = d
    }

    private static func be(_ v: UInt64, _ n: Int) -> [UInt8] { le(v, n).reversed() }

    // MARK: Ports: offset 0 = 0x510 (selector), offset 1 = 0x511 (data)

    /// Byte reads of either port return the next data byte (QEMU maps both ports to one region
    /// whose reads are data reads). Wider reads are not valid there: they read 0 and consume
    /// nothing (measured on QEMU 7.2 q35: `inw 0x510` = 0).
    public func read(offset: UInt64, size: Int) -> UInt64 {
        guard size == 1 else { return 0 }
        return UInt64(nextDataByte())
    }

    /// A 16-bit write selects an item and rewinds the data offset; byte writes are data writes,
    /// which QEMU ignores since v2.4 (and so do we).
    public func write(offset: UInt64, size: Int, value: UInt64) {
        if size == 2 { select(UInt16(truncatingIfNeeded: value)) }
    }

    public func select(_ key: UInt16) {
        dataOffset = 0
        selector = Int(key & FwCfgKey.entryMask) < Self.maxEntry ? key : FwCfgKey.invalid
    }

    private func nextDataByte() -> UInt8 {
        guard selector != FwCfgKey.invalid, let data = item(selector), Int(dataOffset) < data.count else {
            return 0   // past the end, or nothing selected: 0x00
        }
        let b = data[Int(dataOffset)]
        dataOffset &+= 1
        return b
    }

    /// Device reset (QEMU: selects the signature).
    public func reset() { select(FwCfgKey.signature) }

    // MARK: Snapshottable. Items are configuration fixed by the board; they are hashed (the
    // guest can read them) but not saved: a restore targets a machine built with the same items.
    public func save(to w: StateWriter) {
        w.section("FWCF", version: 1) {
            w.u16(selector)
            w.u32(dataOffset)
        }
    }

    public func restore(from r: StateReader) throws(SnapshotError) {
        try r.section("FWCF", maxVersion: 1) { _ throws(SnapshotError) in
            selector = try r.u16()
            dataOffset = try r.u32()
        }
    }

    public func contributeHash(to h: inout StateHash) {
        h.add(UInt64(selector))
        h.add(UInt64(dataOffset))
        for table in items {
            for (k, item) in table.enumerated() {
                guard let item else { continue }
                h.add(UInt64(k))
                item.withUnsafeBytes { if let p = $0.baseAddress { h.add(bytes: p, count: $0.count) } else { h.add(0) } }
            }
        }
    }
}
