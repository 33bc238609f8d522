#!/usr/bin/env bash
# Benchmark comparison: the same guest (roms/bench) on Orrery, QEMU TCG and Bochs, measured in
# one run on this machine, so Orrery's speed can be reported as a ratio against both.
#   bash tools/bench-compare.sh            (BENCH_RUNS=N repeats QEMU and Bochs, best time kept;
#                                           BENCH_SKIP_ORRERY=1 measures only QEMU and Bochs)
# Needs qemu-system-x86 and bochs + bochsbios + vgabios (apt-get install). Not part of CI.
#
# What is measured:
#   Orrery  `orrery bench --qemu` (release build): sum of its per-workload interpreter seconds,
#           and its total guest instructions retired (the instruction count used for every
#           machine's "MIPS-equivalent": all three run the same guest code).
#   QEMU    wall time of qemu-system-x86_64 -accel tcg -kernel bench.elf (Multiboot), best of N.
#   Bochs   wall time of bochs on roms/build/bench-bochs.img (BIOS boot + roms/boot/bochs-boot.S
#           boot sector, which loads the flat image and enters mb_entry32), best of N.
#   startup the same emulators running a guest that ends at once (empty-bochs.img: BIOS boot
#           then power-off), so "net" seconds = wall - startup is the time spent in the guest.
#   Bochs also reports its instruction counter at power-off; the benchmark run minus the empty
#   run is the guest's instruction count as Bochs counts it. Bochs counts every iteration of a
#   REP string instruction as one instruction, so this is above the architectural count
#   (290 M vs Orrery's 250 M on this guest, the difference being the string workload's REP
#   MOVSB/STOSB, mostly); it is used only when Orrery did not complete every workload, and labelled so.
set -uo pipefail
cd "$(dirname "$0")/.."
RUNS=${BENCH_RUNS:-3}
WORK=roms/build/compare
mkdir -p "$WORK"

bash tools/build-roms.sh || exit 1

now() { date +%s.%N; }
calc() { awk "BEGIN { printf \"%.6f\", $* }"; }  # floating-point arithmetic (bash has none)
# Lines "name checksum" of a run's output compared with the host oracle: prints "ok/total".
check() {
    local out=$1 ok=0 total=0 name sum
    while read -r name sum; do
        total=$((total + 1))
        grep -qx "$name $sum" "$out" && ok=$((ok + 1))
    done < "$WORK/host.txt"
    echo "$ok/$total"
}
roms/build/bench-host > "$WORK/host.txt" || { echo "host oracle roms/build/bench-host failed" >&2; exit 1; }

# ---- Orrery ----------------------------------------------------------------------------------
orrery_instr="" orrery_secs="" orrery_wall="" orrery_note=""
if [ -n "${BENCH_SKIP_ORRERY:-}" ]; then
    echo "== orrery skipped (BENCH_SKIP_ORRERY)"
    failed=1
elif echo "== building orrery (release, scratch .build-bochs)" &&
     swift build -c release --omit-frame-pointers --product orrery --scratch-path .build-bochs \
        > "$WORK/orrery-build.log" 2>&1; then
    echo "== orrery bench --qemu"
    t0=$(now)
    .build-bochs/release/orrery bench --qemu 2>&1 | tee "$WORK/orrery.txt"
    t1=$(now)
    orrery_wall=$(calc "$t1 - $t0")
    read -r orrery_instr orrery_secs < <(awk '$1 == "total" { print $2, $3 }' "$WORK/orrery.txt")
    failed=$(grep -cE "FAILED|MISMATCH|unverified" "$WORK/orrery.txt")
    ok=$(grep -c "ok (matches host CPU)" "$WORK/orrery.txt")
    orrery_note="checksums ok $ok/$(wc -l < "$WORK/host.txt")"
    [ "$failed" -gt 0 ] && orrery_note="$orrery_note, $failed workload(s) FAILED"
else
    echo "orrery did not build (see $WORK/orrery-build.log); reporting QEMU and Bochs only"
    tail -20 "$WORK/orrery-build.log"
    failed=1
fi

# ---- QEMU TCG --------------------------------------------------------------------------------
qemu_run() {  # qemu_run OUTPUT QEMU-ARGS...: prints wall seconds
    local out=$1; shift
    local t0 t1
    t0=$(now)
    timeout 600 qemu-system-x86_64 -accel tcg -m 256M -display none -serial none -debugcon stdio \
        -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=0x04 "$@" > "$out" 2>"$out.err" < /dev/null
    t1=$(now)
    calc "$t1 - $t0"
}
best() { printf '%s\n' "$@" | sort -g | head -1; }
qemu_secs="" qemu_boot="" qemu_note="not installed"
if command -v qemu-system-x86_64 > /dev/null; then
    echo "== qemu TCG x$RUNS"
    times=()
    for ((r = 0; r < RUNS; r++)); do times+=("$(qemu_run "$WORK/qemu.txt" -kernel roms/build/bench.elf)"); done
    qemu_secs=$(best "${times[@]}")
    times=()
    for ((r = 0; r < RUNS; r++)); do
        times+=("$(qemu_run "$WORK/qemu-empty.txt" -drive file=roms/build/empty-bochs.img,format=raw)")
    done
    qemu_boot=$(best "${times[@]}")
    qemu_note="checksums ok $(check "$WORK/qemu.txt")"
    echo "qemu: $qemu_secs s, $qemu_note"
fi

# ---- Bochs -----------------------------------------------------------------------------------
# Debian's Bochs is built without the nogui display and with the internal debugger: the rfb
# display (a VNC server nobody connects to, timeout=0: don't wait for a client) stands in for
# nogui, and the debugger is told to continue at start. Sound is off (its ALSA mixer thread
# aborts without a sound card). A triple fault ends the run instead of resetting the machine.
bochsrc() {  # bochsrc DISK-IMAGE LOG > rcfile
    cat <<EOF
megs: 256
cpu: count=1, reset_on_triple_fault=0
romimage: file=/usr/share/bochs/BIOS-bochs-latest
vgaromimage: file=/usr/share/vgabios/vgabios.bin
display_library: rfb, options="timeout=0"
speaker: enabled=0
sound: driver=dummy
ata0-master: type=disk, path=$1, mode=flat, cylinders=$(cat roms/build/bench-bochs.cylinders), heads=16, spt=63
boot: disk
clock: sync=none
port_e9_hack: enabled=1
log: $2
panic: action=fatal
EOF
}
printf 'c\nquit\n' > "$WORK/bochs-debugger.txt"
bochs_run() {  # bochs_run NAME: prints "wall-seconds ticks-at-power-off"
    local name=$1 t0 t1 ticks
    bochsrc "roms/build/$name-bochs.img" "$WORK/bochs-$name.log" > "roms/build/bochsrc-$name.txt"
    t0=$(now)
    timeout 600 bochs -q -f "roms/build/bochsrc-$name.txt" -rc "$WORK/bochs-debugger.txt" \
        > "$WORK/bochs-$name.txt" 2>"$WORK/bochs-$name.err" < /dev/null
    t1=$(now)
    # "00306183199p[UNMAP ] >>PANIC<< Shutdown port: shutdown requested": Bochs's tick counter
    # (one per instruction; HLT skips ahead) when the guest asked for power-off.
    ticks=$(sed -n 's/^0*\([0-9][0-9]*\)p\[UNMAP \] >>PANIC<< Shutdown port.*/\1/p' "$WORK/bochs-$name.log" | head -1)
    echo "$(calc "$t1 - $t0") ${ticks:-0}"
}
bochs_secs="" bochs_boot="" bochs_note="not installed" bochs_instr=""
if command -v bochs > /dev/null; then
    echo "== bochs x$RUNS"
    times=() boots=()
    for ((r = 0; r < RUNS; r++)); do read -r s ticks < <(bochs_run bench); times+=("$s"); done
    for ((r = 0; r < RUNS; r++)); do read -r s empty_ticks < <(bochs_run empty); boots+=("$s"); done
    bochs_secs=$(best "${times[@]}")
    bochs_boot=$(best "${boots[@]}")
    bochs_note="checksums ok $(check "$WORK/bochs-bench.txt")"
    if [ "$ticks" -gt 0 ] && [ "$empty_ticks" -gt 0 ]; then
        bochs_instr=$((ticks - empty_ticks))
    else
        bochs_note="$bochs_note, did not reach power-off (see $WORK/bochs-bench.log)"
    fi
    echo "bochs: $bochs_secs s, $bochs_note, guest instructions by Bochs's counter: ${bochs_instr:-?}"
fi

# ---- Table -----------------------------------------------------------------------------------
# Instruction count for MIPS-equivalents: Orrery's when every workload passed, else Bochs's.
instr=$orrery_instr source="Orrery's retired count"
if [ -z "$instr" ] || [ "${failed:-0}" -gt 0 ]; then
    instr=$bochs_instr source="Bochs's counter, REP iterations counted singly: MIPS figures inflated (Orrery incomplete)"
fi
echo
echo "guest instructions: ${instr:-unknown} ($source); Orrery count ${orrery_instr:-n/a}, Bochs count ${bochs_instr:-n/a}"
printf '%-8s %9s %9s %9s %11s %11s %11s %11s  %s\n' machine "wall s" "startup s" "net s" "MIPS(wall)" "MIPS(net)" "net/Orrery" "Orrery/net" notes
row() {  # row NAME WALL STARTUP NOTE
    local name=$1 wall=$2 start=$3 note=$4 net mw mn ratio
    if [ -z "$wall" ]; then printf '%-8s %9s %9s %9s %11s %11s %11s %11s  %s\n' "$name" - - - - - - - "$note"; return; fi
    net=$(calc "$wall - $start")
    mw=-; mn=-; ratio=-; inverse=-
    if [ -n "$instr" ]; then
        mw=$(printf '%.1f' "$(calc "$instr / $wall / 1000000")")
        mn=$(printf '%.1f' "$(calc "$instr / $net / 1000000")")
    fi
    if [ -n "$orrery_secs" ]; then
        ratio=$(printf '%.3fx' "$(calc "$net / $orrery_secs")")
        inverse=$(printf '%.2fx' "$(calc "$orrery_secs / $net")")
    fi
    printf '%-8s %9.3f %9.3f %9.3f %11s %11s %11s %11s  %s\n' "$name" "$wall" "$start" "$net" "$mw" "$mn" "$ratio" "$inverse" "$note"
}
if [ -n "$orrery_secs" ]; then
    row orrery "$orrery_secs" 0 "$orrery_note (sum of workload seconds; whole process $(printf '%.2f' "$orrery_wall") s incl. its own qemu run)"
else
    row orrery "" 0 "did not run"
fi
row qemu "$qemu_secs" "${qemu_boot:-0}" "$qemu_note (startup: SeaBIOS disk boot of an empty guest, approximate)"
row bochs "$bochs_secs" "${bochs_boot:-0}" "$bochs_note (startup: BIOS boot of an empty guest)"
echo "net/Orrery: this machine's net seconds divided by Orrery's (below 1: faster than Orrery);"
echo "Orrery/net: how many times this machine's net time Orrery takes. MIPS = guest instructions / seconds."
echo "Wall times are best of $RUNS; on a shared machine they vary from run to run by 2x or more."
