/* lock-order-inversion, pthread flavour: two per-CPU style counters, each with a spin lock.
 * Bug: transfer() locks `from` then `to`; called once as (a, b) and once as (b, a), the two
 * orders invert. Run concurrently both threads would spin forever; here they run in turn.
 * Shape: ABBA over spin locks. */
#include <pthread.h>
#include <stdio.h>

#include "corpus_deadline.h"

struct counter {
  pthread_spinlock_t lock;
  long value;
};
static struct counter a = {0, 10}, b = {0, 10};

static void transfer(struct counter* from, struct counter* to, long v) {
  pthread_spin_lock(&from->lock);
  pthread_spin_lock(&to->lock);
  from->value -= v;
  to->value += v;
  pthread_spin_unlock(&to->lock);
  pthread_spin_unlock(&from->lock);
}

static void* ab(void* arg) {
  transfer(&a, &b, 1);
  return arg;
}
static void* ba(void* arg) {
  transfer(&b, &a, 2);
  return arg;
}

int main(void) {
  corpus_deadline_ms(2000);
  pthread_spin_init(&a.lock, PTHREAD_PROCESS_PRIVATE);
  pthread_spin_init(&b.lock, PTHREAD_PROCESS_PRIVATE);
  pthread_t t;
  pthread_create(&t, NULL, ab, NULL);
  pthread_join(t, NULL);
  pthread_create(&t, NULL, ba, NULL);
  pthread_join(t, NULL);
  printf("%ld %ld\n", a.value, b.value);
  return 0;
}
