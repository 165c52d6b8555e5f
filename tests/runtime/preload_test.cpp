// runtime_preload_test: unmodified C and C++ programs (preload_prog.c, preload_prog_cxx.cpp) run
// under libweft_preload.so with the interposer's self-test sink (WEFT_PRELOAD_SELFTEST=FILE,
// one text line per object/event, see runtime/preload/src/selftest_sink.cpp); each case checks
// the exact event sequence the conventions table in weft/runtime/event.hpp prescribes.
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "weft/runtime/event.hpp"

namespace {

struct Event {
  unsigned thread;
  std::string kind;
  std::uint64_t obj;
  std::uint64_t arg;
  int pid;
};

struct Object {
  std::uint64_t id;
  std::string kind;
  std::string name;
};

struct Run {
  int status = -1;  // exit code, or 128 + signal
  std::string out, err;
  std::vector<Object> objects;
  std::vector<Event> events;
  std::set<std::uint64_t> destroyed;
  std::vector<std::pair<unsigned, std::string>> names;
  std::vector<std::pair<unsigned, std::uint64_t>> chaos_points;  // thread, object
  std::map<std::string, std::string> labels;  // label -> address printed by the program

  // The objects whose name is the address the program printed for `label`, oldest first.
  std::vector<Object> objects_labelled(const std::string& label) const {
    std::vector<Object> out;
    auto it = labels.find(label);
    if (it == labels.end()) return out;
    for (const auto& o : objects)
      if (o.name == it->second) out.push_back(o);
    return out;
  }
  // The one object for `label` (fails the test otherwise).
  Object object(const std::string& label) const {
    auto all = objects_labelled(label);
    INFO("label " << label << " (" << out << ")");
    REQUIRE(all.size() == 1);
    return all[0];
  }
  std::vector<Event> events_for(std::uint64_t id) const {
    std::vector<Event> out;
    for (const auto& e : events)
      if (e.obj == id) out.push_back(e);
    return out;
  }
};

std::string slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// Runs `prog scenario` with the interposer preloaded; `record` installs the self-test sink.
// `chaos`: WEFT_CHAOS's seed (0: unset).
Run run(const char* prog, const std::string& scenario, bool record = true,
        bool preload = true, int chaos = 0) {
  char dir[] = "/tmp/weft_preload_test.XXXXXX";
  REQUIRE(mkdtemp(dir) != nullptr);
  std::string d = dir, events = d + "/events.txt", out = d + "/out.txt", err = d + "/err.txt";
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    int o = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int e = open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(o, 1);
    dup2(e, 2);
    unsetenv("WEFT_TRACE");
    unsetenv("WEFT_PRELOAD_SELFTEST");
    unsetenv("WEFT_CHAOS");
    if (chaos != 0) setenv("WEFT_CHAOS", std::to_string(chaos).c_str(), 1);
    if (preload) setenv("LD_PRELOAD", WEFT_PRELOAD_LIB, 1);
    if (record) setenv("WEFT_PRELOAD_SELFTEST", events.c_str(), 1);
    execl(prog, prog, scenario.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  int st = 0;
  waitpid(pid, &st, 0);
  Run r;
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  r.out = slurp(out);
  r.err = slurp(err);
  std::istringstream lines(slurp(events));
  for (std::string line; std::getline(lines, line);) {
    std::istringstream ls(line);
    std::string tag;
    ls >> tag;
    if (tag == "O") {
      Object o;
      ls >> o.id >> o.kind;
      ls.get();
      std::getline(ls, o.name);
      r.objects.push_back(o);
    } else if (tag == "E") {
      Event e;
      ls >> e.thread >> e.kind >> e.obj >> e.arg >> e.pid;
      r.events.push_back(e);
    } else if (tag == "D") {
      std::uint64_t id;
      ls >> id;
      r.destroyed.insert(id);
    } else if (tag == "N") {
      unsigned t;
      std::string name;
      ls >> t;
      ls.get();
      std::getline(ls, name);
      r.names.emplace_back(t, name);
    } else if (tag == "C") {
      unsigned t;
      std::uint64_t obj;
      ls >> t >> obj;
      r.chaos_points.emplace_back(t, obj);
    }
  }
  std::istringstream labels(r.out);
  for (std::string line; std::getline(labels, line);) {
    auto eq = line.find('=');
    if (eq != std::string::npos) r.labels[line.substr(0, eq)] = line.substr(eq + 1);
  }
  std::remove(events.c_str());
  std::remove(out.c_str());
  std::remove(err.c_str());
  rmdir(dir);
  return r;
}

// "kind arg" per event, for compact comparisons.
std::vector<std::string> kinds_args(const std::vector<Event>& evs) {
  std::vector<std::string> out;
  for (const auto& e : evs) out.push_back(e.kind + " " + std::to_string(e.arg));
  return out;
}

using Strings = std::vector<std::string>;
constexpr std::uint64_t kOne = std::uint64_t{1} << 32;
constexpr std::uint64_t kAll = std::uint64_t{0xffffffff} << 32;

Run run_ok(const char* prog, const std::string& scenario) {
  Run r = run(prog, scenario);
  INFO(scenario << " stderr: " << r.err);
  REQUIRE(r.status == 0);
  return r;
}

// The main-thread / worker pattern of preload_prog.c's mutex scenarios.
// `destroyed`: the program destroys the mutex at the end (DestroyBegin, then its end).
void check_contended_mutex(const Run& r, const std::string& kind, bool destroyed = false) {
  Object m = r.object("m");
  CHECK(m.kind == kind);
  auto evs = r.events_for(m.id);
  Strings expected{"acquired 1", "acquire-failed 0", "acquire-begin 0",
                   "release 0", "acquired 1", "release 0"};
  if (destroyed) expected.push_back("destroy-begin 0");
  REQUIRE(kinds_args(evs) == expected);
  CHECK(evs[0].thread == 1);
  CHECK(evs[1].thread != 1);
  CHECK(evs[2].thread != 1);
  CHECK(evs[3].thread == 1);
  CHECK(evs[4].thread == evs[2].thread);
  CHECK(evs[5].thread == evs[2].thread);
}

}  // namespace

TEST_CASE("the test programs pass without the interposer and with it but not recording") {
  for (const char* s : {"normal", "static", "recursive", "errorcheck", "reuse", "timedlock",
                        "rwlock", "cond", "cond_old", "broadcast", "cond_timeout", "sem",
                        "barrier", "threads", "fork", "fork3", "first_touch"}) {
    INFO(s);
    CHECK(run(WEFT_PRELOAD_PROG_C, s, false, false).status == 0);
    Run r = run(WEFT_PRELOAD_PROG_C, s, false, true);
    CHECK(r.status == 0);
    CHECK(r.err.empty());
  }
  for (const char* s : {"std_mutex", "std_cv", "std_misc"}) {
    INFO(s);
    CHECK(run(WEFT_PRELOAD_PROG_CXX, s, false, false).status == 0);
    CHECK(run(WEFT_PRELOAD_PROG_CXX, s, false, true).status == 0);
  }
}

TEST_CASE("a normal mutex: acquire-begin only when the thread blocks, destroy is recorded") {
  Run r = run_ok(WEFT_PRELOAD_PROG_C, "normal");
  check_contended_mutex(r, "mutex", true);
  CHECK(r.destroyed.count(r.object("m").id) == 1);
}

TEST_CASE("a PTHREAD_MUTEX_INITIALIZER mutex becomes an object on first use") {
  Run r = run_ok(WEFT_PRELOAD_PROG_C, "static");
  check_contended_mutex(r, "mutex");  // object() also checks it was created exactly once
}

TEST_CASE("a mutex that threads touch first at the same moment is one object") {
  // Four threads released together lock 256 never-seen mutexes in the same order, so first
  // sights race; repeated to make the race likely. Each address must be one object whose
  // acquisitions are all four threads'.
  for (int round = 0; round < 5; ++round) {
    INFO("round " << round);
    Run r = run_ok(WEFT_PRELOAD_PROG_C, "first_touch");
    std::map<std::string, std::vector<Object>> by_name;
    for (const auto& o : r.objects)
      if (o.kind == "mutex") by_name[o.name].push_back(o);
    CHECK(by_name.size() == 256);
    std::size_t twice = 0;
    for (const auto& [name, objs] : by_name) twice += objs.size() != 1;
    CHECK(twice == 0);
    for (const char* label : {"first", "last"}) {
      std::map<unsigned, int> per_thread;
      for (const auto& e : r.events_for(r.object(label).id))
        if (e.kind == "acquired") ++per_thread[e.thread];
      CHECK(per_thread.size() == 4);
    }
  }
}

TEST_CASE("recursive mutexes (initialised and static) report the recursion depth") {
  Run r = run_ok(WEFT_PRELOAD_PROG_C, "recursive");
  // The third level is a pthread_mutex_trylock: marked kAcquiredByTry (it orders nothing).
  Strings walk{"acquired 1", "acquired 2",
               "acquired " + std::to_string(3 | weft::rt::kAcquiredByTry), "release 2",
               "release 1", "release 0"};
  for (const char* label : {"m", "s"}) {
    INFO(label);
    Object o = r.object(label);
    CHECK(o.kind == "recursive-mutex");
    Strings expected = walk;
    if (std::string(label) == "m") expected.push_back("destroy-begin 0");  // m is destroyed
    CHECK(kinds_args(r.events_for(o.id)) == expected);
  }
}

TEST_CASE("an errorcheck mutex: EDEADLK re-lock is refused without blocking, EPERM unlock changes nothing") {
  Run r = run_ok(WEFT_PRELOAD_PROG_C, "errorcheck");
  Object m = r.object("m");
  CHECK(m.kind == "mutex");
  // acquire-failed 2 = AcquireFail::Refused; misuse 257 = UnlockNotOwner (1) | EPERM (1) << 8:
  // the refused unlock is recorded as what it is, not as a release.
  CHECK(kinds_args(r.events_for(m.id)) ==
        Strings{"acquired 1", "acquire-failed 2", "release 0", "misuse 257", "destroy-begin 0"});
}

TEST_CASE("an address initialised again after destroy is a new object") {
  Run r = run_ok(WEFT_PRELOAD_PROG_C, "reuse");
  auto objs = r.objects_labelled("m");
  REQUIRE(objs.size() == 2);
  CHECK(objs[0].id != objs[1].id);
  for (const auto& o : objs) {
    CHECK(r.destroyed.count(o.id) == 1);
    CHECK(kinds_args(r.events_for(o.id)) == Strings{"acquired 1", "release 0", "destroy-begin 0"});
  }
}

TEST_CASE("timedlock and trylock") {
  Run r = run_ok(WEFT_PRELOAD_PROG_C, "timedlock");
  CHECK(kinds_args(r.events_for(r.object("m").id)) ==
        Strings{"acquired 1", "acquire-failed 0", "release 0", "acquired 1", "release 0"});
}

TEST_CASE("rwlocks: shared acquisitions carry 2, exclusive 1") {
  Run r = run_ok(WEFT_PRELOAD_PROG_C, "rwlock");
  Object l = r.object("l");
  CHECK(l.kind == "rwlock");
  auto evs = r.events_for(l.id);
  REQUIRE(kinds_args(evs) == Strings{"acquired 2", "release 2", "acquired 1", "acquire-failed 0",
                                     "release 0", "destroy-begin 0"});
  CHECK(evs[3].thread != evs[2].thread);
  CHECK(r.destroyed.count(l.id) == 1);
}

namespace {
// One waiter, one signal: the waiter's events on the condvar and its mutex, and the notify.
void check_signalled_wait(const char* scenario) {
  Run r = run_ok(WEFT_PRELOAD_PROG_C, scenario);
  Object c = r.object("c"), m = r.object("m");
  CHECK(c.kind == "condvar");
  auto cevs = r.events_for(c.id);
  REQUIRE(kinds_args(cevs) ==
          Strings{"wait-begin " + std::to_string(m.id), "notify " + std::to_string(kOne | 1),
                  "wait-end 0", "destroy-begin 0"});
  unsigned waiter = cevs[0].thread;
  CHECK(cevs[1].thread == 1);
  CHECK(cevs[2].thread == waiter);
  // The waiter's own view: the wait releases the mutex and re-acquires it.
  std::vector<Event> mine;
  for (const auto& e : r.events)
    if (e.thread == waiter && (e.obj == c.id || e.obj == m.id) && e.kind != "acquire-begin")
      mine.push_back(e);
  CHECK(kinds_args(mine) == Strings{"acquired 1", "wait-begin " + std::to_string(m.id),
                                    "release 0", "wait-end 0", "acquired 1", "release 0"});
  CHECK(r.destroyed.count(c.id) == 1);
}
}  // namespace

TEST_CASE("pthread_cond_wait / signal (GLIBC_2.3.2)") { check_signalled_wait("cond"); }

TEST_CASE("pthread_cond_wait / signal through the old ABI (GLIBC_2.2.5)") {
  check_signalled_wait("cond_old");
}

TEST_CASE("broadcast wakes two waiters: requested all, woken 2") {
  Run r = run_ok(WEFT_PRELOAD_PROG_C, "broadcast");
  Object c = r.object("c");
  auto m = std::to_string(r.object("m").id);
  CHECK(kinds_args(r.events_for(c.id)) == Strings{"wait-begin " + m, "wait-begin " + m,
                                                  "notify " + std::to_string(kAll | 2),
                                                  "wait-end 0", "wait-end 0", "destroy-begin 0"});
}

TEST_CASE("a notify with no waiter, timedwait and clockwait timeouts") {
  Run r = run_ok(WEFT_PRELOAD_PROG_C, "cond_timeout");
  Object c = r.object("c");
  auto m = std::to_string(r.object("m").id);
  CHECK(kinds_args(r.events_for(c.id)) == Strings{"notify " + std::to_string(kOne),
                                                  "wait-begin " + m, "wait-end 1",
                                                  "wait-begin " + m, "wait-end 1"});
}

TEST_CASE("semaphores: values after, blocking wait, errno kept") {
  Run r = run_ok(WEFT_PRELOAD_PROG_C, "sem");
  Object s = r.object("s");
  CHECK(s.kind == "posix-semaphore");
  auto evs = r.events_for(s.id);
  REQUIRE(kinds_args(evs) == Strings{"acquired 0", "acquire-failed 0", "acquire-begin 0",
                                     "release 1", "acquired 0", "destroy-begin 0"});
  CHECK(evs[2].thread != 1);
  CHECK(evs[4].thread == evs[2].thread);
  CHECK(r.destroyed.count(s.id) == 1);
}

TEST_CASE("barriers: arrival indexes 0..2, one pass before anyone leaves") {
  Run r = run_ok(WEFT_PRELOAD_PROG_C, "barrier");
  Object b = r.object("b");
  CHECK(b.kind == "posix-barrier");
  std::multiset<std::uint64_t> arrivals;
  std::set<unsigned> threads;
  int passes = 0, begins = 0, ends = 0;
  for (const auto& e : r.events_for(b.id)) {
    if (e.kind == "barrier-arrive") {
      arrivals.insert(e.arg);
      threads.insert(e.thread);
    }
    if (e.kind == "barrier-pass") {
      ++passes;
      CHECK(e.arg == 0);
      CHECK(ends == 0);
    }
    if (e.kind == "wait-begin") ++begins;
    if (e.kind == "wait-end") ++ends;
  }
  CHECK(arrivals == std::multiset<std::uint64_t>{0, 1, 2});
  CHECK(threads.size() == 3);
  CHECK(passes == 1);
  CHECK(begins == 3);
  CHECK(ends == 3);
  CHECK(r.destroyed.count(b.id) == 1);
}

TEST_CASE("threads: start, end (return and pthread_exit), join, names from inside and outside") {
  Run r = run_ok(WEFT_PRELOAD_PROG_C, "threads");
  std::vector<Object> threads;
  for (const auto& o : r.objects)
    if (o.kind == "thread") threads.push_back(o);
  REQUIRE(threads.size() == 3);
  CHECK(threads[0].name == "main");
  std::map<unsigned, std::string> names(r.names.begin(), r.names.end());
  std::set<std::string> child_names;
  for (int i = 1; i <= 2; ++i) {
    // The child's own start and end, the main thread's join around them (the join may begin
    // before the child starts; it ends after the child ended).
    std::vector<Event> child_evs, main_evs;
    for (const auto& e : r.events_for(threads[i].id))
      (e.thread == 1 ? main_evs : child_evs).push_back(e);
    REQUIRE(kinds_args(child_evs) ==
            Strings{"thread-start " + std::to_string(threads[0].id), "thread-end 0"});
    CHECK(kinds_args(main_evs) == Strings{"join-begin 0", "join-end 0"});
    auto evs = r.events_for(threads[i].id);
    CHECK(evs.back().kind == "join-end");
    unsigned child = child_evs[0].thread;
    child_names.insert(names[child]);
  }
  CHECK(child_names == std::set<std::string>{"\xe5\xad\x90\xe7\xba\xbf\xe7\xa8\x8b-0",
                                             "worker-b"});
}

TEST_CASE("std::mutex with lock_guard, unique_lock and two std::threads") {
  Run r = run_ok(WEFT_PRELOAD_PROG_CXX, "std_mutex");
  Object m = r.object("m");
  CHECK(m.kind == "mutex");
  std::map<std::string, int> count;
  std::map<unsigned, int> held;  // per thread: acquired - released, never above 1
  for (const auto& e : r.events_for(m.id)) {
    ++count[e.kind];
    if (e.kind == "acquired") CHECK(++held[e.thread] == 1);
    if (e.kind == "release") CHECK(--held[e.thread] == 0);
  }
  CHECK(count["acquired"] == 201);
  CHECK(count["release"] == 201);
  CHECK(count["acquire-begin"] <= 200);
}

// The lock path's common case tests one word of rare modes (runtime/preload/src/state.hpp):
// chaos, one of them, still puts a chaos point before every blocking lock of a std::mutex, and
// none without it.
TEST_CASE("std::mutex under WEFT_CHAOS: a chaos point before each blocking lock, none without") {
  for (int chaos : {0, 3}) {
    INFO("WEFT_CHAOS=" << chaos);
    Run r = run(WEFT_PRELOAD_PROG_CXX, "std_mutex", true, true, chaos);
    INFO("stderr: " << r.err);
    REQUIRE(r.status == 0);
    Object m = r.object("m");
    int acquired = 0, by_try = 0, points = 0;
    for (const auto& e : r.events_for(m.id)) {
      if (e.kind != "acquired") continue;
      ++acquired;
      if (e.arg & weft::rt::kAcquiredByTry) ++by_try;
    }
    for (const auto& [thread, obj] : r.chaos_points)
      if (obj == m.id) ++points;
    CHECK(acquired == 201);
    CHECK(by_try == 1);
    // lock_guard's 200 locks; unique_lock's try_to_lock is a try (no chaos point).
    CHECK(points == (chaos != 0 ? 200 : 0));
  }
}

TEST_CASE("std::condition_variable: wait with a predicate, notify_one, wait_for timeout") {
  Run r = run_ok(WEFT_PRELOAD_PROG_CXX, "std_cv");
  Object c = r.object("c");
  auto m = std::to_string(r.object("m").id);
  auto evs = r.events_for(c.id);
  // std::condition_variable's destructor calls pthread_cond_destroy.
  REQUIRE(kinds_args(evs) == Strings{"wait-begin " + m, "notify " + std::to_string(kOne | 1),
                                     "wait-end 0", "wait-begin " + m, "wait-end 1",
                                     "destroy-begin 0"});
  CHECK(evs[0].thread != 1);
  CHECK(evs[1].thread == 1);
  CHECK(evs[3].thread == 1);
}

TEST_CASE("std::thread names, recursive_mutex, shared_mutex, timed_mutex") {
  Run r = run_ok(WEFT_PRELOAD_PROG_CXX, "std_misc");
  bool named = false;
  for (const auto& [t, name] : r.names) named |= t != 1 && name == "cxx-worker";
  CHECK(named);
  Object rec = r.object("r"), sh = r.object("s"), tm = r.object("t");
  CHECK(rec.kind == "recursive-mutex");
  CHECK(kinds_args(r.events_for(rec.id)) ==
        Strings{"acquired 1", "acquired 2", "release 1", "release 0"});
  CHECK(sh.kind == "rwlock");
  CHECK(kinds_args(r.events_for(sh.id)) ==
        Strings{"acquired 2", "release 2", "acquired 1", "release 0"});
  CHECK(tm.kind == "mutex");
  CHECK(kinds_args(r.events_for(tm.id)) == Strings{"acquired 1", "release 0"});
}

TEST_CASE("fork: children never inherit the interposer's table lock, and record too") {
  Run r = run_ok(WEFT_PRELOAD_PROG_C, "fork");
  Object m = r.object("m");
  std::map<int, Strings> by_pid;
  for (const auto& e : r.events_for(m.id)) by_pid[e.pid].push_back(e.kind + " " + std::to_string(e.arg));
  CHECK(by_pid.size() == 41);  // the parent and 40 children, each once, same object
  for (const auto& [pid, evs] : by_pid) CHECK(evs == Strings{"acquired 1", "release 0"});
}

#ifdef WEFT_PRELOAD_PROG_TSAN
TEST_CASE("a g++ -fsanitize=thread program is recorded, and weft's own work draws no TSan report") {
  Run r = run(WEFT_PRELOAD_PROG_TSAN, "std_mutex");
  INFO(r.err);
  CHECK(r.status == 0);
  CHECK(r.err.find("ThreadSanitizer") == std::string::npos);
  CHECK(r.err.find("weft:") == std::string::npos);
  CHECK_FALSE(r.events.empty());
  CHECK_FALSE(r.objects.empty());
}
#endif
