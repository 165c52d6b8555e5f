// runtime_sites_memo_test: every recorded lock and unlock of an unmodified program is sited at its
// own line, although the interposer hands the recorder a memo of each site's trace id instead of
// the site (runtime/src/site_memo.hpp): with more sites than its code-address cache holds (entries
// replaced, memos emptied), and in a fork child, whose recorder numbers its sites anew.
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <utility>

#include "weft/runtime/event.hpp"
#include "weft/runtime/trace_reader.hpp"

using namespace weft;

namespace {

// The lines of `source` that end with `marker`.
std::set<unsigned> marked_lines(const std::string& source, const std::string& marker) {
  std::ifstream in(source);
  std::set<unsigned> lines;
  unsigned n = 0;
  for (std::string line; std::getline(in, line);) {
    ++n;
    if (line.size() >= marker.size() && line.ends_with(marker)) lines.insert(n);
  }
  return lines;
}

bool ends_with(const std::string& s, const std::string& suffix) { return s.ends_with(suffix); }

}  // namespace

TEST_CASE("weft run: each lock and unlock is sited at its own line, in the parent and a fork child") {
  std::set<unsigned> lock_lines = marked_lines(WEFT_SITES_MEMO_SOURCE, "// lock site");
  std::set<unsigned> unlock_lines = marked_lines(WEFT_SITES_MEMO_SOURCE, "// unlock site");
  REQUIRE(lock_lines.size() == 12);
  REQUIRE(unlock_lines.size() == 12);

  char tmpl[] = "/tmp/weft-sites-memo-XXXXXX";
  REQUIRE(::mkdtemp(tmpl) != nullptr);
  std::string dir = tmpl, path = dir + "/t.trace";
  std::string cmd = std::string("'") + WEFT_CLI + "' run -o '" + path + "' -- '" +
                    WEFT_SITES_MEMO_PROG + "' > '" + dir + "/out.txt' 2>&1";
  int status = std::system(cmd.c_str());
  REQUIRE(WIFEXITED(status));
  INFO(cmd);
  REQUIRE(WEXITSTATUS(status) == 0);

  trace::Trace t = trace::read_trace(path);
  trace::symbolize_sites(t);
  std::filesystem::remove_all(dir);
  REQUIRE(t.processes.size() == 2);

  // (pid, line) -> acquisitions, releases of the program's mutex (the only mutex it locks by hand;
  // std::thread's own locks are libstdc++'s, sited elsewhere).
  std::map<std::pair<std::uint32_t, unsigned>, int> acquired, released;
  int elsewhere = 0;
  for (const trace::Event& e : t.events) {
    if (e.kind != rt::Ev::Acquired && e.kind != rt::Ev::Release) continue;
    const trace::Object* o = t.object(e.obj);
    if (o == nullptr || o->kind != rt::ObjKind::Mutex) continue;
    REQUIRE(e.site >= 0);
    const trace::Site& s = t.sites[static_cast<std::size_t>(e.site)];
    if (!ends_with(s.file, "sites_memo_prog.cpp")) {
      ++elsewhere;
      continue;
    }
    std::uint32_t pid = t.threads[e.thread].pid;
    INFO("event at " << s.file << ":" << s.line);
    if (e.kind == rt::Ev::Acquired) {
      CHECK(lock_lines.count(s.line) == 1);
      ++acquired[{pid, s.line}];
    } else {
      CHECK(unlock_lines.count(s.line) == 1);
      ++released[{pid, s.line}];
    }
  }
  INFO(elsewhere << " mutex events sited outside the program");
  std::uint32_t parent = 0, child = 0;
  for (const trace::Process& p : t.processes) (p.parent_pid == 0 ? parent : child) = p.pid;
  REQUIRE(parent != 0);
  REQUIRE(child != 0);
  // rounds(): 10 on the second thread + 50 + 20 in the parent, 30 in the child.
  for (unsigned line : lock_lines) {
    INFO("lock line " << line);
    CHECK(acquired[{parent, line}] == 80);
    CHECK(acquired[{child, line}] == 30);
  }
  for (unsigned line : unlock_lines) {
    INFO("unlock line " << line);
    CHECK(released[{parent, line}] == 80);
    CHECK(released[{child, line}] == 30);
  }
}
