/* data-race, pthread flavour: two threads, released together by a barrier, both use a lookup
 * table that is built on first use.
 * Fix: pthread_once builds the table exactly once and publishes it.
 * Shape: hand-rolled lazy initialisation, as in many C library race reports. */
#include <pthread.h>
#include <stdio.h>

#include "corpus_deadline.h"

static int table[64];
static pthread_once_t table_once = PTHREAD_ONCE_INIT;
static pthread_barrier_t start;

static void build_table(void) {
  for (int i = 0; i < 64; ++i) table[i] = i * i;
}

static int square(int i) {
  pthread_once(&table_once, build_table);
  return table[i];
}

static void* user(void* arg) {
  pthread_barrier_wait(&start);
  printf("7^2 = %d\n", square(7));
  return NULL;
}

int main(void) {
  corpus_deadline_ms(1000);
  pthread_barrier_init(&start, NULL, 2);
  pthread_t a, b;
  pthread_create(&a, NULL, user, NULL);
  pthread_create(&b, NULL, user, NULL);
  pthread_join(a, NULL);
  pthread_join(b, NULL);
  return 0;
}
