#!/usr/bin/env bash
# CLI batch safety: paths that cannot be read (a missing path, a dangling symlink as a vanished file, symlink
# loops between files and through a directory, and, when not running as root, a file and a directory without
# permission) each get one record with an "error", the good messages around them are still classified, every
# output line is one complete JSON object, and the exit status is 1.
#   usage: cli_batch_test.sh path/to/bouncekit scratch-dir sample.eml
set -euo pipefail
cli=$1 work=$2 sample=$3

chmod -R u+rwx "$work" 2>/dev/null || true
rm -rf "$work"
mkdir -p "$work/tree/sub"
trap 'chmod -R u+rwx "$work" 2>/dev/null || true' EXIT
cp "$sample" "$work/tree/a-good.eml"
cp "$sample" "$work/tree/sub/z-good.eml"
ln -s "$work/tree/vanished.eml" "$work/tree/b-dangling.eml"
ln -s "$work/tree/c-loop2.eml" "$work/tree/c-loop1.eml"
ln -s "$work/tree/c-loop1.eml" "$work/tree/c-loop2.eml"
ln -s "$work/tree" "$work/tree/sub/d-dirloop"  # tree/sub/d-dirloop -> tree: a loop through a directory
expected_errors=(
  "$work/missing.eml"
  "$work/tree/c-loop1.eml"
  "$work/tree/b-dangling.eml"
  "$work/tree/c-loop1.eml"
  "$work/tree/c-loop2.eml"
  "$work/tree/sub/d-dirloop"
)
if [ "$(id -u)" -ne 0 ]; then
  cp "$sample" "$work/tree/e-unreadable.eml"
  chmod 000 "$work/tree/e-unreadable.eml"
  mkdir "$work/tree/f-locked"
  cp "$sample" "$work/tree/f-locked/hidden.eml"
  chmod 000 "$work/tree/f-locked"
  expected_errors+=("$work/tree/e-unreadable.eml" "$work/tree/f-locked")
else
  echo "running as root: permission cases skipped (root reads everything)"
fi
expected_good=("$work/tree/a-good.eml" "$work/tree/a-good.eml" "$work/tree/sub/z-good.eml")

set +e
"$cli" classify --jobs 2 "$work/tree/a-good.eml" "$work/missing.eml" "$work/tree/c-loop1.eml" "$work/tree" \
  >"$work/out.jsonl" 2>"$work/err.txt"
status=$?
set -e
if [ "$status" -ne 1 ]; then
  echo "expected exit status 1, got $status"; cat "$work/err.txt"; exit 1
fi

python3 - "$work/out.jsonl" "${#expected_good[@]}" "${expected_good[@]}" "${expected_errors[@]}" <<'PY'
import json, sys
path, n_good = sys.argv[1], int(sys.argv[2])
good, errors = sys.argv[3:3 + n_good], sys.argv[3 + n_good:]
data = open(path, "rb").read()
assert data.endswith(b"\n"), "output does not end with a newline"
got_good, got_errors = [], []
for number, line in enumerate(data.decode("utf-8").split("\n")[:-1], 1):
    record = json.loads(line)  # raises on a truncated or interleaved line
    assert isinstance(record, dict) and "source" in record and "error" in record, f"line {number}: {line}"
    (got_errors if record["error"] else got_good).append(record["source"])
    if record["error"]:
        assert record["recipients"] == [], f"line {number}: an error record with recipients"
    else:
        assert record["type"] == "bounce" and record["recipients"], f"line {number}: {line}"
assert sorted(got_good) == sorted(good), f"good records {got_good}, expected {good}"
assert sorted(got_errors) == sorted(errors), f"error records {got_errors}, expected {errors}"
print(f"{len(got_good) + len(got_errors)} records: {len(got_good)} classified, {len(got_errors)} with an error")
PY
