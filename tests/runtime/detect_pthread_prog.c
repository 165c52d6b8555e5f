/* detect_pthread_prog.c: plain pthread scenarios for the detectors' end-to-end tests (issue 13):
 * rwlocks, spin locks, robust mutexes, failed calls, lifetimes and contracts, many held locks.
 * Each scenario is one function, run as `detect_pthread_prog NAME` under `weft run`
 * (tests/runtime/detect_tests.cmake says what each must report). Scenarios that would hang
 * without weft are stopped by weft (exit 86); every other one ends by itself. */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CHECK(cond)                                                        \
  do {                                                                     \
    if (!(cond)) {                                                         \
      fprintf(stderr, "detect_pthread_prog: check failed: %s\n", #cond); \
      exit(3);                                                             \
    }                                                                      \
  } while (0)

static void sleep_ms(int ms) {
  struct timespec t = {ms / 1000, (long)(ms % 1000) * 1000000L};
  nanosleep(&t, NULL);
}

/* ---- many held locks: a correct program ------------------------------------------------- */
enum { kMany = 1000 };
static pthread_mutex_t many[kMany];
static void* hold_many(void* arg) {
  for (int i = 0; i < kMany; ++i) pthread_mutex_lock(&many[i]);
  for (int i = 0; i < kMany; i += 2) pthread_mutex_unlock(&many[i]); /* out of order */
  for (int i = kMany - 1; i > 0; i -= 2) pthread_mutex_unlock(&many[i]); /* backwards */
  return arg;
}
static int many_held(void) {
  for (int i = 0; i < kMany; ++i) pthread_mutex_init(&many[i], NULL);
  pthread_t a, b;
  pthread_create(&a, NULL, hold_many, NULL);
  pthread_join(a, NULL);
  pthread_create(&b, NULL, hold_many, NULL);
  pthread_join(b, NULL);
  for (int i = 0; i < kMany; ++i) pthread_mutex_destroy(&many[i]);
  return 0;
}

/* ---- robust mutexes ---------------------------------------------------------------------- */
static pthread_mutex_t robust;
static void* die_holding(void* arg) {
  pthread_mutex_lock(&robust);
  return arg; /* ends holding it: the next locker gets EOWNERDEAD */
}
static int robust_scenario(int make_consistent) {
  pthread_mutexattr_t a;
  pthread_mutexattr_init(&a);
  pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
  pthread_mutex_init(&robust, &a);
  pthread_t t;
  pthread_create(&t, NULL, die_holding, NULL);
  pthread_join(t, NULL);
  CHECK(pthread_mutex_lock(&robust) == EOWNERDEAD);
  if (make_consistent) CHECK(pthread_mutex_consistent(&robust) == 0);
  pthread_mutex_unlock(&robust);
  int r = pthread_mutex_lock(&robust);
  CHECK(make_consistent ? r == 0 : r == ENOTRECOVERABLE);
  if (r == 0) pthread_mutex_unlock(&robust);
  return 0;
}

/* ---- rwlocks ----------------------------------------------------------------------------- */
static pthread_rwlock_t rw_a = PTHREAD_RWLOCK_INITIALIZER, rw_b = PTHREAD_RWLOCK_INITIALIZER;
static void* write_a_then_b(void* arg) {
  pthread_rwlock_wrlock(&rw_a);
  if (arg) sleep_ms(100);
  pthread_rwlock_wrlock(&rw_b);
  pthread_rwlock_unlock(&rw_b);
  pthread_rwlock_unlock(&rw_a);
  return NULL;
}
static void* read_b_then_write_a(void* arg) {
  if (!arg) sleep_ms(30);
  pthread_rwlock_rdlock(&rw_b);
  if (arg) sleep_ms(100);
  pthread_rwlock_wrlock(&rw_a); /* NOLINT(lock-order-inversion): the inversion weft run reports */
  pthread_rwlock_unlock(&rw_a);
  pthread_rwlock_unlock(&rw_b);
  return NULL;
}
static void* read_a_then_b(void* arg) {
  pthread_rwlock_rdlock(&rw_a);
  pthread_rwlock_rdlock(&rw_b);
  pthread_rwlock_unlock(&rw_b);
  pthread_rwlock_unlock(&rw_a);
  return arg;
}
static void* read_b_then_a(void* arg) {
  sleep_ms(30);
  pthread_rwlock_rdlock(&rw_b);
  pthread_rwlock_rdlock(&rw_a);
  pthread_rwlock_unlock(&rw_a);
  pthread_rwlock_unlock(&rw_b);
  return arg;
}
static int two_threads(void* (*f)(void*), void* (*g)(void*), void* arg) {
  pthread_t x, y;
  pthread_create(&x, NULL, f, arg);
  pthread_create(&y, NULL, g, arg);
  pthread_join(x, NULL);
  pthread_join(y, NULL);
  return 0;
}
static int rw_relock(void) {
  pthread_rwlock_wrlock(&rw_a);
  CHECK(pthread_rwlock_wrlock(&rw_a) == EDEADLK); /* NOLINT(lock-reentry): tests EDEADLK */
  pthread_rwlock_unlock(&rw_a);
  pthread_rwlock_rdlock(&rw_b); /* nested reads: fine */
  pthread_rwlock_rdlock(&rw_b);
  pthread_rwlock_unlock(&rw_b);
  pthread_rwlock_unlock(&rw_b);
  return 0;
}

/* ---- spin locks -------------------------------------------------------------------------- */
static pthread_spinlock_t spin;
static int spin_relock(void) {
  pthread_spin_init(&spin, PTHREAD_PROCESS_PRIVATE);
  pthread_spin_lock(&spin);
  pthread_spin_lock(&spin); /* NOLINT(lock-reentry): spins forever, weft stops it */
  return 0;
}
static int spin_unlock_unheld(void) {
  pthread_spin_init(&spin, PTHREAD_PROCESS_PRIVATE);
  pthread_spin_lock(&spin);
  pthread_spin_unlock(&spin);
  pthread_spin_unlock(&spin);
  pthread_spin_destroy(&spin);
  return 0;
}

/* ---- failed calls ------------------------------------------------------------------------ */
static pthread_mutex_t ec;
static void* unlock_foreign(void* arg) {
  CHECK(pthread_mutex_unlock(&ec) == EPERM);
  return arg;
}
static int errorcheck(void) {
  pthread_mutexattr_t a;
  pthread_mutexattr_init(&a);
  pthread_mutexattr_settype(&a, PTHREAD_MUTEX_ERRORCHECK);
  pthread_mutex_init(&ec, &a);
  pthread_mutex_lock(&ec);
  pthread_t t;
  pthread_create(&t, NULL, unlock_foreign, NULL);
  pthread_join(t, NULL);
  /* The refused unlock changed nothing: this thread still owns it and unlocks it cleanly. */
  CHECK(pthread_mutex_unlock(&ec) == 0);
  pthread_mutex_destroy(&ec);
  return 0;
}
static int errorcheck_relock(void) {
  pthread_mutexattr_t a;
  pthread_mutexattr_init(&a);
  pthread_mutexattr_settype(&a, PTHREAD_MUTEX_ERRORCHECK);
  pthread_mutex_init(&ec, &a);
  pthread_mutex_lock(&ec);
  CHECK(pthread_mutex_lock(&ec) == EDEADLK);
  pthread_mutex_unlock(&ec);
  return 0;
}
/* Calls that must fail, under --chaos too: an invalid deadline and one already passed. */
static int failing_waits(void) {
  pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
  pthread_cond_t c = PTHREAD_COND_INITIALIZER;
  pthread_mutex_lock(&m);
  struct timespec bad = {0, 2000000000L}, past = {1, 0};
  for (int i = 0; i < 20; ++i) {
    CHECK(pthread_cond_timedwait(&c, &m, &bad) == EINVAL);
    CHECK(pthread_cond_timedwait(&c, &m, &past) == ETIMEDOUT);
  }
  pthread_mutex_unlock(&m);
  return 0;
}

/* ---- lifetimes --------------------------------------------------------------------------- */
static pthread_mutex_t life_m;
static pthread_cond_t life_c;
static int destroy_locked(void) {
  pthread_mutex_init(&life_m, NULL);
  pthread_mutex_lock(&life_m);
  CHECK(pthread_mutex_destroy(&life_m) == EBUSY);
  pthread_mutex_unlock(&life_m);
  pthread_mutex_destroy(&life_m);
  return 0;
}
static int use_destroyed(void) {
  pthread_mutex_init(&life_m, NULL);
  pthread_mutex_destroy(&life_m);
  CHECK(pthread_mutex_lock(&life_m) == EINVAL);
  return 0;
}
static int reinit(void) {
  for (int i = 0; i < 3; ++i) {
    pthread_mutex_init(&life_m, NULL);
    pthread_cond_init(&life_c, NULL);
    pthread_mutex_lock(&life_m);
    pthread_cond_signal(&life_c);
    pthread_mutex_unlock(&life_m);
    pthread_cond_destroy(&life_c);
    pthread_mutex_destroy(&life_m);
  }
  /* The same memory set up by a static initialiser is a new object, not a dead one. */
  pthread_mutex_t fresh = PTHREAD_MUTEX_INITIALIZER;
  memcpy(&life_m, &fresh, sizeof fresh);
  pthread_mutex_lock(&life_m);
  pthread_mutex_unlock(&life_m);
  return 0;
}
static int waiting;
static void* wait_forever(void* arg) {
  pthread_mutex_lock(&life_m);
  waiting = 1;
  while (waiting) pthread_cond_wait(&life_c, &life_m);
  pthread_mutex_unlock(&life_m);
  return arg;
}
static int destroy_cond_waited(void) {
  pthread_mutex_init(&life_m, NULL);
  pthread_cond_init(&life_c, NULL);
  pthread_t t;
  pthread_create(&t, NULL, wait_forever, NULL);
  for (;;) {
    pthread_mutex_lock(&life_m);
    int w = waiting;
    pthread_mutex_unlock(&life_m);
    if (w) break;
    sleep_ms(5);
  }
  sleep_ms(50);
  pthread_cond_destroy(&life_c); /* glibc blocks for the waiter: weft reports and stops it */
  return 0;
}

/* ---- contracts --------------------------------------------------------------------------- */
static pthread_mutex_t m1 = PTHREAD_MUTEX_INITIALIZER, m2 = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t shared_cv = PTHREAD_COND_INITIALIZER;
static int ready;
static void* wait_with_m1(void* arg) {
  pthread_mutex_lock(&m1);
  ready = 1;
  struct timespec until;
  clock_gettime(CLOCK_REALTIME, &until);
  until.tv_sec += 1;
  pthread_cond_timedwait(&shared_cv, &m1, &until); /* NOLINT(wait-not-in-loop): one-shot */
  pthread_mutex_unlock(&m1);
  return arg;
}
static int cond_two_mutexes(void) {
  pthread_t t;
  pthread_create(&t, NULL, wait_with_m1, NULL);
  for (;;) {
    pthread_mutex_lock(&m1);
    int r = ready;
    pthread_mutex_unlock(&m1);
    if (r) break;
    sleep_ms(5);
  }
  sleep_ms(30);
  pthread_mutex_lock(&m2);
  struct timespec soon;
  clock_gettime(CLOCK_REALTIME, &soon);
  soon.tv_nsec += 20000000L;
  if (soon.tv_nsec >= 1000000000L) {
    soon.tv_sec++;
    soon.tv_nsec -= 1000000000L;
  }
  pthread_cond_timedwait(&shared_cv, &m2, &soon); /* NOLINT(wait-not-in-loop): one-shot by design */
  pthread_mutex_unlock(&m2);
  pthread_cond_broadcast(&shared_cv);
  pthread_join(t, NULL);
  return 0;
}
static int recursive_wait(void) {
  pthread_mutexattr_t a;
  pthread_mutexattr_init(&a);
  pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
  pthread_mutex_t r;
  pthread_mutex_init(&r, &a);
  pthread_cond_t c = PTHREAD_COND_INITIALIZER;
  pthread_mutex_lock(&r);
  pthread_mutex_lock(&r);
  struct timespec soon;
  clock_gettime(CLOCK_REALTIME, &soon);
  soon.tv_sec += 1;
  soon.tv_nsec = 0;
  pthread_cond_timedwait(&c, &r, &soon); /* NOLINT(wait-not-in-loop): one-shot by design */
  pthread_mutex_unlock(&r);
  pthread_mutex_unlock(&r);
  return 0;
}
static int sem_limits(void) {
  sem_t s;
  CHECK(sem_init(&s, 0, (unsigned)SEM_VALUE_MAX + 1u) == -1 && errno == EINVAL);
  sem_init(&s, 0, SEM_VALUE_MAX);
  CHECK(sem_post(&s) == -1 && errno == EOVERFLOW);
  sem_destroy(&s);
  return 0;
}
static int barrier_zero(void) {
  pthread_barrier_t b;
  CHECK(pthread_barrier_init(&b, NULL, 0) == EINVAL);
  return 0;
}
static pthread_mutex_t held_at_exit = PTHREAD_MUTEX_INITIALIZER;
static int main_exits_holding(void) {
  pthread_mutex_lock(&held_at_exit);
  return 0;
}

struct Scenario {
  const char* name;
  int (*run)(void);
};
static int robust_ok(void) { return robust_scenario(1); }
static int robust_bad(void) { return robust_scenario(0); }
static int rw_inversion(void) { return two_threads(write_a_then_b, read_b_then_write_a, NULL); }
static int rw_deadlock(void) { return two_threads(write_a_then_b, read_b_then_write_a, &ready); }
static int rw_reads(void) { return two_threads(read_a_then_b, read_b_then_a, NULL); }

static const struct Scenario kScenarios[] = {
    {"many-held", many_held},
    {"robust-ok", robust_ok},
    {"robust-inconsistent", robust_bad},
    {"rw-inversion", rw_inversion},
    {"rw-deadlock", rw_deadlock},
    {"rw-reads", rw_reads},
    {"rw-relock", rw_relock},
    {"spin-relock", spin_relock},
    {"spin-unlock-unheld", spin_unlock_unheld},
    {"errorcheck-unlock", errorcheck},
    {"errorcheck-relock", errorcheck_relock},
    {"failing-waits", failing_waits},
    {"failing-waits-chaos", failing_waits}, /* run with --chaos */
    {"destroy-locked", destroy_locked},
    {"use-destroyed", use_destroyed},
    {"reinit", reinit},
    {"destroy-cond-waited", destroy_cond_waited},
    {"cond-two-mutexes", cond_two_mutexes},
    {"recursive-wait", recursive_wait},
    {"sem-limits", sem_limits},
    {"barrier-zero", barrier_zero},
    {"main-exits-holding", main_exits_holding},
};

int main(int argc, char** argv) {
  if (argc == 2)
    for (size_t i = 0; i < sizeof kScenarios / sizeof kScenarios[0]; ++i)
      if (strcmp(argv[1], kScenarios[i].name) == 0) return kScenarios[i].run();
  fprintf(stderr, "usage: detect_pthread_prog SCENARIO\n");
  return 2;
}
