/* notify-without-lock, pthread flavour: struct event (flag, mutex, condition) is a small
 * hand-written Event; two workers wait for a shutdown event.
 * Fix: event_set() holds the mutex while it stores and broadcasts.
 * Shape: a C event object, as found in many portability layers. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

#include "corpus_deadline.h"

struct event {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  atomic_int set;
};

static struct event shutdown_ev = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0};

static void event_set(struct event* e) {
  pthread_mutex_lock(&e->mu);
  e->set = 1;
  pthread_cond_broadcast(&e->cv);
  pthread_mutex_unlock(&e->mu);
}

static void event_wait(struct event* e) {
  pthread_mutex_lock(&e->mu);
  while (!e->set) pthread_cond_wait(&e->cv, &e->mu);
  pthread_mutex_unlock(&e->mu);
}

static void* worker(void* arg) {
  event_wait(&shutdown_ev);
  puts("worker: shutting down");
  return NULL;
}

int main(void) {
  corpus_deadline_ms(1000);
  pthread_t w[2];
  for (int i = 0; i < 2; ++i) pthread_create(&w[i], NULL, worker, NULL);
  struct timespec ts = {0, 20 * 1000000L};
  nanosleep(&ts, NULL);
  event_set(&shutdown_ev);
  for (int i = 0; i < 2; ++i) pthread_join(w[i], NULL);
  return 0;
}
