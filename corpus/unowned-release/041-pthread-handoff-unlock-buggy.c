/* unowned-release, pthread flavour: main locks a mutex to mean "job pending", a worker unlocks
 * it when the job is done, and main locks it again to wait for the job.
 * Bug: the worker unlocks a mutex main owns; only the owner may unlock a pthread mutex
 * (undefined for the default type; glibc lets it pass). Main's second lock re-locks a mutex it
 * still owns, a self-deadlock unless another thread breaks the rules.
 * Shape: a mutex used as a cross-thread signal, common in ported code. */
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>

#include "corpus_deadline.h"

static pthread_mutex_t job_done = PTHREAD_MUTEX_INITIALIZER;
static int result = 0;

static void* worker(void* arg) {
  result = 42;
  pthread_mutex_unlock(&job_done);
  return NULL;
}

int main(void) {
  corpus_deadline_ms(1000);
  pthread_mutex_lock(&job_done);
  pthread_t t;
  pthread_create(&t, NULL, worker, NULL);
  pthread_mutex_lock(&job_done);  // wait for the job
  printf("result %d\n", result);
  pthread_mutex_unlock(&job_done);
  pthread_join(t, NULL);
  return 0;
}
