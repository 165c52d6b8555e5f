/* preload_prog.c: an ordinary C pthread program (no weft headers) that runtime_preload_test runs
   under libweft_preload.so, one scenario per run: `preload_prog SCENARIO`.

   It prints `label=ADDRESS` lines on stdout so the test can find each object in the recording
   (the interposer names objects by address), checks every return code itself and exits 0 only
   when the program behaved as POSIX says: the interposer must never change behaviour.

   Blocking is made deterministic by polling glibc's own state (a mutex's __lock becomes 2 once a
   waiter sleeps on it; a semaphore counts its sleepers in the upper half of its first word)
   instead of sleeping. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <sched.h>
#include <semaphore.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The pre-2.3.2 condition-variable ABI, still exported by glibc on x86_64. */
int old_cond_init(pthread_cond_t*, const pthread_condattr_t*);
int old_cond_destroy(pthread_cond_t*);
int old_cond_wait(pthread_cond_t*, pthread_mutex_t*);
int old_cond_signal(pthread_cond_t*);
__asm__(".symver old_cond_init, pthread_cond_init@GLIBC_2.2.5");
__asm__(".symver old_cond_destroy, pthread_cond_destroy@GLIBC_2.2.5");
__asm__(".symver old_cond_wait, pthread_cond_wait@GLIBC_2.2.5");
__asm__(".symver old_cond_signal, pthread_cond_signal@GLIBC_2.2.5");

#define CHECK(expr)                                                       \
  do {                                                                    \
    if (!(expr)) {                                                        \
      fprintf(stderr, "preload_prog: %s:%d: %s\n", __FILE__, __LINE__, #expr); \
      exit(3);                                                            \
    }                                                                     \
  } while (0)

static void label(const char* name, const void* p) {
  printf("%s=%p\n", name, p);
  fflush(stdout);
}

/* Waits until some thread sleeps in pthread_mutex_lock on `m` (held by the caller). */
static void until_mutex_contended(pthread_mutex_t* m) {
  while (__atomic_load_n(&m->__data.__lock, __ATOMIC_ACQUIRE) != 2) sched_yield();
}

/* ---- mutexes ------------------------------------------------------------------------------ */

static pthread_mutex_t g_static = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t g_static_rec = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;

static void* lock_unlock(void* p) {
  CHECK(pthread_mutex_lock((pthread_mutex_t*)p) == 0);
  CHECK(pthread_mutex_unlock((pthread_mutex_t*)p) == 0);
  return NULL;
}

static void* try_fails(void* p) {
  CHECK(pthread_mutex_trylock((pthread_mutex_t*)p) == EBUSY);
  return NULL;
}

/* main: acquired; worker: try fails, then blocks (acquire-begin) until main releases. */
static int scenario_mutex(pthread_mutex_t* m) {
  pthread_t t;
  CHECK(pthread_mutex_lock(m) == 0);
  CHECK(pthread_create(&t, NULL, try_fails, m) == 0);
  CHECK(pthread_join(t, NULL) == 0);
  CHECK(pthread_create(&t, NULL, lock_unlock, m) == 0);
  until_mutex_contended(m);
  CHECK(pthread_mutex_unlock(m) == 0);
  CHECK(pthread_join(t, NULL) == 0);
  return 0;
}

static int scenario_normal(void) {
  pthread_mutex_t m;
  CHECK(pthread_mutex_init(&m, NULL) == 0);
  label("m", &m);
  scenario_mutex(&m);
  CHECK(pthread_mutex_destroy(&m) == 0);
  return 0;
}

static int scenario_static(void) {
  label("m", &g_static);
  return scenario_mutex(&g_static);
}

static int recursive_walk(pthread_mutex_t* m) {
  CHECK(pthread_mutex_lock(m) == 0);
  CHECK(pthread_mutex_lock(m) == 0);
  CHECK(pthread_mutex_trylock(m) == 0);
  CHECK(pthread_mutex_unlock(m) == 0);
  CHECK(pthread_mutex_unlock(m) == 0);
  CHECK(pthread_mutex_unlock(m) == 0);
  return 0;
}

static int scenario_recursive(void) {
  pthread_mutexattr_t a;
  pthread_mutex_t m;
  CHECK(pthread_mutexattr_init(&a) == 0);
  CHECK(pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE) == 0);
  CHECK(pthread_mutex_init(&m, &a) == 0);
  label("m", &m);
  recursive_walk(&m);
  CHECK(pthread_mutex_destroy(&m) == 0);
  label("s", &g_static_rec);
  return recursive_walk(&g_static_rec);
}

static int scenario_errorcheck(void) {
  pthread_mutexattr_t a;
  pthread_mutex_t m;
  CHECK(pthread_mutexattr_init(&a) == 0);
  CHECK(pthread_mutexattr_settype(&a, PTHREAD_MUTEX_ERRORCHECK) == 0);
  CHECK(pthread_mutex_init(&m, &a) == 0);
  label("m", &m);
  CHECK(pthread_mutex_lock(&m) == 0);
  CHECK(pthread_mutex_lock(&m) == EDEADLK);
  CHECK(pthread_mutex_unlock(&m) == 0);
  CHECK(pthread_mutex_unlock(&m) == EPERM);
  CHECK(pthread_mutex_destroy(&m) == 0);
  return 0;
}

/* The same address initialised twice: two objects, the first one destroyed. */
static int scenario_reuse(void) {
  pthread_mutex_t m;
  for (int i = 0; i < 2; ++i) {
    CHECK(pthread_mutex_init(&m, NULL) == 0);
    CHECK(pthread_mutex_lock(&m) == 0);
    CHECK(pthread_mutex_unlock(&m) == 0);
    CHECK(pthread_mutex_destroy(&m) == 0);
  }
  label("m", &m);
  return 0;
}

static int scenario_timedlock(void) {
  pthread_mutex_t m;
  struct timespec past = {0, 0};
  CHECK(pthread_mutex_init(&m, NULL) == 0);
  label("m", &m);
  CHECK(pthread_mutex_lock(&m) == 0);
  pthread_t t;
  CHECK(pthread_create(&t, NULL, try_fails, &m) == 0);
  CHECK(pthread_join(t, NULL) == 0);
  CHECK(pthread_mutex_unlock(&m) == 0);
  CHECK(pthread_mutex_timedlock(&m, &past) == 0); /* free: acquired at once */
  CHECK(pthread_mutex_unlock(&m) == 0);
  return 0;
}

/* ---- rwlocks ------------------------------------------------------------------------------ */

static void* try_read_fails(void* p) {
  CHECK(pthread_rwlock_tryrdlock((pthread_rwlock_t*)p) == EBUSY);
  return NULL;
}

static int scenario_rwlock(void) {
  pthread_rwlock_t l;
  pthread_t t;
  CHECK(pthread_rwlock_init(&l, NULL) == 0);
  label("l", &l);
  CHECK(pthread_rwlock_rdlock(&l) == 0);
  CHECK(pthread_rwlock_unlock(&l) == 0);
  CHECK(pthread_rwlock_wrlock(&l) == 0);
  CHECK(pthread_create(&t, NULL, try_read_fails, &l) == 0);
  CHECK(pthread_join(t, NULL) == 0);
  CHECK(pthread_rwlock_unlock(&l) == 0);
  CHECK(pthread_rwlock_destroy(&l) == 0);
  return 0;
}

/* ---- condition variables ------------------------------------------------------------------ */

struct cond_case {
  pthread_mutex_t m;
  pthread_cond_t c;
  int waiting, ready, old_abi;
};

static void* cond_waiter(void* p) {
  struct cond_case* k = p;
  CHECK(pthread_mutex_lock(&k->m) == 0);
  ++k->waiting;
  while (!k->ready) CHECK((k->old_abi ? old_cond_wait : pthread_cond_wait)(&k->c, &k->m) == 0);
  CHECK(pthread_mutex_unlock(&k->m) == 0);
  return NULL;
}

/* Waits (holding the mutex afterwards) until `n` waiters are inside the wait. */
static void until_waiting(struct cond_case* k, int n) {
  for (;;) {
    CHECK(pthread_mutex_lock(&k->m) == 0);
    if (k->waiting == n) return;
    CHECK(pthread_mutex_unlock(&k->m) == 0);
    sched_yield();
  }
}

static int scenario_cond(int old_abi, int waiters) {
  struct cond_case k;
  pthread_t t[2];
  memset(&k, 0, sizeof k);
  k.old_abi = old_abi;
  CHECK(pthread_mutex_init(&k.m, NULL) == 0);
  CHECK((old_abi ? old_cond_init : pthread_cond_init)(&k.c, NULL) == 0);
  label("m", &k.m);
  label("c", &k.c);
  for (int i = 0; i < waiters; ++i) CHECK(pthread_create(&t[i], NULL, cond_waiter, &k) == 0);
  until_waiting(&k, waiters);
  k.ready = 1;
  if (waiters == 1) {
    CHECK((old_abi ? old_cond_signal : pthread_cond_signal)(&k.c) == 0);
  } else {
    CHECK(pthread_cond_broadcast(&k.c) == 0);
  }
  CHECK(pthread_mutex_unlock(&k.m) == 0);
  for (int i = 0; i < waiters; ++i) CHECK(pthread_join(t[i], NULL) == 0);
  CHECK((old_abi ? old_cond_destroy : pthread_cond_destroy)(&k.c) == 0);
  CHECK(pthread_mutex_destroy(&k.m) == 0);
  return 0;
}

/* A signal with nobody waiting, then timed waits that time out (timedwait and clockwait). */
static int scenario_cond_timeout(void) {
  pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
  pthread_cond_t c = PTHREAD_COND_INITIALIZER;
  struct timespec ts;
  label("m", &m);
  label("c", &c);
  CHECK(pthread_cond_signal(&c) == 0);
  CHECK(pthread_mutex_lock(&m) == 0);
  CHECK(clock_gettime(CLOCK_REALTIME, &ts) == 0);
  CHECK(pthread_cond_timedwait(&c, &m, &ts) == ETIMEDOUT);
  CHECK(clock_gettime(CLOCK_MONOTONIC, &ts) == 0);
  ts.tv_nsec += 1000000;
  if (ts.tv_nsec >= 1000000000) {
    ts.tv_nsec -= 1000000000;
    ++ts.tv_sec;
  }
  CHECK(pthread_cond_clockwait(&c, &m, CLOCK_MONOTONIC, &ts) == ETIMEDOUT);
  CHECK(pthread_mutex_unlock(&m) == 0);
  return 0;
}

/* ---- semaphores --------------------------------------------------------------------------- */

static void* sem_waiter(void* p) {
  CHECK(sem_wait((sem_t*)p) == 0);
  return NULL;
}

static int scenario_sem(void) {
  sem_t s;
  pthread_t t;
  CHECK(sem_init(&s, 0, 1) == 0);
  label("s", &s);
  CHECK(sem_wait(&s) == 0);                           /* acquired 0 */
  CHECK(sem_trywait(&s) == -1 && errno == EAGAIN);    /* acquire-failed 0 */
  CHECK(pthread_create(&t, NULL, sem_waiter, &s) == 0);
  /* glibc (64-bit): the number of sleepers is the upper half of the semaphore's first word. */
  while ((__atomic_load_n((uint64_t*)&s, __ATOMIC_ACQUIRE) >> 32) == 0) sched_yield();
  errno = 1234;
  CHECK(sem_post(&s) == 0);                           /* release 1 */
  CHECK(errno == 1234);                               /* the interposer keeps errno */
  CHECK(pthread_join(t, NULL) == 0);
  CHECK(sem_destroy(&s) == 0);
  return 0;
}

/* ---- barriers ----------------------------------------------------------------------------- */

static pthread_barrier_t g_barrier;
static int g_serial;

static void* barrier_party(void* p) {
  int r = pthread_barrier_wait(&g_barrier);
  CHECK(r == 0 || r == PTHREAD_BARRIER_SERIAL_THREAD);
  if (r == PTHREAD_BARRIER_SERIAL_THREAD) __atomic_add_fetch(&g_serial, 1, __ATOMIC_RELAXED);
  return NULL;
}

static int scenario_barrier(void) {
  pthread_t t[2];
  CHECK(pthread_barrier_init(&g_barrier, NULL, 3) == 0);
  label("b", &g_barrier);
  for (int i = 0; i < 2; ++i) CHECK(pthread_create(&t[i], NULL, barrier_party, NULL) == 0);
  barrier_party(NULL);
  for (int i = 0; i < 2; ++i) CHECK(pthread_join(t[i], NULL) == 0);
  CHECK(g_serial == 1);
  CHECK(pthread_barrier_destroy(&g_barrier) == 0);
  return 0;
}

/* ---- threads ------------------------------------------------------------------------------ */

static sem_t g_named;

static void* names_itself(void* p) {
  CHECK(pthread_setname_np(pthread_self(), "\xe5\xad\x90\xe7\xba\xbf\xe7\xa8\x8b-0") == 0);
  return (void*)7;
}

static void* named_by_parent(void* p) {
  CHECK(sem_wait(&g_named) == 0); /* its next interposed call: the name reaches the recording */
  pthread_exit((void*)8);
}

static int scenario_threads(void) {
  pthread_t a, b;
  void* ra;
  void* rb;
  CHECK(sem_init(&g_named, 0, 0) == 0);
  CHECK(pthread_create(&a, NULL, names_itself, NULL) == 0);
  CHECK(pthread_create(&b, NULL, named_by_parent, NULL) == 0);
  CHECK(pthread_setname_np(b, "worker-b") == 0);
  CHECK(sem_post(&g_named) == 0);
  CHECK(pthread_join(a, &ra) == 0 && ra == (void*)7);
  CHECK(pthread_join(b, &rb) == 0 && rb == (void*)8);
  CHECK(pthread_join(b, NULL) != 0); /* already joined: an error, no crash */
  return 0;
}

/* ---- fork --------------------------------------------------------------------------------- */

static volatile int g_stop;

/* Keeps the interposer's object table busy (first use of fresh mutexes) while main forks. */
static void* churn(void* p) {
  while (!g_stop) {
    pthread_mutex_t m;
    CHECK(pthread_mutex_init(&m, NULL) == 0);
    CHECK(pthread_mutex_lock(&m) == 0);
    CHECK(pthread_mutex_unlock(&m) == 0);
    CHECK(pthread_mutex_destroy(&m) == 0);
  }
  return NULL;
}

/* 40 children forked while another thread registers objects; each child must be able to use a
   mutex (never inheriting the table lock held) and exit within 10 s. */
static int scenario_fork(void) {
  static pthread_mutex_t child_m = PTHREAD_MUTEX_INITIALIZER;
  pthread_t t;
  label("m", &child_m);
  CHECK(pthread_mutex_lock(&child_m) == 0); /* known before the forks: children inherit it */
  CHECK(pthread_mutex_unlock(&child_m) == 0);
  CHECK(pthread_create(&t, NULL, churn, NULL) == 0);
  for (int i = 0; i < 40; ++i) {
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
      pthread_mutex_t fresh = PTHREAD_MUTEX_INITIALIZER;
      if (pthread_mutex_lock(&fresh) || pthread_mutex_unlock(&fresh)) _exit(4);
      if (pthread_mutex_lock(&child_m) || pthread_mutex_unlock(&child_m)) _exit(4);
      _exit(0);
    }
    int st = 0;
    for (int waited = 0; waitpid(pid, &st, WNOHANG) == 0; ++waited) {
      if (waited == 10000) {
        kill(pid, SIGKILL);
        fprintf(stderr, "preload_prog: a fork child hung\n");
        exit(5);
      }
      usleep(1000);
    }
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
  }
  g_stop = 1;
  CHECK(pthread_join(t, NULL) == 0);
  return 0;
}

/* ABBA in a fork child, while a parent thread sits in a condition wait: the child's detectors must
   treat the parent's other threads as gone and run their own deadlock watchdog, which stops the
   child with status 86 (instead of a hang). The parent exits 0 when it saw exactly that. */
static pthread_mutex_t g_a = PTHREAD_MUTEX_INITIALIZER, g_b = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t g_idle_m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_idle_c = PTHREAD_COND_INITIALIZER;
static int g_idle_done;
static void* idle_waiter(void* p) {
  (void)p;
  CHECK(pthread_mutex_lock(&g_idle_m) == 0);
  while (!g_idle_done) CHECK(pthread_cond_wait(&g_idle_c, &g_idle_m) == 0);
  CHECK(pthread_mutex_unlock(&g_idle_m) == 0);
  return NULL;
}
static void* take_ab(void* p) {
  int ab = p != NULL;
  CHECK(pthread_mutex_lock(ab ? &g_a : &g_b) == 0);
  usleep(100 * 1000);
  CHECK(pthread_mutex_lock(ab ? &g_b : &g_a) == 0);
  CHECK(pthread_mutex_unlock(ab ? &g_b : &g_a) == 0);
  CHECK(pthread_mutex_unlock(ab ? &g_a : &g_b) == 0);
  return NULL;
}
static int scenario_fork_deadlock(void) {
  pthread_t idle;
  CHECK(pthread_create(&idle, NULL, idle_waiter, NULL) == 0);
  usleep(50 * 1000); /* the waiter is blocked in its wait when we fork */
  pid_t pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    pthread_t t1, t2;
    CHECK(pthread_create(&t1, NULL, take_ab, (void*)1) == 0);
    CHECK(pthread_create(&t2, NULL, take_ab, NULL) == 0);
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);
    _exit(0); /* not reached: the two threads deadlock */
  }
  int st = 0;
  for (int waited = 0; waitpid(pid, &st, WNOHANG) == 0; ++waited) {
    if (waited == 10000) {
      kill(pid, SIGKILL);
      fprintf(stderr, "preload_prog: the deadlocked fork child was not stopped within 10 s\n");
      exit(5);
    }
    usleep(1000);
  }
  CHECK(pthread_mutex_lock(&g_idle_m) == 0);
  g_idle_done = 1;
  CHECK(pthread_cond_signal(&g_idle_c) == 0);
  CHECK(pthread_mutex_unlock(&g_idle_m) == 0);
  CHECK(pthread_join(idle, NULL) == 0);
  if (!WIFEXITED(st) || WEXITSTATUS(st) != 86) {
    fprintf(stderr, "preload_prog: fork child ended with status %d, expected exit 86\n", st);
    return 6;
  }
  return 0;
}

/* Three children, each locking the parent's mutex once (multi-process recording). */
static int scenario_fork3(void) {
  static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
  label("m", &m);
  for (int i = 0; i < 3; ++i) {
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
      if (pthread_mutex_lock(&m) || pthread_mutex_unlock(&m)) _exit(4);
      _exit(0);
    }
    int st = 0;
    CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
  }
  return 0;
}

/* How fork children end: _exit(3) (after a vfork child of its own called _exit(7): that runs in
 * the child's memory and must not become the child's status), exit(5), _Exit(6), killed by
 * SIGKILL. Each child first locks a mutex, so that it records. */
static int scenario_child_exits(void) {
  static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
  static const int codes[3] = {3, 5, 6};
  for (int i = 0; i < 4; ++i) {
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
      if (pthread_mutex_lock(&m) || pthread_mutex_unlock(&m)) _exit(100);
      if (i == 0) {
        int vst = 0;
        pid_t v = vfork();
        if (v == 0) _exit(7);
        if (v < 0 || waitpid(v, &vst, 0) != v || !WIFEXITED(vst) || WEXITSTATUS(vst) != 7)
          _exit(102);
        _exit(3);
      }
      if (i == 1) exit(5);
      if (i == 2) _Exit(6);
      kill(getpid(), SIGKILL);
      _exit(101);
    }
    int st = 0;
    CHECK(waitpid(pid, &st, 0) == pid);
    if (i < 3) CHECK(WIFEXITED(st) && WEXITSTATUS(st) == codes[i]);
    else CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
  }
  return 0;
}

/* Four threads released at once touch the same 256 PTHREAD_MUTEX_INITIALIZER mutexes, each for
 * the first time, in the same order: many first sights race (each must become one object). */
enum { kTouchThreads = 4, kTouchMutexes = 256 };
static pthread_mutex_t g_touch[kTouchMutexes];
static volatile int g_touch_go;

static void* first_touch_worker(void* arg) {
  while (!__atomic_load_n(&g_touch_go, __ATOMIC_ACQUIRE)) {
  }
  for (int i = 0; i < kTouchMutexes; ++i) {
    if (pthread_mutex_lock(&g_touch[i]) || pthread_mutex_unlock(&g_touch[i])) return (void*)1;
  }
  return arg;
}

static int scenario_first_touch(void) {
  for (int i = 0; i < kTouchMutexes; ++i) {
    pthread_mutex_t init = PTHREAD_MUTEX_INITIALIZER;
    g_touch[i] = init;
  }
  label("first", &g_touch[0]);
  label("last", &g_touch[kTouchMutexes - 1]);
  pthread_t t[kTouchThreads];
  for (int i = 0; i < kTouchThreads; ++i)
    CHECK(pthread_create(&t[i], NULL, first_touch_worker, NULL) == 0);
  __atomic_store_n(&g_touch_go, 1, __ATOMIC_RELEASE);
  for (int i = 0; i < kTouchThreads; ++i) {
    void* r;
    CHECK(pthread_join(t[i], &r) == 0 && r == NULL);
  }
  return 0;
}

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: preload_prog SCENARIO\n");
    return 2;
  }
  const char* s = argv[1];
  if (!strcmp(s, "normal")) return scenario_normal();
  if (!strcmp(s, "static")) return scenario_static();
  if (!strcmp(s, "first_touch")) return scenario_first_touch();
  if (!strcmp(s, "recursive")) return scenario_recursive();
  if (!strcmp(s, "errorcheck")) return scenario_errorcheck();
  if (!strcmp(s, "reuse")) return scenario_reuse();
  if (!strcmp(s, "timedlock")) return scenario_timedlock();
  if (!strcmp(s, "rwlock")) return scenario_rwlock();
  if (!strcmp(s, "cond")) return scenario_cond(0, 1);
  if (!strcmp(s, "cond_old")) return scenario_cond(1, 1);
  if (!strcmp(s, "broadcast")) return scenario_cond(0, 2);
  if (!strcmp(s, "cond_timeout")) return scenario_cond_timeout();
  if (!strcmp(s, "sem")) return scenario_sem();
  if (!strcmp(s, "barrier")) return scenario_barrier();
  if (!strcmp(s, "threads")) return scenario_threads();
  if (!strcmp(s, "fork")) return scenario_fork();
  if (!strcmp(s, "fork3")) return scenario_fork3();
  if (!strcmp(s, "child_exits")) return scenario_child_exits();
  if (!strcmp(s, "fork_deadlock")) return scenario_fork_deadlock();
  fprintf(stderr, "preload_prog: unknown scenario %s\n", s);
  return 2;
}
