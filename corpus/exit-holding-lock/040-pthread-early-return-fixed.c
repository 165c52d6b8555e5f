/* exit-holding-lock, pthread flavour: a worker updates a record under a mutex and returns early
 * when the record is full.
 * Fix: unlock before the early return.
 * Shape: an early return leaking a lock, the most common C lock leak. */
#include <pthread.h>
#include <stdio.h>

#include "corpus_deadline.h"

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static int record[2], used = 2;

static void* update(void* arg) {
  pthread_mutex_lock(&mu);
  if (used == 2) {
    puts("record full");
    pthread_mutex_unlock(&mu);
    return NULL;
  }
  record[used++] = 1;
  pthread_mutex_unlock(&mu);
  return NULL;
}

int main(void) {
  corpus_deadline_ms(1000);
  pthread_t t;
  pthread_create(&t, NULL, update, NULL);
  pthread_join(t, NULL);
  return 0;
}
