#!/usr/bin/env bash
# Checks the threaded-interpreter property (DESIGN.md §3): in a release build, instruction
# handlers end by *jumping* to the next handler (a tail call), not calling it. Swift does not
# guarantee tail calls; this catches a change that silently loses them (each handler would then
# grow the stack and the speed would drop). Usage: tools/check-tailcalls.sh [binary]
set -euo pipefail
bin=${1:-.build/release/orrery}
[ -x "$bin" ] || { echo "check-tailcalls: $bin not found (build release first)"; exit 2; }
# Handler thunks are the closures stored in HandlerSets: Swift names them "...cfu<N>_" with the
# handler signature (UnsafeMutablePointer<CPUState>, UnsafePointer<DecodedInstruction>).
# Checked: the families whose instructions never end a block (Arith, Shift, Bit, Move); a
# handler passes when it contains an indirect jmp (to the next entry) or jumps straight into
# another handler's body (identical handlers are folded by the compiler).
objdump -d --no-show-raw-insn "$bin" | awk '
    /^[0-9a-f]+ <.*>:$/ {
        name = $2
        handler = (name ~ /SpyAA8CPUStateVG_SPyAA18DecodedInstructionVGtcfu[0-9]*_(Tm)?>:$/) \
                  && (name ~ /\$s3X86[0-9]+(Arith|Shift|Bit|Move)O/)
        if (handler) total++
        next
    }
    handler && (/jmp +\*/ || /jmp +[0-9a-f]+ <.*DecodedInstructionVGtcfu/) { if (!(name in seen)) { seen[name] = 1; jumping++ } }
    END {
        if (total == 0) { print "check-tailcalls: no handler thunks found"; exit 2 }
        pct = 100 * jumping / total
        printf "check-tailcalls: %d of %d handlers tail-jump to the next handler (%.1f%%)\n", jumping, total, pct
        if (pct < 90) { print "check-tailcalls: FAILED (expected at least 90%)"; exit 1 }
    }'
