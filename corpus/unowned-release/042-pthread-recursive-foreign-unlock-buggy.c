/* unowned-release, pthread flavour: a request holds a recursive mutex while it is in flight;
 * the completion runs on a different thread.
 * Bug: the completion thread unlocks the recursive mutex the request thread owns. glibc
 * refuses (EPERM), the mutex stays locked, and the error goes unnoticed by the caller.
 * Shape: unlock in a callback on another thread, as in async I/O completion bugs. */
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>

#include "corpus_deadline.h"

static pthread_mutex_t request_mu;
static sem_t completed;

static void* completion(void* arg) {
  puts("completion: request finished");
  if (pthread_mutex_unlock(&request_mu) == EPERM) puts("completion: unlock refused (EPERM)");
  sem_post(&completed);
  return NULL;
}

int main(void) {
  corpus_deadline_ms(1000);
  pthread_mutexattr_t attr;
  pthread_mutexattr_init(&attr);
  pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
  pthread_mutex_init(&request_mu, &attr);
  sem_init(&completed, 0, 0);
  pthread_mutex_lock(&request_mu);
  pthread_t t;
  pthread_create(&t, NULL, completion, NULL);
  sem_wait(&completed);
  pthread_join(t, NULL);
  return 0;
}
