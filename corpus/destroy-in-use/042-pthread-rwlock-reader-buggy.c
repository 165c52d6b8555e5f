/* destroy-in-use, pthread flavour: a configuration table guarded by an rwlock, read by a
 * reporting thread.
 * Bug: reload destroys the rwlock (to re-initialise it) while the reporter holds a read lock;
 * the reporter's unlock then works on a destroyed rwlock.
 * Shape: glibc's pthread_rwlock_destroy checks nothing and returns 0. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

#include "corpus_deadline.h"

static pthread_rwlock_t config_rw;
static int config_value = 1;
static atomic_int reading, reloaded;

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

static void* reporter(void* arg) {
  pthread_rwlock_rdlock(&config_rw);
  int v = config_value;
  atomic_store(&reading, 1);
  wait_flag_ms(&reloaded, 500);
  pthread_rwlock_unlock(&config_rw);
  printf("reported %d\n", v);
  return arg;
}

int main(void) {
  corpus_deadline_ms(2000);
  pthread_rwlock_init(&config_rw, NULL);
  pthread_t t;
  pthread_create(&t, NULL, reporter, NULL);
  wait_flag_ms(&reading, 1000);
  pthread_rwlock_destroy(&config_rw);
  atomic_store(&reloaded, 1);
  pthread_join(t, NULL);
  pthread_rwlock_init(&config_rw, NULL);
  config_value = 2;
  pthread_rwlock_destroy(&config_rw);
  return 0;
}
