#!/usr/bin/env bash
# Runs kvm-unit-tests (x86) on QEMU (TCG) and on Orrery and prints one table row per test:
#   test | QEMU | Orrery      (PASS / FAIL / SKIP, then each machine's SUMMARY line or reason)
#
#   tools/run-kvm-unit-tests.sh SRC_DIR [ORRERY_BINARY] [TEST...]
#
# SRC_DIR is a built kvm-unit-tests tree (`./configure && make`, x86_64): tests are the Multiboot
# images SRC_DIR/x86/NAME.flat, configured by SRC_DIR/x86/unittests.cfg (file, smp, qemu_params
# or extra_params, test_args, arch, accel). ORRERY_BINARY defaults to .build/release/orrery.
# TEST names (unittests.cfg sections) limit the run; default: every x86_64 TCG-capable section.
# Environment: TIMEOUT (seconds per test and machine, default 90), ORRERY_MAX_INSTRUCTIONS
# (default 20000000000), QEMU (default qemu-system-x86_64), KEEP_LOGS=DIR (keep both outputs).
#
# QEMU runs the test the way kvm-unit-tests' x86/run does (pc machine, pc-testdev,
# isa-debug-exit at 0xf4, serial on stdio, the section's -cpu/-smp/-m options, args through
# -append). Orrery runs `orrery run --kernel X.flat --cpu MODEL --append ARGS`: one vCPU, so -smp
# is not passed (a test configured for several CPUs runs on one), and -cpu only picks the vendor
# model: `--cpu amd` when the section's qemu_params ask for an AMD vendor or model
# (vendor=AuthenticAMD, Opteron, EPYC, phenom, athlon: e.g. syscall, whose 32-bit SYSCALL is
# AMD-only), else `--cpu intel`, because kvm-unit-tests is written against KVM on Intel hosts
# (emulator: `rex64 ljmp` reads m16:64; no code #DB after MOV SS). ORRERY_CPU=amd|intel
# overrides the choice for every test.
# A test's verdict comes from its exit status, as kvm-unit-tests reads it: exit(0) reaches
# isa-debug-exit as status 1 (PASS); an all-skipped run exits with 77 >> 1 = 38, status 77 (SKIP);
# 127 is abort(); anything else is FAIL.
# Not run in CI (CI has no kvm-unit-tests sources); see docs/kvm-unit-tests.md.
set -uo pipefail

src=${1:?usage: $0 KVM_UNIT_TESTS_DIR [ORRERY_BINARY] [TEST...]}
shift
orrery=.build/release/orrery
if [ $# -gt 0 ] && [ -x "$1" ] && [ ! -d "$1" ]; then orrery=$1; shift; fi
only=("$@")
timeout_s=${TIMEOUT:-90}
max_insns=${ORRERY_MAX_INSTRUCTIONS:-20000000000}
qemu=${QEMU:-qemu-system-x86_64}
cfg=$src/x86/unittests.cfg
[ -f "$cfg" ] || { echo "no $cfg (give a built kvm-unit-tests tree)" >&2; exit 2; }
[ -x "$orrery" ] || { echo "no Orrery binary at $orrery (swift build -c release --product orrery)" >&2; exit 2; }
logs=${KEEP_LOGS:-$(mktemp -d)}
mkdir -p "$logs"

# Verdict and reason from an exit status and the captured output.
verdict() { # status logfile timed_out
    local status=$1 log=$2 timed=$3 summary
    summary=$(grep -a -m1 '^SUMMARY:' "$log" | tr -d '\r')
    if [ "$timed" = 1 ]; then echo "FAIL (timeout ${timeout_s}s) $summary"; return; fi
    case $status in
        1) echo "PASS ${summary:-}";;
        77) echo "SKIP ${summary:-$(grep -a -m1 -i 'skip' "$log" | tr -d '\r' | cut -c1-70)}";;
        *) local why
           why=$(grep -a -m1 -E '^FAIL|^Unhandled|^orrery:' "$log" | tr -d '\r' | cut -c1-70)
           [ -n "$summary" ] && why="$summary; first: $why"
           [ -n "$why" ] || why=$(tail -n1 "$log" | tr -d '\r' | cut -c1-70)
           echo "FAIL (status $status) $why";;
    esac
}

run_one() { # name file smp params args
    local name=$1 file=$2 smp=$3 params=$4 args=$5
    local flat=$src/x86/$file
    if [ ! -f "$flat" ]; then printf '| %s | SKIP (not built) | SKIP (not built) |\n' "$name"; return; fi
    local qlog=$logs/$name.qemu.log olog=$logs/$name.orrery.log st timed
    # QEMU, as x86/run builds its command line.
    timed=0
    eval "timeout ${timeout_s} $qemu --no-reboot -nodefaults -device pc-testdev \
        -device isa-debug-exit,iobase=0xf4,iosize=0x4 -display none -serial stdio \
        -device pci-testdev -machine accel=tcg -kernel \"$flat\" -smp $smp $params \
        ${args:+-append \"$args\"}" > "$qlog" 2>&1 < /dev/null
    st=$?; [ $st = 124 ] && timed=1
    local q; q=$(verdict $st "$qlog" $timed)
    # Orrery: one vCPU; the vendor model the section asks for (see the header); the same kernel
    # and arguments.
    local model=intel
    case $params in *AuthenticAMD*|*Opteron*|*EPYC*|*phenom*|*athlon*) model=amd;; esac
    model=${ORRERY_CPU:-$model}
    timed=0
    timeout "${timeout_s}" "$orrery" run --kernel "$flat" --cpu "$model" --max-instructions "$max_insns" \
        ${args:+--append "$args"} > "$olog" 2>&1 < /dev/null
    st=$?; [ $st = 124 ] && timed=1
    local o; o=$(verdict $st "$olog" $timed)
    [ "$model" = amd ] && o="$o (--cpu amd)"
    [ $st = 4 ] && o="FAIL (instruction limit $max_insns) $(grep -a -m1 '^SUMMARY:' "$olog")"
    printf '| %s | %s | %s |\n' "$name" "$q" "$o"
}

echo "| test | QEMU (TCG) | Orrery |"
echo "|---|---|---|"
# Parse unittests.cfg: one [section] per test with key = value lines.
flush() {
    [ -n "$name" ] || return
    if [ ${#only[@]} -gt 0 ]; then
        local hit=0 t; for t in "${only[@]}"; do [ "$t" = "$name" ] && hit=1; done
        [ $hit = 1 ] || return
    else
        [ "$arch" = "" ] || [ "$arch" = x86_64 ] || return
        [ "$accel" = "" ] || [ "$accel" = tcg ] || { printf '| %s | SKIP (needs accel=%s) | SKIP (needs accel=%s) |\n' "$name" "$accel" "$accel"; return; }
        case " $groups " in *" nodefault "*) return;; esac
    fi
    run_one "$name" "$file" "${smp:-1}" "$params" "$args"
}
name=""
while IFS= read -r line || [ -n "$line" ]; do
    line=${line%%#*}
    if [[ $line =~ ^\[(.*)\] ]]; then
        flush
        name=${BASH_REMATCH[1]}; file=""; smp=1; params=""; args=""; arch=""; accel=""; groups=""
        continue
    fi
    [[ $line =~ ^[[:space:]]*([a-z_]+)[[:space:]]*=[[:space:]]*(.*)$ ]] || continue
    key=${BASH_REMATCH[1]}; value=${BASH_REMATCH[2]}
    case $key in
        file) file=$value;;
        smp) smp=$value;;
        qemu_params|extra_params) params=$value;;
        test_args) args=${value//\"/};;
        arch) arch=$value;;
        accel) accel=$value;;
        groups) groups=$value;;
    esac
done < "$cfg"
flush
[ -n "${KEEP_LOGS:-}" ] || rm -rf "$logs"
