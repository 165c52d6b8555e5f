// A program recorded by the runtime tests: it talks to the runtime only through event.hpp, as
// the primitives do, and records whatever its first argument asks for. Run it with WEFT_TRACE
// set (the tests do) and read the trace back.
//
//   rec_prog basic                 objects, a named thread, lock traffic, a finding
//   rec_prog threads T N           T threads, each N acquire/release pairs on its own lock
//   rec_prog announce              records forever; prints "<thread> <count>" every 1000 events
//   rec_prog segv|abort|kill|throw|_exit   records 1000 pairs, then dies that way
//   rec_prog fork                  a fork child records on inherited and new objects
//   rec_prog exec|spawn|system     the child (this program, `basic`) is started that way
//   rec_prog child-env             prints WEFT_TSC_NS_PER_TICK as the session left it ("-": unset)
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "weft/runtime/event.hpp"

extern char** environ;

using namespace weft::rt;

namespace {
// Created by a static initialiser: recording must already be on.
ObjId g_static_lock = new_object(ObjKind::Lock, "static-lock");

void pairs(ObjId lock, long n) {
  for (long i = 0; i < n; ++i) {
    emit(Ev::Acquired, lock, 1, std::source_location::current());
    emit(Ev::Release, lock, 0, std::source_location::current());
  }
}

int basic() {
  ObjId a = new_object(ObjKind::Lock, "account-a");
  ObjId cond = new_object(ObjKind::Condition, "ready");
  std::thread t([&] {
    name_current_thread("子线程-0");
    emit(Ev::AcquireBegin, a, 0, std::source_location::current());
    emit(Ev::Acquired, a, 1, std::source_location::current());
    emit(Ev::WaitBegin, cond, a, std::source_location::current());
    emit(Ev::Release, a, 0, std::source_location::current());
    emit(Ev::WaitEnd, cond, 0, std::source_location::current());
    emit(Ev::Acquired, a, 1, std::source_location::current());
    emit(Ev::Release, a, 0, std::source_location::current());
  });
  t.join();
  pairs(g_static_lock, 3);
  if (Sink* s = active_sink()) {
    FindingRecord f;
    f.kind = "lock-reentry";
    f.message = "'account-a' acquired again by the thread that holds it";
    f.threads = {current_thread_index()};
    f.objects = {a};
    f.sites = {std::source_location::current()};
    s->on_finding(f);
    s->on_finding(f);  // a duplicate: merged by the reader
  }
  destroy_object(cond);
  return 0;
}

int threads(int t, long n) {
  std::vector<std::thread> ts;
  for (int i = 0; i < t; ++i)
    ts.emplace_back([n, i] {
      name_current_thread("worker-" + std::to_string(i));
      pairs(new_object(ObjKind::Lock, "lock-" + std::to_string(i)), n);
    });
  for (auto& th : ts) th.join();
  return 0;
}

int announce() {
  auto loop = [](int id) {
    ObjId l = new_object(ObjKind::Lock);
    for (long count = 2;; count += 2) {
      pairs(l, 1);
      if (count % 1000 == 0) {
        char line[64];
        int len = std::snprintf(line, sizeof line, "%d %ld\n", id, count);
        if (::write(1, line, static_cast<std::size_t>(len)) < 0) std::_Exit(1);
      }
    }
  };
  std::thread other(loop, 1);
  loop(0);
  return 0;
}

int run_child(const char* how, const char* self) {
  if (std::strcmp(how, "exec") == 0) {
    pairs(g_static_lock, 1);
    ::execl(self, self, "basic", static_cast<char*>(nullptr));
    return 127;
  }
  pid_t pid;
  if (std::strcmp(how, "spawn") == 0) {
    char* args[] = {const_cast<char*>(self), const_cast<char*>("basic"), nullptr};
    if (::posix_spawn(&pid, self, nullptr, nullptr, args, environ) != 0) return 126;
    int st;
    ::waitpid(pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 125;
  }
  std::string cmd = std::string("'") + self + "' basic";
  return std::system(cmd.c_str()) == 0 ? 0 : 124;
}

int forked() {
  ObjId shared = new_object(ObjKind::Lock, "before-fork");
  pairs(shared, 2);
  pid_t pid = ::fork();
  if (pid == 0) {
    ObjId mine = new_object(ObjKind::Lock, "child-only");
    pairs(shared, 5);
    pairs(mine, 7);
    std::exit(0);
  }
  int st;
  ::waitpid(pid, &st, 0);
  pairs(shared, 1);
  return WIFEXITED(st) ? WEXITSTATUS(st) : 125;
}
}  // namespace

int main(int argc, char** argv) {
  std::string mode = argc > 1 ? argv[1] : "basic";
  if (mode == "basic") return basic();
  if (mode == "threads" && argc > 3) return threads(std::atoi(argv[2]), std::atol(argv[3]));
  if (mode == "announce") return announce();
  if (mode == "child-env") {  // what the session set for this image's children
    const char* v = std::getenv("WEFT_TSC_NS_PER_TICK");
    std::printf("%s\n", v != nullptr ? v : "-");
    return 0;
  }
  if (mode == "fork") return forked();
  if (mode == "exec" || mode == "spawn" || mode == "system") return run_child(mode.c_str(), argv[0]);
  ObjId l = new_object(ObjKind::Lock, "doomed");
  pairs(l, 1000);
  if (mode == "segv") {
    volatile int* p = nullptr;
    *p = 1;
  }
  if (mode == "abort") std::abort();
  if (mode == "kill") ::raise(SIGKILL);
  if (mode == "throw") throw std::runtime_error("nobody catches this");
  if (mode == "_exit") ::_exit(3);
  std::fprintf(stderr, "rec_prog: unknown mode %s\n", mode.c_str());
  return 2;
}
