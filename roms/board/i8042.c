// roms/board/i8042.c: the 8042 keyboard controller: controller self-test (0xAA -> 0x55),
// keyboard interface test (0xAB), the command byte (0x60/0x20), the output port's A20 bit
// (0xD0, and 0xD1/0xDF keeping it on), keyboard port disable/enable (0xAD/0xAE), and the
// keyboard itself through port 0x60: echo (0xEE), identify (0xF2: ACK, 0xAB 0x83), reset
// (0xFF: ACK, 0xAA), and an unknown command (0xFE resend... not sent: 0xFE is "resend" on the
// keyboard). Results print on port 0xE9; interrupts stay off (command byte IRQ bits cleared).
#include "board.h"

static int wait_out(void) { for (int i = 0; i < 100000; i++) if (inb(0x64) & 1) return 1; return 0; }
static void wait_in(void) { for (int i = 0; i < 100000; i++) if (!(inb(0x64) & 2)) return; }
static void cmd(u8 c) { wait_in(); outb(0x64, c); }
static void data(u8 d) { wait_in(); outb(0x60, d); }
static void drain(void) { for (int i = 0; i < 64 && (inb(0x64) & 1); i++) (void)inb(0x60); }
static void reply(const char *what) {
    puts(what); puts(":");
    int n = 0;
    while (wait_out() && n < 4) { puts(" "); hex(inb(0x60), 2); n++; }
    if (!n) puts(" none");
    puts("\n");
}

u32 board_main(u32 magic, u32 info) {
    (void)magic; (void)info;
    cmd(0xAD); cmd(0xA7);                       /* both ports off while we set up */
    drain();
    cmd(0x60); data(0x44);                      /* command byte: translation, no IRQs, system flag */
    cmd(0x20); reply("command_byte");
    cmd(0xAA); reply("self_test");
    cmd(0x60); data(0x44);                      /* (QEMU's self-test leaves it; write it again) */
    cmd(0xAB); reply("kbd_interface_test");
    cmd(0xD0); wait_out(); { u8 p = inb(0x60); puts("output_port_a20="); hex((p >> 1) & 1, 1); puts("\n"); }
    /* A20 stays on: this program runs above 1 MiB, where A20 off would alias its own code
     * (QEMU masks A20; Orrery's CPU does not yet). Writing the output port with A20 set: */
    cmd(0xDF);
    cmd(0xD1); data(0xDF);
    cmd(0xD0); wait_out(); { u8 p = inb(0x60); puts("a20_after_d1_df="); hex((p >> 1) & 1, 1); puts("\n"); }
    cmd(0xAD);
    cmd(0x20); wait_out(); { u8 c = inb(0x60); puts("kbd_disabled_bit="); hex((c >> 4) & 1, 1); puts("\n"); }
    cmd(0xAE);
    cmd(0x20); wait_out(); { u8 c = inb(0x60); puts("kbd_enabled_bit="); hex((c >> 4) & 1, 1); puts("\n"); }
    drain();
    data(0xEE); reply("kbd_echo");
    data(0xF2); reply("kbd_identify");
    data(0xF5); reply("kbd_disable_scanning");
    data(0xFF); reply("kbd_reset");
    data(0xF4); reply("kbd_enable_scanning");
    puts("status_idle="); hex(inb(0x64) & 0x03, 2); puts("\n");
    return 0;
}
