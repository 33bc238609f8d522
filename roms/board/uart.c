// roms/board/uart.c: the four 16550A UARTs (COM1 0x3F8, COM2 0x2F8, COM3 0x3E8, COM4 0x2E8):
// scratch, LCR and divisor latch, IIR with FIFOs off and on, THR-empty interrupt identification,
// and the loopback path (THR -> RBR, LSR data-ready and overrun, MSR from MCR). Everything is sent
// in loopback mode, so nothing leaves the chips; results print on port 0xE9. The MSR delta bits
// are masked (QEMU sets none in loopback; the chip does). QEMU needs -serial null x4 (uart.args).
#include "board.h"

static const u16 bases[4] = { 0x3F8, 0x2F8, 0x3E8, 0x2E8 };

static void r8(const char *what, u8 v) { puts("  "); puts(what); puts("="); hex(v, 2); puts("\n"); }

u32 board_main(u32 magic, u32 info) {
    (void)magic; (void)info;
    for (int n = 0; n < 4; n++) {
        u16 b = bases[n];
        puts("COM"); dec(n + 1); puts(" at "); hex(b, 4); puts("\n");
        outb(b + 1, 0x00);                               /* IER: nothing */
        outb(b + 7, 0xA5 ^ n); r8("scr", inb(b + 7));
        outb(b + 3, 0x80);                               /* DLAB */
        outb(b + 0, 0x0C); outb(b + 1, 0x00);            /* 9600 baud */
        r8("dll", inb(b + 0)); r8("dlm", inb(b + 1));
        outb(b + 3, 0x1B); r8("lcr", inb(b + 3));        /* 8 bits, even parity, DLAB off */
        outb(b + 2, 0x00); r8("iir_fifo_off", inb(b + 2));
        outb(b + 2, 0x07); r8("iir_fifo_on", inb(b + 2));
        outb(b + 2, 0x00);
        outb(b + 4, 0x10);                               /* loopback */
        (void)inb(b + 5); while (inb(b + 5) & 1) (void)inb(b);
        r8("lsr_idle", inb(b + 5));
        outb(b + 0, (u8)('A' + n));
        r8("lsr_after_thr", inb(b + 5));
        r8("rbr", inb(b + 0));
        r8("lsr_after_rbr", inb(b + 5));
        outb(b + 0, 0x11); outb(b + 0, 0x22);            /* two bytes, no FIFO: overrun */
        r8("lsr_overrun", inb(b + 5));
        r8("lsr_oe_cleared", inb(b + 5));
        r8("rbr_after_overrun", inb(b + 0));
        outb(b + 4, 0x1F);                               /* loopback, DTR RTS OUT1 OUT2 */
        r8("msr_lines", inb(b + 6) & 0xF0);
        outb(b + 4, 0x10);
        r8("msr_lines_off", inb(b + 6) & 0xF0);
        outb(b + 1, 0x02);                               /* IER: THR empty */
        r8("iir_thre", inb(b + 2));
        r8("iir_thre_after_read", inb(b + 2));
        outb(b + 1, 0x01);                               /* IER: data available */
        outb(b + 0, 0x5A);
        r8("iir_rx", inb(b + 2));
        r8("rbr2", inb(b + 0));
        r8("iir_rx_after_read", inb(b + 2));
        outb(b + 1, 0x00); outb(b + 4, 0x00);
    }
    return 0;
}
