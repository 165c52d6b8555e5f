/* unowned-release, pthread flavour: store_put() writes a record under a mutex and uses the C
 * goto-cleanup idiom for errors.
 * Fix: only the cleanup label unlocks.
 * Shape: double unlock on a goto error path, frequent in kernel and driver bug reports. */
#include <pthread.h>
#include <stdio.h>

#include "corpus_deadline.h"

static pthread_mutex_t store_mu = PTHREAD_MUTEX_INITIALIZER;
static int store[4], used = 0;

static int store_put(int v) {
  int rc = 0;
  pthread_mutex_lock(&store_mu);
  if (v < 0) {
    rc = -1;
    goto out;
  }
  store[used++ % 4] = v;
out:
  pthread_mutex_unlock(&store_mu);
  return rc;
}

static void* writer(void* arg) {
  int rcs = store_put(1) + store_put(-5) + store_put(2);
  printf("errors: %d\n", -rcs);
  return NULL;
}

int main(void) {
  corpus_deadline_ms(1000);
  pthread_t t;
  pthread_create(&t, NULL, writer, NULL);
  pthread_join(t, NULL);
  return 0;
}
