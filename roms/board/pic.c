// roms/board/pic.c: the 8259A pair, driven through QEMU's pc-testdev IRQ lines (port 0x2000+n
// raises or lowers ISA IRQ n; Orrery's board has the same device): ELCR read-back, edge
// triggering (IRR latches a rising edge; the line falling leaves it), level triggering (IRR
// follows the line), poll mode (OCW3 poll; with the input masked it reports nothing), a slave
// input (IRQ 10, level), and delivery by priority with specific and non-specific EOI (IRQ 3
// before IRQ 5; ISR read inside each handler).
#include "board.h"

static void line(int irq, int level) { outb(0x2000 + irq, (u8)level); }
static u8 irr(u16 base) { outb(base, 0x0A); return inb(base); }
static u8 isr(u16 base) { outb(base, 0x0B); return inb(base); }
static void show(const char *what) {
    puts(what); puts(": irr "); hex(irr(0x20), 2); puts("/"); hex(irr(0xA0), 2);
    puts(" isr "); hex(isr(0x20), 2); puts("/"); hex(isr(0xA0), 2); puts("\n");
}

static volatile u32 order[4], seen_isr[4], count;
static ISR irq3_isr(struct frame *f) { (void)f; order[count] = 3; seen_isr[count++] = isr(0x20); outb(0x20, 0x63); }
static ISR irq5_isr(struct frame *f) { (void)f; order[count] = 5; seen_isr[count++] = isr(0x20); outb(0x20, 0x20); }
static ISR spurious_isr(struct frame *f) { (void)f; order[count] = 7; seen_isr[count++] = isr(0x20); }

u32 board_main(u32 magic, u32 info) {
    (void)magic; (void)info;
    set_gate(0x23, irq3_isr);
    set_gate(0x25, irq5_isr);
    set_gate(0x27, spurious_isr);
    set_gate(0x2F, spurious_isr);
    load_idt();
    pic_init(0x20);
    outb(0x21, 0xFF); outb(0xA1, 0xFF);            /* everything masked */
    lapic_virtual_wire();
    for (int n = 0; n < 16; n++) line(n, 0);

    outb(0x4D0, 0xFF); outb(0x4D1, 0xFF);
    puts("elcr_ones: "); hex(inb(0x4D0), 2); puts(" "); hex(inb(0x4D1), 2); puts("\n");
    outb(0x4D0, 0x00); outb(0x4D1, 0x00);
    show("idle");

    line(5, 1); show("edge irq5 raised");
    line(5, 0); show("edge irq5 lowered");
    outb(0x20, 0x0C); puts("poll: "); hex(inb(0x20), 2); puts("\n");
    show("after poll");
    outb(0x20, 0x20); show("after eoi");

    outb(0x4D0, 0x20);                              /* IRQ 5 level-triggered */
    line(5, 1); show("level irq5 high");
    line(5, 0); show("level irq5 low");
    outb(0x4D0, 0x00);

    outb(0x4D1, 0x04);                              /* IRQ 10 level-triggered, via the cascade */
    line(10, 1); show("level irq10 high");
    line(10, 0); show("level irq10 low");
    outb(0x4D1, 0x00);

    outb(0x21, 0xD3);                               /* unmask IRQ 2 (cascade), 3 and 5 */
    line(5, 1); line(3, 1);
    sti_hlt();
    for (int i = 0; i < 100 && count < 2; i++) sti_hlt();
    line(5, 0); line(3, 0);
    for (u32 i = 0; i < count; i++) { puts("interrupt irq"); dec(order[i]); puts(" isr "); hex(seen_isr[i], 2); puts("\n"); }
    show("after both");
    return 0;
}
