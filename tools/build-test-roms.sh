#!/usr/bin/env bash
# Builds the test guests in roms/tests/ into roms/build/tests/ (host tools: gcc, ld).
# Each is a flat Multiboot v1 image (a.out kludge) loaded at 1 MiB: QEMU boots it with
#   qemu-system-x86_64 -kernel roms/build/tests/NAME.elf -debugcon stdio \
#       -device isa-debug-exit,iobase=0xf4,iosize=0x04 -display none
# and `orrery run --kernel` with the same output (compared with roms/tests/NAME.expected by
# tools/run-test-roms.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p roms/build/tests
for src in roms/tests/*.S; do
    name=$(basename "$src" .S)
    gcc -c -o "roms/build/tests/$name.o" "$src"
    ld -N -T roms/tests/link.ld --no-warn-rwx-segments --build-id=none -z noexecstack \
       -o "roms/build/tests/$name.elf" "roms/build/tests/$name.o"
    echo "built roms/build/tests/$name.elf"
done
