#!/usr/bin/env bash
# Builds roms/acpi/poweroff.c (a Multiboot ELF32 guest that powers the machine off through the
# ACPI tables it finds: RSDP -> XSDT/RSDT -> FADT PM1a_CNT, DSDT \_S5) and runs it on QEMU (pc)
# and on Orrery: both must print the same serial output and exit with status 0.
# Usage: tools/run-acpi-poweroff.sh [path/to/orrery]   (default .build/release/orrery)
set -euo pipefail
cd "$(dirname "$0")/.."
orrery=${1:-.build/release/orrery}
mkdir -p roms/build
gcc -m32 -O2 -ffreestanding -fno-pic -fno-pie -nostdlib -static -fno-stack-protector \
    -fno-asynchronous-unwind-tables -fcf-protection=none -Wl,-T,roms/acpi/link.ld -Wl,--build-id=none \
    -Wl,-z,noexecstack -Wl,--no-warn-rwx-segments -o roms/build/acpi-poweroff.elf roms/acpi/poweroff.c
set +e
timeout 120 qemu-system-x86_64 -machine pc -m 64M -display none -serial stdio -monitor none \
    -device isa-debug-exit,iobase=0xf4,iosize=4 -kernel roms/build/acpi-poweroff.elf > roms/build/acpi-poweroff.qemu.txt
qemu_status=$?
"$orrery" run --kernel roms/build/acpi-poweroff.elf --memory 64M > roms/build/acpi-poweroff.orrery.txt
orrery_status=$?
set -e
echo "QEMU status $qemu_status, Orrery status $orrery_status"
diff roms/build/acpi-poweroff.qemu.txt roms/build/acpi-poweroff.orrery.txt && echo "same output:" && cat roms/build/acpi-poweroff.orrery.txt
[ "$qemu_status" -eq 0 ] && [ "$orrery_status" -eq 0 ]
