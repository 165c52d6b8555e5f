/* wait-without-lock, pthread flavour: a worker holds the stats mutex and waits on the queue's
 * condition variable, whose mutex is queue_mu.
 * Fix: hold queue_mu, the condition's own mutex, around the wait.
 * Shape: the wrong mutex passed to pthread_cond_wait, a copy-paste slip. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

#include "corpus_deadline.h"

static pthread_mutex_t queue_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t queue_cv = PTHREAD_COND_INITIALIZER;
static atomic_int queued = 0;

static void* worker(void* arg) {
  pthread_mutex_lock(&queue_mu);
  while (!queued) pthread_cond_wait(&queue_cv, &queue_mu);
  pthread_mutex_unlock(&queue_mu);
  puts("worker: item queued");
  return NULL;
}

int main(void) {
  corpus_deadline_ms(1000);
  pthread_t t;
  pthread_create(&t, NULL, worker, NULL);
  struct timespec ts = {0, 20 * 1000000L};
  nanosleep(&ts, NULL);
  pthread_mutex_lock(&queue_mu);
  queued = 1;
  pthread_cond_signal(&queue_cv);
  pthread_mutex_unlock(&queue_mu);
  pthread_join(t, NULL);
  return 0;
}
