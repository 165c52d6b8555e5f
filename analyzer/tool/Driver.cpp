// The `weft lint` driver: finds each file's compile command, parses the translation units in
// parallel (one Clang instance per worker thread, each with its own working directory), runs the
// enabled checks on each, merges cross-TU summaries, then filters, fixes and prints.
#include <clang/AST/ASTConsumer.h>
#include <clang/AST/ASTContext.h>
#include <clang/AST/Decl.h>
#include <clang/Basic/Diagnostic.h>
#include <clang/Basic/FileManager.h>
#include <clang/Basic/SourceManager.h>
#include <clang/Frontend/CompilerInstance.h>
#include <clang/Frontend/FrontendAction.h>
#include <clang/Tooling/ArgumentsAdjusters.h>
#include <clang/Tooling/CompilationDatabase.h>
#include <clang/Tooling/Tooling.h>
#include <llvm/ADT/SmallString.h>
#include <llvm/Support/FileSystem.h>
#include <llvm/Support/Path.h>
#include <llvm/Support/VirtualFileSystem.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>
#include <tuple>

#include "Check.h"
#include "Lint.h"
#include "Module.h"

namespace weft::analyzer {
namespace {

using nlohmann::json;

struct TuResult {
  bool parsed = false;
  std::vector<std::string> errors;  // first few compiler errors, "file:line:col: message"
  unsigned errorCount = 0;
  std::vector<Finding> findings;
  std::vector<std::pair<std::string, json>> summaries;  // check id -> summary
};

// Collects compiler errors instead of printing them: a TU that does not parse is reported once,
// naming the file and its first errors.
class ErrorCollector : public clang::DiagnosticConsumer {
 public:
  explicit ErrorCollector(TuResult& r) : r_(r) {}
  void HandleDiagnostic(clang::DiagnosticsEngine::Level level,
                        const clang::Diagnostic& info) override {
    DiagnosticConsumer::HandleDiagnostic(level, info);
    if (level < clang::DiagnosticsEngine::Error) return;
    ++r_.errorCount;
    if (r_.errors.size() >= 3) return;
    llvm::SmallString<160> msg;
    info.FormatDiagnostic(msg);
    std::string where;
    if (info.hasSourceManager() && info.getLocation().isValid()) {
      clang::PresumedLoc p = info.getSourceManager().getPresumedLoc(
          info.getSourceManager().getFileLoc(info.getLocation()));
      if (p.isValid())
        where = std::string(p.getFilename()) + ":" + std::to_string(p.getLine()) + ":" +
                std::to_string(p.getColumn()) + ": ";
    }
    r_.errors.push_back(where + std::string(msg.str()));
  }

 private:
  TuResult& r_;
};

class LintConsumer : public clang::ASTConsumer {
 public:
  LintConsumer(const std::vector<const CheckInfo*>& checks,
               const std::map<std::string, std::string>* options, bool wantSummaries,
               TuResult& r, const clang::SourceManager& sm)
      : infos_(checks), ctx_(options), wantSummaries_(wantSummaries), r_(r), sm_(sm) {}

  // With FrontendOptions::SkipFunctionBodies on (LintAction), the parser asks here for every
  // function body: bodies in system headers are skipped (never matched, never reported; Sema
  // still parses constexpr functions and those with deduced return types). This is most of the
  // parsing and template instantiation time of a TU that includes the standard library.
  bool shouldSkipFunctionBody(clang::Decl* d) override {
    clang::SourceLocation loc = d->getLocation();
    return loc.isValid() && sm_.isInSystemHeader(sm_.getExpansionLoc(loc));
  }

  void HandleTranslationUnit(clang::ASTContext& ast) override {
    // An AST with errors has holes; checks on it would guess. The TU is listed as failed.
    if (ast.getDiagnostics().hasErrorOccurred()) return;
    r_.parsed = true;
    ctx_.setAST(&ast);
    // Match only the user's code: system headers are never reported, and skipping them is most
    // of the matching time (libstdc++ is large).
    const clang::SourceManager& sm = ast.getSourceManager();
    std::vector<clang::Decl*> scope;
    for (clang::Decl* d : ast.getTranslationUnitDecl()->decls()) {
      clang::SourceLocation loc = d->getLocation();
      if (loc.isValid() && sm.isInSystemHeader(sm.getExpansionLoc(loc))) continue;
      scope.push_back(d);
    }
    ast.setTraversalScope(scope);
    clang::ast_matchers::MatchFinder finder;
    std::vector<std::unique_ptr<Check>> checks;
    for (const CheckInfo* info : infos_) {
      checks.push_back(info->make(ctx_));
      checks.back()->registerMatchers(&finder);
    }
    finder.matchAST(ast);
    for (auto& c : checks) c->onEndOfTranslationUnit(ast);
    if (wantSummaries_) {
      for (auto& c : checks) {
        json j;
        if (c->summarize(ast, j)) r_.summaries.emplace_back(c->id(), std::move(j));
      }
    }
    r_.findings = std::move(ctx_.findings());
  }

 private:
  const std::vector<const CheckInfo*>& infos_;
  CheckContext ctx_;
  bool wantSummaries_;
  TuResult& r_;
  const clang::SourceManager& sm_;
};

class LintAction : public clang::ASTFrontendAction {
 public:
  LintAction(const std::vector<const CheckInfo*>& checks,
             const std::map<std::string, std::string>* options, bool wantSummaries, TuResult& r)
      : checks_(checks), options_(options), wantSummaries_(wantSummaries), r_(r) {}
  std::unique_ptr<clang::ASTConsumer> CreateASTConsumer(clang::CompilerInstance& ci,
                                                        llvm::StringRef) override {
    ci.getFrontendOpts().SkipFunctionBodies = true;  // LintConsumer::shouldSkipFunctionBody
    return std::make_unique<LintConsumer>(checks_, options_, wantSummaries_, r_,
                                          ci.getSourceManager());
  }

 private:
  const std::vector<const CheckInfo*>& checks_;
  const std::map<std::string, std::string>* options_;
  bool wantSummaries_;
  TuResult& r_;
};

std::string absolutePath(const std::string& p) {
  llvm::SmallString<256> s(p);
  llvm::sys::fs::make_absolute(s);
  llvm::sys::path::remove_dots(s, true);
  return std::string(s.str());
}

std::string fnv1a(const std::string& s) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

std::string basenameOf(const std::string& p) { return std::string(llvm::sys::path::filename(p)); }

// Parses one TU and runs the checks on it.
void analyse(const std::string& file, const clang::tooling::CompileCommand& cmd,
             const LintOptions& opt, const std::vector<const CheckInfo*>& checks,
             bool wantSummaries, TuResult& r) {
  using namespace clang::tooling;
  std::vector<std::string> args = cmd.CommandLine;
  args = getClangSyntaxOnlyAdjuster()(args, file);
  args = getClangStripOutputAdjuster()(args, file);
  args = getClangStripDependencyFileAdjuster()(args, file);
  // -fno-caret-diagnostics: compiler errors are collected (ErrorCollector) and reported once per
  // file; it also stops clang printing its own "N errors generated." line.
  std::vector<std::string> extra = {"-w", "-fno-caret-diagnostics",
                                    "-resource-dir=" WEFT_CLANG_RESOURCE_DIR};
  // With a compilation database, `--` arguments are appended too (like clang-tidy --extra-arg).
  if (!opt.buildDir.empty()) extra.insert(extra.end(), opt.extraArgs.begin(), opt.extraArgs.end());
  args = getInsertArgumentAdjuster(extra, ArgumentInsertPosition::END)(args, file);

  llvm::IntrusiveRefCntPtr<llvm::vfs::FileSystem> fs(llvm::vfs::createPhysicalFileSystem());
  fs->setCurrentWorkingDirectory(cmd.Directory);
  llvm::IntrusiveRefCntPtr<clang::FileManager> files(
      new clang::FileManager(clang::FileSystemOptions(), fs));
  ErrorCollector errors(r);
  ToolInvocation invocation(args,
                            std::make_unique<LintAction>(checks, &opt.checkOptions,
                                                         wantSummaries, r),
                            files.get());
  invocation.setDiagnosticConsumer(&errors);
  invocation.run();
  if (!r.parsed && r.errors.empty()) r.errors.push_back("the compiler could not run");
}

// Why `path` cannot be written to, or "" when it can. Checked before the analysis, so that a bad
// --sarif-output path fails at once rather than after minutes of parsing, and nothing is created.
std::string unwritableReason(const std::string& path) {
  namespace fs = std::filesystem;
  if (path.empty()) return "empty path";
  std::error_code ec;
  fs::file_status st = fs::status(path, ec);
  if (fs::is_directory(st)) return "it is a directory";
  if (fs::exists(st)) return ::access(path.c_str(), W_OK) == 0 ? "" : std::strerror(errno);
  fs::path dir = fs::path(path).parent_path();
  if (dir.empty()) dir = ".";
  fs::file_status ds = fs::status(dir, ec);
  if (!fs::exists(ds)) return "no directory '" + dir.string() + "'";
  if (!fs::is_directory(ds)) return "'" + dir.string() + "' is not a directory";
  if (::access(dir.c_str(), W_OK) != 0) return std::strerror(errno);
  return "";
}

bool isCxxSource(const std::string& f) {
  std::string ext = std::string(llvm::sys::path::extension(f));
  return ext != ".c";
}

}  // namespace

int runLint(const LintOptions& opt) {
  auto t0 = std::chrono::steady_clock::now();
  std::string cwd = std::filesystem::current_path().string();

  std::vector<const CheckInfo*> checks;
  for (const CheckInfo& c : registeredChecks())
    if (checkEnabled(opt.checks, c.id)) checks.push_back(&c);
  if (checks.empty()) {
    std::fprintf(stderr,
                 "weft lint: --checks='%s' enables no check (see 'weft lint --list-checks')\n",
                 opt.checks.c_str());
    return 2;
  }

  if (!opt.sarifOutput.empty()) {
    std::string why = unwritableReason(opt.sarifOutput);
    if (!why.empty()) {
      std::fprintf(stderr, "weft lint: cannot write --sarif-output file '%s': %s\n",
                   opt.sarifOutput.c_str(), why.c_str());
      return 2;
    }
  }

  // ---- compilation database ----
  std::unique_ptr<clang::tooling::CompilationDatabase> db;
  std::string dbNote;
  if (!opt.buildDir.empty()) {
    std::string err;
    db = clang::tooling::CompilationDatabase::loadFromDirectory(opt.buildDir, err);
    if (!db) {
      std::fprintf(stderr,
                   "weft lint: no compile_commands.json in '%s' (configure with "
                   "-DCMAKE_EXPORT_COMPILE_COMMANDS=ON, or pass flags after --)\n",
                   opt.buildDir.c_str());
      return 2;
    }
    db = clang::tooling::inferMissingCompileCommands(std::move(db));
  } else if (opt.haveExtraArgs) {
    db = std::make_unique<clang::tooling::FixedCompilationDatabase>(".", opt.extraArgs);
  } else if (!opt.files.empty()) {
    std::string err;
    db = clang::tooling::CompilationDatabase::autoDetectFromSource(absolutePath(opt.files[0]),
                                                                   err);
    if (db) {
      db = clang::tooling::inferMissingCompileCommands(std::move(db));
    } else {
      db = std::make_unique<clang::tooling::FixedCompilationDatabase>(
          ".", std::vector<std::string>{});
      dbNote = " (no compile_commands.json found: analysed without flags; pass -p BUILD_DIR or "
               "flags after --)";
    }
  }

  // ---- files ----
  std::vector<std::string> files;
  bool mergeOnly = !opt.mergeSummaries.empty();
  if (!mergeOnly) {
    if (opt.files.empty()) {
      if (!db) {
        std::fprintf(stderr,
                     "weft lint: no input files (give FILES or -p BUILD_DIR; see 'weft lint "
                     "--help')\n");
        return 2;
      }
      files = db->getAllFiles();
    } else {
      for (const std::string& f : opt.files) {
        if (!std::filesystem::is_regular_file(f)) {
          std::fprintf(stderr, "weft lint: no such file '%s'\n", f.c_str());
          return 2;
        }
        files.push_back(absolutePath(f));
      }
    }
    std::sort(files.begin(), files.end());
    files.erase(std::unique(files.begin(), files.end()), files.end());
    if (opt.shardCount > 1) {
      std::vector<std::string> mine;
      for (size_t i = 0; i < files.size(); ++i)
        if (i % opt.shardCount == opt.shardIndex) mine.push_back(files[i]);
      files = std::move(mine);
    }
  }

  // ---- phase 1: every TU, in parallel ----
  bool writeSummaries = !opt.summariesDir.empty();
  if (writeSummaries) {
    std::error_code ec;
    std::filesystem::create_directories(opt.summariesDir, ec);
    if (ec) {
      std::fprintf(stderr, "weft lint: cannot create --summaries-dir '%s': %s\n",
                   opt.summariesDir.c_str(), ec.message().c_str());
      return 2;
    }
  }
  std::vector<TuResult> results(files.size());
  unsigned jobs = opt.jobs ? opt.jobs : std::max(1u, std::thread::hardware_concurrency());
  jobs = std::min<unsigned>(jobs, std::max<size_t>(1, files.size()));
  std::atomic<size_t> next{0};
  std::atomic<size_t> done{0};
  std::mutex progressMutex;
  bool showProgress = opt.progress && files.size() > 1 && isatty(2);
  auto worker = [&] {
    for (size_t i = next++; i < files.size(); i = next++) {
      const std::string& f = files[i];
      std::vector<clang::tooling::CompileCommand> cmds = db->getCompileCommands(f);
      clang::tooling::CompileCommand cmd;
      if (!cmds.empty()) {
        cmd = cmds.front();
      } else {
        cmd.Directory = cwd;
        cmd.Filename = f;
        cmd.CommandLine = {isCxxSource(f) ? "clang++" : "clang", f};
      }
      analyse(f, cmd, opt, checks, true, results[i]);
      size_t n = ++done;
      if (showProgress) {
        std::lock_guard<std::mutex> lock(progressMutex);
        std::fprintf(stderr, "\r\033[K[%zu/%zu] %s", n, files.size(),
                     displayPath(f, cwd).c_str());
        std::fflush(stderr);
      }
    }
  };
  std::vector<std::thread> pool;
  for (unsigned j = 1; j < jobs; ++j) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
  if (showProgress) std::fprintf(stderr, "\r\033[K");

  std::vector<Finding> findings;
  std::vector<std::string> failed;
  for (size_t i = 0; i < files.size(); ++i) {
    TuResult& r = results[i];
    if (!r.parsed) {
      std::string msg = displayPath(files[i], cwd) + ": could not be parsed";
      for (const std::string& e : r.errors) msg += "\n    " + e;
      if (r.errorCount > r.errors.size())
        msg += "\n    ... and " + std::to_string(r.errorCount - r.errors.size()) + " more errors";
      failed.push_back(msg);
      continue;
    }
    for (Finding& f : r.findings) findings.push_back(std::move(f));
  }

  // ---- summaries: write them, or merge them (phase 2) ----
  std::map<std::string, std::vector<json>> byCheck;  // check id -> summaries in file order
  if (writeSummaries) {
    for (size_t i = 0; i < files.size(); ++i) {
      if (results[i].summaries.empty()) continue;
      json doc = {{"version", 1}, {"file", files[i]}, {"checks", json::object()}};
      for (auto& [id, s] : results[i].summaries) doc["checks"][id] = s;
      std::string path = opt.summariesDir + "/" + basenameOf(files[i]) + "." +
                         fnv1a(files[i]).substr(0, 12) + ".json";
      std::ofstream out(path);
      out << doc.dump() << "\n";
      if (!out) {
        std::fprintf(stderr, "weft lint: cannot write summary '%s'\n", path.c_str());
        return 2;
      }
    }
  } else if (mergeOnly) {
    std::vector<std::filesystem::path> paths;
    std::error_code ec;
    for (auto& e : std::filesystem::directory_iterator(opt.mergeSummaries, ec))
      if (e.path().extension() == ".json") paths.push_back(e.path());
    if (ec) {
      std::fprintf(stderr, "weft lint: cannot read --merge-summaries directory '%s': %s\n",
                   opt.mergeSummaries.c_str(), ec.message().c_str());
      return 2;
    }
    std::sort(paths.begin(), paths.end());
    for (auto& p : paths) {
      std::ifstream in(p);
      json doc = json::parse(in, nullptr, /*allow_exceptions=*/false);
      if (doc.is_discarded() || !doc.is_object() || !doc.contains("checks") ||
          !doc["checks"].is_object()) {
        std::fprintf(stderr, "weft lint: '%s' is not a weft lint summary (delete it and rerun)\n",
                     p.string().c_str());
        return 2;
      }
      for (auto& [id, s] : doc["checks"].items()) byCheck[id].push_back(s);
    }
  } else {
    for (auto& r : results)
      for (auto& [id, s] : r.summaries) byCheck[id].push_back(std::move(s));
  }
  if (!writeSummaries) {
    std::map<std::string, std::string> noOptions;
    for (const CheckInfo* info : checks) {
      auto it = byCheck.find(info->id);
      if (it == byCheck.end()) continue;
      std::vector<const json*> ptrs;
      for (const json& j : it->second) ptrs.push_back(&j);
      CheckContext ctx(&opt.checkOptions);
      std::unique_ptr<Check> c = info->make(ctx);
      c->mergeSummaries(ptrs);
      for (Finding& f : ctx.findings()) findings.push_back(std::move(f));
    }
  }

  // ---- filter, order, fix, print ----
  auto key = [](const Finding& f) {
    return std::tie(f.where.file, f.where.line, f.where.column, f.check, f.message);
  };
  std::sort(findings.begin(), findings.end(),
            [&](const Finding& a, const Finding& b) { return key(a) < key(b); });
  findings.erase(std::unique(findings.begin(), findings.end(),
                             [&](const Finding& a, const Finding& b) { return key(a) == key(b); }),
                 findings.end());
  findings = applyNolint(std::move(findings));

  if (opt.format == "json") {
    writeJson(findings, cwd);
  } else if (opt.format == "sarif") {
    writeSarif(findings, cwd);
  } else {
    writeText(findings, cwd, isatty(1));
  }
  if (!opt.sarifOutput.empty() && !writeSarifFile(findings, cwd, opt.sarifOutput)) {
    std::fprintf(stderr, "weft lint: cannot write --sarif-output file '%s'\n",
                 opt.sarifOutput.c_str());
    return 2;
  }
  if (!opt.exportFixes.empty() && !writeExportFixes(findings, opt.exportFixes)) {
    std::fprintf(stderr, "weft lint: cannot write --export-fixes file '%s'\n",
                 opt.exportFixes.c_str());
    return 2;
  }
  int fixed = opt.fix ? applyFixes(findings) : 0;

  for (const std::string& f : failed) std::fprintf(stderr, "weft lint: error: %s\n", f.c_str());
  if (!failed.empty() && !dbNote.empty()) std::fprintf(stderr, "weft lint: note:%s\n", dbNote.c_str());
  if (!opt.quiet) {
    std::map<std::string, int> perCheck;
    for (const Finding& f : findings) ++perCheck[f.check];
    std::string detail;
    for (auto& [id, n] : perCheck)
      detail += (detail.empty() ? "" : ", ") + id + ": " + std::to_string(n);
    double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::fprintf(stderr, "weft lint: %zu file%s, %zu finding%s%s%s%s", files.size(),
                 files.size() == 1 ? "" : "s", findings.size(), findings.size() == 1 ? "" : "s",
                 detail.empty() ? "" : " (", detail.c_str(), detail.empty() ? "" : ")");
    if (opt.fix) std::fprintf(stderr, ", %d fixed", fixed);
    if (!failed.empty()) std::fprintf(stderr, ", %zu not parsed", failed.size());
    std::fprintf(stderr, " in %.2f s\n", secs);
  }
  if (!failed.empty()) return 2;
  return findings.empty() ? 0 : 1;
}

}  // namespace weft::analyzer
