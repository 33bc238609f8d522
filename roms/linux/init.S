# Guest program (user space, Linux x86-64 ABI): the /init of the Linux boot test's initramfs
# (tools/test-linux-boot.sh). No libc: raw system calls (number in RAX, arguments in RDI, RSI,
# RDX, R10; the SYSCALL instruction). It proves that an unmodified Debian kernel reached user
# space: it prints the running kernel's release and machine from uname(2), then asks the kernel to
# power off (reboot(2) with LINUX_REBOOT_CMD_POWER_OFF), which Linux does through ACPI (PM1a_CNT
# S5): QEMU and Orrery both exit with status 0.
        .set SYS_write, 1
        .set SYS_uname, 63
        .set SYS_reboot, 169
        .set UTS_FIELD, 65                  # struct utsname: six NUL-terminated 65-byte fields
        .set UTS_RELEASE, 2 * UTS_FIELD
        .set UTS_MACHINE, 4 * UTS_FIELD

        .text
        .globl _start
_start:
        mov     $SYS_uname, %eax
        lea     uts(%rip), %rdi
        syscall
        lea     greeting(%rip), %rsi
        call    print
        lea     uts+UTS_RELEASE(%rip), %rsi
        call    print
        lea     space(%rip), %rsi
        call    print
        lea     uts+UTS_MACHINE(%rip), %rsi
        call    print
        lea     newline(%rip), %rsi
        call    print
        # reboot(LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2, LINUX_REBOOT_CMD_POWER_OFF, NULL)
        mov     $SYS_reboot, %eax
        mov     $0xfee1dead, %edi
        mov     $672274793, %esi
        mov     $0x4321fedc, %edx
        xor     %r10d, %r10d
        syscall
        # Only reached if power-off failed: say so, then wait (init must never exit).
        lea     failed(%rip), %rsi
        call    print
1:      pause
        jmp     1b

# print: write the NUL-terminated string at RSI to standard output (fd 1, /dev/console).
print:
        mov     %rsi, %rdx
2:      cmpb    $0, (%rdx)
        je      3f
        inc     %rdx
        jmp     2b
3:      sub     %rsi, %rdx
        mov     $SYS_write, %eax
        mov     $1, %edi
        syscall
        ret

        .section .rodata
greeting: .asciz "orrery-init: user space reached on Linux "
space:    .asciz " "
newline:  .asciz "\n"
failed:   .asciz "orrery-init: power-off failed\n"

        .bss
uts:    .skip 6 * UTS_FIELD
