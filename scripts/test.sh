#!/usr/bin/env bash
# Every test: install what is missing, build with warnings as errors, run the CTest suites, then
# the ThreadSanitizer build of the primitives and runtime tests.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --browser
jobs=$(nproc)

echo "== build (Release, -Werror)"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DWEFT_WERROR=ON >/dev/null
cmake --build build -j "$jobs"

echo "== ThreadSanitizer build (primitives and runtime tests)"
cmake -S . -B build-tsan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWEFT_SANITIZE=thread \
  -DWEFT_BUILD_ANALYZER=OFF -DWEFT_BUILD_CORPUS=OFF -DWEFT_BUILD_BENCH=OFF -DWEFT_WERROR=ON >/dev/null
cmake --build build-tsan -j "$jobs"

echo "== npm ci (viewer/web: playwright-core for the browser tests)"
(cd viewer/web && npm ci --no-audit --no-fund >/dev/null) ||
  echo "npm ci failed: the viewer's browser tests will be skipped"
echo "== npm ci (tests/analyzer: the official SARIF 2.1.0 schema)"
(cd tests/analyzer && npm ci --no-audit --no-fund >/dev/null) ||
  echo "npm ci failed: analyzer:driver:sarif_official will be skipped"

status=0
echo "== ctest (ThreadSanitizer build: primitives, runtime)"
TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$PWD/tests/tsan.supp" \
  ctest --test-dir build-tsan -j "$jobs" --output-on-failure -R '^(runtime|primitives)' || status=1

echo "== ctest (Release build: everything)"
ctest --test-dir build -j "$jobs" --output-on-failure || status=1
exit $status
