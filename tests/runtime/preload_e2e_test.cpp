// runtime_preload_e2e_test: `weft run` records unmodified programs through libweft_preload.so
// into a real trace, and `weft report --format=json` shows what the interposer saw.
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <algorithm>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

using json = nlohmann::json;

namespace {

struct Result {
  int status = -1;
  std::string out, err;
};

std::string slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// Runs argv with stdout and stderr captured.
Result exec(const std::vector<std::string>& argv, const std::string& dir,
            const char* extra_env = nullptr) {
  std::string out = dir + "/out.txt", err = dir + "/err.txt";
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    int o = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int e = open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(o, 1);
    dup2(e, 2);
    unsetenv("WEFT_TRACE");
    unsetenv("WEFT_TRACE_ROOT");
    unsetenv("WEFT_TRACE_STARTED");
    unsetenv("WEFT_PRELOAD_SELFTEST");
    unsetenv("LD_PRELOAD");
    if (extra_env != nullptr) putenv(const_cast<char*>(extra_env));
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  int st = 0;
  waitpid(pid, &st, 0);
  Result r;
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  r.out = slurp(out);
  r.err = slurp(err);
  return r;
}

struct Recording {
  Result run;
  json report;
  std::map<std::string, std::string> labels;  // label -> address printed by the program

  const json* object(const std::string& label) const {
    auto it = labels.find(label);
    if (it == labels.end()) return nullptr;
    // Named by its address, or by its variable with the address kept (trace::name_objects).
    for (const auto& o : report["objects"])
      if (o["name"] == it->second || o.value("address", "") == it->second) return &o;
    return nullptr;
  }
  const json* stats(const std::string& label) const {
    const json* o = object(label);
    if (o == nullptr) return nullptr;
    for (const auto& s : report["stats"])
      if (s["object"] == (*o)["id"]) return &s;
    return nullptr;
  }
};

// weft run -o T -- prog scenario; weft report T --format=json. `extra_env`: NAME=VALUE for
// the recorded program (weft run passes its environment on).
Recording record(const char* prog, const std::string& scenario,
                 const char* extra_env = nullptr) {
  char tmpl[] = "/tmp/weft_preload_e2e.XXXXXX";
  REQUIRE(mkdtemp(tmpl) != nullptr);
  std::string dir = tmpl, trace = dir + "/t.trace";
  Recording rec;
  rec.run = exec({WEFT_CLI, "run", "-o", trace, "--", prog, scenario}, dir, extra_env);
  INFO(scenario << ": " << rec.run.err);
  REQUIRE(rec.run.status == 0);
  Result rep = exec({WEFT_CLI, "report", trace, "--format=json"}, dir);
  INFO(rep.err);
  REQUIRE((rep.status == 0 || rep.status == 1));
  rec.report = json::parse(rep.out, nullptr, false);
  REQUIRE(!rec.report.is_discarded());
  std::istringstream lines(rec.run.out);
  for (std::string line; std::getline(lines, line);) {
    auto eq = line.find('=');
    if (eq != std::string::npos) rec.labels[line.substr(0, eq)] = line.substr(eq + 1);
  }
  for (const char* f : {"/t.trace", "/out.txt", "/err.txt"}) std::remove((dir + f).c_str());
  rmdir(dir.c_str());
  return rec;
}

}  // namespace

TEST_CASE("weft run records std::mutex and two std::threads with no rebuild") {
  Recording r = record(WEFT_PRELOAD_PROG_CXX, "std_mutex");
  const json* m = r.object("m");
  REQUIRE(m != nullptr);
  CHECK((*m)["kind"] == "mutex");
  // A function's static std::mutex is named by its symbol (nm -C), its address kept.
  CHECK((*m)["name"] == "(anonymous namespace)::std_mutex()::m");
  CHECK((*m)["label"] == "mutex '(anonymous namespace)::std_mutex()::m'");
  CHECK((*m)["address"] == r.labels["m"]);
  const json* s = r.stats("m");
  REQUIRE(s != nullptr);
  CHECK((*s)["acquisitions"] == 201);  // 2 x 100 lock_guard + 1 try_to_lock
  CHECK(r.report["summary"]["dropped"] == 0);
  CHECK(r.report["summary"]["threads"].get<int>() >= 2);
}

// Hold times stay true when the program works between lock operations: each acquisition reads
// the clock. (With WEFT_EXACT_TIMES=0 an uncontended acquisition is dated at its thread's
// previous event, here 200 ms of untraced work earlier; the report then says so.)
TEST_CASE("weft run: hold times of uncontended locks are exact across untraced work") {
  Recording r = record(WEFT_PRELOAD_PROG_CXX, "work_between");
  const json* s = r.stats("m");
  REQUIRE(s != nullptr);
  CHECK((*s)["acquisitions"] == 3);
  // Real holds are microseconds; a preemption inside one could add some ms, never the 200 ms of
  // work before the acquisition.
  CHECK((*s)["hold_max_ns"].get<std::uint64_t>() < 100'000'000u);
  CHECK(r.report["warnings"].empty());

  Recording fast = record(WEFT_PRELOAD_PROG_CXX, "work_between", "WEFT_EXACT_TIMES=0");
  const json* f = fast.stats("m");
  REQUIRE(f != nullptr);
  CHECK((*f)["acquisitions"] == 3);
  CHECK((*f)["hold_max_ns"].get<std::uint64_t>() >= 150'000'000u);  // an upper bound...
  bool warned = false;                                              // ...and said to be one
  for (const auto& w : fast.report["warnings"])
    warned = warned || w.get<std::string>().find("upper bounds") != std::string::npos;
  CHECK(warned);
}

TEST_CASE("weft run records std::condition_variable waits, a notify and a wait_for timeout") {
  Recording r = record(WEFT_PRELOAD_PROG_CXX, "std_cv");
  const json* c = r.object("c");
  REQUIRE(c != nullptr);
  CHECK((*c)["kind"] == "condvar");
  const json* s = r.stats("c");
  REQUIRE(s != nullptr);
  CHECK((*s)["waits"] == 2);
  CHECK((*s)["timeouts"] == 1);
  CHECK((*s)["notifies"] == 1);
}

TEST_CASE("weft run records C pthread threads with their names, semaphores and barriers") {
  Recording r = record(WEFT_PRELOAD_PROG_C, "threads");
  std::set<std::string> names;
  for (const auto& t : r.report["threads"]) names.insert(t["name"].get<std::string>());
  CHECK(names.count("\xe5\xad\x90\xe7\xba\xbf\xe7\xa8\x8b-0") == 1);
  CHECK(names.count("worker-b") == 1);

  Recording b = record(WEFT_PRELOAD_PROG_C, "barrier");
  const json* bo = b.object("b");
  REQUIRE(bo != nullptr);
  CHECK((*bo)["kind"] == "posix-barrier");
  const json* bs = b.stats("b");
  REQUIRE(bs != nullptr);
  CHECK((*bs)["waits"] == 3);

  Recording s = record(WEFT_PRELOAD_PROG_C, "sem");
  const json* ss = s.stats("s");
  REQUIRE(ss != nullptr);
  CHECK((*ss)["acquisitions"] == 2);
  CHECK((*ss)["contentions"] == 1);
  CHECK((*ss)["failed"] == 1);
}

TEST_CASE("weft run follows fork children through the interposer") {
  Recording r = record(WEFT_PRELOAD_PROG_C, "fork3");
  CHECK(r.report["summary"]["processes"] == 4);
  // The parent's mutex in each child: one object per process, all named by the variable.
  std::set<std::uint64_t> ids;
  for (const auto& o : r.report["objects"])
    if (o.value("address", "") == r.labels["m"]) {
      ids.insert(o["id"].get<std::uint64_t>());
      // A C function's static: "m" (GCC's symbol "m.0"), "scenario_fork3.m" (clang's).
      CHECK((o["name"] == "m" || o["name"] == "scenario_fork3.m"));
    }
  int acquisitions = 0;
  for (const auto& s : r.report["stats"])
    if (ids.count(s["object"].get<std::uint64_t>())) acquisitions += s["acquisitions"].get<int>();
  CHECK(acquisitions == 3);
  CHECK(r.report["summary"]["dropped"] == 0);
}

// How each fork child ended, in the report: the status a child gives _exit(), exit() or _Exit()
// (weft run knows only its own child's, from waitpid), none for a child killed by a signal; the
// _exit(7) of a vfork child (in its parent's memory) leaves its parent's status alone.
TEST_CASE("weft run: the exit status of fork children, from exit(), _exit() and _Exit()") {
  Recording r = record(WEFT_PRELOAD_PROG_C, "child_exits");
  const json& procs = r.report["processes"];
  REQUIRE(procs.size() == 5);
  std::vector<int> codes;
  int unknown = 0;
  for (const auto& p : procs) {
    INFO(p.dump());
    if (p["parent_pid"] == 0) {
      CHECK(p["exit_code"] == 0);  // weft run's own child: from waitpid
      CHECK(p["exited"] == true);
      continue;
    }
    if (p.contains("exit_code")) {
      codes.push_back(p["exit_code"].get<int>());
      CHECK(p["exited"] == true);
    } else {
      ++unknown;
      CHECK(p["exited"] == false);  // SIGKILL: the trace cannot know more than that
    }
  }
  std::sort(codes.begin(), codes.end());
  CHECK(codes == std::vector<int>{3, 5, 6});
  CHECK(unknown == 1);
}

// The interposer's, the recorder's and the detectors' fork handlers under load: 40 children
// forked while another thread creates and destroys mutexes as fast as it can (detectors on, so
// their locks are taken and handed over across every fork).
TEST_CASE("weft run: 40 fork children while another thread registers objects") {
  char tmpl[] = "/tmp/weft_preload_e2e.XXXXXX";
  REQUIRE(mkdtemp(tmpl) != nullptr);
  std::string dir = tmpl, trace = dir + "/t.trace";
  Result r = exec({WEFT_CLI, "run", "-o", trace, "--", WEFT_PRELOAD_PROG_C, "fork"}, dir);
  INFO(r.err);
  CHECK(r.status == 0);
  CHECK(r.err.find(" 41 processes, 0 dropped") != std::string::npos);
  for (const char* f : {"/t.trace", "/out.txt", "/err.txt"}) std::remove((dir + f).c_str());
  rmdir(dir.c_str());
}

// A deadlock in a fork child is found by the child's own watchdog (the parent's did not come
// along through fork), and the parent's other threads do not confuse it.
TEST_CASE("weft run: a deadlock inside a fork child is reported and stops the child") {
  char tmpl[] = "/tmp/weft_preload_e2e.XXXXXX";
  REQUIRE(mkdtemp(tmpl) != nullptr);
  std::string dir = tmpl, trace = dir + "/t.trace";
  Result r = exec({WEFT_CLI, "run", "-o", trace, "--", WEFT_PRELOAD_PROG_C, "fork_deadlock"}, dir);
  INFO(r.err);
  CHECK(r.status == 0);
  CHECK(r.err.find("weft: deadlock:") != std::string::npos);
  for (const char* f : {"/t.trace", "/out.txt", "/err.txt"}) std::remove((dir + f).c_str());
  rmdir(dir.c_str());
}
