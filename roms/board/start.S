// Entry of the board test guests (roms/board/*.c): a Multiboot v1 header (ELF, as QEMU's
// -kernel and `orrery run` load it) and the 32-bit entry. Multiboot leaves the CPU in 32-bit
// protected mode, flat, paging and interrupts off; EAX = magic, EBX = the info structure.
    .section .multiboot, "a"
    .balign 4
    .long 0x1BADB002
    .long 0x00000003                 /* page-align modules, memory map */
    .long -(0x1BADB002 + 0x00000003)

#define GUEST_MAIN board_main
#include "../boot/entry32.inc"
