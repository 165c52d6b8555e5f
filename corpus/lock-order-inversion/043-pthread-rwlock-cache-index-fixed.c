/* lock-order-inversion, pthread flavour: a cache and its index, each guarded by an rwlock.
 * Fixed: rebuild() takes the cache first, like insert().
 * Shape: rwlock ABBA (mode-aware: only orders whose modes conflict). */
#include <pthread.h>
#include <stdio.h>

#include "corpus_deadline.h"

static pthread_rwlock_t cache_rw = PTHREAD_RWLOCK_INITIALIZER;
static pthread_rwlock_t index_rw = PTHREAD_RWLOCK_INITIALIZER;
static int cache_n, index_n;

static void* insert(void* arg) {
  pthread_rwlock_wrlock(&cache_rw);
  pthread_rwlock_wrlock(&index_rw);
  cache_n++;
  index_n++;
  pthread_rwlock_unlock(&index_rw);
  pthread_rwlock_unlock(&cache_rw);
  return arg;
}

static void* rebuild(void* arg) {
  pthread_rwlock_wrlock(&cache_rw);
  pthread_rwlock_rdlock(&index_rw);
  cache_n = index_n;
  pthread_rwlock_unlock(&cache_rw);
  pthread_rwlock_unlock(&index_rw);
  return arg;
}

int main(void) {
  corpus_deadline_ms(2000);
  pthread_t a, b;
  pthread_create(&a, NULL, insert, NULL);
  pthread_join(a, NULL);
  pthread_create(&b, NULL, rebuild, NULL);
  pthread_join(b, NULL);
  printf("%d %d\n", cache_n, index_n);
  return 0;
}
