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

# Bochs cannot load Multiboot kernels: roms/build/bench-bochs.img is a hard-disk image whose
# boot sector (roms/boot/bochs-boot.S) loads the flat image (bench.elf from file offset 0x1000
# = address 0x100000) from the sectors after it, zeroes .bss and jumps to mb_entry32 in 32-bit
# protected mode. The guest's addresses are passed to the boot sector as linker symbols.
sym() { nm roms/build/bench.elf | awk -v s="$1" '$3 == s { print "0x" $1 }'; }
objcopy -O binary roms/build/bench.elf roms/build/bench.bin
image_bytes=$(stat -c %s roms/build/bench.bin)
[ "$((image_bytes))" -eq "$(( $(sym __data_end) - $(sym __image_start) ))" ] \
    || { echo "bench.bin size does not match __data_end - __image_start" >&2; exit 1; }
image_sectors=$(( (image_bytes + 511) / 512 ))
boot_sector() {  # boot_sector OUTPUT [cpp flags]: assemble, link with the guest's symbols, 512 bytes
    local out=$1; shift
    gcc -m32 -c "$@" -o roms/build/bochs-boot.o roms/boot/bochs-boot.S
    ld -m elf_i386 -Ttext 0x7C00 -e boot --no-warn-rwx-segments \
       --defsym=IMAGE_SECTORS="$image_sectors" --defsym=IMAGE_BASE="$(sym __image_start)" \
       --defsym=BSS_START="$(sym __data_end)" --defsym=BSS_END="$(sym __bss_end)" \
       --defsym=ENTRY32="$(sym mb_entry32)" -o roms/build/bochs-boot.elf roms/build/bochs-boot.o
    objcopy -O binary -j .text roms/build/bochs-boot.elf "$out"
    [ "$(stat -c %s "$out")" -eq 512 ] || { echo "$out: boot sector is not 512 bytes" >&2; exit 1; }
}
boot_sector roms/build/bochs-boot.bin
boot_sector roms/build/bochs-empty.bin -DEMPTY_GUEST
# Disks: whole cylinders of 16 heads x 63 sectors (the geometry tools/bench-compare.sh gives Bochs).
cylinders=$(( (1 + image_sectors + 1007) / 1008 ))
for disk in bench empty; do
    boot=roms/build/bochs-boot.bin; [ "$disk" = empty ] && boot=roms/build/bochs-empty.bin
    rm -f "roms/build/$disk-bochs.img"
    cat "$boot" roms/build/bench.bin > "roms/build/$disk-bochs.img"
    truncate -s $(( cylinders * 1008 * 512 )) "roms/build/$disk-bochs.img"
done
echo "$cylinders" > roms/build/bench-bochs.cylinders
echo "built roms/build/bench-bochs.img (boot sector + $image_sectors sectors, $cylinders cylinder(s)) and empty-bochs.img"
