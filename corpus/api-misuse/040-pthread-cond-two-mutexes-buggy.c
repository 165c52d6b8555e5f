/* api-misuse, pthread flavour: two mailboxes, each with its own mutex, share one "mail arrived"
 * condition variable to save memory.
 * Bug: readers of both mailboxes wait on the shared condition variable at the same time, each
 * with its own mailbox's mutex: POSIX binds a condition variable to one mutex while anyone
 * waits on it, so this is undefined behaviour.
 * Shape: Helgrind's "pthread_cond_{timed}wait: cond is associated with a different mutex". */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

#include "corpus_deadline.h"

struct mailbox {
  pthread_mutex_t mu;
  int letters;
};
static struct mailbox boxes[2] = {{PTHREAD_MUTEX_INITIALIZER, 0}, {PTHREAD_MUTEX_INITIALIZER, 0}};
static pthread_cond_t mail_arrived = PTHREAD_COND_INITIALIZER;
static atomic_int reader_waiting[2];
static pthread_cond_t* arrived_for[2] = {&mail_arrived, &mail_arrived};

static struct timespec in_ms(long ms) {
  struct timespec t;
  clock_gettime(CLOCK_REALTIME, &t);
  t.tv_nsec += ms * 1000000L;
  t.tv_sec += t.tv_nsec / 1000000000L;
  t.tv_nsec %= 1000000000L;
  return t;
}

static void* reader(void* arg) {
  struct mailbox* b = &boxes[*(int*)arg];
  pthread_cond_t* cv = arrived_for[*(int*)arg];
  struct timespec until = in_ms(1500);
  pthread_mutex_lock(&b->mu);
  while (b->letters == 0) {
    atomic_store(&reader_waiting[*(int*)arg], 1);
    if (pthread_cond_timedwait(cv, &b->mu, &until) != 0) break;
  }
  printf("box %d: %d letters\n", *(int*)arg, b->letters);
  pthread_mutex_unlock(&b->mu);
  return NULL;
}

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

int main(void) {
  corpus_deadline_ms(2000);
  int ids[2] = {0, 1};
  pthread_t t[2];
  for (int i = 0; i < 2; ++i) pthread_create(&t[i], NULL, reader, &ids[i]);
  for (int i = 0; i < 2; ++i) { /* both readers are inside their waits once their mutex is free */
    wait_flag_ms(&reader_waiting[i], 1000);
    pthread_mutex_lock(&boxes[i].mu);
    pthread_mutex_unlock(&boxes[i].mu);
  }
  for (int i = 0; i < 2; ++i) {
    pthread_mutex_lock(&boxes[i].mu);
    boxes[i].letters++;
    pthread_cond_broadcast(arrived_for[i]);
    pthread_mutex_unlock(&boxes[i].mu);
  }
  for (int i = 0; i < 2; ++i) pthread_join(t[i], NULL);
  return 0;
}
