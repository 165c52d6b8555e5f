/* lock-reentry, pthread flavour: save() write-locks the document and calls flush(), which
 * write-locks it again.
 * Bug: a write lock taken again by its holder; glibc refuses it with EDEADLK (ignored here),
 * where another rwlock implementation would deadlock.
 * Shape: re-entrant write lock through a helper. */
#include <pthread.h>
#include <stdio.h>

#include "corpus_deadline.h"

static pthread_rwlock_t doc_rw = PTHREAD_RWLOCK_INITIALIZER;
static int dirty = 1;

static void flush(void) {
  int r = pthread_rwlock_wrlock(&doc_rw);
  dirty = 0;
  if (r == 0) pthread_rwlock_unlock(&doc_rw);
}

static void* save(void* arg) {
  pthread_rwlock_wrlock(&doc_rw);
  flush();
  pthread_rwlock_unlock(&doc_rw);
  return arg;
}

int main(void) {
  corpus_deadline_ms(2000);
  pthread_t t;
  pthread_create(&t, NULL, save, NULL);
  pthread_join(t, NULL);
  printf("dirty: %d\n", dirty);
  return 0;
}
