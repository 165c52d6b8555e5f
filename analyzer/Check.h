// The base class of every `weft lint` check, in the shape of clang-tidy's ClangTidyCheck:
//
//   class WaitNotInLoopCheck : public Check {
//    public:
//     static constexpr const char* kId = "wait-not-in-loop";
//     static constexpr const char* kSummary = "Finds condition waits not in a re-checking loop.";
//     using Check::Check;
//     void registerMatchers(clang::ast_matchers::MatchFinder* finder) override;
//     void check(const clang::ast_matchers::MatchFinder::MatchResult& result) override;
//   };
//
// One instance of each enabled check is made per translation unit (so checks may keep per-TU
// state in members without locking; TUs run in parallel on different instances). Findings go
// through diag(), which returns a builder for notes and fix-its. Whole-TU passes override
// onEndOfTranslationUnit(). Cross-TU analyses (see README.md) override summarize() and
// mergeSummaries().
#pragma once

#include <clang/ASTMatchers/ASTMatchFinder.h>
#include <clang/Basic/SourceLocation.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "Finding.h"

namespace clang {
class ASTContext;
class FixItHint;
class SourceManager;
}  // namespace clang

namespace weft::analyzer {

// Where a check's findings go, and the options the user gave (`--option=ID.KEY=VALUE`).
// One per translation unit; owned by the driver.
class CheckContext {
 public:
  explicit CheckContext(const std::map<std::string, std::string>* options) : options_(options) {}

  // The TU being analysed; null in the merge phase.
  clang::ASTContext* ast() const { return ast_; }
  void setAST(clang::ASTContext* ast) { ast_ = ast; }

  // Value of option "<id>.<key>", or `fallback`.
  std::string option(const std::string& id, const std::string& key,
                     const std::string& fallback) const;

  // Converts a location to a file point: macro locations go to their expansion; returns false
  // for invalid locations and for locations inside system headers (never reported).
  bool resolve(clang::SourceLocation loc, SourcePoint& out, bool allowSystem = false) const;

  std::vector<Finding>& findings() { return findings_; }

 private:
  const std::map<std::string, std::string>* options_;
  clang::ASTContext* ast_ = nullptr;
  std::vector<Finding> findings_;
};

// Builds one finding; it is recorded when the builder is destroyed (end of the statement).
// If the primary location is invalid or inside a system header, everything is dropped.
class DiagBuilder {
 public:
  DiagBuilder(CheckContext& ctx, Finding finding, bool valid);
  DiagBuilder(DiagBuilder&&) = delete;
  ~DiagBuilder();

  // Adds "note: message" at `loc` (e.g. where the lock was first taken). `step` marks the note
  // as one step of a path (call chain), shown as a SARIF codeFlow.
  DiagBuilder& note(clang::SourceLocation loc, const std::string& message, bool step = false);
  DiagBuilder& note(const SourcePoint& where, const std::string& message, bool step = false);
  // Adds a fix-it edit. All edits of one finding are applied together by --fix; an edit that
  // cannot be expressed in a file (inside a macro) drops the whole fix, never half of it.
  DiagBuilder& fix(const clang::FixItHint& hint);
  DiagBuilder& fix(const Edit& edit);

 private:
  CheckContext& ctx_;
  Finding finding_;
  bool valid_;
  bool fixBroken_ = false;
};

class Check : public clang::ast_matchers::MatchFinder::MatchCallback {
 public:
  Check(std::string id, CheckContext& ctx) : id_(std::move(id)), ctx_(ctx) {}
  ~Check() override = default;

  const std::string& id() const { return id_; }

  // Adds this check's matchers; `this` is the callback. Called once per TU, before parsing.
  virtual void registerMatchers(clang::ast_matchers::MatchFinder* finder) = 0;
  // Called for every match of a matcher registered with `this`.
  virtual void check(const clang::ast_matchers::MatchFinder::MatchResult& result) {}
  // Called once after all matches of the TU: whole-TU passes (call graphs, summaries).
  virtual void onEndOfTranslationUnit(clang::ASTContext& ctx) {}
  using MatchCallback::onEndOfTranslationUnit;  // MatchFinder's own no-argument hook

  // Cross-TU analysis, phase 1: after onEndOfTranslationUnit, fill `out` with this TU's summary
  // (any JSON; file paths in it should be absolute) and return true, or return false for none.
  // The driver keeps it in memory, or writes it to --summaries-dir.
  virtual bool summarize(clang::ASTContext& ctx, nlohmann::json& out) { return false; }
  // Cross-TU analysis, phase 2: called once on a fresh instance (ast() is null) with the
  // summaries of every TU, in a deterministic order. Report with diag(SourcePoint, ...).
  // Findings identical to a phase-1 finding are reported once.
  virtual void mergeSummaries(const std::vector<const nlohmann::json*>& summaries) {}

  // Option "<id>.<key>" from the command line, or `fallback`.
  std::string option(const std::string& key, const std::string& fallback = {}) const {
    return ctx_.option(id_, key, fallback);
  }

 protected:
  // Reports "warning: message [id]" at `loc`.
  DiagBuilder diag(clang::SourceLocation loc, const std::string& message);
  // The same for the merge phase, where there are no SourceLocations.
  DiagBuilder diag(const SourcePoint& where, const std::string& message);
  CheckContext& context() const { return ctx_; }

 private:
  void run(const clang::ast_matchers::MatchFinder::MatchResult& result) final { check(result); }

  std::string id_;
  CheckContext& ctx_;
};

}  // namespace weft::analyzer
