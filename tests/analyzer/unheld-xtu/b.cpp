// The program: main() starts the threads that call a.cpp's waits and notifies.
#include "shared.h"

static void* held_waiter(void*) {
  pthread_mutex_lock(&mu);
  wait_held();
  pthread_mutex_unlock(&mu);
  return nullptr;
}

static void* unheld_waiter(void*) {
  wait_unheld();
  return nullptr;
}

static void* poller(void*) {
  wait_if(0);
  return nullptr;
}

static void* held_signaller(void*) {
  pthread_mutex_lock(&mu);
  ready = true;
  signal_held();
  pthread_mutex_unlock(&mu);
  return nullptr;
}

static void* unheld_signaller(void*) {
  signal_unheld();
  return nullptr;
}

int main() {
  pthread_t t[5];
  pthread_create(&t[0], nullptr, held_waiter, nullptr);
  pthread_create(&t[1], nullptr, unheld_waiter, nullptr);
  pthread_create(&t[2], nullptr, poller, nullptr);
  pthread_create(&t[3], nullptr, held_signaller, nullptr);
  pthread_create(&t[4], nullptr, unheld_signaller, nullptr);
  for (pthread_t& x : t) pthread_join(x, nullptr);
}
