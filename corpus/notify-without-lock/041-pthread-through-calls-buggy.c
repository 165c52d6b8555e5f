/* notify-without-lock, pthread flavour, through calls: a loader publishes a table and wakes the
 * readers with wake_readers().
 * Bug: publish() sets the flag and calls wake_readers() without the mutex.
 * Shape: a broadcast hidden in a helper, called on a path that skipped the lock. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

#include "corpus_deadline.h"

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static atomic_int published = 0;

static void wake_readers(void) {
  pthread_cond_broadcast(&cv);
}

static void publish(void) {
  published = 1;
  wake_readers();
}

static void* reader(void* arg) {
  pthread_mutex_lock(&mu);
  while (!published) pthread_cond_wait(&cv, &mu);
  pthread_mutex_unlock(&mu);
  puts("reader: table published");
  return NULL;
}

int main(void) {
  corpus_deadline_ms(1000);
  pthread_t r[2];
  for (int i = 0; i < 2; ++i) pthread_create(&r[i], NULL, reader, NULL);
  struct timespec ts = {0, 20 * 1000000L};
  nanosleep(&ts, NULL);
  publish();
  for (int i = 0; i < 2; ++i) pthread_join(r[i], NULL);
  return 0;
}
