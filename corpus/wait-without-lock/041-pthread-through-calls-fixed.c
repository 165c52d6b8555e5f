/* wait-without-lock, pthread flavour, through calls: a reader checks for data under the mutex,
 * unlocks it to log, and calls wait_data() to wait.
 * Fix: lock again after logging, before waiting.
 * Shape: a mutex dropped around slow I/O and not taken back before a helper waits. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

#include "corpus_deadline.h"

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static atomic_int have_data = 0;

static void wait_data(void) {
  while (!have_data) pthread_cond_wait(&cv, &mu);
}

static void* reader(void* arg) {
  pthread_mutex_lock(&mu);
  int ready = have_data;
  pthread_mutex_unlock(&mu);
  if (!ready) {
    puts("reader: no data yet, waiting");
    pthread_mutex_lock(&mu);
    wait_data();
    pthread_mutex_unlock(&mu);
  }
  puts("reader: data");
  return NULL;
}

int main(void) {
  corpus_deadline_ms(1000);
  pthread_t t;
  pthread_create(&t, NULL, reader, NULL);
  struct timespec ts = {0, 20 * 1000000L};
  nanosleep(&ts, NULL);
  pthread_mutex_lock(&mu);
  have_data = 1;
  pthread_cond_broadcast(&cv);
  pthread_mutex_unlock(&mu);
  pthread_join(t, NULL);
  return 0;
}
