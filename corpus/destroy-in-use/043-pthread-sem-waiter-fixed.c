/* destroy-in-use, pthread flavour: a worker waits (with a timeout) for tokens on a POSIX
 * semaphore.
 * Fixed: the owner posts the worker's token and joins it before destroying the semaphore.
 * Shape: POSIX leaves sem_destroy with waiters undefined; glibc does not check. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <semaphore.h>
#include <stdio.h>
#include <time.h>

#include "corpus_deadline.h"

static sem_t tokens;

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

static atomic_int worker_started;

static void* worker(void* arg) {
  struct timespec until;
  clock_gettime(CLOCK_REALTIME, &until);
  until.tv_nsec += 200 * 1000000L;
  if (until.tv_nsec >= 1000000000L) {
    until.tv_sec += 1;
    until.tv_nsec -= 1000000000L;
  }
  atomic_store(&worker_started, 1);
  int r = sem_timedwait(&tokens, &until);
  printf("worker: %s\n", r == 0 ? "got a token" : "gave up");
  return arg;
}

int main(void) {
  corpus_deadline_ms(2000);
  sem_init(&tokens, 0, 0);
  pthread_t t;
  pthread_create(&t, NULL, worker, NULL);
  wait_flag_ms(&worker_started, 1000);
  pause_ms(20); /* the worker is inside sem_timedwait by now */
  sem_post(&tokens);
  pthread_join(t, NULL);
  sem_destroy(&tokens);
  return 0;
}
