// The lock model's condition-variable facts: each wait and notify with the locks held on every
// path (must_hold) and on some path (may_hold). Checked by run.sh on the summary JSON.
#include <pthread.h>

#include <condition_variable>
#include <mutex>

std::mutex m;
std::condition_variable cv;
bool ready = false;
pthread_mutex_t pm = PTHREAD_MUTEX_INITIALIZER;
pthread_cond_t pc = PTHREAD_COND_INITIALIZER;

void held_on_every_path() {
  std::unique_lock<std::mutex> lk(m);
  while (!ready) cv.wait(lk);  // line 16: must {m}
}

void held_on_some_paths(bool take) {
  if (take) pthread_mutex_lock(&pm);
  pthread_cond_wait(&pc, &pm);  // line 21: must {}, may {pm}
  if (take) pthread_mutex_unlock(&pm);
}

void released_before(bool x) {
  pthread_mutex_lock(&pm);
  ready = x;
  pthread_mutex_unlock(&pm);
  pthread_cond_signal(&pc);  // line 29: must {}, may {}
}

void notify_under_lock() {
  std::lock_guard<std::mutex> g(m);
  ready = true;
  cv.notify_all();  // line 35: must {m}
}

// weft::Condition is its own lock: followed through acquire/release and guards over it.
namespace weft {  // stand-in for primitives/include/weft/condition.hpp
class Condition {
 public:
  bool acquire(bool blocking = true, double timeout = -1);
  void release();
  void lock();
  void unlock();
  bool wait(double timeout = -1);
  void notify(int n = 1);
};
}  // namespace weft
weft::Condition wc;

void weft_released_first() {
  wc.acquire();
  ready = true;
  wc.release();
  wc.notify();  // line 56: must {}, may {}, released by 'wc.release()' (line 55)
}

void weft_guarded(int kind) {
  std::unique_lock<weft::Condition> lk(wc);
  if (kind == 2) wc.notify();  // line 61: must {wc}, requires kind == 2
  while (!ready) wc.wait();  // line 62: must {wc}, the wait's lock wc
  lk.unlock();
  wc.notify();  // line 64: must {}, released by 'lk.unlock()' (line 63)
}

// An event wait: no lock of its own; recorded (op "event") for the locks held there.
#include <atomic>
std::atomic<bool> flag{false};
void event_under_lock() {
  std::lock_guard<std::mutex> g(m);
  flag.wait(false);  // line 72: event, must {m}, may {m}
}
