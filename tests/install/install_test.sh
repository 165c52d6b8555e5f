#!/usr/bin/env bash
# Installs the build into a temporary prefix, then builds and runs tests/install/app against it
# twice: with CMake (find_package(weft CONFIG REQUIRED) + weft::primitives) and with
# pkg-config (weft.pc).
#   usage: install_test.sh BUILD_DIR SOURCE_DIR CXX_COMPILER
set -euo pipefail
build=$1 src=$2 cxx=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cmake --install "$build" --prefix "$tmp/prefix" >/dev/null

echo "== CMake package"
cmake -S "$src/tests/install/app" -B "$tmp/app-build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_PREFIX_PATH="$tmp/prefix" >/dev/null
cmake --build "$tmp/app-build" >/dev/null
"$tmp/app-build/app"

echo "== pkg-config"
pcdir=$(dirname "$(find "$tmp/prefix" -name weft.pc | head -n1)")
# shellcheck disable=SC2046
"$cxx" -O2 "$src/tests/install/app/main.cpp" -o "$tmp/app-pc" \
  $(PKG_CONFIG_PATH="$pcdir" pkg-config --cflags --libs weft)
"$tmp/app-pc"
