// Layer: EmulatorCore. Machine snapshots: a simple versioned binary format (docs/file-formats.md).
// A snapshot is a header then nested sections; each section is a 4-byte tag, a version and a
// byte length, so a reader can check what it reads and skip what it does not know.
// All integers are little-endian. Reading never traps: every bad input is a `SnapshotError`.

/// The errors a snapshot reader reports (bad files are input, never a crash).
public enum SnapshotError: Error, Equatable, CustomStringConvertible {
    case badMagic
    case unsupportedFormat(version: UInt16)
    case truncated(offset: Int, needed: Int)
    case wrongTag(expected: String, found: String, offset: Int)
    case unsupportedSectionVersion(tag: String, version: UInt16)
    case sectionOverrun(tag: String, offset: Int)
    case invalidValue(field: String, value: UInt64)
    case trailingBytes(offset: Int)

    public var description: String {
        switch self {
        case .badMagic: return "not an Orrery snapshot (bad magic)"
        case .unsupportedFormat(let v): return "snapshot format version \(v) is not supported"
        case .truncated(let o, let n): return "snapshot truncated at byte \(o) (needed \(n) more)"
        case .wrongTag(let e, let f, let o): return "expected section '\(e)' at byte \(o), found '\(f)'"
        case .unsupportedSectionVersion(let t, let v): return "section '\(t)' version \(v) is not supported"
        case .sectionOverrun(let t, let o): return "section '\(t)' at byte \(o) runs past its parent"
        case .invalidValue(let f, let v): return "invalid value \(v) for \(f)"
        case .trailingBytes(let o): return "unexpected bytes after the last section at byte \(o)"
        }
    }
}

/// A piece of machine state that can be saved, restored and hashed (every device, the CPU, the clock).
public protocol Snapshottable: AnyObject {
    /// Writes the state as one (or more) sections.
    func save(to writer: StateWriter)
    /// Reads back what `save` wrote. Throws on malformed input; state may then be partly restored
    /// (the caller discards the machine).
    func restore(from reader: StateReader) throws(SnapshotError)
    /// Adds the state to a machine hash. The default hashes the saved bytes.
    func contributeHash(to hash: inout StateHash)
}

extension Snapshottable {
    public func contributeHash(to hash: inout StateHash) {
        let w = StateWriter()
        save(to: w)
        w.bytes.withUnsafeBytes { buf in
            if let p = buf.baseAddress { hash.add(bytes: p, count: buf.count) } else { hash.add(0) }
        }
    }

    /// This object's state hash alone (tests: save -> restore -> same hash).
    public func stateHash() -> StateHash {
        var h = StateHash()
        contributeHash(to: &h)
        return h
    }
}

/// Section tags are four ASCII characters stored as a little-endian UInt32 ("PIC0" -> 'P' first).
@usableFromInline func tagValue(_ tag: String) -> UInt32 {
    var v: UInt32 = 0
    var n = 0
    for b in tag.utf8 where n < 4 { v |= UInt32(b) << (8 * UInt32(n)); n += 1 }
    while n < 4 { v |= 0x20 << (8 * UInt32(n)); n += 1 }   // pad with spaces
    return v
}

func tagString(_ v: UInt32) -> String {
    var s = ""
    for i in 0..<4 {
        let b = UInt8(truncatingIfNeeded: v >> (8 * UInt32(i)))
        s.append((0x20...0x7E).contains(b) ? Character(Unicode.Scalar(b)) : "?")
    }
    return s
}

public final class StateWriter {
    /// "ORRS" + format version: the file header.
    public static let magic: [UInt8] = Array("ORRS".utf8)
    public static let formatVersion: UInt16 = 1

    public private(set) var bytes: [UInt8] = []
    public init() {}

    /// Writes the file header (a whole-machine snapshot file starts with it).
    public func fileHeader() {
        bytes += Self.magic
        u16(Self.formatVersion)
        u16(0)   // reserved
    }

    public func u8(_ v: UInt8) { bytes.append(v) }
    public func bool(_ v: Bool) { bytes.append(v ? 1 : 0) }
    public func u16(_ v: UInt16) { for i in 0..<2 { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * UInt16(i)))) } }
    public func u32(_ v: UInt32) { for i in 0..<4 { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * UInt32(i)))) } }
    public func u64(_ v: UInt64) { for i in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * UInt64(i)))) } }
    public func i64(_ v: Int64) { u64(UInt64(bitPattern: v)) }
    /// A byte string: u32 length then the bytes.
    public func blob(_ v: [UInt8]) { u32(UInt32(truncatingIfNeeded: v.count)); bytes += v }
    /// Raw bytes whose count the reader knows (fixed-size register files).
    public func raw(_ v: [UInt8]) { bytes += v }

    /// A section: tag (u32), version (u16), length of the body (u32), body.
    public func section(_ tag: String, version: UInt16, _ body: () -> Void) {
        u32(tagValue(tag))
        u16(version)
        let lengthAt = bytes.count
        u32(0)
        body()
        let length = UInt32(truncatingIfNeeded: bytes.count - lengthAt - 4)
        for i in 0..<4 { bytes[lengthAt + i] = UInt8(truncatingIfNeeded: length >> (8 * UInt32(i))) }
    }
}

public final class StateReader {
    public let bytes: [UInt8]
    public private(set) var position = 0
    /// End of the innermost open section (or of the data).
    private var limit: Int

    public init(bytes: [UInt8]) {
        self.bytes = bytes
        self.limit = bytes.count
    }

    public var remaining: Int { limit - position }
    public var atEnd: Bool { position >= limit }

    /// Checks the file header written by `StateWriter.fileHeader()`.
    public func fileHeader() throws(SnapshotError) {
        guard remaining >= 8 else { throw .badMagic }
        guard Array(bytes[position..<position + 4]) == StateWriter.magic else { throw .badMagic }
        position += 4
        let v = try u16()
        _ = try u16()
        guard v == StateWriter.formatVersion else { throw .unsupportedFormat(version: v) }
    }

    private func need(_ n: Int) throws(SnapshotError) {
        guard n >= 0, remaining >= n else { throw .truncated(offset: position, needed: n - max(0, remaining)) }
    }

    private func le(_ n: Int) throws(SnapshotError) -> UInt64 {
        try need(n)
        var v: UInt64 = 0
        for i in 0..<n { v |= UInt64(bytes[position + i]) << (8 * UInt64(i)) }
        position += n
        return v
    }

    public func u8() throws(SnapshotError) -> UInt8 { UInt8(truncatingIfNeeded: try le(1)) }
    public func u16() throws(SnapshotError) -> UInt16 { UInt16(truncatingIfNeeded: try le(2)) }
    public func u32() throws(SnapshotError) -> UInt32 { UInt32(truncatingIfNeeded: try le(4)) }
    public func u64() throws(SnapshotError) -> UInt64 { try le(8) }
    public func i64() throws(SnapshotError) -> Int64 { Int64(bitPattern: try le(8)) }
    public func bool() throws(SnapshotError) -> Bool {
        let at = position
        switch try u8() {
        case 0: return false
        case 1: return true
        case let b: throw .invalidValue(field: "bool at byte \(at)", value: UInt64(b))
        }
    }
    public func blob() throws(SnapshotError) -> [UInt8] {
        let n = Int(try u32())
        return try raw(n)
    }
    public func raw(_ n: Int) throws(SnapshotError) -> [UInt8] {
        try need(n)
        let v = Array(bytes[position..<position + n])
        position += n
        return v
    }

    /// A value that must be below `bound` (enumerations, indices): typed error otherwise.
    public func u8(below bound: UInt8, field: String) throws(SnapshotError) -> UInt8 {
        let v = try u8()
        guard v < bound else { throw .invalidValue(field: field, value: UInt64(v)) }
        return v
    }

    /// Reads a section written by `StateWriter.section`: checks the tag, rejects versions above
    /// `maxVersion`, runs `body` with the version, then skips any bytes the body did not read
    /// (fields a newer writer appended). The body cannot read past the section's end.
    public func section<T>(_ tag: String, maxVersion: UInt16,
                           _ body: (UInt16) throws(SnapshotError) -> T) throws(SnapshotError) -> T {
        let start = position
        let found = try u32()
        guard found == tagValue(tag) else {
            position = start
            throw .wrongTag(expected: tagString(tagValue(tag)), found: tagString(found), offset: start)
        }
        let version = try u16()
        guard version >= 1, version <= maxVersion else {
            throw .unsupportedSectionVersion(tag: tagString(found), version: version)
        }
        let length = Int(try u32())
        guard length <= remaining else { throw .sectionOverrun(tag: tagString(found), offset: start) }
        let outer = limit
        let end = position + length
        limit = end
        defer { limit = outer }
        let result = try body(version)
        position = end
        return result
    }

    /// The tag of the next section without consuming it (nil at the end).
    public func peekTag() -> String? {
        guard remaining >= 4 else { return nil }
        var v: UInt32 = 0
        for i in 0..<4 { v |= UInt32(bytes[position + i]) << (8 * UInt32(i)) }
        return tagString(v)
    }

    /// Throws if anything is left (a whole-file reader calls it at the end).
    public func expectEnd() throws(SnapshotError) {
        guard atEnd else { throw .trailingBytes(offset: position) }
    }
}
