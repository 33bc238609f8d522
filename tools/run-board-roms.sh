#!/usr/bin/env bash
# Runs the board test guests roms/board/*.c on QEMU (q35, the oracle) and on Orrery and compares
# both outputs (port 0xE9 text) with roms/board/NAME.expected and both exit statuses with each
# other. Options per guest: roms/board/NAME.args, lines `qemu=...` and `orrery=...` (extra
# arguments; e.g. the reset guest lets QEMU reboot and runs Orrery with --on-reset reboot).
# Without a `qemu=` line QEMU runs with -no-reboot. A line `bochs=MODEL` (MODEL may be empty:
# Bochs's default CPU) also runs the guest on Bochs (tools/run-bochs.sh), a third machine whose
# output must match too; it is the oracle where QEMU lacks the feature (`bochs-time0=SECONDS`:
# its RTC's start time). A line `qemu=skip` leaves QEMU out for a guest whose feature QEMU's TCG
# does not model (seglimit: QEMU 7.2 checks no segment limit), so Bochs is its only oracle; such
# a guest must exit with status 1 (board_main returns 0). serial-echo has its own script
# (tools/run-serial-echo.sh: input record/replay).
#   tools/run-board-roms.sh [path/to/orrery]     (default: .build/debug/orrery)
#   tools/run-board-roms.sh --record NAME        rewrite roms/board/NAME.expected from QEMU
set -euo pipefail
cd "$(dirname "$0")/.."
record=""
if [ "${1:-}" = "--record" ]; then record=$2; shift 2; fi
orrery=${1:-.build/debug/orrery}
tools/build-board-roms.sh
out=roms/build/board
fail=0
for src in roms/board/*.c; do
    name=$(basename "$src" .c)
    [ "$name" = serial-echo ] && continue
    [ -n "$record" ] && [ "$name" != "$record" ] && continue
    qemu_args="-no-reboot"; orrery_args=""
    if [ -f "roms/board/$name.args" ]; then
        if grep -q '^qemu=' "roms/board/$name.args"; then qemu_args=$(sed -n 's/^qemu=//p' "roms/board/$name.args"); fi
        orrery_args=$(sed -n 's/^orrery=//p' "roms/board/$name.args")
    fi
    set +e
    if [ "$qemu_args" = skip ]; then
        qemu_status=1    # not run: the expected status of a guest whose board_main returns 0
    else
    # shellcheck disable=SC2086
    timeout 60 qemu-system-x86_64 -M q35 -accel tcg -m 256M -display none $qemu_args \
        -device isa-debug-exit,iobase=0xf4,iosize=0x04 -debugcon "file:$out/$name.qemu.out" -serial null \
        -kernel "$out/$name.elf" < /dev/null
    qemu_status=$?
    fi
    # shellcheck disable=SC2086
    timeout 60 "$orrery" run --kernel "$out/$name.elf" --memory 256M --serial-input none $orrery_args \
        > "$out/$name.orrery.out" < /dev/null
    orrery_status=$?
    set -e
    if [ -n "$record" ] && [ "$qemu_args" != skip ]; then cp "$out/$name.qemu.out" "roms/board/$name.expected"; echo "recorded roms/board/$name.expected (QEMU status $qemu_status)"; fi
    ok=1
    [ "$qemu_args" = skip ] || cmp -s "roms/board/$name.expected" "$out/$name.qemu.out" || { echo "$name: QEMU output differs from roms/board/$name.expected"; diff "roms/board/$name.expected" "$out/$name.qemu.out" | head -5; ok=0; }
    cmp -s "roms/board/$name.expected" "$out/$name.orrery.out" || { echo "$name: Orrery output differs from roms/board/$name.expected"; diff "roms/board/$name.expected" "$out/$name.orrery.out" | head -5; ok=0; }
    [ "$qemu_status" = "$orrery_status" ] || { echo "$name: exit status QEMU $qemu_status, Orrery $orrery_status"; ok=0; }
    machines="QEMU and Orrery"
    if [ "$qemu_args" = skip ]; then machines="Orrery"; fi
    if [ -f "roms/board/$name.args" ] && grep -q '^bochs=' "roms/board/$name.args"; then
        machines="$machines and Bochs"; machines=${machines/QEMU and Orrery and/QEMU, Orrery and}
        time0=$(sed -n 's/^bochs-time0=//p' "roms/board/$name.args")
        if BOCHS_TIME0=${time0:-1704067200} tools/run-bochs.sh "$out/$name.elf" "$out/$name.bochs.out" "$(sed -n 's/^bochs=//p' "roms/board/$name.args")"; then
            cmp -s "roms/board/$name.expected" "$out/$name.bochs.out" || { echo "$name: Bochs output differs from roms/board/$name.expected"; diff "roms/board/$name.expected" "$out/$name.bochs.out" | head -5; ok=0; }
        else
            ok=0
        fi
    fi
    status_on="QEMU and Orrery"; if [ "$qemu_args" = skip ]; then status_on="Orrery"; fi
    if [ $ok = 1 ]; then echo "$name: ok on $machines (status $orrery_status on $status_on)"; else fail=1; fi
done
exit $fail
