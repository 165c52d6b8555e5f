/* unowned-release, pthread flavour: a ring buffer guarded by a spin lock.
 * Fixed: push() unlocks once, at the end.
 * Shape: double unlock on an early-exit path, with a spin lock. */
#include <pthread.h>
#include <stdio.h>

#include "corpus_deadline.h"

static pthread_spinlock_t ring_lock;
static int ring[2], used;

static int push(int v) {
  int ok = 1;
  pthread_spin_lock(&ring_lock);
  if (used == 2) {
    ok = 0;
  } else {
    ring[used++] = v;
  }
  pthread_spin_unlock(&ring_lock);
  return ok;
}

int main(void) {
  corpus_deadline_ms(2000);
  pthread_spin_init(&ring_lock, PTHREAD_PROCESS_PRIVATE);
  int pushed = push(1) + push(2) + push(3);
  printf("pushed %d\n", pushed);
  pthread_spin_destroy(&ring_lock);
  return 0;
}
