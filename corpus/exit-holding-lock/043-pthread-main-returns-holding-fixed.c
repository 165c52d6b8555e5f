/* exit-holding-lock, pthread flavour: main() takes the log mutex to write a summary.
 * Fixed: every path unlocks before returning.
 * Shape: the main thread exiting with a lock held. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "corpus_deadline.h"

static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;
static int reports;

static void flush_log(void) {
  if (pthread_mutex_trylock(&log_mu) == 0) {
    puts("log flushed");
    pthread_mutex_unlock(&log_mu);
  } else {
    puts("log not flushed: its mutex is still held");
  }
}

int main(void) {
  corpus_deadline_ms(2000);
  atexit(flush_log);
  pthread_mutex_lock(&log_mu);
  if (reports != 0) printf("%d reports\n", reports);
  pthread_mutex_unlock(&log_mu);
  return 0;
}
