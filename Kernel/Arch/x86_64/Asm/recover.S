/* Arch layer: routines whose faults are recovered instead of panicking.
 *
 * Each potentially faulting instruction gets an entry in the __ex_table section: (address
 * of the instruction, address of its fixup). When a #PF/#GP/#UD hits kernel code, the trap
 * dispatcher looks the faulting RIP up in this table (Arch/x86_64/ExceptionTable.swift); on a
 * hit it sets RIP to the fixup and returns from the exception instead of panicking. This is
 * how user-memory copies turn a bad user pointer into EFAULT (HAL/UserCopy.swift, later).
 */
.macro EX_ENTRY fault, fixup
    .pushsection __ex_table, "a"
    .p2align 3
    .quad \fault, \fixup
    .popsection
.endm

    .text
/* uint64_t arch_copy_recoverable(void *dst, const void *src, uint64_t len)
   REP MOVSB faults precisely: on a fault RCX holds the bytes not yet copied, and RSI/RDI
   point at the faulting byte, so the fixup just returns RCX. */
    .globl arch_copy_recoverable
arch_copy_recoverable:
    movq %rdx, %rcx
1:  rep movsb
    xorl %eax, %eax
    ret
2:  movq %rcx, %rax
    ret
    EX_ENTRY 1b, 2b

/* uint64_t arch_test_ud_resume(void): UD2 raises #UD (an exception that reports the
   address of UD2 itself); the dispatcher resumes at the fixup, which returns 1. */
    .globl arch_test_ud_resume
arch_test_ud_resume:
1:  ud2
    xorl %eax, %eax
    ret
2:  movl $1, %eax
    ret
    EX_ENTRY 1b, 2b

/* uint64_t arch_test_xmm_across_interrupt(void): fills XMM0-15 with distinct patterns,
   raises vector 0x40 (whose handler calls Swift code and arch_clobber_xmm), then compares.
   Returns a bit mask of the XMM registers that changed (0 = state preserved). */
    .globl arch_test_xmm_across_interrupt
arch_test_xmm_across_interrupt:
    pushq %rbp
    movq %rsp, %rbp
    leaq xmm_patterns(%rip), %rax
    .irp r, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
    movdqu (\r * 16)(%rax), %xmm\r
    .endr
    int $0x40
    xorl %edx, %edx
    .irp r, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
    pcmpeqb (\r * 16)(%rax), %xmm\r
    pmovmskb %xmm\r, %ecx
    cmpl $0xFFFF, %ecx
    je 3f
    orl $(1 << \r), %edx
3:
    .endr
    movl %edx, %eax
    popq %rbp
    ret

/* void arch_clobber_xmm(void): every XMM register := all ones (XMM is caller-saved). */
    .globl arch_clobber_xmm
arch_clobber_xmm:
    pcmpeqb %xmm0, %xmm0
    .irp r, 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
    movdqa %xmm0, %xmm\r
    .endr
    ret

    .section .rodata
    .p2align 4
xmm_patterns:
    .irp r, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
    .quad 0x0123456789ABCDEF + \r, 0xFEDCBA9876543210 - \r
    .endr

/* void arch_test_interrupt(void): INT 0x40 from a plain call (C calling convention). */
    .text
    .globl arch_test_interrupt
arch_test_interrupt:
    int $0x40
    ret
