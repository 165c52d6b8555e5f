/* unowned-release, pthread flavour: main locks a mutex to mean "job pending", a worker unlocks
 * it when the job is done, and main locks it again to wait for the job.
 * Fix: a POSIX semaphore (sem_t) carries the signal: any thread may post it.
 * Shape: a mutex used as a cross-thread signal, common in ported code. */
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>

#include "corpus_deadline.h"

static sem_t job_done;
static int result = 0;

static void* worker(void* arg) {
  result = 42;
  sem_post(&job_done);
  return NULL;
}

int main(void) {
  corpus_deadline_ms(1000);
  sem_init(&job_done, 0, 0);
  pthread_t t;
  pthread_create(&t, NULL, worker, NULL);
  sem_wait(&job_done);  // wait for the job
  printf("result %d\n", result);
  pthread_join(t, NULL);
  return 0;
}
