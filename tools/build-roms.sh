#!/usr/bin/env bash
# Builds the guest-side programs in roms/ into roms/build/ (host tools: gcc).
#   roms/build/bench.elf   the benchmark guest (64-bit, flat, loaded at 1 MiB)
#   roms/build/bench-host  the same workloads as a host program: the oracle for their checksums
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p roms/build
GUEST_CFLAGS=(-O2 -ffreestanding -fno-pic -fno-pie -nostdlib -static -mgeneral-regs-only -mno-red-zone
              -fno-stack-protector -fno-asynchronous-unwind-tables -fno-builtin -fcf-protection=none
              -Wl,-T,roms/bench/link.ld -Wl,-N -Wl,--no-warn-rwx-segments -Wl,--build-id=none -Wl,-z,noexecstack)
gcc "${GUEST_CFLAGS[@]}" -o roms/build/bench.elf roms/bench/workloads.c
gcc -O2 -DHOST -o roms/build/bench-host roms/bench/workloads.c
echo "built roms/build/bench.elf and roms/build/bench-host"
