// roms/board/rtc.c: the MC146818 RTC's three interrupt sources on IRQ 8 (8259 slave input 0,
// through the cascade and the local APIC's virtual wire): periodic (PIE, 1024 Hz: five
// interrupts, each with IRQF|PF in register C), update-ended (UIE: UF) and alarm (AIE with
// "don't care" alarm bytes, so it matches every second: AF). Between interrupts the CPU sleeps
// in STI; HLT. First the date and time: every machine starts the RTC at 2001-02-03 04:05:06 UTC
// (roms/board/rtc.args: QEMU -rtc base=, Orrery --rtc-epoch, Bochs time0); QEMU's clock then
// runs with the host's, so only the minute prints (the run lasts far less than 54 seconds).
#include "board.h"

static u8 cmos_read(u8 i) { outb(0x70, i); return inb(0x71); }
static void cmos_write(u8 i, u8 v) { outb(0x70, i); outb(0x71, v); }

static volatile u32 ticks;
static volatile u8 last_c;

static ISR rtc_isr(struct frame *f) {
    (void)f;
    last_c = cmos_read(0x0C);                  /* reading C acknowledges (lowers IRQ 8) */
    ticks++;
    pic_eoi(8);
}
static ISR spurious_isr(struct frame *f) { (void)f; }

static void wait_ticks(u32 n) { u32 start = ticks; while (ticks - start < n) sti_hlt(); }

u32 board_main(u32 magic, u32 info) {
    (void)magic; (void)info;
    set_gate(0x28, rtc_isr);
    set_gate(0x27, spurious_isr);
    set_gate(0x2F, spurious_isr);
    load_idt();
    pic_init(0x20);
    pic_unmask(8);
    lapic_virtual_wire();
    while (cmos_read(0x0A) & 0x80) {}           /* UIP: an update is due within 244 us */
    u8 year = cmos_read(0x09), month = cmos_read(0x08), day = cmos_read(0x07);
    u8 hour = cmos_read(0x04), minute = cmos_read(0x02), century = cmos_read(0x32);
    puts("date "); hex(century, 2); hex(year, 2); puts("-"); hex(month, 2); puts("-"); hex(day, 2);
    puts(" "); hex(hour, 2); puts(":"); hex(minute, 2); puts(" (BCD)\n");
    cmos_write(0x0A, 0x26);                    /* 32.768 kHz base, rate 6: 1024 Hz */
    cmos_write(0x0B, 0x02);                    /* 24-hour, BCD, no interrupts */
    (void)cmos_read(0x0C);
    puts("reg_a="); hex(cmos_read(0x0A) & 0x7F, 2); puts(" reg_b="); hex(cmos_read(0x0B), 2);
    puts(" reg_d="); hex(cmos_read(0x0D), 2); puts("\n");

    cmos_write(0x0B, 0x42);                    /* PIE */
    wait_ticks(5);
    cmos_write(0x0B, 0x02);
    puts("periodic: 5 interrupts, C="); hex(last_c & 0xF0, 2); puts("\n");

    (void)cmos_read(0x0C);
    cmos_write(0x0B, 0x12);                    /* UIE */
    wait_ticks(1);
    cmos_write(0x0B, 0x02);
    puts("update-ended: C&UF|IRQF="); hex(last_c & 0x90, 2); puts("\n");

    cmos_write(0x01, 0xC0); cmos_write(0x03, 0xC0); cmos_write(0x05, 0xC0);   /* alarm: any time */
    (void)cmos_read(0x0C);
    cmos_write(0x0B, 0x22);                    /* AIE */
    wait_ticks(1);
    cmos_write(0x0B, 0x02);
    puts("alarm: C&AF|IRQF="); hex(last_c & 0xA0, 2); puts("\n");
    puts("interrupts total="); dec(ticks); puts("\n");
    return 0;
}
