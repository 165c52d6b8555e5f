// weft::aio tasks (C++20 coroutines on an event loop, issue 18). Their primitives (aio-lock,
// aio-condition, ...) are not thread primitives: a task that waits suspends, it does not block
// its thread, and many tasks share one thread. So their events skip the thread detectors and
// come here, where the running task is the actor:
//
//   blocking-in-coroutine  a task ran longer than Options::coro_block_ns between its
//                          TaskResume and its next TaskSuspend (or TaskEnd): every other task of
//                          the loop waited meanwhile. The finding names the task, the site it
//                          resumed at and, when the thread blocked in a recorded call meanwhile
//                          (a weft::Lock, a condition wait, a join; a std::mutex or a sleep
//                          seen by the interposer), the longest such call.
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
//   lock-order-inversion   two (or more) aio Locks taken in a cyclic order by different tasks:
//                          a task took B while holding A, another took A while holding B. Each
//                          holds one across an await in the unlucky interleaving and the loop
//                          deadlocks; reported when the cycle closes, whether or not this run
//                          interleaved that way. Not when the same task took every edge, nor when
//                          every edge was taken under one common lock (a gate), as lock_order.cpp.
//   lost-wakeup            an aio Condition's notify() that woke nobody, then a condition wait
//                          by a task that had not waited on it before, and that task among the
//                          stuck ones of the loop's deadlock: the notify was meant for it (the
//                          tutorial's notify-before-wait, in tasks). Not when several tasks'
//                          notifies went unheard (arrivals a waiter counts), as events.cpp.
//
// A deadlock among tasks is found by the loop itself (it knows that no timer, no to_thread() call
// and no ready task is left) and recorded by weft::aio as a finding of its own.
#include <algorithm>
#include <cstdio>
#include <iterator>
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
  if (c.longest_obj != 0 && c.longest_ns * 4 >= ran && d.kind_of(c.longest_obj) == ObjKind::Sleep) {
    m += "; it slept " + millis(c.longest_ns) + " of it" + at(c.longest_site) +
         ", a thread's sleep: co_await weft::aio::sleep() lets the other tasks run meanwhile";
    f.objects.push_back(c.longest_obj);
    f.sites.push_back(c.longest_site);
  } else if (c.longest_obj != 0 && c.longest_ns * 4 >= ran) {
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

// Finds a path from -> ... -> to in the loop's lock-order graph (depth-first).
bool order_path(const CoroState& c, ObjId from, ObjId to, std::vector<ObjId>& path,
                std::set<ObjId>& seen) {
  path.push_back(from);
  if (from == to) return true;
  if (seen.insert(from).second) {
    if (auto it = c.order.find(from); it != c.order.end())
      for (const auto& [next, edge] : it->second)
        if (order_path(c, next, to, path, seen)) return true;
  }
  path.pop_back();
  return false;
}

// lock-order-inversion: the running task took aio lock `to` at `where`.
void lock_taken(Detector& d, ThreadRec& t, CoroState& c, ObjId to,
                const std::source_location& where) {
  std::vector<CoroState::HeldLock>& held = c.held[c.task];
  for (const CoroState::HeldLock& h : held) {
    if (h.lock == to) continue;
    std::vector<ObjId> gates;
    for (const CoroState::HeldLock& g : held)
      if (g.lock != h.lock && g.lock != to) gates.push_back(g.lock);
    std::sort(gates.begin(), gates.end());
    auto [it, fresh] = c.order[h.lock].try_emplace(to);
    CoroState::OrderEdge& e = it->second;
    if (fresh) {
      e = {h.site, where, c.task, 0, gates};
    } else {
      if (e.task != c.task && e.other_task == 0) e.other_task = c.task;
      std::vector<ObjId> both;
      std::set_intersection(e.gates.begin(), e.gates.end(), gates.begin(), gates.end(),
                            std::back_inserter(both));
      e.gates = std::move(both);
    }
    // Does `to` lead back to h.lock? Then h.lock -> to closes a cycle.
    std::vector<ObjId> path;
    std::set<ObjId> seen;
    if (!order_path(c, to, h.lock, path, seen)) continue;
    // The cycle h.lock -> to -> ... -> h.lock: its edges, the tasks that took them, common gates.
    std::vector<ObjId> nodes{h.lock};
    nodes.insert(nodes.end(), path.begin(), path.end() - 1);
    std::vector<const CoroState::OrderEdge*> edges;
    std::set<ObjId> tasks;
    std::vector<ObjId> common;
    for (std::size_t k = 0; k < nodes.size(); ++k) {
      const CoroState::OrderEdge& x = c.order[nodes[k]][nodes[(k + 1) % nodes.size()]];
      edges.push_back(&x);
      tasks.insert(x.task);
      if (x.other_task) tasks.insert(x.other_task);
      if (k == 0) {
        common = x.gates;
      } else {
        std::vector<ObjId> both;
        std::set_intersection(common.begin(), common.end(), x.gates.begin(), x.gates.end(),
                              std::back_inserter(both));
        common = std::move(both);
      }
    }
    if (tasks.size() < 2 || !common.empty()) continue;
    std::vector<ObjId> key = nodes;
    std::sort(key.begin(), key.end());
    if (!c.reported_cycles.insert(key).second) continue;
    FindingRecord f;
    f.kind = bug_kind::kLockOrderInversion;
    std::string m = "aio locks taken in a cyclic order by different tasks (a potential deadlock "
                    "among tasks: each can suspend holding one while another waits for it):";
    for (std::size_t k = 0; k < nodes.size(); ++k) {
      const CoroState::OrderEdge& x = *edges[k];
      m += (k ? "; " : " ") + d.describe(nodes[(k + 1) % nodes.size()]) + " taken" +
           at(x.to_site) + " while holding " + d.describe(nodes[k]) + taken_at(x.from_site) +
           " by " + d.describe(x.task);
      f.sites.push_back(x.from_site);
      f.sites.push_back(x.to_site);
    }
    m += "; take them in one global order in every task";
    f.message = std::move(m);
    f.threads = {t.index};
    f.objects = nodes;
    f.objects.insert(f.objects.end(), tasks.begin(), tasks.end());
    d.report(std::move(f));
  }
  held.push_back({to, where});
}

// The aio lock `lock` was released: off the held list of the task that holds it (asyncio lets any
// task release a lock; normally the running one holds it).
void lock_released(CoroState& c, ObjId lock) {
  auto drop = [&](std::vector<CoroState::HeldLock>& v) {
    for (auto i = v.size(); i-- > 0;)
      if (v[i].lock == lock) {
        v.erase(v.begin() + static_cast<std::ptrdiff_t>(i));
        return true;
      }
    return false;
  };
  if (auto it = c.held.find(c.task); it != c.held.end() && drop(it->second)) return;
  for (auto& [task, v] : c.held)
    if (drop(v)) return;
}

// The lost-wakeup finding of a late wait: `how` says how the wait ended ("never ends", ...).
FindingRecord late_wait_finding(Detector& d, ThreadRec& t, ObjId task,
                                const CoroState::LateWait& w, const char* how) {
  FindingRecord l;
  l.kind = bug_kind::kLostWakeup;
  l.message = "wait on " + d.describe(w.cond) + at(w.wait_site) + " by " + d.describe(task) + how +
              ": the notify()" + at(w.notify_site) +
              (w.notify_task ? " by " + d.describe(w.notify_task) : std::string()) +
              " came before the wait and woke nobody; wait for a predicate set under the "
              "condition's lock (while (!ready) co_await cond.wait()) instead of for the "
              "notification";
  l.threads = {t.index};
  l.objects = {w.cond, task};
  if (w.notify_task) l.objects.push_back(w.notify_task);
  l.sites = {w.notify_site, w.wait_site};
  return l;
}

// lost-wakeup: Notify, WaitBegin and WaitEnd rows of an aio Condition. A late wait (begun after
// a notify nobody heard) that ends by its timeout (wait_for() cancelled it) is reported here;
// one that never ends, when the loop reports its deadlock (coro_on_finding).
void cond_signal(Detector& d, ThreadRec& t, CoroState& c, Ev kind, ObjId cond, std::uint64_t arg,
                 const std::source_location& where) {
  CoroState::CondSignal& st = c.conds[cond];
  switch (kind) {
    case Ev::Notify:
      if ((arg & 0xffffffffu) != 0) {
        st.unheard = st.from_many = false;
      } else {
        if (st.unheard && st.notify_task != c.task) st.from_many = true;
        st.unheard = true;
        st.notify_task = c.task;
        st.notify_site = where;
      }
      break;
    case Ev::WaitBegin:
      if (c.task == 0) break;
      if (st.unheard && !st.from_many && !st.waited_before.count(c.task))
        c.late_waits[c.task] = {cond, st.notify_task, where, st.notify_site};
      st.waited_before.insert(c.task);
      break;
    case Ev::WaitEnd:
      if (auto it = c.late_waits.find(c.task); it != c.late_waits.end() && it->second.cond == cond) {
        if (arg == static_cast<std::uint64_t>(WaitResult::Timeout))
          d.report(late_wait_finding(d, t, c.task, it->second, " waited until its timeout"),
                   std::string(bug_kind::kLostWakeup) + "|" + site_str(it->second.notify_site) +
                       "|" + site_str(it->second.wait_site));
        c.late_waits.erase(it);
      }
      break;
    default:
      break;
  }
}

}  // namespace

void coro_on_finding(Detector& d, ThreadRec& t, const FindingRecord& f) {
  if (!t.coro || f.kind != bug_kind::kDeadlock) return;
  CoroState& c = *t.coro;
  try {
    // A stuck task is named once for itself and again as what another awaits (gather, a task).
    std::set<ObjId> seen;
    for (ObjId task : f.objects) {
      if (!seen.insert(task).second) continue;
      auto it = c.late_waits.find(task);
      if (it == c.late_waits.end()) continue;
      d.report(late_wait_finding(d, t, task, it->second, " never ends"));
    }
  } catch (...) {  // out of memory: this check is skipped
  }
}

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
      c.held.erase(obj);
      c.late_waits.erase(obj);
      return;
    default:
      break;
  }
  const ObjKind k = d.kind_of(obj);  // the object's kind, looked up once for every check below
  try {
    if ((kind == Ev::Set || kind == Ev::Clear) && k == ObjKind::AioEvent)
      event_flag(d, t, c, kind, obj, where);
    else if (kind == Ev::Acquired && c.task != 0 && k == ObjKind::AioLock)
      lock_taken(d, t, c, obj, where);
    else if (kind == Ev::Release && k == ObjKind::AioLock)
      lock_released(c, obj);
    else if ((kind == Ev::Notify || kind == Ev::WaitBegin || kind == Ev::WaitEnd) &&
             k == ObjKind::AioCondition)
      cond_signal(d, t, c, kind, obj, arg, where);
  } catch (...) {  // out of memory: these checks are skipped
  }
  if (c.task == 0 || d.options().chaos_seed == 0) return;
  // wait-not-in-loop, per task.
  try {
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

void coro_on_destroy(ThreadRec& t, ObjId obj, ObjKind kind) {
  if (!t.coro) return;
  CoroState& c = *t.coro;
  if (kind == ObjKind::AioEvent) c.events.erase(obj);
  if (kind == ObjKind::AioCondition) c.conds.erase(obj);
  if (kind != ObjKind::AioLock) return;
  // A program that makes locks per request must not keep them all in the graph.
  c.lock_gen.erase(obj);
  c.order.erase(obj);
  for (auto& [from, to] : c.order) to.erase(obj);
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
