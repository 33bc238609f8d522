// Layer: Machine / ACPI. A little-endian byte writer for ACPI tables: the 36-byte standard
// header (ACPI 5.2.6), Generic Address Structures (5.2.3.2) and the checksum rule (all bytes of
// a table sum to zero modulo 256).

struct ACPIBytes {
    var bytes: [UInt8] = []

    mutating func u8(_ v: UInt8) { bytes.append(v) }
    mutating func u16(_ v: UInt16) { for i in 0..<2 { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * UInt16(i)))) } }
    mutating func u32(_ v: UInt32) { for i in 0..<4 { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * UInt32(i)))) } }
    mutating func u64(_ v: UInt64) { for i in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * UInt64(i)))) } }
    mutating func ascii(_ s: String, width: Int) {
        var a = Array(s.utf8.prefix(width))
        while a.count < width { a.append(0x20) }
        bytes += a
    }
    mutating func zeros(_ n: Int) { bytes += [UInt8](repeating: 0, count: n) }

    /// Generic Address Structure: space (0 memory, 1 I/O), bit width, bit offset, access size
    /// (1 byte, 2 word, 3 dword, 4 qword), address.
    mutating func gas(space: UInt8, bitWidth: UInt8, accessSize: UInt8, address: UInt64) {
        u8(space); u8(bitWidth); u8(0); u8(accessSize); u64(address)
    }
    mutating func emptyGAS() { zeros(12) }

    mutating func put32(_ v: UInt32, at o: Int) {
        for i in 0..<4 { bytes[o + i] = UInt8(truncatingIfNeeded: v >> (8 * UInt32(i))) }
    }

    /// Starts a table with the standard header; length and checksum are fixed by `finish`.
    static func table(_ signature: String, revision: UInt8, oemTableID: String) -> ACPIBytes {
        var b = ACPIBytes()
        b.ascii(signature, width: 4)
        b.u32(0)                       // length, set by finish()
        b.u8(revision)
        b.u8(0)                        // checksum, set by finish()
        b.ascii(ACPIBytes.oemID, width: 6)
        b.ascii(oemTableID, width: 8)
        b.u32(1)                       // OEM revision
        b.ascii("ORRY", width: 4)      // creator ID
        b.u32(1)                       // creator revision
        return b
    }

    static let oemID = "ORRERY"

    /// Writes the length at offset 4 and the checksum at offset 9.
    mutating func finish() -> [UInt8] {
        put32(UInt32(bytes.count), at: 4)
        bytes[9] = 0
        bytes[9] = ACPIBytes.checksumByte(bytes)
        return bytes
    }

    /// The byte that makes `b` sum to zero.
    static func checksumByte(_ b: [UInt8]) -> UInt8 {
        var s: UInt8 = 0
        for x in b { s &+= x }
        return 0 &- s
    }
}
