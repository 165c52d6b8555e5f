/* destroy-in-use, pthread flavour: a configuration table guarded by an rwlock, read by a
 * reporting thread.
 * Fixed: reload waits for the reporter before it destroys and re-initialises the rwlock.
 * Shape: glibc's pthread_rwlock_destroy checks nothing and returns 0. */
#include <pthread.h>
#include <stdio.h>
#include <time.h>

#include "corpus_deadline.h"

static pthread_rwlock_t config_rw;
static int config_value = 1;

static void pause_ms(long ms) {
  struct timespec t = {0, ms * 1000000L};
  nanosleep(&t, NULL);
}

static void* reporter(void* arg) {
  pthread_rwlock_rdlock(&config_rw);
  int v = config_value;
  pause_ms(100);
  pthread_rwlock_unlock(&config_rw);
  printf("reported %d\n", v);
  return arg;
}

int main(void) {
  corpus_deadline_ms(2000);
  pthread_rwlock_init(&config_rw, NULL);
  pthread_t t;
  pthread_create(&t, NULL, reporter, NULL);
  pause_ms(30);
  pthread_join(t, NULL);
  pthread_rwlock_destroy(&config_rw);
  pthread_rwlock_init(&config_rw, NULL);
  config_value = 2;
  pthread_rwlock_destroy(&config_rw);
  return 0;
}
