// init.cpp: the library constructor. It runs before the C++ static initialisers of this library
// (priority 101), so nothing is recorded until the checks below have passed.
#include <dlfcn.h>
#include <unistd.h>

#include <cstdlib>

#include "real.hpp"
#include "state.hpp"
#include "weft/runtime/config.hpp"
#include "weft/runtime/tsan.hpp"

namespace weft::preload {
namespace {

void write_stderr(const char* text, std::size_t n) noexcept {
  ssize_t ignored = write(2, text, n);
  (void)ignored;
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

// The program's runtime installed (or removed) its sink: record into it from now on.
void adopt_sink(rt::Sink* sink) noexcept { rt::set_sink(sink); }

__attribute__((constructor(101))) void weft_preload_init() {
  real::resolve();
  // A program linked with weft records itself: the interposer then adds its pthread calls and
  // sleeps to that recording (weft/runtime/host.hpp), or stays off when the program's weft is
  // another build (two recordings of one process would clash) or runs under ThreadSanitizer
  // (its reports already reach the program's runtime).
  const rt::HostTable* host = rt::host();
  if (rt::host_present() && (host == nullptr || rt::tsan::detect())) {
    if (host == nullptr) {
      static const char msg[] = "weft: the program records itself with another build of weft; "
                                "its std::mutex, std::thread and sleep calls are not recorded "
                                "(rebuild it against this weft)\n";
      write_stderr(msg, sizeof msg - 1);
    }
    return;
  }
  // A program built with -fsanitize=thread is recorded alongside TSan (docs/tsan.md): weft's own
  // work runs in TSan ignore brackets (weft/runtime/tsan.hpp); TSan's reports reach the recording
  // through the hook below (g++'s libtsan) or its report stream (clang's static runtime).
  if (rt::tsan::detect()) {
    // The mutexes a report names, by address, as the objects recorded for them.
    rt::tsan::g_object_at = known_object;
    if (rt::tsan::g_ahead) {
      g_tsan_ahead = true;
      rt::tsan::start_report_stream();
    } else {
      g_tsan_func_entry =
          reinterpret_cast<void (*)(void*)>(::dlsym(RTLD_DEFAULT, "__tsan_func_entry"));
      g_tsan_func_exit = reinterpret_cast<void (*)()>(::dlsym(RTLD_DEFAULT, "__tsan_func_exit"));
      g_tsan_behind = g_tsan_func_entry != nullptr && g_tsan_func_exit != nullptr;
    }
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
  if (host != nullptr) {
    g_host = host;
    // The program's set_sink() tells us from now on; its sink, if it already has one, now.
    const_cast<rt::HostTable*>(host)->on_sink.store(adopt_sink, std::memory_order_release);
    rt::set_sink(host->current_sink());
  } else {
    install_selftest_sink();
  }
  g_chaos = rt::config().chaos_seed != 0;
  g_enabled.store(true, std::memory_order_release);
  std::uint32_t m = 0;
  if (rt::tsan::g_present) m |= kModeTsanPresent;
  if (g_tsan_ahead) m |= kModeTsanAhead;
  if (g_tsan_behind) m |= kModeTsanBehind;
  if (g_chaos) m |= kModeChaos;
  if (g_host != nullptr) m |= kModeHost;
  g_modes.store(m, std::memory_order_release);
}

}  // namespace
}  // namespace weft::preload

// ThreadSanitizer calls this hook through the PLT after it printed a report: exported here (the
// runtime's own definition is left out of this library), it is the one libtsan finds.
extern "C" __attribute__((visibility("default"))) void __tsan_on_report(void* report) {
  weft::rt::tsan::ignore_begin();
  weft::rt::tsan::on_report(report);
  weft::rt::tsan::ignore_end();
}
