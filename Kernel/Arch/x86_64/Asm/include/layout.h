/* Arch layer: constants shared by the assembly files and the C header (physical layout,
 * page-table bits, control-register bits). Swift mirrors the ones it needs in
 * Arch/x86_64/PageTables.swift and HAL/ControlRegisters.swift. */
#ifndef ORRERY_LAYOUT_H
#define ORRERY_LAYOUT_H

/* Everything the kernel's Swift code touches lives in the LOWER half of the address space:
 * Swift on x86-64 keeps flags in the top bits of object references and String pointers
 * (spare-bit mask 0xF000000000000007; a String literal at 0xFFFFFFFF8xxxxxxx is taken for a
 * "foreign" string and traps), so kernel addresses must stay below 2^60. Canonical 48-bit
 * addresses below 2^60 are exactly the lower half, so:
 *   0x0000000000000000 - 0x00003FFFFFFFFFFF  user space (64 TiB)
 *   0x0000400000000000                       direct map of physical memory (PML4 slot 128)
 *   0x0000600000000000                       kernel virtual mappings (PML4 slot 192)
 *   0x00007FFF80000000                       the kernel image (PML4 255, PDPT 510)
 * Kernel pages are supervisor-only, so user code cannot touch them. */
#define KERNEL_VMA   0x00007FFF80000000
#define KERNEL_PHYS  0x100000
#define DIRECT_MAP   0x0000400000000000
/* Physical address of a higher-half symbol, usable in 32-bit code before paging. */
#define PHYS(sym)    ((sym) - KERNEL_VMA)

#define BOOT_STACK_SIZE (32 * 1024)
#define IST_STACK_SIZE  (8 * 1024)

/* Page-table entry bits (Intel SDM vol. 3 4.5, AMD APM vol. 2 5.3). */
#define PTE_P   0x001   /* present */
#define PTE_W   0x002   /* writable */
#define PTE_U   0x004   /* user accessible */
#define PTE_PS  0x080   /* page size: 2 MiB in a PD entry, 1 GiB in a PDPT entry */

#define CR0_PE  (1 << 0)
#define CR0_MP  (1 << 1)
#define CR0_EM  (1 << 2)
#define CR0_TS  (1 << 3)
#define CR0_NE  (1 << 5)
#define CR0_WP  (1 << 16)
#define CR0_PG  (1 << 31)
#define CR4_PAE        (1 << 5)
#define CR4_OSFXSR     (1 << 9)
#define CR4_OSXMMEXCPT (1 << 10)
#define EFER_LME (1 << 8)
#define EFER_NXE (1 << 11)

#endif
