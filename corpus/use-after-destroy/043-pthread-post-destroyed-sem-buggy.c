/* use-after-destroy, pthread flavour: a download counts finished chunks on a semaphore.
 * Bug: the main thread destroys the semaphore after the chunks it waited for, but a slow chunk
 * thread posts to it afterwards.
 * Shape: a counter semaphore outliving its owner's interest. */
#include <pthread.h>
#include <stdatomic.h>
#include <semaphore.h>
#include <stdio.h>
#include <time.h>

#include "corpus_deadline.h"

static sem_t chunks;
static atomic_int chunks_closed;

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

static void* chunk(void* arg) {
  if (*(int*)arg) wait_flag_ms(&chunks_closed, 500); /* the slow chunk */
  sem_post(&chunks);
  return NULL;
}

int main(void) {
  corpus_deadline_ms(2000);
  sem_init(&chunks, 0, 0);
  int delays[2] = {0, 1};
  pthread_t t[2];
  for (int i = 0; i < 2; ++i) pthread_create(&t[i], NULL, chunk, &delays[i]);
  sem_wait(&chunks); /* only the first chunk is awaited */
  sem_destroy(&chunks);
  atomic_store(&chunks_closed, 1);
  for (int i = 0; i < 2; ++i) pthread_join(t[i], NULL);
  puts("download finished");
  return 0;
}
