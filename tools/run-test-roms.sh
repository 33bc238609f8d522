#!/usr/bin/env bash
# Runs every test guest in roms/tests/ on QEMU and on Orrery and compares both outputs (port
# 0xE9 text) with roms/tests/NAME.expected and both exit statuses with each other.
#   tools/run-test-roms.sh [path/to/orrery]     (default: .build/debug/orrery)
# Builds the guests first (tools/build-test-roms.sh). Needs qemu-system-x86_64.
# Options per guest: roms/tests/NAME.args, lines `qemu=...` and `orrery=...` (extra arguments
# for each machine; e.g. cpu-intel runs Orrery with --cpu intel and QEMU with an Intel vendor).
# A line `bochs=MODEL` (MODEL may be empty: Bochs's default CPU) also runs the guest on Bochs
# (tools/run-bochs.sh; the guest ends with Bochs's "Shutdown" port) and compares its output too;
# `no-qemu=REASON` leaves QEMU out where it does not model the rule (Bochs is then the oracle).
set -euo pipefail
cd "$(dirname "$0")/.."
orrery=${1:-.build/debug/orrery}
tools/build-test-roms.sh >/dev/null
fail=0
for expected in roms/tests/*.expected; do
    name=$(basename "$expected" .expected)
    elf=roms/build/tests/$name.elf
    qemu_args=""; orrery_args=""; no_qemu=""; bochs=0; bochs_model=""
    if [ -f "roms/tests/$name.args" ]; then
        qemu_args=$(sed -n 's/^qemu=//p' "roms/tests/$name.args")
        orrery_args=$(sed -n 's/^orrery=//p' "roms/tests/$name.args")
        no_qemu=$(sed -n 's/^no-qemu=//p' "roms/tests/$name.args")
        if grep -q '^bochs=' "roms/tests/$name.args"; then bochs=1; bochs_model=$(sed -n 's/^bochs=//p' "roms/tests/$name.args"); fi
    fi
    set +e
    if [ -n "$no_qemu" ]; then
        # shellcheck disable=SC2086
        timeout 60 "$orrery" run --kernel "$elf" $orrery_args > "roms/build/tests/$name.orrery.out"
        orrery_status=$?
        set -e
        ok=1
        cmp -s "$expected" "roms/build/tests/$name.orrery.out" || { echo "$name: Orrery output differs from $expected"; ok=0; }
        if [ $bochs = 1 ]; then
            if tools/run-bochs.sh "$elf" "roms/build/tests/$name.bochs.out" "$bochs_model" > /dev/null; then
                cmp -s "$expected" "roms/build/tests/$name.bochs.out" || { echo "$name: Bochs output differs from $expected"; ok=0; }
            else
                echo "$name: Bochs run failed"; ok=0
            fi
        fi
        if [ $ok = 1 ]; then echo "$name: ok on Orrery (status $orrery_status)$([ $bochs = 1 ] && echo " and Bochs"); no QEMU: $no_qemu"; else fail=1; fi
        continue
    fi
    # shellcheck disable=SC2086 # the per-guest arguments are word lists
    timeout 60 qemu-system-x86_64 -kernel "$elf" -debugcon stdio -display none -no-reboot \
        -device isa-debug-exit,iobase=0xf4,iosize=0x04 -device pc-testdev $qemu_args > "roms/build/tests/$name.qemu.out" 2>/dev/null
    qemu_status=$?
    # shellcheck disable=SC2086
    timeout 60 "$orrery" run --kernel "$elf" $orrery_args > "roms/build/tests/$name.orrery.out"
    orrery_status=$?
    set -e
    ok=1
    cmp -s "$expected" "roms/build/tests/$name.qemu.out" || { echo "$name: QEMU output differs from $expected"; ok=0; }
    cmp -s "$expected" "roms/build/tests/$name.orrery.out" || { echo "$name: Orrery output differs from $expected"; ok=0; }
    [ "$qemu_status" = "$orrery_status" ] || { echo "$name: exit status QEMU $qemu_status, Orrery $orrery_status"; ok=0; }
    if [ $bochs = 1 ]; then
        if tools/run-bochs.sh "$elf" "roms/build/tests/$name.bochs.out" "$bochs_model" > /dev/null; then
            cmp -s "$expected" "roms/build/tests/$name.bochs.out" || { echo "$name: Bochs output differs from $expected"; ok=0; }
        else
            echo "$name: Bochs run failed"; ok=0
        fi
    fi
    if [ $ok = 1 ]; then echo "$name: ok (status $orrery_status on both)$([ $bochs = 1 ] && echo "; Bochs: same output")"; else fail=1; fi
done
exit $fail
