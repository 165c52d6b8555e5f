/* lock-reentry, pthread flavour: save() write-locks the document and calls flush(), which
 * write-locks it again.
 * Fixed: flush() expects its caller to hold the write lock.
 * Shape: re-entrant write lock through a helper. */
#include <pthread.h>
#include <stdio.h>

#include "corpus_deadline.h"

static pthread_rwlock_t doc_rw = PTHREAD_RWLOCK_INITIALIZER;
static int dirty = 1;

static void flush(void) {
  dirty = 0; /* the caller holds doc_rw for writing */
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
