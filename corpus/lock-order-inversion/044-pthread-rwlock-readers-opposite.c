/* Correct program (false-positive stress), pthread flavour: two report threads read-lock the
 * same two rwlocks in opposite orders. Readers share glibc's default (reader-preferring) rwlock,
 * so these orders can never deadlock: no finding is expected. */
#include <pthread.h>
#include <stdio.h>

#include "corpus_deadline.h"

static pthread_rwlock_t users_rw = PTHREAD_RWLOCK_INITIALIZER;
static pthread_rwlock_t groups_rw = PTHREAD_RWLOCK_INITIALIZER;
static int users = 3, groups = 2;

static void* by_user(void* arg) {
  pthread_rwlock_rdlock(&users_rw);
  pthread_rwlock_rdlock(&groups_rw);
  printf("users %d in groups %d\n", users, groups);
  pthread_rwlock_unlock(&groups_rw);
  pthread_rwlock_unlock(&users_rw);
  return arg;
}

static void* by_group(void* arg) {
  pthread_rwlock_rdlock(&groups_rw);
  pthread_rwlock_rdlock(&users_rw);
  printf("groups %d with users %d\n", groups, users);
  pthread_rwlock_unlock(&users_rw);
  pthread_rwlock_unlock(&groups_rw);
  return arg;
}

int main(void) {
  corpus_deadline_ms(2000);
  pthread_t a, b;
  pthread_create(&a, NULL, by_user, NULL);
  pthread_create(&b, NULL, by_group, NULL);
  pthread_join(a, NULL);
  pthread_join(b, NULL);
  return 0;
}
