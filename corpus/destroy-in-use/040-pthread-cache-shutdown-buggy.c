/* destroy-in-use, pthread flavour: a cache has a refresher thread that holds the cache mutex
 * while it rebuilds an entry.
 * Bug: shutdown destroys the mutex before joining the refresher, which still holds it. glibc
 * refuses with EBUSY, which the program ignores.
 * Shape: teardown before join; Helgrind's "pthread_mutex_destroy of a locked mutex" and
 * ThreadSanitizer's "destroy of a locked mutex". */
#include <pthread.h>
#include <stdio.h>
#include <time.h>

#include "corpus_deadline.h"

static pthread_mutex_t cache_mu;
static int entries;

static void pause_ms(long ms) {
  struct timespec t = {0, ms * 1000000L};
  nanosleep(&t, NULL);
}

static void* refresher(void* arg) {
  pthread_mutex_lock(&cache_mu);
  entries++;
  pause_ms(100); /* rebuilding the entry */
  pthread_mutex_unlock(&cache_mu);
  return arg;
}

int main(void) {
  corpus_deadline_ms(2000);
  pthread_mutex_init(&cache_mu, NULL);
  pthread_t t;
  pthread_create(&t, NULL, refresher, NULL);
  pause_ms(30);
  pthread_mutex_destroy(&cache_mu);
  pthread_join(t, NULL);
  printf("entries: %d\n", entries);
  return 0;
}
