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
void add_wait(ObjectStats& s, std::uint64_t ns) {
  s.wait_total_ns += ns;
  s.wait_max_ns = std::max(s.wait_max_ns, ns);
}
void add_hold(ObjectStats& s, std::uint64_t ns) {
  s.hold_total_ns += ns;
  s.hold_max_ns = std::max(s.hold_max_ns, ns);
}
}  // namespace

StatsBuilder::StatsBuilder(const Trace& t) {
  for (const auto& o : t.objects) kinds_[o.id] = o.kind;
}

rt::ObjKind StatsBuilder::kind_of(rt::ObjId id) const {
  auto it = kinds_.find(id);
  return it == kinds_.end() ? rt::ObjKind::Unknown : it->second;
}

void StatsBuilder::add(const Event& e) {
  last_ns_ = e.ts_ns;
  if (e.obj == 0) return;
  auto key = std::make_pair(e.thread, e.obj);
  switch (e.kind) {
    case rt::Ev::AcquireBegin:
      stats_[e.obj].contentions++;
      acquiring_[key] = e.ts_ns;
      break;
    case rt::Ev::Acquired: {
      ObjectStats& s = stats_[e.obj];
      s.object = e.obj;
      s.acquisitions++;
      if (auto it = acquiring_.find(key); it != acquiring_.end()) {
        add_wait(s, e.ts_ns - it->second);
        acquiring_.erase(it);
      }
      if (holds_exclusively(kind_of(e.obj))) holding_.emplace(key, e.ts_ns);  // keeps the first
      break;
    }
    case rt::Ev::AcquireFailed: {
      ObjectStats& s = stats_[e.obj];
      s.failed++;
      if (e.arg == 1) s.timeouts++;
      if (auto it = acquiring_.find(key); it != acquiring_.end()) {
        add_wait(s, e.ts_ns - it->second);
        acquiring_.erase(it);
      }
      break;
    }
    case rt::Ev::Release: {
      rt::ObjKind k = kind_of(e.obj);
      if (!holds_exclusively(k) || (rt::is_reentrant(k) && e.arg > 0)) break;
      auto it = holding_.find(key);
      if (it == holding_.end()) {  // a Lock released by another thread than its acquirer
        it = std::find_if(holding_.begin(), holding_.end(),
                          [&](const auto& h) { return h.first.second == e.obj; });
      }
      if (it != holding_.end()) {
        add_hold(stats_[e.obj], e.ts_ns - it->second);
        holding_.erase(it);
      }
      break;
    }
    case rt::Ev::WaitBegin:
      stats_[e.obj].waits++;
      waiting_[key] = e.ts_ns;
      break;
    case rt::Ev::WaitEnd: {
      ObjectStats& s = stats_[e.obj];
      if (e.arg == static_cast<std::uint64_t>(rt::WaitResult::Timeout)) s.timeouts++;
      if (auto it = waiting_.find(key); it != waiting_.end()) {
        add_wait(s, e.ts_ns - it->second);
        waiting_.erase(it);
      }
      break;
    }
    case rt::Ev::Notify:
    case rt::Ev::Set:
      stats_[e.obj].notifies++;
      break;
    default:
      break;
  }
}

std::vector<ObjectStats> StatsBuilder::finish() {
  for (const auto& [k, since] : acquiring_) add_wait(stats_[k.second], last_ns_ - since);
  for (const auto& [k, since] : waiting_) add_wait(stats_[k.second], last_ns_ - since);
  for (const auto& [k, since] : holding_) add_hold(stats_[k.second], last_ns_ - since);
  acquiring_.clear();
  waiting_.clear();
  holding_.clear();
  std::vector<ObjectStats> out;
  for (auto& [id, s] : stats_) {
    s.object = id;
    out.push_back(s);
  }
  std::stable_sort(out.begin(), out.end(), [](const ObjectStats& a, const ObjectStats& b) {
    if (a.contentions != b.contentions) return a.contentions > b.contentions;
    return a.wait_total_ns > b.wait_total_ns;
  });
  return out;
}

std::vector<ObjectStats> compute_stats(const Trace& t) {
  StatsBuilder b(t);
  for (const auto& e : t.events) b.add(e);
  return b.finish();
}

}  // namespace weft::trace
