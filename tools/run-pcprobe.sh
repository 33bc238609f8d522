#!/usr/bin/env bash
# Builds roms/devices/pcprobe.c (a Multiboot v1 guest that reads the PCI host bridge, fw_cfg,
# IOAPIC, local APIC, HPET, PM timer and pc-testdev and prints name=value lines on port 0xE9),
# runs it on QEMU TCG (q35 + pc-testdev, the oracle) and on Orrery, and compares the outputs.
#   tools/run-pcprobe.sh [path/to/orrery]     (default: .build/debug/orrery)
# Exit 0 when both machines print the same lines and exit with debug-exit status 1.
set -euo pipefail
cd "$(dirname "$0")/.."
orrery=${1:-.build/debug/orrery}
mkdir -p roms/build
gcc -m32 -O1 -ffreestanding -fno-pic -fno-pie -nostdlib -static -fno-stack-protector -fcf-protection=none \
    -fno-asynchronous-unwind-tables -Wl,-T,roms/devices/link.ld -Wl,--build-id=none -Wl,--no-warn-rwx-segments \
    -o roms/build/pcprobe.elf roms/devices/pcprobe-start.S roms/devices/pcprobe.c
qemu_out=$(mktemp); orrery_out=$(mktemp)
trap 'rm -f "$qemu_out" "$orrery_out"' EXIT
status=0
timeout 60 qemu-system-x86_64 -M q35 -accel tcg -m 256M -display none -no-reboot -device pc-testdev \
    -device isa-debug-exit,iobase=0xf4,iosize=0x04 -debugcon "file:$qemu_out" -serial null \
    -kernel roms/build/pcprobe.elf || status=$?
[ "$status" -eq 1 ] || { echo "pcprobe: QEMU exit status $status (expected 1)" >&2; exit 1; }
status=0
timeout 120 "$orrery" run --kernel roms/build/pcprobe.elf --memory 256M \
    --max-instructions 100000000 > "$orrery_out" || status=$?
[ "$status" -eq 1 ] || { echo "pcprobe: Orrery exit status $status (expected 1)" >&2; exit 1; }
diff -u --label QEMU --label Orrery "$qemu_out" "$orrery_out" && echo "pcprobe: Orrery and QEMU print the same $(wc -l < "$qemu_out") lines"
