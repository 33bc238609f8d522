/* Arch layer: the privileged x86-64 instructions Swift cannot express (port I/O, control
 * registers, MSRs, descriptor-table loads, TLB invalidation), as static inline functions the
 * Swift compiler imports and inlines, plus the layout of the trap frame the entry stubs build
 * and the symbols the linker script and the assembly files define.
 * Swift reaches these only through Kernel/HAL and Kernel/Arch/x86_64. */
#ifndef ORRERY_ARCH_H
#define ORRERY_ARCH_H

#include <stdint.h>
#include "layout.h"

/* ---- Port I/O: the separate 64 KiB I/O address space (IN/OUT). ---- */
static inline void arch_outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" :: "a"(v), "Nd"(port)); }
static inline void arch_outw(uint16_t port, uint16_t v) { __asm__ volatile("outw %0, %1" :: "a"(v), "Nd"(port)); }
static inline void arch_outl(uint16_t port, uint32_t v) { __asm__ volatile("outl %0, %1" :: "a"(v), "Nd"(port)); }
static inline uint8_t arch_inb(uint16_t port) { uint8_t v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline uint16_t arch_inw(uint16_t port) { uint16_t v; __asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline uint32_t arch_inl(uint16_t port) { uint32_t v; __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port)); return v; }

/* ---- Control registers and MSRs. ---- */
static inline uint64_t arch_read_cr0(void) { uint64_t v; __asm__ volatile("mov %%cr0, %0" : "=r"(v)); return v; }
static inline uint64_t arch_read_cr2(void) { uint64_t v; __asm__ volatile("mov %%cr2, %0" : "=r"(v)); return v; }
static inline uint64_t arch_read_cr3(void) { uint64_t v; __asm__ volatile("mov %%cr3, %0" : "=r"(v)); return v; }
static inline uint64_t arch_read_cr4(void) { uint64_t v; __asm__ volatile("mov %%cr4, %0" : "=r"(v)); return v; }
static inline void arch_write_cr3(uint64_t v) { __asm__ volatile("mov %0, %%cr3" :: "r"(v) : "memory"); }
static inline uint64_t arch_rdmsr(uint32_t msr) {
    uint32_t lo, hi; __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr)); return ((uint64_t)hi << 32) | lo;
}
static inline void arch_wrmsr(uint32_t msr, uint64_t v) {
    __asm__ volatile("wrmsr" :: "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)) : "memory");
}
static inline uint64_t arch_read_rflags(void) { uint64_t v; __asm__ volatile("pushfq; popq %0" : "=r"(v)); return v; }
/* The caller's frame pointer (RBP): the start of a frame-pointer backtrace. */
static inline uint64_t arch_read_rbp(void) { uint64_t v; __asm__ volatile("mov %%rbp, %0" : "=r"(v)); return v; }

/* ---- Interrupt flag, halting, TLB. ---- */
static inline void arch_cli(void) { __asm__ volatile("cli" ::: "memory"); }
static inline void arch_sti(void) { __asm__ volatile("sti" ::: "memory"); }
static inline void arch_hlt(void) { __asm__ volatile("hlt" ::: "memory"); }
static inline void arch_invlpg(uint64_t va) { __asm__ volatile("invlpg (%0)" :: "r"(va) : "memory"); }
static inline void arch_int3(void) { __asm__ volatile("int3" ::: "memory"); }

/* ---- Waiting for interrupts. STI delays interrupt recognition by one instruction, so
 * "sti; hlt" cannot lose a wake-up that arrives between the two: the interrupt is taken
 * only once the CPU is halted (or after HLT). ---- */
static inline void arch_sti_hlt(void) { __asm__ volatile("sti; hlt" ::: "memory"); }
/* INT 0xFF: the local APIC's spurious vector raised in software (selftest of its handler). */
static inline void arch_int_spurious_vector(void) { __asm__ volatile("int $0xff" ::: "memory"); }
static inline void arch_pause(void) { __asm__ volatile("pause" ::: "memory"); }
/* Saves RFLAGS and clears IF: the start of a section that interrupts must not enter. */
static inline uint64_t arch_irq_save(void) {
    uint64_t f; __asm__ volatile("pushfq; popq %0; cli" : "=r"(f) :: "memory"); return f;
}
/* Restores IF as it was (RFLAGS bit 9) at arch_irq_save. */
static inline void arch_irq_restore(uint64_t f) { if (f & 0x200) __asm__ volatile("sti" ::: "memory"); }

/* ---- Memory-mapped device registers (APIC, IOAPIC, HPET). Volatile: every access reaches
 * the device, in program order, with exactly the width asked for (the APICs accept only
 * aligned 32-bit accesses). ---- */
static inline uint8_t arch_mmio_read8(uint64_t a) { return *(volatile uint8_t *)a; }
static inline uint32_t arch_mmio_read32(uint64_t a) { return *(volatile uint32_t *)a; }
static inline void arch_mmio_write32(uint64_t a, uint32_t v) { *(volatile uint32_t *)a = v; }
static inline uint64_t arch_mmio_read64(uint64_t a) { return *(volatile uint64_t *)a; }
static inline void arch_mmio_write64(uint64_t a, uint64_t v) { *(volatile uint64_t *)a = v; }

/* ---- Descriptor tables. LGDT/LIDT take a 10-byte pseudo-descriptor (limit, base). ---- */
struct __attribute__((packed)) arch_table_pointer { uint16_t limit; uint64_t base; };
static inline void arch_lidt(uint64_t base, uint16_t limit) {
    struct arch_table_pointer p = { limit, base }; __asm__ volatile("lidt %0" :: "m"(p) : "memory");
}
static inline void arch_ltr(uint16_t selector) { __asm__ volatile("ltr %0" :: "r"(selector) : "memory"); }
/* Loads the GDT and reloads CS (far return), SS/DS/ES with the data selector; FS/GS null. */
void arch_load_gdt(uint64_t base, uint16_t limit, uint16_t code, uint16_t data);

/* ---- Trap frame: built by the entry stubs (entry.S) on the kernel stack. ----
 * Lowest address first: the general registers the stub pushes, the vector and error code
 * (the CPU pushes an error code only for some exceptions; the stub pushes 0 for the rest),
 * then the frame the CPU pushes on every interrupt in 64-bit mode. */
struct trap_frame {
    uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp, r8, r9, r10, r11, r12, r13, r14, r15;
    uint64_t vector, error_code;
    uint64_t rip, cs, rflags, rsp, ss;
};

/* The table of entry stubs, one per vector (entry.S). */
extern uint64_t arch_trap_stubs[256];

/* ---- Fault-recovering routines (recover.S): each has an exception-table entry. ---- */
/* Copies len bytes; returns the number of bytes NOT copied (0 = success). */
uint64_t arch_copy_recoverable(void *dst, const void *src, uint64_t len);
/* Executes UD2; returns 1 when the #UD handler resumed it at its fixup, 0 otherwise. */
uint64_t arch_test_ud_resume(void);
/* Loads XMM0-15 with patterns, raises the interrupt `vector` (0x40 or 0x41, see recover.S),
   returns 0 when every XMM register still holds its pattern afterwards. */
uint64_t arch_test_xmm_across_interrupt(void);
/* Overwrites XMM0-15 (called by the test interrupt handler to clobber them). */
void arch_clobber_xmm(void);
/* Raises INT 0x40 (the selftests' vector). */
void arch_test_interrupt(void);

struct arch_ex_entry { uint64_t fault_rip, fixup_rip; };
extern struct arch_ex_entry __ex_table_start[], __ex_table_end[];

extern uint64_t arch_gdt_storage[8], arch_idt_storage[512], arch_tss_storage[13];
static inline uint64_t *arch_gdt(void) { return arch_gdt_storage; }
static inline uint64_t *arch_idt(void) { return arch_idt_storage; }
static inline uint64_t *arch_tss(void) { return arch_tss_storage; }

#define ARCH_EARLY_FRAMES 16
extern uint8_t arch_early_frames[ARCH_EARLY_FRAMES][4096];
static inline void *arch_early_frame(int i) { return arch_early_frames[i]; }

/* ---- Linker-script and boot.S symbols (their addresses are what matter). ---- */
extern char __text_start[], __text_end[], __rodata_start[], __rodata_end[];
extern char __bss_start[], __kernel_end[];
extern char boot_pml4[], boot_stack_guard[], boot_stack_top[], ist_stack_guards[], ist_stacks_end[];
static inline uint64_t arch_symbol_text_start(void) { return (uint64_t)__text_start; }
static inline uint64_t arch_symbol_text_end(void) { return (uint64_t)__text_end; }
static inline uint64_t arch_symbol_kernel_end(void) { return (uint64_t)__kernel_end; }
static inline uint64_t arch_symbol_boot_pml4(void) { return (uint64_t)boot_pml4; }
static inline uint64_t arch_symbol_boot_stack_guard(void) { return (uint64_t)boot_stack_guard; }
static inline uint64_t arch_symbol_ist_stack_guards(void) { return (uint64_t)ist_stack_guards; }
static inline uint64_t arch_symbol_ex_table_start(void) { return (uint64_t)__ex_table_start; }
static inline uint64_t arch_symbol_ex_table_end(void) { return (uint64_t)__ex_table_end; }
static inline uint64_t arch_symbol_trap_stubs(void) { return (uint64_t)arch_trap_stubs; }

#endif
