// Layer: Devices/PCI. The configuration space of one PCI function (PCI Local Bus Spec 3.0 §6):
// a type-0 header, BARs with the sizing probe, command/status, a capabilities list. Every PCI
// function (the host bridge here, virtio devices later) owns one and lets the host bridge route
// configuration reads and writes to it. 4 KiB, as PCI Express (ECAM) addresses it; config
// mechanism #1 reaches only the first 256 bytes.

import EmulatorCore

/// Register offsets of the type-0 header (PCI Local Bus Spec 3.0, figure 6-1).
public enum PCIConfigRegister {
    public static let vendorID = 0x00
    public static let deviceID = 0x02
    public static let command = 0x04
    public static let status = 0x06
    public static let revisionID = 0x08
    public static let classCode = 0x09          // prog-if 0x09, subclass 0x0A, base class 0x0B
    public static let cacheLineSize = 0x0C
    public static let latencyTimer = 0x0D
    public static let headerType = 0x0E
    public static let bar0 = 0x10                // six BARs, 0x10-0x27
    public static let subsystemVendorID = 0x2C
    public static let subsystemID = 0x2E
    public static let expansionROM = 0x30
    public static let capabilitiesPointer = 0x34
    public static let interruptLine = 0x3C
    public static let interruptPin = 0x3D
}

/// Command register bits (§6.2.2).
public enum PCICommand {
    public static let ioSpace: UInt16 = 1 << 0
    public static let memorySpace: UInt16 = 1 << 1
    public static let busMaster: UInt16 = 1 << 2
    public static let parityErrorResponse: UInt16 = 1 << 6
    public static let serrEnable: UInt16 = 1 << 8
    public static let interruptDisable: UInt16 = 1 << 10
    /// The bits a guest can change on our functions (the others are hardwired to 0).
    public static let writable: UInt16 = ioSpace | memorySpace | busMaster | parityErrorResponse
        | serrEnable | interruptDisable
}

/// Status register bits (§6.2.3). Error bits 8 and 11-15 are "write 1 to clear".
public enum PCIStatus {
    public static let interruptStatus: UInt16 = 1 << 3
    public static let capabilitiesList: UInt16 = 1 << 4
    public static let writeOneToClear: UInt16 = 0xF900
}

/// What a base address register decodes (§6.2.5.1).
public enum PCIBARKind: Equatable, Sendable {
    case io
    case memory32(prefetchable: Bool)
    /// Takes two BAR slots: the upper 32 bits live in the next one.
    case memory64(prefetchable: Bool)
}

/// One function's 4 KiB configuration space: the bytes, which bits the guest can write, and which
/// are write-1-to-clear. Reads and writes of any width and alignment go byte by byte, so the
/// masks alone give the hardware behaviour (read-only IDs, BAR sizing, RW1C status bits).
public final class PCIConfigSpace: Snapshottable {
    public static let size = 4096
    /// Offset where the capability allocator starts (the header ends at 0x40).
    public static let firstCapabilityOffset = 0x40

    public private(set) var bytes: [UInt8]
    private var writeMask: [UInt8]
    private var clearMask: [UInt8]
    /// Size of each BAR in bytes (0 = not implemented); a 64-bit BAR's upper slot holds 0.
    public private(set) var barSizes: [UInt64] = Array(repeating: 0, count: 6)
    public private(set) var barKinds: [PCIBARKind?] = Array(repeating: nil, count: 6)
    private var nextCapability = PCIConfigSpace.firstCapabilityOffset
    private var lastCapability = 0

    /// A header-type-0 function with the given identity; everything else reads 0 and is read-only
    /// except the command register, the RW1C status bits, cache line size, latency timer and
    /// interrupt line.
    public init(vendorID: UInt16, deviceID: UInt16, revision: UInt8, classCode: UInt32,
                subsystemVendorID: UInt16 = 0, subsystemID: UInt16 = 0,
                interruptPin: UInt8 = 0, multiFunction: Bool = false) {
        bytes = Array(repeating: 0, count: Self.size)
        writeMask = Array(repeating: 0, count: Self.size)
        clearMask = Array(repeating: 0, count: Self.size)
        setWord(PCIConfigRegister.vendorID, vendorID)
        setWord(PCIConfigRegister.deviceID, deviceID)
        bytes[PCIConfigRegister.revisionID] = revision
        bytes[PCIConfigRegister.classCode] = UInt8(truncatingIfNeeded: classCode)
        bytes[PCIConfigRegister.classCode + 1] = UInt8(truncatingIfNeeded: classCode >> 8)
        bytes[PCIConfigRegister.classCode + 2] = UInt8(truncatingIfNeeded: classCode >> 16)
        bytes[PCIConfigRegister.headerType] = multiFunction ? 0x80 : 0x00
        setWord(PCIConfigRegister.subsystemVendorID, subsystemVendorID)
        setWord(PCIConfigRegister.subsystemID, subsystemID)
        bytes[PCIConfigRegister.interruptPin] = interruptPin
        setWriteMask(PCIConfigRegister.command, width: 2, UInt64(PCICommand.writable))
        clearMask[PCIConfigRegister.status + 1] = UInt8(PCIStatus.writeOneToClear >> 8)
        writeMask[PCIConfigRegister.cacheLineSize] = 0xFF
        writeMask[PCIConfigRegister.latencyTimer] = 0xFF
        writeMask[PCIConfigRegister.interruptLine] = 0xFF
    }

    // MARK: Guest access

    /// Reads `size` bytes (1, 2, 4 or 8) at `offset`, little-endian. Offsets past the end read 0.
    public func read(_ offset: Int, size: Int) -> UInt64 {
        var value: UInt64 = 0
        for i in 0..<min(max(size, 0), 8) {
            let at = offset &+ i
            guard at >= 0, at < Self.size else { continue }
            value |= UInt64(bytes[at]) << UInt64(i * 8)
        }
        return value
    }

    /// Writes `size` bytes at `offset` as the guest does: only writable bits change, RW1C bits
    /// are cleared where a 1 is written.
    public func write(_ offset: Int, size: Int, value: UInt64) {
        for i in 0..<min(max(size, 0), 8) {
            let at = offset &+ i
            guard at >= 0, at < Self.size else { continue }
            let v = UInt8(truncatingIfNeeded: value >> UInt64(i * 8))
            let wm = writeMask[at]
            bytes[at] = (bytes[at] & ~wm) | (v & wm)
            bytes[at] &= ~(v & clearMask[at])
        }
    }

    // MARK: Device-side helpers (not subject to the write masks)

    public func byte(_ offset: Int) -> UInt8 { bytes[offset] }
    public func word(_ offset: Int) -> UInt16 { UInt16(truncatingIfNeeded: read(offset, size: 2)) }
    public func dword(_ offset: Int) -> UInt32 { UInt32(truncatingIfNeeded: read(offset, size: 4)) }

    public func setByte(_ offset: Int, _ v: UInt8) { bytes[offset] = v }
    public func setWord(_ offset: Int, _ v: UInt16) {
        bytes[offset] = UInt8(truncatingIfNeeded: v)
        bytes[offset + 1] = UInt8(truncatingIfNeeded: v >> 8)
    }
    public func setDword(_ offset: Int, _ v: UInt32) {
        for i in 0..<4 { bytes[offset + i] = UInt8(truncatingIfNeeded: v >> UInt32(i * 8)) }
    }

    /// Declares which bits of `width` bytes at `offset` the guest may write.
    public func setWriteMask(_ offset: Int, width: Int, _ mask: UInt64) {
        for i in 0..<width { writeMask[offset + i] = UInt8(truncatingIfNeeded: mask >> UInt64(i * 8)) }
    }

    /// Declares write-1-to-clear bits (device status bits the guest acknowledges).
    public func setClearMask(_ offset: Int, width: Int, _ mask: UInt64) {
        for i in 0..<width { clearMask[offset + i] = UInt8(truncatingIfNeeded: mask >> UInt64(i * 8)) }
    }

    public var command: UInt16 { word(PCIConfigRegister.command) }
    public var status: UInt16 { word(PCIConfigRegister.status) }

    /// Sets or clears the Interrupt Status bit (the function's INTx is asserted).
    public func setInterruptStatus(_ on: Bool) {
        let s = status
        setWord(PCIConfigRegister.status, on ? s | PCIStatus.interruptStatus : s & ~PCIStatus.interruptStatus)
    }

    // MARK: BARs (§6.2.5.1)

    /// Implements BAR `index` (0-5) of `size` bytes, a power of two (at least 16 for memory, 4 for
    /// I/O). Sizing: software writes all ones and reads back ~(size-1) with the type bits, because
    /// only the address bits above the size are writable.
    public func defineBAR(_ index: Int, kind: PCIBARKind, size: UInt64) {
        precondition(index >= 0 && index < 6 && size.nonzeroBitCount == 1, "BAR definition (board code)")
        let offset = PCIConfigRegister.bar0 + index * 4
        let low: UInt32
        var mask = ~(size &- 1)
        switch kind {
        case .io:
            precondition(size >= 4)
            low = 0x1
            mask &= ~0x3
        case .memory32(let pf):
            precondition(size >= 16 && size <= 1 << 31)
            low = pf ? 0x8 : 0x0
            mask &= ~0xF
        case .memory64(let pf):
            precondition(size >= 16 && index < 5)
            low = (pf ? 0x8 : 0x0) | 0x4      // type 10b: 64-bit
            mask &= ~0xF
            setWriteMask(offset + 4, width: 4, mask >> 32)
            barKinds[index + 1] = nil
            barSizes[index + 1] = 0
        }
        setDword(offset, low)
        setWriteMask(offset, width: 4, mask & 0xFFFF_FFFF)
        barKinds[index] = kind
        barSizes[index] = size
    }

    /// The address BAR `index` decodes now, or nil when the BAR is absent, its space is disabled
    /// in the command register, or it holds 0 (unassigned).
    public func barAddress(_ index: Int) -> UInt64? {
        guard index >= 0, index < 6, let kind = barKinds[index] else { return nil }
        let raw = UInt64(dword(PCIConfigRegister.bar0 + index * 4))
        let address: UInt64
        switch kind {
        case .io:
            guard command & PCICommand.ioSpace != 0 else { return nil }
            address = raw & ~0x3
        case .memory32:
            guard command & PCICommand.memorySpace != 0 else { return nil }
            address = raw & ~0xF
        case .memory64:
            guard command & PCICommand.memorySpace != 0 else { return nil }
            address = (raw & ~0xF) | UInt64(dword(PCIConfigRegister.bar0 + index * 4 + 4)) << 32
        }
        return address == 0 ? nil : address
    }

    // MARK: Capabilities (§6.7)

    /// Appends a capability of `length` bytes (including the 2-byte ID/next header) to the list
    /// and returns its offset. Sets the Capabilities List status bit and links the list.
    public func addCapability(id: UInt8, length: Int) -> Int {
        let offset = (nextCapability + 3) & ~3          // capabilities are dword aligned
        precondition(length >= 2 && offset + length <= 256, "capability space exhausted (board code)")
        bytes[offset] = id
        bytes[offset + 1] = 0
        if lastCapability == 0 {
            bytes[PCIConfigRegister.capabilitiesPointer] = UInt8(offset)
        } else {
            bytes[lastCapability + 1] = UInt8(offset)
        }
        setWord(PCIConfigRegister.status, status | PCIStatus.capabilitiesList)
        lastCapability = offset
        nextCapability = offset + length
        return offset
    }

    // MARK: Snapshot (only the bytes change at run time; masks and BARs are fixed by construction)

    public func save(to w: StateWriter) {
        w.section("PCFG", version: 1) { w.raw(bytes) }
    }

    public func restore(from r: StateReader) throws(SnapshotError) {
        try r.section("PCFG", maxVersion: 1) { _ throws(SnapshotError) in
            bytes = try r.raw(Self.size)
        }
    }

    public func contributeHash(to h: inout StateHash) {
        bytes.withUnsafeBytes { buf in
            if let p = buf.baseAddress { h.add(bytes: p, count: buf.count) }
        }
    }
}
