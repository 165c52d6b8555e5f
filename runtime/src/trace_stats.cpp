// Per-object statistics (see trace_stats.hpp).
#include "weft/runtime/trace_stats.hpp"

#include <algorithm>
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

StatsBuilder::Slot& StatsBuilder::slot(rt::ObjId id) {
  auto [it, fresh] = slots_.try_emplace(id);
  if (fresh) {
    auto k = kinds_.find(id);
    if (k != kinds_.end()) it->second.kind = k->second;
  }
  it->second.used = true;
  return it->second;
}

void StatsBuilder::add(const Event& e) {
  last_ns_ = e.ts_ns;
  if (e.obj == 0) return;
  const Key key{e.thread, e.obj};
  switch (e.kind) {
    case rt::Ev::AcquireBegin:
      slot(e.obj).stats.contentions++;
      acquiring_[key] = e.ts_ns;
      break;
    case rt::Ev::Acquired: {
      Slot& sl = slot(e.obj);
      sl.stats.acquisitions++;
      if (auto it = acquiring_.find(key); it != acquiring_.end()) {
        add_wait(sl.stats, e.ts_ns - it->second);
        acquiring_.erase(it);
      }
      if (holds_exclusively(sl.kind)) holding_.emplace(key, e.ts_ns);  // keeps the first
      break;
    }
    case rt::Ev::AcquireFailed: {
      Slot& sl = slot(e.obj);
      sl.stats.failed++;
      if (e.arg == 1) sl.stats.timeouts++;
      if (auto it = acquiring_.find(key); it != acquiring_.end()) {
        add_wait(sl.stats, e.ts_ns - it->second);
        acquiring_.erase(it);
      }
      break;
    }
    case rt::Ev::Release: {
      auto found = slots_.find(e.obj);
      rt::ObjKind k = found != slots_.end() ? found->second.kind : rt::ObjKind::Unknown;
      if (found == slots_.end()) {
        auto kk = kinds_.find(e.obj);
        if (kk != kinds_.end()) k = kk->second;
      }
      if (!holds_exclusively(k) || (rt::is_reentrant(k) && e.arg > 0)) break;
      auto it = holding_.find(key);
      if (it == holding_.end()) {
        // A Lock released by another thread than its acquirer: the holder with the lowest
        // thread index (rare; a scan).
        for (auto h = holding_.begin(); h != holding_.end(); ++h)
          if (h->first.obj == e.obj && (it == holding_.end() || h->first.thread < it->first.thread))
            it = h;
      }
      if (it != holding_.end()) {
        add_hold(slot(e.obj).stats, e.ts_ns - it->second);
        holding_.erase(it);
      }
      break;
    }
    case rt::Ev::WaitBegin:
      slot(e.obj).stats.waits++;
      waiting_[key] = e.ts_ns;
      break;
    case rt::Ev::WaitEnd: {
      Slot& sl = slot(e.obj);
      if (e.arg == static_cast<std::uint64_t>(rt::WaitResult::Timeout)) sl.stats.timeouts++;
      if (auto it = waiting_.find(key); it != waiting_.end()) {
        add_wait(sl.stats, e.ts_ns - it->second);
        waiting_.erase(it);
      }
      break;
    }
    case rt::Ev::Notify:
    case rt::Ev::Set:
      slot(e.obj).stats.notifies++;
      break;
    default:
      break;
  }
}

std::vector<ObjectStats> StatsBuilder::finish() {
  for (const auto& [k, since] : acquiring_) add_wait(slot(k.obj).stats, last_ns_ - since);
  for (const auto& [k, since] : waiting_) add_wait(slot(k.obj).stats, last_ns_ - since);
  for (const auto& [k, since] : holding_) add_hold(slot(k.obj).stats, last_ns_ - since);
  acquiring_.clear();
  waiting_.clear();
  holding_.clear();
  std::vector<ObjectStats> out;
  for (auto& [id, sl] : slots_) {
    if (!sl.used) continue;
    sl.stats.object = id;
    out.push_back(sl.stats);
  }
  // By id first, so that ties keep one order whatever the hash table's.
  std::sort(out.begin(), out.end(),
            [](const ObjectStats& a, const ObjectStats& b) { return a.object < b.object; });
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
