#!/usr/bin/env bash
# Builds the libFuzzer targets with clang-14 (ASan + UBSan + coverage) in build-fuzz/ and runs each for a
# bounded time, seeded from corpus/ and tests/malformed/ (and rules/ for the rule loader). Fails on any crash,
# leak, sanitizer report or timeout; prints the executions of each target. New inputs found are kept in
# build-fuzz/corpus-<target>/, a crashing input in build-fuzz/artifacts/ (turn it into a regression file under
# tests/malformed/ with a test).
#   BOUNCEKIT_FUZZ_SECONDS=20 (per target)   BOUNCEKIT_FUZZ_MAX_LEN=16384   BOUNCEKIT_FUZZ_BUILD_DIR=build-fuzz
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${BOUNCEKIT_FUZZ_SECONDS:-20}
max_len=${BOUNCEKIT_FUZZ_MAX_LEN:-16384}  # bytes; longer seeds are cut (the limits are reached with tight limits)
build=${BOUNCEKIT_FUZZ_BUILD_DIR:-build-fuzz}
jobs=${BOUNCEKIT_JOBS:-$(nproc)}
targets=(classify mime field_block decode rules)

CC=clang-14 CXX=clang++-14 cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBOUNCEKIT_BUILD_FUZZ=ON \
  -DBOUNCEKIT_BUILD_TESTS=OFF -DBOUNCEKIT_BUILD_BENCH=OFF -DBOUNCEKIT_BUILD_CLI=OFF \
  -DBOUNCEKIT_BUILD_EXAMPLES=OFF -DBOUNCEKIT_BUILD_LEDGER=OFF >/dev/null
cmake --build "$build" -j"$jobs" --target "${targets[@]/%/_fuzzer}"

# Seeds: the messages only (not the golden JSON beside them), copied so that libFuzzer's merge never writes
# into the source tree.
seeds="$build/seeds"
rm -rf "$seeds"
mkdir -p "$seeds/mail" "$seeds/rules" "$build/artifacts"
find corpus tests/malformed -name '*.eml' -print0 | while IFS= read -r -d '' f; do
  cp "$f" "$seeds/mail/$(echo "$f" | tr '/' '_')"
done
cp rules/*.toml "$seeds/rules/"

summary=()
for t in "${targets[@]}"; do
  corpus="$build/corpus-$t"
  mkdir -p "$corpus"
  extra=("$seeds/mail")
  if [ "$t" = rules ]; then extra+=("$seeds/rules"); fi
  log="$build/fuzz-$t.log"
  echo "== fuzzing $t for ${seconds}s"
  set +e
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
    "$build/fuzz/${t}_fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len="$max_len" \
    -print_final_stats=1 -artifact_prefix="$build/artifacts/$t-" "$corpus" "${extra[@]}" >"$log" 2>&1
  status=$?
  set -e
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  summary+=("$(printf '%-12s %10s executions  %6s coverage points  exit %s' "$t" "${execs:-?}" "${cov:-?}" "$status")")
  if [ "$status" -ne 0 ]; then
    tail -n 60 "$log"
    echo "fuzz target $t failed (exit $status); inputs in $build/artifacts/"
    printf '%s\n' "${summary[@]}"
    exit 1
  fi
done
echo "== fuzz summary (${seconds}s per target)"
printf '%s\n' "${summary[@]}"
