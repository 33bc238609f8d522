#!/usr/bin/env bash
# Boots build/kernel.elf on QEMU (TCG, the reference machine) with the serial console on
# stdout. Extra arguments become the kernel command line, e.g.:
#   bash tools/run-kernel-qemu.sh selftest
# Exit status: the kernel's debug-exit code: 33 = success/selftest passed, 35 = selftest
# failed, 37 = panic (124 = killed by the timeout: KERNEL_TIMEOUT seconds, default 60).
# Set QEMU_EXTRA for more QEMU options (e.g. "-s -S" to wait for gdb).
set -uo pipefail
cd "$(dirname "$0")/.."
kernel=${KERNEL_ELF:-build/kernel.elf}
exec timeout "${KERNEL_TIMEOUT:-60}" qemu-system-x86_64 -accel tcg -m "${KERNEL_MEMORY:-256M}" \
    -display none -serial stdio -no-reboot -monitor none \
    -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
    -kernel "$kernel" -append "$*" ${QEMU_EXTRA:-}
