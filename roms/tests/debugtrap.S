/* Test guest: the debug exception (#DB) and I/O port operand sizes, in long mode.
 *
 *  1. TF single-step: POPF sets TF; each following instruction traps (#DB, RIP after it,
 *     DR6.BS); the handler counts the traps and clears TF in the frame at a marker.
 *  2. Instruction breakpoint: DR0 = the address of an instruction, DR7.G0 with R/W = 00:
 *     #DB before it executes (RIP = that instruction, DR6.B0); the handler sets RF in the
 *     frame so the instruction then runs once.
 *  3. MOV SS, then a breakpointed instruction: on AMD the code #DB still happens (Intel
 *     suppresses it; kvm-unit-tests' emulator test checks the same split).
 *  4. Port sizes: OUT DX, AL and OUT imm8, AL write one byte, OUT DX, AX two; read back
 *     through QEMU's pc-testdev data register (port 0xE0, 4 bytes).
 * Each step prints one line on port 0xE9; the run ends through isa-debug-exit (port 0xf4).
 * Orrery and QEMU (run with -device pc-testdev) print roms/tests/debugtrap.expected.
 * Built by tools/build-test-roms.sh.
 */
#define KCODE 0x08
#define KDATA 0x10

#include "multiboot.inc"
#include "long-mode-entry.inc"
    movl $1, %edi
    movq $isr_db, %rsi
    movl $0x8E, %edx
    call set_gate
    lidt idt_pointer
    movq $msg_start, %rsi
    call puts

    /* 1. Single-step four instructions, then the handler clears TF at step_end. */
    movq $0, db_count
    pushfq
    orq $0x100, (%rsp)
    popfq                            /* TF = 1 from the next instruction on */
    nop
    movl $1, %eax
    addl $2, %eax
step_end:
    nop
    movq $msg_steps, %rsi
    call puts
    movq db_count, %rdi
    movl $2, %ecx
    call puthex
    movq $msg_dr6, %rsi
    call puts
    movq last_dr6, %rdi
    andq $0x400F, %rdi               /* BS and B0-B3 */
    movl $4, %ecx
    call puthex
    movq $msg_nl, %rsi
    call puts

    /* 2. Instruction breakpoint on bp_target. */
    movq $0, db_count
    xorl %eax, %eax
    movq %rax, %dr6
    movq $bp_target, %rax
    movq %rax, %dr0
    movq $0x602, %rax                /* G0, R/W0 = 00 (execute), LEN0 = 00; bit 10 reads 1 */
    movq %rax, %dr7
    xorl %ebx, %ebx
bp_target:
    incl %ebx                        /* must run exactly once */
    movq $msg_bp, %rsi
    call puts
    movq db_count, %rdi
    movl $2, %ecx
    call puthex
    movq $msg_rip, %rsi
    call puts
    movq last_rip, %rdi
    cmpq $bp_target, %rdi
    movq $msg_yes, %rsi
    je 1f
    movq $msg_no, %rsi
1:  call puts
    movq $msg_ebx, %rsi
    call puts
    movq %rbx, %rdi
    movl $2, %ecx
    call puthex
    movq $msg_dr6, %rsi
    call puts
    movq last_dr6, %rdi
    andq $0x400F, %rdi
    movl $4, %ecx
    call puthex
    movq $msg_nl, %rsi
    call puts

    /* 3. MOV SS followed by the breakpointed instruction. */
    movq $0, db_count
    movq $ss_target, %rax
    movq %rax, %dr0
    movw %ss, %ax
    movw %ax, %ss
ss_target:
    nop
    movq $0x400, %rax
    movq %rax, %dr7                  /* breakpoints off */
    movq $msg_ss, %rsi
    call puts
    movq db_count, %rdi
    movl $2, %ecx
    call puthex
    movq $msg_nl, %rsi
    call puts

    /* 4. Port sizes through pc-testdev's 32-bit data register at 0xE0. */
    movw $0xE0, %dx
    movl $0x11223344, %eax
    outl %eax, %dx
    movb $0xAB, %al
    outb %al, %dx                    /* one byte: 0x112233ab */
    inl %dx, %eax
    movl %eax, %edi
    movq $msg_outb, %rsi
    call puts
    movl $8, %ecx
    call puthex
    movl $0xCDEF, %eax
    outw %ax, %dx                    /* two bytes: 0x1122cdef */
    inl %dx, %eax
    movl %eax, %edi
    movq $msg_outw, %rsi
    call puts
    movl $8, %ecx
    call puthex
    movb $0x77, %al
    outb %al, $0xE1                  /* byte 1: 0x112277ef */
    inl %dx, %eax
    movl %eax, %edi
    movq $msg_outi, %rsi
    call puts
    movl $8, %ecx
    call puthex
    movq $msg_done, %rsi
    call puts
    movl $0, %eax
    outl %eax, $0xf4
    hlt

/* #DB: count, record DR6 and the saved RIP; at step_end clear TF; on a breakpoint set RF. */
isr_db:
    pushq %rax
    incq db_count
    movq %dr6, %rax
    movq %rax, last_dr6
    movq 8(%rsp), %rax               /* saved RIP */
    movq %rax, last_rip
    cmpq $step_end, %rax
    jne 1f
    andq $~0x100, 24(%rsp)           /* saved RFLAGS: TF off */
1:  movq %dr6, %rax
    testb $0xF, %al
    jz 2f
    orq $0x10000, 24(%rsp)           /* RF: let the breakpointed instruction run */
2:  xorl %eax, %eax
    movq %rax, %dr6
    popq %rax
    iretq

#include "common.inc"

    .data
#include "flat-gdt64.inc"
db_count:   .quad 0
last_dr6:   .quad 0
last_rip:   .quad 0
hexdigits:  .ascii "0123456789abcdef"
msg_start:  .asciz "debug test: long mode\n"
msg_steps:  .asciz "single-step traps: "
msg_dr6:    .asciz " dr6 "
msg_nl:     .asciz "\n"
msg_bp:     .asciz "breakpoint #DB: "
msg_rip:    .asciz " at target "
msg_yes:    .asciz "yes"
msg_no:     .asciz "no"
msg_ebx:    .asciz " ebx "
msg_ss:     .asciz "breakpoint after MOV SS: "
msg_outb:   .asciz "out dx,al: "
msg_outw:   .asciz "\nout dx,ax: "
msg_outi:   .asciz "\nout imm8,al: "
msg_done:   .asciz "\ndone\n"

    .bss
    .balign 4096
pml4:   .skip 4096
pdpt:   .skip 4096
pd:     .skip 4096
idt:    .skip 4096
        .skip 8192
kstack_top:
