// weft: concurrency-bug detection and visualisation for C++.
//
//   $ weft lint -p build src/queue.cpp
//   src/queue.cpp:42:15: warning: 'wait' is not in a loop that re-checks its condition [wait-not-in-loop]
//   $ weft run -o app.trace -- ./app
//   $ weft report app.trace
//   $ weft view app.trace -o timeline.html
//
// This file is only the table of subcommands; each one lives in its own file.
#include <cstdio>
#include <cstring>
#include <string_view>

#include "commands.hpp"
#ifdef WEFT_HAVE_DEBUGINFO
#include "debuginfo.hpp"
#endif

// The version of `project(weft VERSION ...)` in the top-level CMakeLists.txt, its only source.
#ifndef WEFT_VERSION
#error "WEFT_VERSION is defined by the top-level CMakeLists.txt from project(weft VERSION ...)"
#endif

namespace {

struct Command {
  const char* name;
  int (*main)(int, char**);
  const char* summary;
};

constexpr Command kCommands[] = {
    {"lint", weft::cli::lint_main, "static analysis of C++ sources (Clang libTooling)"},
    {"run", weft::cli::run_main, "run a program and record its threads, locks and waits"},
    {"report", weft::cli::report_main, "summarise a recorded trace: statistics and findings"},
    {"view", weft::cli::view_main, "render a trace as an HTML timeline, Perfetto JSON or text"},
};

void print_help(std::FILE* out) {
  std::fprintf(out,
               "weft: find concurrency bugs in C++ programs and show what happened.\n\n"
               "usage: weft <command> [options] [args]\n\ncommands:\n");
  for (const auto& c : kCommands) std::fprintf(out, "  %-8s %s\n", c.name, c.summary);
  std::fprintf(out,
               "  %-8s %s\n\n"
               "`weft <command> --help` explains each command.\n"
               "exit codes: 0 clean, 1 findings, 2 usage or input error.\n"
               "bug kinds and their fixes: docs/checks/<id>.md\n",
               "help", "this text");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    print_help(stderr);
    return 2;
  }
  std::string_view cmd = argv[1];
#ifdef WEFT_HAVE_DEBUGINFO
  if (cmd == "__variable") return weft::cli::variable_main(argc - 1, argv + 1);
  weft::cli::install_debuginfo();
#endif
  if (cmd == "help" || cmd == "--help" || cmd == "-h") {
    print_help(stdout);
    return 0;
  }
  if (cmd == "--version") {
    std::printf("weft %s\n", WEFT_VERSION);
    return 0;
  }
  for (const auto& c : kCommands) {
    if (cmd == c.name) return c.main(argc - 1, argv + 1);
  }
  std::fprintf(stderr, "weft: unknown command '%s' (commands: lint, run, report, view; see 'weft --help')\n",
               argv[1]);
  return 2;
}
