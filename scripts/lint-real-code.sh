#!/usr/bin/env bash
# lint-real-code.sh: weft lint (and, for comparison, clang-tidy's spurious-wake-up check and
# clang's -Wthread-safety) on real projects with real mutex and condition-variable code.
#
#   scripts/lint-real-code.sh ROOT [WEFT]
#
# ROOT holds one checkout per project, named as in the table below, at the pinned commits of
# docs/comparison.md ("weft lint on real projects"). This script never fetches anything (CI has
# no network): get each with `git clone` of the named repository and `git checkout COMMIT`.
# For every project it makes a compilation database without building the project (CMake's
# export, or a generated one for the projects built by configure/make), runs the tools on the
# same translation units, and prints one line per project:
#
#   project  TUs  parsed  weft-findings  by-check  clang-tidy  -Wthread-safety  seconds
#
# Full outputs go to ROOT/<project>/weft-out/. Needs: cmake, ninja, autoconf/automake/libtool and
# libevent-dev (memcached's configure), tcl and tcl-dev (sqlite's generated headers and test
# files), libboost-dev and libboost-thread-dev (asio, boost-thread), clang-tidy-19 and clang-19.
# WEFT_REAL_PROJECTS="p1 p2" runs only those; WEFT_LINT_JOBS=N passes -j N to weft lint.
set -uo pipefail
root=${1:?usage: lint-real-code.sh ROOT [WEFT]}
weft=${2:-$(cd "$(dirname "$0")/.." && pwd)/build/bin/weft}
root=$(cd "$root" && pwd)
[ -x "$weft" ] || { echo "lint-real-code: no weft binary at $weft (build it first)" >&2; exit 2; }

# Writes ROOT/P/weft-cdb/compile_commands.json for the files given, with the flags given.
write_cdb() {  # project flags file...
  local p=$1 flags=$2
  shift 2
  mkdir -p "$root/$p/weft-cdb"
  python3 - "$root/$p" "$flags" "$@" > "$root/$p/weft-cdb/compile_commands.json" <<'EOF'
import json, os, shlex, sys
d, flags, files = sys.argv[1], sys.argv[2], sys.argv[3:]
cc = lambda f: 'c++' if f.endswith(('.cc', '.cpp', '.cxx')) else 'cc'
print(json.dumps([{"directory": d, "file": os.path.join(d, f),
                   "arguments": [cc(f)] + shlex.split(flags) + ["-c", f]} for f in files],
                 indent=1))
EOF
}

cmake_cdb() {  # project cmake-args...
  local p=$1
  shift
  cmake -S "$root/$p" -B "$root/$p/weft-build" -G Ninja -DCMAKE_EXPORT_COMPILE_COMMANDS=ON "$@" \
    > "$root/$p/weft-build.log" 2>&1 || return 1
  mkdir -p "$root/$p/weft-cdb"
  cp "$root/$p/weft-build/compile_commands.json" "$root/$p/weft-cdb/"
}

prepare() {
  local p=$1
  case $p in
    leveldb) cmake_cdb leveldb -DLEVELDB_BUILD_TESTS=OFF -DLEVELDB_BUILD_BENCHMARKS=OFF ;;
    libuv) cmake_cdb libuv -DLIBUV_BUILD_TESTS=OFF ;;
    libzmq) cmake_cdb libzmq -DBUILD_TESTS=OFF -DWITH_PERF_TOOL=OFF -DENABLE_DRAFTS=OFF ;;
    abseil-cpp)  # the synchronization library and its tests' helpers
      cmake_cdb abseil-cpp -DABSL_BUILD_TESTING=OFF -DCMAKE_CXX_STANDARD=17 || return 1
      python3 - "$root/$p/weft-cdb/compile_commands.json" <<'EOF'
import json, sys
p = sys.argv[1]
db = [e for e in json.load(open(p)) if '/absl/synchronization/' in e['file']]
json.dump(db, open(p, 'w'), indent=1)
EOF
      ;;
    rocksdb)  # the translation units with condition-variable, wait or lock-guard code
      cmake_cdb rocksdb -DWITH_GFLAGS=OFF -DWITH_TESTS=OFF -DWITH_BENCHMARK_TOOLS=OFF \
        -DWITH_TOOLS=OFF -DWITH_CORE_TOOLS=OFF -DWITH_TRACE_TOOLS=OFF -DPORTABLE=1 || return 1
      python3 - "$root/$p/weft-cdb/compile_commands.json" <<'EOF'
import json, re, sys
p = sys.argv[1]
pat = re.compile(r'CondVar|condition_variable|\.Lock\(\)|MutexLock|lock_guard|unique_lock|\.Wait\(|SignalAll|notify_')
def mentions(f):
    try:
        return pat.search(open(f, errors='ignore').read()) is not None
    except OSError:
        return False
db = [e for e in json.load(open(p)) if '/weft-build/' not in e['file'] and mentions(e['file'])]
json.dump(db, open(p, 'w'), indent=1)
EOF
      ;;
    taskflow)
      local files
      files=$(cd "$root/$p" && ls examples/*.cpp | head -40)
      # shellcheck disable=SC2086
      write_cdb taskflow "-std=c++20 -I." $files ;;
    memcached)
      (cd "$root/$p" && { [ -f config.h ] || { ./autogen.sh && ./configure; } > configure.log 2>&1; }) ||
        return 1
      local files
      files=$(cd "$root/$p" && ls *.c | grep -v -E '^(proxy_|testapp|sizes|timedrun|.*_priv|sasl_defs|proto_proxy)')
      # shellcheck disable=SC2086
      write_cdb memcached "-std=gnu11 -I. -DHAVE_CONFIG_H" $files ;;
    nginx)
      (cd "$root/$p" && { [ -f objs/ngx_auto_config.h ] || ./auto/configure --without-http_rewrite_module \
         --without-http_gzip_module > configure.log 2>&1; }) || return 1
      local files
      files=$(cd "$root/$p" && grep -oE '^objs/src/[^ ]*\.o:' objs/Makefile | sed -e 's|^objs/||' -e 's|\.o:$|.c|')
      # shellcheck disable=SC2086
      write_cdb nginx "-std=gnu11 -Isrc/core -Isrc/event -Isrc/event/modules -Isrc/event/quic -Isrc/os/unix -Iobjs -Isrc/http -Isrc/http/modules" $files ;;
    redis)
      local files
      files=$(cd "$root/$p" && ls src/*.c | grep -v -E 'redis-benchmark|redis-cli|sentinel|valkey')
      # shellcheck disable=SC2086
      write_cdb redis "-std=gnu11 -Isrc -Ideps/hiredis -Ideps/linenoise -Ideps/lua/src -Ideps/hdr_histogram -Ideps/fpconv -DUSE_JEMALLOC=0" $files ;;
    sqlite)  # src/ files with pthread or sqlite3_mutex code; generated headers from a configured copy
      # (checkout: sqlite's git mirror mackyle/sqlite, without test/; docs/comparison.md)
      (cd "$root/$p" && {
        # the git mirror has no fossil manifest, which sqlite3.h's generator reads: a stub
        [ -f manifest ] || printf 'C weft-lint-stub\nD 2026-07-22T14:16:33.000\n' > manifest
        mkdir -p weft-gen && cd weft-gen &&
          { [ -f pragma.h ] || { ../configure && make sqlite3.h parse.h opcodes.h opcodes.c keywordhash.h pragma.h; } > gen.log 2>&1; }
      }) || return 1
      local files
      files=$(cd "$root/$p" && grep -l -E 'pthread_|sqlite3_mutex_(enter|leave|try)' src/*.c |
                grep -v -E '_w32\.c|_win\.c')
      # shellcheck disable=SC2086
      write_cdb sqlite "-std=gnu11 -D_HAVE_SQLITE_CONFIG_H -DSQLITE_THREADSAFE=1 -D_REENTRANT -DSQLITE_TEST -DSQLITE_ENABLE_UNLOCK_NOTIFY -Isrc -Iweft-gen -I/usr/include/tcl8.6" $files ;;
    asio)  # boostorg/asio's C++11/14/17 examples: its own headers (a third of the examples use
      # APIs newer than Debian 12's Boost 1.74), the rest of Boost from libboost-dev; the
      # coroutines_ts examples need C++20
      local files
      files=$(cd "$root/$p" && find example/cpp11 example/cpp14 example/cpp17 -name '*.cpp' | grep -v coroutines_ts | sort)
      # shellcheck disable=SC2086
      write_cdb asio "-std=c++17 -pthread -Iinclude" $files
      mv "$root/$p/weft-cdb/compile_commands.json" "$root/$p/weft-cdb/cxx17.json"
      files=$(cd "$root/$p" && find example/cpp17/coroutines_ts -name '*.cpp' | sort)
      # shellcheck disable=SC2086
      write_cdb asio "-std=c++20 -pthread -Iinclude" $files
      python3 -c 'import json, sys; json.dump(json.load(open(sys.argv[1])) + json.load(open(sys.argv[2])), open(sys.argv[2], "w"), indent=1)' \
        "$root/$p/weft-cdb/cxx17.json" "$root/$p/weft-cdb/compile_commands.json"
      rm "$root/$p/weft-cdb/cxx17.json" ;;
    boost-thread)  # boostorg/thread's examples, top-level tests and condition tests (libboost-thread-dev)
      local files
      files=$(cd "$root/$p" && { ls example/*.cpp test/*.cpp; find test/sync/conditions -name '*.cpp' | sort; })
      # shellcheck disable=SC2086
      write_cdb boost-thread "-std=c++17 -pthread -DBOOST_THREAD_THROW_IF_PRECONDITION_NOT_SATISFIED -Itest" $files ;;
    ThreadPool) write_cdb ThreadPool "-std=c++17 -I." example.cpp ;;
    thread-pool)
      local files
      files=$(cd "$root/$p" && ls tests/*.cpp)
      # shellcheck disable=SC2086
      write_cdb thread-pool "-std=c++20 -Iinclude -Imodules" $files ;;
    *) echo "lint-real-code: no recipe for $p" >&2; return 1 ;;
  esac
}

printf '%-12s %5s %6s %6s  %-40s %10s %8s %7s\n' project TUs parsed weft by-check clang-tidy thread-saf seconds
for p in ${WEFT_REAL_PROJECTS:-memcached leveldb libuv libzmq nginx redis abseil-cpp taskflow ThreadPool thread-pool rocksdb sqlite asio boost-thread}; do
  [ -d "$root/$p" ] || { printf '%-12s (not checked out)\n' "$p"; continue; }
  if ! prepare "$p"; then printf '%-12s (no compilation database: see %s)\n' "$p" "$root/$p"; continue; fi
  out=$root/$p/weft-out
  mkdir -p "$out"
  cdb=$root/$p/weft-cdb
  t0=$(date +%s.%N)
  jobs=()
  [ -n "${WEFT_LINT_JOBS:-}" ] && jobs=(-j "$WEFT_LINT_JOBS")
  (cd "$root/$p" && "$weft" lint "${jobs[@]}" -p "$cdb" --format=json > "$out/weft.json" 2> "$out/weft.err")
  t1=$(date +%s.%N)
  (cd "$root/$p" && "$weft" lint "${jobs[@]}" -p "$cdb" > "$out/weft.txt" 2>&1)
  read -r tus parsed total bycheck < <(python3 - "$cdb/compile_commands.json" "$out/weft.json" "$out/weft.err" <<'EOF'
import collections, json, sys
db = json.load(open(sys.argv[1]))
try:
    findings = json.JSONDecoder().raw_decode(open(sys.argv[2]).read())[0]['findings']
except Exception:
    findings = []
failed = sum(1 for l in open(sys.argv[3]) if 'could not be parsed' in l)
by = collections.Counter(f['check'] for f in findings)
print(len(db), len(db) - failed, len(findings), ','.join(f'{k}:{v}' for k, v in sorted(by.items())) or '-')
EOF
)
  tidy=-
  if command -v clang-tidy-19 > /dev/null; then
    tidy=$(cd "$root/$p" && python3 -c "import json,sys; [print(e['file']) for e in json.load(open(sys.argv[1]))]" "$cdb/compile_commands.json" |
             xargs -r clang-tidy-19 -p "$cdb" --checks=-*,bugprone-spuriously-wake-up-functions --quiet 2> /dev/null |
             tee "$out/clang-tidy.txt" | grep -c 'warning:')
  fi
  tsa=-
  if command -v clang-19 > /dev/null; then
    tsa=$(cd "$root/$p" && python3 - "$cdb/compile_commands.json" <<'EOF' 2>&1 | tee "$out/thread-safety.txt" | grep -c 'warning:.*\[-Wthread-safety'
import json, os, subprocess, sys
for e in json.load(open(sys.argv[1])):
    args = e.get('arguments') or e['command'].split()
    cmd = ['clang-19' if not args[0].endswith('++') else 'clang++-19', '-fsyntax-only',
           '-Wthread-safety', '-w', '-Wno-everything', '-Wthread-safety'] + \
          [a for a in args[1:] if a != '-c' and not a.startswith('-o') and
           os.path.join(e['directory'], a) != e['file'] and a != e['file']] + [e['file']]
    subprocess.run(cmd, cwd=e['directory'])
EOF
)
  fi
  printf '%-12s %5s %6s %6s  %-40s %10s %8s %7.1f\n' "$p" "$tus" "$parsed" "$total" "$bycheck" "$tidy" "$tsa" \
    "$(echo "$t1 - $t0" | bc)"
done
