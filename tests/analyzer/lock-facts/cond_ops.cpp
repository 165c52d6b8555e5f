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
