#!/usr/bin/env bash
# CI check of the Orrery kernel on QEMU TCG (the reference machine): builds build/kernel.elf,
# then boots it three times and checks each exit status and its serial log:
#   selftest   in-kernel tests must report "0 failed" and exit 33 (debug-exit 0x10)
#   (normal)   must print the memory map and "ready", exit 33 (no ACPI power-off yet)
#   panictest  a deliberate kernel page fault must produce a panic report with a
#              symbolizable backtrace and exit 37 (debug-exit 0x12)
# Every serial log is printed. Needs qemu-system-x86_64 (Debian: qemu-system-x86).
# The same kernel will be booted on Orrery here once `orrery run --kernel` exists.
set -uo pipefail
cd "$(dirname "$0")/.."
bash tools/build-kernel.sh || exit 1
export KERNEL_TIMEOUT=${KERNEL_TIMEOUT:-60}
failures=0

boot() {  # boot <expected status> <log file> <command line...>
    local expected=$1 log=$2; shift 2
    local start=$SECONDS
    bash tools/run-kernel-qemu.sh "$@" </dev/null 2>&1 | tr -d '\r' > "$log"
    local status=${PIPESTATUS[0]}
    echo "---- kernel boot \"$*\": exit status $status (expected $expected), $((SECONDS - start)) s ----"
    cat "$log"
    if [ "$status" != "$expected" ]; then
        echo "test-kernel: FAILED: \"$*\" exited with $status, expected $expected"
        failures=$((failures + 1))
        return 1
    fi
}

expect_line() {  # expect_line <log> <extended regex> <description>
    if ! grep -qE "$2" "$1"; then
        echo "test-kernel: FAILED: $3 (no line matching /$2/)"
        failures=$((failures + 1))
    fi
}

logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT

boot 33 "$logs/selftest" selftest
expect_line "$logs/selftest" '^selftest: [0-9]+ passed, 0 failed$' "selftest summary"

boot 33 "$logs/normal"
expect_line "$logs/normal" 'available$' "memory map"
expect_line "$logs/normal" '^ready$' "ready line"

boot 37 "$logs/panic" panictest
expect_line "$logs/panic" '^PANIC: unhandled #PF page fault' "panic report"
bash tools/symbolize.sh < "$logs/panic" > "$logs/panic.sym"
expect_line "$logs/panic.sym" '#1 .*PanicTest\.level2' "symbolized backtrace"

if [ $failures -ne 0 ]; then
    echo "test-kernel: $failures check(s) failed"
    exit 1
fi
echo "test-kernel: all kernel checks passed on QEMU"
