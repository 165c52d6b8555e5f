#!/usr/bin/env bash
# lint_real_code.sh: weft lint's findings, precision inputs and speed on real projects, beside
# clang-tidy's bugprone-spuriously-wake-up-functions and clang's -Wthread-safety on the same TUs.
#
#   bash bench/lint_real_code.sh ROOT [WEFT]
#
# ROOT: checkouts of the projects at the commits listed in docs/comparison.md ("weft lint on
# real projects"). Prints the table of scripts/lint-real-code.sh (one line per project: TUs,
# parsed, weft findings by check, clang-tidy and -Wthread-safety warnings, weft's wall seconds)
# and the total; the triage of every finding is in docs/comparison.md. Nothing is asserted.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
out=$(bash "$here/scripts/lint-real-code.sh" "$@")
echo "$out"
echo "$out" | awk 'NR > 1 && $2 ~ /^[0-9]+$/ { tus += $2; parsed += $3; f += $4; s += $NF }
  END { printf "total: %d TUs, %d parsed, %d weft findings, %.1f s of weft lint\n", tus, parsed, f, s }'
