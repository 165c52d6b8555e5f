#!/usr/bin/env bash
# Installs what weft needs from Debian 12's archive, skipping what is already present.
# Idempotent; run as root (or with sudo available). Usage: scripts/install-deps.sh [--browser]
#   --browser  also what only the tests need (scripts/test.sh passes it; the demo does not):
#              Chromium and Node.js for the viewer's browser tests, protoc for its Perfetto test
set -euo pipefail
pkgs=(cmake ninja-build g++ pkg-config git
      llvm-19-dev libclang-19-dev libclang-cpp19-dev clang-19 clang-tidy-19 libclang-rt-19-dev
      nlohmann-json3-dev catch2 libbenchmark-dev valgrind
      zlib1g-dev)
# python3: the build generates the vocabulary's C++ and JavaScript from runtime/vocabulary.json
# (scripts/gen-vocabulary.py), and the analyzer's tests run their lit-style runner with it;
# python3-jsonschema: the SARIF schema validation.
pkgs+=(python3 python3-jsonschema)
if [ "${1:-}" = "--browser" ]; then
  pkgs+=(chromium)
  # A CJK font (1.6 MB), so Chinese thread names render as glyphs, not boxes, in screenshots.
  pkgs+=(fonts-wqy-microhei)
  command -v node >/dev/null 2>&1 || pkgs+=(nodejs)
  command -v npm >/dev/null 2>&1 || pkgs+=(npm)
  # protoc decodes `weft view --format=perfetto` output in tests/viewer/e2e_perfetto.sh (test
  # only: weft writes the protobuf encoding itself and links no protobuf library).
  pkgs+=(protobuf-compiler)
fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#pkgs[@]} packages present"
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
