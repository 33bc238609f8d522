// roms/apic/x2apic.c: the local APIC as the CPU sees it in x2APIC mode (Intel SDM vol. 3A
// ch. 11), checked against Bochs 2.7 (tools/run-apic-roms.sh: Orrery and Bochs must both print
// roms/apic/x2apic.expected). QEMU 7.2's TCG has neither x2APIC nor TSC-deadline, so Bochs is
// the oracle here; roms/board/lapic.c checks the xAPIC page against QEMU.
//
// What it prints are machine-independent facts (no counts of time):
// - the xAPIC page moved by IA32_APIC_BASE (SDM 11.4.4) and moved back;
// - IA32_APIC_BASE mode transitions that #GP (table 11-5): EXTD without EN, x2APIC -> xAPIC;
// - x2APIC registers as MSRs 0x800-0x8FF (SDM 11.12): read-backs, the derived logical ID, #GP
//   for write-only/read-only/absent registers and for reserved bits 63:32;
// - self-IPIs (SELF_IPI, ICR shorthand), TPR/PPR gating, ISR/IRR bits, EOI, delivery order;
// - the timer: divide configuration, one-shot (count decreasing, one interrupt, then 0),
//   periodic, LVT masking, TSC-deadline (the interrupt comes at or after the deadline, a far
//   deadline does not fire, 0 disarms, a passed deadline fires at once).
// It ends by disabling the APIC (CPUID.1:EDX.APIC reads 0). It does not re-enable it: Bochs
// follows the P6 rule (a disabled APIC stays disabled until reset), the SDM's table 11-5 allows
// disabled -> xAPIC and kvm-unit-tests' apic test checks that on Orrery.
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
#define TSC_DEADLINE_MSR 0x6E0
#define EN (1u << 11)
#define EXTD (1u << 10)
/* x2APIC MSR of an xAPIC register offset (SDM 11.12.1.2: 0x800 + offset / 16). */
#define X2(off) (0x800u + ((off) >> 4))
#define TPR 0x080
#define PPR 0x0A0
#define EOI 0x0B0
#define SVR 0x0F0
#define ISR0 0x100
#define IRR0 0x200
#define ESR 0x280
#define ICR 0x300
#define LVT_TIMER 0x320
#define TIMER_INITIAL 0x380
#define TIMER_CURRENT 0x390
#define TIMER_DIVIDE 0x3E0
#define SELF_IPI 0x3F0

static u32 x2r(u32 off) { return (u32)rdmsr(X2(off)); }
static void x2w(u32 off, u32 v) { wrmsr(X2(off), v); }
/* Bit `v` of a 256-bit ISR/IRR set read as eight 32-bit registers 16 bytes apart. */
static u32 x2bit(u32 set, u32 v) { return (x2r(set + (v / 32) * 16) >> (v % 32)) & 1; }

static volatile u32 hits[256];
static volatile u32 order[8], norder;
static volatile u32 ppr_in_41, isr_in_41;
static volatile u64 tsc_at_50;
static void eoi(void) { wrmsr(X2(EOI), 0); }
static void note(u32 v) { hits[v]++; if (norder < 8) order[norder++] = v; }
static ISR vec41(struct frame *f) { (void)f; ppr_in_41 = x2r(PPR); isr_in_41 = x2bit(ISR0, 0x41); note(0x41); eoi(); }
static ISR vec40(struct frame *f) { (void)f; note(0x40); eoi(); }
static ISR vec42(struct frame *f) { (void)f; note(0x42); eoi(); }
static ISR vec43(struct frame *f) { (void)f; note(0x43); eoi(); }
static ISR vec44(struct frame *f) { (void)f; note(0x44); eoi(); }
static ISR vec50(struct frame *f) { (void)f; tsc_at_50 = rdtsc(); note(0x50); eoi(); }
static ISR vec61(struct frame *f) { (void)f; note(0x61); eoi(); }

/* Spins with interrupts on until hits[v] reaches n (bounded: a lost interrupt ends the wait). */
static void wait_hits(u32 v, u32 n) {
    sti();
    for (u32 i = 0; i < 50000000u && hits[v] < n; i++) __asm__ volatile("pause");
    cli();
}
static void spin(u32 n) { sti(); for (volatile u32 i = 0; i < n; i++) { } cli(); }

/* A GDT of our own (flat code 0x08, data 0x10): exception delivery reads CS's descriptor, and
 * the loader's table need not survive. */
static const u64 gdt[3] __attribute__((aligned(8))) = { 0, 0x00CF9A000000FFFFull, 0x00CF92000000FFFFull };
static void load_gdt(void) {
    struct { u16 limit; u32 base; } __attribute__((packed)) p = { sizeof gdt - 1, (u32)gdt };
    __asm__ volatile("lgdt %0; ljmp $0x08, $1f; 1: mov $0x10, %%ax; mov %%ax, %%ds; mov %%ax, %%es;"
                     "mov %%ax, %%ss; mov %%ax, %%fs; mov %%ax, %%gs" :: "m"(p) : "eax", "memory");
}

#define ALT_BASE 0xFED40000u     /* where kvm-unit-tests' apic test moves the page */

#include "apic-timer.h"

u32 board_main(u32 magic, u32 info) {
    (void)magic; (void)info;
    load_gdt();
    set_gate(13, (void (*)(struct frame *))gp_isr);
    set_gate(0x40, vec40); set_gate(0x41, vec41); set_gate(0x42, vec42); set_gate(0x43, vec43);
    set_gate(0x44, vec44); set_gate(0x50, vec50); set_gate(0x61, vec61);
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
    if (!has_x2 || !has_tscdl) return 1;

    /* xAPIC: the page follows IA32_APIC_BASE (SDM 11.4.4). */
    /* Software-disabled (SVR bit 8 clear): LVT entries stay masked (SDM 11.4.7.2). */
    wr32(LAPIC_BASE + SVR, 0x0FF);
    wr32(LAPIC_BASE + LVT_TIMER, 0x42);
    kv("sw_disabled_lvt_timer", rd32(LAPIC_BASE + LVT_TIMER));
    wr32(LAPIC_BASE + SVR, 0x1FF);
    wr32(LAPIC_BASE + LVT_TIMER, 0x42);
    kv("sw_enabled_lvt_timer", rd32(LAPIC_BASE + LVT_TIMER));
    wr32(LAPIC_BASE + LVT_TIMER, 1u << 16);
    u32 version = rd32(LAPIC_BASE + 0x30);
    wrmsr(APIC_BASE_MSR, ALT_BASE | (base & 0xFFF));
    kv("relocated_base", (u32)rdmsr(APIC_BASE_MSR));
    kv("relocated_version_same", rd32(ALT_BASE + 0x30) == version);
    kv("old_page_after_move", rd32(LAPIC_BASE + 0x30));     /* nothing there now: all ones */
    wr32(ALT_BASE + TPR, 0x30);
    kv("relocated_tpr", rd32(ALT_BASE + TPR));
    wr32(ALT_BASE + TPR, 0);
    wrmsr(APIC_BASE_MSR, base);
    kv("restored_version_same", rd32(LAPIC_BASE + 0x30) == version);
    kv("xapic_gp_x2apic_msr", rd_faults(X2(0x30)));
    kv("gp_extd_without_en", wr_faults(APIC_BASE_MSR, (base & ~(u64)(EN | EXTD)) | EXTD));
    kv("base_after_gp", (u32)rdmsr(APIC_BASE_MSR));

    /* x2APIC mode: registers as MSRs; IDs and the logical ID derived from the ID (SDM 11.12.10.2). */
    wrmsr(APIC_BASE_MSR, base | EXTD);
    kv("x2_base", (u32)rdmsr(APIC_BASE_MSR));
    u32 id = x2r(0x020);
    kv("x2_id", id);
    kv("x2_version_low", x2r(0x030) & 0xFF);
    /* Not compared: the logical ID derived from the ID, LDR = (ID[19:4] << 16) | 1 << ID[3:0]
     * (SDM 11.12.10.2): Bochs 2.7 derives it only when leaving x2APIC mode and reads 0 here;
     * Orrery's value is checked by unit tests (APICTests) and kvm-unit-tests' apic test. */
    kv("x2_svr_kept", x2r(SVR));
    kv("x2_gp_read_dfr", rd_faults(X2(0x0E0)));
    kv("x2_gp_read_eoi", rd_faults(X2(EOI)));
    kv("x2_gp_read_selfipi", rd_faults(X2(SELF_IPI)));
    kv("x2_gp_read_icr2", rd_faults(X2(0x310)));
    kv("x2_gp_read_absent_0x800", rd_faults(0x800));
    kv("x2_gp_write_id", wr_faults(X2(0x020), 5));
    kv("x2_gp_write_version", wr_faults(X2(0x030), 0));
    kv("x2_gp_write_ldr", wr_faults(X2(0x0D0), 0));
    kv("x2_gp_write_ppr", wr_faults(X2(PPR), 0));
    kv("x2_gp_tpr_reserved_high", wr_faults(X2(TPR), 1ull << 32));
    kv("x2_gp_to_xapic", wr_faults(APIC_BASE_MSR, base));
    kv("x2_base_after_gp", (u32)rdmsr(APIC_BASE_MSR));
    kv("x2_mmio_gone", rd32(LAPIC_BASE + 0x30) != version);
    x2w(TPR, 0x20); kv("x2_tpr", x2r(TPR)); kv("x2_ppr", x2r(PPR)); x2w(TPR, 0);

    /* Self-IPIs: the SELF_IPI register and the ICR with shorthand 01 (self), SDM 11.12.11. */
    sti(); x2w(SELF_IPI, 0x40); __asm__ volatile("nop; nop"); cli();
    kv("selfipi_hits", hits[0x40]);
    sti(); wrmsr(X2(ICR), (1u << 18) | 0x44); __asm__ volatile("nop; nop"); cli();
    kv("icr_self_hits", hits[0x44]);
    /* Not compared: reading the ICR back (one 64-bit MSR in x2APIC mode, SDM 11.12.9): Bochs 2.7
     * sends the IPI without latching the value and returns the BIOS's last xAPIC ICR (its SIPI). */

    /* TPR blocks a class at or below it: the vector waits in IRR; PPR is the in-service class
     * while the handler runs; dropping TPR delivers it (SDM 11.8.3). */
    x2w(TPR, 0x50);
    sti(); x2w(SELF_IPI, 0x41); spin(1000); cli();
    kv("tpr_blocked_hits", hits[0x41]);
    kv("tpr_blocked_irr", x2bit(IRR0, 0x41));
    kv("tpr_blocked_ppr", x2r(PPR));
    x2w(TPR, 0);
    sti(); __asm__ volatile("nop; nop"); cli();
    kv("unblocked_hits", hits[0x41]);
    kv("in_handler_ppr", ppr_in_41);
    kv("in_handler_isr", isr_in_41);
    kv("after_eoi_isr", x2bit(ISR0, 0x41));
    kv("after_eoi_irr", x2bit(IRR0, 0x41));
    /* Two pending vectors are delivered highest first. */
    norder = 0;
    x2w(TPR, 0xF0);
    x2w(SELF_IPI, 0x44); x2w(SELF_IPI, 0x61);
    x2w(TPR, 0);
    sti(); spin(1000); cli();
    kv("order_count", norder);
    kv("order_first", order[0]);
    kv("order_second", order[1]);
    kv("x2_gp_eoi_nonzero", wr_faults(X2(EOI), 1));
    kv("x2_gp_esr_nonzero", wr_faults(X2(ESR), 1));         /* ESR and EOI take only 0 */

    apic_timer_checks(x2r, x2w, x2bit);

    /* TSC-deadline mode (SDM 11.5.4.1): the initial count is ignored, MSR 0x6E0 arms it. */
    x2w(LVT_TIMER, (2u << 17) | 0x50);
    kv("tscdl_lvt", x2r(LVT_TIMER));
    x2w(TIMER_INITIAL, 1000);
    kv("tscdl_initial_ignored", x2r(TIMER_INITIAL));
    u64 far = rdtsc() + (1ull << 40);
    wrmsr(TSC_DEADLINE_MSR, far);
    kv("tscdl_far_armed", rdmsr(TSC_DEADLINE_MSR) == far);
    spin(200000);
    kv("tscdl_far_hits", hits[0x50]);
    wrmsr(TSC_DEADLINE_MSR, 0);
    kv("tscdl_disarmed", (u32)rdmsr(TSC_DEADLINE_MSR));
    u64 deadline = rdtsc() + 400000;
    wrmsr(TSC_DEADLINE_MSR, deadline);
    kv("tscdl_armed", rdmsr(TSC_DEADLINE_MSR) == deadline);
    wait_hits(0x50, 1);
    kv("tscdl_hits", hits[0x50]);
    kv("tscdl_not_before_deadline", tsc_at_50 >= deadline);
    /* Not compared: MSR 0x6E0 reads 0 after the interrupt (SDM 11.5.4.1: the timer "disarms
     * itself and clears the IA32_TSC_DEADLINE MSR"; kvm-unit-tests checks it as "tsc deadline
     * timer clearing"); Bochs 2.7 keeps returning the deadline. */
    wrmsr(TSC_DEADLINE_MSR, 1);                           /* passed: fires at once */
    wait_hits(0x50, 2);
    kv("tscdl_past_hits", hits[0x50]);
    x2w(LVT_TIMER, 1u << 16);                             /* leaving TSC-deadline mode */

    /* Leave x2APIC mode the legal way: disable (CPUID then hides the APIC, SDM 11.4.3). */
    wrmsr(APIC_BASE_MSR, base & ~(u64)(EN | EXTD));
    kv("disabled_base", (u32)rdmsr(APIC_BASE_MSR));
    kv("disabled_cpuid_apic", apic_bit());
    kv("gp_total", gp_count);
    return 0;
}
