/* Test guest: exceptions, software interrupts, privilege changes and SYSCALL/SYSRET in long mode.
 *
 * Boots by Multiboot v1 (a.out kludge) in 32-bit protected mode, switches to long mode, loads a
 * GDT (ring-0/ring-3 code and data, a 64-bit TSS), LTR, builds an IDT, then raises #DE, #UD, #BP,
 * INT 0x80, #GP(selector), goes to ring 3 with IRETQ (INT 0x80 and #UD from ring 3 through
 * TSS.RSP0), and does a SYSCALL/SYSRET round trip. Every event prints one line on port 0xE9
 * (vector, error code, CPL it came from, whether the saved RIP is the expected one); the run
 * ends by writing 0 to isa-debug-exit (port 0xf4). Orrery and QEMU must print the same text
 * (roms/tests/exceptions.expected).
 * Built by tools/build-test-roms.sh.
 */
#define KCODE 0x08
#define KDATA 0x10
#define UDATA 0x23
#define UCODE 0x2B
#define TSSSEL 0x30

#include "multiboot.inc"
#include "long-mode-entry.inc"
    /* Mask every 8259 input: the ring-3 part runs with IF = 1, and the firmware (SeaBIOS on
     * QEMU) leaves the timer unmasked, so on a slow host QEMU could deliver a tick into an IDT
     * that has no gate for it (seen once in CI as an extra #GP line). */
    movb $0xFF, %al
    outb %al, $0x21
    outb %al, $0xA1

    /* TSS descriptor: base = tss (split into the descriptor's fields at run time). */
    movq $tss, %rax
    movw %ax, gdt + TSSSEL + 2
    shrq $16, %rax
    movb %al, gdt + TSSSEL + 4
    movb %ah, gdt + TSSSEL + 7
    shrq $16, %rax
    movl %eax, gdt + TSSSEL + 8
    movq $kstack0_top, %rax
    movq %rax, tss + 4               /* RSP0 */
    movw $104, tss + 0x66            /* no I/O bitmap */
    movw $TSSSEL, %ax
    ltr %ax

    /* IDT: vectors 0, 3, 6, 13 (ring 0 only), 0x80 and 0x81 (callable from ring 3). */
    movl $0, %edi
    movq $isr0, %rsi
    movl $0x8E, %edx
    call set_gate
    movl $3, %edi
    movq $isr3, %rsi
    movl $0xEE, %edx                 /* INT3 from any ring */
    call set_gate
    movl $6, %edi
    movq $isr6, %rsi
    movl $0x8E, %edx
    call set_gate
    movl $13, %edi
    movq $isr13, %rsi
    movl $0x8E, %edx
    call set_gate
    movl $0x80, %edi
    movq $isr128, %rsi
    movl $0xEE, %edx
    call set_gate
    movl $0x81, %edi
    movq $isr129, %rsi
    movl $0xEE, %edx
    call set_gate
    lidt idt_pointer

    movq $msg_start, %rsi
    call puts

    /* 1. #DE: divide by zero (fault: RIP of the DIV). */
    movq $de_insn, expect_rip
    movq $de_after, resume
    xorl %ecx, %ecx
    movl $1, %eax
    xorl %edx, %edx
de_insn:
    divl %ecx
de_after:

    /* 2. #UD: UD2 (fault). */
    movq $ud_insn, expect_rip
    movq $ud_after, resume
ud_insn:
    ud2
ud_after:

    /* 3. #BP: INT3 (trap: RIP after it). */
    movq $bp_after, expect_rip
    int3
bp_after:

    /* 4. INT 0x80 (trap). */
    movq $int_after, expect_rip
    int $0x80
int_after:

    /* 5. #GP(0x1234): a selector with TI = 1 while the LDT is null. */
    movq $gp_insn, expect_rip
    movq $gp_after, resume
    movw $0x1234, %ax
gp_insn:
    movw %ax, %ds
gp_after:

    /* 6. Ring 3 through IRETQ: INT 0x80 and #UD from user mode, then INT 0x81 comes back. */
    movq %rsp, saved_rsp
    pushq $UDATA
    pushq $ustack_top
    pushq $0x202
    pushq $UCODE
    pushq $user_code
    iretq
back_from_user:
    movq $msg_back, %rsi
    call puts

    /* 7. SYSCALL/SYSRET round trip from ring 3. */
    movl $0xC0000081, %ecx           /* STAR: SYSRET CS base 0x18, SYSCALL CS 0x08 */
    xorl %eax, %eax
    movl $0x00180008, %edx
    wrmsr
    movl $0xC0000082, %ecx           /* LSTAR */
    movq $syscall_entry, %rax
    movq %rax, %rdx
    shrq $32, %rdx
    wrmsr
    movl $0xC0000084, %ecx           /* SFMASK: IF */
    movl $0x200, %eax
    xorl %edx, %edx
    wrmsr
    movq %rsp, saved_rsp
    pushq $UDATA
    pushq $ustack_top
    pushq $0x202
    pushq $UCODE
    pushq $user_code2
    iretq
back_from_user2:
    movq $msg_done, %rsi
    call puts
    movl $0, %eax
    outl %eax, $0xf4
1:  hlt
    jmp 1b

/* ---- ring 3 ---- */
user_code:
    movq $user_int_after, expect_rip
    int $0x80
user_int_after:
    movq $user_ud, expect_rip
    movq $user_ud_after, resume
user_ud:
    ud2
user_ud_after:
    int $0x81

user_code2:
    movq $user_sys_after, expect_rip
    syscall
user_sys_after:
    int $0x81

/* ---- ring 0 entry points ---- */
syscall_entry:
    /* RCX = return RIP, R11 = RFLAGS; still on the user stack (no stack switch). */
    pushq %rcx
    movq $msg_syscall, %rsi
    call puts
    cmpq expect_rip, %rcx
    je 1f
    movq $msg_bad, %rsi
    call puts
1:  movq $msg_nl, %rsi
    call puts
    movq %r11, %rdi
    shrq $9, %rdi
    andq $1, %rdi
    movl $1, %ecx
    call puthex
    movq $msg_eol, %rsi
    call puts
    popq %rcx
    sysretq

isr0:   pushq $0
        pushq $0
        jmp common
isr3:   pushq $0
        pushq $3
        jmp common
isr6:   pushq $0
        pushq $6
        jmp common
isr13:  pushq $13                    /* error code already pushed by the CPU */
        jmp common
isr128: pushq $0
        pushq $0x80
        jmp common
isr129: /* back to ring 0 for good: drop the frame and continue the kernel sequence. */
        movq saved_rsp, %rsp
        cmpq $0, second_trip
        jne 1f
        movq $1, second_trip
        jmp back_from_user
1:      jmp back_from_user2

/* Stack: vector, error code, RIP, CS, RFLAGS, RSP, SS. */
common:
    pushq %rax
    pushq %rcx
    pushq %rdx
    pushq %rsi
    pushq %rdi
    movq $msg_vec, %rsi
    call puts
    movq 40(%rsp), %rdi              /* vector */
    movl $2, %ecx
    call puthex
    movq $msg_err, %rsi
    call puts
    movq 48(%rsp), %rdi              /* error code */
    movl $4, %ecx
    call puthex
    movq $msg_cpl, %rsi
    call puts
    movq 64(%rsp), %rdi              /* CS.RPL = the CPL interrupted */
    andq $3, %rdi
    movl $1, %ecx
    call puthex
    movq 56(%rsp), %rax              /* saved RIP */
    movq $msg_ripok, %rsi
    cmpq expect_rip, %rax
    je 1f
    movq $msg_ripbad, %rsi
1:  call puts
    movq resume, %rax                /* faults: continue after the faulting instruction */
    testq %rax, %rax
    jz 2f
    movq %rax, 56(%rsp)
    movq $0, resume
2:  popq %rdi
    popq %rsi
    popq %rdx
    popq %rcx
    popq %rax
    addq $16, %rsp
    iretq

#include "common.inc"

    .data
    .balign 8
gdt:
    .quad 0
    .quad 0x00AF9A000000FFFF         /* 0x08 64-bit code, ring 0 */
    .quad 0x00CF92000000FFFF         /* 0x10 data, ring 0 */
    .quad 0x00CFFA000000FFFF         /* 0x18 32-bit code, ring 3 (SYSRET base) */
    .quad 0x00CFF2000000FFFF         /* 0x20 data, ring 3 */
    .quad 0x00AFFA000000FFFF         /* 0x28 64-bit code, ring 3 */
    .quad 0x0000890000000067         /* 0x30 64-bit TSS (base filled in at run time) */
    .quad 0
gdt_end:
gdt_pointer:
    .word gdt_end - gdt - 1
    .quad gdt
idt_pointer:
    .word 256 * 16 - 1
    .quad idt
expect_rip: .quad 0
resume:     .quad 0
saved_rsp:  .quad 0
second_trip: .quad 0
hexdigits:  .ascii "0123456789abcdef"
msg_start:  .asciz "exceptions test: long mode, IDT loaded\n"
msg_vec:    .asciz "vector "
msg_err:    .asciz " error "
msg_cpl:    .asciz " from cpl "
msg_ripok:  .asciz " rip ok\n"
msg_ripbad: .asciz " rip WRONG\n"
msg_back:   .asciz "back in ring 0\n"
msg_syscall: .asciz "syscall from ring 3"
msg_bad:    .asciz " (rcx WRONG)"
msg_nl:     .asciz ", r11.IF "
msg_eol:    .asciz "\n"
msg_done:   .asciz "sysret ok; all done\n"

    .bss
    .balign 4096
pml4:   .skip 4096
pdpt:   .skip 4096
pd:     .skip 4096
idt:    .skip 4096
tss:    .skip 4096
        .skip 8192
kstack_top:
        .skip 8192
kstack0_top:
        .skip 8192
ustack_top:
