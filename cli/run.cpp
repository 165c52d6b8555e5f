// weft run: run a program, record its threads, locks and waits, print the findings.
//
//   $ weft run -o app.trace -- ./app --workers 4
//   ... the program's own output ...
//   weft run: recorded 1204 events, 3 threads, 4 objects, 0 dropped, 1 finding in app.trace
//     lock-order-inversion: locks 'a' and 'b' taken in opposite orders at 3.120 ms
//       at main.cpp:14, main.cpp:22
//   $ echo $?          # the program's own exit status (128+N when killed by signal N)
//   0
//
// Programs linked with weft::primitives (or weft::runtime) record themselves when WEFT_TRACE is
// set; unmodified binaries are recorded through the LD_PRELOAD interposer libweft_preload.so,
// found next to this binary (../lib/). Children (fork, exec, posix_spawn, system) inherit the
// environment and record their own part of the trace; when the program ends the parts are
// merged into one file.
#include <algorithm>
#include <elf.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "commands.hpp"
#include "paths.hpp"
#include "weft/runtime/config.hpp"
#include "weft/runtime/trace_format.hpp"
#include "weft/runtime/trace_reader.hpp"

// The weft CLI never records itself, whatever WEFT_TRACE says (see runtime/src/session.cpp).
extern "C" const int weft_rt_no_autostart = 1;

void weft_cli_print_findings(const weft::trace::Trace& t, std::FILE* out);  // report.cpp

namespace {

void print_help() {
  std::printf(
      "usage: weft run [-o TRACE] [--keep-last=DURATION|SIZE] [--chaos[=SEED]]\n"
      "                [--coroutine-block=DURATION] [--fail-on-findings]\n"
      "                [--on-deadlock=stop|continue] -- PROG [ARGS...]\n\n"
      "Runs PROG, records every thread, lock, condition and wait into TRACE (default\n"
      "./weft.trace), and prints the findings of the online detectors when it ends.\n"
      "Programs built with weft::primitives record natively; unmodified binaries using\n"
      "pthreads / std::mutex / std::condition_variable / sleeps through the LD_PRELOAD\n"
      "interposer, which also adds those calls to a weft-built program's own recording.\n"
      "Child processes are followed and recorded into the same trace.\n\n"
      "  -o, --output TRACE    where to write the trace (default ./weft.trace)\n"
      "  --keep-last=WINDOW    flight recorder: keep only the most recent events, a\n"
      "                        duration (60s, 5min, 1h) or a size of events (256M, 1G);\n"
      "                        objects, thread names and every finding are always kept,\n"
      "                        and the trace counts what was overwritten, per thread\n"
      "  --chaos[=SEED]        perturb scheduling (yields, spurious wake-ups) to expose\n"
      "                        latent bugs; the seed (random if omitted) reproduces a run\n"
      "  --coroutine-block=D   report a weft::aio task that runs longer than D (default\n"
      "                        100ms) without suspending: it blocks its event loop\n"
      "  --fail-on-findings    exit 1 when there were findings (else PROG's status)\n"
      "  --on-deadlock=stop    stop the program when it deadlocks (default), or 'continue'\n\n"
      "environment (read by the recorded program):\n"
      "  WEFT_TRACE_LIMIT_MB=N events space per process (default 1024); beyond it events\n"
      "                        are dropped and counted, never silently\n"
      "  WEFT_DETECT=0         record only, without the online detectors\n"
      "  WEFT_EXACT_TIMES=0    no clock reading for uncontended acquisitions: cheaper, but\n"
      "                        their hold times become upper bounds (the report says so)\n"
      "  WEFT_CLOCK=monotonic  CLOCK_MONOTONIC instead of the CPU's time-stamp counter\n\n"
      "example:\n"
      "  weft run -o app.trace -- ./app --workers 4\n"
      "  weft run --keep-last=60s -o server.trace -- ./server   # runs for hours\n"
      "  weft report app.trace\n"
      "  weft view app.trace -o timeline.html\n\n"
      "exit: PROG's exit status (128+N if killed by signal N), 1 with --fail-on-findings\n"
      "when there were findings, 2 if PROG could not be started or the options are wrong.\n");
}

std::string absolute(const std::string& path) {
  if (!path.empty() && path[0] == '/') return path;
  char cwd[PATH_MAX];
  if (!::getcwd(cwd, sizeof cwd)) return path;
  return std::string(cwd) + "/" + path;
}

// libweft_preload.so next to this binary.
std::string find_preload() { return weft::cli::find_library("libweft_preload.so"); }

// PROG as execvp would find it.
std::string resolve_program(const char* prog) {
  if (std::strchr(prog, '/')) return prog;
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/local/bin:/usr/bin:/bin";
  std::size_t start = 0;
  while (start <= dirs.size()) {
    std::size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    std::string dir = dirs.substr(start, end - start);
    std::string p = (dir.empty() ? "." : dir) + "/" + prog;
    if (::access(p.c_str(), X_OK) == 0) return p;
    start = end + 1;
  }
  return prog;
}

// True when `file` is an ELF binary linked with weft's runtime (it has the .weft_rt section
// written by runtime/src/session.cpp): it records itself (the interposer only adds to that).
bool records_natively(const std::string& file) {
  int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  auto read_at = [fd](void* buf, std::size_t n, std::uint64_t off) {
    return ::pread(fd, buf, n, static_cast<off_t>(off)) == static_cast<ssize_t>(n);
  };
  bool found = false;
  Elf64_Ehdr eh;
  if (read_at(&eh, sizeof eh, 0) && std::memcmp(eh.e_ident, ELFMAG, SELFMAG) == 0 &&
      eh.e_ident[EI_CLASS] == ELFCLASS64 && eh.e_shentsize == sizeof(Elf64_Shdr) &&
      eh.e_shnum > 0 && eh.e_shnum < 65000 && eh.e_shstrndx < eh.e_shnum) {
    std::vector<Elf64_Shdr> sh(eh.e_shnum);
    if (read_at(sh.data(), sh.size() * sizeof(Elf64_Shdr), eh.e_shoff)) {
      const Elf64_Shdr& names = sh[eh.e_shstrndx];
      if (names.sh_size > 0 && names.sh_size < (1u << 24)) {
        std::string strtab(names.sh_size, '\0');
        if (read_at(strtab.data(), strtab.size(), names.sh_offset)) {
          for (const auto& s : sh) {
            if (s.sh_name < strtab.size() && std::strcmp(strtab.c_str() + s.sh_name, ".weft_rt") == 0) {
              found = true;
              break;
            }
          }
        }
      }
    }
  }
  ::close(fd);
  return found;
}

bool parse_u64(std::string_view s, std::uint64_t& out) {
  if (s.empty() || s.size() > 19) return false;
  out = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    out = out * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return true;
}

}  // namespace

int weft::cli::run_main(int argc, char** argv) {
  std::string trace = "weft.trace";
  bool chaos = false, fail_on_findings = false;
  std::uint64_t seed = 0;
  std::string on_deadlock;
  std::string keep_last;
  std::string coro_block_ms;
  int prog = -1;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--") {
      prog = i + 1;
      break;
    } else if (a == "--help" || a == "-h") {
      print_help();
      return 0;
    } else if (a == "-o" || a == "--output") {
      if (i + 1 >= argc) return usage_error("run", "-o needs a file name (e.g. -o app.trace)");
      trace = argv[++i];
    } else if (a.starts_with("--output=")) {
      trace = std::string(a.substr(9));
    } else if (a == "--chaos") {
      chaos = true;
    } else if (a.starts_with("--chaos=")) {
      chaos = true;
      if (!parse_u64(a.substr(8), seed) || seed == 0)
        return usage_error("run", "--chaos=SEED needs a positive integer seed");
    } else if (a == "--keep-last" || a.starts_with("--keep-last=")) {
      if (a == "--keep-last") {
        if (i + 1 >= argc)
          return usage_error("run", "--keep-last needs a window: a duration (60s, 5min) or a size (256M)");
        keep_last = argv[++i];
      } else {
        keep_last = std::string(a.substr(12));
      }
      std::uint64_t bytes = 0, ns = 0;
      std::string why;
      if (!weft::rt::parse_keep_last(keep_last, bytes, ns, why))
        return usage_error("run", ("--keep-last: " + why).c_str());
    } else if (a.starts_with("--coroutine-block=")) {
      std::uint64_t bytes = 0, ns = 0;
      std::string why;
      if (!weft::rt::parse_keep_last(a.substr(18), bytes, ns, why) || ns == 0)
        return usage_error("run", "--coroutine-block takes a duration (100ms, 1s)");
      coro_block_ms = std::to_string(std::max<std::uint64_t>(ns / 1000000, 1));
    } else if (a == "--fail-on-findings") {
      fail_on_findings = true;
    } else if (a.starts_with("--on-deadlock=")) {
      on_deadlock = std::string(a.substr(14));
      if (on_deadlock != "stop" && on_deadlock != "continue")
        return usage_error("run", "--on-deadlock takes 'stop' or 'continue'");
    } else if (a.size() > 1 && a[0] == '-') {
      return usage_error("run", ("unknown option '" + std::string(a) + "'").c_str());
    } else {
      prog = i;  // PROG without '--'
      break;
    }
  }
  if (prog < 0 || prog >= argc)
    return usage_error("run", "missing program to run (e.g. weft run -- ./app ARGS)");
  if (trace.empty()) return usage_error("run", "-o needs a file name");
  if (chaos && seed == 0) {
    timespec ts;
    ::clock_gettime(CLOCK_REALTIME, &ts);
    seed = (static_cast<std::uint64_t>(ts.tv_nsec) ^ static_cast<std::uint64_t>(::getpid()) << 20) % 1000000000 + 1;
  }
  std::string path = absolute(trace);

  // A stale trace must never be mistaken for this run's.
  ::unlink(path.c_str());
  for (const auto& p : weft::trace::trace_part_files(path)) ::unlink(p.c_str());

  // Programs linked with weft's runtime record themselves; the interposer records the others,
  // and in a program linked with weft adds its own std::mutex, std::thread and sleep calls to
  // the program's recording (weft/runtime/host.hpp). Children inherit it through LD_PRELOAD.
  bool native = records_natively(resolve_program(argv[prog]));
  std::string preload = find_preload();
  int err_pipe[2];
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
    std::fprintf(stderr, "weft run: cannot create a pipe: %s\n", std::strerror(errno));
    return 2;
  }
  // While PROG runs, ^C and ^\ are for it: weft run stays to merge and summarise.
  struct sigaction ignore = {}, old_int = {}, old_quit = {};
  ignore.sa_handler = SIG_IGN;
  ::sigaction(SIGINT, &ignore, &old_int);
  ::sigaction(SIGQUIT, &ignore, &old_quit);
  pid_t child = ::fork();
  if (child < 0) {
    std::fprintf(stderr, "weft run: cannot fork: %s\n", std::strerror(errno));
    return 2;
  }
  if (child == 0) {
    ::sigaction(SIGINT, &old_int, nullptr);
    ::sigaction(SIGQUIT, &old_quit, nullptr);
    ::close(err_pipe[0]);
    ::setenv("WEFT_TRACE", path.c_str(), 1);
    // The recorded process names a member of a variable in its live message by asking this
    // binary's debug-information reader (trace::live_object_name).
    if (char self[4096]; ::realpath("/proc/self/exe", self) != nullptr) ::setenv("WEFT_SELF", self, 1);
    // PROG (this process, after exec) is the root of this recording (recorder.cpp).
    ::setenv("WEFT_TRACE_ROOT", std::to_string(::getpid()).c_str(), 1);
    ::unsetenv("WEFT_TRACE_STARTED");
    ::unsetenv("WEFT_TSC_NS_PER_TICK");
    if (chaos) ::setenv("WEFT_CHAOS", std::to_string(seed).c_str(), 1);
    else ::unsetenv("WEFT_CHAOS");
    if (!on_deadlock.empty()) ::setenv("WEFT_ON_DEADLOCK", on_deadlock.c_str(), 1);
    if (!coro_block_ms.empty()) ::setenv("WEFT_CORO_BLOCK_MS", coro_block_ms.c_str(), 1);
    if (!keep_last.empty()) ::setenv("WEFT_KEEP_LAST", keep_last.c_str(), 1);
    else ::unsetenv("WEFT_KEEP_LAST");
    if (!preload.empty()) {
      std::string v = preload;
      if (const char* old = std::getenv("LD_PRELOAD"); old && *old) v += std::string(":") + old;
      ::setenv("LD_PRELOAD", v.c_str(), 1);
    }
    ::execvp(argv[prog], argv + prog);
    int e = errno;
    ssize_t w = ::write(err_pipe[1], &e, sizeof e);
    (void)w;
    ::_exit(127);
  }
  ::close(err_pipe[1]);
  int exec_errno = 0;
  ssize_t got;
  do {
    got = ::read(err_pipe[0], &exec_errno, sizeof exec_errno);
  } while (got < 0 && errno == EINTR);
  ::close(err_pipe[0]);
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  ::sigaction(SIGINT, &old_int, nullptr);
  ::sigaction(SIGQUIT, &old_quit, nullptr);
  if (got == static_cast<ssize_t>(sizeof exec_errno)) {
    std::fprintf(stderr, "weft run: cannot run '%s': %s (check the path or PATH)\n", argv[prog],
                 std::strerror(exec_errno));
    return 2;
  }

  int code;
  std::uint32_t exit_kind;
  if (WIFSIGNALED(status)) {
    code = 128 + WTERMSIG(status);
    exit_kind = weft::trace::format::kExitSignal;
  } else {
    code = WEXITSTATUS(status);
    exit_kind = weft::trace::format::kExitCode;
  }
  int exit_value = WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status);

  struct stat st;
  if (::stat(path.c_str(), &st) != 0 && weft::trace::trace_part_files(path).empty() && native) {
    std::fprintf(stderr, "weft run: %s is linked with weft but recorded nothing (it could not "
                 "write %s?)\n", argv[prog], path.c_str());
    return code;
  }
  if (::stat(path.c_str(), &st) != 0 && weft::trace::trace_part_files(path).empty()) {
    std::fprintf(stderr,
                 "weft run: %s recorded nothing: it is not linked with weft::primitives and %s\n",
                 argv[prog],
                 preload.empty() ? "the LD_PRELOAD interposer (libweft_preload.so) was not found "
                                   "next to weft"
                                 : "the interposer did not load (static binary?)");
    return code;
  }
  weft::trace::Trace t;
  try {
    // The summary needs no event in memory: counts, threads, objects and findings, from the
    // same reading of the files as the consolidation.
    weft::trace::consolidate_trace(path, exit_kind, exit_value, &t);
    // Code sites (interposed calls) to file:line, and objects to their variables' names: only
    // the findings print them, and addr2line and nm on the program cost a sub-second run a
    // fifth of its time (sort --parallel=2: 0.05 s of 0.25).
    if (!t.findings.empty()) weft::trace::symbolize_sites(t);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "weft run: the trace is unreadable: %s\n", e.what());
    return code;
  }
  for (const auto& w : t.warnings) std::fprintf(stderr, "weft run: warning: %s\n", w.c_str());
  std::fprintf(stderr,
               "weft run: recorded %zu events, %zu threads, %zu objects, %zu process%s, %llu "
               "dropped, %zu finding%s in %s",
               static_cast<std::size_t>(t.event_count), t.threads.size(), t.objects.size(),
               t.processes.size(),
               t.processes.size() == 1 ? "" : "es", static_cast<unsigned long long>(t.dropped),
               t.findings.size(), t.findings.size() == 1 ? "" : "s", trace.c_str());
  if (chaos) std::fprintf(stderr, " (chaos seed %llu)", static_cast<unsigned long long>(seed));
  if (WIFSIGNALED(status)) std::fprintf(stderr, "; %s killed by signal %d", argv[prog], WTERMSIG(status));
  std::fprintf(stderr, "\n");
  weft_cli_print_findings(t, stderr);
  if (fail_on_findings && !t.findings.empty()) return 1;
  return code;
}
