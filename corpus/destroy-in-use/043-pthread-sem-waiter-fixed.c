/* destroy-in-use, pthread flavour: a worker waits (with a timeout) for tokens on a POSIX
 * semaphore.
 * Fixed: the owner posts the worker's token and joins it before destroying the semaphore.
 * Shape: POSIX leaves sem_destroy with waiters undefined; glibc does not check. */
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <time.h>

#include "corpus_deadline.h"

static sem_t tokens;

static void pause_ms(long ms) {
  struct timespec t = {0, ms * 1000000L};
  nanosleep(&t, NULL);
}

static void* worker(void* arg) {
  struct timespec until;
  clock_gettime(CLOCK_REALTIME, &until);
  until.tv_nsec += 200 * 1000000L;
  if (until.tv_nsec >= 1000000000L) {
    until.tv_sec += 1;
    until.tv_nsec -= 1000000000L;
  }
  int r = sem_timedwait(&tokens, &until);
  printf("worker: %s\n", r == 0 ? "got a token" : "gave up");
  return arg;
}

int main(void) {
  corpus_deadline_ms(2000);
  sem_init(&tokens, 0, 0);
  pthread_t t;
  pthread_create(&t, NULL, worker, NULL);
  pause_ms(50);
  sem_post(&tokens);
  pthread_join(t, NULL);
  sem_destroy(&tokens);
  return 0;
}
