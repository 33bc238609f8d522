// Layer: Machine / Boot. Picks the boot protocol from the image and runs its loader:
//   1. Linux bzImage ("HdrS" setup header)  -> LinuxBoot (initrd = the first module)
//   2. Multiboot v1 header in the first 8 KiB -> Multiboot1 (as QEMU's -kernel does)
//   3. Multiboot2 header in the first 32 KiB  -> Multiboot2
//   4. a static ELF64 x86-64 executable       -> flat 64-bit entry (our test and bench guests)
// An image with both Multiboot headers boots by v1, so a kernel behaves the same on QEMU.

import EmulatorCore

public enum BootProtocol: String, Equatable {
    case linux, multiboot1, multiboot2, elf64

    public static func detect(_ file: [UInt8]) -> BootProtocol? {
        if LinuxBoot.isBzImage(file) { return .linux }
        if Multiboot1.findHeader(file) != nil { return .multiboot1 }
        if Multiboot2.findHeaderOffset(file) != nil { return .multiboot2 }
        if ELFImage.isELF(file), file.count > 18, file[4] == 2, file[18] == 62 { return .elf64 }
        return nil
    }
}

extension Machine {
    /// Loads `kernel` by the protocol its format names (or by `protocol`, when given) and puts
    /// the CPU at its entry. Multiboot modules: `initrd` (string: `initrdName`), then `modules`
    /// in order; Linux: the initrd (extra modules are an error: Linux takes one initrd).
    @discardableResult
    public func boot(kernel: [UInt8], commandLine: String = "", initrd: [UInt8]? = nil,
                     initrdName: String = "initrd", modules extraModules: [BootModule] = [],
                     protocol forced: BootProtocol? = nil) throws(BootError) -> BootResult {
        guard let kind = forced ?? BootProtocol.detect(kernel) else { throw .unrecognizedImage }
        if !extraModules.isEmpty && (kind == .linux || kind == .elf64) {
            throw .unsupported("modules are for Multiboot kernels (this image boots as \(kind.rawValue))")
        }
        // Kept for a reboot (Reset.swift), which loads the same kernel the same way.
        bootRequest = BootRequest(kernel: kernel, commandLine: commandLine, initrd: initrd,
                                  initrdName: initrdName, forced: forced, modules: extraModules)
        let modules = (initrd.map { [BootModule(data: $0, string: initrdName)] } ?? []) + extraModules
        let result: BootResult
        switch kind {
        case .linux:
            result = try LinuxBoot.load(kernel, commandLine: commandLine, initrd: initrd, into: self)
        case .multiboot1:
            result = try Multiboot1.load(kernel, commandLine: commandLine, modules: modules, into: self)
            applyFirmwareState()
        case .multiboot2:
            result = try Multiboot2.load(kernel, commandLine: commandLine, modules: modules, into: self)
            applyFirmwareState()
        case .elf64:
            let image: LoadedImage
            do { image = try ELFLoader.load(kernel, into: ram) } catch { throw .badImage(error.description) }
            // The flat 64-bit state the CPU starts in (identity addressing, CPL 0) is the entry state.
            cpu.state.pointee.rip = image.entry
            return BootResult(protocolName: "ELF64 (flat 64-bit)",
                              entry: EntryState(mode: .long64, rip: image.entry, cr0: cpu.state.pointee.cr0,
                                                codeSelector: 0),
                              kernelStart: image.segments.map { $0.lowerBound }.min() ?? 0,
                              kernelEnd: image.segments.map { $0.upperBound }.max() ?? 0)
        }
        enter(result.entry)
        return result
    }
}
