/* api-misuse, pthread flavour: three render workers meet at a frame barrier before they swap
 * buffers.
 * Fixed: the barrier is sized by the number of workers, so all three pass one round together. */
#include <pthread.h>
#include <stdio.h>

#include "corpus_deadline.h"

enum { kWorkers = 3 };
static pthread_barrier_t frame_done;
static int rendered[kWorkers];

static void* render(void* arg) {
  int i = *(int*)arg;
  rendered[i] = 1;
  pthread_barrier_wait(&frame_done);
  return NULL;
}

int main(void) {
  corpus_deadline_ms(3000);
  pthread_barrier_init(&frame_done, NULL, kWorkers);
  int ids[kWorkers];
  pthread_t t[kWorkers];
  for (int i = 0; i < kWorkers; ++i) {
    ids[i] = i;
    pthread_create(&t[i], NULL, render, &ids[i]);
  }
  for (int i = 0; i < kWorkers; ++i) pthread_join(t[i], NULL);
  pthread_barrier_destroy(&frame_done);
  printf("frame of %d workers swapped\n", kWorkers);
  return 0;
}
