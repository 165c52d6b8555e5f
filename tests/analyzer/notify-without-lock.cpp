// Cases for notify-without-lock: weft::Condition notified without its lock (a RuntimeError at
// run time); pthread_cond_signal/broadcast on a path that never took the condition's mutex.
// std::condition_variable may be notified without the lock: not reported.
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
  bool wait(double timeout = -1) { return timeout < 0; }
  void notify(int = 1) {}
  void notify_all() {}
};
}  // namespace weft

weft::Condition cond;
bool ready = false;
std::condition_variable cv;
std::mutex m;

// ---- positives ---------------------------------------------------------------------------

void set_ready() {
  ready = true;
  cond.notify();
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 'notify' is called without holding the lock of 'cond' [notify-without-lock]
  // CHECK-NOTES: :[[@LINE-2]]:3: note: nothing in 'set_ready' acquires it
}

void released_first() {
  cond.acquire();
  ready = true;
  cond.release();
  cond.notify_all();
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 'notify_all' is called without holding the lock of 'cond' [notify-without-lock]
}

// ---- negatives ---------------------------------------------------------------------------

void guarded() {
  std::lock_guard<weft::Condition> g(cond);
  ready = true;
  cond.notify_all();
}

void acquired() {
  cond.acquire();
  ready = true;
  cond.notify();
  cond.release();
}

void std_notify_unlocked() {
  {
    std::lock_guard<std::mutex> g(m);
    ready = true;
  }
  cv.notify_one();
}

void notify_locked() { cond.notify(); }

// A helper that never acquires the Condition, called by a function that holds it.
void wake_readers() { cond.notify_all(); }
void publish_table() {
  std::lock_guard<weft::Condition> g(cond);
  ready = true;
  wake_readers();
}

// ---- pthread: signalled on a path that never took the condition's mutex --------------------
// The mutex of a condition is the one it is waited with in this file.

pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
pthread_cond_t pcv = PTHREAD_COND_INITIALIZER;
pthread_cond_t lonely = PTHREAD_COND_INITIALIZER;
int done = 0;

void wait_done() {
  pthread_mutex_lock(&mu);
  while (!done) pthread_cond_wait(&pcv, &mu);
  pthread_mutex_unlock(&mu);
}

static void* finisher(void*) {
  done = 1;
  pthread_cond_signal(&pcv);
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 'pthread_cond_signal' on 'pcv' is called without ever holding its mutex 'mu' [notify-without-lock]
  // CHECK-NOTES: :[[@LINE-2]]:3: note: a waiter between its check of the state and its wait misses this wake-up
  return nullptr;
}
void start_finisher() {
  pthread_t t;
  pthread_create(&t, nullptr, finisher, nullptr);
  // CHECK-NOTES: :[[@LINE-1]]:3: note: 'finisher' starts here as a new thread, holding no lock
}

// Through calls from main(): main -> publish -> wake_all.
static void wake_all() {
  pthread_cond_broadcast(&pcv);
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 'pthread_cond_broadcast' on 'pcv' is called without ever holding its mutex 'mu' [notify-without-lock]
}
static void publish() {
  done = 1;
  wake_all();
  // CHECK-NOTES: :[[@LINE-1]]:3: note: 'publish' calls 'wake_all' here without holding 'mu'
}

// A hand-written C event: the condition and its mutex are fields.
struct event {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  int set;
};
struct event shutdown_ev = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0};
static void event_set(struct event* e) {
  e->set = 1;
  pthread_cond_broadcast(&e->cv);
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 'pthread_cond_broadcast' on 'cv' is called without ever holding its mutex 'mu' [notify-without-lock]
}
static void event_wait(struct event* e) {
  pthread_mutex_lock(&e->mu);
  while (!e->set) pthread_cond_wait(&e->cv, &e->mu);
  pthread_mutex_unlock(&e->mu);
}

void stop_all();
int main() {
  // CHECK-NOTES: :[[@LINE-1]]:5: note: 'main' starts holding no lock
  stop_all();
  publish();
  event_set(&shutdown_ev);
  event_wait(&shutdown_ev);
  return 0;
}

// Negatives. The state changed under the mutex, signalled after unlocking: legal.
void set_then_signal() {
  pthread_mutex_lock(&mu);
  done = 1;
  pthread_mutex_unlock(&mu);
  pthread_cond_signal(&pcv);
}
static void wake_after_unlock() { pthread_cond_signal(&pcv); }
static void* set_under_lock(void*) {
  pthread_mutex_lock(&mu);
  done = 1;
  pthread_mutex_unlock(&mu);
  wake_after_unlock();
  return nullptr;
}
void start_set_under_lock() {
  pthread_t t;
  pthread_create(&t, nullptr, set_under_lock, nullptr);
}

// Signalled under the mutex, directly or by a helper whose caller holds it.
static void wake_one() { pthread_cond_signal(&pcv); }
static void* signal_held(void*) {
  pthread_mutex_lock(&mu);
  done = 1;
  pthread_cond_signal(&pcv);
  wake_one();
  pthread_mutex_unlock(&mu);
  return nullptr;
}
void start_signal_held() {
  pthread_t t;
  pthread_create(&t, nullptr, signal_held, nullptr);
}

// A condition never waited on here (its mutex unknown), or a function callers elsewhere may call
// with the mutex held: not evident.
static void* lonely_signal(void*) {
  pthread_cond_signal(&lonely);
  return nullptr;
}
void start_lonely() {
  pthread_t t;
  pthread_create(&t, nullptr, lonely_signal, nullptr);
}
void api_signal() {
  done = 1;
  pthread_cond_signal(&pcv);
}

// ---- std::condition_variable: the same rule (its mutex: the unique_lock its waits use) -------
#include <thread>

std::mutex sm;
std::condition_variable scv;
bool sready = false;

void std_wait_ready() {
  std::unique_lock<std::mutex> lk(sm);
  while (!sready) scv.wait(lk);
}

void start_std_notifier() {
  std::thread t([] {
    // CHECK-NOTES: :[[@LINE-1]]:17: note: this lambda starts here as a new thread, holding no lock
    sready = true;
    scv.notify_one();
    // CHECK-MESSAGES: :[[@LINE-1]]:5: warning: 'notify_one' on 'scv' is called without ever holding its mutex 'sm' [notify-without-lock]
  });
  t.join();
}

// Through a member function called from main() (a program's main file: followed).
class Flag {
 public:
  void raise() {
    raised_ = true;
    cv_.notify_all();
    // CHECK-MESSAGES: :[[@LINE-1]]:5: warning: 'notify_all' on 'cv_' is called without ever holding its mutex 'mu_' [notify-without-lock]
  }
  void wait() {
    std::unique_lock<std::mutex> lk(mu_);
    while (!raised_) cv_.wait(lk);
  }
  void raise_locked_scope() {
    {
      std::lock_guard<std::mutex> g(mu_);
      raised_ = true;
    }
    cv_.notify_all();  // changed under the lock, notified after: fine
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool raised_ = false;
};
Flag shutdown_flag;
void stop_all() {
  std::thread waiter([] { shutdown_flag.wait(); });  // a lambda not run here
  shutdown_flag.raise();
  shutdown_flag.raise_locked_scope();
  waiter.join();
}
void std_lambda_locked() {
  std::thread t([] {
    std::lock_guard<std::mutex> g(sm);
    sready = true;
    scv.notify_all();
  });
  t.join();
}

// ---- constant arguments along the chain ---------------------------------------------------
// The only caller passes a value that rules the signal out: no path reaches it.
pthread_cond_t pcv_fd = PTHREAD_COND_INITIALIZER;
void wait_fd() {
  pthread_mutex_lock(&mu);
  while (!done) pthread_cond_wait(&pcv_fd, &mu);
  pthread_mutex_unlock(&mu);
}
static void wake_fd(int fd) {
  if (fd == -1) return;
  pthread_cond_signal(&pcv_fd);
}
static void* closer(void*) {
  wake_fd(-1);
  return nullptr;
}
void start_closer() {
  pthread_t t;
  pthread_create(&t, nullptr, closer, nullptr);
}

// weft::Condition: a caller holding it with a value that never reaches the notify does not make
// the notify "maybe under the lock".
weft::Condition kinds;
void notify_kind(int kind) {
  if (kind == 1) kinds.notify();
  // CHECK-MESSAGES: :[[@LINE-1]]:18: warning: 'notify' is called without holding the lock of 'kinds' [notify-without-lock]
}
void holds_kinds() {
  kinds.acquire();
  notify_kind(0);
  kinds.release();
}
void other_kind() { notify_kind(1); }

// ---- weft::Condition through the lock model: held on every path, some path, or none ---------

// Released through a guard before the notify: the model follows the guard over the Condition.
void guard_released_first() {
  std::unique_lock<weft::Condition> lk(cond);
  ready = true;
  lk.unlock();
  cond.notify();
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 'notify' is called without holding the lock of 'cond' [notify-without-lock]
  // CHECK-NOTES: :[[@LINE-3]]:3: note: 'lk.unlock()' released it here
}

// Released on one path only: held on the other, so not evidently without it.
void released_on_one_path(bool early) {
  cond.acquire();
  ready = true;
  if (early) cond.release();
  cond.notify();
  if (!early) cond.release();
}

// Handed to a function that may take it.
void lock_cond(weft::Condition& c);
void handed_over() {
  lock_cond(cond);
  ready = true;
  cond.notify();
}

// A member Condition: a method that notifies without it, and a helper whose caller holds it
// (on the same object).
class Mailbox {
 public:
  void post() {
    full_ = true;
    cond_.notify();
    // CHECK-MESSAGES: :[[@LINE-1]]:5: warning: 'notify' is called without holding the lock of 'cond_' [notify-without-lock]
    // CHECK-NOTES: :[[@LINE-2]]:5: note: nothing in 'post' acquires it
  }
  void post_held() {
    std::lock_guard<weft::Condition> g(cond_);
    full_ = true;
    wake();
  }

 private:
  void wake() { cond_.notify_all(); }
  weft::Condition cond_;
  bool full_ = false;
};

// ---- thread starts as lock-model facts: std::thread with a function, weft::Thread -----------
#include <functional>
#include <utility>

// A stand-in with the shape of weft::Thread (primitives/include/weft/thread.hpp).
namespace weft {
class Thread {
 public:
  explicit Thread(std::function<void()> target) : target_(std::move(target)) {}
  void join() {}

 private:
  std::function<void()> target_;
};
}  // namespace weft

std::mutex tm;
std::condition_variable tcv;
bool tready = false;
void wait_tready() {
  std::unique_lock<std::mutex> lk(tm);
  while (!tready) tcv.wait(lk);
}
static void announce() {
  tready = true;
  tcv.notify_all();
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 'notify_all' on 'tcv' is called without ever holding its mutex 'tm' [notify-without-lock]
  // CHECK-NOTES: :[[@LINE+3]]:15: note: 'announce' starts here as a new thread, holding no lock
}
void start_announcer() {
  std::thread t(announce);
  t.join();
}
void start_weft_thread() {
  weft::Thread t([] {
    // CHECK-NOTES: :[[@LINE-1]]:18: note: this lambda starts here as a new thread, holding no lock
    tready = true;
    tcv.notify_one();
    // CHECK-MESSAGES: :[[@LINE-1]]:5: warning: 'notify_one' on 'tcv' is called without ever holding its mutex 'tm' [notify-without-lock]
  });
  t.join();
}
// A weft::Thread whose lambda changes the state under the mutex first: silent.
void start_weft_thread_locked() {
  weft::Thread t([] {
    {
      std::lock_guard<std::mutex> g(tm);
      tready = true;
    }
    tcv.notify_one();
  });
  t.join();
}

// weft::Condition: a guard whose scope ended before the notify released it (the lock model
// records the end of the scope as the release).
void scope_ended_first() {
  {
    std::lock_guard<weft::Condition> g(cond);
    ready = true;
  }
  cond.notify();
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 'notify' is called without holding the lock of 'cond' [notify-without-lock]
  // CHECK-NOTES: :[[@LINE-3]]:3: note: 'g' released it here, at the end of its scope
}
