// The Check base class: locations to file points, the diagnostic builder.
#include "Check.h"

#include <clang/AST/ASTContext.h>
#include <clang/Basic/SourceManager.h>
#include <clang/Lex/Lexer.h>
#include <llvm/ADT/SmallString.h>
#include <llvm/Support/Path.h>

namespace weft::analyzer {

std::string CheckContext::option(const std::string& id, const std::string& key,
                                 const std::string& fallback) const {
  if (!options_) return fallback;
  auto it = options_->find(id + "." + key);
  return it == options_->end() ? fallback : it->second;
}

static bool fileAndOffset(const clang::SourceManager& sm, clang::SourceLocation loc,
                          std::string& file, unsigned& offset) {
  auto [fid, off] = sm.getDecomposedLoc(loc);
  auto entry = sm.getFileEntryRefForID(fid);
  if (!entry) return false;
  llvm::SmallString<256> path(entry->getName());
  sm.getFileManager().makeAbsolutePath(path);
  llvm::sys::path::remove_dots(path, /*remove_dot_dot=*/true);
  file = std::string(path.str());
  offset = off;
  return true;
}

bool CheckContext::resolve(clang::SourceLocation loc, SourcePoint& out, bool allowSystem) const {
  if (!ast_ || loc.isInvalid()) return false;
  const clang::SourceManager& sm = ast_->getSourceManager();
  clang::SourceLocation fileLoc = sm.getFileLoc(loc);
  if (fileLoc.isInvalid()) return false;
  if (!allowSystem && sm.isInSystemHeader(fileLoc)) return false;
  unsigned offset = 0;
  if (!fileAndOffset(sm, fileLoc, out.file, offset)) return false;
  out.line = sm.getSpellingLineNumber(fileLoc);
  out.column = sm.getSpellingColumnNumber(fileLoc);
  return true;
}

DiagBuilder::DiagBuilder(CheckContext& ctx, Finding finding, bool valid)
    : ctx_(ctx), finding_(std::move(finding)), valid_(valid) {}

DiagBuilder::~DiagBuilder() {
  if (!valid_) return;
  if (fixBroken_) finding_.fixes.clear();
  ctx_.findings().push_back(std::move(finding_));
}

DiagBuilder& DiagBuilder::note(clang::SourceLocation loc, const std::string& message,
                               bool step) {
  SourcePoint where;
  // Notes may point into system headers (e.g. a declaration); an unresolvable one is dropped.
  if (ctx_.resolve(loc, where, /*allowSystem=*/true)) finding_.notes.push_back({where, message, step});
  return *this;
}

DiagBuilder& DiagBuilder::note(const SourcePoint& where, const std::string& message, bool step) {
  finding_.notes.push_back({where, message, step});
  return *this;
}

DiagBuilder& DiagBuilder::fix(const Edit& edit) {
  finding_.fixes.push_back(edit);
  return *this;
}

DiagBuilder& DiagBuilder::fix(const clang::FixItHint& hint) {
  if (!ctx_.ast()) {
    fixBroken_ = true;
    return *this;
  }
  const clang::SourceManager& sm = ctx_.ast()->getSourceManager();
  clang::CharSourceRange range = clang::Lexer::makeFileCharRange(
      hint.RemoveRange, sm, ctx_.ast()->getLangOpts());
  if (range.isInvalid() || sm.isInSystemHeader(range.getBegin())) {
    fixBroken_ = true;
    return *this;
  }
  Edit edit;
  unsigned beginOffset = 0, endOffset = 0;
  std::string endFile;
  if (!fileAndOffset(sm, range.getBegin(), edit.file, beginOffset) ||
      !fileAndOffset(sm, range.getEnd(), endFile, endOffset) || endFile != edit.file ||
      endOffset < beginOffset) {
    fixBroken_ = true;
    return *this;
  }
  edit.offset = beginOffset;
  edit.length = endOffset - beginOffset;
  edit.text = hint.CodeToInsert;
  edit.begin = {edit.file, sm.getSpellingLineNumber(range.getBegin()),
                sm.getSpellingColumnNumber(range.getBegin())};
  edit.end = {edit.file, sm.getSpellingLineNumber(range.getEnd()),
              sm.getSpellingColumnNumber(range.getEnd())};
  finding_.fixes.push_back(std::move(edit));
  return *this;
}

DiagBuilder Check::diag(clang::SourceLocation loc, const std::string& message) {
  Finding f;
  f.check = id_;
  f.message = message;
  bool valid = ctx_.resolve(loc, f.where);
  return DiagBuilder(ctx_, std::move(f), valid);
}

DiagBuilder Check::diag(const SourcePoint& where, const std::string& message) {
  Finding f;
  f.check = id_;
  f.message = message;
  f.where = where;
  return DiagBuilder(ctx_, std::move(f), !where.file.empty());
}

}  // namespace weft::analyzer
