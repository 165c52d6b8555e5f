/* lost-wakeup, pthread flavour, direct: main signals "start" once; a worker that starts late
 * waits for it with a bare pthread_cond_wait.
 * Bug: the signal is sent before the worker waits and records nothing, so the worker blocks
 * forever (exit 86 from the deadline).
 * Shape: the tutorial's section 3.4 Condition example with the waiter late (a semaphore makes
 * it late on every run). */
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>

#include "corpus_deadline.h"

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static sem_t signalled;

static void* worker(void* arg) {
  sem_wait(&signalled);  // a slow start: the signal has gone out already
  pthread_mutex_lock(&mu);
  pthread_cond_wait(&cv, &mu);
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
  pthread_cond_signal(&cv);
  pthread_mutex_unlock(&mu);
  sem_post(&signalled);
  pthread_join(t, NULL);
  return 0;
}
