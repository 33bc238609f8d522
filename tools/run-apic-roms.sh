#!/usr/bin/env bash
# Runs the local APIC guests roms/apic/*.c on Bochs 2.7 (the oracle: QEMU 7.2's TCG has neither
# x2APIC nor TSC-deadline) and on Orrery, and compares both port-0xE9 outputs with
# roms/apic/NAME.expected. The guests are roms/board-style (start.S, board.h, link.ld); Bochs
# boots them through tools/run-bochs.sh with the CPU model below (x2APIC and TSC-deadline
# advertised). The xAPIC page alone is roms/board/lapic.c (QEMU and Bochs, run-board-roms.sh).
#   tools/run-apic-roms.sh [path/to/orrery]     (default: .build/debug/orrery)
#   tools/run-apic-roms.sh --record NAME [path/to/orrery]   rewrite NAME.expected from Bochs
set -euo pipefail
cd "$(dirname "$0")/.."
record=""
if [ "${1:-}" = "--record" ]; then record=$2; shift 2; fi
orrery=${1:-.build/debug/orrery}
model=corei7_skylake_x
out=roms/build/apic
mkdir -p "$out"
fail=0
for src in roms/apic/*.c; do
    name=$(basename "$src" .c)
    [ -n "$record" ] && [ "$name" != "$record" ] && continue
    gcc -m32 -O1 -ffreestanding -fno-pic -fno-pie -nostdlib -static -fno-stack-protector -fcf-protection=none \
        -mgeneral-regs-only -fno-asynchronous-unwind-tables -Wall -Werror -Wno-unused-function -Iroms/board \
        -Wl,-T,roms/board/link.ld -Wl,--build-id=none -Wl,--no-warn-rwx-segments \
        -o "$out/$name.elf" roms/board/start.S "$src"
    ok=1
    bash tools/run-bochs.sh "$out/$name.elf" "$out/$name.bochs.out" "$model" || { echo "$name: Bochs run failed"; ok=0; }
    set +e
    timeout 120 "$orrery" run --kernel "$out/$name.elf" --memory 256M --serial-input none \
        > "$out/$name.orrery.out" < /dev/null
    orrery_status=$?
    set -e
    if [ -n "$record" ]; then cp "$out/$name.bochs.out" "roms/apic/$name.expected"; echo "recorded roms/apic/$name.expected"; fi
    cmp -s "roms/apic/$name.expected" "$out/$name.bochs.out" || { echo "$name: Bochs output differs from roms/apic/$name.expected"; diff "roms/apic/$name.expected" "$out/$name.bochs.out" | head -5; ok=0; }
    cmp -s "roms/apic/$name.expected" "$out/$name.orrery.out" || { echo "$name: Orrery output differs from roms/apic/$name.expected"; diff "roms/apic/$name.expected" "$out/$name.orrery.out" | head -5; ok=0; }
    # board_main returned 0: isa-debug-exit status (0 << 1) | 1 = 1 on Orrery.
    [ "$orrery_status" = 1 ] || { echo "$name: Orrery exit status $orrery_status (expected 1)"; ok=0; }
    if [ $ok = 1 ]; then echo "$name: ok (Bochs $model and Orrery)"; else fail=1; fi
done
exit $fail
