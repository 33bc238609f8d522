// roms/board/apic-timer.h: the local APIC timer checks shared by roms/board/lapic.c (xAPIC page)
// and roms/apic/x2apic.c (x2APIC MSRs): the same sequence through either register interface,
// so both guests print the same lines for it. The includer defines the register offsets
// (TIMER_DIVIDE, LVT_TIMER, TIMER_INITIAL, TIMER_CURRENT, IRR0), `hits[]` (interrupts counted per
// vector), spin() and wait_hits(); `read`/`write` access a register by its xAPIC offset and
// `bit(set, v)` reads vector v's bit of the 256-bit register at `set` (ISR/TMR/IRR).
static void apic_timer_checks(u32 (*read)(u32), void (*write)(u32, u32), u32 (*bit)(u32, u32)) {
    /* Timer: divide configuration (bits 0, 1, 3), one-shot, periodic, masking (SDM 11.5.4). */
    write(TIMER_DIVIDE, 0xB); kv("divide_by_1", read(TIMER_DIVIDE));
    write(TIMER_DIVIDE, 0x3); kv("divide_by_16", read(TIMER_DIVIDE));
    write(TIMER_DIVIDE, 0xB);
    write(LVT_TIMER, 0x42);
    kv("lvt_oneshot", read(LVT_TIMER));
    /* A long count to watch it go down (QEMU's timer runs on host time: a busy host must not
     * make it expire between the two reads), then a short one to wait for. */
    write(TIMER_INITIAL, 0x7FFFFFFF);
    u32 c1 = read(TIMER_CURRENT);
    spin(2000);
    u32 c2 = read(TIMER_CURRENT);
    kv("oneshot_initial", read(TIMER_INITIAL));
    kv("oneshot_count_within_initial", c1 <= 0x7FFFFFFF && c1 > 0);
    kv("oneshot_count_decreasing", c2 < c1);
    kv("oneshot_no_hit_yet", hits[0x42]);
    write(TIMER_INITIAL, 200000);
    wait_hits(0x42, 1);
    kv("oneshot_hits", hits[0x42]);
    kv("oneshot_count_at_end", read(TIMER_CURRENT));
    spin(200000);
    kv("oneshot_hits_later", hits[0x42]);

    write(LVT_TIMER, (1u << 17) | 0x43);
    kv("lvt_periodic", read(LVT_TIMER));
    write(TIMER_INITIAL, 50000);
    wait_hits(0x43, 3);
    kv("periodic_at_least_3", hits[0x43] >= 3);
    kv("periodic_still_counting", read(TIMER_CURRENT) <= 50000);
    write(LVT_TIMER, (1u << 16) | (1u << 17) | 0x43);    /* masked: counts, does not interrupt */
    spin(1000);                                           /* one already in IRR is taken */
    u32 before = hits[0x43];
    spin(500000);
    kv("masked_no_hits", hits[0x43] == before);
    kv("masked_irr_clear", bit(IRR0, 0x43));
    write(TIMER_INITIAL, 0);                              /* a 0 initial count stops the timer */
    kv("stopped_count", read(TIMER_CURRENT));
}
