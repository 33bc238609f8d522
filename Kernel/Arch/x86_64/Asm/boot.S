/* Arch layer: the first instructions of the kernel. The loader (QEMU -kernel, Orrery's
 * Multiboot loader, GRUB) enters _start32 in 32-bit protected mode with paging off,
 * EAX = 0x2BADB002 and EBX = the physical address of the Multiboot information structure.
 *
 * This file: the Multiboot v1 header, then 32-bit code that builds the boot page tables,
 * enables SSE, PAE, long mode, NX and paging, then 64-bit code that moves to the higher half,
 * wipes .bss and calls the Swift entry point kmain(multibootInfoPhys, magic).
 *
 * Virtual memory after this file (4-level paging, see Arch/x86_64/PageTables.swift; why the
 * kernel is in the lower half: include/layout.h):
 *   0x0000400000000000 + p  direct map of physical memory, 1 GiB in 2 MiB pages, no-execute
 *   0x00007FFF80000000 + p  the kernel image in 4 KiB pages: text read-only/executable,
 *                           rodata read-only/no-execute, data, bss, stacks writable/no-execute
 *   0x0 + p                 identity map of 1 GiB, only while switching; removed before kmain
 */
#include "layout.h"

/* ---- Multiboot v1 header ---------------------------------------------------------------
 * flags bit 0: modules page aligned; bit 1: memory map wanted; bit 16: the address fields
 * below are valid (the "a.out kludge"): the loader then ignores the ELF headers, copies the
 * file bytes [header_offset - (header_addr - load_addr), + load_end_addr - load_addr) to
 * physical load_addr, zeroes up to bss_end_addr, and jumps to entry_addr. QEMU's -kernel
 * only accepts an ELF64 file this way (it refuses ELF64 without the kludge). */
#define MB_MAGIC 0x1BADB002
#define MB_FLAGS ((1 << 0) | (1 << 1) | (1 << 16))

    .section .multiboot, "a"
    .p2align 2
multiboot_header:
    .long MB_MAGIC
    .long MB_FLAGS
    .long -(MB_MAGIC + MB_FLAGS)        /* checksum: the three fields sum to zero */
    .long multiboot_header              /* header_addr (physical: .boot is identity placed) */
    .long __load_start                  /* load_addr */
    .long __load_end                    /* load_end_addr */
    .long __bss_end                     /* bss_end_addr */
    .long _start32                      /* entry_addr */

/* ---- 32-bit bootstrap ----------------------------------------------------------------- */
    .section .boot.text, "ax"
    .code32
    .globl _start32
_start32:
    cli
    cld
    /* Keep the Multiboot registers in ESI (magic) and EBX (info): no stack is used here, and
       the 64-bit code wipes .bss, so nothing may be kept in memory. */
    movl %eax, %esi

    /* Zero the boot page tables (7 pages, see .pagetables below). */
    movl $PHYS(boot_pml4), %edi
    xorl %eax, %eax
    movl $(7 * 4096 / 4), %ecx
    rep stosl

    /* PD_low: 512 x 2 MiB pages = the first 1 GiB, present | writable | page size. */
    movl $PHYS(boot_pd_low), %edi
    movl $(PTE_P | PTE_W | PTE_PS), %eax
    movl $512, %ecx
1:  movl %eax, (%edi)
    addl $0x200000, %eax
    addl $8, %edi
    loop 1b

    /* PDPT_low[0] -> PD_low. PML4[0] (identity, for the switch) and PML4[128] (direct map,
       no-execute: NX at any level makes the whole subtree non-executable) share it. */
    movl $(PHYS(boot_pd_low) + PTE_P + PTE_W), PHYS(boot_pdpt_low)
    movl $(PHYS(boot_pdpt_low) + PTE_P + PTE_W), PHYS(boot_pml4)
    movl $(PHYS(boot_pdpt_low) + PTE_P + PTE_W), PHYS(boot_pml4) + 128 * 8
    movl $0x80000000, PHYS(boot_pml4) + 128 * 8 + 4

    /* Kernel window: PML4[255] -> PDPT_high, PDPT_high[510] -> PD_kernel (that is
       0x00007FFF80000000), PD_kernel[0..1] -> PT_kernel0..1: 4 MiB of 4 KiB pages. */
    movl $(PHYS(boot_pdpt_high) + PTE_P + PTE_W), PHYS(boot_pml4) + 255 * 8
    movl $(PHYS(boot_pd_kernel) + PTE_P + PTE_W), PHYS(boot_pdpt_high) + 510 * 8
    movl $(PHYS(boot_pt_kernel) + PTE_P + PTE_W), PHYS(boot_pd_kernel)
    movl $(PHYS(boot_pt_kernel) + 4096 + PTE_P + PTE_W), PHYS(boot_pd_kernel) + 8

    /* Map the image page by page from 1 MiB to __kernel_end with its permissions:
       [.boot, __text_end) executable read-only; [__text_end, __rodata_end) read-only NX;
       the rest writable NX. The kernel must fit in the 4 MiB window (checked below). */
    movl $KERNEL_PHYS, %eax                     /* EAX = physical address of the page */
    movl $(PHYS(boot_pt_kernel) + (KERNEL_PHYS >> 12) * 8), %edi
2:  cmpl $PHYS(__kernel_end), %eax
    jae 4f
    cmpl $(4 << 20), %eax
    jae boot_fail32
    movl %eax, %edx
    orl $PTE_P, %edx
    xorl %ecx, %ecx                             /* ECX = high dword (NX is bit 63) */
    cmpl $PHYS(__text_end), %eax
    jb 3f
    movl $0x80000000, %ecx
    cmpl $PHYS(__rodata_end), %eax
    jb 3f
    orl $PTE_W, %edx
3:  movl %edx, (%edi)
    movl %ecx, 4(%edi)
    addl $4096, %eax
    addl $8, %edi
    jmp 2b
4:
    /* CR4: PAE (bit 5, required for long mode), OSFXSR (bit 9: FXSAVE/FXRSTOR and SSE
       instructions allowed), OSXMMEXCPT (bit 10: SIMD FP exceptions raise #XM, not #UD).
       The Swift code uses SSE registers, so this must be on before any Swift runs. */
    movl %cr4, %eax
    orl $(CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT), %eax
    movl %eax, %cr4

    movl $PHYS(boot_pml4), %eax
    movl %eax, %cr3

    /* EFER (MSR 0xC0000080): LME (bit 8) long mode enable, NXE (bit 11) no-execute bit in
       page tables honoured (without it bit 63 is reserved and causes #PF). */
    movl $0xC0000080, %ecx
    rdmsr
    orl $(EFER_LME | EFER_NXE), %eax
    wrmsr

    /* CR0: PG (31) paging (activates long mode since LME=1), WP (16) read-only pages are
       read-only for the kernel too, NE (5) native x87 errors, MP (1) monitor coprocessor;
       clear EM (2: otherwise every SSE instruction raises #UD) and TS (3). */
    movl %cr0, %eax
    andl $~(CR0_EM | CR0_TS), %eax
    orl $(CR0_PG | CR0_WP | CR0_NE | CR0_MP | CR0_PE), %eax
    movl %eax, %cr0

    /* Now in compatibility mode; a far jump through a 64-bit code segment enters 64-bit mode. */
    lgdt boot_gdt_pointer                 /* .boot symbols are physical already */
    ljmp $0x08, $start64_low

boot_fail32:
    /* The image outgrew the boot mapping: say so on COM1 and stop. */
    movw $0x3F8, %dx
    movb $'!', %al
    outb %al, %dx
5:  hlt
    jmp 5b

    .code64
start64_low:
    /* Still executing at the identity-mapped physical address: jump to the higher half. */
    movabsq $start64_high, %rax
    jmp *%rax

    .section .boot.data, "a"
    .p2align 3
/* Bootstrap GDT: null, 64-bit code (L=1), data. Replaced by the Swift GDT (Arch/GDT.swift). */
boot_gdt:
    .quad 0
    .quad 0x00AF9A000000FFFF    /* 0x08: code, present, DPL 0, L=1 (64-bit), G=1 */
    .quad 0x00CF92000000FFFF    /* 0x10: data, present, writable */
boot_gdt_end:
boot_gdt_pointer:
    .word boot_gdt_end - boot_gdt - 1
    .long boot_gdt

/* ---- 64-bit entry in the higher half ---------------------------------------------------- */
    .text
start64_high:
    movl $0x10, %eax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %ss
    xorl %eax, %eax
    movw %ax, %fs
    movw %ax, %gs

    movabsq $boot_stack_top, %rsp

    /* Wipe .bss (the loader zeroed it too, but Multiboot does not promise it for every
       loader). EBX and ESI survive: rep stosq uses RDI, RCX, RAX only. */
    movabsq $__bss_start, %rdi
    movabsq $__bss_end_virt, %rcx
    subq %rdi, %rcx
    shrq $3, %rcx
    xorl %eax, %eax
    rep stosq

    /* Drop the identity map: from here a null or low pointer faults. CR3 reload flushes it. */
    movabsq $boot_pml4, %rax
    movq $0, (%rax)
    movq %cr3, %rax
    movq %rax, %cr3

    /* x87 to its initial state; MXCSR keeps its reset value 0x1F80 (all exceptions masked). */
    fninit

    movl %ebx, %edi             /* arg 0: Multiboot info, physical (zero-extended) */
    movl %esi, %esi             /* arg 1: the loader's magic, zero-extended */
    xorl %ebp, %ebp             /* backtraces stop at a zero frame pointer */
    call kmain
6:  cli
    hlt
    jmp 6b

/* ---- Boot page tables and stacks (not wiped with .bss; see linker.ld) ------------------- */
    .section .pagetables, "aw", @nobits
    .p2align 12
    .globl boot_pml4
boot_pml4:      .skip 4096
boot_pdpt_low:  .skip 4096
boot_pd_low:    .skip 4096
boot_pdpt_high: .skip 4096
boot_pd_kernel: .skip 4096
boot_pt_kernel: .skip 4096 * 2

    .section .stacks, "aw", @nobits
    .p2align 12
/* Each stack sits above a guard page that Swift unmaps (Arch/x86_64/Stacks.swift), so an
   overflow faults instead of silently overwriting the neighbour. */
    .globl boot_stack_guard, boot_stack_top
boot_stack_guard:   .skip 4096
boot_stack:         .skip BOOT_STACK_SIZE
boot_stack_top:
    .globl ist_stack_guards, ist_stacks_end
ist_stack_guards:
    /* IST1 #DF, IST2 NMI, IST3 #MC: guard page, then IST_STACK_SIZE bytes, three times */
    .skip 3 * (4096 + IST_STACK_SIZE)
ist_stacks_end:

/* SwiftPM links an executable product with "--defsym main=<module>_main". The kernel has no
   main (the loader enters _start32 and boot.S calls kmain), so the symbol it expects is
   defined here as a stop, never called. */
    .text
    .globl kernel_main
kernel_main:
    cli
    hlt
    jmp kernel_main
