// Cases for notify-without-lock: weft::Condition notified without its lock (a RuntimeError at
// run time). std::condition_variable may be notified without the lock: not reported.
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
