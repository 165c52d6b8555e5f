// The wrappers' bodies: nothing here is reported (the loops belong to the callers).
#include <cstdlib>

#include "shared.h"

void my_cond_wait(pthread_cond_t* cond, pthread_mutex_t* mutex) {
  if (pthread_cond_wait(cond, mutex)) abort();
}

void CondVar::Wait() {
  std::unique_lock<std::mutex> lock(*mu_, std::adopt_lock);
  cv_.wait(lock);
  lock.release();
}

void Gate::WaitOpen() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!open_) cv_.wait(lock);
}

void Gate::Open() {
  std::lock_guard<std::mutex> lock(mu_);
  open_ = true;
  cv_.notify_all();
}
