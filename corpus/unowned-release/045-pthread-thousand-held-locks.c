/* Correct program (false-positive stress), pthread flavour: a thread holds 1,000 mutexes at
 * once (acquired in index order), then releases them out of order and backwards, twice over
 * in two threads. Nothing is wrong: no finding is expected. */
#include <pthread.h>
#include <stdio.h>

#include "corpus_deadline.h"

enum { kLocks = 1000 };
static pthread_mutex_t locks[kLocks];

static void* hold_all(void* arg) {
  for (int i = 0; i < kLocks; ++i) pthread_mutex_lock(&locks[i]);
  for (int i = 0; i < kLocks; i += 2) pthread_mutex_unlock(&locks[i]);
  for (int i = kLocks - 1; i > 0; i -= 2) pthread_mutex_unlock(&locks[i]);
  return arg;
}

int main(void) {
  corpus_deadline_ms(5000);
  for (int i = 0; i < kLocks; ++i) pthread_mutex_init(&locks[i], NULL);
  for (int round = 0; round < 2; ++round) {
    pthread_t t;
    pthread_create(&t, NULL, hold_all, NULL);
    pthread_join(t, NULL);
  }
  for (int i = 0; i < kLocks; ++i) pthread_mutex_destroy(&locks[i]);
  puts("done");
  return 0;
}
