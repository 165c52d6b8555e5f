/* data-race, pthread flavour: two threads, released together by a barrier, both use a lookup
 * table that is built on first use.
 * Bug: the "built yet?" check and the build run without synchronisation: both threads may
 * build the table while the other reads it.
 * Shape: hand-rolled lazy initialisation, as in many C library race reports. */
#include <pthread.h>
#include <stdio.h>

#include "corpus_deadline.h"

static int table[64];
static int table_built = 0;
static pthread_barrier_t start;

static void build_table(void) {
  for (int i = 0; i < 64; ++i) table[i] = i * i;
  table_built = 1;
}

static int square(int i) {
  if (!table_built) build_table();
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
