/* wait-not-in-loop, pthread flavour, in a pool: two workers take job numbers from a ring
 * buffer; main posts four jobs 10 ms apart, then sets `stop` and broadcasts.
 * Fix: `while (n == 0 && !stop)` so each worker re-checks before taking a job.
 * Shape: an if-wait in a C thread pool's worker loop. */
#include <pthread.h>
#include <stdio.h>
#include <time.h>

#include "corpus_deadline.h"

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int jobs[8], head = 0, n = 0, stop = 0;

static void* worker(void* arg) {
  for (;;) {
    pthread_mutex_lock(&mu);
    while (n == 0 && !stop) pthread_cond_wait(&cv, &mu);
    if (n == 0) {  // stop requested, nothing left
      pthread_mutex_unlock(&mu);
      return NULL;
    }
    int job = jobs[head];
    head = (head + 1) % 8;
    --n;
    pthread_mutex_unlock(&mu);
    printf("job %d done\n", job);
  }
}

int main(void) {
  corpus_deadline_ms(1000);
  pthread_t w[2];
  for (int i = 0; i < 2; ++i) pthread_create(&w[i], NULL, worker, NULL);
  for (int j = 0; j < 4; ++j) {
    pthread_mutex_lock(&mu);
    jobs[(head + n) % 8] = j;
    ++n;
    pthread_cond_signal(&cv);
    pthread_mutex_unlock(&mu);
    struct timespec ts = {0, 10 * 1000000L};
    nanosleep(&ts, NULL);
  }
  pthread_mutex_lock(&mu);
  stop = 1;
  pthread_cond_broadcast(&cv);
  pthread_mutex_unlock(&mu);
  for (int i = 0; i < 2; ++i) pthread_join(w[i], NULL);
  return 0;
}
