/* api-misuse, pthread flavour: a shared-state mutex is robust, so that a worker dying while it
 * holds the mutex does not hang the others.
 * Bug: the next locker gets EOWNERDEAD but unlocks without pthread_mutex_consistent(), so the
 * mutex becomes unrecoverable and every later lock fails with ENOTRECOVERABLE.
 * Shape: the robust-mutex protocol half followed. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>

#include "corpus_deadline.h"

static pthread_mutex_t state_mu;
static int state;

static void* crashing_worker(void* arg) {
  pthread_mutex_lock(&state_mu);
  state = -1; /* half-updated: the worker dies here, holding the mutex */
  return arg;
}

int main(void) {
  corpus_deadline_ms(2000);
  pthread_mutexattr_t a;
  pthread_mutexattr_init(&a);
  pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
  pthread_mutex_init(&state_mu, &a);
  pthread_t t;
  pthread_create(&t, NULL, crashing_worker, NULL);
  pthread_join(t, NULL);
  int r = pthread_mutex_lock(&state_mu);
  if (r == EOWNERDEAD) {
    state = 0; /* repaired */
  }
  pthread_mutex_unlock(&state_mu);
  r = pthread_mutex_lock(&state_mu);
  printf("later lock: %s\n", r == 0 ? "ok" : "unrecoverable");
  if (r == 0) pthread_mutex_unlock(&state_mu);
  return 0;
}
