// weft lint: static analysis of C++ sources for concurrency bugs (Clang libTooling).
//
//   $ weft lint -p build src/queue.cpp
//   src/queue.cpp:42:15: warning: 'wait' is not in a loop that re-checks its condition [wait-not-in-loop]
//     if (!ready) cv.wait(lk);
//                 ^
//   src/queue.cpp:42:15: note: use the predicate overload, ...
//   weft lint: 1 file, 1 finding (wait-not-in-loop: 1) in 0.61 s
//   $ weft lint --format=sarif -p build > weft.sarif        # every file of the database
//   $ weft lint -p build --sarif-output=weft.sarif          # text on stdout, SARIF in the file
//   $ weft lint --fix src/queue.cpp -- -std=c++20 -Iinclude  # no database: flags after --
//
// This file only parses the command line; the driver is analyzer/tool/Driver.cpp.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "Lint.h"
#include "Module.h"
#include "commands.hpp"

namespace {

void print_help() {
  std::printf(
      "usage: weft lint [-p BUILD_DIR] [--checks=GLOB,...] [--format=text|json|sarif]\n"
      "                 [--sarif-output=FILE] [--fix] [-j N] FILES... [-- COMPILER_ARGS]\n\n"
      "Finds concurrency bugs in C++ sources without running them. Each finding names a check;\n"
      "docs/checks/<check>.md explains the bug and its fix.\n\n"
      "example:\n"
      "  weft lint -p build src/queue.cpp            # flags from build/compile_commands.json\n"
      "  weft lint -p build                          # every file in the database\n"
      "  weft lint src/a.cpp -- -std=c++20 -Iinclude  # no database: compiler flags after --\n"
      "  weft lint -p build --sarif-output=weft.sarif # text on stdout and SARIF, one analysis\n\n"
      "options:\n"
      "  -p BUILD_DIR          directory with compile_commands.json (CMake:\n"
      "                        -DCMAKE_EXPORT_COMPILE_COMMANDS=ON)\n"
      "  --checks=GLOB,...     enable checks by glob, '-' disables: --checks='*,-lock-*'\n"
      "  --list-checks         print the checks and exit\n"
      "  --format=FORMAT       text (default, like clang), json, sarif (SARIF 2.1.0)\n"
      "  --sarif-output=FILE   also write the findings as SARIF 2.1.0 to FILE, the same\n"
      "                        document --format=sarif prints, from the same analysis\n"
      "  --fix                 apply the fix-its in place (safe to run again)\n"
      "  --export-fixes=FILE   write the fix-its as YAML for clang-apply-replacements\n"
      "  -j N                  analyse N files in parallel (default: all cores)\n"
      "  --shard=I/N           analyse only the I-th of N deterministic slices (1 <= I <= N)\n"
      "  --summaries-dir=DIR   cross-file analysis, phase 1: write one summary per file to DIR\n"
      "  --merge-summaries=DIR cross-file analysis, phase 2: report from the summaries in DIR\n"
      "  --option=ID.KEY=VAL   a check option, e.g. wait-not-in-loop.Wrappers=ns::my_wait\n"
      "  --quiet               no summary line on stderr\n\n"
      "Suppress one finding with a comment on its line: // NOLINT(wait-not-in-loop): reason\n"
      "(also NOLINTNEXTLINE(...), and NOLINTBEGIN(...) ... NOLINTEND(...) around a region).\n"
      "exit codes: 0 clean, 1 findings, 2 usage error or a file that does not compile.\n");
}

bool parse_unsigned(std::string_view s, unsigned& out) {
  if (s.empty() || s.size() > 6) return false;
  unsigned v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<unsigned>(c - '0');
  }
  out = v;
  return true;
}

}  // namespace

int weft::cli::lint_main(int argc, char** argv) {
  weft::analyzer::LintOptions opt;
  bool fixOrExport = false;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    auto value = [&](std::string_view flag, std::string& out) {
      // Accepts "--flag=VALUE" and "--flag VALUE".
      if (a.size() > flag.size() && a.substr(0, flag.size()) == flag && a[flag.size()] == '=') {
        out = std::string(a.substr(flag.size() + 1));
        return true;
      }
      if (a == flag && i + 1 < argc) {
        out = argv[++i];
        return true;
      }
      return false;
    };
    std::string v;
    if (a == "--") {
      opt.haveExtraArgs = true;
      for (++i; i < argc; ++i) opt.extraArgs.push_back(argv[i]);
      break;
    } else if (a == "--help" || a == "-h") {
      print_help();
      return 0;
    } else if (a == "--list-checks") {
      for (const auto& c : weft::analyzer::registeredChecks())
        std::printf("%-22s %s\n", c.id.c_str(), c.summary.c_str());
      return 0;
    } else if (a == "-p" && i + 1 < argc) {
      opt.buildDir = argv[++i];
    } else if (a.substr(0, 2) == "-p" && a.size() > 2 && a[2] != '-') {
      opt.buildDir = std::string(a.substr(2));
    } else if (value("--checks", v)) {
      opt.checks = v;
    } else if (value("--format", v)) {
      if (v != "text" && v != "json" && v != "sarif")
        return usage_error("lint", ("unknown --format '" + v + "' (text, json or sarif)").c_str());
      opt.format = v;
    } else if (value("--sarif-output", v)) {
      if (v.empty()) return usage_error("lint", "--sarif-output needs a file name");
      opt.sarifOutput = v;
    } else if (a == "--fix") {
      opt.fix = fixOrExport = true;
    } else if (value("--export-fixes", v)) {
      opt.exportFixes = v;
    } else if (a.substr(0, 2) == "-j") {
      std::string n = a.size() > 2 ? std::string(a.substr(2)) : (i + 1 < argc ? argv[++i] : "");
      if (!parse_unsigned(n, opt.jobs) || opt.jobs == 0)
        return usage_error("lint", "-j needs a positive number of parallel files, e.g. -j 2");
    } else if (value("--shard", v)) {
      size_t slash = v.find('/');
      unsigned idx = 0, count = 0;
      if (slash == std::string::npos ||
          !parse_unsigned(std::string_view(v).substr(0, slash), idx) ||
          !parse_unsigned(std::string_view(v).substr(slash + 1), count) || count == 0 ||
          idx == 0 || idx > count)
        return usage_error("lint", "--shard needs I/N with 1 <= I <= N, e.g. --shard=2/4");
      opt.shardIndex = idx - 1;
      opt.shardCount = count;
    } else if (value("--summaries-dir", v)) {
      opt.summariesDir = v;
    } else if (value("--merge-summaries", v)) {
      opt.mergeSummaries = v;
    } else if (value("--option", v)) {
      size_t eq = v.find('=');
      if (eq == std::string::npos || v.find('.') > eq)
        return usage_error("lint", "--option needs ID.KEY=VALUE, e.g. "
                                   "--option=wait-not-in-loop.Wrappers=ns::my_wait");
      opt.checkOptions[v.substr(0, eq)] = v.substr(eq + 1);
    } else if (a == "--quiet" || a == "-q") {
      opt.quiet = true;
    } else if (a == "--no-progress") {
      opt.progress = false;
    } else if (!a.empty() && a[0] == '-') {
      return usage_error("lint", ("unknown option '" + std::string(a) + "'").c_str());
    } else {
      opt.files.emplace_back(a);
    }
  }
  if (!opt.mergeSummaries.empty() && (!opt.files.empty() || !opt.buildDir.empty()))
    return usage_error("lint", "--merge-summaries reads summaries only; give no files or -p");
  if (!opt.mergeSummaries.empty() && !opt.summariesDir.empty())
    return usage_error("lint", "--summaries-dir (phase 1) and --merge-summaries (phase 2) are "
                               "separate runs");
  if (opt.mergeSummaries.empty() && opt.files.empty() && opt.buildDir.empty())
    return usage_error("lint", "no input files (give FILES, or -p BUILD_DIR for all its files)");
  (void)fixOrExport;
  return weft::analyzer::runLint(opt);
}
