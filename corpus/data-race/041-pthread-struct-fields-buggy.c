/* data-race, pthread flavour: handler threads update a stats struct with a mutex.
 * Bug: `requests` is updated under the mutex but `bytes` is added after the unlock: a race on
 * bytes.
 * Shape: a lock that covers part of the update, a frequent sanitizer finding. */
#include <pthread.h>
#include <stdio.h>

#include "corpus_deadline.h"

struct stats {
  pthread_mutex_t mu;
  long requests;
  long bytes;
};

static struct stats st = {PTHREAD_MUTEX_INITIALIZER, 0, 0};

static void* handler(void* arg) {
  for (int i = 0; i < 2000; ++i) {
    pthread_mutex_lock(&st.mu);
    ++st.requests;
    pthread_mutex_unlock(&st.mu);
    st.bytes += 512;
  }
  return NULL;
}

int main(void) {
  corpus_deadline_ms(1000);
  pthread_t h[3];
  for (int i = 0; i < 3; ++i) pthread_create(&h[i], NULL, handler, NULL);
  for (int i = 0; i < 3; ++i) pthread_join(h[i], NULL);
  printf("requests %ld bytes %ld\n", st.requests, st.bytes);
  return 0;
}
