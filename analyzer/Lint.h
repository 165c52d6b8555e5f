// The `weft lint` driver, without any Clang header: cli/lint.cpp parses the command line into
// LintOptions and calls runLint().
#pragma once

#include <map>
#include <string>
#include <vector>

#include "Finding.h"

namespace weft::analyzer {

struct LintOptions {
  std::vector<std::string> files;       // sources to analyse (empty with -p: all in the database)
  std::string buildDir;                 // -p: directory holding compile_commands.json
  std::vector<std::string> extraArgs;   // after `--`: compiler arguments appended to every TU
  bool haveExtraArgs = false;           // `--` was given (even with nothing after it)
  std::string checks;                   // --checks=GLOB,...
  std::string format = "text";          // text | json | sarif
  std::string sarifOutput;              // --sarif-output=FILE: SARIF there too, same analysis
  bool fix = false;                     // --fix: apply fix-its in place
  std::string exportFixes;              // --export-fixes=FILE (clang-apply-replacements YAML)
  unsigned jobs = 0;                    // -j: parallel TUs; 0 = number of cores
  unsigned shardIndex = 0, shardCount = 1;  // --shard=I/N (I is 1-based on the command line)
  std::string summariesDir;             // --summaries-dir: write one summary per TU there
  std::string mergeSummaries;           // --merge-summaries=DIR: phase 2 only
  std::map<std::string, std::string> checkOptions;  // --option=ID.KEY=VALUE
  bool quiet = false;                   // no summary line
  bool progress = true;                 // progress on stderr when it is a TTY
};

// Runs the analysis and prints the findings to stdout in the chosen format. Returns the exit
// code: 0 clean, 1 findings, 2 input error (missing file, no database, a TU that did not parse:
// the findings from the files that parsed are still printed and the failures listed on stderr).
int runLint(const LintOptions& options);

// ---- pieces of the driver, exposed for tool/Output.cpp and tests -----------------------------

// Removes findings suppressed by NOLINT comments in their files.
std::vector<Finding> applyNolint(std::vector<Finding> findings);
// Applies the fixes of `findings` to the files in place (overlapping edits: the first wins).
// Returns the number of fixes applied; lists unwritable files on stderr.
int applyFixes(const std::vector<Finding>& findings);
// Output writers. `cwd` is the directory paths are made relative to.
void writeText(const std::vector<Finding>& findings, const std::string& cwd, bool color);
void writeJson(const std::vector<Finding>& findings, const std::string& cwd);
void writeSarif(const std::vector<Finding>& findings, const std::string& cwd);
// The SARIF document writeSarif prints, written to `path` instead (--sarif-output). False when
// the file cannot be written.
bool writeSarifFile(const std::vector<Finding>& findings, const std::string& cwd,
                    const std::string& path);
std::string sarifDocument(const std::vector<Finding>& findings, const std::string& cwd);
bool writeExportFixes(const std::vector<Finding>& findings, const std::string& path);
// The path of `file` relative to `cwd` when it lies below it, else unchanged.
std::string displayPath(const std::string& file, const std::string& cwd);

}  // namespace weft::analyzer
