// HAL layer: memory reads that may fault and are recovered instead of panicking, through the
// exception table (Arch/x86_64/Asm/recover.S, Arch/x86_64/ExceptionTable.swift). The base of
// user-memory copies (copyin/copyout) and what the panic path uses to walk a possibly corrupt
// stack without faulting again.
import ArchAsm

enum RecoverableAccess {
    /// Reads a 64-bit value at a virtual address; nil if the access faulted.
    static func read64(at virtual: UInt64) -> UInt64? {
        guard let source = UnsafeRawPointer(bitPattern: UInt(virtual)) else { return nil }
        var value: UInt64 = 0
        let notCopied = withUnsafeMutableBytes(of: &value) { buffer in
            arch_copy_recoverable(buffer.baseAddress, source, 8)
        }
        return notCopied == 0 ? value : nil
    }

    /// Writes a 64-bit value at a virtual address; false if the access faulted.
    static func write64(_ value: UInt64, at virtual: UInt64) -> Bool {
        guard let destination = UnsafeMutableRawPointer(bitPattern: UInt(virtual)) else { return false }
        var copy = value
        let notCopied = withUnsafeBytes(of: &copy) { buffer in
            arch_copy_recoverable(destination, buffer.baseAddress, 8)
        }
        return notCopied == 0
    }
}
