#!/usr/bin/env bash
# Host-side test: an unmodified Debian kernel (linux-image-amd64) boots on Orrery to user space
# and powers off, exactly as on QEMU (the oracle), and does so deterministically.
#
#   bash tools/test-linux-boot.sh [ORRERY_BINARY]
#
# The kernel: $ORRERY_LINUX_KERNEL, else the newest /boot/vmlinuz-*-amd64, else Debian's package
# is downloaded (apt-get download, not installed) and its vmlinuz extracted into build/linux/.
# The initramfs holds roms/linux/fpcheck.c built twice, static: with musl (/init) and glibc
# (/fpcheck-glibc, run by /init). Both print doubles and long doubles (SSE2 and x87 arithmetic,
# printf/strtod/strtold), then /init powers off. Checks, on both machines: exit status 0 (ACPI
# power-off), the boot milestones below (the issue [3/6] bar is the timer and APIC lines; we go
# on to user space), and every floating-point line identical to the same binaries run natively
# on the host CPU (issue [2/6]'s printf test). On Orrery, two runs must give byte-identical
# serial output, timestamps included (virtual time is instruction counts).
set -euo pipefail
cd "$(dirname "$0")/.."
ORRERY=${1:-.build/release/orrery}
OUT=build/linux
mkdir -p "$OUT"

kernel=${ORRERY_LINUX_KERNEL:-}
if [[ -z $kernel ]]; then
    kernel=$(ls -1 /boot/vmlinuz-*-amd64 2>/dev/null | sort -V | tail -1 || true)
fi
if [[ -z $kernel ]]; then
    kernel=$(ls -1 "$OUT"/vmlinuz-* 2>/dev/null | sort -V | tail -1 || true)
fi
if [[ -z $kernel ]]; then
    pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}' || true)
    if [[ -z $pkg ]]; then
        apt-get update -qq
        pkg=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
    fi
    [[ -n $pkg ]] || { echo "test-linux-boot: cannot resolve linux-image-amd64's kernel package" >&2; exit 1; }
    echo "test-linux-boot: downloading $pkg"
    (cd "$OUT" && apt-get download -q "$pkg" 2>&1 | grep -v '^W: Download is performed unsandboxed' || true)
    deb=$(ls -1 "$OUT"/"$pkg"_*.deb | head -1)
    rm -rf "$OUT/deb" && dpkg-deb -x "$deb" "$OUT/deb"
    cp "$OUT"/deb/boot/vmlinuz-* "$OUT"/ && rm -rf "$OUT/deb" "$deb"
    kernel=$(ls -1 "$OUT"/vmlinuz-* | sort -V | tail -1)
fi
echo "test-linux-boot: kernel $kernel"

# /init (musl) and /fpcheck-glibc, and what they print natively: the oracle.
musl-gcc -O2 -static -DLIBC_NAME='"musl"' -o "$OUT/init" roms/linux/fpcheck.c -lm
gcc -O2 -static -DLIBC_NAME='"glibc"' -o "$OUT/fpcheck-glibc" roms/linux/fpcheck.c -lm
{ "$OUT/init"; "$OUT/fpcheck-glibc"; } > "$OUT/fpcheck.host"

# The initramfs: a "newc" cpio archive (Linux Documentation/driver-api/early-userspace/
# buffer-format.rst): per entry the magic 070701, thirteen 8-digit hex fields, the NUL-terminated
# name padded to 4 bytes, then the data padded to 4 bytes; "TRAILER!!!" ends it. Written here so
# /dev/console can be a device node without mknod (no root, no container privileges needed).
cpio_entry() {   # name mode(octal) file-or-empty rdevmajor rdevminor
    local name=$1 mode=$2 file=$3 rmaj=$4 rmin=$5 size=0
    [[ -n $file ]] && size=$(stat -c %s "$file")
    local namesize=$(( ${#name} + 1 ))
    printf '070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X' \
        "$ino" $((8#$mode)) 0 0 1 0 "$size" 0 0 "$rmaj" "$rmin" "$namesize" 0
    printf '%s\0' "$name"
    head -c $(( (4 - (110 + namesize) % 4) % 4 )) /dev/zero
    if [[ -n $file ]]; then cat "$file"; head -c $(( (4 - size % 4) % 4 )) /dev/zero; fi
    ino=$((ino + 1))
}
ino=1
{
    cpio_entry dev 040755 "" 0 0
    cpio_entry dev/console 020600 "" 5 1
    cpio_entry init 0100755 "$OUT/init" 0 0
    cpio_entry fpcheck-glibc 0100755 "$OUT/fpcheck-glibc" 0 0
    cpio_entry TRAILER!!! 0 "" 0 0
} > "$OUT/initramfs.cpio"

APPEND="console=ttyS0 panic=-1"
MILESTONES=(
    "Linux version "
    "IOAPIC\[0\]: apic_id 0"
    "APIC: Switch to symmetric I/O mode setup"
    "\.\.TIMER: vector="
    "ttyS0 at I/O 0x3f8 (irq = 4, base_baud = 115200) is a 16550A"
    "Run /init as init process"
    "fpcheck: running on Linux "
    "fpcheck: done (child status 0)"
    "reboot: Power down"
)
check() {   # machine log status
    local who=$1 log=$2 status=$3 ok=1
    if [[ $status != 0 ]]; then echo "FAIL $who: exit status $status (expected 0: ACPI power-off)"; ok=0; fi
    for m in "${MILESTONES[@]}"; do
        grep -q -- "$m" "$log" || { echo "FAIL $who: missing line matching '$m'"; ok=0; }
    done
    # The floating-point lines, in order, exactly as the host CPU printed them.
    tr -d '\r' < "$log" | grep -E '^(musl|glibc) ' > "$log.fp" || true
    if ! cmp -s "$log.fp" "$OUT/fpcheck.host"; then
        echo "FAIL $who: floating-point output differs from the host CPU's:"
        diff "$OUT/fpcheck.host" "$log.fp" | head -10; ok=0
    fi
    if [[ $ok == 1 ]]; then
        echo "ok   $who: $(grep -o 'fpcheck: running .*' "$log" | tr -d '\r'); $(wc -l < "$log.fp") floating-point lines as on the host"
    else tail -20 "$log"; fi
    [[ $ok == 1 ]]
}

fail=0
set +e
timeout 300 qemu-system-x86_64 -machine pc -cpu qemu64 -m 512M -display none -monitor none \
    -serial "file:$OUT/qemu.log" -no-reboot -kernel "$kernel" -initrd "$OUT/initramfs.cpio" \
    -append "$APPEND"
qs=$?
for run in 1 2; do
    "$ORRERY" run --kernel "$kernel" --initrd "$OUT/initramfs.cpio" --append "$APPEND" --memory 512M \
        --max-instructions 30000000000 --serial "$OUT/orrery.$run.log" --json > "$OUT/orrery.$run.json"
    declare "os$run=$?"
done
set -e
check QEMU "$OUT/qemu.log" "$qs" || fail=1
check Orrery "$OUT/orrery.1.log" "$os1" || fail=1
if cmp -s "$OUT/orrery.1.log" "$OUT/orrery.2.log"; then
    echo "ok   Orrery: two runs, byte-identical serial output ($(wc -l < "$OUT/orrery.1.log") lines)"
else
    echo "FAIL Orrery: two runs differ"; diff "$OUT/orrery.1.log" "$OUT/orrery.2.log" | head -10; fail=1
fi
echo "Orrery run: $(cat "$OUT/orrery.1.json")"
exit $fail
