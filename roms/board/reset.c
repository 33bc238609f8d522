// roms/board/reset.c: the machine's reset paths. A boot counter in CMOS RAM (byte 0x7D,
// battery-backed: it survives a reset on a PC, on QEMU and on Orrery) picks what this boot does:
//   boot 0: reset through the reset control register (port 0xCF9 <- 0x06: SYS_RST | RST_CPU)
//   boot 1: reset through the i8042 (command 0xFE pulses the CPU reset line)
//   boot 2: reset through the FADT's reset register (found from the RSDP, as an OS does)
//   boot 3: a triple fault (an empty IDT, then INT3)
//   boot 4: prints the count and exits through isa-debug-exit (status 1).
// Each boot prints the Multiboot magic it was entered with (the loader ran again).
// QEMU resets without -no-reboot; Orrery with --on-reset reboot --on-triple-fault reset
// (tools/run-board-roms.sh reads the options from the .args file next to this one).
#include "board.h"

static u8 cmos_read(u8 i) { outb(0x70, i); return inb(0x71); }
static void cmos_write(u8 i, u8 v) { outb(0x70, i); outb(0x71, v); }
static int sig(const char *p, const char *s, int n) { for (int i = 0; i < n; i++) if (p[i] != s[i]) return 0; return 1; }

static const u8 *find_fadt(void) {
    for (u32 a = 0xE0000; a < 0x100000; a += 16) {
        const char *p = (const char *)a;
        if (!sig(p, "RSD PTR ", 8)) continue;
        u32 rsdt = *(const u32 *)(p + 16);
        u32 len = *(const u32 *)(rsdt + 4);
        for (u32 e = rsdt + 36; e + 4 <= rsdt + len; e += 4) {
            const char *t = (const char *)*(const u32 *)e;
            if (sig(t, "FACP", 4)) return (const u8 *)t;
        }
    }
    return 0;
}

u32 board_main(u32 magic, u32 info) {
    (void)info;
    u8 boot = cmos_read(0x7D);
    puts("boot "); dec(boot); puts(": magic "); hex(magic, 8); puts("\n");
    cmos_write(0x7D, (u8)(boot + 1));
    switch (boot) {
    case 0:
        puts("reset via 0xcf9\n");
        outb(0xCF9, 0x06);
        break;
    case 1:
        puts("reset via i8042 0xfe\n");
        outb(0x64, 0xFE);
        break;
    case 2: {
        const u8 *f = find_fadt();
        if (!f || *(const u32 *)(f + 4) < 129) { puts("no FADT reset register\n"); return 3; }
        u32 port = *(const u32 *)(f + 120);
        puts("reset via FADT reset register: space "); dec(f[116]); puts(" port "); hex(port, 4);
        puts("\n");                            /* (the value differs: QEMU 0x0f, Orrery 0x06) */
        if (f[116] == 1) outb((u16)port, f[128]);
        break;
    }
    case 3: {
        puts("triple fault\n");
        struct { u16 limit; u32 base; } __attribute__((packed)) empty = { 0, 0 };
        __asm__ volatile("lidt %0; int3" :: "m"(empty));
        break;
    }
    default:
        cmos_write(0x7D, 0);
        puts("done after "); dec(boot); puts(" resets\n");
        return 0;
    }
    for (int i = 0; i < 1000000; i++) __asm__ volatile("pause");
    puts("reset did not happen\n");
    return 2;
}
