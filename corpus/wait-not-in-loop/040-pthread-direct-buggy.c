/* wait-not-in-loop, pthread flavour, direct: main consumes three numbers that a producer thread
 * puts in a small buffer every 20 ms, with a pthread mutex and condition variable.
 * Bug: main waits under `if (count == 0)`: POSIX allows spurious wake-ups, after which main
 * reads a slot that holds nothing.
 * Shape: the if-wait POSIX warns about in pthread_cond_wait's rationale. */
#include <pthread.h>
#include <stdio.h>
#include <time.h>

#include "corpus_deadline.h"

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int buffer[3], count = 0, head = 0;

static void* producer(void* arg) {
  for (int i = 0; i < 3; ++i) {
    struct timespec ts = {0, 20 * 1000000L};
    nanosleep(&ts, NULL);
    pthread_mutex_lock(&mu);
    buffer[(head + count) % 3] = i;
    ++count;
    pthread_cond_signal(&cv);
    pthread_mutex_unlock(&mu);
  }
  return NULL;
}

int main(void) {
  corpus_deadline_ms(1000);
  pthread_t t;
  pthread_create(&t, NULL, producer, NULL);
  for (int i = 0; i < 3; ++i) {
    pthread_mutex_lock(&mu);
    if (count == 0) pthread_cond_wait(&cv, &mu);
    printf("consumed %d\n", buffer[head]);
    head = (head + 1) % 3;
    --count;
    pthread_mutex_unlock(&mu);
  }
  pthread_join(t, NULL);
  return 0;
}
