// roms/board/seglimit.c: segment limit checks in 32-bit protected mode (Intel SDM vol. 3 §5.3,
// the exception lists of vol. 2). Each case sets up a segment, makes one access and prints
// the vector it expects by the SDM ("-" = no fault), the vector it got, the error code, where
// the fault was reported (offset from the case's first instruction) and ECX afterwards (string
// instructions stop with ECX = the elements left; some cases load a value into ECX).
//   data (FS/ES): expand-up (offset + size - 1 <= limit), expand-down with B = 1 and B = 0
//   (offset > limit, last byte <= 4 GiB - 1 or 64 KiB - 1), a null selector, REP MOVS/STOS
//   stopping at the limit, 16-bit addressing wrapping at 64 KiB;
//   stack (SS): POP/RET/LEAVE/[EBP]/SS: reads past SS.limit -> #SS(0);
//   code (CS): a near JMP/CALL/RET to a target past CS.limit faults on the branch, an
//   instruction crossing the limit faults when fetched.
// QEMU 7.2 TCG does not check data segment limits (see tools/run-board-roms.sh: this guest's
// oracle is Bochs, roms/board/seglimit.args).
// Exceptions are caught by faultcase.h's handlers: they record vector, error code and EIP, and
// resume at the case's recovery label. DS is never changed, so the handlers can use it.
#include "board.h"
#include "faultcase.h"

volatile u32 got_ecx;

static u64 gdt[] __attribute__((aligned(8))) = {
    0,
    0x00CF9A000000FFFFull,      /* 0x08 code, flat 4 GiB */
    0x00CF92000000FFFFull,      /* 0x10 data, flat 4 GiB */
    0x0040923000000FFFull,      /* 0x18 data, base 0x300000, limit 0xFFF, expand-up */
    0x0040963000000FFFull,      /* 0x20 data, base 0x300000, limit 0xFFF, expand-down, B = 1 */
    0x0000963000000FFFull,      /* 0x28 data, base 0x300000, limit 0xFFF, expand-down, B = 0 */
    0x004892000000FFFFull,      /* 0x30 stack: base 0, limit 0x8FFFF, expand-up */
    0,                          /* 0x38 code, base 0, limit = end of the cs_page (set below) */
};


/* A data/stack case: saves registers and ESP, sets `recover` to its label 1, runs the setup
   and the access, then (faulted or not) records ECX and restores SS = 0x10, ESP, the segment
   registers and callee-saved registers. */
#define CASE(name, body) \
    __asm__(".text\n.globl " #name "\n" #name ":\n" \
            "  pushl %ebx\n  pushl %esi\n  pushl %edi\n  pushl %ebp\n  push %es\n  push %fs\n  push %gs\n" \
            "  movl %esp, saved_esp\n" \
            "  movl $1f, recover\n  xorl %ecx, %ecx\n" \
            body "\n" \
            "1:\n  movl %ecx, got_ecx\n" \
            "  movw $0x10, %ax\n  movw %ax, %ss\n  movl saved_esp, %esp\n" \
            "  pop %gs\n  pop %fs\n  pop %es\n  popl %ebp\n  popl %edi\n  popl %esi\n  popl %ebx\n  ret\n"); \
    void name(void);

#define FS(sel) "movw $" #sel ", %ax\n  movw %ax, %fs\n"
#define ES(sel) "movw $" #sel ", %ax\n  movw %ax, %es\n"
/* Stack cases: SS = 0x30 (limit 0x8FFFF), ESP as given. */
#define SS30(esp) "movw $0x30, %ax\n  movw %ax, %ss\n  movl $" #esp ", %esp\n"

/* expand-up, limit 0xFFF */
CASE(up_byte_at_limit,      FS(0x18) "  movb %fs:0xFFF, %al")
CASE(up_word_at_limit,      FS(0x18) "  movw %fs:0xFFF, %ax")
CASE(up_dword_fits,         FS(0x18) "  movl %fs:0xFFC, %eax")
CASE(up_dword_crosses,      FS(0x18) "  movl %fs:0xFFD, %eax")
CASE(up_byte_past,          FS(0x18) "  movb %fs:0x1000, %al")
CASE(up_store_crosses,      FS(0x18) "  movl %eax, %fs:0xFFE")
CASE(up_rmw_crosses,        FS(0x18) "  addw %ax, %fs:0xFFF")
CASE(up_offset_4g,          FS(0x18) "  movl $0xFFFFFFFF, %ebx\n  movb %fs:(%ebx), %al")
CASE(up_index_scaled,       FS(0x18) "  movl $0x3FF, %ebx\n  movl %fs:(,%ebx,4), %eax")
CASE(up_index_scaled_past,  FS(0x18) "  movl $0x400, %ebx\n  movl %fs:(,%ebx,4), %eax")
/* expand-down, B = 1: valid offsets 0x1000 ... 0xFFFFFFFF */
CASE(down_byte_at_limit,    FS(0x20) "  movb %fs:0xFFF, %al")
CASE(down_byte_above,       FS(0x20) "  movb %fs:0x1000, %al")
CASE(down_dword_crosses,    FS(0x20) "  movl %fs:0xFFE, %eax")
CASE(down_dword_at_top,     FS(0x20) "  movl %fs:0xFFFFFFFC, %eax")
CASE(down_dword_past_top,   FS(0x20) "  movl %fs:0xFFFFFFFD, %eax")
CASE(down_byte_zero,        FS(0x20) "  movb %fs:0, %al")
/* expand-down, B = 0: valid offsets 0x1000 ... 0xFFFF */
CASE(down16_dword_at_top,   FS(0x28) "  movl %fs:0xFFFC, %eax")
CASE(down16_dword_past_top, FS(0x28) "  movl %fs:0xFFFD, %eax")
CASE(down16_byte_64k,       FS(0x28) "  movb %fs:0x10000, %al")
/* null selector in ES */
CASE(null_es_read,          ES(0) "  movl %es:0x1000, %eax")
CASE(null_es_write,         ES(0) "  movl %eax, %es:0x1000")
/* string instructions: element by element up to the limit */
CASE(rep_movsb_source,      FS(0x18) ES(0x10) "  movl $0xFFD, %esi\n  movl $0x310000, %edi\n  movl $8, %ecx\n  cld\n  rep movsb %fs:(%esi), %es:(%edi)")
CASE(rep_stosb_dest,        ES(0x18) "  movl $0xFFE, %edi\n  movl $4, %ecx\n  cld\n  rep stosb")
CASE(rep_stosw_crosses,     ES(0x18) "  movl $0xFFB, %edi\n  movl $4, %ecx\n  cld\n  rep stosw")
CASE(lodsl_past,            FS(0x18) "  movl $0xFFD, %esi\n  movl $1, %ecx\n  lodsl %fs:(%esi), %eax")
/* 16-bit addressing (67 prefix): BX + SI wraps at 64 KiB before the limit check */
CASE(addr16_wraps,          FS(0x10) "  movl $0xFFFF, %ebx\n  movl $0xFFFF, %esi\n  movzbl %fs:(%bx,%si), %ecx")
CASE(addr16_past_limit,     FS(0x18) "  movl $0x1000, %ebx\n  movb %fs:(%bx), %al")
CASE(addr16_wrapped_inside, FS(0x18) "  movl $0xF800, %ebx\n  movl $0x0900, %esi\n  movb %fs:(%bx,%si), %al")
/* stack segment (SS limit 0x8FFFF): reads above ESP run past the limit */
CASE(pop_past_limit,        SS30(0x8FFFE) "  popl %eax")
CASE(pop_fits,              SS30(0x8FFFC) "  popl %eax")
CASE(ret_past_limit,        "  movl $1f, 0x8FFFE\n" SS30(0x8FFFE) "  ret")
CASE(ebp_past_limit,        SS30(0x8FF00) "  movl $0x8FFFE, %ebp\n  movl (%ebp), %eax")
CASE(ss_override_past,      SS30(0x8FF00) "  movl %ss:0x90000, %eax")
CASE(ds_not_ss,             SS30(0x8FF00) "  movl $0x8FFFE, %ebx\n  movl (%ebx), %eax")
CASE(leave_past_limit,      SS30(0x8FF00) "  movl $0x8FFFE, %ebp\n  leave")
CASE(push_fits,             SS30(0x8FF00) "  pushl $0x1234")
CASE(popw_fits,             SS30(0x8FFFE) "  popw %ax")

/* Code-segment cases: far-called with CS = 0x38, whose limit ends with cs_page (G = 1: the
   limit is cs_page + 0xFFF). Each returns with LRET; its recovery label is inside the page.
   The page ends with NOPs at 0xFFA-0xFFC and a 5-byte MOV at 0xFFD-0x1001 that crosses the
   limit; at 0x1002 (past it) a jump to the recovery label, for a machine that does not fault. */
__asm__(
    ".section .text.cslimit, \"ax\"\n"
    ".balign 4096\n"
    ".globl cs_page, cs_jmp_past, cs_call_past, cs_ret_past, cs_fetch_crosses, cs_jmp_near_limit, cs_indirect_past, cs_jcc_past\n"
    "cs_page:\n"
    "cs_jmp_past:\n"
    "  movl $9f, recover\n"
    "  jmp cs_page + 0x1002\n"
    "9: lret\n"
    "cs_jcc_past:\n"
    "  movl $9f, recover\n"
    "  xorl %eax, %eax\n"
    "  jz cs_page + 0x1002\n"
    "9: lret\n"
    "cs_call_past:\n"
    "  movl %esp, saved_esp\n"
    "  movl $9f, recover\n"
    "  call cs_page + 0x1002\n"
    "9: movl %esp, %ecx\n  subl saved_esp, %ecx\n  movl %ecx, got_ecx\n  movl saved_esp, %esp\n  lret\n"
    "cs_ret_past:\n"
    "  movl %esp, saved_esp\n"
    "  movl $9f, recover\n"
    "  pushl $cs_page + 0x1002\n"
    "  ret\n"
    "9: movl %esp, %ecx\n  subl saved_esp, %ecx\n  movl %ecx, got_ecx\n  movl saved_esp, %esp\n  lret\n"
    "cs_fetch_crosses:\n"
    "  movl $9f, recover\n"
    "  jmp cs_page + 0xFFA\n"
    "9: lret\n"
    "cs_jmp_near_limit:\n"
    "  movl $9f, recover\n"
    "  jmp cs_page + 0xFFC\n"
    "9: lret\n"
    "cs_indirect_past:\n"
    "  movl $9f, recover\n"
    "  movl $cs_page + 0x1002, %eax\n"
    "  jmp *%eax\n"
    "9: lret\n"
    ".org 0xFFA\n"
    "  nop\n  nop\n  nop\n"
    "  movl $0x12345678, %eax\n"
    "  jmp *recover\n"
    ".previous\n"
);
extern char cs_page[];
void cs_jmp_past(void), cs_jcc_past(void), cs_call_past(void), cs_ret_past(void), cs_fetch_crosses(void),
     cs_jmp_near_limit(void), cs_indirect_past(void);

struct test { const char *name; int expect; void (*fn)(void); int code; };
#define D(n, e) { #n, e, n, 0 }
#define C(n, e) { #n, e, n, 1 }
#define NONE (-1)
static const struct test tests[] = {
    D(up_byte_at_limit, NONE), D(up_word_at_limit, 13), D(up_dword_fits, NONE), D(up_dword_crosses, 13),
    D(up_byte_past, 13), D(up_store_crosses, 13), D(up_rmw_crosses, 13), D(up_offset_4g, 13),
    D(up_index_scaled, NONE), D(up_index_scaled_past, 13),
    D(down_byte_at_limit, 13), D(down_byte_above, NONE), D(down_dword_crosses, 13), D(down_dword_at_top, NONE),
    D(down_dword_past_top, 13), D(down_byte_zero, 13),
    D(down16_dword_at_top, NONE), D(down16_dword_past_top, 13), D(down16_byte_64k, 13),
    D(null_es_read, 13), D(null_es_write, 13),
    D(rep_movsb_source, 13), D(rep_stosb_dest, 13), D(rep_stosw_crosses, 13), D(lodsl_past, 13),
    D(addr16_wraps, NONE), D(addr16_past_limit, 13), D(addr16_wrapped_inside, NONE),
    D(pop_past_limit, 12), D(pop_fits, NONE), D(ret_past_limit, 12), D(ebp_past_limit, 12),
    D(ss_override_past, 12), D(ds_not_ss, NONE), D(leave_past_limit, 12), D(push_fits, NONE), D(popw_fits, NONE),
    C(cs_jmp_past, 13), C(cs_jcc_past, 13), C(cs_call_past, 13), C(cs_ret_past, 13), C(cs_fetch_crosses, 13),
    C(cs_jmp_near_limit, 13), C(cs_indirect_past, 13),
};



u32 board_main(u32 magic, u32 info) {
    (void)magic; (void)info;
    /* 0x38: code, base 0, G = 1, D = 1, limit (cs_page >> 12) pages: the last byte is cs_page + 0xFFF. */
    u32 raw = (u32)cs_page >> 12;
    gdt[7] = ((u64)((raw >> 16) & 0xF) << 48) | (0xC0ull << 48) | (0x9Aull << 40) | (raw & 0xFFFF);
    faultcase_setup(gdt, sizeof gdt);
    /* Markers for the 16-bit wrap case: linear 0xFFFE (the wrapped offset) and 0x1FFFE. */
    *(volatile u8 *)0xFFFE = 0x5A; *(volatile u8 *)0x1FFFE = 0xA5;

    int bad = 0;
    for (unsigned k = 0; k < sizeof tests / sizeof tests[0]; k++) {
        const struct test *t = &tests[k];
        got_vec = 0xFFFFFFFF; got_code = 0; got_eip = 0; got_ecx = 0;
        if (t->code) {
            u32 target[2] = { (u32)t->fn, 0x38 };
            __asm__ volatile("lcall *%0" :: "m"(target) : "eax", "ecx", "memory");
        } else {
            t->fn();
        }
        int got = got_vec == 0xFFFFFFFF ? -1 : (int)got_vec;
        pad(t->name, 22); puts(" expect="); vec(t->expect); puts(" got="); vec(got);
        if (got >= 0) {
            puts(" code="); hex(got_code, 4);
            puts(" at=+"); hex(got_eip - (t->code ? (u32)cs_page : (u32)t->fn), 3);
        }
        puts(" ecx="); hex(got_ecx, 8);
        puts(got == t->expect ? "\n" : " MISMATCH\n");
        if (got != t->expect) bad++;
    }
    puts("cases with a different vector than the SDM rule: "); dec((u32)bad); puts("\n");
    return 0;
}
