// LockReentryCheck: adapts the lock facts (LockModel.h, LockSummary.h) to the lint framework.
#include "LockReentryCheck.h"

#include "LockCheckCommon.h"
#include "LockModel.h"

namespace weft::analyzer {

void LockReentryCheck::report(const std::vector<locks::Finding>& findings) {
  for (const locks::Finding& f : findings) {
    DiagBuilder d = diag(lockcheck::point(f.site), f.message);
    for (const locks::Note& n : f.notes) d.note(lockcheck::point(n.site), n.message, n.step);
  }
}

// Findings visible inside this TU alone (the only ones when --summaries-dir defers the merge).
void LockReentryCheck::onEndOfTranslationUnit(clang::ASTContext& ctx) {
  report(locks::findReentries(locks::tuFacts(ctx)));
}

bool LockReentryCheck::summarize(clang::ASTContext& ctx, nlohmann::json& out) {
  out = locks::toJson(locks::tuFacts(ctx));
  return true;
}

// Findings that need several TUs: calls into functions defined elsewhere, orders taken in
// different files. Those already reported by a TU are dropped by the driver.
void LockReentryCheck::mergeSummaries(const std::vector<const nlohmann::json*>& summaries) {
  report(locks::findReentries(lockcheck::merged(summaries)));
}

}  // namespace weft::analyzer
