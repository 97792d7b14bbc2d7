#!/usr/bin/env bash
# Proves bouncekit can be embedded: installs a build to a temporary prefix, builds two consumer projects
# against it (CMake find_package, and pkg-config with the C API), runs them on a corpus message, checks the
# installed CLI, rules and man page, builds the Debian packages with CPack, runs the examples, and runs the
# Python module's tests with Debian's python3 and pytest.
#   bash scripts/test-embedding.sh              # uses (and if needed configures and builds) ./build
#   BOUNCEKIT_EMBED_BUILD_DIR=build-x bash scripts/test-embedding.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
bash scripts/install-deps.sh
jobs=$(nproc)
build=${BOUNCEKIT_EMBED_BUILD_DIR:-build}
python=/usr/bin/python3  # Debian's pybind11 and pytest are for Debian's python3, whatever is first on PATH
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bouncekit-embed.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix
message=corpus/rfc3464/postfix-user-unknown.eml
expect="bob@example.org hard bad-mailbox userunknown"

fail() { echo "test-embedding: FAIL: $*" >&2; exit 1; }
check_output() {  # check_output NAME EXPECTED-SUBSTRING OUTPUT
  case "$3" in *"$2"*) echo "ok   $1" ;; *) printf '%s\n' "$3" >&2; fail "$1: expected '$2'" ;; esac
}

echo "== Build ($build) and install to a temporary prefix"
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DBOUNCEKIT_BUILD_PYTHON=ON -DPython_EXECUTABLE="$python" >/dev/null
fi
cmake --build "$build" -j"$jobs"
cmake --install "$build" --prefix "$prefix" >/dev/null
for f in include/bouncekit/bouncekit.hpp include/bouncekit/classifier.hpp include/bouncekit/result.hpp \
         include/bouncekit/json.hpp include/bouncekit/bouncekit.h bin/bouncekit share/man/man1/bouncekit.1 \
         share/bouncekit/rules/bad-mailbox.toml; do
  [ -e "$prefix/$f" ] || fail "not installed: $f"
done
libdir=$(dirname "$(find "$prefix" -name libbouncekit.a | head -n1)")
[ -f "$libdir/libbouncekit.a" ] || fail "libbouncekit.a not installed"
for f in cmake/bouncekit/bouncekitConfig.cmake cmake/bouncekit/bouncekitConfigVersion.cmake \
         cmake/bouncekit/bouncekitTargets.cmake cmake/bouncekit/FindMimetic.cmake pkgconfig/bouncekit.pc; do
  [ -f "$libdir/$f" ] || fail "not installed: $libdir/$f"
done
echo "ok   installed files"

echo "== The installed CLI, with the installed rules"
out=$("$prefix/bin/bouncekit" classify --format table --rules "$prefix/share/bouncekit/rules" "$message")
check_output "installed bouncekit classify --rules" "bob@example.org" "$out"
out=$("$prefix/bin/bouncekit" rules check "$prefix/share/bouncekit/rules")
check_output "installed bouncekit rules check" " 0 failures" "$out"
out=$(MANWIDTH=100 man -l "$prefix/share/man/man1/bouncekit.1" 2>/dev/null || cat "$prefix/share/man/man1/bouncekit.1")
check_output "man page" "rules check" "$out"

echo "== Consumer: find_package(bouncekit)"
cmake -S tests/consumer/cmake -B "$tmp/consumer-cmake" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$tmp/consumer-cmake" -j"$jobs" >/dev/null
check_output "find_package consumer (C++)" "$expect" "$("$tmp/consumer-cmake/consumer_cpp" "$message")"
check_output "find_package consumer (C)" "$expect 5.1.1" "$("$tmp/consumer-cmake/consumer_c" "$message")"

echo "== Consumer: pkg-config"
export PKG_CONFIG_PATH="$libdir/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
pkg-config --exists --print-errors bouncekit
[ "$(pkg-config --variable=rulesdir bouncekit)" -ef "$prefix/share/bouncekit/rules" ] || fail "pkg-config rulesdir"
cc -std=c99 -Wall -Wextra -o "$tmp/consumer-pc-c" tests/consumer/pkgconfig/consumer.c \
   $(pkg-config --cflags bouncekit) $(pkg-config --libs --static bouncekit)
check_output "pkg-config consumer (C, linked by cc)" "$expect 5.1.1" "$("$tmp/consumer-pc-c" "$message")"
c++ -std=c++20 -DBOUNCEKIT_RULES_DIR="\"$(pkg-config --variable=rulesdir bouncekit)\"" -o "$tmp/consumer-pc-cpp" \
    tests/consumer/cmake/main.cpp $(pkg-config --cflags bouncekit) $(pkg-config --libs --static bouncekit)
check_output "pkg-config consumer (C++)" "$expect" "$("$tmp/consumer-pc-cpp" "$message")"

echo "== Examples"
check_output "classify_one" "bob@example.org  hard  bad-mailbox  userunknown" "$("$build/classify_one" "$message")"
"$build/suppress_csv" corpus "$tmp/suppress.csv" 2>/dev/null
check_output "suppress_csv" '"bob@example.org",suppress,hard,bad-mailbox,userunknown,5.1.1' "$(cat "$tmp/suppress.csv")"
set +e
"$build/mta_filter" < "$message" > "$tmp/mta.out"; hard=$?
"$build/mta_filter" < corpus/not-bounce/newsletter.eml > /dev/null; ordinary=$?
"$build/mta_filter" < corpus/arf/abuse-with-rcpt-to.eml > /dev/null; complaint=$?
set -e
[ "$hard" = 10 ] && [ "$ordinary" = 0 ] && [ "$complaint" = 11 ] || fail "mta_filter exit codes $hard $ordinary $complaint"
check_output "mta_filter" "hard bob@example.org userunknown 5.1.1" "$(cat "$tmp/mta.out")"
check_output "custom_rules" "bob@example.org  hard  userunknown  rule" "$("$build/custom_rules" rules "$message")"

echo "== Python module"
[ -n "$(find "$build/python" -maxdepth 1 -name 'bouncekit*.so' 2>/dev/null)" ] \
  || fail "the Python module was not built (BOUNCEKIT_BUILD_PYTHON=OFF? pybind11-dev and python3-dev are needed)"
PYTHONPATH="$root/$build/python" PYTHONDONTWRITEBYTECODE=1 "$python" -m pytest -q -p no:cacheprovider python/tests
pydir=$(dirname "$(find "$prefix" -name 'bouncekit*.so' -path '*python3*' | head -n1)")
out=$(cd "$tmp" && PYTHONPATH="$pydir" "$python" -c "import bouncekit, sys; \
r = bouncekit.Classifier().classify(open(sys.argv[1], 'rb').read())['recipients'][0]; \
print(r['address'], r['class'], r['category'], r['reason'])" "$root/$message")
check_output "installed Python module" "$expect" "$out"

echo "== Debian packages (CPack)"
(cd "$build" && cpack -G DEB -B "$tmp/packages" >/dev/null)
for deb in "$tmp"/packages/*.deb; do
  echo "     $(basename "$deb"): $(dpkg-deb -f "$deb" Depends | cut -c1-100)"
done
check_output "bouncekit .deb" "./usr/bin/bouncekit" "$(dpkg-deb -c "$tmp"/packages/bouncekit_*.deb)"
check_output "libbouncekit-dev .deb" "libbouncekit.a" "$(dpkg-deb -c "$tmp"/packages/libbouncekit-dev_*.deb)"
echo "ok   cpack -G DEB"

echo "test-embedding: all passed"
