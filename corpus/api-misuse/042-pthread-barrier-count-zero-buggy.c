/* api-misuse, pthread flavour: a phase barrier sized from a configuration value.
 * Bug: the worker count comes from a setting that may be 0 and is not validated;
 * pthread_barrier_init fails with EINVAL, and the program falls back to running unsynchronised.
 * Shape: Helgrind's "pthread_barrier_init: 'count' argument is zero". */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "corpus_deadline.h"

static pthread_barrier_t phase;

int main(int argc, char** argv) {
  corpus_deadline_ms(2000);
  unsigned helpers = argc > 1 ? (unsigned)atoi(argv[1]) : 0; /* from the configuration */
  unsigned parties = helpers;
  int r = pthread_barrier_init(&phase, NULL, parties);
  printf("barrier for %u parties: %s\n", parties, r == 0 ? "ready" : "not created");
  if (r == 0) {
    pthread_barrier_wait(&phase);
    pthread_barrier_destroy(&phase);
  }
  return 0;
}
