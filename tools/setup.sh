#!/usr/bin/env bash
# Installs the host packages Orrery's build and tests need (Debian, as root). Idempotent.
#   gcc, binutils: build the guest programs in roms/ and the objdump disassembler oracle
#                  (gcc also links the Embedded Swift kernel, see DESIGN.md §4)
#   musl-tools: static musl programs for the Linux user-space tests (tools/test-linux-boot.sh)
#   qemu-system-x86: the reference machine for the kernel's boot tests (tools/test-kernel.sh)
#                  and the QEMU TCG comparison of `orrery bench --qemu`
#   bochs, bochsbios, vgabios: the third machine, oracle for what QEMU's TCG lacks (tools/run-bochs.sh)
#   grub-common, grub-pc-bin, xorriso, mtools: grub-mkrescue builds the GRUB 2 ISOs that boot the
#                  Multiboot info guests on QEMU (tools/run-grub-guests.sh: GRUB is the oracle)
set -euo pipefail
need=()
command -v gcc >/dev/null || need+=(gcc)
command -v objdump >/dev/null || need+=(binutils)
command -v qemu-system-x86_64 >/dev/null || need+=(qemu-system-x86)
command -v musl-gcc >/dev/null || need+=(musl-tools)
command -v bochs >/dev/null || need+=(bochs)
[ -f /usr/share/bochs/BIOS-bochs-latest ] || need+=(bochsbios)
[ -f /usr/share/vgabios/vgabios.bin ] || need+=(vgabios)
command -v grub-mkrescue >/dev/null || need+=(grub-common)
[ -d /usr/lib/grub/i386-pc ] || need+=(grub-pc-bin)
command -v xorriso >/dev/null || need+=(xorriso)
command -v mformat >/dev/null || need+=(mtools)
if [ ${#need[@]} -gt 0 ]; then
    echo "setup: installing ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${need[@]}"
fi
