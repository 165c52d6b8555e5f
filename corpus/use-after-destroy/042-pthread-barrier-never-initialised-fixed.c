/* use-after-destroy, pthread flavour: two phases of a computation meet at a barrier.
 * Fixed: the barrier is initialised for the two parties before the threads start.
 * Shape: Helgrind's "pthread_barrier_wait: barrier is uninitialised". */
#include <pthread.h>
#include <stdio.h>

#include "corpus_deadline.h"

static pthread_barrier_t phase;
static int partial[2];

static void* half(void* arg) {
  int i = *(int*)arg;
  partial[i] = i + 1;
  pthread_barrier_wait(&phase);
  return NULL;
}

int main(void) {
  corpus_deadline_ms(2000);
  pthread_barrier_init(&phase, NULL, 2);
  int ids[2] = {0, 1};
  pthread_t t;
  pthread_create(&t, NULL, half, &ids[1]);
  half(&ids[0]);
  pthread_join(t, NULL);
  pthread_barrier_destroy(&phase);
  printf("sum: %d\n", partial[0] + partial[1]);
  return 0;
}
