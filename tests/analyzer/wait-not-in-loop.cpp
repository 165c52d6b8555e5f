// Cases for wait-not-in-loop: waits without a predicate that are not re-checked by a loop.
#include <pthread.h>
#include <threads.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <coroutine>
#include <mutex>

// A stand-in with the shape of weft::Condition (primitives/include/weft/condition.hpp).
namespace weft {
class Condition {
 public:
  bool wait(double timeout = -1) { return timeout < 0; }
  template <class Pred>
  bool wait_for(Pred pred, double timeout = -1) { return pred() || timeout < 0; }
  void acquire() {}
  void release() {}
};
}  // namespace weft

std::mutex m;
std::condition_variable cv;
std::condition_variable_any cv_any;
bool ready = false;
std::deque<int> q;
pthread_mutex_t pm = PTHREAD_MUTEX_INITIALIZER;
pthread_cond_t pc = PTHREAD_COND_INITIALIZER;
mtx_t cm;
cnd_t cc;
weft::Condition wc;
void use(int);

// ---- positives ---------------------------------------------------------------------------

void global_if() {
  std::unique_lock<std::mutex> lk(m);
  if (!ready) cv.wait(lk);
  // CHECK-MESSAGES: :[[@LINE-1]]:15: warning: 'wait' is not in a loop that re-checks its condition [wait-not-in-loop]
  // CHECK-FIXES: while (!ready) cv.wait(lk);
}

void global_bare() {
  std::unique_lock<std::mutex> lk(m);
  cv.wait(lk);
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 'wait' is not in a loop that re-checks its condition [wait-not-in-loop]
  // CHECK-NOTES: :[[@LINE-2]]:3: note: use the predicate overload, which re-checks after every wake-up: 'cv.wait(lk, [&] { return <awaited state>; })'
}

class Worker {
 public:
  void member_braced() {
    std::unique_lock<std::mutex> lk(mu_);
    if (items_.empty()) {
      cond_.wait(lk);
      // CHECK-MESSAGES: :[[@LINE-1]]:7: warning: 'wait' is not in a loop that re-checks its condition [wait-not-in-loop]
    }
    // CHECK-FIXES: while (items_.empty()) {
    use(items_.front());
  }
  void through_pointer(std::condition_variable* c, std::unique_lock<std::mutex>& lk) {
    if (!done_) c->wait(lk);
    // CHECK-MESSAGES: :[[@LINE-1]]:17: warning: 'wait' is not in a loop that re-checks its condition [wait-not-in-loop]
    // CHECK-FIXES: while (!done_) c->wait(lk);
  }

 private:
  std::mutex mu_;
  std::condition_variable cond_;
  std::deque<int> items_;
  bool done_ = false;
};

void through_reference(std::condition_variable& c, std::unique_lock<std::mutex>& lk, bool& flag) {
  if (!flag) c.wait(lk);
  // CHECK-MESSAGES: :[[@LINE-1]]:14: warning: 'wait' is not in a loop that re-checks its condition [wait-not-in-loop]
  // CHECK-FIXES: while (!flag) c.wait(lk);
}

void any_variant() {
  std::unique_lock<std::mutex> lk(m);
  if (q.empty()) cv_any.wait(lk);
  // CHECK-MESSAGES: :[[@LINE-1]]:18: warning: 'wait' is not in a loop that re-checks its condition [wait-not-in-loop]
  // CHECK-FIXES: while (q.empty()) cv_any.wait(lk);
}

void timed_wait_under_if() {
  std::unique_lock<std::mutex> lk(m);
  if (!ready) cv.wait_for(lk, std::chrono::milliseconds(10));
  // CHECK-MESSAGES: :[[@LINE-1]]:15: warning: 'wait_for' is not in a loop that re-checks its condition [wait-not-in-loop]
  // CHECK-NOTES: :[[@LINE-2]]:15: note: use the predicate overload, which re-checks after every wake-up: 'cv.wait_for(lk, std::chrono::milliseconds(10), [&] { return ready; })'
}

void c_pthread() {
  pthread_mutex_lock(&pm);
  if (!ready) pthread_cond_wait(&pc, &pm);
  // CHECK-MESSAGES: :[[@LINE-1]]:15: warning: 'pthread_cond_wait' is not in a loop that re-checks its condition [wait-not-in-loop]
  // CHECK-FIXES: while (!ready) pthread_cond_wait(&pc, &pm);
  pthread_mutex_unlock(&pm);
}

void c_pthread_timed(const timespec* deadline) {
  pthread_cond_timedwait(&pc, &pm, deadline);
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 'pthread_cond_timedwait' is not in a loop that re-checks its condition [wait-not-in-loop]
  // CHECK-NOTES: :[[@LINE-2]]:3: note: call 'pthread_cond_timedwait' in a 'while' loop that re-checks the awaited state
}

void c11() {
  if (!ready) cnd_wait(&cc, &cm);
  // CHECK-MESSAGES: :[[@LINE-1]]:15: warning: 'cnd_wait' is not in a loop that re-checks its condition [wait-not-in-loop]
  // CHECK-FIXES: while (!ready) cnd_wait(&cc, &cm);
}

void weft_condition() {
  wc.acquire();
  if (!ready) wc.wait();
  // CHECK-MESSAGES: :[[@LINE-1]]:15: warning: 'wait' is not in a loop that re-checks its condition [wait-not-in-loop]
  // CHECK-FIXES: while (!ready) wc.wait();
  if (!ready) wc.wait(0.5);
  // CHECK-MESSAGES: :[[@LINE-1]]:15: warning: 'wait' is not in a loop that re-checks its condition [wait-not-in-loop]
  // CHECK-NOTES: :[[@LINE-2]]:15: note: use 'wait_for' with a predicate, which re-checks after every wake-up: 'wc.wait_for([&] { return ready; }, 0.5)'
  wc.release();
}

template <class Cond>
void templated(Cond& c, std::unique_lock<std::mutex>& lk) {
  if (!ready) c.wait(lk);
  // CHECK-MESSAGES: :[[@LINE-1]]:15: warning: 'wait' is not in a loop that re-checks its condition [wait-not-in-loop]
}
template void templated(std::condition_variable&, std::unique_lock<std::mutex>&);
template void templated(std::condition_variable_any&, std::unique_lock<std::mutex>&);

// The loop does not re-check: after a spurious wake-up q.front() runs on an empty queue.
void loop_without_recheck(std::atomic<bool>& running) {
  std::unique_lock<std::mutex> lk(m);
  while (running) {
    if (q.empty()) cv.wait(lk);
    // CHECK-MESSAGES: :[[@LINE-1]]:20: warning: 'wait' is not in a loop that re-checks its condition [wait-not-in-loop]
    // CHECK-FIXES: while (q.empty()) cv.wait(lk);
    use(q.front());
    q.pop_front();
  }
}

// A lambda runs wherever it is called, not in the loop that defines it.
void lambda_in_loop() {
  for (int i = 0; i < 3; ++i) {
    auto waiter = [] {
      std::unique_lock<std::mutex> lk(m);
      if (!ready) cv.wait(lk);
      // CHECK-MESSAGES: :[[@LINE-1]]:19: warning: 'wait' is not in a loop that re-checks its condition [wait-not-in-loop]
    };
    waiter();
  }
}

// Not exact as a `while`: the condition has an effect, so only a note.
bool try_take();
void effectful_condition() {
  std::unique_lock<std::mutex> lk(m);
  if (!try_take()) cv.wait(lk);
  // CHECK-MESSAGES: :[[@LINE-1]]:20: warning: 'wait' is not in a loop that re-checks its condition [wait-not-in-loop]
  // CHECK-NOTES: :[[@LINE-2]]:20: note: 'cv.wait(lk, [&] { return try_take(); })'
}

// Not exact: the `if` guards more than the wait.
void more_than_wait() {
  std::unique_lock<std::mutex> lk(m);
  if (!ready) {
    use(1);
    cv.wait(lk);
    // CHECK-MESSAGES: :[[@LINE-1]]:5: warning: 'wait' is not in a loop that re-checks its condition [wait-not-in-loop]
  }
}

// A pool worker: the statement after the wait re-checks only part of the guard, and takes a
// spurious wake-up (queue still empty, not stopping) for "stop": the worker leaves the pool.
bool stopping = false;
void pool_worker() {
  for (;;) {
    std::unique_lock<std::mutex> lk(m);
    if (q.empty() && !stopping) cv.wait(lk);
    // CHECK-MESSAGES: :[[@LINE-1]]:33: warning: 'wait' is not in a loop that re-checks its condition [wait-not-in-loop]
    // CHECK-FIXES: while (q.empty() && !stopping) cv.wait(lk);
    if (q.empty()) return;
    use(q.front());
    q.pop_front();
  }
}

// A background thread whose loop comes back to the `if` after the wait, but which first runs a
// step guarded by part of the state and then an unguarded one: a spurious wake-up reaches
// `use(q.front())` on an empty queue.
bool busy = false;
void background_unguarded_tail() {
  pthread_mutex_lock(&pm);
  while (1) {
    if (!busy && !q.empty()) {
      busy = true;
    } else {
      pthread_cond_wait(&pc, &pm);
      // CHECK-MESSAGES: :[[@LINE-1]]:7: warning: 'pthread_cond_wait' is not in a loop that re-checks its condition [wait-not-in-loop]
      // CHECK-NOTES: :[[@LINE-2]]:7: note: if one wake-up is enough here by design, say so where it is: '// NOLINT(wait-not-in-loop)
    }
    while (busy) busy = false;
    use(q.front());
  }
}

// Wait wrappers: the wait inside is the callers' business; an unlooped call of one is reported.
class CondVarWrapper {
 public:
  explicit CondVarWrapper(std::mutex* mu) : mu_(mu) {}
  // Waits with the caller's mutex already held (adopted), like leveldb's port::CondVar.
  void Wait() {
    std::unique_lock<std::mutex> lock(*mu_, std::adopt_lock);
    cv_.wait(lock);
    lock.release();
  }
  void Signal() { cv_.notify_one(); }

 private:
  std::condition_variable cv_;
  std::mutex* mu_;
};
void c_cond_wait(pthread_cond_t* c, pthread_mutex_t* mu) {
  if (pthread_cond_wait(c, mu)) __builtin_trap();  // a wrapper that only checks the result
}
CondVarWrapper wrapped(&m);
void waits_through_wrappers() {
  m.lock();
  if (!ready) wrapped.Wait();
  // CHECK-MESSAGES: :[[@LINE-1]]:15: warning: 'Wait' is not in a loop that re-checks its condition [wait-not-in-loop]
  // CHECK-NOTES: :[[@LINE-17]]:5: note: 'Wait' is a wait wrapper: it waits here and re-checks nothing, so its caller must loop
  m.unlock();
  pthread_mutex_lock(&pm);
  if (!ready) c_cond_wait(&pc, &pm);
  // CHECK-MESSAGES: :[[@LINE-1]]:15: warning: 'c_cond_wait' is not in a loop that re-checks its condition [wait-not-in-loop]
  pthread_mutex_unlock(&pm);
}

// Not a wrapper: it waits on a global condition and then reads the state itself.
int jobs = 0;
int wait_for_job() {
  pthread_mutex_lock(&pm);
  pthread_cond_wait(&pc, &pm);
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 'pthread_cond_wait' is not in a loop that re-checks its condition [wait-not-in-loop]
  int j = jobs--;
  pthread_mutex_unlock(&pm);
  return j;
}

// A wrapper that sets its mutex's debug flag again after the wait (RocksDB's port::CondVar::Wait
// writes `mu_->locked_`): writing state reads nothing, so it is a wrapper; its caller is checked.
struct DebugMutex {
  pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
  bool locked = false;
};
class DebugCondVar {
 public:
  explicit DebugCondVar(DebugMutex* mu) : mu_(mu) {}
  void Wait() {
    mu_->locked = false;
    pthread_cond_wait(&cv_, &mu_->mu);
    mu_->locked = true;
  }

 private:
  pthread_cond_t cv_ = PTHREAD_COND_INITIALIZER;
  DebugMutex* mu_;
};
DebugMutex debug_mu;
DebugCondVar debug_cv(&debug_mu);
void waits_through_debug_wrapper() {
  pthread_mutex_lock(&debug_mu.mu);
  if (!ready) debug_cv.Wait();
  // CHECK-MESSAGES: :[[@LINE-1]]:15: warning: 'Wait' is not in a loop that re-checks its condition [wait-not-in-loop]
  pthread_mutex_unlock(&debug_mu.mu);
}

// A wrapper that receives the condvar inside a struct (TokuDB's toku_cond_wait on a
// `toku_cond_t*` pairing the condvar with a profiling hook): its caller is checked.
struct hooked_cond {
  pthread_cond_t pcond;
  void* hook;
};
void hooked_cond_wait(hooked_cond* c, pthread_mutex_t* mu) {
  int r = pthread_cond_wait(&c->pcond, mu);
  if (r != 0) __builtin_trap();
}
hooked_cond hooked = {PTHREAD_COND_INITIALIZER, nullptr};
void waits_through_hooked_wrapper() {
  pthread_mutex_lock(&pm);
  if (!ready) hooked_cond_wait(&hooked, &pm);
  // CHECK-MESSAGES: :[[@LINE-1]]:15: warning: 'hooked_cond_wait' is not in a loop that re-checks its condition [wait-not-in-loop]
  pthread_mutex_unlock(&pm);
}

// The shape of a timed event wait that returns the event's state (below, in the negatives),
// with an untimed wait: "wait until set" returns early, unset, on a spurious wake-up; and a
// timed one whose result is not the state the `if` tested.
class UntimedFlagWait {
 public:
  bool wait_set(std::unique_lock<std::mutex>& lk) {
    if (!set_) cv_.wait(lk);
    // CHECK-MESSAGES: :[[@LINE-1]]:16: warning: 'wait' is not in a loop that re-checks its condition [wait-not-in-loop]
    // CHECK-FIXES: while (!set_) cv_.wait(lk);
    return set_;
  }
  bool wait_set_for(std::unique_lock<std::mutex>& lk, std::chrono::milliseconds d) {
    if (!set_) cv_.wait_for(lk, d);
    // CHECK-MESSAGES: :[[@LINE-1]]:16: warning: 'wait_for' is not in a loop that re-checks its condition [wait-not-in-loop]
    return other_;
  }

 private:
  std::condition_variable cv_;
  bool set_ = false;
  bool other_ = false;
};

// ---- negatives ---------------------------------------------------------------------------

// The same wrappers called in loops: nothing to report.
void loops_through_debug_and_hooked_wrappers() {
  pthread_mutex_lock(&debug_mu.mu);
  while (!ready) debug_cv.Wait();
  pthread_mutex_unlock(&debug_mu.mu);
  pthread_mutex_lock(&pm);
  while (!ready) hooked_cond_wait(&hooked, &pm);
  pthread_mutex_unlock(&pm);
}

// A wait that re-reads shared state into a local and goes back to the loop's check (RocksDB's
// WriteThread::LinkOne during a write stall).
std::atomic<int*> newest{nullptr};
int stall_marker = 0;
void reload_then_continue() {
  int* writers = newest.load();
  while (true) {
    if (writers == &stall_marker) {
      std::unique_lock<std::mutex> lk(m);
      writers = newest.load();
      if (writers == &stall_marker) {
        cv.wait(lk);
        writers = newest.load();
        continue;
      }
    }
    use(writers != nullptr);  // runs only once the stall is over
    if (newest.compare_exchange_weak(writers, nullptr)) break;
  }
}

// A timer thread (RocksDB's TimerQueue::run): the `if` chooses between a timed and an untimed
// wait on a field of a local pair the loop computed, straight in the loop that re-checks.
struct Deadline {
  bool set;
  std::chrono::steady_clock::time_point at;
};
Deadline next_deadline();
bool finish = false;
void timer_loop() {
  std::unique_lock<std::mutex> lk(m);
  while (!finish) {
    Deadline end = next_deadline();
    if (end.set) {
      cv.wait_until(lk, end.at);
    } else {
      cv.wait(lk);
    }
    use(1);
  }
}

// A wrapper that chooses between wait and wait_for on its own parameter (libzmq's
// condition_variable_t::wait(mutex, timeout) shape): still a wrapper.
class TimedCondVar {
 public:
  int wait(std::unique_lock<std::mutex>& lk, int timeout_ms) {
    int res = 0;
    if (timeout_ms == -1) {
      cv_.wait(lk);
    } else if (cv_.wait_for(lk, std::chrono::milliseconds(timeout_ms)) ==
               std::cv_status::timeout) {
      res = -1;
    }
    return res;
  }

 private:
  std::condition_variable cv_;
};
TimedCondVar timed_cv;
void loops_on_timed_wrapper() {
  std::unique_lock<std::mutex> lk(m);
  while (!ready) timed_cv.wait(lk, 10);
}

// A wait whose `if` only chooses its flavour on the function's own values, straight in a loop
// that re-checks (abseil's waiter: `while (wakeups == 0) { if (!timed) wait; else wait_until }`).
int wakeups = 0;
void flavour_choice_in_loop(bool timed) {
  std::unique_lock<std::mutex> lk(m);
  bool first = true;
  while (wakeups == 0) {
    if (!timed) {
      cv.wait(lk);
    } else {
      cv.wait_for(lk, std::chrono::milliseconds(5));
    }
    first = false;
  }
  (void)first;
  --wakeups;
}

// A class with state of its own whose private helper forwards the wait (abseil's
// PthreadWaiter::TimedWait): the helper is a wrapper, its caller loops.
class Waiter {
 public:
  void Wait() {
    std::unique_lock<std::mutex> lk(mu_);
    while (count_ == 0) TimedWait(lk);
    --count_;
  }

 private:
  void TimedWait(std::unique_lock<std::mutex>& lk) { cv_.wait_for(lk, std::chrono::milliseconds(5)); }
  std::mutex mu_;
  std::condition_variable cv_;
  int count_ = 0;
};

// Wrappers called in loops: nothing to report, neither here nor in the wrappers' bodies.
void loops_through_wrappers() {
  m.lock();
  while (!ready) wrapped.Wait();
  m.unlock();
  pthread_mutex_lock(&pm);
  while (!ready) c_cond_wait(&pc, &pm);
  pthread_mutex_unlock(&pm);
}

// A background thread whose loop re-checks by coming back to the `if`: everything after the
// if/else runs only under a test of the same state (the shape of a compaction thread:
// `while (1) { if (!busy && find_work()) {...} else { wait } while (busy) {...} }`).
void background_guarded_tail() {
  pthread_mutex_lock(&pm);
  while (1) {
    if (!busy && !q.empty()) {
      busy = true;
    } else {
      pthread_cond_wait(&pc, &pm);
    }
    while (busy) {
      use(q.front());
      q.pop_front();
      busy = false;
    }
  }
}

// The `if` around the wait picks the thread's role, not the awaited state, and the loop re-checks
// that state: after the `if`, only tests of the loop's state and code without effect beyond its
// own locals (a debug-only invariant scan) run before the check (the shape of RocksDB's rate
// limiter: `do { ... if (refill_pending) r.cv.Wait(); else ... } while (r.request_bytes > 0)`).
struct Request {
  long bytes = 0;
  std::condition_variable cv;
};
bool refill_pending = false;
std::deque<Request*> waiting;
void rate_limiter_role(Request& r, std::unique_lock<std::mutex>& lk) {
  do {
    if (refill_pending) {
      r.cv.wait(lk);
    } else {
      refill_pending = true;
      cv.wait_for(lk, std::chrono::milliseconds(1));
      refill_pending = false;
    }
    if (r.bytes == 0 && !waiting.empty()) waiting.front()->cv.notify_one();
    int found = 0;
    for (int i = 0; i < 2; ++i) {
      if (std::find(waiting.begin(), waiting.end(), &r) != waiting.end()) ++found;
    }
    if (r.bytes == 0) found = -found;
  } while (!ready && r.bytes > 0);
}

// The same shape with a tail that acts on the wake-up: reported.
int served = 0;
void rate_limiter_acting_tail(Request& r, std::unique_lock<std::mutex>& lk) {
  do {
    if (refill_pending) {
      r.cv.wait(lk);
      // CHECK-MESSAGES: :[[@LINE-1]]:7: warning: 'wait' is not in a loop that re-checks its condition [wait-not-in-loop]
    } else {
      refill_pending = true;
    }
    ++served;
  } while (!ready && r.bytes > 0);
}

// The same worker re-checking all of the guard's state after the wait.
void pool_worker_full_recheck() {
  for (;;) {
    std::unique_lock<std::mutex> lk(m);
    if (q.empty() && !stopping) cv.wait(lk);
    if (q.empty() && stopping) return;
    if (q.empty()) continue;
    use(q.front());
    q.pop_front();
  }
}

// The statement after the wait tests the guard's state again but only counts what it saw, and
// the resource is taken all the same: no re-check (the tutorial's `if not resource_available:`
// consumer, with a counter of phantom takes).
int phantom = 0;
void consumer_counting_phantoms() {
  for (int i = 0; i < 3; ++i) {
    std::unique_lock<std::mutex> lk(m);
    if (!ready) cv.wait(lk);
    // CHECK-MESSAGES: :[[@LINE-1]]:17: warning: 'wait' is not in a loop that re-checks its condition [wait-not-in-loop]
    if (!ready) ++phantom;
    ready = false;
  }
}

// The same test after the wait, acting on it: an `else` keeps the take under it, or the branch
// goes back to the loop's top. Both re-check.
void consumer_recheck_else() {
  for (int i = 0; i < 3; ++i) {
    std::unique_lock<std::mutex> lk(m);
    if (!ready) cv.wait(lk);
    if (!ready) ++phantom;
    else ready = false;
  }
}
void consumer_recheck_continues() {
  for (int i = 0; i < 3; ++i) {
    std::unique_lock<std::mutex> lk(m);
    if (!ready) cv.wait(lk);
    if (!ready) { ++phantom; continue; }
    ready = false;
  }
}

void while_loop() {
  std::unique_lock<std::mutex> lk(m);
  while (!ready) cv.wait(lk);
  while (q.empty()) {
    cv_any.wait(lk);
  }
  do {
    cv.wait(lk);
  } while (!ready);
  for (;;) {
    cv.wait(lk);
    if (ready) break;
  }
}

void predicate_overloads() {
  std::unique_lock<std::mutex> lk(m);
  cv.wait(lk, [] { return ready; });
  cv.wait_for(lk, std::chrono::seconds(1), [] { return ready; });
  cv_any.wait(lk, [] { return ready; });
  if (!ready) cv.wait(lk, [] { return ready; });
  wc.wait_for([] { return ready; });
}

// leveldb's DBImpl::MakeRoomForWrite shape: every branch is re-evaluated after the wait.
void leveldb_shape(bool force) {
  std::unique_lock<std::mutex> lk(m);
  while (true) {
    if (force) {
      break;
    } else if (!q.empty()) {
      cv.wait(lk);
    } else {
      break;
    }
  }
}

void recheck_with_continue() {
  std::unique_lock<std::mutex> lk(m);
  for (;;) {
    if (!ready) {
      cv.wait(lk);
      continue;
    }
    use(1);
    break;
  }
}

// The statement after the `if` checks the same state again.
void recheck_next(std::atomic<bool>& running) {
  std::unique_lock<std::mutex> lk(m);
  while (running) {
    if (q.empty()) cv.wait(lk);
    if (q.empty()) continue;
    use(q.front());
  }
}

void pthread_loop() {
  pthread_mutex_lock(&pm);
  while (!ready) pthread_cond_wait(&pc, &pm);
  pthread_mutex_unlock(&pm);
}

// A timed wait on an event that tells the caller whether the event is set (boost.asio's
// posix_event::wait_for_usec has this shape: the `if` tests the event's bit, the wait is timed,
// and the function returns the bit): the result is the re-check, for a caller that must handle
// "not set" after a timeout anyway. The same with std::condition_variable::wait_for.
class TimedEvent {
 public:
  bool timed_wait_usec(pthread_mutex_t* mu, long usec) {
    if ((bits_ & 1) == 0) {
      bits_ += 2;
      timespec ts;
      if (clock_gettime(CLOCK_MONOTONIC, &ts) == 0) {
        ts.tv_sec += usec / 1000000;
        pthread_cond_timedwait(&cond_, mu, &ts);
      }
      bits_ -= 2;
    }
    return (bits_ & 1) != 0;
  }
  bool wait_for_set(std::unique_lock<std::mutex>& lk, std::chrono::milliseconds d) {
    if (!set_) cv_.wait_for(lk, d);
    return set_;
  }

 private:
  pthread_cond_t cond_ = PTHREAD_COND_INITIALIZER;
  unsigned long bits_ = 0;
  std::condition_variable cv_;
  bool set_ = false;
};
TimedEvent timed_event;
bool poll_timed_event(std::unique_lock<std::mutex>& lk) {
  if (timed_event.timed_wait_usec(&pm, 1000)) return true;
  return timed_event.wait_for_set(lk, std::chrono::milliseconds(1));
}

void suppressed() {
  std::unique_lock<std::mutex> lk(m);
  cv.wait(lk);  // NOLINT(wait-not-in-loop): a one-shot handshake in this test
}

// A loop that counts wake-ups takes each one for an event: a spurious one is counted.
void count_wakeups(int n) {
  std::unique_lock<std::mutex> lk(m);
  for (int i = 0; i < n; ++i) cv.wait(lk);
  // CHECK-MESSAGES: :[[@LINE-1]]:31: warning: 'wait' is in a loop that counts wake-ups instead of re-checking its condition; a spurious wake-up is counted [wait-not-in-loop]
  // CHECK-NOTES: :[[@LINE-2]]:31: note: count the events in state the notifier changes under the lock
  // CHECK-NOTES: :[[@LINE-3]]:31: note: if counting wake-ups is right here by design, say so where it is: '// NOLINT(wait-not-in-loop)
}

void count_wakeups_while(int n) {
  pthread_mutex_lock(&pm);
  while (n-- > 0) {
    pthread_cond_wait(&pc, &pm);
    // CHECK-MESSAGES: :[[@LINE-1]]:5: warning: 'pthread_cond_wait' is in a loop that counts wake-ups instead of re-checking its condition; a spurious wake-up is counted [wait-not-in-loop]
  }
  pthread_mutex_unlock(&pm);
}

void count_wakeups_do(int n) {
  std::unique_lock<std::mutex> lk(m);
  int seen = 0;
  do {
    cv_any.wait(lk);
    // CHECK-MESSAGES: :[[@LINE-1]]:5: warning: 'wait' is in a loop that counts wake-ups instead of re-checking its condition; a spurious wake-up is counted [wait-not-in-loop]
    seen += 1;
  } while (seen < n);
}

// Not counting: the loop looks at state after the wait, or its condition is not a counter the
// loop steps (a local another thread sets through a reference), or the wait is timed (a pause).
void count_with_recheck(int n) {
  std::unique_lock<std::mutex> lk(m);
  for (int i = 0; i < n; ++i) {
    cv.wait(lk);
    if (ready) break;
  }
}

void local_flag_set_elsewhere() {
  std::unique_lock<std::mutex> lk(m);
  bool done = false;
  auto finish = [&] { done = true; };
  (void)finish;
  while (!done) cv.wait(lk);
}

void count_state(int n) {
  std::unique_lock<std::mutex> lk(m);
  for (int i = 0; i < n && q.empty(); ++i) cv.wait(lk);
}

void timed_pauses(int n) {
  std::unique_lock<std::mutex> lk(m);
  for (int i = 0; i < n; ++i) cv.wait_for(lk, std::chrono::milliseconds(1));
}

void count_suppressed(int n) {
  std::unique_lock<std::mutex> lk(m);
  for (int i = 0; i < n; ++i) cv.wait(lk);  // NOLINT(wait-not-in-loop): each notify is one tick here
}

// ---- asyncio's Condition in C++20 coroutines (issue 18): the same rule for tasks ------------

// A stand-in with the shape of weft::aio::Condition (primitives/include/weft/asyncio.hpp).
namespace weft::aio {
struct Wait {
  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<>) const noexcept {}
  bool await_resume() const noexcept { return true; }
};
class Condition {
 public:
  Wait wait();
  template <class Pred>
  Wait wait_for(Pred p) {
    (void)p;
    return {};
  }
  void notify(int n = 1);
  void notify_all();
};
}  // namespace weft::aio
struct AioTask {
  struct promise_type {
    AioTask get_return_object() { return {}; }
    std::suspend_never initial_suspend() noexcept { return {}; }
    std::suspend_never final_suspend() noexcept { return {}; }
    void return_void() {}
    void unhandled_exception() {}
  };
};
weft::aio::Condition aio_cond;
bool aio_ready = false;

// The tutorial's section 7 consumer with `if` instead of `while`.
AioTask aio_consumer_if() {
  if (!aio_ready) co_await aio_cond.wait();
  // CHECK-MESSAGES: :[[@LINE-1]]:28: warning: 'wait' is not in a loop that re-checks its condition [wait-not-in-loop]
  // CHECK-FIXES: while (!aio_ready) co_await aio_cond.wait();
}

// Negatives: `while not resource_available: await condition.wait()`, and the predicate form.
AioTask aio_consumer_while() {
  while (!aio_ready)  // (on two lines: the CHECK-FIXES above must find the fixed line only)
    co_await aio_cond.wait();
  co_await aio_cond.wait_for([] { return aio_ready; });
}

// ---- other libraries' async conditions: a wait to co_await, a notify, no event state -------

// What their waits return: something to co_await.
struct Awaitable {
  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<>) const noexcept {}
  void await_resume() const noexcept {}
};

// A project's own condition for tasks (libcoro's coro::condition_variable has this shape).
class TaskCondition {
 public:
  Awaitable wait();
  template <class Pred>
  Awaitable wait(Pred pred) {
    (void)pred;
    return {};
  }
  void notify_one();
  void notify_all();
};
TaskCondition job_cond;
bool job_ready = false, job_done = false;

AioTask job_consumer_if() {
  if (!job_ready) co_await job_cond.wait();
  // CHECK-MESSAGES: :[[@LINE-1]]:28: warning: 'wait' is not in a loop that re-checks its condition [wait-not-in-loop]
  // CHECK-FIXES: while (!job_ready) co_await job_cond.wait();
}

// Negatives: the loop re-checks, the predicate overload re-checks, and a wait nobody awaits
// does not wait (discarded-awaitable's business).
AioTask job_consumer_while() {
  while (!job_done) co_await job_cond.wait();
  co_await job_cond.wait([] { return job_done; });
  if (!job_done) (void)job_cond.wait();
}

// Counting wake-ups is the same bug for tasks.
AioTask job_count(int n) {
  for (int i = 0; i < n; ++i) co_await job_cond.wait();
  // CHECK-MESSAGES: :[[@LINE-1]]:40: warning: 'wait' is in a loop that counts wake-ups instead of re-checking its condition; a spurious wake-up is counted [wait-not-in-loop]
}

// concurrencpp's async_condition_variable: `co_await cv.await(executor, lock)`, notify_one/all;
// await(executor, lock, pred) is its predicate form.
struct Executor {};
struct ScopedAsyncLock {};
class AsyncConditionVariable {
 public:
  Awaitable await(Executor* resume_on, ScopedAsyncLock& lock);
  template <class Pred>
  Awaitable await(Executor* resume_on, ScopedAsyncLock& lock, Pred pred) {
    (void)resume_on, (void)lock, (void)pred;
    return {};
  }
  void notify_one();
  void notify_all();
};
AsyncConditionVariable ccpp_cv;
Executor* pool;

AioTask ccpp_if(ScopedAsyncLock& lock) {
  if (!job_ready) co_await ccpp_cv.await(pool, lock);
  // CHECK-MESSAGES: :[[@LINE-1]]:28: warning: 'await' is not in a loop that re-checks its condition [wait-not-in-loop]
  // CHECK-FIXES: while (!job_ready) co_await ccpp_cv.await(pool, lock);
  co_await ccpp_cv.await(pool, lock, [] { return job_done; });
}

// Seastar's condition_variable: wait() or the coroutine-only when(), signal() and broadcast();
// a timeout argument makes it a timed wait (reported, no fix-it, as cv.wait_for is).
class SignalCondition {
 public:
  Awaitable wait();
  Awaitable wait(std::chrono::milliseconds timeout);
  Awaitable when();
  void signal();
  void broadcast();
};
SignalCondition sea_cv;

AioTask sea_if() {
  if (!job_ready) co_await sea_cv.when();
  // CHECK-MESSAGES: :[[@LINE-1]]:28: warning: 'when' is not in a loop that re-checks its condition [wait-not-in-loop]
  // CHECK-FIXES: while (!job_ready) co_await sea_cv.when();
  if (!job_done) co_await sea_cv.wait(std::chrono::milliseconds(5));
  // CHECK-MESSAGES: :[[@LINE-1]]:27: warning: 'wait' is not in a loop that re-checks its condition [wait-not-in-loop]
  // CHECK-NOTES: :[[@LINE-2]]:27: note: co_await 'wait' in a 'while' loop that re-checks the awaited state
}

// Not conditions: events remember that they were set (asyncio's Event; async_simple's Notifier
// has notify() but also reset(): a notify stays until the reset), and a timer has nothing to
// notify with. One wait under an `if` is right for them.
class TaskEvent {
 public:
  Awaitable wait();
  void set();
  void clear();
  bool is_set() const;
};
class Notifier {
 public:
  Awaitable wait();
  void notify();
  void reset();
};
class Timer {
 public:
  Awaitable async_wait();
  void cancel();
};
TaskEvent job_event;
Notifier job_notifier;
Timer job_timer;

AioTask not_conditions() {
  if (!job_event.is_set()) co_await job_event.wait();
  if (!job_ready) co_await job_notifier.wait();
  if (!job_ready) co_await job_timer.async_wait();
}

// A coroutine that only forwards an async condition's wait is a wrapper, as a thread-side one
// is: not reported itself; its callers must loop.
struct AwaitableTask {
  struct promise_type {
    AwaitableTask get_return_object() { return {}; }
    std::suspend_never initial_suspend() noexcept { return {}; }
    std::suspend_never final_suspend() noexcept { return {}; }
    void return_void() {}
    void unhandled_exception() {}
  };
  bool await_ready() const noexcept { return true; }
  void await_suspend(std::coroutine_handle<>) const noexcept {}
  void await_resume() const noexcept {}
};
AwaitableTask wait_job(TaskCondition& c) { co_await c.wait(); }

AioTask wrapper_caller() {
  if (!job_ready) co_await wait_job(job_cond);
  // CHECK-MESSAGES: :[[@LINE-1]]:28: warning: 'wait_job' is not in a loop that re-checks its condition [wait-not-in-loop]
  // CHECK-FIXES: while (!job_ready) co_await wait_job(job_cond);
  while (!job_done) co_await wait_job(job_cond);
}
