#!/usr/bin/env bash
# Installs what is missing, then builds and runs the whole test suite:
#   1. a Release build: unit tests, golden corpus, CLI tests, and a short benchmark smoke run;
#   2. a Debug build with AddressSanitizer + UndefinedBehaviorSanitizer running the same tests;
#   3. a bounded libFuzzer run of every fuzz target (scripts/fuzz.sh, clang-14, about 20 s per target);
#   4. a ThreadSanitizer build of the test binary running the thread-safety test.
# Fails on the first failure. Set BOUNCEKIT_QUICK=1 to skip stages 2-4.
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
bash scripts/test-embedding.sh  # install to a temp prefix, find_package/pkg-config consumers, examples, Python, .deb

if [ "${BOUNCEKIT_QUICK:-0}" != "1" ]; then
  echo "== Debug build with ASan + UBSan"
  cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DBOUNCEKIT_SANITIZE=address,undefined -DBOUNCEKIT_BUILD_BENCH=OFF >/dev/null
  cmake --build build-asan -j"$jobs"
  (cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure -j"$jobs")

  echo "== Bounded fuzzing (libFuzzer, clang-14)"
  BOUNCEKIT_JOBS="$jobs" bash scripts/fuzz.sh

  echo "== ThreadSanitizer: one classifier from 8 threads"
  cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBOUNCEKIT_SANITIZE=thread -DBOUNCEKIT_BUILD_BENCH=OFF \
    -DBOUNCEKIT_BUILD_EXAMPLES=OFF >/dev/null
  cmake --build build-tsan -j"$jobs" --target bouncekit_tests
  (cd build-tsan && TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$PWD/../tests/tsan.supp" \
    ctest --output-on-failure -R "from 8 threads")
fi
