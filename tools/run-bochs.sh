#!/usr/bin/env bash
# Runs a flat 32-bit test guest on Bochs 2.7: the third machine, an oracle for what QEMU's TCG
# does not model (x2APIC, TSC-deadline, segment limits, ...).
#   tools/run-bochs.sh GUEST.elf OUTPUT [CPU-MODEL]      (models: `bochs --help cpu`)
# Writes the guest's port-0xE9 text to OUTPUT and exits 0 when the guest powered Bochs off
# (1: Bochs failed, timed out or the guest did not end; the log is kept next to OUTPUT).
#
# Bochs cannot load Multiboot kernels, so the guest goes on a hard-disk image behind the boot
# sector roms/boot/bochs-boot.S: the BIOS boots it, it copies the image to its link address,
# zeroes .bss and jumps to the ELF entry in flat 32-bit protected mode (interrupts off, EAX = EBX
# = 0: no Multiboot information). Guest requirements: loadable segments contiguous from their
# lowest address (as roms/board/link.ld lays them out), entry in 32-bit code, and it ends by
# writing "Shutdown" byte by byte to port 0x8900 (Bochs's power-off port; roms/board/start.S
# does so after its isa-debug-exit write, which stops QEMU and Orrery first).
# Needs the Debian packages bochs, bochsbios and vgabios (tools/setup.sh installs them).
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 2 ] || { echo "usage: tools/run-bochs.sh GUEST.elf OUTPUT [CPU-MODEL]" >&2; exit 2; }
elf=$1 out=$2 model=${3:-}
command -v bochs > /dev/null || { echo "run-bochs: bochs is not installed (apt-get install bochs bochsbios vgabios)" >&2; exit 1; }
[ -f "$elf" ] || { echo "run-bochs: $elf: no such file" >&2; exit 2; }
work="$out.bochs"
mkdir -p "$work"

# The image's layout from its program headers: lowest load address, end of the file-backed
# bytes (.data end) and end of memory (.bss end), and the entry point.
base="" data_end=0 bss_end=0
while read -r _ _ vaddr _ filesz memsz _; do
    (( vaddr = vaddr, filesz = filesz, memsz = memsz ))      # hex (0x...) to numbers
    [ -z "$base" ] || [ "$vaddr" -lt "$base" ] && base=$vaddr
    [ $((vaddr + filesz)) -gt "$data_end" ] && data_end=$((vaddr + filesz))
    [ $((vaddr + memsz)) -gt "$bss_end" ] && bss_end=$((vaddr + memsz))
done < <(readelf -lW "$elf" | awk '$1 == "LOAD"')
entry=$(( $(readelf -hW "$elf" | awk '/Entry point address/ { print $4 }') ))
[ "${base:-0}" -gt 0 ] || { echo "run-bochs: $elf has no loadable segment" >&2; exit 2; }
objcopy -O binary "$elf" "$work/image.bin"
[ "$(stat -c %s "$work/image.bin")" -eq $((data_end - base)) ] \
    || { echo "run-bochs: $elf: loadable segments are not contiguous from $(printf %#x "$base")" >&2; exit 2; }
sectors=$(( ($(stat -c %s "$work/image.bin") + 511) / 512 ))
[ "$sectors" -le 65535 ] || { echo "run-bochs: $elf is too large for the boot sector's 16-bit sector count" >&2; exit 2; }

gcc -m32 -c -o "$work/boot.o" roms/boot/bochs-boot.S
ld -m elf_i386 -Ttext 0x7C00 -e boot --no-warn-rwx-segments \
   --defsym=IMAGE_SECTORS="$sectors" --defsym=IMAGE_BASE="$base" \
   --defsym=BSS_START="$data_end" --defsym=BSS_END="$bss_end" --defsym=ENTRY32="$entry" \
   -o "$work/boot.elf" "$work/boot.o"
objcopy -O binary -j .text "$work/boot.elf" "$work/boot.bin"
[ "$(stat -c %s "$work/boot.bin")" -eq 512 ] || { echo "run-bochs: boot sector is not 512 bytes" >&2; exit 1; }
# A disk of whole cylinders (16 heads x 63 sectors), the geometry given to Bochs below.
cylinders=$(( (1 + sectors + 1007) / 1008 ))
cat "$work/boot.bin" "$work/image.bin" > "$work/disk.img"
truncate -s $((cylinders * 1008 * 512)) "$work/disk.img"

# Debian's Bochs has no nogui display: the rfb display (a VNC server nobody connects to;
# timeout=0: don't wait for a client) stands in, and its internal debugger is told to continue.
# The clock is virtual (sync=none), so the run is deterministic; the RTC starts at BOCHS_TIME0
# (Unix seconds, read as UTC; default 2024-01-01 00:00:00, Orrery's default --rtc-epoch).
cpu_model=""
[ -n "$model" ] && cpu_model="cpu: model=$model"
cat > "$work/bochsrc.txt" <<EOF
megs: 256
cpu: count=1, reset_on_triple_fault=0
$cpu_model
romimage: file=/usr/share/bochs/BIOS-bochs-latest
vgaromimage: file=/usr/share/vgabios/vgabios.bin
display_library: rfb, options="timeout=0"
speaker: enabled=0
sound: driver=dummy
ata0-master: type=disk, path=$work/disk.img, mode=flat, cylinders=$cylinders, heads=16, spt=63
boot: disk
clock: sync=none, time0=${BOCHS_TIME0:-1704067200}
port_e9_hack: enabled=1
log: $work/bochs.log
panic: action=fatal
EOF
printf 'c\nquit\n' > "$work/debugger.txt"
rm -f "$work/disk.img.lock"     # left behind by a Bochs that was killed (timeout): it would refuse the disk
set +e
TZ=UTC timeout "${BOCHS_TIMEOUT:-120}" bochs -q -f "$work/bochsrc.txt" -rc "$work/debugger.txt" \
    > "$work/stdout.txt" 2> "$work/stderr.txt" < /dev/null
status=$?
set -e
# Port 0xE9 text is Bochs's standard output; its debugger prompt lines ("<bochs:1> ") and
# start-up banner are not guest output.
grep -av -e '^<bochs:[0-9]*>' -e '^Next at t=' -e '^(0)[. ]' -e '^=\+$' -e 'Bochs x86 Emulator' \
    -e '^ *Built from' -e '^ *Timestamp:' -e '^[0-9]\{11\}[a-z]\[' "$work/stdout.txt" > "$out" || true
if grep -q 'Shutdown port: shutdown requested' "$work/bochs.log"; then
    exit 0
fi
echo "run-bochs: $elf did not power Bochs off (status $status; log $work/bochs.log)" >&2
grep -a '>>PANIC<<\|\[CPU0  \] e\|triple' "$work/bochs.log" | head -5 >&2 || true
exit 1
