// LockOrderInversionCheck: adapts the lock facts (LockModel.h, LockSummary.h) to the lint
// framework.
#include "LockOrderInversionCheck.h"

#include <clang/AST/Stmt.h>

#include "ElementOrder.h"
#include "LockCheckCommon.h"
#include "LockModel.h"

namespace weft::analyzer {

void LockOrderInversionCheck::report(const std::vector<locks::Finding>& findings) {
  for (const locks::Finding& f : findings) {
    DiagBuilder d = diag(lockcheck::point(f.site), f.message);
    for (const locks::Note& n : f.notes) d.note(lockcheck::point(n.site), n.message, n.step);
  }
}

// Findings visible inside this TU alone (the only ones when --summaries-dir defers the merge).
void LockOrderInversionCheck::onEndOfTranslationUnit(clang::ASTContext& ctx) {
  report(locks::findOrderInversions(locks::tuFacts(ctx)));
  // Orders between elements of one container of locks (ElementOrder.h).
  for (const locks::ElementFinding& f : locks::findElementOrderInversions(ctx)) {
    DiagBuilder d = diag(f.acquire->getBeginLoc(), f.message);
    if (f.other) d.note(f.other->getBeginLoc(), f.note);
  }
}

bool LockOrderInversionCheck::summarize(clang::ASTContext& ctx, nlohmann::json& out) {
  out = locks::toJson(locks::tuFacts(ctx));
  return true;
}

// Findings that need several TUs: calls into functions defined elsewhere, orders taken in
// different files. Those already reported by a TU are dropped by the driver.
void LockOrderInversionCheck::mergeSummaries(const std::vector<const nlohmann::json*>& summaries) {
  report(locks::findOrderInversions(lockcheck::merged(summaries)));
}

}  // namespace weft::analyzer
