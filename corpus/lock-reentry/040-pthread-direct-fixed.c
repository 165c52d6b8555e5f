/* lock-reentry, pthread flavour, direct: a worker refreshes a cached value under a mutex and,
 * when the value is stale, re-reads it in a nested block.
 * Fix: the nested block runs under the lock already held.
 * Shape: direct re-acquisition, as when a locked block is pasted into a locked function. */
#include <pthread.h>
#include <stdio.h>

#include "corpus_deadline.h"

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static int cached = -1;

static void* refresh(void* arg) {
  pthread_mutex_lock(&mu);
  if (cached < 0) {
    cached = 42;
  }
  pthread_mutex_unlock(&mu);
  return NULL;
}

int main(void) {
  corpus_deadline_ms(1000);
  pthread_t t;
  pthread_create(&t, NULL, refresh, NULL);
  pthread_join(t, NULL);
  printf("cached %d\n", cached);
  return 0;
}
