/* Arch layer: constants shared by the assembly files and the C header (physical layout,
 * page-table bits, control-register bits). Swift mirrors the ones it needs in
 * Arch/x86_64/PageTables.swift and HAL/ControlRegisters.swift. */
#ifndef ORRERY_LAYOUT_H
#define ORRERY_LAYOUT_H

#define KERNEL_VMA   0xFFFFFFFF80000000
#define KERNEL_PHYS  0x100000
#define DIRECT_MAP   0xFFFF800000000000
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
