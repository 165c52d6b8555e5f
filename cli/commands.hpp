// The subcommands of `weft`. Each lives in its own file, owns its options and returns the
// process exit code: 0 clean, 1 findings, 2 usage or input error (one-line reason on stderr).
#pragma once

namespace weft::cli {
int lint_main(int argc, char** argv);    // cli/lint.cpp (or lint_unavailable.cpp)
int run_main(int argc, char** argv);     // cli/run.cpp
int report_main(int argc, char** argv);  // cli/report.cpp
int view_main(int argc, char** argv);    // cli/view.cpp

// Prints "weft <cmd>: <reason>" and a hint to stderr; returns 2.
int usage_error(const char* cmd, const char* reason);
}  // namespace weft::cli
