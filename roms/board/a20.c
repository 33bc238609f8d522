// roms/board/a20.c: the A20 gate. With A20 disabled, physical address bit 20 is forced to 0:
// every odd megabyte aliases the even one below it (the 8086's wrap at 1 MiB). Controls: port
// 0x92 bit 1 ("fast A20") and the i8042's output port bit 1 (command 0xD1 + data byte, 0xDD
// disable, 0xDF enable). On QEMU both drive one line and the last write wins, which the last
// cases check. Data accesses, instruction fetches (a routine at 5 MiB runs the copy at 4 MiB)
// and page-table reads (a page directory at 5 MiB is read from 4 MiB) are all masked.
// Linked at 2 MiB (roms/board/a20.ld), an even megabyte, so code, data and stack do not move
// when A20 goes off.
#include "board.h"

#define EVEN 0x00400000u
#define ODD  0x00500000u        /* EVEN | 1 MiB */

static int wait_in(void) { for (int i = 0; i < 100000; i++) if (!(inb(0x64) & 2)) return 1; return 0; }
static int wait_out(void) { for (int i = 0; i < 100000; i++) if (inb(0x64) & 1) return 1; return 0; }
static void kbc_cmd(u8 c) { wait_in(); outb(0x64, c); }
static void kbc_data(u8 d) { wait_in(); outb(0x60, d); }
static u8 kbc_outport(void) {
    while (inb(0x64) & 1) (void)inb(0x60);
    kbc_cmd(0xD0);
    return wait_out() ? inb(0x60) : 0xEE;
}

/* Writes distinct words at EVEN and ODD with A20 on, then reports what the current gate
   state shows: "alias" when ODD reads EVEN's word and a store to ODD lands at EVEN. */
static void show(const char *what) {
    puts(what); puts(": ");
    u32 even = rd32(EVEN), odd = rd32(ODD);
    wr32(ODD + 4, 0x0DD0DD00);
    u32 even4 = rd32(EVEN + 4);
    puts(odd == even ? "alias" : "distinct");
    puts(" even="); hex(even, 8); puts(" odd="); hex(odd, 8);
    puts(" store_odd_reaches_even="); puts(even4 == 0x0DD0DD00 ? "yes" : "no");
    puts("\n");
}
static void seed(void) {            /* needs A20 on */
    wr32(EVEN, 0xEEEE0000); wr32(ODD, 0x0DD00001);
    wr32(EVEN + 4, 0); wr32(ODD + 4, 0);
}

static void a20_port92(int on) { outb(0x92, (u8)((inb(0x92) & ~0x03) | (on ? 0x02 : 0))); }

/* A routine at EVEN + 0x100 returns 1, its twin at ODD + 0x100 returns 2. */
static u32 call_odd_routine(void) {
    u32 (*fn)(void) = (u32 (*)(void))(ODD + 0x100);
    return fn();
}

/* PSE paging: 4 MiB pages; the page directory lives at ODD + 0x1000 (and a decoy at EVEN +
   0x1000 that maps virtual 0x80000000 somewhere else): with A20 off the walk reads the decoy. */
static u32 read_through_paging(void) {
    u32 cr4; __asm__ volatile("mov %%cr4,%0" : "=r"(cr4));
    __asm__ volatile("mov %0,%%cr4" :: "r"(cr4 | 0x10));
    __asm__ volatile("mov %0,%%cr3" :: "r"(ODD + 0x1000));
    u32 cr0; __asm__ volatile("mov %%cr0,%0" : "=r"(cr0));
    __asm__ volatile("mov %0,%%cr0" :: "r"(cr0 | 0x80000000u) : "memory");
    u32 v = rd32(0x80200000u);      /* the 4 MiB page at 0x80000000 -> 0x00400000 or 0x00800000 */
    __asm__ volatile("mov %0,%%cr0" :: "r"(cr0) : "memory");
    __asm__ volatile("mov %0,%%cr4" :: "r"(cr4));
    return v;
}

u32 board_main(u32 magic, u32 info) {
    (void)magic; (void)info;
    puts("port92_at_start="); hex(inb(0x92) & 0x02, 2); puts("\n");
    puts("kbc_outport_a20_at_start="); hex(kbc_outport() & 0x02, 2); puts("\n");

    seed(); show("a20 on (start)");
    a20_port92(0); show("port92 off");
    puts("port92_reads="); hex(inb(0x92) & 0x02, 2); puts("\n");
    a20_port92(1); show("port92 on");

    seed(); kbc_cmd(0xDD); show("kbc 0xDD (off)");
    puts("kbc_outport_a20="); hex(kbc_outport() & 0x02, 2); puts("\n");
    kbc_cmd(0xDF); show("kbc 0xDF (on)");
    seed(); kbc_cmd(0xD1); kbc_data(0xCD); show("kbc 0xD1 0xCD (off)");
    kbc_cmd(0xD1); kbc_data(0xCF); show("kbc 0xD1 0xCF (on)");

    /* One line, last write wins (QEMU): off through port 0x92, on through the i8042 ... */
    seed(); a20_port92(0); kbc_cmd(0xDF); show("port92 off then kbc on");
    /* ... and off through the i8042, on through port 0x92. */
    seed(); kbc_cmd(0xDD); a20_port92(1); show("kbc off then port92 on");
    /* Rewriting the same i8042 value still drives the line: port 0x92 off, kbc 0xDF again. */
    seed(); a20_port92(0); kbc_cmd(0xD1); kbc_data(0xCF); show("port92 off then kbc 0xD1 0xCF");
    a20_port92(1);

    /* Instruction fetch: mov $1,%eax; ret at EVEN+0x100 and mov $2,%eax; ret at ODD+0x100. */
    static const u8 r1[] = { 0xB8, 1, 0, 0, 0, 0xC3 }, r2[] = { 0xB8, 2, 0, 0, 0, 0xC3 };
    for (int i = 0; i < 6; i++) { ((volatile u8 *)(EVEN + 0x100))[i] = r1[i]; ((volatile u8 *)(ODD + 0x100))[i] = r2[i]; }
    puts("fetch a20 on: "); dec(call_odd_routine()); puts("\n");
    a20_port92(0);
    puts("fetch a20 off: "); dec(call_odd_routine()); puts("\n");
    a20_port92(1);
    puts("fetch a20 on again: "); dec(call_odd_routine()); puts("\n");

    /* Page walk: directories at ODD+0x1000 (real) and EVEN+0x1000 (decoy). Both identity-map
       0-8 MiB; entry 512 (0x80000000) maps 0x00400000 (real) or 0x00800000 (decoy). */
    volatile u32 *pd = (volatile u32 *)(ODD + 0x1000), *decoy = (volatile u32 *)(EVEN + 0x1000);
    for (int i = 0; i < 1024; i++) { pd[i] = 0; decoy[i] = 0; }
    pd[0] = decoy[0] = 0x00000083; pd[1] = decoy[1] = 0x00400083;
    pd[512] = 0x00400083; decoy[512] = 0x00800083;
    wr32(0x00600000, 0x11111111); wr32(0x00A00000, 0x22222222);
    puts("paging a20 on: "); hex(read_through_paging(), 8); puts("\n");
    a20_port92(0);
    puts("paging a20 off: "); hex(read_through_paging(), 8); puts("\n");
    a20_port92(1);
    puts("done\n");
    return 0;
}
