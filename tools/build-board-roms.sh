#!/usr/bin/env bash
# Builds the board test guests roms/board/*.c (32-bit Multiboot v1 ELF images with start.S and
# board.h) into roms/build/board/NAME.elf. QEMU boots them with -kernel, Orrery with
# `orrery run --kernel` (tools/run-board-roms.sh, tools/run-serial-echo.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p roms/build/board
for src in roms/board/*.c; do
    name=$(basename "$src" .c)
    # A guest may bring its own link script (roms/board/NAME.ld, e.g. a20: linked at 2 MiB).
    ld=roms/board/link.ld
    if [ -f "roms/board/$name.ld" ]; then ld="roms/board/$name.ld"; fi
    gcc -m32 -O1 -ffreestanding -fno-pic -fno-pie -nostdlib -static -fno-stack-protector -fcf-protection=none \
        -mgeneral-regs-only -fno-asynchronous-unwind-tables -Wall -Werror -Wno-unused-function \
        -Wl,-T,"$ld" -Wl,--build-id=none -Wl,--no-warn-rwx-segments \
        -o "roms/build/board/$name.elf" roms/board/start.S "$src"
done
