/* deadlock, pthread flavour: main waits until three workers have reported; one worker fails
 * before it reports.
 * Fix: every worker reports, success or failure.
 * Shape: a condition with no possible notifier, as in "one worker died, the join never comes". */
#include <pthread.h>
#include <stdio.h>

#include "corpus_deadline.h"

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int reported = 0, failures = 0;

static void report(int failed) {
  pthread_mutex_lock(&mu);
  ++reported;
  failures += failed;
  pthread_cond_signal(&cv);
  pthread_mutex_unlock(&mu);
}

static void* worker(void* arg) {
  int id = *(int*)arg;
  if (id == 1) {
    report(1);
    return NULL;  // failed
  }
  report(0);
  return NULL;
}

int main(void) {
  corpus_deadline_ms(1000);
  pthread_t t[3];
  int ids[3] = {0, 1, 2};
  for (int i = 0; i < 3; ++i) pthread_create(&t[i], NULL, worker, &ids[i]);
  pthread_mutex_lock(&mu);
  while (reported < 3) pthread_cond_wait(&cv, &mu);
  pthread_mutex_unlock(&mu);
  printf("all reported, %d failed\n", failures);
  for (int i = 0; i < 3; ++i) pthread_join(t[i], NULL);
  return 0;
}
