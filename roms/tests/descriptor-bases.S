/* Test guest: canonical checks on descriptor-table bases in 64-bit mode (kvm-unit-tests' la57
 * test found them missing). Each check prints one line on port 0xE9:
 *   1-2. LGDT / LIDT with a non-canonical base: #GP(0), GDTR / IDTR keep their value (SGDT/SIDT);
 *   3.   LGDT with a canonical upper-half base is accepted (then the old GDTR is restored);
 *   4-5. LTR / LLDT of a 16-byte TSS / LDT descriptor whose base (bits 63:32 in the third
 *        dword) is non-canonical: #GP(selector), TR/LDTR unchanged, the TSS not marked busy;
 *   6.   the same descriptors with a canonical base load (STR, SLDT).
 * QEMU 7.2 TCG does not make these checks (it loads the bases), so the oracle is Bochs
 * (descriptor-bases.args: no QEMU run, a Bochs run); Orrery and Bochs print
 * roms/tests/descriptor-bases.expected. The run ends with isa-debug-exit (Orrery) and Bochs's
 * "Shutdown" port. Built by tools/build-test-roms.sh.
 */
#define KCODE 0x08
#define KDATA 0x10
#define TSSSEL 0x18
#define LDTSEL 0x28

#include "multiboot.inc"
#include "long-mode-entry.inc"
    movb $0xFF, %al
    outb %al, $0x21
    outb %al, $0xA1
    movl $13, %edi
    movq $isr13, %rsi
    movl $0x8E, %edx
    call set_gate
    lidt idt_pointer
    movq $msg_start, %rsi
    call puts

    /* TSS and LDT descriptors: base low 32 bits = tss / ldt (below 4 GiB), bits 63:32 set
     * to 0x00008000 (non-canonical) first. */
    movq $tss, %rax
    movw %ax, gdt + TSSSEL + 2
    shrq $16, %rax
    movb %al, gdt + TSSSEL + 4
    movb %ah, gdt + TSSSEL + 7
    movq $ldt, %rax
    movw %ax, gdt + LDTSEL + 2
    shrq $16, %rax
    movb %al, gdt + LDTSEL + 4
    movb %ah, gdt + LDTSEL + 7
    movl $0x00008000, gdt + TSSSEL + 8
    movl $0x00008000, gdt + LDTSEL + 8

    /* 1. LGDT, non-canonical base. */
    movq $msg_lgdt, %rsi
    call puts
    movq $1f, resume
    movq $0, faulted
    lgdt bad_pointer
1:  call report
    sgdt stored
    movq stored + 2, %rax
    cmpq $gdt, %rax
    call kept

    /* 2. LIDT, non-canonical base. */
    movq $msg_lidt, %rsi
    call puts
    movq $1f, resume
    movq $0, faulted
    lidt bad_pointer
1:  call report
    sidt stored
    movq stored + 2, %rax
    cmpq $idt, %rax
    call kept

    /* 3. LGDT, canonical upper-half base: accepted (nothing uses the GDT until it is restored). */
    movq $msg_lgdt_high, %rsi
    call puts
    movq $1f, resume
    movq $0, faulted
    lgdt high_pointer
    sgdt stored
    lgdt gdt_pointer
1:  call report
    movq stored + 2, %rax
    movabsq $0xFFFF800000000000, %rdx
    cmpq %rdx, %rax
    call loaded

    /* 4. LTR, non-canonical TSS base. */
    movq $msg_ltr, %rsi
    call puts
    movq $1f, resume
    movq $0, faulted
    movw $TSSSEL, %ax
    ltr %ax
1:  call report
    str %ax
    movzwl %ax, %eax
    cmpl $0, %eax
    call kept
    movq $msg_type, %rsi
    call puts
    movzbl gdt + TSSSEL + 5, %edi
    andl $0xF, %edi
    movl $1, %ecx
    call puthex
    movq $msg_nl, %rsi
    call puts

    /* 5. LLDT, non-canonical LDT base. */
    movq $msg_lldt, %rsi
    call puts
    movq $1f, resume
    movq $0, faulted
    movw $LDTSEL, %ax
    lldt %ax
1:  call report
    sldt %ax
    movzwl %ax, %eax
    cmpl $0, %eax
    call kept

    /* 6. Canonical bases: both load. */
    movl $0, gdt + TSSSEL + 8
    movl $0, gdt + LDTSEL + 8
    movq $msg_ltr_ok, %rsi
    call puts
    movq $1f, resume
    movq $0, faulted
    movw $TSSSEL, %ax
    ltr %ax
    movw $LDTSEL, %ax
    lldt %ax
1:  call report
    movq $msg_tr, %rsi
    call puts
    str %ax
    movzwl %ax, %edi
    movl $4, %ecx
    call puthex
    movq $msg_ldtr, %rsi
    call puts
    sldt %ax
    movzwl %ax, %edi
    movl $4, %ecx
    call puthex
    movq $msg_nl, %rsi
    call puts

    movq $msg_done, %rsi
    call puts
    movl $0, %eax
    outl %eax, $0xf4
    /* Bochs has no isa-debug-exit: "Shutdown" on port 0x8900 powers it off. */
    movq $bochs_shutdown, %rsi
    movw $0x8900, %dx
2:  lodsb
    testb %al, %al
    jz 3f
    outb %al, %dx
    jmp 2b
3:  hlt
    jmp 3b

/* report: ": #GP(xxxx)" or ": no fault". */
report:
    cmpq $0, faulted
    je 1f
    movq $msg_gp, %rsi
    call puts
    movq error_code, %rdi
    movl $4, %ecx
    call puthex
    movq $msg_close, %rsi
    jmp puts
1:  movq $msg_nofault, %rsi
    jmp puts

/* kept / loaded: ", unchanged" / ", loaded" from ZF (set: the expected value), then a newline. */
kept:
    movq $msg_kept, %rsi
    je puts_nl
    movq $msg_changed, %rsi
    jmp puts_nl
loaded:
    movq $msg_loaded, %rsi
    je puts_nl
    movq $msg_notloaded, %rsi
puts_nl:
    call puts
    movq $msg_nl, %rsi
    jmp puts

/* #GP: record the error code, continue at `resume`. */
isr13:
    popq error_code
    movq $1, faulted
    pushq %rax
    movq resume, %rax
    movq %rax, 8(%rsp)               /* the saved RIP */
    popq %rax
    iretq

#include "common.inc"

    .data
    .balign 8
gdt:
    .quad 0
    .quad 0x00AF9A000000FFFF         /* 0x08 64-bit code, ring 0 */
    .quad 0x00CF92000000FFFF         /* 0x10 data, ring 0 */
    .quad 0x0000890000000067, 0      /* 0x18 64-bit TSS, available (16 bytes) */
    .quad 0x0000820000000FFF, 0      /* 0x28 LDT (16 bytes) */
gdt_end:
gdt_pointer:
    .word gdt_end - gdt - 1
    .quad gdt
idt_pointer:
    .word 256 * 16 - 1
    .quad idt
bad_pointer:
    .word 0xFFF
    .quad 0x0000800000000000
high_pointer:
    .word gdt_end - gdt - 1
    .quad 0xFFFF800000000000
stored:     .quad 0, 0
resume:     .quad 0
faulted:    .quad 0
error_code: .quad 0
hexdigits:  .ascii "0123456789abcdef"
msg_start:  .asciz "descriptor-bases test: long mode\n"
msg_lgdt:   .asciz "lgdt base 0000800000000000"
msg_lidt:   .asciz "lidt base 0000800000000000"
msg_lgdt_high: .asciz "lgdt base ffff800000000000"
msg_ltr:    .asciz "ltr tss base 00008000xxxxxxxx"
msg_lldt:   .asciz "lldt ldt base 00008000xxxxxxxx"
msg_ltr_ok: .asciz "ltr/lldt canonical bases"
msg_gp:     .asciz ": #GP("
msg_close:  .asciz ")"
msg_nofault: .asciz ": no fault"
msg_kept:   .asciz ", unchanged"
msg_changed: .asciz ", CHANGED"
msg_loaded: .asciz ", loaded"
msg_notloaded: .asciz ", NOT loaded"
msg_type:   .asciz "tss type after the failed ltr: "
msg_tr:     .asciz ", tr "
msg_ldtr:   .asciz " ldtr "
msg_nl:     .asciz "\n"
msg_done:   .asciz "done\n"
bochs_shutdown: .asciz "Shutdown"

    .bss
    .balign 4096
pml4:   .skip 4096
pdpt:   .skip 4096
pd:     .skip 4096
idt:    .skip 4096
tss:    .skip 4096
ldt:    .skip 4096
        .skip 8192
kstack_top:
