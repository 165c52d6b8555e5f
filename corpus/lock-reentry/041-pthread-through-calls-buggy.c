/* lock-reentry, pthread flavour, through calls: list_add() appends under the list mutex and
 * calls list_len() to report the new length.
 * Bug: list_len() locks the same default mutex: the thread re-enters a non-recursive lock and
 * blocks on itself (exit 86 from the deadline).
 * Shape: the tutorial's func1 -> func2 example (section 10) with pthreads. */
#include <pthread.h>
#include <stdio.h>

#include "corpus_deadline.h"

static pthread_mutex_t mu;
static int items[16], len = 0;

static int list_len(void) {
  pthread_mutex_lock(&mu);
  int n = len;
  pthread_mutex_unlock(&mu);
  return n;
}

static void list_add(int v) {
  pthread_mutex_lock(&mu);
  items[len++] = v;
  printf("list has %d items\n", list_len());
  pthread_mutex_unlock(&mu);
}

static void* worker(void* arg) {
  list_add(7);
  return NULL;
}

int main(void) {
  corpus_deadline_ms(1000);
  pthread_mutexattr_t attr;
  pthread_mutexattr_init(&attr);
  pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_DEFAULT);
  pthread_mutex_init(&mu, &attr);
  pthread_t t;
  pthread_create(&t, NULL, worker, NULL);
  pthread_join(t, NULL);
  return 0;
}
