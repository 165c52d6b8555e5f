// Cross-TU cases for wait-not-in-loop: wait wrappers defined in wrappers.cpp, called in
// callers.cpp, where only these declarations are seen.
#pragma once
#include <pthread.h>

#include <condition_variable>
#include <mutex>

// libuv's shape: a C function forwarding pthread_cond_wait, aborting on an error.
void my_cond_wait(pthread_cond_t* cond, pthread_mutex_t* mutex);

// leveldb's shape: a class that is nothing but a condition variable and its mutex.
class CondVar {
 public:
  explicit CondVar(std::mutex* mu) : mu_(mu) {}
  void Wait();

 private:
  std::mutex* mu_;
  std::condition_variable cv_;
};

// Not a wrapper: a monitor that waits for its own state, in its own loop.
class Gate {
 public:
  void WaitOpen();
  void Open();

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
};
