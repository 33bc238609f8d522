// roms/grub/mb1-start.S: Multiboot v1 header and 32-bit entry of the Multiboot v1 info guest
// (mbinfo.c), built as ELF32 and (objcopy'd) as ELF64. Multiboot 0.6.96 §3.1.1: magic
// 0x1BADB002, flags, checksum (the three sum to 0), 4-aligned in the first 8 KiB. Flags: bit 0
// page-align modules, bit 1 give memory information (mem_* and the memory map). No address
// fields (bit 16 clear): the loader uses the ELF program headers.
// Entry (§3.2): EAX = 0x2BADB002, EBX = physical address of the information structure.
// Built with -DADDRESS_FIELDS (and objcopy'd to a flat binary, mb1-aout.bin) flag 16 is set
// and the header carries header_addr, load_addr, load_end_addr, bss_end_addr, entry_addr
// (§3.1.3, the "a.out kludge"): the loader copies the file from there, not from ELF headers.
#ifdef ADDRESS_FIELDS
#define MB1_FLAGS 0x00010003
#else
#define MB1_FLAGS 0x00000003
#endif
    .section .multiboot, "a"
    .balign 4
mb1_header:
    .long 0x1BADB002
    .long MB1_FLAGS
    .long -(0x1BADB002 + MB1_FLAGS)
#ifdef ADDRESS_FIELDS
    .long mb1_header, image_start, data_end, image_end, _start
#endif

    .globl mb_requested, mb_requested_count, mb_relocatable
    .section .rodata
    .balign 4
mb_requested: .long 0
mb_requested_count: .long 0
mb_relocatable: .long 0

#define GUEST_MAIN mbinfo_main
#include "../boot/entry32.inc"
