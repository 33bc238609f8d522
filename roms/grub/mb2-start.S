// roms/grub/mb2-start.S: Multiboot2 header and 32-bit entry of the Multiboot2 info guest
// (mbinfo.c). Multiboot2 Specification 2.0 §3.1: the header is 8-aligned in the first 32 KiB:
// magic 0xE85250D6, architecture 0 (i386 protected mode), header_length, checksum (the four
// sum to 0), then 8-aligned tags up to the end tag (type 0, size 8). Tags we request:
//   1 information request (not optional): command line, modules, basic meminfo, memory map;
//     a loader that cannot give one of them must refuse to boot (§3.1.4)
//   6 module alignment: modules page aligned (§3.1.11)
//   4 console flags (optional): an EGA text console is supported (bit 1)
// Built with -DADDRESS_TAG (and objcopy'd to a flat binary, mb2-aout.bin) it also carries
//   2 address: header_addr, load_addr, load_end_addr, bss_end_addr (§3.1.5): the loader copies
//     the file from the offset of load_addr up to load_end_addr and zeroes the bss up to bss_end
//   3 entry address (§3.1.6): where to jump (a flat binary has no ELF entry)
// and with -DLOAD_FROM_FILE_START too (mb2-file-start.bin) load_addr is -1: the file is loaded
// from its beginning (the header is the file's first byte, so at header_addr), load_end_addr 0.
// Built with -DRELOCATABLE (mb2-reloc.elf) it has a relocatable tag whose range leaves one
// place, its link address; the loader must then give tag 21, the load base address (§3.6.23).
// Built with -DUNKNOWN_REQUEST (mb2-unknown.elf) it requires tag type 22, which no loader knows:
// GRUB and Orrery must both refuse to boot it. With -DNO_EGA_CONSOLE (mb2-no-ega.elf) it requires
// a console but not EGA text, and has no framebuffer tag: no console it could take, refused too.
// Entry (§3.3): EAX = 0x36D76289, EBX = physical address of the boot information.
    .section .multiboot, "a"
    .balign 8
mb2_header:
    .long 0xE85250D6
    .long 0
    .long mb2_header_end - mb2_header
    .long -(0xE85250D6 + 0 + (mb2_header_end - mb2_header))
    .balign 8
    .short 1, 0                       /* information request, required */
    .long 8 + 4 * 4
    .long 1, 3, 4, 6                  /* cmdline, module, basic meminfo, memory map */
    .balign 8
    .short 6, 0                       /* module alignment */
    .long 8
    .balign 8
#ifdef NO_EGA_CONSOLE
    .short 4, 0                       /* console flags */
    .long 12
    .long 1                           /* bit 0: a console is required; bit 1 clear: not EGA text */
#else
    .short 4, 1                       /* console flags, optional */
    .long 12
    .long 2                           /* bit 1: EGA text supported */
#endif
#ifdef UNKNOWN_REQUEST
    .balign 8
    .short 1, 0                       /* information request, required, for tag type 22, */
    .long 8 + 4                       /* which the specification does not define: a loader */
    .long 22                          /* must refuse the image (§3.1.4) */
#endif
#ifdef RELOCATABLE
    .balign 8
    .short 10, 0                      /* relocatable (§3.1.13) */
    .long 24
    .long image_start, image_end      /* min_addr, max_addr: the image fits only where linked */
    .long 4096, 0                     /* align, preference: none */
#endif
#ifdef ADDRESS_TAG
    .balign 8
    .short 2, 0                       /* address */
    .long 24
#ifdef LOAD_FROM_FILE_START
    /* load_addr -1: from the file's first byte; load_end_addr 0: the whole file. (GRUB 2.06
       computes the load size from the raw -1 when load_end_addr is not 0, so it is 0 here.) */
    .long mb2_header, -1, 0, image_end
#else
    .long mb2_header, image_start, data_end, image_end
#endif
    .balign 8
    .short 3, 0                       /* entry address */
    .long 12
    .long _start
#endif
    .balign 8
    .short 0, 0                       /* end tag */
    .long 8
mb2_header_end:

    .globl mb_requested, mb_requested_count, mb_relocatable
    .section .rodata
    .balign 4
mb_requested: .long 1, 3, 4, 6
mb_requested_count: .long 4
#ifdef RELOCATABLE
mb_relocatable: .long 1
#else
mb_relocatable: .long 0
#endif

#define GUEST_MAIN mbinfo_main
#include "../boot/entry32.inc"
