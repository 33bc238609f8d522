#!/usr/bin/env bash
# Installs the host packages Orrery's build and tests need (Debian, as root). Idempotent.
#   gcc, binutils: build the guest programs in roms/ and the objdump disassembler oracle
set -euo pipefail
need=()
command -v gcc >/dev/null || need+=(gcc)
command -v objdump >/dev/null || need+=(binutils)
if [ ${#need[@]} -gt 0 ]; then
    echo "setup: installing ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${need[@]}"
fi
