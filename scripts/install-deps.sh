#!/usr/bin/env bash
# Installs the Debian 12 packages bouncekit needs to build and test. Idempotent: does nothing when they are there.
set -euo pipefail
packages=(build-essential cmake pkg-config python3 libmimetic-dev libpcre2-dev libfmt-dev nlohmann-json3-dev
          libtomlplusplus-dev libcli11-dev catch2 libbenchmark-dev clang-14 libclang-rt-14-dev
          pybind11-dev python3-dev python3-pytest libsqlite3-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "installing: ${missing[*]}"
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
"${sudo_cmd[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
