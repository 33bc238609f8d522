#!/usr/bin/env bash
# Builds the Orrery kernel (Embedded Swift, Kernel/ package) and places it at build/kernel.elf
# (an ELF64 with a Multiboot v1 header, symbols kept for tools/symbolize.sh and debuggers).
# Usage: bash tools/build-kernel.sh        (needs swift 6.3, gcc: SwiftPM links through it)
set -euo pipefail
cd "$(dirname "$0")/.."
out=Kernel/.build/x86_64-unknown-none-elf/release/kernel
# SwiftPM does not see edits to the linker script: relink when it is newer than the image.
if [ -f "$out" ] && [ Kernel/Arch/x86_64/linker.ld -nt "$out" ]; then rm -f "$out"; fi
swift build --package-path Kernel --triple x86_64-unknown-none-elf \
    --toolset Kernel/toolset.json -c release
mkdir -p build
cp "$out" build/kernel.elf

# The Multiboot a.out kludge loads the file as one flat block: each loadable segment's file
# offset must be its physical address minus the same constant, or the loader would place
# code at the wrong address. Check it rather than debug a silent misload.
first=""
while read -r type offset vaddr paddr filesz rest; do
    [ "$type" = LOAD ] && [ $((filesz)) -gt 0 ] || continue
    delta=$((paddr - offset))
    if [ -n "$first" ] && [ "$delta" != "$first" ]; then
        echo "build-kernel: segment at offset $offset / physical $paddr breaks the flat Multiboot load" >&2
        exit 1
    fi
    first=$delta
done < <(readelf -lW build/kernel.elf)
echo "build-kernel: build/kernel.elf ($(stat -c %s build/kernel.elf) bytes)"
