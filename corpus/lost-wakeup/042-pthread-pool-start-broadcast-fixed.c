/* lost-wakeup, pthread flavour, in a pool: main starts two workers and broadcasts "start";
 * the second worker is not waiting yet when the broadcast goes out.
 * Fix: a `go` flag under the mutex; each worker waits while it is 0.
 * Shape: a start gate built from a bare broadcast; semaphores fix which worker is late. */
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>

#include "corpus_deadline.h"

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t start = PTHREAD_COND_INITIALIZER;
static sem_t first_waiting, broadcast_sent;
static int waiting = 0;
static int go = 0;

static void* worker(void* arg) {
  int id = *(int*)arg;
  if (id == 1) sem_wait(&broadcast_sent);  // worker 1 is late
  pthread_mutex_lock(&mu);
  if (++waiting == 1) sem_post(&first_waiting);
  while (!go) pthread_cond_wait(&start, &mu);
  pthread_mutex_unlock(&mu);
  printf("worker %d running\n", id);
  return NULL;
}

int main(void) {
  corpus_deadline_ms(1000);
  sem_init(&first_waiting, 0, 0);
  sem_init(&broadcast_sent, 0, 0);
  pthread_t w[2];
  int ids[2] = {0, 1};
  for (int i = 0; i < 2; ++i) pthread_create(&w[i], NULL, worker, &ids[i]);
  sem_wait(&first_waiting);
  pthread_mutex_lock(&mu);
  go = 1;
  pthread_cond_broadcast(&start);
  pthread_mutex_unlock(&mu);
  sem_post(&broadcast_sent);
  for (int i = 0; i < 2; ++i) pthread_join(w[i], NULL);
  return 0;
}
