// roms/board/segtypes.c: segment TYPE checks on data accesses in 32-bit protected mode (Intel
// SDM vol. 3 §5.4-5.5 and the protected-mode exception lists of vol. 2): a write through a
// read-only data segment or through a code segment, and a read through an execute-only code
// segment, are #GP(0); reads through read-only data and readable code work. Each case sets up
// a segment, makes one access and prints the vector it expects by the SDM ("-" = no fault),
// the vector it got, the error code, where the fault was reported (offset from the case's
// first instruction) and ECX afterwards (REP string instructions keep ECX when the first
// element faults, and a faulting instruction leaves the arithmetic flags as they were).
//   data registers (FS/ES) holding read-only data, expand-down read-only data, readable code
//   and conforming readable code; CS overrides with readable and execute-only code (the
//   execute-only cases run with CS = 0x28, far-called); MOV FS of execute-only code (#GP(sel));
//   FNSAVE/FRSTOR, FNSTENV/FLDENV: the whole area against the limit; FXSAVE/FXRSTOR: the type.
// QEMU 7.2 TCG checks some of these only (the run is Bochs vs Orrery: segtypes.args).
// Exceptions are caught by faultcase.h's handlers (as in seglimit.c): they record vector, error
// code and EIP, and resume at the case's recovery label. DS is never changed.
#include "board.h"
#include "faultcase.h"

volatile u32 got_ecx, got_flags;
/* A dword the CS-override cases read and write (flat code segments: CS.base = 0). */
volatile u32 scratch = 0x5A5A5A5A;

static u64 gdt[] __attribute__((aligned(8))) = {
    0,
    0x00CF9A000000FFFFull,      /* 0x08 code, flat 4 GiB, readable */
    0x00CF92000000FFFFull,      /* 0x10 data, flat 4 GiB, read/write */
    0x0040903000000FFFull,      /* 0x18 data, read-only, base 0x300000, limit 0xFFF */
    0x00409A3000000FFFull,      /* 0x20 code, readable, base 0x300000, limit 0xFFF */
    0x00CF98000000FFFFull,      /* 0x28 code, execute-only, flat 4 GiB */
    0x00409E3000000FFFull,      /* 0x30 code, conforming readable, base 0x300000, limit 0xFFF */
    0x0040943000000FFFull,      /* 0x38 data, read-only expand-down, base 0x300000, limit 0xFFF */
    0x0040923000000FFFull,      /* 0x40 data, read/write, base 0x300000, limit 0xFFF */
};


/* A case: saves registers and ESP, sets `recover` to its label 1, runs the setup and the
   access, then (faulted or not) records ECX and restores ESP, the segment registers and
   callee-saved registers. A case called with CS = 0x28 (execute-only) returns with LRET. */
#define CASE_RET(name, body, ret) \
    __asm__(".text\n.globl " #name "\n" #name ":\n" \
            "  pushl %ebx\n  pushl %esi\n  pushl %edi\n  pushl %ebp\n  push %es\n  push %fs\n  push %gs\n" \
            "  movl %esp, saved_esp\n" \
            "  movl $1f, recover\n  xorl %ecx, %ecx\n" \
            body "\n" \
            "1:\n  movl %ecx, got_ecx\n  pushfl\n  popl got_flags\n" \
            "  movl saved_esp, %esp\n" \
            "  pop %gs\n  pop %fs\n  pop %es\n  popl %ebp\n  popl %edi\n  popl %esi\n  popl %ebx\n  " ret "\n"); \
    void name(void);
#define CASE(name, body) CASE_RET(name, body, "ret")
#define XCASE(name, body) CASE_RET(name, body, "lret")

#define FS(sel) "movw $" #sel ", %ax\n  movw %ax, %fs\n"
#define ES(sel) "movw $" #sel ", %ax\n  movw %ax, %es\n"

/* read-only data (0x18): reads work, every kind of write faults */
CASE(ro_read,             FS(0x18) "  movl %fs:0x10, %eax")
CASE(ro_write,            FS(0x18) "  movl %eax, %fs:0x10")
CASE(ro_write_byte,       FS(0x18) "  movb %al, %fs:0x10")
CASE(ro_add_rmw,          FS(0x18) "  addl %eax, %fs:0x10")
CASE(ro_cmp_reads,        FS(0x18) "  cmpl %eax, %fs:0x10")
CASE(ro_xchg,             FS(0x18) "  xchgl %eax, %fs:0x10")
CASE(ro_setcc,            FS(0x18) "  sete %fs:0x10")
CASE(ro_pop_mem,          FS(0x18) "  pushl $7\n  popl %fs:0x10")
CASE(ro_push_mem,         FS(0x18) "  pushl %fs:0x10\n  popl %eax")
CASE(ro_rep_stosb,        ES(0x18) "  movl $0x10, %edi\n  movl $4, %ecx\n  cld\n  rep stosb")
CASE(ro_rep_movsb_dest,   ES(0x18) "  movl $scratch, %esi\n  movl $0x10, %edi\n  movl $4, %ecx\n  cld\n  rep movsb")
CASE(ro_movs_source,      FS(0x18) ES(0x10) "  movl $0x10, %esi\n  movl $0x310000, %edi\n  movl $4, %ecx\n  cld\n  rep movsb %fs:(%esi), %es:(%edi)")
CASE(ro_lodsl,            FS(0x18) "  movl $0x10, %esi\n  lodsl %fs:(%esi), %eax")
CASE(ro_sgdt,             FS(0x18) "  sgdt %fs:0x10")
CASE(ro_bts,              FS(0x18) "  movl $3, %eax\n  btsl %eax, %fs:0x10")
CASE(ro_bt_reads,         FS(0x18) "  movl $3, %eax\n  btl %eax, %fs:0x10")
/* read-only expand-down (0x38, limit 0xFFF: valid offsets 0x1000 and up) */
CASE(rodown_read,         FS(0x38) "  movl %fs:0x1000, %eax")
CASE(rodown_write,        FS(0x38) "  movl %eax, %fs:0x1000")
/* readable code in a data segment register */
CASE(code_in_fs_read,     FS(0x20) "  movl %fs:0x10, %eax")
CASE(code_in_fs_write,    FS(0x20) "  movl %eax, %fs:0x10")
CASE(code_in_es_stosl,    ES(0x20) "  movl $0x10, %edi\n  stosl")
CASE(conforming_fs_read,  FS(0x30) "  movl %fs:0x10, %eax")
CASE(conforming_fs_write, FS(0x30) "  movl %eax, %fs:0x10")
/* execute-only code cannot be loaded into a data segment register: #GP(selector) */
CASE(execonly_fs_load,    FS(0x28))
/* CS overrides with CS = 0x08 (readable code) */
CASE(cs_read,             "  movl %cs:scratch, %eax")
CASE(cs_write,            "  movl %eax, %cs:scratch")
CASE(cs_inc_rmw,          "  incl %cs:scratch")
CASE(cs_lodsb,            "  movl $scratch, %esi\n  lodsb %cs:(%esi), %al")
/* CS = 0x28 (execute-only, far-called): fetches work, CS-override reads and writes fault */
XCASE(xo_fetch,           "  nop")
XCASE(xo_cs_read,         "  movl %cs:scratch, %eax")
XCASE(xo_cs_write,        "  movl %eax, %cs:scratch")
XCASE(xo_ds_read,         "  movl scratch, %eax")

/* accesses wider than 16 bytes: the whole area against the limit (0x40: limit 0xFFF), and the
   type (0x18: read-only). FNSAVE/FRSTOR 108 bytes, FNSTENV/FLDENV 28, FXSAVE/FXRSTOR 512.
   FXSAVE/FXRSTOR areas running past the limit are left out: Bochs 2.7 does not fault on them
   (seen with FXSAVE at offset 0xF00, whose bytes 0x1000-0x101F are past the limit), while the
   SDM makes the whole operand subject to the limit; Orrery follows the SDM
   (Tests/X86Tests/SegmentTypeTests.swift). */
CASE(fxsave_fits,         FS(0x40) "  fxsave %fs:0xE00")
CASE(fxrstor_fits,        FS(0x40) "  fxrstor %fs:0xE00")
CASE(fnsave_fits,         FS(0x40) "  fnsave %fs:0xF94\n  fninit")
CASE(fnsave_past,         FS(0x40) "  fnsave %fs:0xF95\n  fninit")
CASE(frstor_past,         FS(0x40) "  frstor %fs:0xF95\n  fninit")
CASE(fnstenv_fits,        FS(0x40) "  fnstenv %fs:0xFE4\n  fninit")
CASE(fnstenv_past,        FS(0x40) "  fnstenv %fs:0xFE5\n  fninit")
CASE(fldenv_past,         FS(0x40) "  fldenv %fs:0xFE5\n  fninit")
CASE(ro_fxsave,           FS(0x18) "  fxsave %fs:0x100")
CASE(ro_fnstenv,          FS(0x18) "  fnstenv %fs:0x100\n  fninit")
CASE(ro_fldenv,           FS(0x18) "  fldenv %fs:0x800\n  fninit")

struct test { const char *name; int expect; void (*fn)(void); int far; };
#define D(n, e) { #n, e, n, 0 }
#define X(n, e) { #n, e, n, 1 }
#define NONE (-1)
static const struct test tests[] = {
    D(ro_read, NONE), D(ro_write, 13), D(ro_write_byte, 13), D(ro_add_rmw, 13), D(ro_cmp_reads, NONE),
    D(ro_xchg, 13), D(ro_setcc, 13), D(ro_pop_mem, 13), D(ro_push_mem, NONE),
    D(ro_rep_stosb, 13), D(ro_rep_movsb_dest, 13), D(ro_movs_source, NONE), D(ro_lodsl, NONE),
    D(ro_sgdt, 13), D(ro_bts, 13), D(ro_bt_reads, NONE),
    D(rodown_read, NONE), D(rodown_write, 13),
    D(code_in_fs_read, NONE), D(code_in_fs_write, 13), D(code_in_es_stosl, 13),
    D(conforming_fs_read, NONE), D(conforming_fs_write, 13),
    D(execonly_fs_load, 13),
    D(cs_read, NONE), D(cs_write, 13), D(cs_inc_rmw, 13), D(cs_lodsb, NONE),
    X(xo_fetch, NONE), X(xo_cs_read, 13), X(xo_cs_write, 13), X(xo_ds_read, NONE),
    D(fxsave_fits, NONE), D(fxrstor_fits, NONE),
    D(fnsave_fits, NONE), D(fnsave_past, 13), D(frstor_past, 13),
    D(fnstenv_fits, NONE), D(fnstenv_past, 13), D(fldenv_past, 13),
    D(ro_fxsave, 13), D(ro_fnstenv, 13), D(ro_fldenv, NONE),
};



u32 board_main(u32 magic, u32 info) {
    (void)magic; (void)info;
    faultcase_setup(gdt, sizeof gdt);
    /* The read-only segments' bytes at offsets 0x10 and 0x1000 (linear 0x300010, 0x301000). */
    wr32(0x300010, 0x11223344); wr32(0x301000, 0x55667788);

    int bad = 0;
    for (unsigned k = 0; k < sizeof tests / sizeof tests[0]; k++) {
        const struct test *t = &tests[k];
        got_vec = 0xFFFFFFFF; got_code = 0; got_eip = 0; got_ecx = 0;
        scratch = 0x5A5A5A5A;
        if (t->far) {
            u32 target[2] = { (u32)t->fn, 0x28 };
            __asm__ volatile("lcall *%0" :: "m"(target) : "eax", "ecx", "edx", "memory");
        } else {
            __asm__ volatile("call *%0" :: "r"(t->fn) : "eax", "ecx", "edx", "memory");
        }
        int got = got_vec == 0xFFFFFFFF ? -1 : (int)got_vec;
        pad(t->name, 22); puts(" expect="); vec(t->expect); puts(" got="); vec(got);
        if (got >= 0) {
            puts(" code="); hex(got_code, 4);
            puts(" at=+"); hex(got_eip - (u32)t->fn, 3);
            /* A faulting instruction changes no flags: still ZF|PF from the case's XOR ECX, ECX. */
            puts(" flags="); hex(got_flags & 0x8D5, 3);
        }
        puts(" ecx="); hex(got_ecx, 8);
        /* The targets are unchanged after a faulting write. */
        puts(" mem="); hex(rd32(0x300010), 8); puts(" scratch="); hex(scratch, 8);
        puts(got == t->expect ? "\n" : " MISMATCH\n");
        if (got != t->expect) bad++;
    }
    puts("cases with a different vector than the SDM rule: "); dec((u32)bad); puts("\n");
    return 0;
}
