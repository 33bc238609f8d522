#!/usr/bin/env bash
# The Orrery kernel on the Orrery machine, checked against the same kernel on QEMU (the oracle).
#   tools/test-kernel-orrery.sh [path/to/orrery]     (default: .build/release/orrery)
# Boots build/kernel.elf with "selftest" on both machines and compares the selftest lines.
# Since the SSE/SSE2 floating-point instructions landed ([2/6]) Orrery runs the whole selftest
# (14 tests, exit status 33 as on QEMU). The check requires that every selftest line Orrery prints
# is identical to QEMU's line at the same position and that at least MIN_IDENTICAL (default 14)
# lines ran; it reports how far Orrery got when it stops early.
set -uo pipefail
cd "$(dirname "$0")/.."
orrery=${1:-.build/release/orrery}
min=${MIN_IDENTICAL:-14}
[ -x "$orrery" ] || { echo "test-kernel-orrery: $orrery not found"; exit 2; }
[ -f build/kernel.elf ] || bash tools/build-kernel.sh || exit 1
logs=$(mktemp -d); trap 'rm -rf "$logs"' EXIT

bash tools/run-kernel-qemu.sh selftest </dev/null 2>&1 | tr -d '\r' > "$logs/qemu"
qemu_status=${PIPESTATUS[0]}
timeout 120 "$orrery" run --kernel build/kernel.elf --append selftest --max-instructions 2000000000 \
    </dev/null > "$logs/orrery" 2>&1
orrery_status=$?

grep '^selftest: ok' "$logs/qemu" > "$logs/qemu-ok"
tr -d '\r' < "$logs/orrery" | grep '^selftest: ok' > "$logs/orrery-ok"
total=$(wc -l < "$logs/qemu-ok")
ran=$(wc -l < "$logs/orrery-ok")
echo "test-kernel-orrery: QEMU status $qemu_status, $total selftests ok; Orrery status $orrery_status, $ran selftests ok"
if ! head -n "$ran" "$logs/qemu-ok" | cmp -s - "$logs/orrery-ok"; then
    echo "test-kernel-orrery: FAILED: Orrery's selftest lines differ from QEMU's:"
    diff <(head -n "$ran" "$logs/qemu-ok") "$logs/orrery-ok"
    exit 1
fi
if [ "$ran" -eq "$total" ] && [ "$orrery_status" -eq "$qemu_status" ]; then
    echo "test-kernel-orrery: the whole selftest runs identically on Orrery and QEMU"
    exit 0
fi
echo "test-kernel-orrery: Orrery stopped after $ran of $total selftests; its last lines:"
grep -E 'PANIC|RIP|unhandled|orrery:' "$logs/orrery" | head -4
if [ "$ran" -lt "$min" ]; then
    echo "test-kernel-orrery: FAILED: fewer than $min identical selftests (a regression)"
    exit 1
fi
exit 0
