// Cases for wait-without-lock: waits whose lock is evidently not held.
#include <pthread.h>

#include <condition_variable>
#include <mutex>

// A stand-in with the shape of weft::Condition (primitives/include/weft/condition.hpp).
namespace weft {
class Condition {
 public:
  bool acquire(bool = true, double = -1) { return true; }
  void release() {}
  void lock() {}
  void unlock() {}
  bool try_lock() { return true; }
  bool wait(double timeout = -1) { return timeout < 0; }
  template <class Pred>
  bool wait_for(Pred pred, double timeout = -1) { return pred() || timeout < 0; }
  void notify(int = 1) {}
  void notify_all() {}
};
}  // namespace weft

std::mutex m;
std::condition_variable cv;
bool ready = false;
pthread_mutex_t pm = PTHREAD_MUTEX_INITIALIZER;
pthread_cond_t pc = PTHREAD_COND_INITIALIZER;
weft::Condition cond;

// ---- positives ---------------------------------------------------------------------------

void deferred() {
  std::unique_lock<std::mutex> lk(m, std::defer_lock);
  cv.wait(lk, [] { return ready; });
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 'wait' is called without holding the lock 'lk' [wait-without-lock]
  // CHECK-NOTES: :[[@LINE-3]]:3: note: 'lk' was constructed with std::defer_lock
}

void unlocked_before() {
  std::unique_lock<std::mutex> lk(m);
  lk.unlock();
  while (!ready) cv.wait(lk);
  // CHECK-MESSAGES: :[[@LINE-1]]:18: warning: 'wait' is called without holding the lock 'lk' [wait-without-lock]
}

void pthread_unlocked() {
  pthread_mutex_lock(&pm);
  pthread_mutex_unlock(&pm);
  while (!ready) pthread_cond_wait(&pc, &pm);
  // CHECK-MESSAGES: :[[@LINE-1]]:18: warning: 'pthread_cond_wait' is called without holding the lock 'pm' [wait-without-lock]
}

void weft_released() {
  cond.acquire();
  cond.release();
  cond.wait_for([] { return ready; });
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 'wait_for' is called without holding the lock 'cond' [wait-without-lock]
}

void weft_never_acquired() {
  while (!ready) cond.wait();
  // CHECK-MESSAGES: :[[@LINE-1]]:18: warning: 'wait' is called without holding the lock 'cond' [wait-without-lock]
}

// A helper waits on the caller's guard; one caller unlocked it first (corpus 021-std).
void wait_ready(std::unique_lock<std::mutex>& lk) {
  while (!ready) cv.wait(lk);
  // CHECK-MESSAGES: :[[@LINE-1]]:18: warning: 'wait' is called without holding the lock 'lk': 'wait_ready' is called with it unlocked [wait-without-lock]
}
void log_then_wait() {
  std::unique_lock<std::mutex> lk(m);
  lk.unlock();
  // CHECK-NOTES: :[[@LINE-1]]:3: note: 'lk.unlock()' released it here
  wait_ready(lk);
  // CHECK-NOTES: :[[@LINE-1]]:3: note: 'wait_ready' is called here with 'lk' not holding its mutex
}

// ---- negatives ---------------------------------------------------------------------------

// The same kind of helper, called only with the guard locked (re-locked after the log).
void wait_ready_ok(std::unique_lock<std::mutex>& lk) {
  while (!ready) cv.wait(lk);
}
void relock_then_wait() {
  std::unique_lock<std::mutex> lk(m);
  lk.unlock();
  lk.lock();
  wait_ready_ok(lk);
}
void locked_then_wait() {
  std::unique_lock<std::mutex> lk(m);
  wait_ready_ok(lk);
}

void held() {
  std::unique_lock<std::mutex> lk(m);
  while (!ready) cv.wait(lk);
  std::unique_lock<std::mutex> lk2(m, std::defer_lock);
  lk2.lock();
  cv.wait(lk2, [] { return ready; });
}

void weft_guarded() {
  std::unique_lock<weft::Condition> lk(cond);
  while (!ready) cond.wait();
}

void weft_acquired() {
  cond.acquire();
  while (!ready) cond.wait();
  cond.release();
}

void pthread_held() {
  pthread_mutex_lock(&pm);
  while (!ready) pthread_cond_wait(&pc, &pm);
  pthread_mutex_unlock(&pm);
}

// The caller holds the lock: a parameter, or a helper named for it.
void wait_with(std::unique_lock<std::mutex>& lk) { cv.wait(lk, [] { return ready; }); }
void wait_ready_locked() {
  while (!ready) cond.wait();
}

// A helper that never acquires the Condition, called by a function that holds it.
void wait_ready_helper() {
  while (!ready) cond.wait();
}
void consume_ready() {
  std::lock_guard<weft::Condition> g(cond);
  wait_ready_helper();
}

// Something is locked in the function: the lock may be the Condition's (Condition(lock)).
std::mutex other;
void locks_something() {
  std::lock_guard<std::mutex> g(other);
  while (!ready) cond.wait();
}

// ---- pthread: the mutex is not taken on any path from a thread start ---------------------------
// (The positives are the corpus shapes: a lock lost in an edit, a helper called after the
// caller dropped the mutex, the wrong mutex passed to the wait.)

pthread_mutex_t qm = PTHREAD_MUTEX_INITIALIZER;
pthread_mutex_t stats_m = PTHREAD_MUTEX_INITIALIZER;
pthread_cond_t qc = PTHREAD_COND_INITIALIZER;
pthread_cond_t qc2 = PTHREAD_COND_INITIALIZER;
pthread_cond_t qc3 = PTHREAD_COND_INITIALIZER;
pthread_cond_t qc4 = PTHREAD_COND_INITIALIZER;
pthread_cond_t qc5 = PTHREAD_COND_INITIALIZER;
pthread_cond_t qc6 = PTHREAD_COND_INITIALIZER;
pthread_cond_t qc7 = PTHREAD_COND_INITIALIZER;
pthread_cond_t qc8 = PTHREAD_COND_INITIALIZER;

static void* lost_lock(void*) {
  while (!ready) pthread_cond_wait(&qc, &qm);
  // CHECK-MESSAGES: :[[@LINE-1]]:18: warning: 'pthread_cond_wait' is called without holding the lock 'qm' [wait-without-lock]
  pthread_mutex_unlock(&qm);
  return nullptr;
}
void start_lost_lock() {
  pthread_t t;
  pthread_create(&t, nullptr, lost_lock, nullptr);
  // CHECK-NOTES: :[[@LINE-1]]:3: note: 'lost_lock' starts here as a new thread, holding no lock
}

static void wait_data() {
  while (!ready) pthread_cond_wait(&qc2, &qm);
  // CHECK-MESSAGES: :[[@LINE-1]]:18: warning: 'pthread_cond_wait' is called without holding the lock 'qm' [wait-without-lock]
}
static void* reader(void*) {
  pthread_mutex_lock(&qm);
  bool have = ready;
  pthread_mutex_unlock(&qm);
  // CHECK-NOTES: :[[@LINE-1]]:3: note: 'pthread_mutex_unlock(&qm)' released it here
  if (!have) {
    wait_data();
    // CHECK-NOTES: :[[@LINE-1]]:5: note: 'reader' calls 'wait_data' here without holding 'qm'
    pthread_mutex_unlock(&qm);
  }
  return nullptr;
}
void start_reader() {
  pthread_t t;
  pthread_create(&t, nullptr, &reader, nullptr);
}

static void* wrong_mutex(void*) {
  pthread_mutex_lock(&stats_m);
  while (!ready) pthread_cond_wait(&qc3, &qm);
  // CHECK-MESSAGES: :[[@LINE-1]]:18: warning: 'pthread_cond_wait' is called without holding the lock 'qm' [wait-without-lock]
  pthread_mutex_unlock(&stats_m);
  return nullptr;
}
void start_wrong_mutex() {
  pthread_t t;
  pthread_create(&t, nullptr, wrong_mutex, nullptr);
}

// Negatives. The helper's caller holds the mutex: fine.
static void wait_ready() {
  while (!ready) pthread_cond_wait(&qc4, &qm);
}
static void* consumer(void*) {
  pthread_mutex_lock(&qm);
  wait_ready();
  pthread_mutex_unlock(&qm);
  return nullptr;
}
void start_consumer() {
  pthread_t t;
  pthread_create(&t, nullptr, consumer, nullptr);
}

// Callers outside this file may hold it (external linkage, no caller here).
void wait_api() {
  while (!ready) pthread_cond_wait(&qc5, &qm);
}

// Held on one caller's path, not on the other's: not evident (precision first).
static void wait_mixed() {
  while (!ready) pthread_cond_wait(&qc6, &qm);
}
static void* mixed_a(void*) {
  pthread_mutex_lock(&qm);
  wait_mixed();
  pthread_mutex_unlock(&qm);
  return nullptr;
}
void start_mixed() {
  pthread_t t;
  pthread_create(&t, nullptr, mixed_a, nullptr);
  wait_mixed();
}

// The mutex is taken by a helper that does not name it at the call, or by a function whose body
// is elsewhere: not evident.
static void lock_queue() { pthread_mutex_lock(&qm); }
void take_queue_elsewhere();
static void* via_helper(void*) {
  lock_queue();
  while (!ready) pthread_cond_wait(&qc7, &qm);
  pthread_mutex_unlock(&qm);
  take_queue_elsewhere();
  while (!ready) pthread_cond_wait(&qc7, &qm);
  pthread_mutex_unlock(&qm);
  return nullptr;
}
void start_via_helper() {
  pthread_t t;
  pthread_create(&t, nullptr, via_helper, nullptr);
}

// Its address is stored (called from anywhere), or the mutex is a parameter: not followed.
static void* stored_callback(void*) {
  while (!ready) pthread_cond_wait(&qc8, &qm);
  return nullptr;
}
void* (*registered)(void*) = stored_callback;
static void wait_on(pthread_mutex_t* mu) { pthread_cond_wait(&qc8, mu); }
static void* param_mutex(void*) {
  wait_on(&qm);
  return nullptr;
}
void start_param_mutex() {
  pthread_t t;
  pthread_create(&t, nullptr, param_mutex, nullptr);
}

// ---- constant arguments along the chain ---------------------------------------------------
// Every unlocked caller passes a value that rules the wait out: no path reaches it.
pthread_cond_t qc9 = PTHREAD_COND_INITIALIZER;
static void wait_reply(int block) {
  if (block == 0) return;  // polling: never waits
  while (!ready) pthread_cond_wait(&qc9, &qm);
}
static void* poller(void*) {
  wait_reply(0);
  return nullptr;
}
void start_poller() {
  pthread_t t;
  pthread_create(&t, nullptr, poller, nullptr);
}

// A caller holding the lock with a value that never reaches the wait hides nothing: the other
// caller reaches it unlocked. (The `if` in the callee decides on the parameter, never written.)
pthread_cond_t qc10 = PTHREAD_COND_INITIALIZER;
static void fetch(int mode) {
  if (mode == 2) {
    while (!ready) pthread_cond_wait(&qc10, &qm);
    // CHECK-MESSAGES: :[[@LINE-1]]:20: warning: 'pthread_cond_wait' is called without holding the lock 'qm' [wait-without-lock]
  }
}
static void* fetch_locked(void*) {
  pthread_mutex_lock(&qm);
  fetch(1);
  pthread_mutex_unlock(&qm);
  return nullptr;
}
static void* fetch_unlocked(void*) {
  fetch(2);
  // CHECK-NOTES: :[[@LINE-1]]:3: note: 'fetch_unlocked' calls 'fetch' here without holding 'qm'
  return nullptr;
}
void start_fetchers() {
  pthread_t a, b;
  pthread_create(&a, nullptr, fetch_locked, nullptr);
  pthread_create(&b, nullptr, fetch_unlocked, nullptr);
  // CHECK-NOTES: :[[@LINE-1]]:3: note: 'fetch_unlocked' starts here as a new thread, holding no lock
}

// A parameter written before its test says nothing about the caller's value: not pruned.
pthread_cond_t qc11 = PTHREAD_COND_INITIALIZER;
static void wait_adjusted(int block) {
  if (block < 0) block = 1;
  if (block == 0) return;
  while (!ready) pthread_cond_wait(&qc11, &qm);
  // CHECK-MESSAGES: :[[@LINE-1]]:18: warning: 'pthread_cond_wait' is called without holding the lock 'qm' [wait-without-lock]
}
static void* adjusted(void*) {
  wait_adjusted(-1);
  // CHECK-NOTES: :[[@LINE-1]]:3: note: 'adjusted' calls 'wait_adjusted' here without holding 'qm'
  return nullptr;
}
void start_adjusted() {
  pthread_t t;
  pthread_create(&t, nullptr, adjusted, nullptr);
  // CHECK-NOTES: :[[@LINE-1]]:3: note: 'adjusted' starts here as a new thread, holding no lock
}

// ---- the lock vocabulary: every kind of lock counts as "the function takes a lock" ---------
// (the Condition may have been built on it). Reader modes, rwlocks and spin locks included.
pthread_rwlock_t vocab_rw = PTHREAD_RWLOCK_INITIALIZER;
pthread_spinlock_t vocab_spin;
void takes_rwlock() {
  pthread_rwlock_wrlock(&vocab_rw);
  while (!ready) cond.wait();
  pthread_rwlock_unlock(&vocab_rw);
}
void takes_spin() {
  pthread_spin_lock(&vocab_spin);
  while (!ready) cond.wait();
  pthread_spin_unlock(&vocab_spin);
}
void takes_nothing() {
  while (!ready) cond.wait();
  // CHECK-MESSAGES: :[[@LINE-1]]:18: warning: 'wait' is called without holding the lock 'cond' [wait-without-lock]
}

// ---- weft::Condition through the lock model: a guard over it unlocked before the wait ------
void weft_guard_unlocked() {
  std::unique_lock<weft::Condition> lk(cond);
  ready = false;
  lk.unlock();
  while (!ready) cond.wait();
  // CHECK-MESSAGES: :[[@LINE-1]]:18: warning: 'wait' is called without holding the lock 'cond' [wait-without-lock]
  // CHECK-NOTES: :[[@LINE-3]]:3: note: 'lk.unlock()' released it here
}

// ---- the lock model's facts (issue 14): paths through branches, tries, calls through pointers -

// Taken and released inside a branch only: no path holds it at the wait. (The walk back through
// the statements stopped at the `if`; the model's may-hold set says it is held on no path.)
pthread_cond_t qc12 = PTHREAD_COND_INITIALIZER;
bool stats_wanted = false;
static void* branch_unlocked(void*) {
  if (stats_wanted) {
    pthread_mutex_lock(&qm);
    ready = false;
    pthread_mutex_unlock(&qm);
  }
  while (!ready) pthread_cond_wait(&qc12, &qm);
  // CHECK-MESSAGES: :[[@LINE-1]]:18: warning: 'pthread_cond_wait' is called without holding the lock 'qm' [wait-without-lock]
  // CHECK-NOTES: :[[@LINE+5]]:3: note: 'branch_unlocked' starts here as a new thread, holding no lock
  return nullptr;
}
void start_branch_unlocked() {
  pthread_t t;
  pthread_create(&t, nullptr, branch_unlocked, nullptr);
}

// Held on some path (a try-lock that may have succeeded, a lock taken on one branch): silent.
static void* tried(void*) {
  if (pthread_mutex_trylock(&qm) != 0) return nullptr;
  while (!ready) pthread_cond_wait(&qc12, &qm);
  pthread_mutex_unlock(&qm);
  return nullptr;
}
static void* one_branch(void*) {
  if (stats_wanted) pthread_mutex_lock(&qm);
  while (!ready) pthread_cond_wait(&qc12, &qm);
  pthread_mutex_unlock(&qm);
  return nullptr;
}
// A call through a pointer before the wait may take the mutex; so may a helper called after the
// unlock.
void (*before_wait_hook)() = nullptr;
static void* through_pointer(void*) {
  before_wait_hook();
  while (!ready) pthread_cond_wait(&qc12, &qm);
  pthread_mutex_unlock(&qm);
  return nullptr;
}
static void* relocked_by_helper(void*) {
  pthread_mutex_lock(&qm);
  pthread_mutex_unlock(&qm);
  lock_queue();
  while (!ready) pthread_cond_wait(&qc12, &qm);
  pthread_mutex_unlock(&qm);
  return nullptr;
}
void start_held_somewhere() {
  pthread_t t[4];
  pthread_create(&t[0], nullptr, tried, nullptr);
  pthread_create(&t[1], nullptr, one_branch, nullptr);
  pthread_create(&t[2], nullptr, through_pointer, nullptr);
  pthread_create(&t[3], nullptr, relocked_by_helper, nullptr);
}

// std::unique_lock: a try_lock() that may have taken it, or the guard handed to a helper that may
// lock it, before the wait: silent.
void std_tried() {
  std::unique_lock<std::mutex> lk(m, std::defer_lock);
  if (!lk.try_lock()) return;
  cv.wait(lk, [] { return ready; });
}
void relock(std::unique_lock<std::mutex>& lk);
void std_handed_over() {
  std::unique_lock<std::mutex> lk(m);
  lk.unlock();
  relock(lk);
  cv.wait(lk, [] { return ready; });
}

// A builtin or a copy made by a trivial constructor before the wait takes no lock: reported.
struct Job {
  int id;
};
Job last_job;
pthread_cond_t qc13 = PTHREAD_COND_INITIALIZER;
static void* expect_then_wait(void*) {
  Job j = last_job;
  if (__builtin_expect(j.id == 0, 0)) return nullptr;
  pthread_cond_wait(&qc13, &qm);
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 'pthread_cond_wait' is called without holding the lock 'qm' [wait-without-lock]
  pthread_mutex_unlock(&qm);
  return nullptr;
}
void start_expect_then_wait() {
  pthread_t t;
  pthread_create(&t, nullptr, expect_then_wait, nullptr);
}

// A unique_lock& helper handed a guard made with std::defer_lock (the caller's fact names the
// deferral).
void wait_flag(std::unique_lock<std::mutex>& lk) {
  while (!ready) cv.wait(lk);
  // CHECK-MESSAGES: :[[@LINE-1]]:18: warning: 'wait' is called without holding the lock 'lk': 'wait_flag' is called with it unlocked [wait-without-lock]
}
void deferred_then_helper() {
  std::unique_lock<std::mutex> lk(m, std::defer_lock);
  // CHECK-NOTES: :[[@LINE-1]]:3: note: 'lk' was constructed with std::defer_lock
  wait_flag(lk);
  // CHECK-NOTES: :[[@LINE-1]]:3: note: 'wait_flag' is called here with 'lk' not holding its mutex
}

// A member's mutex, followed into the callers through the object the method is called on: a
// thread that calls a waiting method without the object's mutex (reported), one that holds it
// around the call (silent).
namespace {
struct Inbox {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  int n = 0;
  void pop_wait() {
    while (n == 0) pthread_cond_wait(&cv, &mu);
    // CHECK-MESSAGES: :[[@LINE-1]]:20: warning: 'pthread_cond_wait' is called without holding the lock 'mu' [wait-without-lock]
    --n;
  }
  void take_wait() {
    while (n == 0) pthread_cond_wait(&cv, &mu);
    --n;
  }
};
Inbox inbox;
void* reader_unlocked(void*) {
  inbox.pop_wait();
  // CHECK-NOTES: :[[@LINE-1]]:3: note: 'reader_unlocked' calls 'pop_wait' here without holding 'mu'
  return nullptr;
}
void* reader_locked(void*) {
  pthread_mutex_lock(&inbox.mu);
  inbox.take_wait();
  pthread_mutex_unlock(&inbox.mu);
  return nullptr;
}
}  // namespace
void start_inbox_readers() {
  pthread_t t[2];
  pthread_create(&t[0], nullptr, reader_unlocked, nullptr);
  pthread_create(&t[1], nullptr, reader_locked, nullptr);
}

// A std::unique_lock constructed without a mutex and waited on (reported); one given a mutex by a
// move or a swap before the wait (silent).
void no_mutex() {
  std::unique_lock<std::mutex> lk;
  // CHECK-NOTES: :[[@LINE-1]]:3: note: 'lk' was constructed without a mutex
  cv.wait(lk, [] { return ready; });
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 'wait' is called without holding the lock 'lk' [wait-without-lock]
}
void no_mutex_then_swapped() {
  std::unique_lock<std::mutex> lk;
  std::unique_lock<std::mutex> other(m);
  lk.swap(other);
  cv.wait(lk, [] { return ready; });
}
void no_mutex_then_assigned() {
  std::unique_lock<std::mutex> lk;
  lk = std::unique_lock<std::mutex>(m);
  cv.wait(lk, [] { return ready; });
}
