/* data-race, pthread flavour: two threads increment a shared counter 10000 times each.
 * Bug: `counter += 1` runs in both threads without a lock: a data race, lost increments.
 * Shape: the tutorial's counter with the lock forgotten. */
#include <pthread.h>
#include <stdio.h>

#include "corpus_deadline.h"

static long counter = 0;

static void* increment(void* arg) {
  for (int i = 0; i < 10000; ++i) {
    counter += 1;
  }
  return NULL;
}

int main(void) {
  corpus_deadline_ms(1000);
  pthread_t a, b;
  pthread_create(&a, NULL, increment, NULL);
  pthread_create(&b, NULL, increment, NULL);
  pthread_join(a, NULL);
  pthread_join(b, NULL);
  printf("final count %ld\n", counter);
  return 0;
}
