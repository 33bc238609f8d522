// Kernel / Firmware / ACPI: reading ACPI tables out of physical memory, bounds-checked.
//
// Every byte comes through a `PhysicalMemoryReader` (the HAL implements it over the direct map
// and refuses addresses outside RAM/firmware ranges; tests implement it over byte arrays), and
// every table field is read through a `TableView` that checks the offset against the table's
// length. A corrupt or truncated table is an `ACPIError`, never a trap.
//
// Public API:
//   protocol PhysicalMemoryReader  readByte(at:) -> UInt8?   (nil: not readable)
//     extension: read16/read32/read64(at:) -> T? (little-endian), bytes(at:count:) -> [UInt8]?
//   struct ACPISignature           rawValue UInt32 (little-endian ASCII), init("APIC"-style
//                                  4-byte StaticString or bytes), constants .rsdt .xsdt .madt
//                                  .fadt .hpet .mcfg .dsdt .ssdt .facs
//   enum ACPIError                 rsdpNotFound, badChecksum, badSignature, truncated, badLength,
//                                  unreadable, unsupportedRevision, notFound
//   struct ACPITableHeader         signature, length, revision, oemID (6 bytes), oemTableID,
//                                  oemRevision, creatorID, creatorRevision
//   struct TableView<M>            open(memory:address:expected:) validates header + checksum;
//                                  u8/u16/u32/u64(at offset) throws(ACPIError), length, address
//   struct GenericAddress          ACPI GAS: addressSpace (0 memory, 1 I/O, 2 PCI config),
//                                  bitWidth, bitOffset, accessSize, address

public protocol PhysicalMemoryReader {
    /// The byte at physical `address`, or nil if that address may not be read.
    func readByte(at address: UInt64) -> UInt8?
}

extension PhysicalMemoryReader {
    public func read16(at a: UInt64) -> UInt16? {
        guard let b0 = readByte(at: a), let b1 = readByte(at: a &+ 1) else { return nil }
        return UInt16(b0) | UInt16(b1) << 8
    }
    public func read32(at a: UInt64) -> UInt32? {
        guard let lo = read16(at: a), let hi = read16(at: a &+ 2) else { return nil }
        return UInt32(lo) | UInt32(hi) << 16
    }
    public func read64(at a: UInt64) -> UInt64? {
        guard let lo = read32(at: a), let hi = read32(at: a &+ 4) else { return nil }
        return UInt64(lo) | UInt64(hi) << 32
    }
    public func bytes(at a: UInt64, count: Int) -> [UInt8]? {
        guard count >= 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(count)
        var i = 0
        while i < count {
            guard let b = readByte(at: a &+ UInt64(i)) else { return nil }
            out.append(b)
            i += 1
        }
        return out
    }
}

/// A table signature as the little-endian UInt32 of its four ASCII bytes ("APIC" = 0x43495041).
public struct ACPISignature: Equatable {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public init(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) {
        rawValue = UInt32(a) | UInt32(b) << 8 | UInt32(c) << 16 | UInt32(d) << 24
    }
    /// Four ASCII characters, e.g. ACPISignature("HPET"); anything else gives 0.
    public init(_ s: StaticString) {
        guard s.utf8CodeUnitCount == 4, s.hasPointerRepresentation else { rawValue = 0; return }
        var v: UInt32 = 0
        var i = 0
        while i < 4 { v |= UInt32(s.withUTF8Buffer { $0[i] }) << UInt32(i * 8); i += 1 }
        rawValue = v
    }
    public var bytes: [UInt8] {
        [UInt8(truncatingIfNeeded: rawValue), UInt8(truncatingIfNeeded: rawValue >> 8),
         UInt8(truncatingIfNeeded: rawValue >> 16), UInt8(truncatingIfNeeded: rawValue >> 24)]
    }

    public static let rsdt = ACPISignature(0x52, 0x53, 0x44, 0x54)   // RSDT
    public static let xsdt = ACPISignature(0x58, 0x53, 0x44, 0x54)   // XSDT
    public static let madt = ACPISignature(0x41, 0x50, 0x49, 0x43)   // APIC
    public static let fadt = ACPISignature(0x46, 0x41, 0x43, 0x50)   // FACP
    public static let hpet = ACPISignature(0x48, 0x50, 0x45, 0x54)   // HPET
    public static let mcfg = ACPISignature(0x4D, 0x43, 0x46, 0x47)   // MCFG
    public static let dsdt = ACPISignature(0x44, 0x53, 0x44, 0x54)   // DSDT
    public static let ssdt = ACPISignature(0x53, 0x53, 0x44, 0x54)   // SSDT
    public static let facs = ACPISignature(0x46, 0x41, 0x43, 0x53)   // FACS
}

public enum ACPIError: Error, Equatable {
    case rsdpNotFound
    case badChecksum(signature: UInt32, address: UInt64)
    case badSignature(expected: UInt32, found: UInt32, address: UInt64)
    case truncated(signature: UInt32, offset: Int)     // a field lies beyond the table's length
    case badLength(signature: UInt32, length: UInt32)
    case unreadable(address: UInt64)                   // the memory reader refused an address
    case unsupportedRevision(UInt8)
    case notFound(signature: UInt32)
}

public struct ACPITableHeader: Equatable {
    public var signature: ACPISignature
    public var length: UInt32
    public var revision: UInt8
    public var checksum: UInt8
    public var oemID: [UInt8]          // 6 bytes
    public var oemTableID: [UInt8]     // 8 bytes
    public var oemRevision: UInt32
    public var creatorID: UInt32
    public var creatorRevision: UInt32
    public static let size = 36
}

/// Generic Address Structure (ACPI 5.2.3.2): where a register lives.
public struct GenericAddress: Equatable {
    public var addressSpace: UInt8     // 0 system memory, 1 system I/O, 2 PCI config, ...
    public var bitWidth: UInt8
    public var bitOffset: UInt8
    public var accessSize: UInt8       // 0 undefined, 1 byte, 2 word, 3 dword, 4 qword
    public var address: UInt64
    public init(addressSpace: UInt8, bitWidth: UInt8, bitOffset: UInt8, accessSize: UInt8, address: UInt64) {
        self.addressSpace = addressSpace; self.bitWidth = bitWidth; self.bitOffset = bitOffset
        self.accessSize = accessSize; self.address = address
    }
    public static let systemMemory: UInt8 = 0
    public static let systemIO: UInt8 = 1
    public var isIO: Bool { addressSpace == GenericAddress.systemIO }
}

/// Tables longer than this are treated as corrupt (the largest real DSDTs are a few hundred KiB).
public let acpiMaxTableLength: UInt32 = 16 << 20

/// A validated table in memory: all field reads are checked against its length.
public struct TableView<Memory: PhysicalMemoryReader> {
    public let memory: Memory
    public let address: UInt64
    public let length: Int
    public let header: ACPITableHeader

    /// Reads and validates the header at `address` (length >= 36, <= 16 MiB, every byte
    /// readable, checksum zero) and, if `expected` is given, the signature.
    public static func open(memory: Memory, address: UInt64, expected: ACPISignature? = nil) throws(ACPIError) -> TableView {
        guard let sig = memory.read32(at: address) else { throw .unreadable(address: address) }
        if let expected, expected.rawValue != sig {
            throw .badSignature(expected: expected.rawValue, found: sig, address: address)
        }
        guard let len = memory.read32(at: address &+ 4) else { throw .unreadable(address: address &+ 4) }
        guard len >= UInt32(ACPITableHeader.size), len <= acpiMaxTableLength else {
            throw .badLength(signature: sig, length: len)
        }
        var sum: UInt8 = 0
        var i: UInt64 = 0
        while i < UInt64(len) {
            guard let b = memory.readByte(at: address &+ i) else { throw .unreadable(address: address &+ i) }
            sum &+= b
            i += 1
        }
        guard sum == 0 else { throw .badChecksum(signature: sig, address: address) }
        return try TableView(memory: memory, address: address, length: Int(len), signature: sig)
    }

    /// Like open, but without the checksum check (the FACS has none; some firmware gets
    /// checksums wrong and callers may choose to accept that).
    public static func openUnchecked(memory: Memory, address: UInt64) throws(ACPIError) -> TableView {
        guard let sig = memory.read32(at: address) else { throw .unreadable(address: address) }
        guard let len = memory.read32(at: address &+ 4) else { throw .unreadable(address: address &+ 4) }
        guard len >= UInt32(ACPITableHeader.size), len <= acpiMaxTableLength else {
            throw .badLength(signature: sig, length: len)
        }
        return try TableView(memory: memory, address: address, length: Int(len), signature: sig)
    }

    private init(memory: Memory, address: UInt64, length: Int, signature: UInt32) throws(ACPIError) {
        self.memory = memory
        self.address = address
        self.length = length
        func r8(_ o: UInt64) throws(ACPIError) -> UInt8 {
            guard let v = memory.readByte(at: address &+ o) else { throw .unreadable(address: address &+ o) }
            return v
        }
        func r32(_ o: UInt64) throws(ACPIError) -> UInt32 {
            guard let v = memory.read32(at: address &+ o) else { throw .unreadable(address: address &+ o) }
            return v
        }
        guard let oem = memory.bytes(at: address &+ 10, count: 6),
              let oemTable = memory.bytes(at: address &+ 16, count: 8) else { throw .unreadable(address: address) }
        header = ACPITableHeader(signature: ACPISignature(rawValue: signature), length: UInt32(length),
                                 revision: try r8(8), checksum: try r8(9), oemID: oem, oemTableID: oemTable,
                                 oemRevision: try r32(24), creatorID: try r32(28), creatorRevision: try r32(32))
    }

    public var signature: ACPISignature { header.signature }

    public func has(_ offset: Int, _ size: Int) -> Bool { offset >= 0 && size >= 0 && offset <= length - size }

    public func u8(_ offset: Int) throws(ACPIError) -> UInt8 {
        guard has(offset, 1) else { throw .truncated(signature: signature.rawValue, offset: offset) }
        guard let v = memory.readByte(at: address &+ UInt64(offset)) else { throw .unreadable(address: address &+ UInt64(offset)) }
        return v
    }
    public func u16(_ offset: Int) throws(ACPIError) -> UInt16 {
        UInt16(try u8(offset)) | UInt16(try u8(offset + 1)) << 8
    }
    public func u32(_ offset: Int) throws(ACPIError) -> UInt32 {
        UInt32(try u16(offset)) | UInt32(try u16(offset + 2)) << 16
    }
    public func u64(_ offset: Int) throws(ACPIError) -> UInt64 {
        UInt64(try u32(offset)) | UInt64(try u32(offset + 4)) << 32
    }
    public func gas(_ offset: Int) throws(ACPIError) -> GenericAddress {
        GenericAddress(addressSpace: try u8(offset), bitWidth: try u8(offset + 1), bitOffset: try u8(offset + 2),
                       accessSize: try u8(offset + 3), address: try u64(offset + 4))
    }
}
