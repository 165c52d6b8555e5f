/* notify-without-lock, pthread flavour, direct: main waits for a worker's `done` flag.
 * Bug: the worker sets the flag and signals without the mutex; a signal that falls between
 * main's check and its wait is lost (this run's timing avoids the window).
 * Shape: "the flag is atomic, no lock needed". */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

#include "corpus_deadline.h"

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static atomic_int done = 0;

static void* worker(void* arg) {
  struct timespec ts = {0, 20 * 1000000L};
  nanosleep(&ts, NULL);
  done = 1;
  pthread_cond_signal(&cv);
  return NULL;
}

int main(void) {
  corpus_deadline_ms(1000);
  pthread_t t;
  pthread_create(&t, NULL, worker, NULL);
  pthread_mutex_lock(&mu);
  while (!done) pthread_cond_wait(&cv, &mu);
  pthread_mutex_unlock(&mu);
  puts("worker done");
  pthread_join(t, NULL);
  return 0;
}
