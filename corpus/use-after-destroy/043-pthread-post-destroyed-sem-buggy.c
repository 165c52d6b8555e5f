/* use-after-destroy, pthread flavour: a download counts finished chunks on a semaphore.
 * Bug: the main thread destroys the semaphore after the chunks it waited for, but a slow chunk
 * thread posts to it afterwards.
 * Shape: a counter semaphore outliving its owner's interest. */
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <time.h>

#include "corpus_deadline.h"

static sem_t chunks;

static void pause_ms(long ms) {
  struct timespec t = {0, ms * 1000000L};
  nanosleep(&t, NULL);
}

static void* chunk(void* arg) {
  pause_ms(*(int*)arg);
  sem_post(&chunks);
  return NULL;
}

int main(void) {
  corpus_deadline_ms(2000);
  sem_init(&chunks, 0, 0);
  int delays[2] = {10, 100};
  pthread_t t[2];
  for (int i = 0; i < 2; ++i) pthread_create(&t[i], NULL, chunk, &delays[i]);
  sem_wait(&chunks); /* only the first chunk is awaited */
  sem_destroy(&chunks);
  for (int i = 0; i < 2; ++i) pthread_join(t[i], NULL);
  puts("download finished");
  return 0;
}
