#!/usr/bin/env bash
# weft lint vs clang-tidy vs clang++ -fsyntax-only on the same translation units, at -j1 and -j2.
# Prints wall times and ratios; asserts nothing. All three parse every file with the same flags
# from one compile_commands.json; the difference is what runs after parsing.
#
#   bench/lint_bench.sh [BUILD_DIR]      (default build/; needs build/bin/weft with the analyzer)
#
# Inputs: (1) the corpus (corpus/**/*.cpp, if any), (2) weft's own sources from
# BUILD_DIR/compile_commands.json, (3) a generated file of 400 functions with condition waits.
# Tools: `weft lint`, `clang-tidy-19 -checks=-*,bugprone-spuriously-wake-up-functions`,
# `clang++-19 -fsyntax-only`. Parallelism for the two clang tools: xargs -P (like run-clang-tidy).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
build=${1:-build}
weft=$root/$build/bin/weft
tidy=$(command -v clang-tidy-19 || true)
clangxx=$(command -v clang++-19 || true)
[ -x "$weft" ] || { echo "lint_bench: $weft missing (build weft with the analyzer)" >&2; exit 2; }
[ -n "$tidy" ] && [ -n "$clangxx" ] || { echo "lint_bench: needs clang-tidy-19 and clang++-19" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

now() { date +%s.%N; }
# best of two runs, seconds
timeit() {
  local best=""
  for _ in 1 2; do
    local t0 t1 t
    t0=$(now); "$@" >/dev/null 2>&1 || true; t1=$(now)
    t=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
    if [ -z "$best" ] || awk -v t="$t" -v b="$best" 'BEGIN { exit !(t < b) }'; then best=$t; fi
  done
  printf "%.2f" "$best"
}

# Writes DIR/compile_commands.json for FILES with FLAGS.
make_db() {
  local dir=$1; shift
  local flags=$1; shift
  python3 - "$dir" "$flags" "$@" <<'PY'
import json, os, sys
d, flags, files = sys.argv[1], sys.argv[2], sys.argv[3:]
json.dump([{"directory": d, "file": os.path.abspath(f),
            "arguments": ["clang++-19", *flags.split(), "-c", os.path.abspath(f)]} for f in files],
          open(os.path.join(d, "compile_commands.json"), "w"), indent=1)
PY
}

# The compile commands of a database as `clang++-19 ... -fsyntax-only` lines (one per TU).
syntax_cmds() {
  python3 - "$1" "$clangxx" <<'PY'
import json, shlex, sys
db, cxx = json.load(open(sys.argv[1] + "/compile_commands.json")), sys.argv[2]
for e in db:
    args = e.get("arguments") or shlex.split(e["command"])
    out, skip = [cxx], False
    for a in args[1:]:
        if skip: skip = False; continue
        if a in ("-o", "-MF", "-MT", "-MQ"): skip = True; continue
        if a in ("-c", "-MD", "-MMD"): continue
        out.append(a)
    print("cd " + shlex.quote(e["directory"]) + " && " + " ".join(map(shlex.quote, out + ["-fsyntax-only", "-w"])))
PY
}

files_of() {
  python3 -c 'import json,sys; [print(e["file"]) for e in json.load(open(sys.argv[1]+"/compile_commands.json"))]' "$1"
}

bench_set() {
  local name=$1 db=$2
  local n
  n=$(files_of "$db" | wc -l)
  [ "$n" -gt 0 ] || { echo "$name: no files, skipped"; return; }
  syntax_cmds "$db" > "$work/syntax.sh"
  files_of "$db" > "$work/files.txt"
  for j in 1 2; do
    local tw tt ts
    tw=$(timeit "$weft" lint -p "$db" -j "$j" --quiet --no-progress --format=json)
    tt=$(timeit bash -c "xargs -P $j -n 1 -d '\n' '$tidy' -quiet -p '$db' -checks='-*,bugprone-spuriously-wake-up-functions' < '$work/files.txt'")
    ts=$(timeit bash -c "xargs -P $j -I{} -d '\n' bash -c '{}' < '$work/syntax.sh'")
    printf "%-28s %4d files  -j%d   weft %7ss   clang-tidy %7ss   -fsyntax-only %7ss   weft/tidy %5.2fx   weft/syntax %5.2fx\n" \
      "$name" "$n" "$j" "$tw" "$tt" "$ts" "$(awk -v a="$tw" -v b="$tt" 'BEGIN { print a / b }')" \
      "$(awk -v a="$tw" -v b="$ts" 'BEGIN { print a / b }')"
  done
}

# (1) the corpus
mkdir -p "$work/corpus"
mapfile -t corpus < <(find corpus -name '*.cpp' 2>/dev/null | sort)
make_db "$work/corpus" "-std=c++20 -I$root/primitives/include -I$root/runtime/include" "${corpus[@]}"
bench_set "corpus" "$work/corpus"

# (2) weft's own sources (the analyzer's too), through the build's database
if [ -f "$build/compile_commands.json" ]; then
  mkdir -p "$work/self"
  python3 - "$root/$build" "$work/self" "$root" <<'PY'
import json, sys
db = json.load(open(sys.argv[1] + "/compile_commands.json"))
keep = [e for e in db if e["file"].startswith(sys.argv[3] + "/") and e["file"].endswith(".cpp")
        and "/_deps/" not in e["file"]]
json.dump(keep, open(sys.argv[2] + "/compile_commands.json", "w"))
PY
  bench_set "weft sources" "$work/self"
fi

# (3) a generated large input: one TU with 400 functions, half of them buggy waits
mkdir -p "$work/gen"
{
  echo '#include <condition_variable>'
  echo '#include <mutex>'
  echo '#include <deque>'
  echo 'struct S { std::mutex m; std::condition_variable cv; std::deque<int> q; bool ready = false;'
  for i in $(seq 1 400); do
    if (( i % 2 )); then
      echo "  int f$i(std::condition_variable& c) { std::unique_lock<std::mutex> lk(m); if (q.empty()) c.wait(lk); int v = q.front(); q.pop_front(); return v + $i; }"
    else
      echo "  int f$i() { std::unique_lock<std::mutex> lk(m); while (q.empty()) cv.wait(lk); int v = q.front(); q.pop_front(); return v + $i; }"
    fi
  done
  echo '};'
} > "$work/gen/generated.cpp"
for k in 1 2 3 4; do cp "$work/gen/generated.cpp" "$work/gen/generated$k.cpp"; done
rm "$work/gen/generated.cpp"
make_db "$work/gen" "-std=c++20" "$work"/gen/generated*.cpp
bench_set "generated (4 x 400 fns)" "$work/gen"
