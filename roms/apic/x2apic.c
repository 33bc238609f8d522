// roms/apic/x2apic.c: the local APIC as the CPU sees it without the xAPIC page (SDM vol. 3A
// ch. 11): CPUID.1:EDX.APIC follows IA32_APIC_BASE.EN (CR8 is 64-bit only: kvm-unit-tests'
// apic test covers it); the IA32_APIC_BASE mode transitions that #GP (table 11-5); x2APIC
// registers as MSRs 0x800-0x8FF (ID, version, LDR, TPR, SVR, #GP for DFR/EOI reads, the
// read-only ID, ICR as one 64-bit MSR, SELF_IPI); a TSC-deadline timer interrupt (MSR 0x6E0).
// NOT a CI check, and without a QEMU oracle yet: QEMU 7.2's TCG has neither x2APIC nor
// TSC-deadline (and neither #GPs IA32_APIC_BASE EXTD-without-EN nor restores CPUID.APIC on
// re-enable); on this machine's nested KVM the guest stalls at its first IRET. The facts it
// prints are the ones kvm-unit-tests' apic test checks (docs/kvm-unit-tests.md). Build and run:
//   (one command:) gcc -m32 -O1 -ffreestanding -fno-pic -fno-pie -nostdlib -static -fno-stack-protector
//     -fcf-protection=none -mgeneral-regs-only -Iroms/board -Wl,-T,roms/board/link.ld
//     -Wl,--build-id=none -Wl,--no-warn-rwx-segments -o /tmp/x2apic.elf roms/board/start.S roms/apic/x2apic.c
//   orrery run --kernel /tmp/x2apic.elf --serial-input none
//   qemu-system-x86_64 -M q35 -accel kvm -cpu qemu64,+x2apic,+tsc-deadline -debugcon stdio
//     -device isa-debug-exit,iobase=0xf4,iosize=0x04 -display none -kernel /tmp/x2apic.elf
#include "board.h"

struct gpframe { u32 eip, cs, eflags; };
static volatile u32 gp_count;
/* #GP from RDMSR/WRMSR (both 2 bytes long): count it and skip the instruction. */
__attribute__((interrupt)) void gp_isr(struct gpframe *f, u32 code) { (void)code; gp_count++; f->eip += 2; }

static u64 rdmsr(u32 i) { u32 lo = 0, hi = 0; __asm__ volatile("rdmsr" : "+a"(lo), "+d"(hi) : "c"(i)); return (u64)hi << 32 | lo; }
static void wrmsr(u32 i, u64 v) { __asm__ volatile("wrmsr" :: "c"(i), "a"((u32)v), "d"((u32)(v >> 32)) : "memory"); }
/* 1 if the access raised #GP. */
static int rd_faults(u32 i) { u32 before = gp_count; (void)rdmsr(i); return gp_count != before; }
static int wr_faults(u32 i, u64 v) { u32 before = gp_count; wrmsr(i, v); return gp_count != before; }
static void cpuid1(u32 *c, u32 *d) { u32 a = 1, b, cc = 0, dd; __asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(cc), "=d"(dd)); *c = cc; *d = dd; }
static u64 rdtsc(void) { u32 lo, hi; __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi)); return (u64)hi << 32 | lo; }
static u32 apic_bit(void) { u32 c, d; cpuid1(&c, &d); return (d >> 9) & 1; }

#define APIC_BASE_MSR 0x1B
#define EN (1u << 11)
#define EXTD (1u << 10)

static volatile u32 x2mode, hits40, hits41, hits50;
static void eoi(void) { if (x2mode) wrmsr(0x80B, 0); else wr32(LAPIC_BASE + 0xB0, 0); }
static ISR vec40(struct frame *f) { (void)f; hits40++; eoi(); }
static ISR vec41(struct frame *f) { (void)f; hits41++; eoi(); }
static ISR vec50(struct frame *f) { (void)f; hits50++; eoi(); }

/* A GDT of our own (flat code 0x08, data 0x10): exception delivery reads CS's descriptor, and
 * the loader's table need not survive (it does not on QEMU/KVM). */
static const u64 gdt[3] __attribute__((aligned(8))) = { 0, 0x00CF9A000000FFFFull, 0x00CF92000000FFFFull };
static void load_gdt(void) {
    struct { u16 limit; u32 base; } __attribute__((packed)) p = { sizeof gdt - 1, (u32)gdt };
    __asm__ volatile("lgdt %0; ljmp $0x08, $1f; 1: mov $0x10, %%ax; mov %%ax, %%ds; mov %%ax, %%es;"
                     "mov %%ax, %%ss; mov %%ax, %%fs; mov %%ax, %%gs" :: "m"(p) : "eax", "memory");
}

u32 board_main(u32 magic, u32 info) {
    (void)magic; (void)info;
    load_gdt();
    set_gate(13, (void (*)(struct frame *))gp_isr);
    set_gate(0x40, vec40); set_gate(0x41, vec41); set_gate(0x50, vec50);
    load_idt();
    pic_init(0x20);
    outb(0x21, 0xFF); outb(0xA1, 0xFF);            /* 8259 fully masked: only APIC vectors */

    u32 ecx, edx; cpuid1(&ecx, &edx);
    u32 has_x2 = (ecx >> 21) & 1, has_tscdl = (ecx >> 24) & 1;
    u64 base = rdmsr(APIC_BASE_MSR);
    kv("apic_base", (u32)base);
    kv("cpuid_apic", apic_bit());
    kv("cpuid_x2apic", has_x2);
    kv("cpuid_tsc_deadline", has_tscdl);

    wr32(LAPIC_BASE + 0xF0, 0x1FF);

    /* Disabled: CPUID hides the APIC. */
    kv("gp_extd_without_en", wr_faults(APIC_BASE_MSR, (base & ~(u64)(EN | EXTD)) | EXTD));
    wrmsr(APIC_BASE_MSR, base & ~(u64)(EN | EXTD));
    kv("disabled_base", (u32)rdmsr(APIC_BASE_MSR));
    kv("disabled_cpuid_apic", apic_bit());
    if (has_x2) kv("gp_disabled_to_x2apic", wr_faults(APIC_BASE_MSR, base | EN | EXTD));
    wrmsr(APIC_BASE_MSR, base);
    kv("reenabled_cpuid_apic", apic_bit());
    kv("reenabled_version_low", rd32(LAPIC_BASE + 0x30) & 0xFF);
    kv("xapic_gp_x2apic_msr", rd_faults(0x803));

    if (has_x2) {
        wrmsr(APIC_BASE_MSR, base | EXTD);
        x2mode = 1;
        kv("x2_base", (u32)rdmsr(APIC_BASE_MSR));
        kv("x2_id", (u32)rdmsr(0x802));
        kv("x2_version_low", (u32)rdmsr(0x803) & 0xFF);
        kv("x2_ldr", (u32)rdmsr(0x80D));
        kv("x2_gp_read_dfr", rd_faults(0x80E));
        kv("x2_gp_read_eoi", rd_faults(0x80B));
        kv("x2_gp_read_selfipi", rd_faults(0x83F));
        kv("x2_gp_write_id", wr_faults(0x802, 5));
        kv("x2_gp_write_version", wr_faults(0x803, 0));
        kv("x2_gp_read_icr2", rd_faults(0x831));
        kv("x2_gp_read_absent_0x800", rd_faults(0x800));
        wrmsr(0x80F, 0x1FF);
        kv("x2_svr", (u32)rdmsr(0x80F));
        wrmsr(0x808, 0x20); kv("x2_tpr", (u32)rdmsr(0x808)); wrmsr(0x808, 0);
        /* SELF_IPI and a self-directed ICR write (destination shorthand 01: self). */
        sti(); wrmsr(0x83F, 0x40); cli();
        kv("x2_selfipi_hits", hits40);
        sti(); wrmsr(0x830, (1u << 18) | 0x41); cli();
        kv("x2_icr_hits", hits41);
        kv("x2_icr_low", (u32)rdmsr(0x830) & 0xCEFFF);
        kv("x2_gp_to_xapic", wr_faults(APIC_BASE_MSR, base));
        kv("x2_base_after_gp", (u32)rdmsr(APIC_BASE_MSR));

        if (has_tscdl) {
            /* LVT timer: TSC-deadline mode (bits 18:17 = 10), vector 0x50. */
            wrmsr(0x832, (2u << 17) | 0x50);
            kv("tscdl_lvt", (u32)rdmsr(0x832));
            u64 deadline = rdtsc() + 200000;
            wrmsr(0x6E0, deadline);
            kv("tscdl_armed", rdmsr(0x6E0) == deadline);
            while (!hits50) sti_hlt();
            kv("tscdl_hits", hits50);
            kv("tscdl_late", rdtsc() >= deadline);
            kv("tscdl_cleared", (u32)rdmsr(0x6E0));
            /* A deadline already passed fires at once. */
            sti(); wrmsr(0x6E0, 1); __asm__ volatile("nop; nop"); cli();
            kv("tscdl_past_hits", hits50);
        }
        /* Leave x2APIC mode the legal way: disable, then xAPIC. */
        wrmsr(APIC_BASE_MSR, base & ~(u64)(EN | EXTD));
        x2mode = 0;
        wrmsr(APIC_BASE_MSR, base);
        kv("back_to_xapic_base", (u32)rdmsr(APIC_BASE_MSR));
    }
    kv("gp_total", gp_count);
    return 0;
}
