/* Correct program (false-positive stress), pthread flavour, run under --chaos by the scorer:
 * pthread_cond_timedwait calls that must fail (an invalid timespec: EINVAL) or time out at once
 * (a deadline in the past: ETIMEDOUT), and the program asserts those results. Chaos must not
 * inject a spurious wake-up into a wait that does not block: no finding, exit 0. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "corpus_deadline.h"

int main(void) {
  corpus_deadline_ms(2000);
  pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
  pthread_cond_t c = PTHREAD_COND_INITIALIZER;
  struct timespec invalid = {0, 2000000000L}, past = {1, 0};
  pthread_mutex_lock(&m);
  for (int i = 0; i < 50; ++i) {
    if (pthread_cond_timedwait(&c, &m, &invalid) != EINVAL) abort();
    if (pthread_cond_timedwait(&c, &m, &past) != ETIMEDOUT) abort();
  }
  pthread_mutex_unlock(&m);
  puts("every failing wait failed");
  return 0;
}
