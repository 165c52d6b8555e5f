// Derives per-thread intervals (blocked, waiting, holding) and arrows (who unblocked or woke
// whom) from a trace's events, following the conventions table in weft/runtime/event.hpp.
// The page does the same derivation in JavaScript (web/layout/derive.js); keep them in step.
#include <algorithm>
#include <map>
#include <unordered_map>

#include "weft/viewer/writers.hpp"

namespace weft::viewer {
namespace {

using rt::Ev;
using rt::ObjId;

struct Open {
  std::uint64_t t0 = 0;
  ObjId obj = 0;
  std::int32_t site = -1;
  bool active = false;
};
struct Hold {
  std::uint64_t t0 = 0;
  std::int32_t site = -1;
  std::uint32_t depth = 0;
  bool contended = false;
};
struct Mark {  // the last release / notify / set of an object
  std::uint64_t t = 0;
  std::uint32_t thread = 0;
  bool valid = false;
};

}  // namespace

std::uint64_t extended_end(const trace::Trace& t, std::uint64_t t_min, std::uint64_t t_max) {
  // A detector may report after the last event (the deadlock watchdog notices a cycle later):
  // what was still blocked then was blocked until then. Times implausibly far away (another
  // clock) are ignored: more than 10 x the trace's span, and more than 10 s, past its end.
  const std::uint64_t reach = std::max<std::uint64_t>((t_max - t_min) * 10, 10'000'000'000ull);
  std::uint64_t end = t_max;
  for (const auto& f : t.findings) {
    if (f.time_ns > end && f.time_ns - t_max <= reach) end = f.time_ns;
  }
  return end;
}

Derived derive(const trace::Trace& t) {
  Derived d;
  const std::size_t nthreads = t.threads.size();
  std::uint32_t max_thread = 0;
  for (const auto& e : t.events) max_thread = std::max(max_thread, e.thread);
  const std::size_t nt = std::max<std::size_t>(nthreads, t.events.empty() ? 0 : max_thread + 1);
  d.thread_begin.assign(nt, UINT64_MAX);
  d.thread_end.assign(nt, 0);
  if (t.events.empty()) return d;
  d.t_min = t.events.front().ts_ns;
  d.t_max = t.events.front().ts_ns;
  for (const auto& e : t.events) {
    d.t_min = std::min(d.t_min, e.ts_ns);
    d.t_max = std::max(d.t_max, e.ts_ns);
  }
  d.t_max = extended_end(t, d.t_min, d.t_max);

  std::unordered_map<ObjId, rt::ObjKind> kinds;
  for (const auto& o : t.objects) kinds[o.id] = o.kind;
  std::unordered_map<ObjId, std::uint32_t> thread_of_object;  // weft::Thread object -> thread
  for (const auto& th : t.threads)
    if (th.object != 0) thread_of_object[th.object] = th.index;

  std::vector<Open> blocked(nt), waiting(nt), joining(nt);
  std::map<std::pair<std::uint32_t, ObjId>, Hold> holds;
  std::unordered_map<ObjId, Mark> last_release, last_signal, thread_ended;
  std::unordered_map<ObjId, Mark> created;
  std::vector<bool> ended(nt, false);

  auto push = [&](std::uint32_t th, State s, const Open& o, std::uint64_t t1, bool contended,
                  bool open) {
    Interval iv;
    iv.t0 = o.t0;
    iv.t1 = std::max(t1, o.t0);
    iv.thread = th;
    iv.state = s;
    iv.obj = o.obj;
    iv.site = o.site;
    iv.open = open;
    iv.contended = contended;
    d.intervals.push_back(iv);
  };

  for (const auto& e : t.events) {
    const std::uint32_t th = e.thread;
    if (!ended[th]) {
      d.thread_begin[th] = std::min(d.thread_begin[th], e.ts_ns);
      d.thread_end[th] = std::max(d.thread_end[th], e.ts_ns);
    }
    switch (e.kind) {
      case Ev::Create:
        created[e.obj] = {e.ts_ns, th, true};
        break;
      case Ev::AcquireBegin:
        blocked[th] = {e.ts_ns, e.obj, e.site, true};
        break;
      case Ev::AcquireFailed:
        if (blocked[th].active && blocked[th].obj == e.obj) {
          push(th, State::Blocked, blocked[th], e.ts_ns, false, false);
          blocked[th].active = false;
        }
        break;
      case Ev::Acquired: {
        bool contended = false;
        if (blocked[th].active && blocked[th].obj == e.obj) {
          push(th, State::Blocked, blocked[th], e.ts_ns, false, false);
          blocked[th].active = false;
          contended = true;
          auto r = last_release.find(e.obj);
          if (r != last_release.end() && r->second.valid && r->second.thread != th &&
              r->second.t >= blocked[th].t0) {
            d.arrows.push_back({r->second.t, e.ts_ns, r->second.thread, th, e.obj, Arrow::Unblock});
          }
        }
        auto [it, fresh] = holds.try_emplace({th, e.obj});
        if (fresh || it->second.depth == 0) {
          it->second = {e.ts_ns, e.site, 1, contended};
        } else {
          it->second.depth++;
        }
        break;
      }
      case Ev::Release: {
        last_release[e.obj] = {e.ts_ns, th, true};
        auto it = holds.find({th, e.obj});
        if (it == holds.end() || it->second.depth == 0) break;  // unowned release: nothing to close
        auto k = kinds.find(e.obj);
        bool counted = k != kinds.end() && rt::is_reentrant(k->second);
        if (counted && e.arg > 0) {
          it->second.depth = static_cast<std::uint32_t>(e.arg);
          break;
        }
        if (--it->second.depth > 0 && !counted) break;
        push(th, State::Holding, {it->second.t0, e.obj, it->second.site, true}, e.ts_ns,
             it->second.contended, false);
        holds.erase(it);
        break;
      }
      case Ev::WaitBegin:
        waiting[th] = {e.ts_ns, e.obj, e.site, true};
        break;
      case Ev::WaitEnd:
        if (waiting[th].active && waiting[th].obj == e.obj) {
          push(th, State::Waiting, waiting[th], e.ts_ns, false, false);
          waiting[th].active = false;
          auto s = last_signal.find(e.obj);
          if (e.arg == static_cast<std::uint64_t>(rt::WaitResult::Notified) &&
              s != last_signal.end() && s->second.thread != th && s->second.t >= waiting[th].t0) {
            auto k = kinds.find(e.obj);
            bool is_event = k != kinds.end() && k->second == rt::ObjKind::Event;
            d.arrows.push_back({s->second.t, e.ts_ns, s->second.thread, th, e.obj,
                                is_event ? Arrow::Set : Arrow::Notify});
          }
        }
        break;
      case Ev::Notify:
      case Ev::Set:
        last_signal[e.obj] = {e.ts_ns, th, true};
        break;
      case Ev::JoinBegin:
        joining[th] = {e.ts_ns, e.obj, e.site, true};
        break;
      case Ev::JoinEnd:
        if (joining[th].active && joining[th].obj == e.obj) {
          push(th, State::Waiting, joining[th], e.ts_ns, false, false);
          joining[th].active = false;
        }
        if (e.arg == 0) {
          auto en = thread_ended.find(e.obj);
          if (en != thread_ended.end())
            d.arrows.push_back({en->second.t, e.ts_ns, en->second.thread, th, e.obj, Arrow::Join});
        }
        break;
      case Ev::ThreadStart: {
        auto c = created.find(e.obj);
        if (c != created.end() && c->second.thread != th) {
          d.arrows.push_back({c->second.t, e.ts_ns, c->second.thread, th, e.obj, Arrow::Start});
        } else if (auto p = thread_of_object.find(e.arg); p != thread_of_object.end()) {
          d.arrows.push_back({e.ts_ns, e.ts_ns, p->second, th, e.obj, Arrow::Start});
        }
        break;
      }
      case Ev::ThreadEnd:
        thread_ended[e.obj] = {e.ts_ns, th, true};
        d.thread_end[th] = e.ts_ns;
        ended[th] = true;
        break;
      default:
        break;
    }
  }
  // Whatever is still open ran until the end of the trace (a deadlock looks like this).
  for (std::uint32_t th = 0; th < nt; ++th) {
    std::uint64_t end = ended[th] ? d.thread_end[th] : d.t_max;
    if (blocked[th].active) push(th, State::Blocked, blocked[th], end, false, true);
    if (waiting[th].active) push(th, State::Waiting, waiting[th], end, false, true);
    if (joining[th].active) push(th, State::Waiting, joining[th], end, false, true);
    if (!ended[th] && d.thread_begin[th] != UINT64_MAX) d.thread_end[th] = d.t_max;
  }
  for (const auto& [key, h] : holds) {
    std::uint64_t end = ended[key.first] ? d.thread_end[key.first] : d.t_max;
    push(key.first, State::Holding, {h.t0, key.second, h.site, true}, end, h.contended, true);
  }
  std::stable_sort(d.intervals.begin(), d.intervals.end(),
                   [](const Interval& a, const Interval& b) { return a.t0 < b.t0; });
  return d;
}

}  // namespace weft::viewer
