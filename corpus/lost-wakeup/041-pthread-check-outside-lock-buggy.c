/* lost-wakeup, pthread flavour: a waiter reads `ready` without the mutex and, if it is 0,
 * locks and waits; a setter sets it and signals under the mutex.
 * Bug: the setter runs between the unlocked check and the wait; its signal finds no waiter,
 * and the waiter then blocks forever (exit 86 from the deadline).
 * Shape: check outside, wait inside; two semaphores play the unlucky preemption in the gap. */
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdio.h>

#include "corpus_deadline.h"

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static atomic_int ready = 0;
static sem_t checked, announced;

static void* setter(void* arg) {
  sem_wait(&checked);
  pthread_mutex_lock(&mu);
  ready = 1;
  pthread_cond_signal(&cv);
  pthread_mutex_unlock(&mu);
  sem_post(&announced);
  return NULL;
}

int main(void) {
  corpus_deadline_ms(1000);
  sem_init(&checked, 0, 0);
  sem_init(&announced, 0, 0);
  pthread_t t;
  pthread_create(&t, NULL, setter, NULL);
  if (!ready) {
    sem_post(&checked);  // an unlucky preemption: the setter runs to completion here
    sem_wait(&announced);
    pthread_mutex_lock(&mu);
    pthread_cond_wait(&cv, &mu);
    pthread_mutex_unlock(&mu);
  }
  puts("ready");
  pthread_join(t, NULL);
  return 0;
}
