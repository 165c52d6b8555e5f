// Signals that nobody receives:
//   lost-wakeup          a notify that woke nobody, followed by a wait on the same condition
//                        that then blocks until its timeout (or forever: reported by the
//                        watchdog). The waiter had not waited on it before, so the notify was
//                        meant for it: a wait must re-check a predicate set under the lock.
//                        Not when several threads' notifies went unheard before the wait: those
//                        announce arrivals that the waiter counts.
//                        Likewise a thread that first waits after a broadcast (which woke the
//                        threads waiting then) and then blocks forever: it missed the
//                        broadcast (reported by the watchdog only: a timed wait that times out
//                        after a broadcast is often a polling loop). And a thread that waits
//                        on an Event after a "pulse" (set() then clear() by the same thread,
//                        seen by no waiter) and then blocks forever (watchdog only).
//   event-as-condition   an Event's set() undone by another thread's clear() before any waiter
//                        observed it: either a set() on an already-set Event consumed by the
//                        clear() of a `wait(); clear();` consumer, or a set() cleared before
//                        a waiter got to check it, that waiter then blocking.
#include "internal.hpp"

namespace weft::rt::detectors::internal {

namespace {

bool is_condition(ObjKind k) { return k == ObjKind::Condition || k == ObjKind::CondVar; }

// A lost-wakeup finding for a notify (or broadcast) that came before `waiter`'s wait.
FindingRecord unheard_notify(ObjId obj, std::uint32_t waiter, const SignalState::PendingWait& p,
                             std::string message) {
  FindingRecord f;
  f.kind = bug_kind::kLostWakeup;
  f.message = std::move(message);
  f.threads = {waiter};
  if (p.notify_thread != waiter) f.threads.push_back(p.notify_thread);
  f.objects = {obj};
  f.sites = {p.notify_site, p.wait_site};
  return f;
}

FindingRecord lost_wakeup(Detector& d, ObjId obj, std::uint32_t waiter,
                          const SignalState::PendingWait& p, const char* how) {
  return unheard_notify(
      obj, waiter, p,
      "wait on " + d.describe(obj) + at(p.wait_site) + " " + how + ": the notify" +
          at(p.notify_site) +
          " came before the wait and woke nobody; wait for a predicate set under the lock "
          "(while (!ready) wait) instead of for the notification");
}

FindingRecord missed_broadcast(Detector& d, ObjId obj, std::uint32_t waiter,
                               const SignalState::PendingWait& p) {
  return unheard_notify(
      obj, waiter, p,
      "wait on " + d.describe(obj) + at(p.wait_site) + " blocks forever: the broadcast" +
          at(p.notify_site) +
          " went out before this thread began to wait and woke only the threads waiting "
          "then; wait for a predicate set under the lock (while (!started) wait) instead of "
          "for the broadcast");
}

FindingRecord missed_pulse(Detector& d, ObjId obj, std::uint32_t waiter,
                           const SignalState::PendingWait& p) {
  FindingRecord f;
  f.kind = bug_kind::kLostWakeup;
  f.message = "wait on " + d.describe(obj) + at(p.wait_site) + " blocks forever: the set()" +
              at(p.set_site) + " was undone by the same thread's clear()" + at(p.clear_site) +
              " before this thread began to wait (a pulse leaves no trace); leave the event set, "
              "or use a Condition with a predicate";
  f.threads = {waiter};
  if (p.set_thread != waiter) f.threads.push_back(p.set_thread);
  f.objects = {obj};
  f.sites = {p.set_site, p.clear_site, p.wait_site};
  return f;
}

FindingRecord lost_set(Detector& d, ObjId obj, std::uint32_t waiter,
                       const SignalState::PendingWait& p, const char* how) {
  FindingRecord f;
  f.kind = bug_kind::kEventAsCondition;
  f.message = "wait on " + d.describe(obj) + at(p.wait_site) + " " + how + ": its set()" +
              at(p.set_site) + " was undone by clear()" + at(p.clear_site) + " before any waiter saw it; use a Condition with a "
              "predicate instead of an Event that is cleared";
  f.threads = {waiter, p.set_thread, p.clear_thread};
  f.objects = {obj};
  f.sites = {p.set_site, p.clear_site, p.wait_site};
  return f;
}

}  // namespace

void signals_on_event(Detector& d, ThreadRec& t, Ev kind, ObjId obj, std::uint64_t arg,
                      const std::source_location& where) {
  ObjKind k = d.kind_of(obj);
  bool cond = is_condition(k);
  if (!cond && k != ObjKind::Event) return;
  std::vector<FindingRecord> out;
  try {
    SpinGuard g(d.signals_mu);
    SignalState& st = d.signals[obj];
    switch (kind) {
      case Ev::Notify: {
        std::uint32_t woken = static_cast<std::uint32_t>(arg & 0xffffffffu);
        if (woken == 0 && st.waiting.empty()) {
          if (st.unheard_notify && st.notify_thread != t.index) st.unheard_from_many = true;
          st.unheard_notify = true;
          st.notify_thread = t.index;
          st.notify_site = where;
        } else if (woken > 0) {
          st.unheard_notify = false;
          st.unheard_from_many = false;
        }
        if (cond && woken > 0 && (arg >> 32) == 0xffffffffu) {
          st.broadcast = true;
          st.broadcast_thread = t.index;
          st.broadcast_site = where;
        }
        break;
      }
      case Ev::WaitBegin: {
        SignalState::PendingWait p;
        p.wait_site = where;
        p.lock = cond ? static_cast<ObjId>(arg) : 0;
        // Unheard notifies from several threads announce arrivals a waiter counts (while
        // (reported < n) wait): a wait after them is not waiting for one of them.
        if (cond && st.unheard_notify && !st.unheard_from_many &&
            !st.waited_before.count(t.index)) {
          p.after_unheard = true;
          p.notify_thread = st.notify_thread;
          p.notify_site = st.notify_site;
        }
        if (cond && !p.after_unheard && st.broadcast && !st.waited_before.count(t.index)) {
          p.after_missed_broadcast = true;
          p.notify_thread = st.broadcast_thread;
          p.notify_site = st.broadcast_site;
        }
        if (!cond && st.pulse && !st.flag) {
          p.after_pulse = true;
          p.set_thread = st.pulse_thread;
          p.set_site = st.pulse_set_site;
          p.clear_site = st.pulse_clear_site;
          st.pulse = false;  // one waiter blamed per pulse
        }
        if (!cond && st.lost_set && !st.flag) {
          p.after_lost_set = true;
          p.set_thread = st.lost_set_thread;
          p.set_site = st.lost_set_site;
          p.clear_thread = st.lost_clear_thread;
          p.clear_site = st.lost_clear_site;
        }
        st.waited_before.insert(t.index);
        st.waiting[t.index] = p;
        if (!cond) st.lost_set = false;  // one waiter blamed per lost set
        break;
      }
      case Ev::WaitEnd: {
        auto it = st.waiting.find(t.index);
        auto result = static_cast<WaitResult>(arg);
        if (!cond && result == WaitResult::Notified) st.observed = true;
        if (it != st.waiting.end()) {
          if (result == WaitResult::Timeout) {
            if (it->second.after_unheard) {
              FindingRecord f = lost_wakeup(d, obj, t.index, it->second, "blocked until its timeout");
              if (it->second.lock != 0 && t.wl_state == WaitLoop::Idle) {
                // Held until the thread shows whether it waits again (lost_pending_report).
                t.lost_pending = std::make_unique<FindingRecord>(std::move(f));
                t.wl_state = WaitLoop::LostPending;
                t.wl_cond = obj;
                t.wl_lock = it->second.lock;
              } else {
                out.push_back(std::move(f));
              }
            }
            if (it->second.after_lost_set)
              out.push_back(lost_set(d, obj, t.index, it->second, "blocked until its timeout"));
          }
          st.waiting.erase(it);
        }
        break;
      }
      case Ev::Set: {
        st.pulse = false;
        if (st.flag) {
          if (!st.redundant_set) {
            st.redundant_set = true;
            st.redundant_thread = t.index;
            st.redundant_site = where;
          }
        } else {
          st.flag = true;
          st.observed = arg > 0;
          st.set_thread = t.index;
          st.set_site = where;
        }
        st.lost_set = false;
        break;
      }
      case Ev::Clear: {
        if (st.flag && st.redundant_set && st.redundant_thread != t.index) {
          FindingRecord f;
          f.kind = bug_kind::kEventAsCondition;
          f.message = "set() of " + d.describe(obj) + at(st.redundant_site) +
                      " came while the event was still set and was then undone by clear()" +
                      at(where) +
                      ": that signal is lost (the `wait(); clear();` pattern); use a Condition "
                      "with a predicate or a Semaphore to count signals";
          f.threads = {st.redundant_thread, t.index};
          f.objects = {obj};
          f.sites = {st.redundant_site, where};
          out.push_back(std::move(f));
        } else if (st.flag && !st.observed && st.set_thread == t.index && st.waiting.empty()) {
          st.pulse = true;
          st.pulse_thread = t.index;
          st.pulse_set_site = st.set_site;
          st.pulse_clear_site = where;
        } else if (st.flag && !st.observed && st.set_thread != t.index && st.waiting.empty()) {
          st.lost_set = true;
          st.lost_set_thread = st.set_thread;
          st.lost_set_site = st.set_site;
          st.lost_clear_thread = t.index;
          st.lost_clear_site = where;
        }
        st.flag = false;
        st.redundant_set = false;
        st.observed = false;
        break;
      }
      default:
        break;
    }
  } catch (...) {
    return;
  }
  for (auto& f : out) d.report(std::move(f));
}

void lost_pending_report(Detector& d, ThreadRec& t) {
  std::unique_ptr<FindingRecord> f = std::move(t.lost_pending);
  t.wl_state = WaitLoop::Idle;
  if (f) d.report(std::move(*f));
}

void lost_pending_drop(ThreadRec& t) {
  t.lost_pending.reset();
  t.wl_state = WaitLoop::Idle;
}

void signals_on_stuck(Detector& d, std::uint32_t thread, ObjId obj) {
  std::vector<FindingRecord> out;
  try {
    SpinGuard g(d.signals_mu);
    auto st = d.signals.find(obj);
    if (st == d.signals.end()) return;
    auto it = st->second.waiting.find(thread);
    if (it == st->second.waiting.end()) return;
    if (it->second.after_unheard)
      out.push_back(lost_wakeup(d, obj, thread, it->second, "blocks forever"));
    if (it->second.after_missed_broadcast)
      out.push_back(missed_broadcast(d, obj, thread, it->second));
    if (it->second.after_lost_set)
      out.push_back(lost_set(d, obj, thread, it->second, "blocks forever"));
    if (it->second.after_pulse) out.push_back(missed_pulse(d, obj, thread, it->second));
  } catch (...) {
    return;
  }
  for (auto& f : out) d.report(std::move(f));
}

}  // namespace weft::rt::detectors::internal
