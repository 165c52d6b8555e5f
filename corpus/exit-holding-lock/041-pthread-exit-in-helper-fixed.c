/* exit-holding-lock, pthread flavour, through calls: a worker parses input under a mutex; the
 * parser's error helper ends the thread with pthread_exit.
 * Fix: fail() returns an error; the caller unlocks and then returns.
 * Shape: a "die" helper used inside a critical section. */
#include <pthread.h>
#include <stdio.h>

#include "corpus_deadline.h"

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static int parsed = 0;

static int fail(const char* why) {
  fprintf(stderr, "parse error: %s\n", why);
  return -1;
}

static void* parser(void* arg) {
  const char* input = arg;
  pthread_mutex_lock(&mu);
  if (input[0] != '{' && fail("expected '{'") < 0) {
    pthread_mutex_unlock(&mu);
    return NULL;
  }
  ++parsed;
  pthread_mutex_unlock(&mu);
  return NULL;
}

int main(void) {
  corpus_deadline_ms(1000);
  pthread_t t;
  pthread_create(&t, NULL, parser, "oops");
  pthread_join(t, NULL);
  printf("parsed %d\n", parsed);
  return 0;
}
