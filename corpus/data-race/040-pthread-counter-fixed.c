/* data-race, pthread flavour: two threads increment a shared counter 10000 times each.
 * Fix: each increment happens under a mutex, as in the tutorial's task 3.
 * Shape: the tutorial's counter with the lock forgotten. */
#include <pthread.h>
#include <stdio.h>

#include "corpus_deadline.h"

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static long counter = 0;

static void* increment(void* arg) {
  for (int i = 0; i < 10000; ++i) {
    pthread_mutex_lock(&mu);
    counter += 1;
    pthread_mutex_unlock(&mu);
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
