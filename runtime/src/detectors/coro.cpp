// weft::aio tasks (C++20 coroutines on an event loop, issue 18). Their primitives (aio-lock,
// aio-condition, ...) are not thread primitives: a task that waits suspends, it does not block
// its thread, and many tasks share one thread. So their events skip the thread detectors and
// come here, where the running task is the actor:
//
//   blocking-in-coroutine  a task ran longer than Options::coro_block_ns between its
//                          TaskResume and its next TaskSuspend (or TaskEnd): every other task of
//                          the loop waited meanwhile. The finding names the task, the site it
//                          resumed at and, when the thread blocked in a recorded call meanwhile
//                          (a weft::Lock, a condition wait, a join), the longest such call.
//   wait-not-in-loop       under --chaos, an aio Condition wait that returned by an injected
//                          spurious wake-up, after which the task went on (released the lock,
//                          notified, set an event) instead of waiting again, while no other task
//                          had taken the lock in between: the predicate was still false. The
//                          same argument as wait_loop.cpp's, per task instead of per thread.
//   event-as-condition     an aio Event set() while it was still set (by a task other than the
//                          one that clears it), then clear()ed: the second signal is lost, the
//                          `co_await ev.wait(); ev.clear();` consumer of asyncio.Event handles one
//                          of two announcements. The row of events.cpp's first case, with tasks
//                          as the actors; it needs no chaos (one loop step sets twice).
//
// A deadlock among tasks is found by the loop itself (it knows that no timer, no to_thread() call
// and no ready task is left) and recorded by weft::aio as a finding of its own.
#include <cstdio>
#include <string>

#include "internal.hpp"

namespace weft::rt::detectors::internal {

namespace {

std::string millis(std::uint64_t ns) {
  char b[32];
  std::snprintf(b, sizeof b, "%.0f ms", static_cast<double>(ns) / 1e6);
  return b;
}

void went_on(Detector& d, ThreadRec& t, ObjId task, CoroState::Wait& w, const char* what,
             const std::source_location& where) {
  FindingRecord f;
  f.kind = bug_kind::kWaitNotInLoop;
  f.message = d.describe(task) + " woke from a wait on " + d.describe(w.cond) + at(w.site) +
              " (a spurious wake-up injected by --chaos; no other task took " + d.describe(w.lock) +
              " meanwhile, so its predicate was still false) and then " + what + at(where) +
              " without waiting again: the wait is not in a loop that re-checks its predicate";
  f.threads = {t.index};
  f.objects = {w.cond, w.lock, task};
  f.sites = {w.site, where};
  w.state = WaitLoop::Idle;
  d.report(std::move(f), std::string(bug_kind::kWaitNotInLoop) + "|" + site_str(w.site));
}

// The running task stops running (suspends or ends): was it too long?
void step_ends(Detector& d, ThreadRec& t, CoroState& c, const std::source_location& where) {
  std::uint64_t limit = d.options().coro_block_ns;
  std::uint64_t ran = now_ns() - c.since_ns;
  ObjId task = c.task;
  c.task = 0;
  if (limit == 0 || ran < limit) return;
  FindingRecord f;
  f.kind = bug_kind::kBlockingInCoroutine;
  std::string m = d.describe(task) + " ran for " + millis(ran) + " without suspending";
  if (c.resume_site.file_name()[0]) m += " after it resumed" + at(c.resume_site);
  if (where.file_name()[0]) m += " and before it suspended again" + at(where);
  m += ", blocking the event loop of " + d.thread_name(t.index) +
       ": no other task could run meanwhile";
  f.threads = {t.index};
  f.objects = {task};
  f.sites = {c.resume_site};
  if (c.longest_obj != 0 && c.longest_ns * 4 >= ran) {
    m += "; it blocked " + millis(c.longest_ns) + " of it on " + d.describe(c.longest_obj) +
         at(c.longest_site) + ", a thread primitive: use its weft::aio counterpart or to_thread()";
    f.objects.push_back(c.longest_obj);
    f.sites.push_back(c.longest_site);
  } else {
    m += "; no recorded blocking call explains it (a sleep, blocking I/O or long computation): "
         "co_await weft::aio::sleep() or move the work to to_thread()";
  }
  f.message = std::move(m);
  d.report(std::move(f), std::string(bug_kind::kBlockingInCoroutine) + "|" +
                             site_str(c.resume_site) + "|" + site_str(c.longest_site));
}

// event-as-condition: Set and Clear rows of an aio Event, `task` acting (0 outside a task).
void event_flag(Detector& d, ThreadRec& t, CoroState& c, Ev kind, ObjId obj,
                const std::source_location& where) {
  CoroState::EventFlag& e = c.events[obj];
  if (kind == Ev::Set) {
    if (!e.set) {
      e.set = true;
    } else if (!e.redundant) {
      e.redundant = true;
      e.redundant_task = c.task;
      e.redundant_site = where;
    }
    return;
  }
  if (e.set && e.redundant && e.redundant_task != c.task) {
    FindingRecord f;
    f.kind = bug_kind::kEventAsCondition;
    std::string by = e.redundant_task ? " by " + d.describe(e.redundant_task) : std::string();
    std::string clearer = c.task ? " by " + d.describe(c.task) : std::string();
    f.message = "set() of " + d.describe(obj) + at(e.redundant_site) + by +
                " came while the event was still set and was then undone by clear()" + at(where) +
                clearer +
                ": that signal is lost (the `co_await ev.wait(); ev.clear();` pattern handles one of "
                "two announcements); use a weft::aio::Condition with a predicate "
                "(while (!ready) co_await cond.wait()) or an aio::Queue to count them";
    f.threads = {t.index};
    f.objects = {obj};
    if (e.redundant_task) f.objects.push_back(e.redundant_task);
    if (c.task) f.objects.push_back(c.task);
    f.sites = {e.redundant_site, where};
    d.report(std::move(f), std::string(bug_kind::kEventAsCondition) + "|" +
                               site_str(e.redundant_site) + "|" + site_str(where));
  }
  e = {};
}

}  // namespace

void coro_on_event(Detector& d, ThreadRec& t, Ev kind, ObjId obj, std::uint64_t arg,
                   const std::source_location& where) {
  if (!t.coro) {
    try {
      t.coro = std::make_unique<CoroState>();
    } catch (...) {
      return;
    }
  }
  CoroState& c = *t.coro;
  switch (kind) {
    case Ev::TaskResume:
      c.task = obj;
      c.since_ns = now_ns();
      c.resume_site = where;
      c.call_obj = 0;
      c.longest_ns = 0;
      c.longest_obj = 0;
      return;
    case Ev::TaskSuspend:
      if (obj == c.task) step_ends(d, t, c, where);
      return;
    case Ev::TaskEnd:
      if (obj == c.task) step_ends(d, t, c, where);
      c.waits.erase(obj);
      return;
    default:
      break;
  }
  if ((kind == Ev::Set || kind == Ev::Clear) && d.kind_of(obj) == ObjKind::AioEvent) {
    try {
      event_flag(d, t, c, kind, obj, where);
    } catch (...) {  // out of memory: this check is skipped
    }
  }
  if (c.task == 0 || d.options().chaos_seed == 0) return;
  // wait-not-in-loop, per task.
  try {
    ObjKind k = d.kind_of(obj);
    auto it = c.waits.find(c.task);
    CoroState::Wait* w = it == c.waits.end() ? nullptr : &it->second;
    switch (kind) {
      case Ev::Acquired:
        if (k == ObjKind::AioLock) {
          std::uint32_t g = ++c.lock_gen[obj];
          if (w && w->state == WaitLoop::Woken && w->lock == obj)
            w->state = g == w->gen + 1 ? WaitLoop::Armed : WaitLoop::Idle;
        }
        break;
      case Ev::WaitBegin:
        if (k == ObjKind::AioCondition && arg != 0) {
          c.waits[c.task] = {obj, static_cast<ObjId>(arg), c.lock_gen[static_cast<ObjId>(arg)], where,
                             WaitLoop::Waiting};
        } else if (w) {
          w->state = WaitLoop::Idle;
        }
        break;
      case Ev::WaitEnd:
        if (w && w->state == WaitLoop::Waiting && w->cond == obj)
          w->state = arg == static_cast<std::uint64_t>(WaitResult::Spurious) ? WaitLoop::Woken
                                                                            : WaitLoop::Idle;
        break;
      case Ev::Release:
        if (w && w->state == WaitLoop::Armed && w->lock == obj)
          went_on(d, t, c.task, *w, ("released " + d.describe(obj)).c_str(), where);
        break;
      case Ev::Notify:
        if (w && w->state == WaitLoop::Armed)
          went_on(d, t, c.task, *w, ("notified " + d.describe(obj)).c_str(), where);
        break;
      case Ev::Set:
        if (w && w->state == WaitLoop::Armed)
          went_on(d, t, c.task, *w, ("set " + d.describe(obj)).c_str(), where);
        break;
      default:
        break;
    }
  } catch (...) {  // out of memory: this check is skipped
  }
}

void coro_on_destroy(ThreadRec& t, ObjId obj) {
  if (!t.coro) return;
  t.coro->events.erase(obj);
  t.coro->lock_gen.erase(obj);
}

void coro_on_thread_event(ThreadRec& t, Ev kind, ObjId obj, const std::source_location& where) {
  CoroState& c = *t.coro;
  switch (kind) {
    case Ev::AcquireBegin:
    case Ev::WaitBegin:
    case Ev::JoinBegin:
    case Ev::BarrierArrive:
      c.call_begin_ns = now_ns();
      c.call_obj = obj;
      c.call_site = where;
      return;
    case Ev::Acquired:
    case Ev::AcquireFailed:
    case Ev::WaitEnd:
    case Ev::JoinEnd:
    case Ev::BarrierPass:
    case Ev::BarrierBreak:
      if (c.call_obj == obj) {
        std::uint64_t took = now_ns() - c.call_begin_ns;
        if (took > c.longest_ns) {
          c.longest_ns = took;
          c.longest_obj = obj;
          c.longest_site = c.call_site;
        }
        c.call_obj = 0;
      }
      return;
    default:
      return;
  }
}

}  // namespace weft::rt::detectors::internal
