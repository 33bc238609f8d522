#!/usr/bin/env bash
# Symbolizes kernel addresses in a serial log (panic backtraces, register dumps): every
# kernel-image address (0x00007fff8xxxxxxx) gets "function (file:line)" appended, demangled, using the ELF
# symbols and debug info of build/kernel.elf.
# Usage: tools/run-kernel-qemu.sh 2>&1 | tools/symbolize.sh      or   tools/symbolize.sh < log
set -euo pipefail
cd "$(dirname "$0")/.."
elf=${KERNEL_ELF:-build/kernel.elf}
symbolizer=$(command -v llvm-symbolizer || echo /opt/swift/usr/bin/llvm-symbolizer)
demangle=$(command -v swift-demangle || echo /opt/swift/usr/bin/swift-demangle)
while IFS= read -r line; do
    line=${line%$'\r'}
    out=$line
    # Backtrace entries are return addresses: look up address-1 so the call, not the next
    # line, is named (frame #0, the faulting RIP, is exact; off by one byte there is harmless).
    for address in $(grep -oE '0x00007fff8[0-9a-f]{7}' <<<"$line" | sort -u); do
        lookup=$(printf '0x%x' $((address - 1)))
        symbol=$("$symbolizer" --obj="$elf" --functions=linkage --inlining=false "$lookup" 2>/dev/null |
                 head -2 | paste -sd' ' | sed 's| [^ ]*/Kernel/| Kernel/|')
        symbol=$("$demangle" --simplified <<<"$symbol" 2>/dev/null || echo "$symbol")
        [ -n "$symbol" ] && [ "${symbol%% *}" != "??" ] && out="$out  <$address: $symbol>"
    done
    printf '%s\n' "$out"
done
