/* use-after-destroy, pthread flavour: a logging module with its own mutex; a timer callback on
 * another thread logs one last line.
 * Bug: the module's shutdown destroys the mutex before the late callback runs; the callback then
 * locks a destroyed mutex (glibc: EINVAL, the log line is written unprotected).
 * Shape: shutdown order, ThreadSanitizer's "use of an invalid mutex". */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

#include "corpus_deadline.h"

static pthread_mutex_t log_mu;
static int lines;
static atomic_int module_closed;

static void pause_ms(long ms) {
  struct timespec t = {0, ms * 1000000L};
  nanosleep(&t, NULL);
}

/* Polls `flag` every millisecond for at most `ms` milliseconds: the late event happens once the
 * other thread has done its part (so the interleaving shown is the same on a loaded machine),
 * or after the wait runs out when it never does. */
static void wait_flag_ms(atomic_int* flag, long ms) {
  for (long i = 0; i < ms && !atomic_load(flag); ++i) pause_ms(1);
}

static void log_line(const char* s) {
  int locked = pthread_mutex_lock(&log_mu) == 0;
  printf("log: %s\n", s);
  lines++;
  if (locked) pthread_mutex_unlock(&log_mu);
}

static void* late_callback(void* arg) {
  wait_flag_ms(&module_closed, 500);
  log_line("timer fired");
  return arg;
}

int main(void) {
  corpus_deadline_ms(2000);
  pthread_mutex_init(&log_mu, NULL);
  pthread_t t;
  pthread_create(&t, NULL, late_callback, NULL);
  log_line("shutting down");
  pthread_mutex_destroy(&log_mu);
  atomic_store(&module_closed, 1);
  pthread_join(t, NULL);
  return 0;
}
