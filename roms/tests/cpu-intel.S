/* Test guest: the Intel CPU model (`orrery run --cpu intel`; QEMU `-cpu qemu64,vendor=GenuineIntel`,
 * see cpu-intel.args). Where Intel and AMD define an instruction differently, this guest checks
 * Intel's rule in long mode, one line per check on port 0xE9:
 *   1. CPUID leaf 0 names GenuineIntel;
 *   2. REX.W far JMP through memory reads m16:64 (SDM "JMP": REX.W FF /5; AMD reads m16:32);
 *   3. REX.W far CALL through memory reads m16:64 and pushes CS and RIP as 8-byte slots;
 *      LRETQ comes back;
 *   4. SYSENTER from 64-bit ring 0 enters 64-bit code (AMD: #UD in long mode) at SYSENTER_EIP
 *      with RSP = SYSENTER_ESP and IF clear; REX.W SYSEXIT goes to 64-bit ring 3 (CS =
 *      SYSENTER_CS + 32, SS = + 40), whose SYSENTER comes back;
 *   5. SYSEXIT without REX.W goes to compatibility mode (CS = SYSENTER_CS + 16, SS = + 24);
 *      SYSENTER from 32-bit ring 3 enters 64-bit ring 0 again.
 * (kvm-unit-tests' emulator test reached check 2 first: `rex64 ljmp *m`.) The run ends by
 * writing 0 to isa-debug-exit (port 0xf4; Bochs: "Shutdown" on port 0x8900). Orrery, QEMU and
 * Bochs with an Intel CPU model (cpu-intel.args) print roms/tests/cpu-intel.expected.
 * Built by tools/build-test-roms.sh.
 */
#define KCODE 0x08
#define KDATA 0x10
#define UCODE32 0x1B
#define UDATA32 0x23
#define UCODE64 0x2B
#define UDATA64 0x33

#include "multiboot.inc"
#include "long-mode-entry.inc"
    movb $0xFF, %al                  /* every 8259 input masked: IF = 1 in ring 3 is harmless */
    outb %al, $0x21
    outb %al, $0xA1
    movq $msg_start, %rsi
    call puts

    /* 1. The vendor string: EBX, EDX, ECX of leaf 0. */
    xorl %eax, %eax
    cpuid
    movl %ebx, vendor
    movl %edx, vendor + 4
    movl %ecx, vendor + 8
    movq $msg_vendor, %rsi
    call puts
    movq $vendor, %rsi
    call puts
    movq $msg_nl, %rsi
    call puts

    /* 2. rex64 ljmp *m: offset (8 bytes) then selector. With m16:32 the CPU would take the
     *    low half of the offset as the offset and the high half's low word as the selector. */
    movq $ljmp_target, %rax
    movq %rax, farptr
    movw $KCODE, farptr + 8
    rex64 ljmp *farptr
    movq $msg_ljmp_bad, %rsi
    call puts
    jmp 1f
ljmp_target:
    movq $msg_ljmp_ok, %rsi
    call puts
1:

    /* 3. rex64 lcall *m: 8-byte pushes of CS and RIP. */
    movq $lcall_target, %rax
    movq %rax, farptr
    movw $KCODE, farptr + 8
    movq %rsp, saved_rsp
    rex64 lcall *farptr
lcall_return:
    movq $msg_lcall, %rsi
    call puts
    movq %rsp, %rdi                  /* RSP is back where it was */
    subq saved_rsp, %rdi
    movl $1, %ecx
    call puthex
    movq $msg_nl, %rsi
    call puts
    jmp 2f
lcall_target:
    movq saved_rsp, %rdi
    subq %rsp, %rdi                  /* 16: two 8-byte slots */
    movq %rdi, lcall_depth
    movq (%rsp), %rax
    cmpq $lcall_return, %rax
    jne 1f
    cmpq $KCODE, 8(%rsp)
    jne 1f
    movq $1, lcall_frame_ok
1:  lretq
2:  movq $msg_depth, %rsi
    call puts
    movq lcall_depth, %rdi
    movl $2, %ecx
    call puthex
    movq $msg_frame, %rsi
    call puts
    movq lcall_frame_ok, %rdi
    movl $1, %ecx
    call puthex
    movq $msg_nl, %rsi
    call puts

    /* 4. SYSENTER/SYSEXIT in 64-bit mode. */
    movl $0x174, %ecx                /* SYSENTER_CS */
    movl $KCODE, %eax
    xorl %edx, %edx
    wrmsr
    movl $0x175, %ecx                /* SYSENTER_ESP */
    movq $sysenter_stack_top, %rax
    movq %rax, %rdx
    shrq $32, %rdx
    wrmsr
    movl $0x176, %ecx                /* SYSENTER_EIP */
    movq $sysenter_entry, %rax
    movq %rax, %rdx
    shrq $32, %rdx
    wrmsr
    movq %rsp, saved_rsp
    movq $1, call_number
    sti                              /* SYSENTER must clear IF */
    sysenter                         /* from ring 0 in 64-bit mode */
    /* not reached: the handler continues at after_ring0_call */

after_ring0_call:
    /* REX.W SYSEXIT to 64-bit ring 3 at RDX with RSP = RCX. */
    movq $2, call_number
    movq $user64, %rdx
    movq $ustack_top, %rcx
    sysexitq

after_user64:
    /* 5. SYSEXIT (no REX.W) to compatibility mode. */
    movq $3, call_number
    movq $user32, %rdx
    movq $ustack_top, %rcx
    sysexitl

after_user32:
    movq $msg_done, %rsi
    call puts
    movl $0, %eax
    outl %eax, $0xf4
    /* Bochs has no isa-debug-exit: "Shutdown" on port 0x8900 powers it off. */
    movq $bochs_shutdown, %rsi
    movw $0x8900, %dx
2:  lodsb
    testb %al, %al
    jz 1f
    outb %al, %dx
    jmp 2b
1:  hlt
    jmp 1b

/* Ring 3, 64-bit: SYSENTER back (RBX = CS, RBP = SS seen here). */
user64:
    movl %cs, %ebx
    movl %ss, %ebp
    sysenter

/* Ring 3, compatibility mode. */
    .code32
user32:
    movl %cs, %ebx
    movl %ss, %ebp
    sysenter
    .code64

/* SYSENTER lands here in 64-bit ring 0 for every call: prints CS, SS, whether RSP is
 * SYSENTER_ESP, RFLAGS.IF, and the caller's CS/SS (RBX/RBP; call 1 is from ring 0). */
sysenter_entry:
    movq %rsp, %r12
    movq saved_rsp, %rsp             /* back on the kernel stack for the printing */
    movq $msg_sysenter, %rsi
    call puts
    movq call_number, %rdi
    movl $1, %ecx
    call puthex
    movq $msg_cs, %rsi
    call puts
    movl %cs, %edi
    movl $4, %ecx
    call puthex
    movq $msg_slash, %rsi
    call puts
    movl %ss, %edi
    movl $4, %ecx
    call puthex
    movq $msg_rsp, %rsi
    call puts
    movq $sysenter_stack_top, %rax
    xorl %edi, %edi
    cmpq %rax, %r12
    sete %dil
    movl $1, %ecx
    call puthex
    movq $msg_if, %rsi
    call puts
    pushfq
    popq %rdi
    shrq $9, %rdi
    andl $1, %edi
    movl $1, %ecx
    call puthex
    cmpq $1, call_number
    je 1f
    movq $msg_from, %rsi
    call puts
    movl %ebx, %edi
    movl $4, %ecx
    call puthex
    movq $msg_slash, %rsi
    call puts
    movl %ebp, %edi
    movl $4, %ecx
    call puthex
1:  movq $msg_nl, %rsi
    call puts
    movq call_number, %rax
    cmpq $1, %rax
    je after_ring0_call
    cmpq $2, %rax
    je after_user64
    jmp after_user32

#include "common.inc"

    .data
    .balign 8
gdt:
    .quad 0
    .quad 0x00AF9A000000FFFF         /* 0x08 64-bit code, ring 0 (SYSENTER_CS) */
    .quad 0x00CF92000000FFFF         /* 0x10 data, ring 0 (SYSENTER_CS + 8) */
    .quad 0x00CFFA000000FFFF         /* 0x18 32-bit code, ring 3 (SYSEXIT: + 16) */
    .quad 0x00CFF2000000FFFF         /* 0x20 data, ring 3 (SYSEXIT: + 24) */
    .quad 0x00AFFA000000FFFF         /* 0x28 64-bit code, ring 3 (REX.W SYSEXIT: + 32) */
    .quad 0x00CFF2000000FFFF         /* 0x30 data, ring 3 (REX.W SYSEXIT: + 40) */
gdt_end:
gdt_pointer:
    .word gdt_end - gdt - 1
    .quad gdt
    .balign 8
farptr:     .quad 0, 0
saved_rsp:  .quad 0
call_number: .quad 0
lcall_depth: .quad 0
lcall_frame_ok: .quad 0
vendor:     .skip 16
hexdigits:  .ascii "0123456789abcdef"
msg_start:  .asciz "cpu-intel test: long mode\n"
msg_vendor: .asciz "cpuid vendor: "
msg_ljmp_ok: .asciz "rex64 ljmp *m16:64: ok\n"
msg_ljmp_bad: .asciz "rex64 ljmp *m16:64: fell through\n"
msg_lcall:  .asciz "rex64 lcall *m16:64: returned, rsp delta "
msg_depth:  .asciz "lcall frame bytes "
msg_frame:  .asciz " rip/cs slots ok "
msg_sysenter: .asciz "sysenter "
msg_cs:     .asciz ": cs/ss "
msg_slash:  .asciz "/"
msg_rsp:    .asciz " rsp=SYSENTER_ESP "
msg_if:     .asciz " IF "
msg_from:   .asciz " from cs/ss "
msg_nl:     .asciz "\n"
msg_done:   .asciz "done\n"
bochs_shutdown: .asciz "Shutdown"

    .bss
    .balign 4096
pml4:   .skip 4096
pdpt:   .skip 4096
pd:     .skip 4096
idt:    .skip 4096
        .skip 8192
kstack_top:
        .skip 4096
sysenter_stack_top:
        .skip 8192
ustack_top:
