// selftest_sink.cpp: a debugging sink for the interposer's own tests and benchmark.
//
//   WEFT_PRELOAD_SELFTEST=/tmp/ev.txt LD_PRELOAD=build/lib/libweft_preload.so prog
//
// writes one line per call, each with a single write(2) on an O_APPEND file (so lines from
// several threads never interleave):
//
//   O <id> <kind> <name>        an object appeared (kind as in to_string(ObjKind))
//   D <id>                      an object was destroyed
//   E <thread> <event> <obj> <arg> <pid>   an event (thread = current_thread_index())
//   N <thread> <name>           a thread was named
//   C <thread> <obj>            a chaos point before a lock (only under WEFT_CHAOS)
//
// WEFT_PRELOAD_SELFTEST=null installs a sink that discards everything: the benchmark uses it to
// measure the interposer's own cost apart from the recorder's.
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>

#include "state.hpp"
#include "weft/runtime/config.hpp"

namespace weft::preload {
namespace {

class NullSink final : public Sink {
 public:
  void on_object(ObjId, ObjKind, std::string_view, const std::source_location&) noexcept override {}
  void on_event(Ev, ObjId, std::uint64_t, const std::source_location&) noexcept override {}
};

class FileSink final : public Sink {
 public:
  explicit FileSink(int fd) : fd_(fd) {}

  void on_object(ObjId id, ObjKind kind, std::string_view name,
                 const std::source_location&) noexcept override {
    line("O %" PRIu64 " %.*s %.*s\n", id, static_cast<int>(rt::to_string(kind).size()),
         rt::to_string(kind).data(), static_cast<int>(name.size()), name.data());
  }
  void on_destroy(ObjId id) noexcept override { line("D %" PRIu64 "\n", id); }
  void on_event(Ev kind, ObjId obj, std::uint64_t arg,
                const std::source_location&) noexcept override {
    line("E %u %.*s %" PRIu64 " %" PRIu64 " %d\n", rt::current_thread_index(),
         static_cast<int>(rt::to_string(kind).size()), rt::to_string(kind).data(), obj, arg,
         static_cast<int>(getpid()));
  }
  void on_thread_name(std::string_view name) noexcept override {
    line("N %u %.*s\n", rt::current_thread_index(), static_cast<int>(name.size()), name.data());
  }
  void chaos_point(ObjId obj) noexcept override {
    line("C %u %" PRIu64 "\n", rt::current_thread_index(), obj);
  }

 private:
  template <class... A>
  void line(const char* fmt, A... args) noexcept {
    int saved = errno;
    char buf[256];
    int n = std::snprintf(buf, sizeof buf, fmt, args...);
    if (n > 0) {
      std::size_t len = static_cast<std::size_t>(n) < sizeof buf ? n : sizeof buf - 1;
      ssize_t ignored = write(fd_, buf, len);
      (void)ignored;
    }
    errno = saved;
  }
  int fd_;
};

}  // namespace

void install_selftest_sink() noexcept {
  const std::string& wanted = rt::config().preload_selftest;  // WEFT_PRELOAD_SELFTEST
  if (wanted.empty() || rt::active_sink() != nullptr) return;
  const char* path = wanted.c_str();
  Sink* sink = nullptr;
  if (std::strcmp(path, "null") == 0) {
    sink = new (std::nothrow) NullSink;
  } else {
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) {
      std::fprintf(stderr, "weft preload: cannot open WEFT_PRELOAD_SELFTEST=%s: %s\n", path,
                   std::strerror(errno));
      return;
    }
    sink = new (std::nothrow) FileSink(fd);
  }
  // Never deleted: threads may still be inside it while the process exits.
  if (sink != nullptr) rt::set_sink(sink);
}

}  // namespace weft::preload
