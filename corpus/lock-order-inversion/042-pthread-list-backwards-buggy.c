/* lock-order-inversion, pthread flavour: a three-node doubly linked list with a mutex per
 * node; one thread walks it forwards hand over hand, a later one walks it backwards.
 * Bug: the backward walk holds node i+1 while it locks node i, the reverse of the forward
 * walk: concurrent walks in both directions can deadlock (this run keeps them apart).
 * Shape: hand-over-hand locking (lock coupling) broken by a reverse traversal. */
#include <pthread.h>
#include <stdio.h>

#include "corpus_deadline.h"

struct node {
  pthread_mutex_t mu;
  int value;
};

static struct node list[3] = {
    {PTHREAD_MUTEX_INITIALIZER, 1}, {PTHREAD_MUTEX_INITIALIZER, 2}, {PTHREAD_MUTEX_INITIALIZER, 3}};

static void* forward(void* arg) {
  pthread_mutex_lock(&list[0].mu);
  for (int i = 0; i + 1 < 3; ++i) {
    pthread_mutex_lock(&list[i + 1].mu);
    list[i + 1].value += list[i].value;
    pthread_mutex_unlock(&list[i].mu);
  }
  pthread_mutex_unlock(&list[2].mu);
  return NULL;
}

static void* backward(void* arg) {
  int sum = 0;
  pthread_mutex_lock(&list[2].mu);
  for (int i = 2; i > 0; --i) {
    pthread_mutex_lock(&list[i - 1].mu);
    sum += list[i].value;
    pthread_mutex_unlock(&list[i].mu);
  }
  sum += list[0].value;
  pthread_mutex_unlock(&list[0].mu);
  printf("sum %d\n", sum);
  return NULL;
}

int main(void) {
  corpus_deadline_ms(1000);
  pthread_t a, b;
  pthread_create(&a, NULL, forward, NULL);
  pthread_join(a, NULL);
  pthread_create(&b, NULL, backward, NULL);
  pthread_join(b, NULL);
  return 0;
}
