/* lock-reentry, pthread flavour: a statistics counter guarded by a spin lock; add() takes it
 * and calls normalise(), which takes it too.
 * Bug: a spin lock taken again by its holder spins forever (nobody else can release it).
 * Shape: self-deadlock on a spin lock through a helper. */
#include <pthread.h>
#include <stdio.h>

#include "corpus_deadline.h"

static pthread_spinlock_t stats_lock;
static long total;

static void normalise(void) {
  pthread_spin_lock(&stats_lock);
  if (total > 1000) total = 1000;
  pthread_spin_unlock(&stats_lock);
}

static void add(long v) {
  pthread_spin_lock(&stats_lock);
  total += v;
  normalise();
  pthread_spin_unlock(&stats_lock);
}

int main(void) {
  corpus_deadline_ms(500);
  pthread_spin_init(&stats_lock, PTHREAD_PROCESS_PRIVATE);
  add(5);
  printf("total: %ld\n", total);
  pthread_spin_destroy(&stats_lock);
  return 0;
}
