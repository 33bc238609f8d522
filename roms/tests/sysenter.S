/* Test guest: SYSENTER/SYSEXIT in 32-bit protected mode (the fast system call of legacy mode;
 * on AMD CPUs it is #UD in long mode, so it is tested here where both vendors define it).
 *
 * Boots by Multiboot v1 in 32-bit protected mode with its own flat GDT laid out as SYSENTER
 * requires: SYSENTER_CS = 0x08 gives CS 0x08 / SS 0x10 at CPL 0, and SYSEXIT gives CS 0x1B /
 * SS 0x23 (SYSENTER_CS + 16 / + 24, RPL 3) at CPL 3. Steps, one line each on port 0xE9:
 *   1. WRMSR SYSENTER_CS/ESP/EIP (0x174-0x176), read back with RDMSR;
 *   2. SYSEXIT into user mode (EIP = EDX, ESP = ECX) with IF = 1 (both 8259s fully masked, so
 *      no interrupt can arrive): the user code reads CS, SS and EFLAGS.IF;
 *   3. SYSENTER from user mode: the handler sees CS 0x08, SS 0x10, ESP = SYSENTER_ESP, IF clear
 *      (SYSENTER clears IF), and the user values passed in registers; it prints them (user mode
 *      may not do port I/O: IOPL = 0) and SYSEXITs back (SYSEXIT leaves IF as the kernel has it,
 *      so the handler sets it again);
 *   4. a second SYSENTER with another call number exits through isa-debug-exit (port 0xf4).
 * Orrery and QEMU print roms/tests/sysenter.expected. Built by tools/build-test-roms.sh.
 */
#define KCODE 0x08
#define KDATA 0x10
#define UCODE 0x1B
#define UDATA 0x23

#include "multiboot-header.inc"

    .code32
    .globl mb_entry32
mb_entry32:
    cli
    lgdt gdt_pointer
    ljmp $KCODE, $1f
1:  movl $KDATA, %eax
    movl %eax, %ds
    movl %eax, %es
    movl %eax, %ss
    movl $kstack_top, %esp
    movl $msg_start, %esi
    call puts

    /* 1. The three SYSENTER MSRs. */
    movl $0x174, %ecx
    movl $KCODE, %eax
    xorl %edx, %edx
    wrmsr
    movl $0x175, %ecx
    movl $sysenter_stack_top, %eax
    wrmsr
    movl $0x176, %ecx
    movl $sysenter_handler, %eax
    wrmsr
    movl $msg_msrs, %esi
    call puts
    movl $0x174, %ebx
2:  movl %ebx, %ecx
    rdmsr
    movl %eax, %edi
    movl $8, %ecx
    call puthex
    movl $msg_space, %esi
    call puts
    incl %ebx
    cmpl $0x177, %ebx
    jne 2b
    movl $msg_newline, %esi
    call puts

    /* 2. Into user mode with SYSEXIT, interrupts enabled but every 8259 input masked. */
    movb $0xFF, %al
    outb %al, $0x21
    outb %al, $0xA1
    sti
    movl $user_entry, %edx
    movl $ustack_top, %ecx
    sysexit

/* Ring 3: no port I/O here. Report CS and SS through the system call. */
user_entry:
    movl %cs, %ebx
    movl %ss, %esi
    pushfl
    popl %edi                        /* the user's EFLAGS, for its IF */
    movl $1, %eax                    /* call 1: report */
    movl $1f, %edx                   /* where SYSEXIT returns */
    movl %esp, %ecx
    sysenter
1:  movl %cs, %ebx                   /* back in user mode: report again, then exit */
    movl %ss, %esi
    pushfl
    popl %edi
    movl $2, %eax                    /* call 2: exit */
    movl $1b, %edx
    movl %esp, %ecx
    sysenter

/* Ring 0 entry: EAX = call, EBX/ESI/EDI = the user's CS/SS/EFLAGS, EDX/ECX = user EIP/ESP to
 * return to. */
sysenter_handler:
    pushl %edx
    pushl %ecx
    pushl %eax
    pushl %edi                       /* user EFLAGS */
    movl %esi, %ebp                  /* user SS */
    movl $msg_call, %esi
    call puts
    movl 4(%esp), %edi
    movl $1, %ecx
    call puthex
    movl $msg_user, %esi
    call puts
    movl %ebx, %edi
    movl $4, %ecx
    call puthex
    movl $msg_slash, %esi
    call puts
    movl %ebp, %edi
    movl $4, %ecx
    call puthex
    movl $msg_if, %esi
    call puts
    movl (%esp), %edi
    shrl $9, %edi
    andl $1, %edi
    movl $1, %ecx
    call puthex
    movl $msg_kernel, %esi
    call puts
    movl %cs, %edi
    movl $4, %ecx
    call puthex
    movl $msg_slash, %esi
    call puts
    movl %ss, %edi
    movl $4, %ecx
    call puthex
    movl $msg_stack, %esi
    call puts
    leal 16(%esp), %eax              /* ESP at entry, before the four pushes */
    cmpl $sysenter_stack_top, %eax
    movl $msg_yes, %esi
    je 3f
    movl $msg_no, %esi
3:  call puts
    movl $msg_if, %esi
    call puts
    pushfl
    popl %edi
    shrl $9, %edi
    andl $1, %edi
    movl $1, %ecx
    call puthex
    movl $msg_newline, %esi
    call puts
    popl %edi
    popl %eax
    popl %ecx
    popl %edx
    cmpl $2, %eax
    je 4f
    sti                              /* SYSEXIT does not restore IF: the kernel re-enables it */
    sysexit
4:  movl $msg_done, %esi
    call puts
    movl $0x10, %eax
    outl %eax, $0xf4
    hlt

/* puts(esi = NUL-terminated string) on port 0xE9. */
puts:
    pushl %eax
5:  movb (%esi), %al
    testb %al, %al
    jz 6f
    outb %al, $0xE9
    incl %esi
    jmp 5b
6:  popl %eax
    ret

/* puthex(edi = value, ecx = digits). */
puthex:
    pushl %eax
    pushl %edx
    movl %ecx, %edx
7:  decl %edx
    js 8f
    movl %edx, %ecx
    shll $2, %ecx
    movl %edi, %eax
    shrl %cl, %eax
    andl $15, %eax
    movb hexdigits(%eax), %al
    outb %al, $0xE9
    jmp 7b
8:  popl %edx
    popl %eax
    ret

    .data
    .balign 8
gdt:
    .quad 0
    .quad 0x00CF9A000000FFFF         /* 0x08 kernel code, 32-bit, DPL 0 */
    .quad 0x00CF92000000FFFF         /* 0x10 kernel data, DPL 0 */
    .quad 0x00CFFA000000FFFF         /* 0x18 user code, 32-bit, DPL 3 */
    .quad 0x00CFF2000000FFFF         /* 0x20 user data, DPL 3 */
gdt_end:
gdt_pointer:
    .word gdt_end - gdt - 1
    .long gdt
hexdigits:   .ascii "0123456789abcdef"
msg_start:   .asciz "sysenter test: 32-bit protected mode\n"
msg_msrs:    .asciz "SYSENTER_CS/ESP/EIP: "
msg_space:   .asciz " "
msg_newline: .asciz "\n"
msg_call:    .asciz "sysenter call "
msg_user:    .asciz ": user cs/ss "
msg_slash:   .asciz "/"
msg_kernel:  .asciz " -> kernel cs/ss "
msg_stack:   .asciz " esp=SYSENTER_ESP "
msg_yes:     .asciz "yes"
msg_no:      .asciz "no"
msg_if:      .asciz " IF "
msg_done:    .asciz "done\n"

    .bss
    .balign 16
    .skip 1024
kstack_top:
    .skip 1024
sysenter_stack_top:
    .skip 1024
ustack_top:
