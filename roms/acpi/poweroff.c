/* roms/acpi/poweroff.c: a Multiboot v1 (ELF32) test guest for ACPI power-off, run on QEMU and on
 * Orrery with the same output and exit status (tools/run-acpi-poweroff.sh).
 * It does what a kernel does without an AML interpreter: finds the RSDP in 0xE0000-0xFFFFF,
 * walks the XSDT (or RSDT) to the FADT, checks every checksum, takes PM1a_CNT from the FADT and
 * SLP_TYPa from the DSDT's Name(_S5, Package(){...}), and writes SLP_TYPa << 10 | SLP_EN.
 * The machine must power off (QEMU and Orrery exit with status 0). If it has not after a while,
 * the guest reports 0x7F to isa-debug-exit (status 255); a table it cannot parse gives 0x10 + step. */
#include <stdint.h>

static inline void outb(uint16_t p, uint8_t v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(p)); }
static inline void outw(uint16_t p, uint16_t v) { __asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(p)); }
static inline void outl(uint16_t p, uint32_t v) { __asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(p)); }

static void putc_(char c) { outb(0x3F8, (uint8_t)c); }   /* COM1 transmit register */
static void puts_(const char *s) { while (*s) putc_(*s++); }
static void puthex(uint32_t v) {
    puts_("0x");
    for (int i = 28; i >= 0; i -= 4) putc_("0123456789abcdef"[(v >> i) & 15]);
}
static void fail(uint32_t step) {
    puts_("FAIL step "); puthex(step); putc_('\n');
    outl(0xF4, 0x10 + step);
    for (;;) __asm__ volatile("hlt");
}

static int sum_ok(const uint8_t *p, uint32_t n) { uint8_t s = 0; for (uint32_t i = 0; i < n; i++) s += p[i]; return s == 0; }
static uint32_t rd32(const uint8_t *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }
static int sig(const uint8_t *p, const char *s) { return p[0] == s[0] && p[1] == s[1] && p[2] == s[2] && p[3] == s[3]; }

void guest_main(void) {
    const uint8_t *rsdp = 0;
    for (uint32_t a = 0xE0000; a < 0x100000; a += 16) {
        const uint8_t *p = (const uint8_t *)a;
        if (sig(p, "RSD ") && sig(p + 4, "PTR ") && sum_ok(p, 20)) { rsdp = p; break; }
    }
    if (!rsdp) fail(1);
    int xsdt = rsdp[15] >= 2 && rd32(rsdp + 24) != 0 && rd32(rsdp + 28) == 0;
    const uint8_t *root = (const uint8_t *)(xsdt ? rd32(rsdp + 24) : rd32(rsdp + 16));
    if (!sig(root, xsdt ? "XSDT" : "RSDT") || !sum_ok(root, rd32(root + 4))) fail(2);
    const uint8_t *fadt = 0;
    uint32_t width = xsdt ? 8 : 4;
    for (uint32_t o = 36; o + width <= rd32(root + 4); o += width) {
        const uint8_t *t = (const uint8_t *)rd32(root + o);
        if (sig(t, "FACP")) { fadt = t; break; }
    }
    if (!fadt || !sum_ok(fadt, rd32(fadt + 4))) fail(3);
    uint32_t pm1a = rd32(fadt + 64);
    const uint8_t *dsdt = (const uint8_t *)rd32(fadt + 40);
    if (!sig(dsdt, "DSDT") || !sum_ok(dsdt, rd32(dsdt + 4))) fail(4);
    puts_("FADT PM1a_CNT "); puthex(pm1a); putc_('\n');
    /* Name (_S5_, Package (n) { SLP_TYPa, ... }): 08 '_S5_' 12 PkgLength NumElements Data... */
    uint32_t len = rd32(dsdt + 4);
    int typ = -1;
    for (uint32_t i = 37; i + 8 < len && typ < 0; i++) {
        const uint8_t *p = dsdt + i;
        if (sig(p, "_S5_") && (p[-1] == 0x08 || (p[-1] == 0x5C && p[-2] == 0x08)) && p[4] == 0x12) {
            const uint8_t *q = p + 5;
            q += 1 + (q[0] >> 6);                 /* PkgLength: lead byte + (bits 7-6) extra bytes */
            q += 1;                               /* NumElements */
            if (q[0] == 0x0A) typ = q[1];         /* BytePrefix */
            else if (q[0] == 0x00 || q[0] == 0x01) typ = q[0];
        }
    }
    if (typ < 0) fail(5);
    puts_("_S5 SLP_TYPa "); puthex((uint32_t)typ); putc_('\n');
    puts_("powering off\n");
    outw((uint16_t)pm1a, (uint16_t)((typ & 7) << 10 | 1 << 13));
    /* QEMU handles a shutdown request asynchronously: give it time before declaring failure. */
    for (volatile uint32_t i = 0; i < 200000000; i++) __asm__ volatile("pause");
    puts_("still running\n");
    outl(0xF4, 0x7F);
    for (;;) __asm__ volatile("hlt");
}

__asm__(".section .multiboot, \"a\"\n"
        ".balign 4\n"
        "  .long 0x1BADB002\n"
        "  .long 0x00000003\n"                     /* page-align modules, memory info */
        "  .long -(0x1BADB002 + 0x00000003)\n"
        ".text\n"
        ".global _start\n"
        "_start:\n"
        "  movl $stack_top, %esp\n"
        "  call guest_main\n"
        "1: hlt\n"
        "  jmp 1b\n"
        ".bss\n"
        ".balign 16\n"
        "  .skip 16384\n"
        "stack_top:\n"
        ".text\n");
