/* Test guest: real mode (CR0.PE = 0) and 16-bit code and stack segments.
 *
 * Boots by Multiboot v1 (a.out kludge) in 32-bit protected mode, copies a 16-bit code blob to
 * 0x2000, far-jumps to it through a 16-bit protected-mode code segment, clears CR0.PE and
 * far-jumps to real mode (CS = 0x0200: base = CS << 4 = 0x2000). There it checks:
 *   - 16-bit OUT DX, AL and LODSB with 16-bit addressing (the text itself),
 *   - a 16-bit stack: PUSH at SP = 0 wraps to 0xFFFE and leaves ESP's upper half alone,
 *   - INT n through the interrupt vector table (FLAGS, CS, IP frame; IF cleared), IRET,
 *   - a fault (#DE) delivered through the IVT with IP at the faulting DIV,
 *   - a far CALL to another code segment base (CS = 0x0210, same bytes 0x100 lower) and RETF,
 *   - LDS and LSS from a far pointer, and big real mode (a 4 GiB data limit kept from
 *     protected mode, used through FS),
 * then sets CR0.PE again, far-jumps to 32-bit code and exits through isa-debug-exit (port
 * 0xf4). Every step prints one line on port 0xE9; Orrery and QEMU must print the same text
 * (roms/tests/realmode.expected). Built by tools/build-test-roms.sh.
 */
#define RM_BASE  0x2000          /* where the 16-bit blob runs: segment 0x0200 */
#define RM_SEG   0x0200
#define CODE32   0x08
#define DATA32   0x10
#define CODE16   0x18
#define DATA16   0x20
#define OFF(x)   ((x) - rm_start)

#include "multiboot-header.inc"

    .code32
    .globl mb_entry32
mb_entry32:
    cli
    lgdt gdt_descriptor
    ljmp $CODE32, $1f
1:  movl $DATA32, %eax
    movl %eax, %ds
    movl %eax, %es
    movl %eax, %ss
    movl $stack32_top, %esp
    movl $msg_start, %esi
    call puts32
    /* Copy the 16-bit blob below 1 MiB. */
    movl $rm_start, %esi
    movl $RM_BASE, %edi
    movl $(rm_end - rm_start), %ecx
    cld
    rep movsb
    /* 16-bit protected mode first (CS.D = 0), then real mode. */
    ljmp $CODE16, $(RM_BASE + OFF(pm16_entry))

back32:
    movl $DATA32, %eax
    movl %eax, %ds
    movl %eax, %es
    movl %eax, %ss
    movl $stack32_top, %esp
    movl $msg_back, %esi
    call puts32
    movl $0, %eax
    outl %eax, $0xf4
    hlt

/* puts32(esi = NUL-terminated string) on port 0xE9. */
puts32:
    movw $0xE9, %dx
1:  lodsb
    testb %al, %al
    jz 2f
    outb %al, %dx
    jmp 1b
2:  ret

/* ---- the 16-bit blob: copied to RM_BASE, addressed as offsets from rm_start ---- */
    .code16
rm_start:
pm16_entry:
    /* 16-bit protected mode: data segments with 64 KiB limits and B = 0 (a 16-bit stack),
     * FS with a flat 4 GiB limit (kept in real mode: "big real mode"). */
    movw $DATA16, %ax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %ss
    movw %ax, %gs
    movw $DATA32, %ax
    movw %ax, %fs
    movl %cr0, %eax
    andl $~1, %eax
    movl %eax, %cr0
    ljmp $RM_SEG, $OFF(rm_entry)

rm_entry:
    movw $RM_SEG, %ax
    movw %ax, %ds
    movw %ax, %es
    movw $0x0300, %ax               /* stack segment 0x3000 */
    movw %ax, %ss
    movl $0x12340000, %esp          /* SP = 0: the first push wraps to 0xFFFE */
    movw $OFF(msg_real), %si
    call puts16

    /* 16-bit stack: push at SP = 0 stores at SS:FFFE, SP = FFFE, ESP upper half kept. */
    movw $0xBEEF, %ax
    pushw %ax
    movl %esp, %ebx
    movw $OFF(msg_esp), %si
    call puts16
    movl %ebx, %eax
    call puthex32
    movl $0x12FFE, %edi             /* SS base 0x3000 + SP 0xFFFE, above 64 KiB */
    movw %fs:(%edi), %ax            /* big real mode: FS base 0, limit 4 GiB (from protected mode) */
    movw $OFF(msg_word), %si
    call puts16
    call puthex16
    popw %ax
    movl $0x1000, %esp              /* a plain stack from here on */

    /* INT 0x40 through the IVT (IVT entry = offset, segment). */
    xorw %ax, %ax
    movw %ax, %es
    movw $OFF(int40_handler), %es:(0x40*4)
    movw $RM_SEG, %es:(0x40*4+2)
    movw $OFF(de_handler), %es:(0*4)
    movw $RM_SEG, %es:(0*4+2)
    movw $RM_SEG, %ax
    movw %ax, %es
    sti
    int $0x40
    cli
    movw $OFF(msg_after_int), %si
    call puts16

    /* #DE: DIV by zero faults; the handler sees IP at the DIV and skips it (2 bytes). */
    xorw %cx, %cx
    movw $7, %ax
    xorw %dx, %dx
de_site:
    divw %cx
    movw $OFF(msg_after_de), %si
    call puts16

    /* Far call into segment 0x0210 (base 0x2100): the same bytes at offset - 0x100. */
    lcall $(RM_SEG + 0x10), $(OFF(far_function) - 0x100)
    movw $OFF(msg_after_far), %si
    call puts16

    /* LDS and LSS from a far pointer (offset, segment). */
    movw $OFF(far_pointer), %bx
    pushw %ds
    lds (%bx), %ax
    movw %ds, %cx
    popw %ds
    movw $OFF(msg_lds), %si
    call puts16
    movw %cx, %ax
    call puthex16
    movw $OFF(msg_colon), %si
    call puts16
    movw $OFF(far_pointer), %bx
    movw %ss, %dx
    movw %sp, %di
    lss (%bx), %ax
    movw %ss, %cx
    movw %dx, %ss
    movw %di, %sp
    movw %cx, %ax
    call puthex16
    movw $OFF(msg_nl), %si
    call puts16

    /* Back to protected mode: PE on, far jump to 32-bit code (CS.D = 1). */
    movl %cr0, %eax
    orl $1, %eax
    movl %eax, %cr0
    .byte 0x66, 0xEA                /* ljmpl $CODE32, $back32 (ptr16:32 with a 66 prefix) */
    .long back32
    .word CODE32

int40_handler:
    /* The frame: IP, CS, FLAGS (IF was 1; the CPU cleared it on entry). */
    pushw %bp
    movw %sp, %bp
    movw $OFF(msg_int), %si
    call puts16
    movw 4(%bp), %ax                /* CS */
    call puthex16
    movw $OFF(msg_flags), %si
    call puts16
    movw 6(%bp), %ax                /* FLAGS & IF */
    andw $0x200, %ax
    call puthex16
    pushfw
    popw %ax
    andw $0x200, %ax                /* IF now */
    movw $OFF(msg_colon), %si
    call puts16
    call puthex16
    movw $OFF(msg_nl), %si
    call puts16
    popw %bp
    iret

de_handler:
    pushw %bp
    movw %sp, %bp
    movw $OFF(msg_de), %si
    call puts16
    movw 2(%bp), %ax                /* IP of the faulting DIV */
    cmpw $OFF(de_site), %ax
    movw $OFF(msg_ok), %si
    je 1f
    movw $OFF(msg_bad), %si
1:  call puts16
    addw $2, 2(%bp)                 /* skip the 2-byte DIV */
    popw %bp
    iret

far_function:
    movw %cs, %ax
    movw $OFF(msg_far), %si
    call puts16                     /* near calls are relative: they stay in segment 0x0210 */
    call puthex16
    lret

/* puts16(si = string in DS) on port 0xE9: LODSB with 16-bit addressing, OUT DX, AL. */
puts16:
    pushw %ax
    pushw %dx
    movw $0xE9, %dx
1:  lodsb
    testb %al, %al
    jz 2f
    outb %al, %dx
    jmp 1b
2:  popw %dx
    popw %ax
    ret

/* puthex16(ax), puthex32(eax): hex digits on port 0xE9. */
puthex32:
    rorl $16, %eax
    call puthex16
    rorl $16, %eax
puthex16:
    pushw %cx
    pushw %bx
    pushw %ax
    movw $4, %cx
1:  rolw $4, %ax
    movw %ax, %bx
    andw $15, %bx
    pushw %ax
    movb OFF(hexdigits)(%bx), %al   /* DS = 0x0200 */
    outb %al, $0xE9
    popw %ax
    loop 1b
    popw %ax
    popw %bx
    popw %cx
    ret

hexdigits:      .ascii "0123456789abcdef"
far_pointer:    .word 0x1234, 0x0567
msg_real:       .asciz "real mode: CS base 0x2000, 16-bit code\n"
msg_esp:        .asciz "16-bit push at SP=0: ESP="
msg_word:       .asciz "\npushed word via FS (big real mode): "
msg_int:        .asciz "\nINT 0x40 via IVT: frame CS="
msg_flags:      .asciz " IF saved:now="
msg_colon:      .asciz ":"
msg_nl:         .asciz "\n"
msg_after_int:  .asciz "IRET back\n"
msg_de:         .asciz "#DE via IVT: IP "
msg_ok:         .asciz "at DIV\n"
msg_bad:        .asciz "wrong\n"
msg_after_de:   .asciz "resumed after DIV\n"
msg_far:        .asciz "far call: CS="
msg_after_far:  .asciz "\nRETF back\n"
msg_lds:        .asciz "LDS/LSS segments: "
rm_end:

    .code32
    .data
    .balign 8
gdt:
    .quad 0
    .quad 0x00CF9A000000FFFF        /* 0x08: 32-bit code, flat */
    .quad 0x00CF92000000FFFF        /* 0x10: 32-bit data, flat */
    .quad 0x00009A000000FFFF        /* 0x18: 16-bit code, base 0, limit 64 KiB */
    .quad 0x000092000000FFFF        /* 0x20: 16-bit data, base 0, limit 64 KiB, B = 0 */
gdt_end:
gdt_descriptor:
    .word gdt_end - gdt - 1
    .long gdt
msg_start:  .asciz "realmode test: protected mode entry\n"
msg_back:   .asciz "back in 32-bit protected mode\n"

    .bss
    .balign 16
    .skip 4096
stack32_top:
