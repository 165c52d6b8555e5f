// Tests of the lock-reentry check: a non-reentrant lock acquired while the same path holds it.
#include <mutex>
#include <pthread.h>
#include <threads.h>

#include <shared_mutex>

namespace weft {  // stand-ins for primitives/include/weft/{lock,rlock}.hpp
class Lock {
 public:
  bool acquire(bool blocking = true, double timeout = -1);
  void release();
  void lock();
  void unlock();
  bool try_lock();
};
class RLock {
 public:
  bool acquire(bool blocking = true, double timeout = -1);
  void release();
  void lock();
  void unlock();
  bool try_lock();
};
}  // namespace weft

std::mutex m;
std::mutex other;
std::recursive_mutex rm;
std::timed_mutex tm;
weft::Lock wl;
weft::RLock wrl;
pthread_mutex_t pm = PTHREAD_MUTEX_INITIALIZER;
pthread_mutex_t prm = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;
pthread_mutex_t pattr;

// ---- Direct re-acquisition -------------------------------------------------------------------

void direct_lock_twice() {
  m.lock();
  m.lock();
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 'm' is acquired while already held on this path; 'std::mutex' is not reentrant, so the thread deadlocks [lock-reentry]
  // CHECK-NOTES: :[[@LINE-3]]:3: note: 'm' was first acquired here
  m.unlock();
}

void guard_twice() {
  std::lock_guard<std::mutex> g1(m);
  std::lock_guard<std::mutex> g2(m);
  // CHECK-MESSAGES: :[[@LINE-1]]:31: warning: 'm' is acquired while already held on this path; 'std::mutex' is not reentrant, so the thread deadlocks [lock-reentry]
}

void unique_then_scoped() {
  std::unique_lock<std::mutex> lk(m);
  std::scoped_lock sl(other, m);
  // CHECK-MESSAGES: :[[@LINE-1]]:20: warning: 'm' is acquired while already held on this path; 'std::mutex' is not reentrant, so the thread deadlocks [lock-reentry]
}

void weft_lock_twice() {
  wl.acquire();
  wl.lock();
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 'wl' is acquired while already held on this path; 'weft::Lock' is not reentrant, so the thread deadlocks [lock-reentry]
  wl.release();
}

void timed_mutex_twice() {
  std::lock_guard<std::timed_mutex> g(tm);
  tm.lock();
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 'tm' is acquired while already held on this path; 'std::timed_mutex' is not reentrant, so the thread deadlocks [lock-reentry]
}

void pthread_twice() {
  pthread_mutex_lock(&pm);
  pthread_mutex_lock(&pm);
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 'pm' is acquired while already held on this path; 'pthread_mutex_t' is not reentrant, so the thread deadlocks [lock-reentry]
  pthread_mutex_unlock(&pm);
}

void unique_lock_relock() {
  std::unique_lock<std::mutex> lk(m, std::defer_lock);
  lk.lock();
  m.lock();
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 'm' is acquired while already held on this path; 'std::mutex' is not reentrant, so the thread deadlocks [lock-reentry]
}

void adopt_then_lock() {
  m.lock();
  std::lock_guard<std::mutex> g(m, std::adopt_lock);
  std::lock_guard<std::mutex> g2(m);
  // CHECK-MESSAGES: :[[@LINE-1]]:31: warning: 'm' is acquired while already held on this path; 'std::mutex' is not reentrant, so the thread deadlocks [lock-reentry]
}

// ---- Through calls -----------------------------------------------------------------------------

// Reported at the re-acquisition; the notes show the path from the caller that holds the lock.
void locks_m() { std::lock_guard<std::mutex> g(m); }
// CHECK-MESSAGES: :[[@LINE-1]]:46: warning: 'm' is acquired while already held by a caller; 'std::mutex' is not reentrant, so the thread deadlocks [lock-reentry]
void calls_locks_m() { locks_m(); }
// CHECK-NOTES: :[[@LINE-1]]:24: note: 'calls_locks_m' calls 'locks_m' here

void holds_and_calls() {
  std::lock_guard<std::mutex> g(m);
  // CHECK-NOTES: :[[@LINE-1]]:31: note: 'm' was first acquired here, in 'holds_and_calls'
  calls_locks_m();
  // CHECK-NOTES: :[[@LINE-1]]:3: note: 'holds_and_calls' calls 'calls_locks_m' here
}

class Account {
 public:
  void deposit(int n) {
    std::lock_guard<std::mutex> g(mu_);
    balance_ += n;
    audit();
    // CHECK-NOTES: :[[@LINE-1]]:5: note: 'Account::deposit' calls 'Account::audit' here
  }
  void audit() {
    std::lock_guard<std::mutex> g(mu_);
    // CHECK-MESSAGES: :[[@LINE-1]]:33: warning: 'mu_' is acquired while already held by a caller; 'std::mutex' is not reentrant, so the thread deadlocks [lock-reentry]
    ++audits_;
  }
  void transfer_from(Account& other, int n) {
    std::lock_guard<std::mutex> g(mu_);
    other.withdraw(n);  // a different object: not re-entry
    balance_ += n;
  }
  void withdraw(int n) {
    std::lock_guard<std::mutex> g(mu_);
    balance_ -= n;
  }
  void unlocks_before_call() {
    std::unique_lock<std::mutex> lk(mu_);
    ++balance_;
    lk.unlock();
    audit();  // released first: fine
  }
  void scope_ends_before_call() {
    {
      std::lock_guard<std::mutex> g(mu_);
      ++balance_;
    }
    audit();  // the guard's scope ended: fine
  }
  void branch_releases(bool b) {
    std::unique_lock<std::mutex> lk(mu_);
    if (b) lk.unlock();
    audit();  // held on one path only: not reported (precision first)
  }
  void lambda_called_directly() {
    auto touch = [this] { std::lock_guard<std::mutex> g(mu_); };
    // CHECK-MESSAGES: :[[@LINE-1]]:55: warning: 'mu_' is acquired while already held by a caller; 'std::mutex' is not reentrant, so the thread deadlocks [lock-reentry]
    std::lock_guard<std::mutex> g(mu_);
    touch();
    // CHECK-NOTES: :[[@LINE-1]]:5: note: 'Account::lambda_called_directly' calls 'lambda in Account::lambda_called_directly' here
  }

 private:
  std::mutex mu_;
  int balance_ = 0;
  int audits_ = 0;
};

int depth = 0;
void recursive_walk(int n) {
  std::lock_guard<std::mutex> g(m);
  // CHECK-MESSAGES: :[[@LINE-1]]:31: warning: 'm' is acquired while already held by a caller; 'std::mutex' is not reentrant, so the thread deadlocks [lock-reentry]
  if (n > 0) recursive_walk(n - 1);
  // CHECK-NOTES: :[[@LINE-1]]:14: note: 'recursive_walk' calls 'recursive_walk' here
}

void local_mutex_recursion(int n) {
  std::mutex local;  // a new mutex per call: no re-entry
  std::lock_guard<std::mutex> g(local);
  if (n > 0) local_mutex_recursion(n - 1);
}

// ---- Negatives ---------------------------------------------------------------------------------

void recursive_mutex_ok() {
  std::lock_guard<std::recursive_mutex> g(rm);
  std::lock_guard<std::recursive_mutex> g2(rm);
  wrl.acquire();
  wrl.acquire();
  wrl.release();
  wrl.release();
  pthread_mutex_lock(&prm);
  pthread_mutex_lock(&prm);
}

void init_with_attr() {
  pthread_mutexattr_t a;
  pthread_mutexattr_init(&a);
  pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
  pthread_mutex_init(&pattr, &a);
}
void attr_mutex_twice() {
  pthread_mutex_lock(&pattr);
  pthread_mutex_lock(&pattr);  // recursive by its visible initialisation
}

// Attributes whose every use is visible and keeps the default type: a default mutex.
pthread_mutex_t pdefault;
pthread_mutex_t pnormal;
pthread_mutex_t pchanged;
pthread_mutex_t pkind;
void init_default_attrs(int kind) {
  pthread_mutexattr_t a;
  pthread_mutexattr_init(&a);
  pthread_mutexattr_settype(&a, PTHREAD_MUTEX_DEFAULT);
  pthread_mutex_init(&pdefault, &a);
  pthread_mutexattr_destroy(&a);
  pthread_mutexattr_t b;
  pthread_mutexattr_init(&b);
  pthread_mutexattr_setpshared(&b, PTHREAD_PROCESS_PRIVATE);
  pthread_mutex_init(&pnormal, &b);
  // ...but an attribute handed to a helper, or a kind not known here, is not guessed at.
  pthread_mutexattr_t c;
  pthread_mutexattr_init(&c);
  void configure(pthread_mutexattr_t*);
  configure(&c);
  pthread_mutex_init(&pchanged, &c);
  pthread_mutexattr_t d;
  pthread_mutexattr_init(&d);
  pthread_mutexattr_settype(&d, kind);
  pthread_mutex_init(&pkind, &d);
}
void default_attr_twice() {
  pthread_mutex_lock(&pdefault);
  pthread_mutex_lock(&pdefault);
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 'pdefault' is acquired while already held on this path; 'pthread_mutex_t' is not reentrant, so the thread deadlocks [lock-reentry]
  pthread_mutex_lock(&pnormal);
  pthread_mutex_lock(&pnormal);
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 'pnormal' is acquired while already held on this path; 'pthread_mutex_t' is not reentrant, so the thread deadlocks [lock-reentry]
  pthread_mutex_lock(&pchanged);
  pthread_mutex_lock(&pchanged);
  pthread_mutex_lock(&pkind);
  pthread_mutex_lock(&pkind);
}

void try_lock_ok() {
  std::lock_guard<std::mutex> g(m);
  if (m.try_lock()) m.unlock();  // try_lock does not block
  std::unique_lock<std::mutex> lk(m, std::try_to_lock);
  wl.lock();
  wl.acquire(false);
  wl.acquire(true, 0.5);  // times out rather than deadlocks
}

void unlock_before_relock() {
  m.lock();
  m.unlock();
  m.lock();
  m.unlock();
}

void different_mutexes() {
  std::lock_guard<std::mutex> g(m);
  std::lock_guard<std::mutex> g2(other);
}

void loop_lock_unlock() {
  for (int i = 0; i < 3; ++i) {
    std::lock_guard<std::mutex> g(m);
    ++depth;
  }
}

void early_return(bool b) {
  m.lock();
  if (b) {
    m.unlock();
    return;
  }
  m.unlock();
  m.lock();
  m.unlock();
}

void releases_callers_lock() {  // called with m held; releases it around the slow part
  m.unlock();
  locks_m();
  m.lock();
}
void calls_releaser() {
  std::unique_lock<std::mutex> lk(m);
  releases_callers_lock();
}

// ---- C11, shared_mutex, annotated capabilities, reference parameters ----------------------------

mtx_t cm;
mtx_t crm;
void c11_twice() {
  mtx_lock(&cm);
  mtx_lock(&cm);
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 'cm' is acquired while already held on this path; 'mtx_t' is not reentrant, so the thread deadlocks [lock-reentry]
  mtx_unlock(&cm);
}
void c11_recursive_init() { mtx_init(&crm, mtx_plain | mtx_recursive); }
void c11_recursive_twice() {
  mtx_lock(&crm);
  mtx_lock(&crm);  // recursive by its visible initialisation
}

std::shared_mutex sm;
void shared_then_shared_reader() {
  std::shared_lock<std::shared_mutex> r(sm);  // two readers: glibc's rwlock lets them both in
  std::shared_lock<std::shared_mutex> r2(sm);
}
void read_then_write() {
  std::shared_lock<std::shared_mutex> r(sm);
  std::unique_lock<std::shared_mutex> w(sm);
  // CHECK-MESSAGES: :[[@LINE-1]]:39: warning: 'sm' is acquired for writing while already held for reading on this path; a writer waits for every reader to leave, this thread included, so the thread deadlocks (an upgrade needs the read lock released first) [lock-reentry]
}
int sm_read_value() {
  sm.lock_shared();
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 'sm' is acquired for reading while already held for writing by a caller; a reader waits for the writer to leave, and the writer is this thread, so the thread deadlocks [lock-reentry]
  sm.unlock_shared();
  return 0;
}
void write_then_read_through_call() {
  std::lock_guard<std::shared_mutex> w(sm);
  sm_read_value();
}
int sm_read_nested() {
  std::shared_lock<std::shared_mutex> r(sm);
  return sm_read_value();  // a read lock inside a read lock: silent
}
void exclusive_twice() {
  std::unique_lock<std::shared_mutex> w(sm);
  sm.lock();
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 'sm' is acquired while already held on this path; 'std::shared_mutex' is not reentrant, so the thread deadlocks [lock-reentry]
}

class __attribute__((capability("mutex"))) SpinLock {
 public:
  void Acquire() __attribute__((acquire_capability()));
  void Release() __attribute__((release_capability()));
};
class __attribute__((scoped_lockable)) SpinGuard {
 public:
  explicit SpinGuard(SpinLock& l) __attribute__((acquire_capability(l)));
  ~SpinGuard() __attribute__((release_capability()));
};
SpinLock spin;
void annotated_twice() {
  SpinGuard g(spin);
  spin.Acquire();
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 'spin' is acquired while already held on this path; 'SpinLock' is not reentrant, so the thread deadlocks [lock-reentry]
  // CHECK-NOTES: :[[@LINE-3]]:13: note: 'spin' was first acquired here
}
void annotated_release_then_acquire() {
  spin.Acquire();
  spin.Release();
  SpinGuard g(spin);
}

void lock_by_ref(std::mutex& mu) { std::lock_guard<std::mutex> g(mu); }
// CHECK-MESSAGES: :[[@LINE-1]]:64: warning: 'mu' is acquired while already held by a caller; 'std::mutex' is not reentrant, so the thread deadlocks [lock-reentry]
void passes_other() {
  std::lock_guard<std::mutex> g(m);
  lock_by_ref(other);  // a different mutex: fine
}
void passes_same() {
  std::lock_guard<std::mutex> g(m);
  lock_by_ref(m);
  // CHECK-NOTES: :[[@LINE-1]]:3: note: 'passes_same' calls 'lock_by_ref' here
}

void moved_guard() {
  std::unique_lock<std::mutex> lk(m);
  std::unique_lock<std::mutex> lk2(std::move(lk));
  lk2.unlock();
  locks_m();  // released through the moved-to guard: not reported
}

void move_assigned_guard() {
  std::unique_lock<std::mutex> lk(m);
  std::unique_lock<std::mutex> lk2;
  lk2 = std::move(lk);
  lk2.unlock();
  locks_m();  // released through the move-assigned guard: not reported
}

void drops_and_retakes(std::unique_lock<std::mutex>& lk) {
  lk.unlock();
  locks_m();
  lk.lock();
}
void hands_guard_over() {
  std::unique_lock<std::mutex> lk(m);
  drops_and_retakes(lk);  // the callee may release the guard: not reported
}

// A std::mutex used as a signal: another thread unlocks it (unowned-release, reported by
// `weft run`). The second lock() still re-locks a mutex this thread owns: reported, with a note
// naming the hand-off.
#include <thread>
std::mutex busy;
void handoff() {
  busy.lock();
  // CHECK-NOTES: :[[@LINE-1]]:3: note: 'busy' is also unlocked by a function that never locks it
  std::thread worker([] { busy.unlock(); });
  busy.lock();
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 'busy' is acquired while already held on this path; 'std::mutex' is not reentrant, so the thread deadlocks [lock-reentry]
  busy.unlock();
  worker.join();
}
// A weft::Lock may be released by another thread (Python's Lock is a binary semaphore too):
// handed off, its second acquire is how the thread waits. Not reported.
weft::Lock job_lock;
void weft_handoff() {
  job_lock.acquire();
  std::thread worker([] { job_lock.release(); });
  job_lock.acquire();
  job_lock.release();
  worker.join();
}
// ...and a mutex unlocked by a function that never locks it, and locked once elsewhere, is not.
std::mutex signal_mu;
void signal_done() { signal_mu.unlock(); }
void wait_once() {
  signal_mu.lock();
  signal_mu.unlock();
}

// The inner block locks again and also unlocks: the outer unlock then releases a lock that the
// must-hold join lost, which is no hand-off (this function locks it itself). Reported.
int cached = -1;
void refresh_nested() {
  pthread_mutex_lock(&pm);
  if (cached < 0) {
    pthread_mutex_lock(&pm);
    // CHECK-MESSAGES: :[[@LINE-1]]:5: warning: 'pm' is acquired while already held on this path; 'pthread_mutex_t' is not reentrant, so the thread deadlocks [lock-reentry]
    cached = 42;
    pthread_mutex_unlock(&pm);
  }
  pthread_mutex_unlock(&pm);
}
void std_nested() {
  m.lock();
  {
    std::lock_guard<std::mutex> g(m);
    // CHECK-MESSAGES: :[[@LINE-1]]:33: warning: 'm' is acquired while already held on this path; 'std::mutex' is not reentrant, so the thread deadlocks [lock-reentry]
    ++cached;
  }
  m.unlock();
}
// The inner block unlocks first and locks again (the slow part outside the lock): fine.
void drop_in_branch() {
  pthread_mutex_lock(&pm);
  if (cached < 0) {
    pthread_mutex_unlock(&pm);
    cached = 42;
    pthread_mutex_lock(&pm);
  }
  pthread_mutex_unlock(&pm);
}
// Locked on one path only, unlocked on both (the unlock on the other path is the caller's):
// not a hand-off, and nothing is re-acquired.
void lock_on_one_path(bool b) {
  if (b) pthread_mutex_lock(&pm);
  pthread_mutex_unlock(&pm);
}
void after_one_path() {
  lock_on_one_path(false);
  pthread_mutex_lock(&pm);
  pthread_mutex_unlock(&pm);
}

// A pthread mutex reached through a parameter: its initialisation (maybe recursive) is not
// visible here, so a double lock of the parameter is not reported...
void lock_twice_through(pthread_mutex_t* mu) {
  pthread_mutex_lock(mu);
  pthread_mutex_lock(mu);
}
void lock_once_through(pthread_mutex_t* mu) { pthread_mutex_lock(mu); }
// CHECK-MESSAGES: :[[@LINE-1]]:47: warning: 'mu' is acquired while already held by a caller; 'pthread_mutex_t' is not reentrant, so the thread deadlocks [lock-reentry]
// ...but a caller holding a default one and passing it is.
void holds_pm_and_passes() {
  pthread_mutex_lock(&pm);
  lock_once_through(&pm);
  pthread_mutex_unlock(&pm);
}

// __builtin_constant_p never evaluates its argument: Catch2's CHECK(l.acquire()) expands to
// `(void)__builtin_constant_p(l.acquire()); ... handleExpr(... l.acquire()) ...`.
weft::Lock checked;
bool handle(bool);
void catch_style_check() {
  (void)__builtin_constant_p(checked.acquire());
  handle(checked.acquire());
  checked.release();
}
// ...while the argument of an evaluated builtin is run.
void expect_twice() {
  if (__builtin_expect(checked.acquire(), 1)) checked.acquire();
  // CHECK-MESSAGES: :[[@LINE-1]]:47: warning: 'checked' is acquired while already held on this path; 'weft::Lock' is not reentrant, so the thread deadlocks [lock-reentry]
}

// ---- Constant arguments decide the callee's branches ------------------------------------------

// A handler that re-enables intake unless it is told (with a sentinel) to only re-schedule.
// Called with the sentinel by the function holding `intake_mu`, it never reaches the re-lock.
pthread_mutex_t intake_mu = PTHREAD_MUTEX_INITIALIZER;
void enable_intake(int enable);
void on_timer(int fd, int retry) {
  if (fd == -1 || retry) {
    return;  // re-scheduled
  } else {
    enable_intake(1);
    // CHECK-NOTES: :[[@LINE-1]]:5: note: 'on_timer' calls 'enable_intake' here
  }
}
void enable_intake(int enable) {
  pthread_mutex_lock(&intake_mu);
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 'intake_mu' is acquired while already held by a caller; 'pthread_mutex_t' is not reentrant, so the thread deadlocks [lock-reentry]
  // CHECK-NOTES: :[[@LINE-2]]:3: note: 'intake_mu' was first acquired here, in 'enable_intake'
  if (!enable) on_timer(-1, 0);  // negative: the sentinel rules the re-lock out
  if (!enable) on_timer(7, 0);   // positive: fd 7 reaches enable_intake(1)
  // CHECK-NOTES: :[[@LINE-1]]:16: note: 'enable_intake' calls 'on_timer' here
  pthread_mutex_unlock(&intake_mu);
}

// Only the pruned call: nothing to report.
pthread_mutex_t quiet_mu = PTHREAD_MUTEX_INITIALIZER;
void quiet_enable(int enable);
void quiet_timer(int fd) {
  if (fd != -1) quiet_enable(1);
}
void quiet_enable(int enable) {
  pthread_mutex_lock(&quiet_mu);
  if (!enable) quiet_timer(-1);
  pthread_mutex_unlock(&quiet_mu);
}

// ---- the caller holds through lock_guard, the callee re-takes by constructing a unique_lock --
// Reported at the constructor, where the thread blocks (not at a later lock()).
class Registry {
 public:
  void add() {
    std::lock_guard<std::mutex> g(mu_);
    // CHECK-NOTES: :[[@LINE-1]]:33: note: 'mu_' was first acquired here, in 'Registry::add'
    reindex();
    // CHECK-NOTES: :[[@LINE-1]]:5: note: 'Registry::add' calls 'Registry::reindex' here
  }
  void reindex() {
    std::unique_lock<std::mutex> lk(mu_);
    // CHECK-MESSAGES: :[[@LINE-1]]:34: warning: 'mu_' is acquired while already held by a caller; 'std::mutex' is not reentrant, so the thread deadlocks [lock-reentry]
    ++version_;
  }
  void add_ctad() {
    std::lock_guard g(mu_);
    reindex_ctad();
  }
  void reindex_ctad() {
    std::unique_lock lk{mu_};
    // CHECK-MESSAGES: :[[@LINE-1]]:22: warning: 'mu_' is acquired while already held by a caller; 'std::mutex' is not reentrant, so the thread deadlocks [lock-reentry]
  }
  // Negatives: the callee's unique_lock adopts the caller's lock, or only tries it.
  void add_adopting() {
    std::lock_guard<std::mutex> g(mu_);
    adopt();
    try_reindex();
  }
  void adopt() {
    std::unique_lock<std::mutex> lk(mu_, std::adopt_lock);
    ++version_;
    lk.release();
  }
  void try_reindex() {
    std::unique_lock<std::mutex> lk(mu_, std::try_to_lock);
    if (lk.owns_lock()) ++version_;
  }

 private:
  std::mutex mu_;
  int version_ = 0;
};

std::mutex reg_mu;
void reg_take(std::mutex& m) { std::unique_lock<std::mutex> lk(m); }
// CHECK-MESSAGES: :[[@LINE-1]]:61: warning: 'm' is acquired while already held by a caller; 'std::mutex' is not reentrant, so the thread deadlocks [lock-reentry]
void reg_hold() {
  std::lock_guard<std::mutex> g(reg_mu);
  reg_take(reg_mu);
}

// ---- an early exit on a constant argument ends the chain ----------------------------------
pthread_mutex_t exit_mu = PTHREAD_MUTEX_INITIALIZER;
void exit_enable(int enable);
void exit_timer(int fd) {
  if (fd == -1) return;  // the sentinel leaves before the re-lock
  exit_enable(1);
}
void exit_enable(int enable) {
  pthread_mutex_lock(&exit_mu);
  if (!enable) exit_timer(-1);  // negative: pruned by the early return
  pthread_mutex_unlock(&exit_mu);
}

// ---- pthread rwlocks in write mode and spin locks are exclusive locks too ----------------
pthread_rwlock_t doc_rw = PTHREAD_RWLOCK_INITIALIZER;
void doc_flush() {
  pthread_rwlock_wrlock(&doc_rw);
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 'doc_rw' is acquired while already held by a caller; 'pthread_rwlock_t' is not reentrant, so the thread deadlocks [lock-reentry]
  pthread_rwlock_unlock(&doc_rw);
}
void doc_save() {
  pthread_rwlock_wrlock(&doc_rw);
  doc_flush();
  pthread_rwlock_unlock(&doc_rw);
}
pthread_spinlock_t stat_spin;
void stat_add() {
  pthread_spin_lock(&stat_spin);
  pthread_spin_lock(&stat_spin);
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 'stat_spin' is acquired while already held on this path; 'pthread_spinlock_t' is not reentrant, so the thread deadlocks [lock-reentry]
  pthread_spin_unlock(&stat_spin);
  pthread_spin_unlock(&stat_spin);
}
// Negatives: two read locks are allowed (glibc's default rwlock prefers readers); a try does not
// block; the write lock released before the call.
void doc_read_twice() {
  pthread_rwlock_rdlock(&doc_rw);
  pthread_rwlock_rdlock(&doc_rw);
  pthread_rwlock_unlock(&doc_rw);
  pthread_rwlock_unlock(&doc_rw);
}
void doc_try() {
  pthread_rwlock_wrlock(&doc_rw);
  if (pthread_rwlock_trywrlock(&doc_rw) == 0) pthread_rwlock_unlock(&doc_rw);
  pthread_rwlock_unlock(&doc_rw);
}
void doc_save_released() {
  pthread_rwlock_wrlock(&doc_rw);
  pthread_rwlock_unlock(&doc_rw);
  doc_flush();
}
// A read lock asked for while the write lock is held, and the other way round: both wait for
// this thread.
void doc_write_then_read() {
  pthread_rwlock_wrlock(&doc_rw);
  pthread_rwlock_rdlock(&doc_rw);
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 'doc_rw' is acquired for reading while already held for writing on this path; a reader waits for the writer to leave, and the writer is this thread, so the thread deadlocks [lock-reentry]
  pthread_rwlock_unlock(&doc_rw);
}
void doc_read_then_write() {
  pthread_rwlock_rdlock(&doc_rw);
  pthread_rwlock_wrlock(&doc_rw);
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 'doc_rw' is acquired for writing while already held for reading on this path; a writer waits for every reader to leave, this thread included, so the thread deadlocks (an upgrade needs the read lock released first) [lock-reentry]
  pthread_rwlock_unlock(&doc_rw);
}

// ---- weft::Condition: followed by the lock model for the condition facts only -------------

namespace weft {  // stand-in for primitives/include/weft/condition.hpp
class Condition {
 public:
  bool acquire(bool blocking = true, double timeout = -1);
  void release();
  void lock();
  void unlock();
  void notify(int n = 1);
};
}  // namespace weft
weft::Condition cond_rl;

// Its lock is an RLock unless it was given another one: taking it again is no finding.
void condition_acquired_twice() {
  cond_rl.acquire();
  std::lock_guard<weft::Condition> g(cond_rl);
  cond_rl.notify();
  cond_rl.release();
}
