// The waits and notifies: functions other files may call, so from this file alone their callers
// are unknown and nothing is reported; with b.cpp, its threads are their only callers.
#include "shared.h"

pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
bool ready = false;

void wait_held() {
  while (!ready) pthread_cond_wait(&cv, &mu);  // fine: held_waiter holds mu
}

void wait_unheld() {
  while (!ready) pthread_cond_wait(&cv, &mu);  // reported: unheld_waiter never takes mu
}

void wait_if(int mode) {
  if (mode == 0) return;  // polling: never waits
  while (!ready) pthread_cond_wait(&cv, &mu);  // fine: poller passes 0
}

void signal_held() { pthread_cond_signal(&cv); }  // fine: held_signaller holds mu

void signal_unheld() {
  ready = true;
  pthread_cond_signal(&cv);  // reported: unheld_signaller never takes mu
}
