#!/usr/bin/env bash
# llvm_module_test.sh WEFT: `weft lint` lives in libweft_llvm.so, which weft loads only for the
# commands that need it. A weft copied to a directory without its lib/ links no LLVM, still runs
# `--help`, and `weft lint` says in one line which file is missing (exit 2); with the library in
# lib/ beside its bin/ it lints. WEFT is build/bin/weft (the library is in build/lib).
set -euo pipefail
weft=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "llvm_module_test: $*" >&2; exit 1; }
mkdir -p "$tmp/bin"
cp "$weft" "$tmp/bin/weft"
"$tmp/bin/weft" --help > /dev/null || fail "weft --help needs the LLVM library"
# The copy loads no LLVM at all (ldd): that is the point of the split.
! ldd "$tmp/bin/weft" | grep -q -i -E 'libLLVM|libclang' || fail "weft links LLVM itself"
rc=0
"$tmp/bin/weft" lint x.cpp 2> "$tmp/err" || rc=$?
[ "$rc" -eq 2 ] || fail "weft lint without libweft_llvm.so exited $rc, not 2"
[ "$(wc -l < "$tmp/err")" -eq 1 ] || fail "not one line: $(cat "$tmp/err")"
grep -q 'libweft_llvm.so is not next to weft' "$tmp/err" || fail "unclear reason: $(cat "$tmp/err")"
# With the library beside it (lib/ next to bin/), the copy lints.
mkdir -p "$tmp/lib"
cp "$(dirname "$weft")/../lib/libweft_llvm.so" "$tmp/lib/"
printf '#include <mutex>\nstd::mutex m;\nvoid f() { m.lock(); m.lock(); m.unlock(); m.unlock(); }\n' > "$tmp/x.cpp"
rc=0
"$tmp/bin/weft" lint "$tmp/x.cpp" -- -std=c++20 > "$tmp/out" 2>&1 || rc=$?
[ "$rc" -eq 1 ] || fail "weft lint with its library exited $rc, not 1: $(cat "$tmp/out")"
grep -q 'lock-reentry' "$tmp/out" || fail "no lock-reentry finding: $(cat "$tmp/out")"
echo "llvm_module_test: ok"
