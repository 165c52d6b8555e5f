/* destroy-in-use, pthread flavour: a job queue whose consumer waits (with a timeout, to poll a
 * stop flag) on a condition variable.
 * Fixed: the owner sets the stop flag, wakes the consumer and joins it before destroying the
 * condition variable.
 * Shape: Helgrind's "pthread_cond_destroy: destruction of condition variable being waited
 * upon". */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

#include "corpus_deadline.h"

static pthread_mutex_t q_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t q_cv;
static int jobs, stop;

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

static atomic_int consumer_waiting;

static void* consumer(void* arg) {
  pthread_mutex_lock(&q_mu);
  while (jobs == 0 && !stop) {
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_nsec += 200 * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
      until.tv_sec += 1;
      until.tv_nsec -= 1000000000L;
    }
    atomic_store(&consumer_waiting, 1);
    if (pthread_cond_timedwait(&q_cv, &q_mu, &until) != 0) break;
  }
  pthread_mutex_unlock(&q_mu);
  return arg;
}

int main(void) {
  corpus_deadline_ms(3000);
  pthread_cond_init(&q_cv, NULL);
  pthread_t t;
  pthread_create(&t, NULL, consumer, NULL);
  wait_flag_ms(&consumer_waiting, 1000);
  pthread_mutex_lock(&q_mu); /* free again: the consumer is inside its wait */
  pthread_mutex_unlock(&q_mu);
  pthread_mutex_lock(&q_mu);
  stop = 1;
  pthread_cond_broadcast(&q_cv);
  pthread_mutex_unlock(&q_mu);
  pthread_join(t, NULL);
  pthread_cond_destroy(&q_cv);
  puts("queue torn down");
  return 0;
}
