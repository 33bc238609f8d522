// Kernel / Firmware / ACPI: finding the Root System Description Pointer and walking the
// RSDT (32-bit entries, ACPI 1.0) or XSDT (64-bit entries, ACPI 2.0+) to the other tables.
//
// ACPI 5.2.5.1: on BIOS systems the RSDP is on a 16-byte boundary in the first KiB of the EBDA
// (segment at 0x40E in the BIOS data area) or in 0xE0000..0xFFFFF. The first 20 bytes (ACPI 1.0)
// checksum to zero; revision >= 2 adds length, XSDT address and an extended checksum over
// `length` bytes. A candidate with the signature but a bad checksum is skipped (stale copies).
//
// Public API:
//   struct RSDP                    revision, oemID, rsdtAddress, xsdtAddress (0 if rev < 2),
//                                  address (where it was found), rootAddress/usesXSDT
//     static find(memory:) throws(ACPIError) -> RSDP        EBDA then BIOS area
//     static parse(memory:address:) throws(ACPIError) -> RSDP   (e.g. Multiboot2/UEFI pointer)
//   struct ACPITables<M>           the table directory
//     init(memory:rsdp:) throws(ACPIError)    validates the RSDT/XSDT and lists entry addresses
//     entries: [UInt64]; signatures: [ACPISignature] (unreadable entries are skipped, counted
//     in skippedEntries)
//     find(_ signature:, index:) -> UInt64?  address of the n-th table with that signature
//     table(_ signature:, index:) throws(ACPIError) -> TableView<M>   validated
//     madt()/fadt()/hpet()/mcfg() parse helpers, dsdtAddress() via the FADT

public struct RSDP: Equatable {
    public var address: UInt64
    public var revision: UInt8
    public var oemID: [UInt8]
    public var rsdtAddress: UInt32
    public var xsdtAddress: UInt64
    public var length: UInt32

    /// ACPI 2.0+ systems must be walked through the XSDT when it is present.
    public var usesXSDT: Bool { revision >= 2 && xsdtAddress != 0 }
    public var rootAddress: UInt64 { usesXSDT ? xsdtAddress : UInt64(rsdtAddress) }

    static let signatureLow: UInt32 = 0x2044_5352     // "RSD " (bytes 52 53 44 20)
    static let signatureHigh: UInt32 = 0x2052_5450    // "PTR " (bytes 50 54 52 20)

    /// Searches the EBDA's first KiB, then 0xE0000-0xFFFFF, for a valid RSDP.
    public static func find<M: PhysicalMemoryReader>(memory: M) throws(ACPIError) -> RSDP {
        if let segment = memory.read16(at: 0x40E), segment != 0 {
            let ebda = UInt64(segment) << 4
            if ebda >= 0x80000 && ebda < 0xA0000, let r = scan(memory, from: ebda, to: ebda + 1024) { return r }
        }
        if let r = scan(memory, from: 0xE0000, to: 0x100000) { return r }
        throw .rsdpNotFound
    }

    static func scan<M: PhysicalMemoryReader>(_ memory: M, from: UInt64, to: UInt64) -> RSDP? {
        var a = from
        while a + 20 <= to {
            if memory.read32(at: a) == signatureLow && memory.read32(at: a + 4) == signatureHigh,
               let r = try? parse(memory: memory, address: a) {
                return r
            }
            a += 16
        }
        return nil
    }

    /// Validates and decodes an RSDP at a known address.
    public static func parse<M: PhysicalMemoryReader>(memory: M, address: UInt64) throws(ACPIError) -> RSDP {
        guard let v1 = memory.bytes(at: address, count: 20) else { throw .unreadable(address: address) }
        let sig = UInt32(v1[0]) | UInt32(v1[1]) << 8 | UInt32(v1[2]) << 16 | UInt32(v1[3]) << 24
        guard sig == signatureLow, le32(v1, 4) == signatureHigh else {
            throw .badSignature(expected: signatureLow, found: sig, address: address)
        }
        guard checksum(v1) == 0 else { throw .badChecksum(signature: signatureLow, address: address) }
        var r = RSDP(address: address, revision: v1[15], oemID: Array(v1[9..<15]),
                     rsdtAddress: le32(v1, 16), xsdtAddress: 0, length: 20)
        if r.revision >= 2 {
            guard let len = memory.read32(at: address + 20) else { throw .unreadable(address: address + 20) }
            guard len >= 36, len <= 4096 else { throw .badLength(signature: signatureLow, length: len) }
            guard let all = memory.bytes(at: address, count: Int(len)) else { throw .unreadable(address: address) }
            guard checksum(all) == 0 else { throw .badChecksum(signature: signatureLow, address: address) }
            r.length = len
            r.xsdtAddress = UInt64(le32(all, 24)) | UInt64(le32(all, 28)) << 32
        }
        return r
    }

    static func checksum(_ b: [UInt8]) -> UInt8 {
        var s: UInt8 = 0
        for x in b { s &+= x }
        return s
    }

    static func le32(_ b: [UInt8], _ o: Int) -> UInt32 {
        UInt32(b[o]) | UInt32(b[o + 1]) << 8 | UInt32(b[o + 2]) << 16 | UInt32(b[o + 3]) << 24
    }
}

public struct ACPITables<Memory: PhysicalMemoryReader> {
    public let memory: Memory
    public let rsdp: RSDP
    public let root: TableView<Memory>
    /// Physical addresses listed by the RSDT/XSDT, in order.
    public private(set) var entries: [UInt64] = []
    /// Signature of each entry (0 when the entry could not be read), parallel to `entries`.
    public private(set) var signatures: [ACPISignature] = []

    public init(memory: Memory, rsdp: RSDP) throws(ACPIError) {
        self.memory = memory
        self.rsdp = rsdp
        let expected: ACPISignature = rsdp.usesXSDT ? .xsdt : .rsdt
        root = try TableView.open(memory: memory, address: rsdp.rootAddress, expected: expected)
        let width = rsdp.usesXSDT ? 8 : 4
        var off = ACPITableHeader.size
        while off + width <= root.length {
            let a = width == 8 ? try root.u64(off) : UInt64(try root.u32(off))
            entries.append(a)
            signatures.append(ACPISignature(rawValue: a == 0 ? 0 : (memory.read32(at: a) ?? 0)))
            off += width
        }
    }

    /// Convenience: find the RSDP in the BIOS areas and open its root table.
    public init(memory: Memory) throws(ACPIError) {
        try self.init(memory: memory, rsdp: try RSDP.find(memory: memory))
    }

    /// Address of the `index`-th table (0-based) with this signature, nil if absent.
    public func find(_ signature: ACPISignature, index: Int = 0) -> UInt64? {
        var seen = 0
        var i = 0
        while i < entries.count {
            if signatures[i] == signature {
                if seen == index { return entries[i] }
                seen += 1
            }
            i += 1
        }
        return nil
    }

    /// The validated `index`-th table with this signature.
    public func table(_ signature: ACPISignature, index: Int = 0) throws(ACPIError) -> TableView<Memory> {
        guard let a = find(signature, index: index) else { throw .notFound(signature: signature.rawValue) }
        return try TableView.open(memory: memory, address: a, expected: signature)
    }

    public func madt() throws(ACPIError) -> MADT { try MADT(try table(.madt)) }
    public func fadt() throws(ACPIError) -> FADT { try FADT(try table(.fadt)) }
    public func hpet() throws(ACPIError) -> HPETTable { try HPETTable(try table(.hpet)) }
    public func mcfg() throws(ACPIError) -> MCFG { try MCFG(try table(.mcfg)) }

    /// The DSDT named by the FADT (X_DSDT preferred), validated.
    public func dsdt() throws(ACPIError) -> TableView<Memory> {
        let f = try fadt()
        guard f.dsdtAddress != 0 else { throw .notFound(signature: ACPISignature.dsdt.rawValue) }
        return try TableView.open(memory: memory, address: f.dsdtAddress, expected: .dsdt)
    }

    /// SLP_TYPa/b for S5 (soft off): the DSDT first, then each SSDT.
    public func sleepTypeS5() throws(ACPIError) -> SleepType {
        let d = try dsdt()
        if let s = AML.findSleepPackage(in: d, state: 5) { return s }
        var i = 0
        while let a = find(.ssdt, index: i) {
            if let t = try? TableView.open(memory: memory, address: a, expected: .ssdt),
               let s = AML.findSleepPackage(in: t, state: 5) { return s }
            i += 1
        }
        throw .notFound(signature: 0x5F35_535F)   // "_S5_"
    }
}
