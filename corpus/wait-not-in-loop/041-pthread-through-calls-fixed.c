/* wait-not-in-loop, pthread flavour, through calls: a client waits for a reply that a server
 * thread stores; the waiting is done by await_reply().
 * Fix: the helper loops: `while (!replied) pthread_cond_wait(...)`.
 * Shape: a wait helper whose caller owns the only predicate test. */
#include <pthread.h>
#include <stdio.h>
#include <time.h>

#include "corpus_deadline.h"

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int replied = 0, reply = 0;

static void await_reply(void) {
  while (!replied) pthread_cond_wait(&cv, &mu);
}

static void* server(void* arg) {
  struct timespec ts = {0, 30 * 1000000L};
  nanosleep(&ts, NULL);
  pthread_mutex_lock(&mu);
  reply = 200;
  replied = 1;
  pthread_cond_broadcast(&cv);
  pthread_mutex_unlock(&mu);
  return NULL;
}

int main(void) {
  corpus_deadline_ms(1000);
  pthread_t t;
  pthread_create(&t, NULL, server, NULL);
  pthread_mutex_lock(&mu);
  await_reply();
  printf("reply %d\n", reply);
  pthread_mutex_unlock(&mu);
  pthread_join(t, NULL);
  return 0;
}
