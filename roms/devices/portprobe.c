// A Multiboot v1 guest (32-bit) that runs portprobe.script's port I/O with interrupts off and
// prints every read as "pppp vv" on port 0xE9, then exits through isa-debug-exit (0xF4).
// On QEMU it is the oracle for the device models (tools/run-portprobe-qemu.sh records the
// output in roms/devices/portprobe.expected); Orrery's board can run the same image.

struct op { unsigned char kind; unsigned short port; unsigned char value; };
#define OUT(p, v) { 0, p, v },
#define IN(p) { 1, p, 0xFF },
#define INM(p, m) { 1, p, m },
#define DRAIN() { 2, 0x64, 0 },
static const struct op script[] = {
#include "portprobe.script"
};

__attribute__((section(".multiboot"), aligned(4), used))
static const unsigned int multiboot_header[3] = { 0x1BADB002u, 0u, 0u - 0x1BADB002u };

static inline void outb(unsigned short p, unsigned char v) { __asm__ volatile("outb %0, %1" :: "a"(v), "Nd"(p)); }
static inline unsigned char inb(unsigned short p) { unsigned char v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(p)); return v; }

static void put(char c) { outb(0xE9, (unsigned char)c); }
static void hex(unsigned v, int digits) {
    for (int i = digits - 1; i >= 0; i--) put("0123456789abcdef"[(v >> (4 * i)) & 0xF]);
}

void probe_main(void) {
    for (unsigned i = 0; i < sizeof script / sizeof script[0]; i++) {
        const struct op *o = &script[i];
        if (o->kind == 0) {
            outb(o->port, o->value);
        } else if (o->kind == 1) {
            unsigned char v = inb(o->port) & o->value;
            hex(o->port, 4); put(' '); hex(v, 2); put('\n');
        } else {
            for (int n = 0; n < 64 && (inb(0x64) & 1); n++) (void)inb(0x60);
        }
    }
    outb(0xF4, 0);   // QEMU exit status 1
}

__asm__(".globl _start\n_start:\n cli\n mov $stack_top, %esp\n call probe_main\n1: hlt\n jmp 1b\n"
        ".bss\n .align 16\n .space 4096\nstack_top:\n .text\n");
