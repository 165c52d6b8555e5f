/* exit-holding-lock, pthread flavour: a worker holds a mutex while it sleeps (a cancellation
 * point); main cancels it.
 * Fix: pthread_cleanup_push(unlock) around the critical section releases it on cancellation.
 * Shape: pthread_cancel and locks, as in cancellation bug reports of C libraries. */
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <time.h>

#include "corpus_deadline.h"

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static sem_t locked;

static void unlock_mu(void* arg) { pthread_mutex_unlock(&mu); }

static void* worker(void* arg) {
  pthread_mutex_lock(&mu);
  pthread_cleanup_push(unlock_mu, NULL);
  sem_post(&locked);
  struct timespec ts = {5, 0};
  nanosleep(&ts, NULL);  // cancelled here
  pthread_cleanup_pop(1);
  return NULL;
}

int main(void) {
  corpus_deadline_ms(1000);
  sem_init(&locked, 0, 0);
  pthread_t t;
  pthread_create(&t, NULL, worker, NULL);
  sem_wait(&locked);
  pthread_cancel(t);
  pthread_join(t, NULL);
  puts("worker cancelled");
  return 0;
}
