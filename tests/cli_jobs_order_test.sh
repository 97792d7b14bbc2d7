#!/usr/bin/env bash
# CLI output order does not depend on --jobs: over a copy of the bundled corpus/ with entries that fail (a dangling
# symlink, a symlink loop through a directory, and, when not root, a file without permission), a small mbox (read
# and split by a worker) and a file too big for a worker (streamed by the main thread), the jsonl output is
# byte-identical for --jobs 1 and --jobs 4, the records come in sorted path order, and each error record sits
# where its path sorts.
#   usage: cli_jobs_order_test.sh path/to/bouncekit scratch-dir corpus-dir
set -euo pipefail
cli=$1 work=$2 corpus=$3

chmod -R u+rwx "$work" 2>/dev/null || true
rm -rf "$work"
mkdir -p "$work"
trap 'chmod -R u+rwx "$work" 2>/dev/null || true' EXIT
cp -r "$corpus" "$work/tree"
sample="$corpus/rfc3464/null-mx.eml"
ln -s "$work/tree/vanished.eml" "$work/tree/rfc3464/m-dangling.eml"
ln -s "$work/tree" "$work/tree/text/loop"  # a loop through a directory
{ for n in 1 2 3; do printf 'From MAILER-DAEMON Mon Jan  5 10:00:0%s 2026\n' "$n"; cat "$sample"; echo; done; } \
  >"$work/tree/rfc3464/n-three.mbox"
{ cat "$sample"; python3 -c 'print("padding so that this message is bigger than what a worker reads whole\n" * 130000)'; } \
  >"$work/tree/rfc3464/o-big.eml"
expected_errors=("$work/tree/rfc3464/m-dangling.eml" "$work/tree/text/loop")
if [ "$(id -u)" -ne 0 ]; then
  cp "$sample" "$work/tree/rfc3464/p-unreadable.eml"
  chmod 000 "$work/tree/rfc3464/p-unreadable.eml"
  expected_errors+=("$work/tree/rfc3464/p-unreadable.eml")
fi

for jobs in 1 4; do
  set +e
  "$cli" classify --jobs "$jobs" "$work/tree" >"$work/out.$jobs.jsonl" 2>"$work/err.$jobs.txt"
  status=$?
  set -e
  if [ "$status" -ne 1 ]; then
    echo "--jobs $jobs: expected exit status 1, got $status"; cat "$work/err.$jobs.txt"; exit 1
  fi
done
if ! cmp "$work/out.1.jsonl" "$work/out.4.jsonl"; then
  diff "$work/out.1.jsonl" "$work/out.4.jsonl" | head -20
  echo "the output differs between --jobs 1 and --jobs 4"; exit 1
fi

python3 - "$work/out.4.jsonl" "$work/tree" "${expected_errors[@]}" <<'PY'
import json, os, sys
path, tree, errors = sys.argv[1], sys.argv[2], sys.argv[3:]
records = [json.loads(line) for line in open(path, encoding="utf-8")]
sources = [r["source"] for r in records]
# sorted path order, as the CLI lists a directory (an mbox's messages keep theirs: path#1, path#2, ...)
def key(source):
    base, _, number = source.partition("#")
    return ([part for part in os.path.relpath(base, tree).split(os.sep)], int(number or 0))
assert sources == sorted(sources, key=key), "records out of path order"
got_errors = [r["source"] for r in records if r["error"]]
assert got_errors == sorted(errors, key=key), f"error records {got_errors}, expected {errors}"
mbox = [s for s in sources if "n-three.mbox" in s]
assert mbox == [f"{tree}/rfc3464/n-three.mbox#{n}" for n in (1, 2, 3)], mbox
assert f"{tree}/rfc3464/o-big.eml" in sources
print(f"{len(records)} records in path order, {len(got_errors)} errors in place, same for --jobs 1 and 4")
PY
