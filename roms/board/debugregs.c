// roms/board/debugregs.c: the debug-register rules QEMU's TCG does not model (it even aborts on
// "tf+watch"), judged by Bochs with its AMD Ryzen model (debugregs.args: qemu=skip, bochs=ryzen).
// "two" and "movss" also agree with the AMD host CPU (tools/probe-debugregs.c), and kvm-unit-tests'
// debug test (written against hardware) checks gd, icebp, popf-tf and b-replace the same way.
// 32-bit protected mode, paging off (linear = physical). Intel SDM vol. 3 §18.2-18.3, §6.8.3.
// Each line: NAME n=#DB count eip=(saved EIP - expected label) dr6=DR6 the handler read.
//  unaligned  DR2 = buf+5 with LEN 2 covers buf+4..buf+5: the CPU masks the low address bit.
//  two        one 8-byte write hits DR0 (8 bytes) and DR3 (1 byte): one #DB, B0 and B3.
//  tf+watch   TF and a data breakpoint on the same instruction: one #DB with BS and B1.
//  gd         DR7.GD: MOV from DR0 is a #DB fault at the MOV with DR6.BD; GD is cleared.
//  icebp      F1: a #DB trap after it, DR6 left as it was.
//  movss      MOV SS that reads a watched word: the #DB waits until after the next instruction.
//  b-replace  an instruction breakpoint on DR2 with DR6.B1 set by software: B1 is cleared.
// Not here: an instruction breakpoint on the instruction after MOV SS, which AMD (the reference
// CPU, checked with tools/probe-debugregs.c) takes and Intel and Bochs suppress
// (roms/tests/debugtrap.S checks it against QEMU, which takes it too).
//  popf-tf    POPF clearing TF still traps after itself (TF was set as it started).
//  rf-fault   a #UD frame has EFLAGS.RF set (fault-class exceptions other than #DB).
#include "board.h"

volatile u32 db_count, ud_count, last_dr6, last_dr7, last_eip, last_ud_flags, expect;
volatile u32 buf[8] __attribute__((aligned(16)));
volatile u16 ssword;

// #DB: count, record DR6/DR7/EIP, clear TF in the frame at `expect`, DR6 = 0 (reads back
// 0xffff0ff0); a breakpoint hit (B0-B3) gets RF so an instruction breakpoint lets its
// instruction run (RF has no effect on data breakpoints).
__asm__(".globl db_entry\n"
        "db_entry:\n"
        "  pushl %eax\n"
        "  incl db_count\n"
        "  movl %dr6, %eax\n"
        "  movl %eax, last_dr6\n"
        "  movl %dr7, %eax\n"
        "  movl %eax, last_dr7\n"
        "  movl 4(%esp), %eax\n"
        "  movl %eax, last_eip\n"
        "  cmpl expect, %eax\n"            /* TF off at the expected EIP (or after 8 #DB) */
        "  je 2f\n"
        "  cmpl $8, db_count\n"
        "  jb 3f\n"
        "2: andl $~0x100, 12(%esp)\n"
        "3:\n"
        "  testl $0xF, last_dr6\n"
        "  jz 1f\n"
        "  orl $0x10000, 12(%esp)\n"
        "1: xorl %eax, %eax\n"
        "  movl %eax, %dr6\n"
        "  popl %eax\n"
        "  iret\n"
        // #UD: record the saved EFLAGS, skip the 2-byte UD2.
        ".globl ud_entry\n"
        "ud_entry:\n"
        "  incl ud_count\n"
        "  pushl %eax\n"
        "  movl 12(%esp), %eax\n"
        "  movl %eax, last_ud_flags\n"
        "  addl $2, 4(%esp)\n"
        "  popl %eax\n"
        "  iret\n");
extern char db_entry[], ud_entry[];

#define SET_DR(n, v) __asm__ volatile("movl %0, %%dr" #n :: "r"((u32)(v)) : "memory")
static void reset(void) { db_count = 0; last_eip = 0; last_dr6 = 0; SET_DR(6, 0); }
static void disarm(void) { SET_DR(7, 0x400); }
static void report(const char *name) {
    puts(name); puts(" n="); hex(db_count, 2); puts(" eip="); hex(last_eip - expect, 4);
    puts(" dr6="); hex(last_dr6, 8); puts("\n");
}

u32 board_main(u32 magic, u32 info) {
    (void)magic; (void)info;
    set_gate(1, (void (*)(struct frame *))db_entry);
    set_gate(6, (void (*)(struct frame *))ud_entry);
    load_idt();
    puts("debug registers: 32-bit\n");

    reset();
    SET_DR(2, (u32)&buf[1] + 1);                    /* buf+5, LEN2 = 01: buf+4..buf+5 */
    SET_DR(7, 0x05000420);                          /* G2, R/W2 = 01 */
    __asm__ volatile("movl $1f, expect\n"
                     "movb $1, buf+6\n"             /* outside: no hit */
                     "movb $1, buf+4\n"             /* inside (the masked address) */
                     "1:" ::: "memory");
    disarm();
    report("unaligned");

    reset();
    SET_DR(0, (u32)&buf[0]);
    SET_DR(3, (u32)&buf[1]);
    SET_DR(7, 0x10090482);                          /* G0 8-byte write, G3 1-byte write */
    __asm__ volatile("movl $1f, expect\n"
                     "movq %%mm0, buf\n"            /* one 8-byte write */
                     "1:" ::: "memory");
    disarm();
    report("two");

    reset();
    SET_DR(1, (u32)&buf[2]);
    SET_DR(7, 0x00D00408);                          /* G1, 4-byte write */
    __asm__ volatile("movl $1f, expect\n"
                     "pushfl\n"
                     "orl $0x100, (%%esp)\n"
                     "popfl\n"
                     "movl $2, buf+8\n"
                     "1:" ::: "memory");
    disarm();
    report("tf+watch");

    reset();
    SET_DR(7, 0x2400);                              /* GD */
    __asm__ volatile("movl $1f, expect\n"
                     "1: movl %%dr0, %%eax" ::: "eax", "memory");
    report("gd");
    puts("  dr7 in handler="); hex(last_dr7, 8); puts("\n");

    reset();
    SET_DR(6, 0x2);                                 /* B1 set by software: ICEBP leaves it */
    __asm__ volatile("movl $1f, expect\n"
                     ".byte 0xF1\n"
                     "1:" ::: "memory");
    report("icebp");

    reset();
    ssword = 0x10;
    __asm__ volatile("movw %%ss, %%ax\n movw %%ax, ssword" ::: "eax", "memory");
    SET_DR(0, (u32)&ssword);
    SET_DR(7, 0x00070402);                          /* G0, R/W0 = 11, LEN0 = 01 */
    __asm__ volatile("movl $1f, expect\n"
                     "movw ssword, %%ss\n"
                     "nop\n"
                     "1:" ::: "memory");
    disarm();
    report("movss");

    reset();
    SET_DR(6, 0x2);                                 /* B1 set by software */
    __asm__ volatile("movl $1f, %%eax\n"
                     "movl %%eax, %%dr2\n"
                     "movl $0x420, %%eax\n"         /* G2, R/W2 = 00: instruction */
                     "movl %%eax, %%dr7\n"
                     "movl $1f, expect\n"
                     "1: nop" ::: "eax", "memory");
    disarm();
    report("b-replace");

    reset();
    __asm__ volatile("movl $1f, expect\n"
                     "pushfl\n"
                     "pushfl\n"
                     "orl $0x100, (%%esp)\n"
                     "popfl\n"                      /* TF on: the next instructions trap */
                     "nop\n"
                     "popfl\n"                      /* TF off: still traps after itself */
                     "1:" ::: "memory");
    report("popf-tf");

    ud_count = 0;
    __asm__ volatile("ud2" ::: "memory");
    puts("rf-fault ud="); hex(ud_count, 2); puts(" rf="); hex((last_ud_flags >> 16) & 1, 1); puts("\n");
    puts("done\n");
    return 0;
}
