// roms/board/highmem.c: RAM above the PCI hole. With 4 GiB of RAM the PC board keeps 3 GiB
// below the hole and puts the last 1 GiB at 4 GiB (QEMU `pc`, Orrery: the same layout).
// Prints the Multiboot memory-map RAM entries at or above 4 GiB, then maps physical 4-5 GiB at
// virtual 1-2 GiB with PAE 2 MiB pages and checks that stores there read back, fill the whole
// GiB (one word per 2 MiB page) and never alias low RAM. Run with 4 GiB of RAM (roms/board/highmem.args).
#include "board.h"

static u64 pdpt[4] __attribute__((aligned(32)));
static u64 pd_low[512] __attribute__((aligned(4096)));
static u64 pd_high[512] __attribute__((aligned(4096)));

u32 board_main(u32 magic, u32 info) {
    (void)magic;
    u32 flags = *(u32 *)info;
    if (!(flags & (1 << 6))) { puts("no memory map\n"); return 3; }
    u32 len = *(u32 *)(info + 44), addr = *(u32 *)(info + 48);
    for (u32 p = addr; p < addr + len; p += *(u32 *)p + 4) {
        u64 base = *(u64 *)(p + 4), size = *(u64 *)(p + 12);
        u32 type = *(u32 *)(p + 20);
        if (base < (1ull << 32) || type != 1) continue;    /* RAM only (QEMU also reserves 0xfd00000000) */
        puts("e820 "); hex((u32)(base >> 32), 8); hex((u32)base, 8); puts(" + ");
        hex((u32)(size >> 32), 8); hex((u32)size, 8); puts(" type "); dec(type); puts("\n");
    }
    /* PAE paging: 0-1 GiB identity (this program), 1-2 GiB -> physical 4-5 GiB. */
    for (u32 i = 0; i < 512; i++) {
        pd_low[i] = ((u64)i << 21) | 0x83;                       /* present, writable, 2 MiB */
        pd_high[i] = (1ull << 32) + ((u64)i << 21) + 0x83;
    }
    pdpt[0] = (u32)pd_low | 1;
    pdpt[1] = (u32)pd_high | 1;
    u32 cr4; __asm__ volatile("mov %%cr4,%0" : "=r"(cr4));
    __asm__ volatile("mov %0,%%cr4" :: "r"(cr4 | 0x20));
    __asm__ volatile("mov %0,%%cr3" :: "r"((u32)pdpt));
    u32 cr0; __asm__ volatile("mov %%cr0,%0" : "=r"(cr0));
    __asm__ volatile("mov %0,%%cr0" :: "r"(cr0 | 0x80000000u) : "memory");

    /* Canaries in low RAM at the offsets the high stores use (an aliasing bug would hit them). */
    for (u32 i = 0; i < 8; i++) wr32(0x02000000 + i * 0x200000 + 0x100, 0xC0DE0000 + i);
    u32 sum = 0;
    for (u32 i = 0; i < 512; i++) wr32(0x40000000 + i * 0x200000 + 0x100, 0x5A000000 ^ (i * 2654435761u));
    for (u32 i = 0; i < 512; i++) {
        u32 v = rd32(0x40000000 + i * 0x200000 + 0x100);
        if (v != (0x5A000000 ^ (i * 2654435761u))) { puts("mismatch at page "); dec(i); puts("\n"); return 4; }
        sum += v;
    }
    wr32(0x40000000 + 0x3FFFFFFC, 0x1234ABCD);              /* the last word of RAM */
    kv("last_word", rd32(0x40000000 + 0x3FFFFFFC));
    kv("checksum", sum);
    for (u32 i = 0; i < 8; i++) {
        if (rd32(0x02000000 + i * 0x200000 + 0x100) != 0xC0DE0000 + i) { puts("low RAM aliased\n"); return 5; }
    }
    puts("high RAM ok: 512 pages above 4 GiB, no aliasing\n");
    return 0;
}
