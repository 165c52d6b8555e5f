#!/usr/bin/env bash
# weft lint on weft's own sources, every check, through the build's compile_commands.json:
# everything the build compiles except the corpus (labelled buggy programs, scored by
# scripts/score-corpus.py instead). Exit 0 when clean, 1 with findings, 2 on errors.
#
#   scripts/lint-self.sh [BUILD_DIR] [weft lint options...]     e.g. scripts/lint-self.sh build -j2
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
shift || true
[ -f "$build/compile_commands.json" ] || {
  echo "lint-self: $build/compile_commands.json missing (configure with CMake first)" >&2
  exit 2
}
[ -x "$build/bin/weft" ] || { echo "lint-self: $build/bin/weft missing (build it first)" >&2; exit 2; }
mapfile -t files < <(python3 - "$PWD" "$build/compile_commands.json" <<'PY'
import json, os, sys
root, db = sys.argv[1], json.load(open(sys.argv[2]))
seen = set()
for e in db:
    f = os.path.normpath(os.path.join(e["directory"], e["file"]))
    rel = os.path.relpath(f, root)
    if rel.startswith(("corpus/", "..")) or "/_deps/" in f or f in seen:
        continue
    seen.add(f)
    print(rel)
PY
)
exec "$build/bin/weft" lint -p "$build" --checks='*' "$@" "${files[@]}"
