/* lost-wakeup, pthread flavour: a waiter reads `ready` without the mutex and, if it is 0,
 * locks and waits; a setter sets it and signals under the mutex.
 * Fix: check `ready` under the mutex, in the loop around the wait.
 * Shape: check outside, wait inside; two semaphores play the unlucky preemption in the gap. */
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdio.h>

#include "corpus_deadline.h"

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static atomic_int ready = 0;

static void* setter(void* arg) {
  pthread_mutex_lock(&mu);
  ready = 1;
  pthread_cond_signal(&cv);
  pthread_mutex_unlock(&mu);
  return NULL;
}

int main(void) {
  corpus_deadline_ms(1000);
  pthread_t t;
  pthread_create(&t, NULL, setter, NULL);
  pthread_mutex_lock(&mu);
  while (!ready) pthread_cond_wait(&cv, &mu);
  pthread_mutex_unlock(&mu);
  puts("ready");
  pthread_join(t, NULL);
  return 0;
}
