/* Arch layer: the interrupt and exception entry path, for all 256 vectors.
 *
 * In 64-bit mode the CPU, on any interrupt or exception, aligns RSP down to 16 bytes
 * (switching to TSS.RSP0 first when coming from ring 3, or to an IST stack when the IDT gate
 * names one), then pushes SS, RSP, RFLAGS, CS, RIP and, for vectors 8, 10-14, 17, 21, 29
 * and 30, an error code. Each stub below pushes a zero error code when the CPU did not, then
 * its vector number, so every frame has the same shape (struct trap_frame in arch.h).
 *
 * trap_common then saves the 15 general registers and the whole x87/SSE state (FXSAVE, 512
 * bytes, 16-byte aligned) BEFORE any Swift code runs: the kernel's Swift code uses XMM
 * registers (memcpy, floating point, vector code), so an interrupt that did not save them
 * would corrupt whatever was interrupted, kernel code included (DESIGN.md section 4).
 */
#include "layout.h"

/* Vectors for which the CPU pushes an error code. */
#define HAS_ERROR_CODE(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || (v) == 21 || (v) == 29 || (v) == 30)

    .text
    .altmacro
.macro TRAP_STUB v
    .p2align 4
trap_stub_\v:
    .if HAS_ERROR_CODE(\v) == 0
    pushq $0
    .endif
    pushq $\v
    jmp trap_common
.endm

.set vec, 0
.rept 256
    TRAP_STUB %vec
    .set vec, vec + 1
.endr

/* Offsets into struct trap_frame (8 bytes per field). */
#define TF_RBP    (6 * 8)
#define TF_VECTOR (15 * 8)
#define TF_RIP    (17 * 8)
#define TF_CS     (18 * 8)

trap_common:
    /* Coming from ring 3 (CS.RPL = 3; CS is at 24(%rsp) before the register pushes):
       switch GS base to the kernel's (SWAPGS); undone on the way out. */
    testb $3, 24(%rsp)
    jz 1f
    swapgs
1:
    pushq %r15
    pushq %r14
    pushq %r13
    pushq %r12
    pushq %r11
    pushq %r10
    pushq %r9
    pushq %r8
    pushq %rbp
    pushq %rdi
    pushq %rsi
    pushq %rdx
    pushq %rcx
    pushq %rbx
    pushq %rax
    movq %rsp, %rbx                 /* RBX (callee-saved) = the trap frame */

    /* FXSAVE area: 512 bytes, 16-byte aligned (FXSAVE faults otherwise). The frame is
       176 bytes on a 16-aligned stack, so this is already aligned; the AND is a guard. */
    subq $512, %rsp
    andq $-16, %rsp
    fxsave64 (%rsp)
    cld                             /* the SysV ABI requires DF = 0 on function entry */

    /* A fake call frame (return address = interrupted RIP, saved RBP = interrupted RBP), so a
       frame-pointer backtrace taken in Swift walks on into the interrupted code. */
    pushq TF_RIP(%rbx)
    pushq TF_RBP(%rbx)
    movq %rsp, %rbp

    movq %rbx, %rdi
    call arch_trap_dispatch         /* Swift: Arch/x86_64/TrapDispatch.swift */

    fxrstor64 16(%rsp)
    movq %rbx, %rsp
    popq %rax
    popq %rbx
    popq %rcx
    popq %rdx
    popq %rsi
    popq %rdi
    popq %rbp
    popq %r8
    popq %r9
    popq %r10
    popq %r11
    popq %r12
    popq %r13
    popq %r14
    popq %r15
    addq $16, %rsp                  /* vector and error code */
    testb $3, 8(%rsp)               /* returning to ring 3: restore the user GS base */
    jz 2f
    swapgs
2:
    iretq

/* The stub addresses, indexed by vector, for the IDT builder (Arch/x86_64/IDT.swift). */
    .section .rodata
    .p2align 3
    .globl arch_trap_stubs
arch_trap_stubs:
.macro STUB_ADDRESS v
    .quad trap_stub_\v
.endm
.set vec, 0
.rept 256
    STUB_ADDRESS %vec
    .set vec, vec + 1
.endr
