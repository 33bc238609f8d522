#!/usr/bin/env bash
# Multiboot boot paths against GRUB 2 (the oracle: QEMU's -kernel has no Multiboot2 and refuses
# ELF64 Multiboot v1 images). The info guest roms/grub/mbinfo.c, built nine ways:
#   mb2.elf       Multiboot2, ELF32 (loaded by its program headers)
#   mb2-aout.bin  Multiboot2, flat binary with address + entry address tags
#   mb2-file-start.bin  the same with load_addr -1 (load from the file's start), load_end_addr 0
#   mb2-reloc.elf Multiboot2 ELF with a relocatable tag (its range allows only the link address)
#   mb2-unknown.elf  requires information tag type 22, which the spec does not define: GRUB
#                 (its `multiboot2` command fails: grub.cfg reports it through isa-debug-exit) and
#                 Orrery (host error, status 2) must both refuse it
#   mb2-no-ega.elf   requires a console that is not EGA text, without a framebuffer tag: refused
#                 by both in the same way
#   mb1.elf       Multiboot v1, ELF32
#   mb1-64.elf    Multiboot v1, ELF64 container (the same 32-bit code, objcopy'd to elf64-x86-64)
#   mb1-aout.bin  Multiboot v1, flat binary with the header's address fields (flag 16)
# each (but the two refused ones) with two modules (roms/build/grub/mod.bin, mod2.bin) and a
# command line, is booted
#   - by GRUB (grub-mkrescue ISO, `multiboot2`/`module2` or `multiboot`/`module`) on QEMU, and
#   - by `orrery run --kernel GUEST --initrd mod.bin --module 'mod2.bin STRING' --append ARGS`,
# and both port-0xE9 outputs must equal roms/grub/NAME.expected (NAME: mb2, mb2-aout, ...) and
# both exit statuses (isa-debug-exit) must agree. Bochs 2.7, a third machine with its own BIOS
# and memory map, boots the same GRUB ISO of mb2 and mb1-64 and must print the same lines (it
# has no isa-debug-exit: the guests then write "Shutdown" to port 0x8900, which powers it off).
#   tools/run-grub-guests.sh [path/to/orrery]     (default: .build/debug/orrery)
#   tools/run-grub-guests.sh --record [orrery]    rewrite the .expected files from GRUB + QEMU
set -euo pipefail
cd "$(dirname "$0")/.."
record=0
if [ "${1:-}" = "--record" ]; then record=1; shift; fi
orrery=${1:-.build/debug/orrery}
out=roms/build/grub
mkdir -p "$out"
args="console=ttyS0 answer=42"

# Build the guests (32-bit code; board.h for port I/O and printing).
cflags=(-m32 -O1 -ffreestanding -fno-pic -fno-pie -nostdlib -static -fno-stack-protector -fcf-protection=none
        -mgeneral-regs-only -fno-asynchronous-unwind-tables -Wall -Werror -Wno-unused-function
        -Wl,-T,roms/grub/link.ld -Wl,--build-id=none -Wl,--no-warn-rwx-segments)
gcc "${cflags[@]}" -o "$out/mb2.elf" roms/grub/mb2-start.S roms/grub/mbinfo.c
gcc "${cflags[@]}" -DUNKNOWN_REQUEST -o "$out/mb2-unknown.elf" roms/grub/mb2-start.S roms/grub/mbinfo.c
gcc "${cflags[@]}" -DNO_EGA_CONSOLE -o "$out/mb2-no-ega.elf" roms/grub/mb2-start.S roms/grub/mbinfo.c
gcc "${cflags[@]}" -DRELOCATABLE -o "$out/mb2-reloc.elf" roms/grub/mb2-start.S roms/grub/mbinfo.c
gcc "${cflags[@]}" -DADDRESS_TAG -o "$out/mb2-aout.elf" roms/grub/mb2-start.S roms/grub/mbinfo.c
objcopy -O binary "$out/mb2-aout.elf" "$out/mb2-aout.bin"
gcc "${cflags[@]}" -DADDRESS_TAG -DLOAD_FROM_FILE_START -o "$out/mb2-file-start.elf" roms/grub/mb2-start.S roms/grub/mbinfo.c
objcopy -O binary "$out/mb2-file-start.elf" "$out/mb2-file-start.bin"
gcc "${cflags[@]}" -o "$out/mb1.elf" roms/grub/mb1-start.S roms/grub/mbinfo.c
objcopy -I elf32-i386 -O elf64-x86-64 "$out/mb1.elf" "$out/mb1-64.elf"
gcc "${cflags[@]}" -DADDRESS_FIELDS -o "$out/mb1-aout.elf" roms/grub/mb1-start.S roms/grub/mbinfo.c
objcopy -O binary "$out/mb1-aout.elf" "$out/mb1-aout.bin"
# The modules: 4893 and 12305 bytes of text (not page multiples), the same on every host.
seq 1 1200 > "$out/mod.bin"
# (No pipe into head: under pipefail, seq killed by SIGPIPE would end the script.)
seq 5000 -1 1 > "$out/mod2.txt"
head -c 12305 "$out/mod2.txt" > "$out/mod2.bin"
mod2_string="second module"

# GRUB's ISO on Bochs (configured like tools/run-bochs.sh: rfb display without a client, virtual
# clock, port 0xE9 on stdout, its debugger told to continue). Writes the guest's text to $2.
run_bochs() {
    local iso=$1 output=$2 work=$2.bochs
    mkdir -p "$work"
    cat > "$work/bochsrc.txt" <<EOF2
megs: 128
cpu: count=1, reset_on_triple_fault=0
romimage: file=/usr/share/bochs/BIOS-bochs-latest
vgaromimage: file=/usr/share/vgabios/vgabios.bin
display_library: rfb, options="timeout=0"
speaker: enabled=0
sound: driver=dummy
ata0-master: type=cdrom, path=$iso, status=inserted
boot: cdrom
clock: sync=none, time0=1
port_e9_hack: enabled=1
log: $work/bochs.log
panic: action=fatal
EOF2
    printf 'c\nquit\n' > "$work/debugger.txt"
    timeout 120 bochs -q -f "$work/bochsrc.txt" -rc "$work/debugger.txt" > "$work/stdout.txt" 2> "$work/stderr.txt" < /dev/null || true
    grep -av -e '^<bochs:[0-9]*>' -e '^Next at t=' -e '^(0)[. ]' -e '^=\+$' -e 'Bochs x86 Emulator' \
        -e '^ *Built from' -e '^ *Timestamp:' -e '^[0-9]\{11\}[a-z]\[' "$work/stdout.txt" > "$output" || true
    grep -q 'Shutdown port: shutdown requested' "$work/bochs.log" || echo "(Bochs was not powered off: see $work/bochs.log)" >> "$output"
}
have_bochs=1
command -v bochs > /dev/null || { have_bochs=0; echo "run-grub-guests: bochs not installed (tools/setup.sh): Bochs runs skipped"; }

fail=0
for guest in mb2.elf mb2-aout.bin mb2-file-start.bin mb2-reloc.elf mb1.elf mb1-64.elf mb1-aout.bin; do
    name=${guest%.*}
    case $name in
        mb2*) kernel_cmd=multiboot2; module_cmd=module2 ;;
        *)    kernel_cmd=multiboot;  module_cmd=module ;;
    esac
    # A GRUB rescue ISO that boots the guest at once (timeout=0). Module string = its arguments.
    iso="$out/iso-$name"
    rm -rf "$iso"; mkdir -p "$iso/boot/grub"
    cp "$out/$guest" "$iso/boot/$guest"; cp "$out/mod.bin" "$out/mod2.bin" "$iso/boot/"
    printf 'set timeout=0\nmenuentry %s {\n  %s /boot/%s %s\n  %s /boot/mod.bin mod.bin\n  %s /boot/mod2.bin %s\n  boot\n}\n' \
        "$name" "$kernel_cmd" "$guest" "$args" "$module_cmd" "$module_cmd" "$mod2_string" > "$iso/boot/grub/grub.cfg"
    grub-mkrescue -o "$out/$name.iso" "$iso" > "$out/$name.mkrescue.log" 2>&1 \
        || { echo "$name: grub-mkrescue failed:"; tail -5 "$out/$name.mkrescue.log"; exit 1; }
    set +e
    timeout 60 qemu-system-x86_64 -accel tcg -m 128M -display none -no-reboot -cdrom "$out/$name.iso" \
        -device isa-debug-exit,iobase=0xf4,iosize=0x04 -debugcon "file:$out/$name.qemu.out" -serial null < /dev/null
    qemu_status=$?
    timeout 60 "$orrery" run --kernel "$out/$guest" --initrd "$out/mod.bin" --module "$out/mod2.bin $mod2_string" \
        --append "$args" --memory 128M \
        --serial-input none > "$out/$name.orrery.out" < /dev/null
    orrery_status=$?
    set -e
    expected=roms/grub/$name.expected
    if [ $record = 1 ]; then cp "$out/$name.qemu.out" "$expected"; echo "recorded $expected from $name (QEMU status $qemu_status)"; fi
    ok=1
    cmp -s "$expected" "$out/$name.qemu.out" || { echo "$name: GRUB+QEMU output differs from $expected"; diff "$expected" "$out/$name.qemu.out" | head -10; ok=0; }
    cmp -s "$expected" "$out/$name.orrery.out" || { echo "$name: Orrery output differs from $expected"; diff "$expected" "$out/$name.orrery.out" | head -10; ok=0; }
    [ "$qemu_status" = "$orrery_status" ] || { echo "$name: exit status GRUB+QEMU $qemu_status, Orrery $orrery_status"; ok=0; }
    machines="GRUB+QEMU and Orrery"
    if [ $have_bochs = 1 ] && { [ "$name" = mb2 ] || [ "$name" = mb1-64 ]; }; then
        run_bochs "$PWD/$out/$name.iso" "$out/$name.bochs.out"
        cmp -s "$expected" "$out/$name.bochs.out" || { echo "$name: GRUB+Bochs output differs from $expected"; diff "$expected" "$out/$name.bochs.out" | head -10; ok=0; }
        machines="GRUB+QEMU, GRUB+Bochs and Orrery"
    fi
    if [ $ok = 1 ]; then echo "$name: ok on $machines (status $orrery_status)"; else fail=1; fi
done

# Images GRUB must refuse: `multiboot2` fails, so grub.cfg writes 0x20 to isa-debug-exit
# (status 0x20 << 1 | 1 = 65; 0x10, status 33, would mean GRUB loaded it). Orrery must refuse
# them too: host error (status 2) with the reason (the pattern after the name) on stderr.
for refusal in "mb2-unknown:tag type 22" "mb2-no-ega:console is required"; do
    name=${refusal%%:*} reason=${refusal#*:}
    iso="$out/iso-$name"
    rm -rf "$iso"; mkdir -p "$iso/boot/grub"; cp "$out/$name.elf" "$iso/boot/"
    printf 'set timeout=0\ninsmod iorw\nmenuentry refuse {\n  if multiboot2 /boot/%s.elf; then outb 0xf4 0x10; else outb 0xf4 0x20; fi\n}\n' \
        "$name" > "$iso/boot/grub/grub.cfg"
    grub-mkrescue -o "$out/$name.iso" "$iso" > "$out/$name.mkrescue.log" 2>&1 \
        || { echo "$name: grub-mkrescue failed"; exit 1; }
    set +e
    timeout 60 qemu-system-x86_64 -accel tcg -m 128M -display none -no-reboot -cdrom "$out/$name.iso" \
        -device isa-debug-exit,iobase=0xf4,iosize=0x04 -debugcon null -serial null < /dev/null
    qemu_status=$?
    timeout 60 "$orrery" run --kernel "$out/$name.elf" --memory 128M --serial-input none \
        > "$out/$name.orrery.out" 2> "$out/$name.orrery.err" < /dev/null
    orrery_status=$?
    set -e
    if [ "$qemu_status" = 65 ] && [ "$orrery_status" = 2 ] && grep -q "$reason" "$out/$name.orrery.err"; then
        echo "$name: refused by GRUB (status 65) and by Orrery ($(cat "$out/$name.orrery.err"))"
    else
        echo "$name: GRUB+QEMU status $qemu_status (65: refused), Orrery status $orrery_status: $(cat "$out/$name.orrery.err")"
        fail=1
    fi
done
exit $fail
