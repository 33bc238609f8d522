#!/usr/bin/env bash
# README's first command: set up, build, and run the main job: the Orrery kernel (Kernel/,
# Embedded Swift) booting on the Orrery machine, its console on this terminal. With no
# arguments it boots, prints the memory map, APIC ids, timer and wall clock, "ready", and powers
# off (status 0). Arguments replace the kernel command line, e.g. `bash tools/run.sh selftest`
# (in-kernel tests, status 33 = pass) or `bash tools/run.sh console=ttyS0` (stays up: quit with
# Ctrl-A x). The benchmark is `.build/release/orrery bench` (see README).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
bash tools/build-kernel.sh
swift build -c release --omit-frame-pointers --product orrery
append="console=ttyS0 halt=poweroff"
if [[ $# -gt 0 ]]; then append="$*"; fi
exec .build/release/orrery run --kernel build/kernel.elf --append "$append"
