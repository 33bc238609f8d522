#!/usr/bin/env bash
# README's first command: set up, build (release) and run the main job.
# Today the main job is the benchmark guest on the Orrery machine (its results are checked
# against the same code run on the host CPU). Booting the Orrery kernel replaces it in [4/6].
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
bash tools/build-roms.sh
swift build -c release --omit-frame-pointers --product orrery
.build/release/orrery bench "$@"
