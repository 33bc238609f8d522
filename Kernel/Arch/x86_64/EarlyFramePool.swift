// Arch layer: BOOT STAGE ONLY. A handful of page-sized frames reserved in the kernel image
// (Asm/tables.c) for page tables needed before the physical frame allocator (Memory/) exists.
// PageTables.allocateTableFrame switches to the real allocator once it is up.
import ArchAsm

enum EarlyFramePool {
    private static var used = 0

    static func allocate() -> PhysicalAddress? {
        guard used < Int(ARCH_EARLY_FRAMES) else { return nil }
        // The pool lives in the kernel image: physical = virtual - kernel base.
        let virtual = UInt64(UInt(bitPattern: arch_early_frame(Int32(used))))
        used += 1
        return PhysicalAddress(virtual - KernelImage.virtualBase)
    }
}
