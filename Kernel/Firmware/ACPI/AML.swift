// Kernel / Firmware / ACPI: the one piece of AML this kernel decodes without an interpreter:
// the \_Sx sleep packages in the DSDT/SSDTs, which give SLP_TYPa/SLP_TYPb for PM1a/PM1b_CNT.
//
// QEMU's DSDT holds `Name (_S5, Package (0x04) { Zero, Zero, Zero, Zero })`, encoded as
//   08 5F 53 35 5F 12 06 04 00 00 00 00
//   NameOp "_S5_" PackageOp PkgLength NumElements Zero Zero Zero Zero
// (optionally with a root prefix 5C before the name). PkgLength (ACPI 20.2.4): bits 7-6 of the
// lead byte give the number of extra bytes (0-3); with none the length is bits 5-0, otherwise
// bits 3-0 plus 8 bits per extra byte. Integers are ZeroOp 00, OneOp 01, OnesOp FF,
// BytePrefix 0A, WordPrefix 0B, DWordPrefix 0C, QWordPrefix 0E. A package of one element gives
// both values from it (as ACPICA does). Anything else (a method, a reference) is "not found".
//
// Public API:
//   struct SleepType     a, b (SLP_TYPa/b, the low 3 bits are what goes to the register)
//   enum AML
//     findSleepPackage(in: TableView<M>, state: 0...5) -> SleepType?    scans the table body
//     decodeSleepPackage(bytes: [UInt8], at:) -> SleepType?             at = index of PackageOp

public struct SleepType: Equatable {
    public var a: UInt8
    public var b: UInt8
    public init(a: UInt8, b: UInt8) { self.a = a; self.b = b }
}

public enum AML {
    static let nameOp: UInt8 = 0x08
    static let rootPrefix: UInt8 = 0x5C
    static let packageOp: UInt8 = 0x12

    /// Finds `Name(_Sn_, Package{...})` in a DSDT or SSDT and decodes its first two integers.
    public static func findSleepPackage<M: PhysicalMemoryReader>(in t: TableView<M>, state: Int) -> SleepType? {
        guard state >= 0 && state <= 5 else { return nil }
        let body = ACPITableHeader.size
        guard t.length > body, let bytes = t.memory.bytes(at: t.address &+ UInt64(body), count: t.length - body) else {
            return nil
        }
        let digit = UInt8(0x30 + state)
        var i = 1
        while i + 4 < bytes.count {
            if bytes[i] == 0x5F && bytes[i + 1] == 0x53 && bytes[i + 2] == digit && bytes[i + 3] == 0x5F {
                let named = bytes[i - 1] == nameOp || (i >= 2 && bytes[i - 1] == rootPrefix && bytes[i - 2] == nameOp)
                if named, bytes[i + 4] == packageOp, let s = decodeSleepPackage(bytes: bytes, at: i + 4) {
                    return s
                }
            }
            i += 1
        }
        return nil
    }

    /// Decodes the package starting at `bytes[at]` (the PackageOp), bounds-checked.
    public static func decodeSleepPackage(bytes: [UInt8], at: Int) -> SleepType? {
        guard at >= 0, at < bytes.count, bytes[at] == packageOp else { return nil }
        var p = at + 1
        guard p < bytes.count else { return nil }
        let lead = bytes[p]
        let extra = Int(lead >> 6)
        var length = extra == 0 ? Int(lead & 0x3F) : Int(lead & 0x0F)
        var k = 0
        while k < extra {
            guard p + 1 + k < bytes.count else { return nil }
            length |= Int(bytes[p + 1 + k]) << (4 + 8 * k)
            k += 1
        }
        // The package ends `length` bytes after the PkgLength's first byte.
        let end = min(bytes.count, p + length)
        p += 1 + extra
        guard p < end else { return nil }
        let count = Int(bytes[p])
        p += 1
        guard count >= 1 else { return nil }
        guard let (a, next) = integer(bytes, p, end) else { return nil }
        if count == 1 { return SleepType(a: UInt8(truncatingIfNeeded: a), b: UInt8(truncatingIfNeeded: a)) }
        guard let (b, _) = integer(bytes, next, end) else { return nil }
        return SleepType(a: UInt8(truncatingIfNeeded: a), b: UInt8(truncatingIfNeeded: b))
    }

    /// One AML integer constant at `p` (before `end`): value and the index after it.
    static func integer(_ bytes: [UInt8], _ p: Int, _ end: Int) -> (UInt64, Int)? {
        guard p < end else { return nil }
        func le(_ n: Int) -> (UInt64, Int)? {
            guard p + 1 + n <= end else { return nil }
            var v: UInt64 = 0
            var k = n - 1
            while k >= 0 { v = v << 8 | UInt64(bytes[p + 1 + k]); k -= 1 }
            return (v, p + 1 + n)
        }
        switch bytes[p] {
        case 0x00: return (0, p + 1)
        case 0x01: return (1, p + 1)
        case 0xFF: return (UInt64.max, p + 1)
        case 0x0A: return le(1)
        case 0x0B: return le(2)
        case 0x0C: return le(4)
        case 0x0E: return le(8)
        default: return nil
        }
    }
}
