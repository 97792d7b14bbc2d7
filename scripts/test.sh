#!/usr/bin/env bash
# Installs what is missing, then builds and runs the whole test suite:
#   1. a Release build: unit tests, golden corpus, CLI tests, and a short benchmark smoke run;
#   2. a Debug build with AddressSanitizer + UndefinedBehaviorSanitizer running the same tests.
# Fails on the first failure. Set BOUNCEKIT_QUICK=1 to skip the sanitizer build.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
jobs=$(nproc)

echo "== Release build and tests"
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$jobs"
(cd build && ctest --output-on-failure -j"$jobs")

echo "== Benchmark smoke run (figures for reading, not thresholds)"
./build/bench/bouncekit_bench --benchmark_min_time=0.05 --benchmark_out=build/bench.json --benchmark_out_format=json

if [ "${BOUNCEKIT_QUICK:-0}" != "1" ]; then
  echo "== Debug build with ASan + UBSan"
  cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DBOUNCEKIT_SANITIZE=address,undefined -DBOUNCEKIT_BUILD_BENCH=OFF >/dev/null
  cmake --build build-asan -j"$jobs"
  (cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure -j"$jobs")
fi
