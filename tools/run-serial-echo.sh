#!/usr/bin/env bash
# The recorded input queue end to end (docs/cli.md, docs/file-formats.md "Input logs"):
#   1. roms/board/serial-echo.elf on QEMU (the oracle) with input piped to -serial stdio;
#   2. the same input piped to `orrery run --serial-input stdin --record LOG`, typed in two bursts
#      so some bytes arrive while the guest sleeps in HLT (virtual time follows host time then);
#   3. `orrery run --replay LOG` twice.
# All four print the same serial text; the recording and both replays end in the same state
# hash (--json). Exit 0 when all agree.
#   tools/run-serial-echo.sh [path/to/orrery]     (default: .build/debug/orrery)
set -euo pipefail
cd "$(dirname "$0")/.."
orrery=${1:-.build/debug/orrery}
tools/build-board-roms.sh
elf=roms/build/board/serial-echo.elf
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
feed() { printf 'hello, '; sleep 0.3; printf 'orrery\nq'; }
status=0
feed | timeout 60 qemu-system-x86_64 -accel tcg -m 256M -display none -no-reboot \
    -device isa-debug-exit,iobase=0xf4,iosize=0x04 -serial stdio -kernel "$elf" > "$dir/qemu.out" || status=$?
[ "$status" -eq 1 ] || { echo "serial-echo: QEMU exit status $status (expected 1)" >&2; exit 1; }
status=0
feed | timeout 60 "$orrery" run --kernel "$elf" --serial-input stdin --record "$dir/input.log" \
    --serial "$dir/record.out" --json > "$dir/record.json" || status=$?
[ "$status" -eq 1 ] || { echo "serial-echo: Orrery (recording) exit status $status (expected 1)" >&2; exit 1; }
hash() { sed -n 's/.*"state_hash": "\([0-9a-f]*\)".*/\1/p' "$1"; }
fail=0
for n in 1 2; do
    status=0
    timeout 60 "$orrery" run --kernel "$elf" --replay "$dir/input.log" --serial "$dir/replay$n.out" \
        --json < /dev/null > "$dir/replay$n.json" || status=$?
    [ "$status" -eq 1 ] || { echo "serial-echo: replay $n exit status $status (expected 1)"; fail=1; }
    cmp -s "$dir/record.out" "$dir/replay$n.out" || { echo "serial-echo: replay $n output differs"; fail=1; }
    [ "$(hash "$dir/record.json")" = "$(hash "$dir/replay$n.json")" ] || {
        echo "serial-echo: replay $n state hash $(hash "$dir/replay$n.json") != recording $(hash "$dir/record.json")"; fail=1; }
done
diff -u --label QEMU --label Orrery "$dir/qemu.out" "$dir/record.out" || fail=1
[ $fail = 0 ] && echo "serial-echo: QEMU, Orrery recording and 2 replays print the same $(wc -c < "$dir/qemu.out") bytes;" \
    "state hash $(hash "$dir/record.json") ($(($(wc -l < "$dir/input.log") - 1)) input events)"
exit $fail
