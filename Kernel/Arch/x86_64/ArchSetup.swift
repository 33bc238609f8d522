// Arch layer: bringing the CPU's tables up, in order. Called once from kmain, before anything
// can fault usefully: until IDT.install a fault is a triple fault (the machine resets).

enum Arch {
    static func initialize() {
        // TSS first (the GDT's TSS descriptor points at it); RSP0 is the boot stack until
        // there are tasks with their own kernel stacks.
        TSS.initialize(rsp0: KernelImage.bootStackTop,
                       istTops: [KernelImage.istTop(1), KernelImage.istTop(2), KernelImage.istTop(3)])
        GDT.install(tssBase: TSS.base, tssLimit: TSS.size - 1)
        IDT.install()
        unmapGuardPages()
    }

    /// The page below each stack is left unmapped: running off a stack faults at once (and a
    /// kernel-stack overflow becomes #DF on its own IST stack) instead of corrupting memory.
    private static func unmapGuardPages() {
        let guards = [KernelImage.bootStackGuard, KernelImage.istGuard(1), KernelImage.istGuard(2), KernelImage.istGuard(3)]
        for page in guards {
            do throws(PageTableError) {
                try PageTables.unmap(virtual: page)
            } catch {
                panic("cannot unmap a stack guard page")
            }
        }
    }
}
