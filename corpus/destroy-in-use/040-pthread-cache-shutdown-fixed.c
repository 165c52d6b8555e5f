/* destroy-in-use, pthread flavour: a cache has a refresher thread that holds the cache mutex
 * while it rebuilds an entry.
 * Fixed: shutdown joins the refresher first, then destroys the mutex nobody holds.
 * Shape: teardown before join; Helgrind's "pthread_mutex_destroy of a locked mutex" and
 * ThreadSanitizer's "destroy of a locked mutex". */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

#include "corpus_deadline.h"

static pthread_mutex_t cache_mu;
static int entries;

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

static atomic_int refreshing, shut_down;

static void* refresher(void* arg) {
  pthread_mutex_lock(&cache_mu);
  entries++;
  atomic_store(&refreshing, 1);
  wait_flag_ms(&shut_down, 500); /* rebuilding the entry */
  pthread_mutex_unlock(&cache_mu);
  return arg;
}

int main(void) {
  corpus_deadline_ms(2000);
  pthread_mutex_init(&cache_mu, NULL);
  pthread_t t;
  pthread_create(&t, NULL, refresher, NULL);
  wait_flag_ms(&refreshing, 1000);
  pthread_join(t, NULL);
  pthread_mutex_destroy(&cache_mu);
  atomic_store(&shut_down, 1);
  printf("entries: %d\n", entries);
  return 0;
}
