/* destroy-in-use, pthread flavour: a loader thread waits at a start barrier for the main
 * thread before it loads its half of the data.
 * Bug: the main thread gives up on the parallel load and destroys the barrier while the loader
 * still waits in it. POSIX leaves that undefined; glibc's destroy waits for the round to end,
 * which needs the main thread itself, so the program hangs (exit 86 from the deadline; under
 * weft run the deadlock is reported and the program stopped).
 * Shape: Helgrind's "pthread_barrier_destroy: threads are waiting at barrier". */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

#include "corpus_deadline.h"

static pthread_barrier_t start_line;
static atomic_int loader_arrived;
static int loaded;

static void pause_ms(long ms) {
  struct timespec t = {0, ms * 1000000L};
  nanosleep(&t, NULL);
}

/* Polls `flag` every millisecond for at most `ms` milliseconds. */
static void wait_flag_ms(atomic_int* flag, long ms) {
  for (long i = 0; i < ms && !atomic_load(flag); ++i) pause_ms(1);
}

static void* loader(void* arg) {
  atomic_store(&loader_arrived, 1);
  pthread_barrier_wait(&start_line);
  loaded = 1;
  return arg;
}

int main(void) {
  corpus_deadline_ms(3000);
  pthread_barrier_init(&start_line, NULL, 2);
  pthread_t t;
  pthread_create(&t, NULL, loader, NULL);
  wait_flag_ms(&loader_arrived, 1000);
  pause_ms(20); /* the loader is inside pthread_barrier_wait by now */
  pthread_barrier_destroy(&start_line);
  pthread_join(t, NULL);
  printf("loaded: %d\n", loaded);
  return 0;
}
