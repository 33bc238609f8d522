// roms/board/pit.c: the 8254 programmable interval timer, counter 2 (its gate is port 0x61 bit 0
// and its OUT pin reads back at 0x61 bit 5, so it can be tested without interrupts): mode 0's OUT
// rising at terminal count once the gate is high (read-back status: OUT set, count loaded), mode
// 3's status after programming, mode 1's one-shot started by a rising gate edge (OUT low),
// and a BCD count's read-back status. Interrupts stay off.
// Printed are only facts QEMU (the oracle here) and the Intel 8254 datasheet agree on. QEMU's
// i8254 differs from the datasheet elsewhere, so these are checked by Orrery's unit tests
// (Tests/DevicesTests) instead: QEMU keeps counting in mode 0 with the gate low, does not model
// the read-back "null count" bit, and reports OUT high right after programming modes 0/1/2/4/5.
#include "board.h"

#define PIT_CH2 0x42
#define PIT_CMD 0x43
#define PORT_B 0x61

static void gate2(int on) { outb(PORT_B, (u8)((inb(PORT_B) & 0x0C) | (on ? 1 : 0))); }  // speaker data off
static int out2(void) { return (inb(PORT_B) >> 5) & 1; }
/* At least a few 1.193 MHz PIT clocks (~838 ns each) so a written count is loaded (the null
 * count bit clears on the next clock): port reads take time on QEMU, instructions on Orrery. */
static void settle(void) { for (volatile int i = 0; i < 20000; i++) (void)inb(0x80); }
static void program(u8 mode, u16 count, int bcd) {
    outb(PIT_CMD, (u8)(0x80 | 0x30 | (mode << 1) | (bcd ? 1 : 0)));  // counter 2, lobyte/hibyte
    outb(PIT_CH2, (u8)count); outb(PIT_CH2, (u8)(count >> 8));
}
static u8 readback_status(void) { outb(PIT_CMD, 0xE8); return inb(PIT_CH2); }   // status only, counter 2
static int wait_out(int level) { for (int i = 0; i < 20000000; i++) if (out2() == level) return 1; return 0; }

u32 board_main(u32 magic, u32 info) {
    (void)magic; (void)info;
    gate2(0);
    /* Mode 0 with the gate high: OUT rises at terminal count and stays high. */
    program(0, 0x1234, 0);
    settle();
    gate2(1);
    puts("mode0 gate high: out rose="); hex(wait_out(1), 1);
    puts(" status(out,null)="); hex(readback_status() & 0xC0, 2); puts("\n");
    gate2(0);
    /* Mode 3 (square wave): access mode and mode in the read-back status. (Its OUT level is not
     * compared: QEMU keeps counting with the gate low, so there OUT toggles with host time.) */
    program(3, 0x0100, 0);
    settle();
    puts("mode3 programmed: status(rw,mode,bcd)="); hex(readback_status() & 0x3F, 2); puts("\n");
    /* Mode 1: a rising gate edge starts the one-shot: OUT goes low. */
    program(1, 0xFFFF, 0);          /* the longest one-shot (55 ms): a slow host still sees OUT low */
    settle();
    gate2(1);
    puts("mode1 gate edge: out low="); hex(wait_out(0), 1); puts("\n");
    gate2(0);
    /* BCD: the status byte's BCD bit and access mode. */
    program(0, 0x9999, 1);
    settle();
    puts("bcd mode0: status(rw,mode,bcd)="); hex(readback_status() & 0x3F, 2); puts("\n");
    puts("done\n");
    return 0x10;
}
