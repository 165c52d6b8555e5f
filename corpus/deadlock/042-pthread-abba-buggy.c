/* deadlock, pthread flavour: two threads each lock two mutexes, in opposite orders; a barrier
 * makes both hold their first mutex before either asks for its second.
 * Bug: each thread holds the mutex the other wants: a real deadlock (exit 86 from the
 * deadline). It is also a lock-order inversion, which lint can see statically.
 * Shape: the ABBA deadlock, with the fatal interleaving forced. */
#include <pthread.h>
#include <stdio.h>

#include "corpus_deadline.h"

static pthread_mutex_t a = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t b = PTHREAD_MUTEX_INITIALIZER;
static pthread_barrier_t both_started;

static void* first(void* arg) {
  pthread_mutex_lock(&a);
  pthread_barrier_wait(&both_started);
  pthread_mutex_lock(&b);
  puts("first: has both");
  pthread_mutex_unlock(&b);
  pthread_mutex_unlock(&a);
  return NULL;
}

static void* second(void* arg) {
  pthread_mutex_lock(&b);
  pthread_barrier_wait(&both_started);
  pthread_mutex_lock(&a);
  puts("second: has both");
  pthread_mutex_unlock(&a);
  pthread_mutex_unlock(&b);
  return NULL;
}

int main(void) {
  corpus_deadline_ms(1000);
  pthread_barrier_init(&both_started, NULL, 2);
  pthread_t t1, t2;
  pthread_create(&t1, NULL, first, NULL);
  pthread_create(&t2, NULL, second, NULL);
  pthread_join(t1, NULL);
  pthread_join(t2, NULL);
  return 0;
}
