// Per-object statistics (see trace_stats.hpp).
#include "weft/runtime/trace_stats.hpp"

#include <algorithm>
#include <map>
#include <unordered_map>
#include <utility>

namespace weft::trace {

namespace {
bool holds_exclusively(rt::ObjKind k) {
  switch (k) {
    case rt::ObjKind::Lock:
    case rt::ObjKind::RLock:
    case rt::ObjKind::Mutex:
    case rt::ObjKind::RecursiveMutex:
    case rt::ObjKind::RWLock:
    case rt::ObjKind::SpinLock:
    case rt::ObjKind::Unknown:
      return true;
    default:
      return false;
  }
}
}  // namespace

std::vector<ObjectStats> compute_stats(const Trace& t) {
  std::unordered_map<rt::ObjId, rt::ObjKind> kinds;
  for (const auto& o : t.objects) kinds[o.id] = o.kind;
  auto kind_of = [&](rt::ObjId id) {
    auto it = kinds.find(id);
    return it == kinds.end() ? rt::ObjKind::Unknown : it->second;
  };
  std::map<rt::ObjId, ObjectStats> stats;
  std::map<std::pair<std::uint32_t, rt::ObjId>, std::uint64_t> acquiring, waiting, holding;
  auto add_wait = [](ObjectStats& s, std::uint64_t ns) {
    s.wait_total_ns += ns;
    s.wait_max_ns = std::max(s.wait_max_ns, ns);
  };
  auto add_hold = [](ObjectStats& s, std::uint64_t ns) {
    s.hold_total_ns += ns;
    s.hold_max_ns = std::max(s.hold_max_ns, ns);
  };
  for (const auto& e : t.events) {
    if (e.obj == 0) continue;
    auto key = std::make_pair(e.thread, e.obj);
    switch (e.kind) {
      case rt::Ev::AcquireBegin:
        stats[e.obj].contentions++;
        acquiring[key] = e.ts_ns;
        break;
      case rt::Ev::Acquired: {
        ObjectStats& s = stats[e.obj];
        s.object = e.obj;
        s.acquisitions++;
        if (auto it = acquiring.find(key); it != acquiring.end()) {
          add_wait(s, e.ts_ns - it->second);
          acquiring.erase(it);
        }
        if (holds_exclusively(kind_of(e.obj))) holding.emplace(key, e.ts_ns);  // keeps the first
        break;
      }
      case rt::Ev::AcquireFailed: {
        ObjectStats& s = stats[e.obj];
        s.failed++;
        if (e.arg == 1) s.timeouts++;
        if (auto it = acquiring.find(key); it != acquiring.end()) {
          add_wait(s, e.ts_ns - it->second);
          acquiring.erase(it);
        }
        break;
      }
      case rt::Ev::Release: {
        rt::ObjKind k = kind_of(e.obj);
        if (!holds_exclusively(k) || (rt::is_reentrant(k) && e.arg > 0)) break;
        auto it = holding.find(key);
        if (it == holding.end()) {  // a Lock released by another thread than its acquirer
          it = std::find_if(holding.begin(), holding.end(),
                            [&](const auto& h) { return h.first.second == e.obj; });
        }
        if (it != holding.end()) {
          add_hold(stats[e.obj], e.ts_ns - it->second);
          holding.erase(it);
        }
        break;
      }
      case rt::Ev::WaitBegin:
        stats[e.obj].waits++;
        waiting[key] = e.ts_ns;
        break;
      case rt::Ev::WaitEnd: {
        ObjectStats& s = stats[e.obj];
        if (e.arg == static_cast<std::uint64_t>(rt::WaitResult::Timeout)) s.timeouts++;
        if (auto it = waiting.find(key); it != waiting.end()) {
          add_wait(s, e.ts_ns - it->second);
          waiting.erase(it);
        }
        break;
      }
      case rt::Ev::Notify:
      case rt::Ev::Set:
        stats[e.obj].notifies++;
        break;
      default:
        break;
    }
  }
  std::uint64_t end = t.events.empty() ? 0 : t.events.back().ts_ns;
  for (const auto& [k, since] : acquiring) add_wait(stats[k.second], end - since);
  for (const auto& [k, since] : waiting) add_wait(stats[k.second], end - since);
  for (const auto& [k, since] : holding) add_hold(stats[k.second], end - since);
  std::vector<ObjectStats> out;
  for (auto& [id, s] : stats) {
    s.object = id;
    out.push_back(s);
  }
  std::stable_sort(out.begin(), out.end(), [](const ObjectStats& a, const ObjectStats& b) {
    if (a.contentions != b.contentions) return a.contentions > b.contentions;
    return a.wait_total_ns > b.wait_total_ns;
  });
  return out;
}

}  // namespace weft::trace
