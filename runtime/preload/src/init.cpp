// init.cpp: the library constructor. It runs before the C++ static initialisers of this library
// (priority 101), so nothing is recorded until the checks below have passed.
#include <dlfcn.h>
#include <unistd.h>

#include <cstdlib>

#include "real.hpp"
#include "state.hpp"

namespace weft::preload {
namespace {

void write_stderr(const char* text, std::size_t n) noexcept {
  ssize_t ignored = write(2, text, n);
  (void)ignored;
}

// A program built with -fsanitize=thread carries the TSan runtime, which intercepts the same
// functions and keeps its own shadow state about them. Recording under it would double every
// interception and confuse its reports, so the interposer steps aside.
bool thread_sanitizer_present() noexcept {
  return dlsym(RTLD_DEFAULT, "__tsan_init") != nullptr ||
         dlsym(RTLD_DEFAULT, "__tsan_read1") != nullptr;
}

void before_fork() noexcept {
  g_objects.lock();
  g_barriers.lock();
  g_destroyed.lock();
}
void after_fork() noexcept {
  g_destroyed.unlock();
  g_barriers.unlock();
  g_objects.unlock();
}
void after_fork_child() noexcept {
  after_fork();
  t_tid = 0;
}

__attribute__((constructor(101))) void weft_preload_init() {
  real::resolve();
  if (thread_sanitizer_present()) {
    static const char msg[] =
        "weft: this program is built with -fsanitize=thread; the LD_PRELOAD interposer "
        "(libweft_preload.so) is disabled and records nothing. Rebuild without "
        "-fsanitize=thread to record it, or run it without weft to use ThreadSanitizer.\n";
    write_stderr(msg, sizeof msg - 1);
    return;
  }
  // 2^20 slots (16 MiB of address space, touched only as objects appear); 4096 barriers.
  // 2^16 remembered destroyed objects (a full table only stops use-after-destroy checks).
  if (!g_objects.init(std::size_t{1} << 20) || !g_barriers.init(std::size_t{1} << 12) ||
      !g_destroyed.init(std::size_t{1} << 16)) {
    static const char msg[] = "weft: the LD_PRELOAD interposer could not reserve its tables; "
                              "recording nothing\n";
    write_stderr(msg, sizeof msg - 1);
    return;
  }
  pthread_atfork(before_fork, after_fork, after_fork_child);
  rt::current_thread_index();  // the main thread is thread 1, as for natively built programs
  install_selftest_sink();
  if (const char* c = std::getenv("WEFT_CHAOS")) g_chaos = std::strtoull(c, nullptr, 10) != 0;
  g_enabled.store(true, std::memory_order_release);
}

}  // namespace
}  // namespace weft::preload
