// Derives per-thread intervals (blocked, waiting, holding) and arrows (who unblocked or woke
// whom) from a trace's events, following the conventions table in weft/runtime/event.hpp.
// The page does the same derivation in JavaScript (web/layout/derive.js); keep them in step.
#include <algorithm>
#include <map>
#include <unordered_map>

#include "weft/viewer/writers.hpp"

namespace weft::viewer {

using rt::Ev;
using rt::ObjId;

struct Deriver::Open {
  std::uint64_t t0 = 0;
  ObjId obj = 0;
  std::int32_t site = -1;
  bool active = false;
};
// (Named, not anonymous: Deriver::Impl, which has external linkage, holds them.)
namespace derive_detail {
using Open = Deriver::Open;
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
}  // namespace derive_detail
using namespace derive_detail;

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

struct Deriver::Impl {
  std::unordered_map<ObjId, rt::ObjKind> kinds;
  std::unordered_map<ObjId, std::uint32_t> thread_of_object;  // weft::Thread object -> thread
  std::vector<Open> blocked, waiting, joining;
  std::map<std::pair<std::uint32_t, ObjId>, Hold> holds;
  std::unordered_map<ObjId, Mark> last_release, last_signal, thread_ended, created;
  std::vector<bool> ended;
  // task lanes: the lane's task, its open suspension, its open running stretch
  std::vector<ObjId> task_obj;
  std::vector<Open> suspended;
  std::vector<std::uint64_t> run_t0;
  std::vector<bool> running;
};

Deriver::Deriver(const trace::Trace& t) : s_(std::make_unique<Impl>()) {
  for (const auto& o : t.objects) s_->kinds[o.id] = o.kind;
  for (const auto& th : t.threads)
    if (th.object != 0) s_->thread_of_object[th.object] = th.index;
  grow(t.threads.size());
}
Deriver::~Deriver() = default;

void Deriver::grow(std::size_t nt) {
  if (nt <= thread_begin.size()) return;
  thread_begin.resize(nt, UINT64_MAX);
  thread_end.resize(nt, 0);
  s_->blocked.resize(nt);
  s_->waiting.resize(nt);
  s_->joining.resize(nt);
  s_->ended.resize(nt, false);
  s_->task_obj.resize(nt, 0);
  s_->suspended.resize(nt);
  s_->run_t0.resize(nt, 0);
  s_->running.resize(nt, false);
  task_lane.resize(nt, false);
}

namespace {
Interval make_interval(std::uint32_t th, viewer::State st, std::uint64_t t0, std::uint64_t t1,
                       rt::ObjId obj, std::int32_t site, bool contended, bool open) {
  Interval iv;
  iv.t0 = t0;
  iv.t1 = std::max(t1, t0);
  iv.thread = th;
  iv.state = st;
  iv.obj = obj;
  iv.site = site;
  iv.open = open;
  iv.contended = contended;
  return iv;
}
}  // namespace

void Deriver::interval(std::uint32_t th, viewer::State st, const Open& o, std::uint64_t t1,
                       bool contended, bool open) {
  if (on_interval) on_interval(make_interval(th, st, o.t0, t1, o.obj, o.site, contended, open));
}

void Deriver::begin(std::uint32_t th, viewer::State st, const Open& o, bool contended) {
  // The interval as far as it is known when it opens: it ends where it begins, and is open.
  if (on_begin) on_begin(make_interval(th, st, o.t0, o.t0, o.obj, o.site, contended, true));
}

void Deriver::arrow(const Arrow& a) {
  if (on_arrow) on_arrow(a);
}

void Deriver::end_run(std::uint32_t th, std::uint64_t t1) {
  if (!s_->running[th]) return;
  s_->running[th] = false;
  if (on_run) on_run(make_interval(th, viewer::State::Running, s_->run_t0[th], t1, 0, -1, false, false));
}

void Deriver::add(const trace::Event& e) {
  Impl& s = *s_;
  const std::uint32_t th = e.thread;
  grow(static_cast<std::size_t>(th) + 1);
  if (events_ == 0) t_min = t_max = e.ts_ns;
  t_min = std::min(t_min, e.ts_ns);
  t_max = std::max(t_max, e.ts_ns);
  ++events_;
  if (!s.ended[th]) {
    thread_begin[th] = std::min(thread_begin[th], e.ts_ns);
    thread_end[th] = std::max(thread_end[th], e.ts_ns);
  }
  switch (e.kind) {
    case Ev::Create:
      s.created[e.obj] = {e.ts_ns, th, true};
      break;
    case Ev::AcquireBegin:
      s.blocked[th] = {e.ts_ns, e.obj, e.site, true};
      begin(th, viewer::State::Blocked, s.blocked[th], false);
      break;
    case Ev::AcquireFailed:
      if (s.blocked[th].active && s.blocked[th].obj == e.obj) {
        interval(th, viewer::State::Blocked, s.blocked[th], e.ts_ns, false, false);
        s.blocked[th].active = false;
      }
      break;
    case Ev::Acquired: {
      bool contended = false;
      if (s.blocked[th].active && s.blocked[th].obj == e.obj) {
        interval(th, viewer::State::Blocked, s.blocked[th], e.ts_ns, false, false);
        s.blocked[th].active = false;
        contended = true;
        auto r = s.last_release.find(e.obj);
        if (r != s.last_release.end() && r->second.valid && r->second.thread != th &&
            r->second.t >= s.blocked[th].t0) {
          arrow({r->second.t, e.ts_ns, r->second.thread, th, e.obj, Arrow::Unblock});
        }
      }
      auto [it, fresh] = s.holds.try_emplace({th, e.obj});
      if (fresh || it->second.depth == 0) {
        it->second = {e.ts_ns, e.site, 1, contended};
        begin(th, viewer::State::Holding, {e.ts_ns, e.obj, e.site, true}, contended);
      } else {
        it->second.depth++;
      }
      break;
    }
    case Ev::Release: {
      s.last_release[e.obj] = {e.ts_ns, th, true};
      auto it = s.holds.find({th, e.obj});
      if (it == s.holds.end() || it->second.depth == 0) break;  // unowned release: nothing to close
      auto k = s.kinds.find(e.obj);
      bool counted = k != s.kinds.end() && rt::is_reentrant(k->second);
      if (counted && e.arg > 0) {
        it->second.depth = static_cast<std::uint32_t>(e.arg);
        break;
      }
      if (--it->second.depth > 0 && !counted) break;
      interval(th, viewer::State::Holding, {it->second.t0, e.obj, it->second.site, true}, e.ts_ns,
               it->second.contended, false);
      s.holds.erase(it);
      break;
    }
    case Ev::WaitBegin:
      s.waiting[th] = {e.ts_ns, e.obj, e.site, true};
      begin(th, viewer::State::Waiting, s.waiting[th], false);
      break;
    case Ev::WaitEnd:
      if (s.waiting[th].active && s.waiting[th].obj == e.obj) {
        interval(th, viewer::State::Waiting, s.waiting[th], e.ts_ns, false, false);
        s.waiting[th].active = false;
        auto sig = s.last_signal.find(e.obj);
        if (e.arg == static_cast<std::uint64_t>(rt::WaitResult::Notified) &&
            sig != s.last_signal.end() && sig->second.thread != th &&
            sig->second.t >= s.waiting[th].t0) {
          auto k = s.kinds.find(e.obj);
          bool is_event = k != s.kinds.end() && (k->second == rt::ObjKind::Event || k->second == rt::ObjKind::AioEvent);
          arrow({sig->second.t, e.ts_ns, sig->second.thread, th, e.obj,
                 is_event ? Arrow::Set : Arrow::Notify});
        }
      }
      break;
    case Ev::Notify:
    case Ev::Set:
      s.last_signal[e.obj] = {e.ts_ns, th, true};
      break;
    case Ev::JoinBegin:
      s.joining[th] = {e.ts_ns, e.obj, e.site, true};
      begin(th, viewer::State::Waiting, s.joining[th], false);
      break;
    case Ev::JoinEnd:
      if (s.joining[th].active && s.joining[th].obj == e.obj) {
        interval(th, viewer::State::Waiting, s.joining[th], e.ts_ns, false, false);
        s.joining[th].active = false;
      }
      if (e.arg == 0) {
        auto en = s.thread_ended.find(e.obj);
        if (en != s.thread_ended.end())
          arrow({en->second.t, e.ts_ns, en->second.thread, th, e.obj, Arrow::Join});
      }
      break;
    case Ev::ThreadStart: {
      auto c = s.created.find(e.obj);
      if (c != s.created.end() && c->second.thread != th) {
        arrow({c->second.t, e.ts_ns, c->second.thread, th, e.obj, Arrow::Start});
      } else if (auto p = s.thread_of_object.find(e.arg); p != s.thread_of_object.end()) {
        arrow({e.ts_ns, e.ts_ns, p->second, th, e.obj, Arrow::Start});
      }
      break;
    }
    case Ev::ThreadEnd:
      s.thread_ended[e.obj] = {e.ts_ns, th, true};
      thread_end[th] = e.ts_ns;
      s.ended[th] = true;
      break;
    // A task lane (weft::aio): running from each resume to the next suspend or its end; in
    // between suspended (Waiting on what it awaits) unless a wait, acquisition or join is open.
    case Ev::TaskResume:
      if (s.ended[th]) break;
      task_lane[th] = true;
      s.task_obj[th] = e.obj;
      if (s.suspended[th].active) {
        interval(th, viewer::State::Waiting, s.suspended[th], e.ts_ns, false, false);
        s.suspended[th].active = false;
      }
      if (!s.running[th]) {
        s.running[th] = true;
        s.run_t0[th] = e.ts_ns;
      }
      break;
    case Ev::TaskSuspend:
      if (!task_lane[th] || s.ended[th]) break;
      end_run(th, e.ts_ns);
      if (!s.blocked[th].active && !s.waiting[th].active && !s.joining[th].active &&
          !s.suspended[th].active) {
        s.suspended[th] = {e.ts_ns, e.arg, e.site, true};
        begin(th, viewer::State::Waiting, s.suspended[th], false);
      }
      break;
    case Ev::TaskEnd:
      if (!task_lane[th] || s.task_obj[th] != e.obj || s.ended[th]) break;
      end_run(th, e.ts_ns);
      if (s.suspended[th].active) {
        interval(th, viewer::State::Waiting, s.suspended[th], e.ts_ns, false, false);
        s.suspended[th].active = false;
      }
      thread_end[th] = e.ts_ns;
      s.ended[th] = true;
      break;
    default:
      break;
  }
}

void Deriver::finish(std::uint64_t end_of_axis) {
  Impl& s = *s_;
  // Whatever is still open ran until the end of the trace (a deadlock looks like this).
  for (std::uint32_t th = 0; th < thread_begin.size(); ++th) {
    std::uint64_t end = s.ended[th] ? thread_end[th] : end_of_axis;
    if (s.blocked[th].active) interval(th, viewer::State::Blocked, s.blocked[th], end, false, true);
    if (s.waiting[th].active) interval(th, viewer::State::Waiting, s.waiting[th], end, false, true);
    if (s.joining[th].active) interval(th, viewer::State::Waiting, s.joining[th], end, false, true);
    if (s.suspended[th].active) interval(th, viewer::State::Waiting, s.suspended[th], end, false, true);
    if (!s.ended[th] && thread_begin[th] != UINT64_MAX) thread_end[th] = end_of_axis;
    end_run(th, end);
  }
  for (const auto& [key, h] : s.holds) {
    std::uint64_t end = s.ended[key.first] ? thread_end[key.first] : end_of_axis;
    interval(key.first, viewer::State::Holding, {h.t0, key.second, h.site, true}, end, h.contended,
             true);
  }
  s.holds.clear();
}

EventPass events_of(const trace::Trace& t) {
  return [&t](const std::function<void(const trace::Event&)>& visit) -> std::uint64_t {
    for (const auto& e : t.events) visit(e);
    return t.events.size();
  };
}

Derived derive(const trace::Trace& t) { return derive(t, events_of(t)); }

Derived derive(const trace::Trace& t, const EventPass& events) {
  Derived d;
  Deriver dv(t);
  dv.on_interval = [&d](const Interval& iv) { d.intervals.push_back(iv); };
  dv.on_arrow = [&d](const Arrow& a) { d.arrows.push_back(a); };
  dv.on_run = [&d](const Interval& r) { d.runs.push_back(r); };
  if (events([&dv](const trace::Event& e) { dv.add(e); }) == 0) {
    d.thread_begin = std::move(dv.thread_begin);
    d.thread_end = std::move(dv.thread_end);
    return d;
  }
  d.t_min = dv.t_min;
  d.t_max = extended_end(t, dv.t_min, dv.t_max);
  dv.finish(d.t_max);
  d.thread_begin = std::move(dv.thread_begin);
  d.thread_end = std::move(dv.thread_end);
  d.task_lane = std::move(dv.task_lane);
  std::stable_sort(d.runs.begin(), d.runs.end(),
                   [](const Interval& a, const Interval& b) { return a.t0 < b.t0; });
  std::stable_sort(d.intervals.begin(), d.intervals.end(),
                   [](const Interval& a, const Interval& b) { return a.t0 < b.t0; });
  return d;
}

}  // namespace weft::viewer
