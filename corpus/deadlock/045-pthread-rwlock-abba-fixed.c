/* deadlock, pthread flavour: two threads update two tables guarded by rwlocks.
 * Fixed: both threads take A before B.
 * Shape: a real ABBA deadlock on rwlocks. */
#include <pthread.h>
#include <stdio.h>
#include <time.h>

#include "corpus_deadline.h"

static pthread_rwlock_t a_rw = PTHREAD_RWLOCK_INITIALIZER, b_rw = PTHREAD_RWLOCK_INITIALIZER;

static void pause_ms(long ms) {
  struct timespec t = {0, ms * 1000000L};
  nanosleep(&t, NULL);
}

static void* one(void* arg) {
  pthread_rwlock_wrlock(&a_rw);
  pause_ms(50);
  pthread_rwlock_wrlock(&b_rw);
  pthread_rwlock_unlock(&b_rw);
  pthread_rwlock_unlock(&a_rw);
  return arg;
}

static void* two(void* arg) {
  pthread_rwlock_wrlock(&a_rw);
  pause_ms(50);
  pthread_rwlock_wrlock(&b_rw);
  pthread_rwlock_unlock(&a_rw);
  pthread_rwlock_unlock(&b_rw);
  return arg;
}

int main(void) {
  corpus_deadline_ms(1000);
  pthread_t x, y;
  pthread_create(&x, NULL, one, NULL);
  pthread_create(&y, NULL, two, NULL);
  pthread_join(x, NULL);
  pthread_join(y, NULL);
  puts("both tables updated");
  return 0;
}
