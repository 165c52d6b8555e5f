// preload_prog_cxx.cpp: an ordinary C++ program (std::mutex, std::condition_variable,
// std::thread, std::shared_mutex, std::timed_mutex; no weft headers) that runtime_preload_test
// runs under libweft_preload.so: `preload_prog_cxx SCENARIO`. Like preload_prog.c it prints
// `label=ADDRESS` lines and exits 0 only when every standard call behaved as specified.
#include <pthread.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <shared_mutex>
#include <thread>

#define CHECK(expr)                                                                        \
  do {                                                                                     \
    if (!(expr)) {                                                                         \
      std::fprintf(stderr, "preload_prog_cxx: %s:%d: %s\n", __FILE__, __LINE__, #expr);   \
      std::exit(3);                                                                        \
    }                                                                                      \
  } while (0)

namespace {

void label(const char* name, const void* p) {
  std::printf("%s=%p\n", name, p);
  std::fflush(stdout);
}

// std::mutex through lock_guard and unique_lock, and a second std::thread contending.
int std_mutex() {
  static std::mutex m;
  label("m", &m);
  long counter = 0;
  auto work = [&] {
    for (int i = 0; i < 100; ++i) {
      std::lock_guard g(m);
      ++counter;
    }
  };
  std::thread t(work);
  work();
  t.join();
  CHECK(counter == 200);
  std::unique_lock l(m, std::try_to_lock);
  CHECK(l.owns_lock());
  return 0;
}

// A predicate wait woken by notify_one, then wait_for timing out (pthread_cond_clockwait).
int std_cv() {
  static std::mutex m;
  static std::condition_variable cv;
  static bool ready = false, waiting = false;
  label("m", &m);
  label("c", &cv);
  std::thread t([] {
    std::unique_lock l(m);
    waiting = true;
    cv.wait(l, [] { return ready; });
  });
  for (;;) {
    std::unique_lock l(m);
    if (waiting) {
      ready = true;
      cv.notify_one();
      break;
    }
    l.unlock();
    std::this_thread::yield();
  }
  t.join();
  std::unique_lock l(m);
  CHECK(cv.wait_for(l, std::chrono::milliseconds(1)) == std::cv_status::timeout);
  return 0;
}

// std::thread start/join, named from inside; a recursive_mutex; a shared_mutex; a timed_mutex.
int std_misc() {
  std::thread t([] { pthread_setname_np(pthread_self(), "cxx-worker"); });
  t.join();
  static std::recursive_mutex r;
  label("r", &r);
  {
    std::lock_guard a(r);
    std::lock_guard b(r);
  }
  static std::shared_mutex s;
  label("s", &s);
  {
    std::shared_lock rd(s);
  }
  {
    std::unique_lock wr(s);
  }
  static std::timed_mutex tm;
  label("t", &tm);
  CHECK(tm.try_lock_for(std::chrono::milliseconds(1)));
  tm.unlock();
  return 0;
}

// Untraced work between lock operations, as in any real program: three rounds of "lock `a`,
// unlock it; 200 ms of work that calls nothing recorded; lock `m` for a moment". `m`'s real hold
// times are microseconds.
int work_between() {
  static std::mutex a, m;
  label("m", &m);
  long counter = 0;
  volatile long spins = 0;
  for (int round = 0; round < 3; ++round) {
    { std::lock_guard g(a); }
    // 200 ms of computation: nothing recorded (a sleep would be: the interposer records it).
    auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(200);
    while (std::chrono::steady_clock::now() < until) spins = spins + 1;
    std::lock_guard g(m);
    ++counter;
  }
  CHECK(counter == 3);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: preload_prog_cxx SCENARIO\n");
    return 2;
  }
  if (!std::strcmp(argv[1], "std_mutex")) return std_mutex();
  if (!std::strcmp(argv[1], "std_cv")) return std_cv();
  if (!std::strcmp(argv[1], "std_misc")) return std_misc();
  if (!std::strcmp(argv[1], "work_between")) return work_between();
  std::fprintf(stderr, "preload_prog_cxx: unknown scenario %s\n", argv[1]);
  return 2;
}
