// roms/board/faultcase.h: catching the exceptions of deliberately faulting test cases, shared by
// the segment guests (seglimit.c, segtypes.c). A case sets `recover` to the address to resume
// at and makes one access; the handler for vectors 0, 6, 8, 10-14 records the vector in
// got_vec, the error code in got_code (0 for vectors without one: 0, 6) and the faulting EIP in
// got_eip, then returns to `recover` instead of retrying the instruction. The handlers use DS
// only, so a case may change ES/FS/GS/SS but never DS. Include after board.h.

volatile u32 got_vec, got_code, got_eip, recover, saved_esp;

__asm__(
    ".text\n"
    "exc_err_tail:\n"
    "  popl got_code\n"
    "  pushl %eax\n"
    "  movl 4(%esp), %eax\n  movl %eax, got_eip\n"
    "  movl recover, %eax\n  movl %eax, 4(%esp)\n"
    "  popl %eax\n"
    "  iret\n"
    "exc_noerr_tail:\n"
    "  movl $0, got_code\n"
    "  pushl %eax\n"
    "  movl 4(%esp), %eax\n  movl %eax, got_eip\n"
    "  movl recover, %eax\n  movl %eax, 4(%esp)\n"
    "  popl %eax\n"
    "  iret\n"
    ".globl exc0, exc6, exc8, exc10, exc11, exc12, exc13, exc14\n"
    "exc0:  movl $0x00, got_vec\n  jmp exc_noerr_tail\n"
    "exc6:  movl $0x06, got_vec\n  jmp exc_noerr_tail\n"
    "exc8:  movl $0x08, got_vec\n  jmp exc_err_tail\n"
    "exc10: movl $0x0a, got_vec\n  jmp exc_err_tail\n"
    "exc11: movl $0x0b, got_vec\n  jmp exc_err_tail\n"
    "exc12: movl $0x0c, got_vec\n  jmp exc_err_tail\n"
    "exc13: movl $0x0d, got_vec\n  jmp exc_err_tail\n"
    "exc14: movl $0x0e, got_vec\n  jmp exc_err_tail\n"
);
void exc0(void), exc6(void), exc8(void), exc10(void), exc11(void), exc12(void), exc13(void), exc14(void);

static void gate(int v, void (*fn)(void)) { set_gate(v, (void (*)(struct frame *))fn); }

/* Loads the guest's GDT (0x08 flat code, 0x10 flat data, reloaded into every segment register)
   and an IDT with the catchers above. */
static void faultcase_setup(const void *gdt, u32 gdt_bytes) {
    struct { u16 limit; u32 base; } __attribute__((packed)) g = { (u16)(gdt_bytes - 1), (u32)gdt };
    __asm__ volatile("lgdt %0\n ljmp $0x08, $1f\n1:\n"
                     " movw $0x10, %%ax\n movw %%ax, %%ds\n movw %%ax, %%es\n movw %%ax, %%ss\n"
                     " movw %%ax, %%fs\n movw %%ax, %%gs\n" :: "m"(g) : "eax", "memory");
    gate(0, exc0); gate(6, exc6); gate(8, exc8); gate(10, exc10); gate(11, exc11);
    gate(12, exc12); gate(13, exc13); gate(14, exc14);
    load_idt();
}

/* Report helpers: a left-aligned name, a vector ("--" for none). */
static void pad(const char *s, int width) { int n = 0; while (s[n]) n++; puts(s); while (n++ < width) putc_e9(' '); }
static void vec(int v) { if (v < 0) puts("--"); else hex((u32)v, 2); }
