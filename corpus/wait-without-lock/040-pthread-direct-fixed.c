/* wait-without-lock, pthread flavour, direct: a worker waits for `go` with a condition
 * variable, then unlocks the mutex as usual.
 * Fix: lock the mutex before the wait loop.
 * Shape: a lock call lost in an edit. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

#include "corpus_deadline.h"

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static atomic_int go = 0;

static void* worker(void* arg) {
  pthread_mutex_lock(&mu);
  while (!go) pthread_cond_wait(&cv, &mu);
  pthread_mutex_unlock(&mu);
  puts("worker: go");
  return NULL;
}

int main(void) {
  corpus_deadline_ms(1000);
  pthread_t t;
  pthread_create(&t, NULL, worker, NULL);
  struct timespec ts = {0, 20 * 1000000L};
  nanosleep(&ts, NULL);
  pthread_mutex_lock(&mu);
  go = 1;
  pthread_cond_broadcast(&cv);
  pthread_mutex_unlock(&mu);
  pthread_join(t, NULL);
  return 0;
}
