// Synthetic traces for the viewer's tests: built by hand, event by event, following the
// conventions of weft/runtime/event.hpp, so that the writers can be tested before (and
// independently of) the recorder.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "weft/runtime/trace_model.hpp"

namespace weft::viewer::testing {

using rt::Ev;
using rt::ObjKind;

class Builder {
 public:
  trace::Trace t;

  std::uint32_t thread(const std::string& name, rt::ObjId object = 0, std::uint32_t pid = 100) {
    trace::Thread th;
    th.index = static_cast<std::uint32_t>(t.threads.size());
    th.pid = pid;
    th.os_tid = 5000 + th.index;
    th.name = name;
    th.object = object;
    t.threads.push_back(th);
    return th.index;
  }
  rt::ObjId object(ObjKind kind, const std::string& name, std::int32_t site = -1,
                   std::uint32_t pid = 100) {
    trace::Object o;
    o.id = next_id_++;
    o.kind = kind;
    o.name = name;
    o.site = site;
    o.pid = pid;
    t.objects.push_back(o);
    return o.id;
  }
  std::int32_t site(const std::string& file, std::uint32_t line, const std::string& fn) {
    t.sites.push_back({file, line, 5, fn});
    return static_cast<std::int32_t>(t.sites.size() - 1);
  }
  void ev(std::uint64_t ts, std::uint32_t th, Ev kind, rt::ObjId obj, std::uint64_t arg = 0,
          std::int32_t site = -1) {
    t.events.push_back({ts, th, kind, obj, arg, site});
  }
  void finding(const std::string& kind, const std::string& message, std::uint64_t time,
               std::vector<std::uint32_t> threads, std::vector<rt::ObjId> objects,
               std::vector<std::int32_t> sites) {
    trace::Finding f;
    f.kind = kind;
    f.message = message;
    f.message_template = message;
    f.time_ns = time;
    f.threads = std::move(threads);
    f.objects = std::move(objects);
    f.sites = std::move(sites);
    t.findings.push_back(f);
  }

 private:
  rt::ObjId next_id_ = 1;
};

// The ids of the objects in basic_trace(), for assertions.
struct Basic {
  trace::Trace trace;
  std::uint32_t main = 0, w1 = 0, w2 = 0, consumer = 0, xss = 0;
  rt::ObjId lock_a = 0, lock_b = 0, queue_lock = 0, cond = 0, event = 0;
  rt::ObjId t_main = 0, t_w1 = 0, t_w2 = 0, t_consumer = 0, t_xss = 0;
};

// Five threads: a Condition wait/notify (main notifies 子线程-0), an Event set (main sets, the
// thread named like an HTML injection waits), a join, a contended lock (worker-2 blocks on
// lock A until worker-1 releases it), then a deadlock (worker-1 holds A wants B, worker-2 holds
// B wants A) that main joins into. Two findings: lock-order-inversion, deadlock.
inline Basic basic_trace() {
  Builder b;
  Basic r;
  std::int32_t s_w1 = b.site("corpus/deadlock/001-two-locks-buggy.cpp", 12, "worker_one");
  std::int32_t s_w2 = b.site("corpus/deadlock/001-two-locks-buggy.cpp", 20, "worker_two");
  r.t_main = b.object(ObjKind::Thread, "main");
  r.t_w1 = b.object(ObjKind::Thread, "worker-1");
  r.t_w2 = b.object(ObjKind::Thread, "worker-2");
  r.t_consumer = b.object(ObjKind::Thread, "子线程-0");
  r.t_xss = b.object(ObjKind::Thread, "<img src=x onerror=alert(1)>");
  r.lock_a = b.object(ObjKind::Lock, "lock A", s_w1);
  r.lock_b = b.object(ObjKind::Lock, "lock B", s_w2);
  r.queue_lock = b.object(ObjKind::Lock, "queue lock");
  r.cond = b.object(ObjKind::Condition, "not_empty");
  r.event = b.object(ObjKind::Event, "<script>alert(2)</script>");
  r.main = b.thread("main", r.t_main);
  r.w1 = b.thread("worker-1", r.t_w1);
  r.w2 = b.thread("worker-2", r.t_w2);
  r.consumer = b.thread("子线程-0", r.t_consumer);
  r.xss = b.thread("<img src=x onerror=alert(1)>", r.t_xss);
  b.t.processes.push_back({100, 0, "./two-locks"});
  b.t.format_version = 1;

  b.ev(0, r.main, Ev::ThreadStart, r.t_main, 0);
  b.ev(100, r.main, Ev::Create, r.t_w1);
  b.ev(200, r.main, Ev::Create, r.t_w2);
  b.ev(300, r.main, Ev::Create, r.t_consumer);
  b.ev(400, r.main, Ev::Create, r.t_xss);
  b.ev(1000, r.w1, Ev::ThreadStart, r.t_w1, r.t_main);
  b.ev(1200, r.w2, Ev::ThreadStart, r.t_w2, r.t_main);
  b.ev(1500, r.consumer, Ev::ThreadStart, r.t_consumer, r.t_main);
  b.ev(1600, r.xss, Ev::ThreadStart, r.t_xss, r.t_main);
  // Condition: consumer waits (its lock shows free meanwhile), main notifies one waiter.
  b.ev(2000, r.consumer, Ev::Acquired, r.queue_lock, 1);
  b.ev(2100, r.consumer, Ev::WaitBegin, r.cond, r.queue_lock);
  b.ev(2110, r.consumer, Ev::Release, r.queue_lock, 0);
  b.ev(1700, r.xss, Ev::WaitBegin, r.event, 0);
  b.ev(3000, r.main, Ev::Acquired, r.queue_lock, 1);
  b.ev(3100, r.main, Ev::Notify, r.cond, (std::uint64_t{1} << 32) | 1);
  b.ev(3200, r.main, Ev::Release, r.queue_lock, 0);
  b.ev(3300, r.consumer, Ev::WaitEnd, r.cond, 0);
  b.ev(3310, r.consumer, Ev::Acquired, r.queue_lock, 1);
  b.ev(3500, r.consumer, Ev::Release, r.queue_lock, 0);
  b.ev(3600, r.consumer, Ev::ThreadEnd, r.t_consumer, 0);
  // Event: main sets, the waiter wakes and ends; main joins it.
  b.ev(4000, r.main, Ev::Set, r.event, 1);
  b.ev(4100, r.xss, Ev::WaitEnd, r.event, 0);
  b.ev(4200, r.xss, Ev::ThreadEnd, r.t_xss, 0);
  b.ev(4300, r.main, Ev::JoinBegin, r.t_xss, 0);
  b.ev(4400, r.main, Ev::JoinEnd, r.t_xss, 0);
  // Contention: worker-2 blocks on A until worker-1 releases it.
  b.ev(5000, r.w1, Ev::Acquired, r.lock_a, 1, s_w1);
  b.ev(5500, r.w2, Ev::AcquireBegin, r.lock_a, 0, s_w2);
  b.ev(6000, r.w1, Ev::Release, r.lock_a, 0, s_w1);
  b.ev(6100, r.w2, Ev::Acquired, r.lock_a, 1, s_w2);
  b.ev(6500, r.w2, Ev::Release, r.lock_a, 0, s_w2);
  // Deadlock.
  b.ev(7000, r.w1, Ev::Acquired, r.lock_a, 1, s_w1);
  b.ev(7100, r.w2, Ev::Acquired, r.lock_b, 1, s_w2);
  b.ev(7500, r.w1, Ev::AcquireBegin, r.lock_b, 0, s_w1);
  b.ev(7600, r.w2, Ev::AcquireBegin, r.lock_a, 0, s_w2);
  b.ev(8000, r.main, Ev::JoinBegin, r.t_w1, 0);
  b.ev(9000, r.main, Ev::Finding, 0, 0);
  std::stable_sort(b.t.events.begin(), b.t.events.end(),
                   [](const auto& x, const auto& y) { return x.ts_ns < y.ts_ns; });
  b.finding("lock-order-inversion", "lock A and lock B are taken in opposite orders", 7600,
            {r.w1, r.w2}, {r.lock_a, r.lock_b}, {s_w1, s_w2});
  b.finding("deadlock", "worker-1 and worker-2 wait for each other (lock A, lock B)", 8900,
            {r.w1, r.w2}, {r.lock_a, r.lock_b}, {s_w1, s_w2});
  r.trace = std::move(b.t);
  return r;
}

// A large trace: `threads` threads taking `locks` locks in turn with some contention, until
// about `events` events; deterministic (a fixed linear congruential generator).
inline trace::Trace big_trace(std::size_t events, std::uint32_t threads = 8,
                              std::uint32_t locks = 16) {
  Builder b;
  std::vector<rt::ObjId> ls;
  for (std::uint32_t i = 0; i < locks; ++i)
    ls.push_back(b.object(ObjKind::Lock, "lock " + std::to_string(i)));
  rt::ObjId cond = b.object(ObjKind::Condition, "work");
  for (std::uint32_t i = 0; i < threads; ++i) b.thread("worker-" + std::to_string(i));
  std::int32_t s = b.site("bench/big.cpp", 42, "work");
  b.t.processes.push_back({100, 0, "big"});
  std::uint64_t seed = 12345;
  auto rnd = [&](std::uint64_t n) {
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    return (seed >> 33) % n;
  };
  std::vector<std::uint64_t> now(threads, 0);
  std::vector<std::uint64_t> lock_free_at(locks, 0);
  while (b.t.events.size() < events) {
    // The thread that is furthest behind acts next, so that the threads' clocks stay together.
    std::uint32_t th = static_cast<std::uint32_t>(
        std::min_element(now.begin(), now.end()) - now.begin());
    std::uint32_t l = static_cast<std::uint32_t>(rnd(locks));
    std::uint64_t t = now[th] + 50 + rnd(2000);
    if (lock_free_at[l] > t) {
      b.ev(t, th, Ev::AcquireBegin, ls[l], 0, s);
      t = lock_free_at[l] + 20;
    }
    b.ev(t, th, Ev::Acquired, ls[l], 1, s);
    if (rnd(8) == 0) b.ev(t + 5, th, Ev::Notify, cond, (std::uint64_t{1} << 32) | 0);
    std::uint64_t rel = t + 100 + rnd(3000);
    b.ev(rel, th, Ev::Release, ls[l], 0, s);
    lock_free_at[l] = rel;
    now[th] = rel;
  }
  std::stable_sort(b.t.events.begin(), b.t.events.end(),
                   [](const auto& x, const auto& y) { return x.ts_ns < y.ts_ns; });
  return std::move(b.t);
}

}  // namespace weft::viewer::testing
