/* Correct program (false-positive stress), pthread flavour: the robust-mutex protocol done
 * right. A worker dies holding a robust mutex; the next locker gets EOWNERDEAD, repairs the
 * state, calls pthread_mutex_consistent() and unlocks; later locks work. No finding is
 * expected: a robust mutex's owner may die holding it by design. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>

#include "corpus_deadline.h"

static pthread_mutex_t state_mu;
static int state;

static void* dying_worker(void* arg) {
  pthread_mutex_lock(&state_mu);
  state = -1;
  return arg;
}

int main(void) {
  corpus_deadline_ms(2000);
  pthread_mutexattr_t a;
  pthread_mutexattr_init(&a);
  pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
  pthread_mutex_init(&state_mu, &a);
  pthread_t t;
  pthread_create(&t, NULL, dying_worker, NULL);
  pthread_join(t, NULL);
  if (pthread_mutex_lock(&state_mu) == EOWNERDEAD) {
    state = 0;
    pthread_mutex_consistent(&state_mu);
  }
  pthread_mutex_unlock(&state_mu);
  int r = pthread_mutex_lock(&state_mu);
  if (r == 0) pthread_mutex_unlock(&state_mu);
  printf("state %d, later lock %s\n", state, r == 0 ? "ok" : "failed");
  return r == 0 ? 0 : 1;
}
