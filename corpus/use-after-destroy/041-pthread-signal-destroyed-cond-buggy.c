/* use-after-destroy, pthread flavour: a request object carries a "done" condition variable.
 * Bug: the requester destroys the condition variable as soon as it stops waiting (on a timeout),
 * and the worker signals it afterwards.
 * Shape: a completion signal racing with the requester's cleanup. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

#include "corpus_deadline.h"

static pthread_mutex_t req_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t req_done;
static int done;
static atomic_int request_dropped;

static void pause_ms(long ms) {
  struct timespec t = {0, ms * 1000000L};
  nanosleep(&t, NULL);
}

/* Polls `flag` every millisecond for at most `ms` milliseconds: the late event happens once the
 * other thread has done its part (so the interleaving shown is the same on a loaded machine),
 * or after the wait runs out when it never does. */
static void wait_flag_ms(atomic_int* flag, long ms) {
  for (long i = 0; i < ms && !atomic_load(flag); ++i) pause_ms(1);
}

static void* worker(void* arg) {
  wait_flag_ms(&request_dropped, 500);
  pthread_mutex_lock(&req_mu);
  done = 1;
  pthread_cond_signal(&req_done);
  pthread_mutex_unlock(&req_mu);
  return arg;
}

int main(void) {
  corpus_deadline_ms(2000);
  pthread_cond_init(&req_done, NULL);
  pthread_t t;
  pthread_create(&t, NULL, worker, NULL);
  pthread_mutex_lock(&req_mu);
  struct timespec until;
  clock_gettime(CLOCK_REALTIME, &until);
  until.tv_nsec += 20 * 1000000L;
  if (until.tv_nsec >= 1000000000L) {
    until.tv_sec += 1;
    until.tv_nsec -= 1000000000L;
  }
  while (!done && pthread_cond_timedwait(&req_done, &req_mu, &until) == 0) {
  }
  pthread_mutex_unlock(&req_mu);
  pthread_cond_destroy(&req_done);
  atomic_store(&request_dropped, 1);
  pthread_join(t, NULL);
  printf("done: %d\n", done);
  return 0;
}
