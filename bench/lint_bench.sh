#!/usr/bin/env bash
# weft lint vs clang-tidy vs clang++ -fsyntax-only on the same translation units, at -j1 and -j2.
# Prints wall and CPU times and CPU ratios; asserts nothing. All three parse every file with the same flags
# from one compile_commands.json; the difference is what runs after parsing.
#
#   bench/lint_bench.sh [BUILD_DIR] [SETS]   (default build/ and "corpus self gen"; needs
#                                              BUILD_DIR/bin/weft built with the analyzer)
#   REPEAT=1 bench/lint_bench.sh              (runs per measurement, best kept; default 1)
#   JOBS=2 bench/lint_bench.sh                (the -j values to measure; default "1 2")
#
# Inputs, from BUILD_DIR/compile_commands.json: (corpus) every corpus program, C and C++, with
# the flags the build uses; (self) weft's own library and tool sources (runtime, primitives,
# viewer, cli, analyzer; not tests, bench or corpus); (gen) 4 generated TUs of 400 functions with
# condition waits each.
# Tools: `weft lint`, `clang-tidy-19 -checks=-*,bugprone-spuriously-wake-up-functions`,
# `clang++-19 -fsyntax-only`. Parallelism for the two clang tools: xargs -P (like run-clang-tidy).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
build=${1:-build}
weft=$root/$build/bin/weft
tidy=$(command -v clang-tidy-19 || true)
clangxx=$(command -v clang++-19 || true)
clangc=$(command -v clang-19 || true)
[ -x "$weft" ] || { echo "lint_bench: $weft missing (build weft with the analyzer)" >&2; exit 2; }
[ -n "$tidy" ] && [ -n "$clangxx" ] || { echo "lint_bench: needs clang-tidy-19 and clang++-19" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Prints "WALL CPU" in seconds for the run with the least CPU time of $REPEAT runs. CPU time is
# user + system time of the command and its children (bash's `time`): on a shared machine it is
# disturbed far less by other load than wall time, so the ratios use it.
REPEAT=${REPEAT:-1}
timeit() {
  local best_cpu="" best_wall=""
  for _ in $(seq 1 "$REPEAT"); do
    local out wall cpu
    out=$( { TIMEFORMAT='%R %U %S'; time "$@" >/dev/null 2>&1; } 2>&1 ) || true
    wall=$(awk '{ print $1 }' <<<"$out")
    cpu=$(awk '{ print $2 + $3 }' <<<"$out")
    if [ -z "$best_cpu" ] || awk -v t="$cpu" -v b="$best_cpu" 'BEGIN { exit !(t < b) }'; then
      best_cpu=$cpu best_wall=$wall
    fi
  done
  printf "%.2f %.2f" "$best_wall" "$best_cpu"
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
  python3 - "$1" "$clangxx" "$clangc" <<'PY'
import json, shlex, sys
db, cxx, cc = json.load(open(sys.argv[1] + "/compile_commands.json")), sys.argv[2], sys.argv[3]
for e in db:
    args = e.get("arguments") or shlex.split(e["command"])
    out, skip = [cc if e["file"].endswith(".c") else cxx], False
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
  for j in ${JOBS:-1 2}; do
    local w t x
    w=($(timeit "$weft" lint -p "$db" -j "$j" --quiet --no-progress --format=json))
    t=($(timeit bash -c "xargs -P $j -n 1 -d '\n' '$tidy' -quiet -p '$db' -checks='-*,bugprone-spuriously-wake-up-functions' < '$work/files.txt'"))
    x=($(timeit bash -c "xargs -P $j -I{} -d '\n' bash -c '{}' < '$work/syntax.sh'"))
    printf "%-24s %3d files -j%d  wall s: weft %7s tidy %7s syntax %7s | cpu s: weft %7s tidy %7s syntax %7s | cpu ratio: weft/tidy %5.2fx weft/syntax %5.2fx\n" \
      "$name" "$n" "$j" "${w[0]}" "${t[0]}" "${x[0]}" "${w[1]}" "${t[1]}" "${x[1]}" \
      "$(awk -v a="${w[1]}" -v b="${t[1]}" 'BEGIN { print a / b }')" \
      "$(awk -v a="${w[1]}" -v b="${x[1]}" 'BEGIN { print a / b }')"
  done
}

# Writes DIR/compile_commands.json: the entries of the build's database whose file (relative to
# the source root) starts with one of the given prefixes.
filter_db() {
  local dir=$1; shift
  mkdir -p "$dir"
  python3 - "$root/$build" "$dir" "$root" "$@" <<'PY'
import json, sys
db = json.load(open(sys.argv[1] + "/compile_commands.json"))
out, root, prefixes = sys.argv[2], sys.argv[3], tuple(sys.argv[4:])
seen, keep = set(), []
for e in db:
    rel = e["file"][len(root) + 1:] if e["file"].startswith(root + "/") else ""
    if rel.startswith(prefixes) and e["file"] not in seen:
        seen.add(e["file"])
        keep.append(e)
json.dump(keep, open(out + "/compile_commands.json", "w"))
PY
}

sets=${2:-corpus self gen}
[ -f "$build/compile_commands.json" ] || { echo "lint_bench: $build/compile_commands.json missing" >&2; exit 2; }
echo "lint_bench: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%FT%TZ), best of $REPEAT"

# (1) the corpus
if [[ " $sets " == *" corpus "* ]]; then
  filter_db "$work/corpus" corpus/
  bench_set "corpus" "$work/corpus"
fi

# (2) weft's own sources, through the build's database
if [[ " $sets " == *" self "* ]]; then
  filter_db "$work/self" runtime/ primitives/ viewer/ cli/ analyzer/
  bench_set "weft sources" "$work/self"
fi

# (3) a generated large input: 4 TUs of 400 functions each, half of them buggy waits
if [[ " $sets " == *" gen "* ]]; then
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
fi
