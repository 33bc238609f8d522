#!/usr/bin/env bash
# README's second command (and what CI runs): set up, build, and run every test.
#   1. unit tests (emulator and the kernel's platform-neutral modules), decoder fuzzing and a
#      short differential run vs the host CPU (debug build); the kernel booted on QEMU TCG
#      (selftest, normal boot, deliberate panic: tools/test-kernel.sh)
#   2. the differential harness in release (the tail-call/inlining design only exists there):
#      200,000 fixed-seed cases against the host CPU, 0 mismatches required
#   3. the threaded handlers really tail-jump in release (tools/check-tailcalls.sh)
#   4. test guests and device probes on QEMU and on Orrery with the same output (roms/tests,
#      roms/devices, roms/acpi, roms/board; the serial input recorded and replayed; roms/grub:
#      the Multiboot guests against GRUB 2 on QEMU)
#   5. Debian's Linux kernel booted on QEMU and Orrery to a user-space floating-point check
#      (tools/test-linux-boot.sh)
#   6. the benchmark guest in release, each workload's checksum compared with the host CPU
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
bash tools/build-roms.sh
bash tools/build-kernel.sh        # before the unit tests: the boot-loader tests load build/kernel.elf
bash tools/build-board-roms.sh    # the input/reset unit tests boot roms/board guests
swift build --build-tests
swift test --skip-build
bash tools/test-kernel.sh
swift build -c release --omit-frame-pointers
bash tools/check-tailcalls.sh .build/release/orrery
.build/release/orrery-diff --cases 200000 --seed 1
# Test guests and device probes: the same guest on QEMU (the oracle) and on Orrery must print
# the same lines and exit with the same status.
bash tools/run-test-roms.sh .build/release/orrery
bash tools/run-pcprobe.sh .build/release/orrery
bash tools/run-acpi-poweroff.sh .build/release/orrery
bash tools/run-portprobe-qemu.sh
bash tools/run-board-roms.sh .build/release/orrery
# x2APIC and TSC-deadline guests: Bochs 2.7 is the oracle (QEMU's TCG has neither).
bash tools/run-apic-roms.sh .build/release/orrery
bash tools/run-serial-echo.sh .build/release/orrery
# Multiboot v1 (ELF32, ELF64) and Multiboot2 (ELF, address tag) guests: GRUB 2 on QEMU vs Orrery.
bash tools/run-grub-guests.sh .build/release/orrery
# The Orrery kernel on the Orrery machine vs QEMU (selftest lines must be identical so far).
bash tools/test-kernel-orrery.sh .build/release/orrery
# Debian's Linux kernel on Orrery: to user space (static musl and glibc programs whose floating-
# point output must equal the host CPU's), ACPI power-off, same milestones as QEMU, deterministic.
bash tools/test-linux-boot.sh .build/release/orrery
.build/release/orrery bench
