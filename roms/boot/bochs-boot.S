/* Boot sector for running a flat 32-bit guest under Bochs (which cannot load Multiboot
 * kernels): the benchmark guest and the test guests of tools/run-bochs.sh. The BIOS loads this
 * sector to 0x7C00 and jumps to it in real mode with the boot
 * drive in DL. It does the part of a Multiboot loader the guest relies on:
 *   1. enable the A20 line (port 0x92, "fast A20"), so odd megabytes are addressable;
 *   2. read the flat image (bench.elf from file offset 0x1000, i.e. address 0x100000 on) from
 *      the sectors after this one with INT 13h AH=42h (LBA), 32 KiB at a time into a buffer
 *      below 1 MiB, and copy each chunk to 1 MiB + offset in "unreal mode" (DS/ES keep a 4 GiB
 *      limit loaded in protected mode after returning to real mode);
 *   3. zero the .bss (the guest's page tables and stack live there; Multiboot zeroes it);
 *   4. enter 32-bit protected mode with flat 4 GiB code/data segments, interrupts off, and jump
 *      to the guest's 32-bit entry (bench: `mb_entry32`; tools/run-bochs.sh: the ELF entry) with
 *      EAX = EBX = 0: there is no Multiboot information.
 * The build passes the guest's symbols in with `ld --defsym`:
 *   IMAGE_SECTORS  sectors of the flat image on disk (from LBA 1)
 *   IMAGE_BASE     its load address (__image_start = 0x100000)
 *   BSS_START/END  __data_end / __bss_end
 *   ENTRY32        mb_entry32 (the benchmark) or the ELF entry point (tools/run-bochs.sh)
 * Built with -DEMPTY_GUEST it is instead a guest that ends the run at once (tools/bench-compare.sh
 * uses it to measure the emulator's start-up and BIOS boot time, and its instruction counter
 * at that point).
 */
        .set    BUFFER, 0x10000         /* read buffer 0x10000-0x17FFF (64 sectors) */

        .code16
        .section .text
        .global boot
boot:
        cli
        ljmp    $0, $1f                 /* some BIOSes enter at 07C0:0000: make CS = 0 */
1:      xorw    %ax, %ax
        movw    %ax, %ds
        movw    %ax, %es
        movw    %ax, %ss
        movl    $0x7C00, %esp           /* stack below this sector (ESP's top half zero for 32-bit code) */
        movb    %dl, drive
#ifdef EMPTY_GUEST
        jmp     power_off
#endif
        xorl    %ecx, %ecx              /* 32-bit uses of ECX below rely on its top half being 0 */

        /* Fast A20: set bit 1 of system control port A (bit 0 would reset the machine). */
        inb     $0x92, %al
        orb     $2, %al
        andb    $0xFE, %al
        outb    %al, $0x92

        movl    $IMAGE_BASE, %edi       /* next destination address */
        movw    $IMAGE_SECTORS, %bp     /* sectors still to read */
read_loop:
        testw   %bp, %bp
        jz      loaded
        movw    %bp, %cx
        cmpw    $64, %cx                /* at most 64 sectors = 32 KiB per call (fits one segment) */
        jbe     2f
        movw    $64, %cx
2:      movw    %cx, dap_count
        movw    $dap, %si
        movb    drive, %dl
        movb    $0x42, %ah              /* INT 13h extended read: DS:SI -> disk address packet */
        int     $0x13
        jc      disk_error
        movw    dap_count, %cx
        subw    %cx, %bp
        addl    %ecx, dap_lba           /* (ECX's top half is zero: CX came from a 16-bit count) */
        call    unreal
        movl    $BUFFER, %esi
        shll    $7, %ecx                /* sectors * 128 dwords */
        cld
        addr32 rep movsl                /* DS:ESI -> ES:EDI with 32-bit addresses (4 GiB limits) */
        jmp     read_loop

loaded:
        call    unreal
        movl    $BSS_START, %edi        /* zero .bss (the copy may have left sector padding there) */
        movl    $BSS_END, %ecx
        subl    %edi, %ecx
        xorl    %eax, %eax
        addr32 rep stosb

        /* 32-bit protected mode, flat segments, interrupts stay off (IF=0 since the cli). */
        movl    %cr0, %eax
        orb     $1, %al                 /* CR0.PE */
        movl    %eax, %cr0
        ljmpl   $0x08, $pm32

/* Unreal mode: enter protected mode just long enough to load DS and ES with the flat data
 * descriptor (the CPU caches its 4 GiB limit), then return to real mode with base 0 selectors.
 * Done before every copy, as the BIOS may have reloaded the segment registers meanwhile.
 * Also loads the GDT that the final switch to protected mode uses. */
unreal:
        pushl   %eax
        lgdt    gdt_pointer             /* (again each time: cheap, and the BIOS cannot have changed it since) */
        movl    %cr0, %eax
        orb     $1, %al
        movl    %eax, %cr0
        jmp     3f                      /* (flush the prefetch queue on old CPUs) */
3:      movw    $0x10, %ax
        movw    %ax, %ds
        movw    %ax, %es
        movl    %cr0, %eax
        andb    $0xFE, %al
        movl    %eax, %cr0
        xorw    %ax, %ax
        movw    %ax, %ds
        movw    %ax, %es
        popl    %eax
        ret

disk_error:
        movw    $msg, %si
4:      lodsb                           /* print on the Bochs/QEMU debug console, then stop */
        testb   %al, %al
        jz      5f
        outb    %al, $0xE9
        jmp     4b
5:      hlt
        jmp     5b

/* Empty guest: the same ending as the benchmark guest's bench_main: isa-debug-exit (QEMU),
 * then "Shutdown" to port 0x8900 (Bochs). */
power_off:
        xorl    %eax, %eax
        outl    %eax, $0xF4
        movw    $shutdown, %si
        movw    $0x8900, %dx
6:      lodsb
        testb   %al, %al
        jz      5b
        outb    %al, %dx
        jmp     6b

        .code32
pm32:
        movw    $0x10, %ax
        movw    %ax, %ds
        movw    %ax, %es
        movw    %ax, %fs
        movw    %ax, %gs
        movw    %ax, %ss
        xorl    %eax, %eax              /* no Multiboot magic or info (EAX = EBX = 0) */
        xorl    %ebx, %ebx
        movl    $ENTRY32, %ecx
        jmp     *%ecx

        .code16
msg:    .asciz  "bochs-boot: disk read error\n"
shutdown: .asciz "Shutdown"
drive:  .byte   0

        .balign 4
dap:    .byte   16, 0                   /* disk address packet: size, reserved */
dap_count:
        .word   0                       /* sectors to read */
        .word   0, BUFFER >> 4          /* buffer offset, segment */
dap_lba:
        .quad   1                       /* first sector after this one */

        .balign 8
gdt:    .quad   0
        .quad   0x00CF9A000000FFFF      /* 0x08: 32-bit code, base 0, limit 4 GiB */
        .quad   0x00CF92000000FFFF      /* 0x10: data, base 0, limit 4 GiB */
gdt_pointer:
        .word   gdt_pointer - gdt - 1
        .long   gdt

        .org    510
        .byte   0x55, 0xAA              /* boot signature */

