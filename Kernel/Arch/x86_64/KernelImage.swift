// Arch layer: where the kernel image and its boot stacks are, from the linker script and
// boot.S symbols.
import ArchAsm

enum KernelImage {
    /// Virtual address of physical 0 in the kernel window (linker.ld KERNEL_VMA).
    static let virtualBase: UInt64 = 0x0000_7FFF_8000_0000
    static let physicalStart: UInt64 = 0x10_0000

    static var textStart: UInt64 { arch_symbol_text_start() }
    static var textEnd: UInt64 { arch_symbol_text_end() }
    static var end: UInt64 { arch_symbol_kernel_end() }
    /// Physical end of the image (everything the loader placed plus .bss and boot stacks).
    static var physicalEnd: UInt64 { end - virtualBase }

    static let bootStackSize: UInt64 = 32 * 1024
    static let istStackSize: UInt64 = 8 * 1024
    static var bootStackGuard: UInt64 { arch_symbol_boot_stack_guard() }
    static var bootStackTop: UInt64 { bootStackGuard + 4096 + bootStackSize }

    /// Guard page and top of IST stack n (1-based), laid out in boot.S as [guard][stack] x 3.
    static func istGuard(_ n: Int) -> UInt64 {
        arch_symbol_ist_stack_guards() + UInt64(n - 1) * (4096 + istStackSize)
    }
    static func istTop(_ n: Int) -> UInt64 { istGuard(n) + 4096 + istStackSize }
}
