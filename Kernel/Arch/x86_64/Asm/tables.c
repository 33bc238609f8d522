/* Arch layer: storage for the CPU's descriptor tables (GDT, IDT, TSS) in .bss, 16-byte
 * aligned as the SDM recommends. Swift fills them (Arch/x86_64/GDT.swift, IDT.swift) and
 * loads them; this file only reserves the memory and reloads segment registers. */
#include "arch.h"

uint64_t arch_gdt_storage[8] __attribute__((aligned(16)));
uint64_t arch_idt_storage[512] __attribute__((aligned(16)));   /* 256 gates x 16 bytes */
uint64_t arch_tss_storage[13] __attribute__((aligned(16)));    /* the 104-byte 64-bit TSS */

void arch_load_gdt(uint64_t base, uint16_t limit, uint16_t code, uint16_t data) {
    struct arch_table_pointer p = { limit, base };
    /* A far return pops RIP then CS: the only way to reload CS in 64-bit mode without a
       far jump through memory. */
    __asm__ volatile(
        "lgdt %0\n\t"
        "pushq %q1\n\t"
        "leaq 1f(%%rip), %%rax\n\t"
        "pushq %%rax\n\t"
        "lretq\n"
        "1:\n\t"
        "movw %w2, %%ds\n\t"
        "movw %w2, %%es\n\t"
        "movw %w2, %%ss\n\t"
        "xorl %%eax, %%eax\n\t"
        "movw %%ax, %%fs\n\t"
        "movw %%ax, %%gs\n\t"
        :: "m"(p), "r"((uint64_t)code), "r"((uint64_t)data) : "rax", "memory");
}

/* BOOT STAGE: frames for page tables needed before the frame allocator exists
   (Arch/x86_64/EarlyFramePool.swift). */
uint8_t arch_early_frames[ARCH_EARLY_FRAMES][4096] __attribute__((aligned(4096)));
