#!/usr/bin/env bash
# Installs what is missing, builds bouncekit (Release) and classifies the bundled corpus/, printing the summary.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DBOUNCEKIT_BUILD_TESTS=OFF -DBOUNCEKIT_BUILD_BENCH=OFF >/dev/null
cmake --build build -j"$(nproc)" --target bouncekit_cli
./build/bouncekit classify --format summary corpus/
