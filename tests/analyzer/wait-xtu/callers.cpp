// The callers: each unlooped call is reported only when wrappers.cpp's summary is merged in.
#include "shared.h"

pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
bool ready = false;

void once() {
  pthread_mutex_lock(&mu);
  if (!ready) my_cond_wait(&cond, &mu);  // reported: a wrapper's call, checked once
  pthread_mutex_unlock(&mu);
}

void looped() {
  pthread_mutex_lock(&mu);
  while (!ready) my_cond_wait(&cond, &mu);  // fine
  pthread_mutex_unlock(&mu);
}

std::mutex smu;
CondVar cv(&smu);
int items = 0;

void take() {
  std::unique_lock<std::mutex> lk(smu);
  if (items == 0) cv.Wait();  // reported, with the if -> while fix
  --items;
}

void take_looped() {
  std::unique_lock<std::mutex> lk(smu);
  while (items == 0) cv.Wait();  // fine
  --items;
}

Gate gate;
void pass() {
  if (!ready) gate.WaitOpen();  // not a wrapper: WaitOpen loops on its own state
}

// Wrappers of wrappers (RocksDB's InstrumentedCondVar over port::CondVar, SystemClock::TimedWait
// over CondVar::TimedWait): wrappers once wrappers.cpp shows CondVar::Wait to be one; their own
// bodies are never reported, their unlooped callers are.
class InstrumentedCondVar {
 public:
  explicit InstrumentedCondVar(std::mutex* mu) : cond_(mu) {}
  void Wait() { WaitInternal(); }

 private:
  void WaitInternal() { cond_.Wait(); }
  CondVar cond_;
  long* waits_counter_ = nullptr;  // statistics: state of its own, not what callers wait for
};
void wait_on(CondVar* c) { c->Wait(); }

InstrumentedCondVar icv(&smu);
void take_instrumented() {
  std::unique_lock<std::mutex> lk(smu);
  if (items == 0) icv.Wait();  // reported
  while (items == 0) icv.Wait();  // fine
  while (items == 0) wait_on(&cv);  // fine
  --items;
}

// A wrapper of a wrapper that passes on the condition it receives to another object's wrapper
// (RocksDB's SystemClockWrapper::TimedWait(cv, t) calling target_->TimedWait(cv, t)).
struct Clock {
  void WaitOn(CondVar* c) { wait_on(c); }
};
struct ClockWrapper {
  void WaitOn(CondVar* c) { target_->WaitOn(c); }
  Clock* target_ = nullptr;
};
ClockWrapper clock_wrapper;
void take_through_clock() {
  std::unique_lock<std::mutex> lk(smu);
  while (items == 0) clock_wrapper.WaitOn(&cv);  // fine
  --items;
}
