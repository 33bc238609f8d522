// Layer: Machine (boot loaders). Loads a static ELF64 x86-64 executable's PT_LOAD segments into
// guest RAM at their physical addresses. Used for our own test and benchmark guests (flat,
// 64-bit, no paging); Multiboot and the Linux boot protocol arrive with [3/6].
// Every field read from the file is checked: a bad image is an error, never a trap.

import EmulatorCore

public enum ELFError: Error, CustomStringConvertible, Equatable {
    case tooSmall
    case notELF
    case notSupported(String)
    case segmentOutOfRange(index: Int)

    public var description: String {
        switch self {
        case .tooSmall: return "file is too small to be an ELF image"
        case .notELF: return "not an ELF file (bad magic)"
        case .notSupported(let why): return "unsupported ELF image: \(why)"
        case .segmentOutOfRange(let i): return "ELF program header \(i) lies outside the file or outside guest RAM"
        }
    }
}

public struct LoadedImage: Equatable {
    public var entry: UInt64
    /// [start, end) physical ranges written.
    public var segments: [Range<UInt64>]
}

public enum ELFLoader {
    public static func load(_ file: [UInt8], into ram: PhysicalMemory) throws(ELFError) -> LoadedImage {
        guard file.count >= 64 else { throw .tooSmall }
        guard file[0] == 0x7F, file[1] == 0x45, file[2] == 0x4C, file[3] == 0x46 else { throw .notELF }
        guard file[4] == 2 else { throw .notSupported("not 64-bit (ELFCLASS64)") }
        guard file[5] == 1 else { throw .notSupported("not little-endian") }
        func u16(_ o: Int) -> UInt64 { UInt64(file[o]) | UInt64(file[o + 1]) << 8 }
        func u32(_ o: Int) -> UInt64 { u16(o) | u16(o + 2) << 16 }
        func u64(_ o: Int) -> UInt64 { u32(o) | u32(o + 4) << 32 }
        guard u16(18) == 62 else { throw .notSupported("machine is not x86-64") }
        let entry = u64(24)
        let phoff = u64(32), phentsize = u16(54), phnum = u16(56)
        guard phentsize >= 56, phnum <= 512,
              phoff <= UInt64(file.count), phnum * phentsize <= UInt64(file.count) - phoff else {
            throw .notSupported("bad program header table (phoff \(phoff), entsize \(phentsize), count \(phnum), file \(file.count))")
        }
        var segments: [Range<UInt64>] = []
        for i in 0..<Int(phnum) {
            let h = Int(phoff) + i * Int(phentsize)
            guard u32(h) == 1 else { continue }  // PT_LOAD
            let offset = u64(h + 8), paddr = u64(h + 24), filesz = u64(h + 32), memsz = u64(h + 40)
            guard filesz <= memsz, offset <= UInt64(file.count), filesz <= UInt64(file.count) - offset,
                  ram.contains(paddr, count: memsz) else { throw .segmentOutOfRange(index: i) }
            ram.write(Array(file[Int(offset)..<Int(offset + filesz)]), at: paddr)
            if memsz > filesz {
                ram.write([UInt8](repeating: 0, count: Int(memsz - filesz)), at: paddr + filesz)
            }
            segments.append(paddr..<(paddr + memsz))
        }
        guard !segments.isEmpty else { throw .notSupported("no loadable segments") }
        return LoadedImage(entry: entry, segments: segments)
    }
}
