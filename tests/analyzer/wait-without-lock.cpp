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

// ---- negatives ---------------------------------------------------------------------------

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

// Something is locked in the function: the lock may be the Condition's (Condition(lock)).
std::mutex other;
void locks_something() {
  std::lock_guard<std::mutex> g(other);
  while (!ready) cond.wait();
}
