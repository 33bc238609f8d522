// roms/board/board.h: helpers shared by the board test guests (32-bit, flat, no paging):
// port I/O, output on the port-0xE9 console, an IDT with C interrupt handlers (gcc's
// `interrupt` attribute), the 8259 pair and the local APIC in virtual-wire mode.
// Guests print only facts that do not depend on timing, so QEMU and Orrery print the same.
typedef unsigned int u32; typedef unsigned short u16; typedef unsigned char u8; typedef unsigned long long u64;

static inline void outb(u16 p, u8 v) { __asm__ volatile("outb %0,%1" :: "a"(v), "Nd"(p)); }
static inline void outl(u16 p, u32 v) { __asm__ volatile("outl %0,%1" :: "a"(v), "Nd"(p)); }
static inline u8 inb(u16 p) { u8 v; __asm__ volatile("inb %1,%0" : "=a"(v) : "Nd"(p)); return v; }
static inline u32 inl(u16 p) { u32 v; __asm__ volatile("inl %1,%0" : "=a"(v) : "Nd"(p)); return v; }
static inline u32 rd32(u32 a) { return *(volatile u32 *)a; }
static inline void wr32(u32 a, u32 v) { *(volatile u32 *)a = v; }
static inline void sti(void) { __asm__ volatile("sti" ::: "memory"); }
static inline void cli(void) { __asm__ volatile("cli" ::: "memory"); }
static inline void sti_hlt(void) { __asm__ volatile("sti; hlt; cli" ::: "memory"); }

static void putc_e9(char c) { outb(0xE9, (u8)c); }
static void puts(const char *s) { while (*s) putc_e9(*s++); }
static void hex(u32 v, int digits) { for (int i = digits - 1; i >= 0; i--) putc_e9("0123456789abcdef"[(v >> (i * 4)) & 15]); }
static void kv(const char *k, u32 v) { puts(k); puts("="); hex(v, 8); puts("\n"); }
static void dec(u32 v) { char b[12]; int n = 0; do { b[n++] = (char)('0' + v % 10); v /= 10; } while (v); while (n) putc_e9(b[--n]); }

struct frame;
struct gate { u16 off_lo, sel; u8 zero, type; u16 off_hi; } __attribute__((packed));
static struct gate idt[256] __attribute__((aligned(8)));

static void set_gate(int vec, void (*fn)(struct frame *)) {
    u16 cs; __asm__ volatile("mov %%cs,%0" : "=r"(cs));
    u32 a = (u32)fn;
    idt[vec] = (struct gate){ (u16)a, cs, 0, 0x8E, (u16)(a >> 16) };
}
static void load_idt(void) {
    struct { u16 limit; u32 base; } __attribute__((packed)) p = { sizeof idt - 1, (u32)idt };
    __asm__ volatile("lidt %0" :: "m"(p));
}

/* 8259 pair: vectors base..base+15, edge-triggered, all inputs masked except the cascade. */
static void pic_init(u8 base) {
    outb(0x20, 0x11); outb(0x21, base); outb(0x21, 0x04); outb(0x21, 0x01);
    outb(0xA0, 0x11); outb(0xA1, base + 8); outb(0xA1, 0x02); outb(0xA1, 0x01);
    outb(0x21, 0xFB); outb(0xA1, 0xFF);
}
static void pic_unmask(int irq) {
    if (irq < 8) outb(0x21, inb(0x21) & ~(1 << irq));
    else outb(0xA1, inb(0xA1) & ~(1 << (irq - 8)));
}
static void pic_eoi(int irq) { if (irq >= 8) outb(0xA0, 0x20); outb(0x20, 0x20); }

#define LAPIC_BASE 0xFEE00000u
/* Local APIC enabled, LINT0 in ExtINT mode (virtual wire: the 8259 reaches the CPU through it). */
static void lapic_virtual_wire(void) {
    wr32(LAPIC_BASE + 0xF0, 0x1FF);
    wr32(LAPIC_BASE + 0x350, 0x700);
    wr32(LAPIC_BASE + 0x360, 0x400);            /* LINT1: NMI */
}

#define ISR __attribute__((interrupt)) void
