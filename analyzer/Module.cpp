// The table of checks: one include and one entry per check, each list in alphabetical order of
// the check's id (scripts/add-check.py inserts new ones in place).
#include "Module.h"

#include <algorithm>

#include "Check.h"
// checks: begin includes
#include "checks/BlockingInCoroutineCheck.h"
#include "checks/DiscardedAwaitableCheck.h"
#include "checks/EventAsConditionCheck.h"
#include "checks/LockAcrossSuspendCheck.h"
#include "checks/LockOrderInversionCheck.h"
#include "checks/LockReentryCheck.h"
#include "checks/WaitNotInLoopCheck.h"
#include "checks/WaitWithoutLockCheck.h"
// checks: end includes

namespace weft::analyzer {

namespace {
template <class T>
CheckInfo entry() {
  return {T::kId, T::kSummary,
          [](CheckContext& ctx) -> std::unique_ptr<Check> { return std::make_unique<T>(T::kId, ctx); }};
}
}  // namespace

const std::vector<CheckInfo>& registeredChecks() {
  static const std::vector<CheckInfo> checks = [] {
    std::vector<CheckInfo> v = {
        // checks: begin entries
        entry<BlockingInCoroutineCheck>(),
        entry<DiscardedAwaitableCheck>(),
        entry<EventAsConditionCheck>(),
        entry<LockAcrossSuspendCheck>(),
        entry<LockOrderInversionCheck>(),
        entry<LockReentryCheck>(),
        entry<NotifyWithoutLockCheck>(),
        entry<WaitNotInLoopCheck>(),
        entry<WaitWithoutLockCheck>(),
        // checks: end entries
    };
    std::sort(v.begin(), v.end(), [](const CheckInfo& a, const CheckInfo& b) { return a.id < b.id; });
    return v;
  }();
  return checks;
}

static bool globMatch(const char* g, const char* s) {
  if (*g == 0) return *s == 0;
  if (*g == '*') return globMatch(g + 1, s) || (*s != 0 && globMatch(g, s + 1));
  return *s != 0 && *g == *s && globMatch(g + 1, s + 1);
}

bool checkEnabled(const std::string& globs, const std::string& id) {
  if (globs.empty()) return true;
  // A list that starts by disabling something starts from "everything enabled".
  bool enabled = globs.find_first_not_of(" \t") != std::string::npos &&
                 globs[globs.find_first_not_of(" \t")] == '-';
  size_t pos = 0;
  while (pos <= globs.size()) {
    size_t comma = globs.find(',', pos);
    if (comma == std::string::npos) comma = globs.size();
    std::string g = globs.substr(pos, comma - pos);
    g.erase(0, g.find_first_not_of(" \t"));
    g.erase(g.find_last_not_of(" \t") + 1);
    bool negative = !g.empty() && g[0] == '-';
    if (negative) g.erase(0, 1);
    if (!g.empty() && globMatch(g.c_str(), id.c_str())) enabled = !negative;
    pos = comma + 1;
  }
  return enabled;
}

}  // namespace weft::analyzer
