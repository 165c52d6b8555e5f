// The process's recording session (weft/runtime/session.hpp): start-up, fork and exit.
#include "weft/runtime/session.hpp"

#include <pthread.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string_view>

#include "clock.hpp"
#include "part_files.hpp"
#include "weft/runtime/detectors.hpp"
#include "weft/runtime/host.hpp"
#include "weft/runtime/recorder.hpp"
#include "weft/runtime/tsan.hpp"

// A program that must never record itself (the weft CLI) defines this symbol.
extern "C" __attribute__((weak)) const int weft_rt_no_autostart;

// Marks a binary that records itself: `weft run` looks for this ELF section in PROG to tell why
// nothing was recorded. The interposer it adds records into this runtime (host.hpp).
__attribute__((used, retain, section(".weft_rt"))) static const char weft_rt_marker[] =
    "weft runtime 1: records natively when WEFT_TRACE is set";

// Every program linked with weft::runtime asks the linker for this symbol (runtime's
// CMakeLists.txt, weft.pc), so this file, with the start-up below, is linked in from the static
// library although the program calls nothing in it.
extern "C" __attribute__((visibility("default"), used)) const int weft_rt_session_anchor = 1;

// Start-up: before any other constructor of the program (priority 101).
__attribute__((constructor(101))) static void weft_rt_autostart() {
  if (&weft_rt_no_autostart != nullptr) return;
  weft::rt::Session::start();
}

namespace weft::rt {

namespace {

// The process's session: nullptr until start-up, and when this image does not record.
std::atomic<Session*> g_session{nullptr};
Session* current() noexcept { return g_session.load(std::memory_order_acquire); }

// This image is llvm-symbolizer, which a sanitizer's runtime starts to symbolize its reports
// (clang's ThreadSanitizer does, with the program's environment as it was at start-up): the
// sanitizer's helper, not part of the program, and not recorded unless `weft run` was given it.
bool sanitizer_symbolizer() {
  char buf[4096];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return false;
  std::string_view exe(buf, static_cast<std::size_t>(n));
  exe = exe.substr(exe.rfind('/') == std::string_view::npos ? 0 : exe.rfind('/') + 1);
  return exe.substr(0, 15) == "llvm-symbolizer";
}

detectors::Options detector_options(const Config& c) {
  detectors::Options o;
  o.enabled = c.detect;
  o.stop_on_deadlock = c.stop_on_deadlock;
  o.chaos_seed = c.chaos_seed;
  o.coro_block_ns = c.coro_block_ns;
  return o;
}

}  // namespace

void Session::start() noexcept {
  static std::atomic<bool> started{false};
  if (started.exchange(true)) return;
  const Config& c = config();
  if (c.trace.empty()) return;
#ifdef WEFT_PRELOAD_BUILD
  // The interposer in a program linked with weft: the program's own runtime records, the
  // interposer adds to its recording (weft/runtime/host.hpp).
  if (host_present()) return;
#endif
  try {
    // The root is the image `weft run` named by pid (or, without it, the first to start), and
    // only the first image of that pid: an exec'd successor sees WEFT_TRACE_STARTED. Naming the
    // root by pid keeps a process spawned with the program's environment as it was at start-up
    // (ThreadSanitizer's llvm-symbolizer) from taking itself for the root and truncating P.
    bool root = !c.trace_root_named ||
                (c.trace_root_pid == static_cast<std::uint64_t>(::getpid()) && !c.trace_started);
    if (!root && sanitizer_symbolizer()) return;
    std::string file;
    if (root) {
      // For the images this one starts: they write part files (the configuration of this image
      // was read before).
      ::setenv("WEFT_TRACE_ROOT", std::to_string(::getpid()).c_str(), 1);
      ::setenv("WEFT_TRACE_STARTED", "1", 1);
      parts::remove_all(c.trace);  // an earlier recording's
      file = c.trace;
    } else {
      file = parts::create(c.trace, ::getpid());
    }
    RecorderOptions o;
    o.path = file;
    o.limit_bytes = c.limit_bytes;
    o.block_bytes = c.block_bytes;
    o.monotonic_clock = c.monotonic_clock;
    o.exact_times = c.exact_times;
    o.ring_bytes = c.keep_last_bytes;
    o.ring_ns = c.keep_last_ns;
    // The event blocks of a flight recorder take at most 7/8 of the area (the rest is for what
    // is never overwritten): a window larger than that raises the limit rather than shrink.
    if (o.ring_bytes != 0)
      o.limit_bytes = std::max(o.limit_bytes, o.ring_bytes / 7 * 8 + (std::uint64_t{16} << 20));
    // Both live until exit: threads may record while the process exits.
    auto* recorder = new Recorder(o);
    if (root && !c.monotonic_clock && clock::tsc_usable()) {
      // The images this one starts date their events with the same calibration (clock.hpp).
      char ns_per_tick[32];
      std::snprintf(ns_per_tick, sizeof ns_per_tick, "%.17g", clock::tsc_ns_per_tick());
      ::setenv("WEFT_TSC_NS_PER_TICK", ns_per_tick, 1);
    }
    Sink* sink = detectors::wrap(recorder, detector_options(c));
    g_session.store(new Session(recorder, sink), std::memory_order_release);
    ::pthread_atfork(before_fork, after_fork_parent, after_fork_child);
    std::atexit(at_exit);
    detectors::install_crash_hook(sink);
    set_host_exit_hook(&Session::exiting);  // the interposer's exit() and _exit() (host.hpp)
    set_sink(sink);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "weft: not recording: %s\n", e.what());
  }
}

// fork(): the detectors' locks are taken before the recorder's (a detector reports findings to
// the recorder while holding its own) and let go in the opposite order.
void Session::before_fork() noexcept {
  Session* s = current();
  if (s == nullptr) return;
  detectors::before_fork(s->sink_);
  s->recorder_->before_fork();
}

void Session::after_fork_parent() noexcept {
  Session* s = current();
  if (s == nullptr) return;
  s->recorder_->after_fork_parent();
  detectors::after_fork_parent(s->sink_);
}

void Session::after_fork_child() noexcept {
  Session* s = current();
  if (s == nullptr) return;
  // The child records into its own part file next to the trace.
  std::string file;
  try {
    file = parts::create(config().trace, ::getpid());
  } catch (...) {
  }
  s->recorder_->after_fork_child(file);
  detectors::after_fork_child(s->sink_);
}

void Session::exiting(int status, bool immediate) noexcept {
  Session* s = current();
  if (s == nullptr || !s->recorder_->note_exit_status(status)) return;
  if (immediate) {
    tsan::ignore_begin();
    s->recorder_->close();
    tsan::ignore_end();
  }
}

// exit() or a return from main(): the exiting thread's locks first (a finding must reach the
// trace), then TSan's last reports, then the trace's end.
void Session::at_exit() noexcept {
  Session* s = current();
  if (s == nullptr) return;
  detectors::at_exit(s->sink_);
  tsan::drain_report_stream();
  tsan::ignore_begin();
  s->recorder_->close();
  tsan::ignore_end();
}

}  // namespace weft::rt
