/* lock-reentry, pthread flavour, direct: a worker refreshes a cached value under a mutex and,
 * when the value is stale, re-reads it in a nested block.
 * Bug: the nested block locks the same default mutex again: a default pthread mutex is not
 * recursive, so the thread blocks on itself forever (exit 86 from the deadline).
 * Shape: direct re-acquisition, as when a locked block is pasted into a locked function. */
#include <pthread.h>
#include <stdio.h>

#include "corpus_deadline.h"

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static int cached = -1;

static void* refresh(void* arg) {
  pthread_mutex_lock(&mu);
  if (cached < 0) {
    pthread_mutex_lock(&mu);
    cached = 42;
    pthread_mutex_unlock(&mu);
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
