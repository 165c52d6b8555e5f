/* use-after-destroy, pthread flavour: two phases of a computation meet at a barrier.
 * Bug: the barrier's initialisation was lost in a refactoring (it is only declared); waiting on
 * it divides by its zero count inside glibc and the program dies with SIGFPE.
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
  int ids[2] = {0, 1};
  pthread_t t;
  pthread_create(&t, NULL, half, &ids[1]);
  half(&ids[0]);
  pthread_join(t, NULL);
  printf("sum: %d\n", partial[0] + partial[1]);
  return 0;
}
