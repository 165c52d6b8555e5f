/* lock-order-inversion, pthread flavour: two per-CPU style counters, each with a spin lock.
 * Fixed: transfer() locks the two counters in address order.
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
  struct counter* first = from < to ? from : to;
  struct counter* second = from < to ? to : from;
  pthread_spin_lock(&first->lock);
  pthread_spin_lock(&second->lock);
  from->value -= v;
  to->value += v;
  pthread_spin_unlock(&second->lock);
  pthread_spin_unlock(&first->lock);
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
