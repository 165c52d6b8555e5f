/* unowned-release, pthread flavour: lookup() reads a routing table under an rwlock's read lock.
 * Bug: the not-found path unlocks early and then falls through to the common unlock, releasing
 * a read lock the thread no longer holds (glibc then counts one reader too few).
 * Shape: double unlock on an error path, with an rwlock. */
#include <pthread.h>
#include <stdio.h>

#include "corpus_deadline.h"

static pthread_rwlock_t routes_rw = PTHREAD_RWLOCK_INITIALIZER;
static int routes[4] = {10, 20, 30, 40};

static int lookup(int key) {
  int found = -1;
  pthread_rwlock_rdlock(&routes_rw);
  if (key < 0 || key >= 4) {
    pthread_rwlock_unlock(&routes_rw);
    goto out;
  }
  found = routes[key];
out:
  pthread_rwlock_unlock(&routes_rw);
  return found;
}

static void* client(void* arg) {
  printf("%d %d\n", lookup(1), lookup(7));
  return arg;
}

int main(void) {
  corpus_deadline_ms(2000);
  pthread_t t;
  pthread_create(&t, NULL, client, NULL);
  pthread_join(t, NULL);
  return 0;
}
