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
