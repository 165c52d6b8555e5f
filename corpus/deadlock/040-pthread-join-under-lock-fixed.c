/* deadlock, pthread flavour: main holds the log mutex while it joins a worker that logs.
 * Fix: main unlocks before it joins.
 * Shape: join under a lock, a frequent shutdown deadlock. */
#include <pthread.h>
#include <stdio.h>

#include "corpus_deadline.h"

static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;

static void* worker(void* arg) {
  pthread_mutex_lock(&log_mu);
  puts("worker: done");
  pthread_mutex_unlock(&log_mu);
  return NULL;
}

int main(void) {
  corpus_deadline_ms(1000);
  pthread_mutex_lock(&log_mu);
  puts("main: starting the worker");
  pthread_t t;
  pthread_create(&t, NULL, worker, NULL);
  pthread_mutex_unlock(&log_mu);
  pthread_join(t, NULL);
  return 0;
}
