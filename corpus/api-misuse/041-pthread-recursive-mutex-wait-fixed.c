/* api-misuse, pthread flavour: an account object guarded by a recursive mutex; withdraw() takes
 * it and calls wait_for_funds(), which takes it again and waits for a deposit.
 * Fixed: withdraw() calls wait_for_funds() without holding the mutex itself, so the wait
 * releases it entirely.
 * Shape: a recursive lock held across a condition wait by nested helpers. */
#include <pthread.h>
#include <stdio.h>
#include <time.h>

#include "corpus_deadline.h"

static pthread_mutex_t account_mu;
static pthread_cond_t funds = PTHREAD_COND_INITIALIZER;
static int balance;

static struct timespec in_ms(long ms) {
  struct timespec t;
  clock_gettime(CLOCK_REALTIME, &t);
  t.tv_nsec += ms * 1000000L;
  t.tv_sec += t.tv_nsec / 1000000000L;
  t.tv_nsec %= 1000000000L;
  return t;
}

static int wait_for_funds(int amount) {
  struct timespec until = in_ms(150);
  pthread_mutex_lock(&account_mu);
  while (balance < amount)
    if (pthread_cond_timedwait(&funds, &account_mu, &until) != 0) break;
  int ok = balance >= amount;
  pthread_mutex_unlock(&account_mu);
  return ok;
}

static void* withdraw(void* arg) {
  int ok = wait_for_funds(50);
  pthread_mutex_lock(&account_mu);
  if (ok) balance -= 50;
  pthread_mutex_unlock(&account_mu);
  printf("withdraw: %s\n", ok ? "done" : "no funds");
  return arg;
}

static void* deposit(void* arg) {
  struct timespec t = {0, 20 * 1000000L};
  nanosleep(&t, NULL);
  pthread_mutex_lock(&account_mu);
  balance += 100;
  pthread_cond_signal(&funds);
  pthread_mutex_unlock(&account_mu);
  return arg;
}

int main(void) {
  corpus_deadline_ms(2000);
  pthread_mutexattr_t a;
  pthread_mutexattr_init(&a);
  pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
  pthread_mutex_init(&account_mu, &a);
  pthread_t w, d;
  pthread_create(&w, NULL, withdraw, NULL);
  pthread_create(&d, NULL, deposit, NULL);
  pthread_join(w, NULL);
  pthread_join(d, NULL);
  printf("balance: %d\n", balance);
  return 0;
}
