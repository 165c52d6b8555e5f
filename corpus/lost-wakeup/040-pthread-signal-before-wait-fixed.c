/* lost-wakeup, pthread flavour, direct: main signals "start" once; a worker that starts late
 * waits for it with a bare pthread_cond_wait.
 * Fix: a `started` flag under the mutex records the signal; the worker waits while it is 0.
 * Shape: the tutorial's section 3.4 Condition example with the waiter late (a semaphore makes
 * it late on every run). */
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>

#include "corpus_deadline.h"

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static sem_t signalled;
static int started = 0;

static void* worker(void* arg) {
  sem_wait(&signalled);  // a slow start: the signal has gone out already
  pthread_mutex_lock(&mu);
  while (!started) pthread_cond_wait(&cv, &mu);
  pthread_mutex_unlock(&mu);
  puts("worker: started");
  return NULL;
}

int main(void) {
  corpus_deadline_ms(1000);
  sem_init(&signalled, 0, 0);
  pthread_t t;
  pthread_create(&t, NULL, worker, NULL);
  pthread_mutex_lock(&mu);
  started = 1;
  pthread_cond_signal(&cv);
  pthread_mutex_unlock(&mu);
  sem_post(&signalled);
  pthread_join(t, NULL);
  return 0;
}
