#!/usr/bin/env bash
# Builds roms/devices/portprobe.c (a Multiboot v1 guest running roms/devices/portprobe.script)
# and runs it on QEMU TCG; its port-0xE9 output is the oracle for Tests/DevicesTests/
# PortProbeTests.swift. `--record` rewrites roms/devices/portprobe.expected; otherwise the
# output is compared with it (exit 1 on a difference).
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p roms/build
gcc -m32 -O1 -ffreestanding -fno-pic -fno-pie -nostdlib -static -fno-stack-protector -fcf-protection=none \
    -fno-asynchronous-unwind-tables -Wl,-T,roms/devices/link.ld -Wl,--build-id=none -Wl,--no-warn-rwx-segments \
    -o roms/build/portprobe.elf roms/devices/portprobe.c
out=$(mktemp)
trap 'rm -f "$out"' EXIT
status=0
timeout 60 qemu-system-x86_64 -accel tcg -m 64M -display none -no-reboot \
    -device isa-debug-exit,iobase=0xf4,iosize=0x04 -debugcon "file:$out" \
    -serial null -serial null -kernel roms/build/portprobe.elf || status=$?
[ "$status" -eq 1 ] || { echo "portprobe: QEMU exit status $status (expected 1)" >&2; exit 1; }
if [ "${1:-}" = "--record" ]; then
    cp "$out" roms/devices/portprobe.expected
    echo "recorded roms/devices/portprobe.expected ($(wc -l < "$out") reads)"
else
    diff -u roms/devices/portprobe.expected "$out" && echo "portprobe: QEMU output matches roms/devices/portprobe.expected"
fi
