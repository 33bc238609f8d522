// Entry of roms/devices/pcprobe.c: Multiboot v1 leaves us in 32-bit protected mode, flat, paging off.
.section .text
.globl _start
_start:
    mov $pcprobe_stack_top, %esp
    call pcprobe_main
1:  hlt
    jmp 1b
.section .bss
.balign 16
.space 8192
pcprobe_stack_top:
.section .note.GNU-stack,"",@progbits
