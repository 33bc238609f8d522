// roms/board/lapic.c: the local APIC through its xAPIC page at 0xFEE00000 (Intel SDM vol. 3A
// ch. 11), compared with QEMU (tools/run-board-roms.sh) and Bochs (lapic.args). It prints only
// machine-independent facts: register read-backs, self-IPIs through the ICR (shorthand and
// physical destination), TPR/PPR gating, ISR/IRR bits, EOI, delivery order, and the timer:
// divide configuration, one-shot (count decreasing, one interrupt, then 0), periodic, a masked
// timer (it counts, but does not interrupt).
// The x2APIC and TSC-deadline side is roms/apic/x2apic.c (QEMU's TCG has neither).
#include "board.h"

#define ID 0x020
#define VERSION 0x030
#define TPR 0x080
#define PPR 0x0A0
#define EOI 0x0B0
#define LDR 0x0D0
#define DFR 0x0E0
#define SVR 0x0F0
#define ISR0 0x100
#define IRR0 0x200
#define ICR_LOW 0x300
#define ICR_HIGH 0x310
#define LVT_TIMER 0x320
#define TIMER_INITIAL 0x380
#define TIMER_CURRENT 0x390
#define TIMER_DIVIDE 0x3E0

static u32 ar(u32 off) { return rd32(LAPIC_BASE + off); }
static void aw(u32 off, u32 v) { wr32(LAPIC_BASE + off, v); }
/* Bit `v` of a 256-bit ISR/IRR set: eight 32-bit registers 16 bytes apart. */
static u32 abit(u32 set, u32 v) { return (ar(set + (v / 32) * 16) >> (v % 32)) & 1; }

static volatile u32 hits[256];
static volatile u32 order[8], norder;
static volatile u32 ppr_in_41, isr_in_41;
static void note(u32 v) { hits[v]++; if (norder < 8) order[norder++] = v; aw(EOI, 0); }
static ISR vec41(struct frame *f) { (void)f; ppr_in_41 = ar(PPR); isr_in_41 = abit(ISR0, 0x41); note(0x41); }
static ISR vec40(struct frame *f) { (void)f; note(0x40); }
static ISR vec42(struct frame *f) { (void)f; note(0x42); }
static ISR vec43(struct frame *f) { (void)f; note(0x43); }
static ISR vec44(struct frame *f) { (void)f; note(0x44); }
static ISR vec61(struct frame *f) { (void)f; note(0x61); }

/* Spins with interrupts on until hits[v] reaches n (bounded: a lost interrupt ends the wait). */
static void wait_hits(u32 v, u32 n) {
    sti();
    for (u32 i = 0; i < 50000000u && hits[v] < n; i++) __asm__ volatile("pause");
    cli();
}
static void spin(u32 n) { sti(); for (volatile u32 i = 0; i < n; i++) { } cli(); }

#include "apic-timer.h"

u32 board_main(u32 magic, u32 info) {
    (void)magic; (void)info;
    set_gate(0x40, vec40); set_gate(0x41, vec41); set_gate(0x42, vec42); set_gate(0x43, vec43);
    set_gate(0x44, vec44); set_gate(0x61, vec61);
    load_idt();
    pic_init(0x20);
    outb(0x21, 0xFF); outb(0xA1, 0xFF);            /* 8259 fully masked: only APIC vectors */

    /* Enable with spurious vector 0xFF. (Not checked here: while software-disabled, LVT writes
     * keep the mask bit, SDM 11.4.7.2; QEMU 7.2 lets them clear it. roms/apic/x2apic.c checks it
     * against Bochs.) */
    aw(SVR, 0x1FF);
    kv("svr", ar(SVR));
    kv("version_low", ar(VERSION) & 0xFF);
    u32 id = ar(ID) >> 24;
    kv("id", id);
    aw(LDR, 0x01000000); kv("ldr", ar(LDR));
    aw(DFR, 0xFFFFFFFF); kv("dfr_flat", ar(DFR));
    aw(TPR, 0x20); kv("tpr", ar(TPR)); kv("ppr", ar(PPR)); aw(TPR, 0);

    /* Self-IPIs through the ICR: shorthand 01 (self), then physical destination = own ID. */
    sti(); aw(ICR_LOW, (1u << 18) | 0x40); __asm__ volatile("nop; nop"); cli();
    kv("icr_self_hits", hits[0x40]);
    kv("icr_idle", ar(ICR_LOW) & (1u << 12));          /* delivery status: idle again */
    aw(ICR_HIGH, id << 24);
    sti(); aw(ICR_LOW, 0x44); __asm__ volatile("nop; nop"); cli();
    kv("icr_physical_hits", hits[0x44]);
    kv("icr_high", ar(ICR_HIGH));

    /* TPR blocks a class at or below it: the vector waits in IRR; PPR is the in-service class
     * while the handler runs; lowering TPR delivers it (SDM 11.8.3). */
    aw(TPR, 0x50);
    sti(); aw(ICR_LOW, (1u << 18) | 0x41); spin(1000); cli();
    kv("tpr_blocked_hits", hits[0x41]);
    kv("tpr_blocked_irr", abit(IRR0, 0x41));
    kv("tpr_blocked_ppr", ar(PPR));
    aw(TPR, 0);
    sti(); __asm__ volatile("nop; nop"); cli();
    kv("unblocked_hits", hits[0x41]);
    kv("in_handler_ppr", ppr_in_41);
    kv("in_handler_isr", isr_in_41);
    kv("after_eoi_isr", abit(ISR0, 0x41));
    kv("after_eoi_irr", abit(IRR0, 0x41));
    /* Two pending vectors are delivered highest first. */
    norder = 0;
    aw(TPR, 0xF0);
    aw(ICR_LOW, (1u << 18) | 0x44); aw(ICR_LOW, (1u << 18) | 0x61);
    aw(TPR, 0);
    sti(); spin(1000); cli();
    kv("order_count", norder);
    kv("order_first", order[0]);
    kv("order_second", order[1]);

    /* Not checked: an illegal vector (0-15) in the ICR. The SDM (11.5.3) says it is not sent
     * and sets an ESR error; QEMU 7.2 delivers it through the IDT, Bochs sets "receive illegal
     * vector", Orrery "send illegal vector" (APICTests). */

    apic_timer_checks(ar, aw, abit);
    return 0;
}
