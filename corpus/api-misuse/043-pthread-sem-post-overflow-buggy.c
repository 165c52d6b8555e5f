/* api-misuse, pthread flavour: a rate limiter refills a token semaphore on every tick.
 * Bug: the refill never checks the current value, so after enough ticks with no consumer the
 * semaphore reaches SEM_VALUE_MAX and sem_post fails with EOVERFLOW (ignored here).
 * Shape: an unbounded counting semaphore used as a bucket. */
#include <limits.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>

#include "corpus_deadline.h"

static sem_t bucket;

static void refill(void) {
  sem_post(&bucket);
}

int main(void) {
  corpus_deadline_ms(2000);
  sem_init(&bucket, 0, SEM_VALUE_MAX - 2); /* a long idle period, compressed */
  for (int tick = 0; tick < 4; ++tick) refill();
  int v = 0;
  sem_getvalue(&bucket, &v);
  printf("tokens: %d\n", v);
  sem_destroy(&bucket);
  return 0;
}
