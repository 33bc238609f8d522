/* Test guest: interrupt acceptance. The 8254 PIT (channel 0, mode 2, ~100 Hz) interrupts
 * through the 8259 PIC (remapped to vectors 0x20-0x2F, only IRQ 0 unmasked) and the local
 * APIC's LINT0 in ExtINT mode (virtual-wire, as firmware leaves it); the CPU waits in
 * STI; HLT (the STI shadow keeps the interrupt from arriving between them) and each interrupt
 * wakes it. Prints five ticks with the saved RIP checked (the instruction after HLT), then
 * exits through isa-debug-exit. Same text on QEMU and Orrery (roms/tests/interrupts.expected).
 * Built by tools/build-test-roms.sh.
 */
#define KCODE 0x08
#define KDATA 0x10
#define LAPIC 0xFEE00000

#define EXTRA_PAGE_TABLES \
    movl $pd_high, %eax;  /* PDPT entry 3: 3-4 GiB through pd_high */ \
    orl $3, %eax; \
    movl %eax, pdpt + 24
#include "multiboot.inc"
    movl %ecx, %eax                  /* 3-4 GiB (local APIC, IOAPIC) through pd_high, uncached */
    shll $21, %eax
    orl $0xC0000093, %eax            /* 0xC0000000 + i * 2 MiB, present, writable, PCD, 2 MiB */
    movl %eax, pd_high(,%ecx,8)
#include "long-mode-entry.inc"


    /* IDT: the timer vector 0x20 and the PIC's spurious vectors 0x27/0x2F. */
    movl $0x20, %edi
    movq $timer_isr, %rsi
    movl $0x8E, %edx
    call set_gate
    movl $0x27, %edi
    movq $spurious_isr, %rsi
    movl $0x8E, %edx
    call set_gate
    movl $0x2F, %edi
    movq $spurious_isr, %rsi
    movl $0x8E, %edx
    call set_gate
    lidt idt_pointer

    /* 8259 pair: ICW1-ICW4, vectors 0x20/0x28, cascade on IRQ 2, then mask all but IRQ 0. */
    movb $0x11, %al
    outb %al, $0x20
    outb %al, $0xA0
    movb $0x20, %al
    outb %al, $0x21
    movb $0x28, %al
    outb %al, $0xA1
    movb $4, %al
    outb %al, $0x21
    movb $2, %al
    outb %al, $0xA1
    movb $1, %al
    outb %al, $0x21
    outb %al, $0xA1
    movb $0xFE, %al
    outb %al, $0x21
    movb $0xFF, %al
    outb %al, $0xA1

    /* Local APIC: software-enabled, LINT0 = ExtINT (the PIC), LINT1 = NMI. */
    movq $LAPIC, %rbx
    movl $0x1FF, 0xF0(%rbx)
    movl $0x700, 0x350(%rbx)
    movl $0x400, 0x360(%rbx)

    /* PIT channel 0: mode 2 (rate generator), divisor 11932 (about 100 Hz). */
    movb $0x34, %al
    outb %al, $0x43
    movb $(11932 & 0xFF), %al
    outb %al, $0x40
    movb $(11932 >> 8), %al
    outb %al, $0x40

    movq $msg_start, %rsi
    call puts
wait:
    sti
    hlt
after_hlt:
    cli
    cmpq $5, ticks
    jb wait
    movq $msg_done, %rsi
    call puts
    movl $0, %eax
    outl %eax, $0xf4
1:  hlt
    jmp 1b

timer_isr:
    pushq %rax
    pushq %rcx
    pushq %rdi
    pushq %rsi
    incq ticks
    movq $msg_tick, %rsi
    call puts
    movq ticks, %rdi
    movl $1, %ecx
    call puthex
    movq $msg_ripok, %rsi
    movq 32(%rsp), %rax              /* saved RIP */
    cmpq $after_hlt, %rax
    je 1f
    movq $msg_ripbad, %rsi
1:  call puts
    movb $0x20, %al                  /* non-specific EOI to the master PIC */
    outb %al, $0x20
    popq %rsi
    popq %rdi
    popq %rcx
    popq %rax
    iretq

spurious_isr:
    iretq

#include "common.inc"

    .data
    .balign 8
#include "flat-gdt64.inc"
ticks:      .quad 0
hexdigits:  .ascii "0123456789abcdef"
msg_start:  .asciz "interrupts test: PIT -> PIC -> LAPIC LINT0, STI; HLT\n"
msg_tick:   .asciz "tick "
msg_ripok:  .asciz " woke after hlt\n"
msg_ripbad: .asciz " rip WRONG\n"
msg_done:   .asciz "five ticks; all done\n"

    .bss
    .balign 4096
pml4:   .skip 4096
pdpt:   .skip 4096
pd:     .skip 4096
pd_high: .skip 4096
idt:    .skip 4096
        .skip 8192
kstack_top:
