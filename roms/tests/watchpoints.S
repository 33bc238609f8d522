/* Test guest: data and I/O breakpoints (DR0-DR3 with DR7 R/W = 01, 11, 10) and DR4/DR5
 * aliasing, in long mode (Intel SDM vol. 3 §18.2-18.3, AMD APM vol. 2 §13.1), on QEMU and Orrery.
 * The rules QEMU's TCG lacks or gets wrong (general detect, ICEBP, the MOV SS delay, several
 * breakpoints in one #DB, TF with a data breakpoint, unaligned DRn) are in roms/board/debugregs.c,
 * judged by Bochs.
 *
 * Each step arms breakpoints, runs a few instructions, disarms (DR7 = 0x400) and prints one line:
 *   NAME n=COUNT rip=DELTA dr6=DR6
 * COUNT is the number of #DB, DELTA the last #DB's saved RIP minus the expected label (after the
 * instruction for a trap), DR6 what the handler read (it then writes DR6 = 0, which reads back
 * 0xffff0ff0).
 *  A  write watch (R/W 01, 4 bytes): a write traps with B1, a read does not.
 *  B  read/write watch (R/W 11, 8 bytes): a read traps with B0.
 *  C  DR2 = buf+4 with LEN 2 covers buf+4..buf+5: any byte overlap matches.
 *  E  REP STOSB through a watched byte: #DB after that iteration, RIP at the REP instruction,
 *     RCX/RDI describe the iterations done.
 *  E2 REP MOVSB reading a watched byte (R/W 11): the same, RSI after that iteration.
 *  G  I/O breakpoint (R/W 10, CR4.DE = 1) on ports 0xE0-0xE3.
 *  H  DR4/DR5 read as DR6/DR7 with CR4.DE = 0; #UD with CR4.DE = 1.
 *  M  a PUSH onto a watched stack slot traps.
 *  R  REP STOSB with TF: a single-step trap after every iteration (Bochs agrees).
 * The run ends through isa-debug-exit (port 0xf4). Orrery and QEMU (with -device pc-testdev)
 * print roms/tests/watchpoints.expected. Built by tools/build-test-roms.sh.
 */
#define KCODE 0x08
#define KDATA 0x10

/* Breakpoints off (DR7 = 0x400, its reset value), without touching the stack. */
#define DISARM movq $0x400, %rax; movq %rax, %dr7

#include "multiboot.inc"
#include "long-mode-entry.inc"
    movl $1, %edi
    movq $isr_db, %rsi
    movl $0x8E, %edx
    call set_gate
    movl $6, %edi
    movq $isr_ud, %rsi
    movl $0x8E, %edx
    call set_gate
    lidt idt_pointer
    movq $msg_start, %rsi
    call puts

    /* A: write watch, 4 bytes, DR1 (G1, R/W1 = 01, LEN1 = 11). */
    call reset
    movq $wvar, %rax
    movq %rax, %dr1
    movq $0x00D00408, %rax
    movq %rax, %dr7
    movl $1, wvar
a_after:
    movl wvar, %eax                  /* a read: no #DB */
    DISARM
    movq $msg_a, %rsi
    movq $a_after, %rax
    call report

    /* B: read/write watch, 8 bytes, DR0 (L0, R/W0 = 11, LEN0 = 10). */
    call reset
    movq $wvar, %rax
    movq %rax, %dr0
    movq $0x000B0401, %rax
    movq %rax, %dr7
    movq wvar, %rax
b_after:
    DISARM
    movq $msg_b, %rsi
    movq $b_after, %rax
    call report

    /* C: DR2 = buf+4, LEN2 = 01 (2 bytes: buf+4..buf+5), R/W2 = 01, G2. */
    movq $buf+4, %rax
    movq %rax, %dr2
    call reset
    movq $0x05000420, %rax
    movq %rax, %dr7
    movl $0, buf+2                   /* bytes 2..5: hit */
c1_after:
    DISARM
    movq $msg_c1, %rsi
    movq $c1_after, %rax
    call report
    call reset
    movq $0x05000420, %rax
    movq %rax, %dr7
    movb $0, buf+6                   /* byte 6: no hit */
    movb $0, buf+3                   /* byte 3: no hit */
    movw $0, buf+3                   /* bytes 3..4: hit */
c2_after:
    DISARM
    movq $msg_c2, %rsi
    movq $c2_after, %rax
    call report

    /* E: REP STOSB over buf[0..15] with a write watch on buf+5. */
    call reset
    movq $buf+5, %rax
    movq %rax, %dr1
    movq $0x00100408, %rax
    movq %rax, %dr7
    cld
    movq $buf, %rdi
    movl $16, %ecx
    movb $0x5A, %al
e_rep:
    rep stosb
    DISARM
    movq $msg_e, %rsi
    movq $e_rep, %rax
    call report
    movq $msg_rcx, %rsi
    call puts
    movq last_rcx, %rdi
    movl $2, %ecx
    call puthex
    movq $msg_rdi, %rsi
    call puts
    movq last_rdi, %rdi
    subq $buf, %rdi
    movl $2, %ecx
    call puthex
    movq $msg_nl, %rsi
    call puts

    /* E2: REP MOVSB buf -> buf+16 with a read/write watch on the source byte buf+2. */
    call reset
    movq $buf+2, %rax
    movq %rax, %dr1
    movq $0x00300408, %rax           /* G1, R/W1 = 11, LEN1 = 00 */
    movq %rax, %dr7
    movq $buf, %rsi
    movq $buf+16, %rdi
    movl $8, %ecx
e2_rep:
    rep movsb
    DISARM
    movq $msg_e2, %rsi
    movq $e2_rep, %rax
    call report
    movq $msg_rcx, %rsi
    call puts
    movq last_rcx, %rdi
    movl $2, %ecx
    call puthex
    movq $msg_rsi, %rsi
    call puts
    movq last_rsi, %rdi
    subq $buf, %rdi
    movl $2, %ecx
    call puthex
    movq $msg_nl, %rsi
    call puts

    /* G: I/O breakpoint on ports 0xE0-0xE3 (DR2, R/W2 = 10, LEN2 = 11), CR4.DE = 1. */
    movq %cr4, %rax
    orq $8, %rax
    movq %rax, %cr4
    call reset
    movq $0xE0, %rax
    movq %rax, %dr2
    movq $0x0E000420, %rax
    movq %rax, %dr7
    inb $0xE4, %al                   /* outside: no hit */
    movw $0xDE, %dx
    inw %dx, %ax                     /* 0xDE-0xDF: no hit */
    incw %dx
    inw %dx, %ax                     /* 0xDF-0xE0: hit */
g_after:
    DISARM
    movq $msg_g1, %rsi
    movq $g_after, %rax
    call report
    movq %cr4, %rax
    andq $~8, %rax
    movq %rax, %cr4
    /* H: DR4/DR5 alias DR6/DR7 with CR4.DE = 0; #UD with CR4.DE = 1. */
    movq $0x0000000F, %rax
    movq %rax, %dr6                  /* B0-B3 set */
    movq $0x00000501, %rax
    movq %rax, %dr7                  /* L0 and bit 8 (LE); DR0 = buf (never executed) */
    movq $msg_h, %rsi
    call puts
    movq %dr4, %rdi
    movl $8, %ecx
    call puthex
    movq $msg_sp, %rsi
    call puts
    movq %dr5, %rdi
    movl $8, %ecx
    call puthex
    DISARM
    movq %cr4, %rax
    orq $8, %rax
    movq %rax, %cr4
    movq $0, ud_count
    movq %dr4, %rax                  /* #UD: the handler skips the 3 bytes */
    movq %rax, %dr5                  /* #UD */
    movq %cr4, %rax
    andq $~8, %rax
    movq %rax, %cr4
    movq $msg_ud, %rsi
    call puts
    movq ud_count, %rdi
    movl $2, %ecx
    call puthex
    movq $msg_nl, %rsi
    call puts

    /* M: a write watch on the stack slot a PUSH fills. */
    call reset
    leaq -8(%rsp), %rax
    movq %rax, %dr3
    movq $0x90400480, %rax           /* G3, R/W3 = 01, LEN3 = 10 */
    movq %rax, %dr7
    pushq $5
m_after:
    popq %rax
    DISARM
    movq $msg_m, %rsi
    movq $m_after, %rax
    call report

    /* R: REP STOSB of 4 bytes with TF: a single-step trap after every iteration (RIP at the
     * REP instruction while iterations remain), the last one after the instruction. */
    call reset
    movq $r_after, tf_stop
    cld
    movq $buf, %rdi
    movl $4, %ecx
    pushfq
    orq $0x100, (%rsp)
    popfq
    rep stosb
r_after:
    movq $0, tf_stop
    movq $msg_r, %rsi
    movq $r_after, %rax
    call report

    movq $msg_done, %rsi
    call puts
    movl $0, %eax
    outl %eax, $0xf4
    hlt

/* reset: no #DB counted yet, DR6 cleared (reads back 0xffff0ff0). */
reset:
    movq $0, db_count
    movq $0, last_rip
    movq $0, last_dr6
    xorl %eax, %eax
    movq %rax, %dr6
    ret

/* report(rsi = name, rax = expected RIP): "NAME n=.. rip=yes|no dr6=........\n". */
report:
    call report_keep
    movq $msg_nl, %rsi
    jmp puts
report_keep:
    pushq %rax
    call puts
    movq $msg_n, %rsi
    call puts
    movq db_count, %rdi
    movl $2, %ecx
    call puthex
    movq $msg_rip, %rsi
    call puts
    popq %rax
    movq last_rip, %rdi
    subq %rax, %rdi
    movl $4, %ecx
    call puthex
    movq $msg_dr6, %rsi
    call puts
    movq last_dr6, %rdi
    movl $8, %ecx
    jmp puthex

/* #DB: count; record DR6, DR7, the saved RIP, RSI, RCX and RDI; clear TF in the frame (when
 * tf_stop is set: only at that RIP); DR6 = 0. */
isr_db:
    movq %rsi, last_rsi
    movq %rcx, last_rcx
    movq %rdi, last_rdi
    pushq %rax
    incq db_count
    movq %dr6, %rax
    movq %rax, last_dr6
    movq %dr7, %rax
    movq %rax, last_dr7
    movq 8(%rsp), %rax
    movq %rax, last_rip
    cmpq $0, tf_stop                 /* TF off at once, or only at tf_stop */
    je 6f
    cmpq tf_stop, %rax
    jne 7f
6:  andq $~0x100, 24(%rsp)
7:
    xorl %eax, %eax
    movq %rax, %dr6
    popq %rax
    iretq

/* #UD: count and skip the 3-byte MOV DR instruction. */
isr_ud:
    incq ud_count
    addq $3, (%rsp)
    iretq

#include "common.inc"

    .data
#include "flat-gdt64.inc"
    .balign 16
wvar:       .quad 0
buf:        .quad 0, 0, 0
ssvar:      .word KDATA
    .balign 8
db_count:   .quad 0
tf_stop:    .quad 0
ud_count:   .quad 0
last_dr6:   .quad 0
last_dr7:   .quad 0
last_rip:   .quad 0
last_rcx:   .quad 0
last_rsi:   .quad 0
last_rdi:   .quad 0
hexdigits:  .ascii "0123456789abcdef"
msg_start:  .asciz "watchpoint test: long mode\n"
msg_a:      .asciz "A write watch:"
msg_b:      .asciz "B read watch:"
msg_c1:     .asciz "C overlap 2..5:"
msg_c2:     .asciz "C bytes 6, 3, 3..4:"
msg_e:      .asciz "E rep stosb:"
msg_e2:     .asciz "E2 rep movsb:"
msg_g1:     .asciz "G io breakpoint:"
msg_h:      .asciz "H dr4 dr5: "
msg_ud:     .asciz " with DE #UD: "
msg_m:      .asciz "M push:"
msg_r:      .asciz "R rep stosb with TF:"
msg_n:      .asciz " n="
msg_rip:    .asciz " rip="
msg_dr6:    .asciz " dr6="
msg_rcx:    .asciz "  rcx="
msg_rdi:    .asciz " rdi-buf="
msg_rsi:    .asciz " rsi-buf="
msg_sp:     .asciz " "
msg_nl:     .asciz "\n"
msg_done:   .asciz "done\n"

    .bss
    .balign 4096
pml4:   .skip 4096
pdpt:   .skip 4096
pd:     .skip 4096
idt:    .skip 4096
        .skip 8192
kstack_top:
