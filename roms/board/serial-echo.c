// roms/board/serial-echo.c: a guest that echoes COM1 input, interrupt-driven (IER receive
// interrupt -> IRQ 4 -> 8259 -> LAPIC LINT0 ExtINT; the CPU sleeps in STI; HLT between bytes).
// Each byte comes back upper-cased, a newline as CR LF; 'q' ends the run with a count of the
// bytes received, through isa-debug-exit (status 1). All output goes to COM1 only (no port
// 0xE9), so QEMU's -serial stdio and `orrery run` print the same text for the same input.
// tools/run-serial-echo.sh feeds it input live, records it, replays it twice (same output,
// same state hash) and compares with QEMU.
#include "board.h"

#define COM1 0x3F8
static volatile int done;
static volatile u32 received;

static void com_putc(char c) {
    while (!(inb(COM1 + 5) & 0x20)) {}     /* LSR.THRE */
    outb(COM1, (u8)c);
}
static void com_puts(const char *s) { while (*s) com_putc(*s++); }

static ISR com1_isr(struct frame *f) {
    (void)f;
    while (inb(COM1 + 5) & 0x01) {         /* LSR.DR: drain the receive buffer */
        char c = (char)inb(COM1);
        received++;
        if (c == 'q') { done = 1; continue; }
        if (c == '\n') { com_puts("\r\n"); continue; }
        if (c >= 'a' && c <= 'z') c = (char)(c - 32);
        com_putc(c);
    }
    pic_eoi(4);
}
static ISR spurious_isr(struct frame *f) { (void)f; }

u32 board_main(u32 magic, u32 info) {
    (void)magic; (void)info;
    set_gate(0x24, com1_isr);
    set_gate(0x27, spurious_isr);
    set_gate(0x2F, spurious_isr);
    load_idt();
    pic_init(0x20);
    pic_unmask(4);
    lapic_virtual_wire();
    /* 115200 8N1; FIFOs left off (enabling them would clear a byte that arrived before us). */
    outb(COM1 + 3, 0x80); outb(COM1 + 0, 1); outb(COM1 + 1, 0); outb(COM1 + 3, 0x03);
    outb(COM1 + 4, 0x0B);                  /* DTR, RTS, OUT2 (OUT2 gates the IRQ onto the bus) */
    com_puts("echo ready\r\n");
    outb(COM1 + 1, 0x01);                  /* IER: received data available */
    while (!done) sti_hlt();
    com_puts("\r\nreceived ");
    char b[12]; int n = 0; u32 v = received;
    do { b[n++] = (char)('0' + v % 10); v /= 10; } while (v);
    while (n) com_putc(b[--n]);
    com_puts(" bytes\r\n");
    return 0;
}
