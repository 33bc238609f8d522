// Entry of the board test guests (roms/board/*.c): a Multiboot v1 header (ELF, as QEMU's
// -kernel and `orrery run` load it) and the 32-bit entry. Multiboot leaves the CPU in 32-bit
// protected mode, flat, paging and interrupts off; EAX = magic, EBX = the info structure.
    .section .multiboot, "a"
    .balign 4
    .long 0x1BADB002
    .long 0x00000003                 /* page-align modules, memory map */
    .long -(0x1BADB002 + 0x00000003)

    .section .text
    .globl _start
_start:
    mov $board_stack_top, %esp
    push %ebx
    push %eax
    call board_main
    /* board_main returns the isa-debug-exit value: QEMU and Orrery stop here. */
    outl %eax, $0xF4
    /* Bochs has no isa-debug-exit: it powers off when "Shutdown" is written byte by byte to
     * its port 0x8900 (tools/run-bochs.sh). */
    mov $bochs_shutdown, %esi
    mov $0x8900, %dx
2:  lodsb
    test %al, %al
    jz 1f
    outb %al, %dx
    jmp 2b
1:  cli
    hlt
    jmp 1b

    .section .rodata
bochs_shutdown:
    .asciz "Shutdown"

    .section .bss
    .balign 16
    .space 16384
board_stack_top:
    .section .note.GNU-stack, "", @progbits
