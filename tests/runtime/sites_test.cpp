// Call sites behind std:: wrappers and code addresses (recperf): std::lock_guard<weft::Lock>
// records the user's line, not the wrapper's defaulted source_location in a system header.
// Compiled with -g (sites_tests.cmake) so that the code sites resolve to file:line.
#include <catch2/catch.hpp>

#include <dlfcn.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <mutex>
#include <string>

#include "weft/lock.hpp"
#include "weft/rlock.hpp"
#include "weft/runtime/event.hpp"
#include "weft/runtime/recorder.hpp"
#include "weft/runtime/trace_reader.hpp"

using namespace weft;

namespace {
struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/weft-sites-XXXXXX";
    REQUIRE(::mkdtemp(tmpl) != nullptr);
    path = tmpl;
  }
  ~TempDir() { std::filesystem::remove_all(path); }
};

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// The site of the first event of `kind` on `obj`, or nullptr.
const trace::Site* site_of(const trace::Trace& t, rt::ObjId obj, rt::Ev kind) {
  for (const auto& e : t.events)
    if (e.obj == obj && e.kind == kind)
      return e.site < 0 ? nullptr : &t.sites[static_cast<std::size_t>(e.site)];
  return nullptr;
}

// Records `body` into a trace, reads it back and symbolizes it.
template <class Body>
trace::Trace record(Body&& body) {
  TempDir dir;
  std::string path = dir.path + "/t.trace";
  {
    rt::Recorder rec({.path = path});
    rt::Sink* prev = rt::set_sink(&rec);
    body();
    rt::set_sink(prev);
    rec.close();
  }
  trace::Trace t = trace::read_trace(path);
  trace::symbolize_sites(t);
  return t;
}
}  // namespace

TEST_CASE("std::lock_guard<weft::Lock> records the user's line, not the wrapper's") {
  Lock mu("guarded");
  unsigned line = 0;
  trace::Trace t = record([&] {
    line = __LINE__ + 1;
    std::lock_guard<Lock> g(mu);
  });
  const trace::Site* s = site_of(t, mu.id(), rt::Ev::Acquired);
  REQUIRE(s != nullptr);
  INFO("site " << s->file << ":" << s->line << " in " << s->function);
  CHECK_FALSE(rt::is_system_header(s->file.c_str()));
  CHECK(ends_with(s->file, "sites_test.cpp"));
  CHECK(s->line == line);
  const trace::Site* r = site_of(t, mu.id(), rt::Ev::Release);
  REQUIRE(r != nullptr);
  INFO("release site " << r->file << ":" << r->line);
  CHECK(ends_with(r->file, "sites_test.cpp"));
  CHECK(r->line >= line);
  CHECK(r->line <= line + 1);  // the end of the guard's scope
}

TEST_CASE("std::unique_lock<weft::RLock> records the user's line") {
  RLock mu("reentrant");
  unsigned line = 0;
  trace::Trace t = record([&] {
    line = __LINE__ + 1;
    std::unique_lock<RLock> g(mu);
  });
  const trace::Site* s = site_of(t, mu.id(), rt::Ev::Acquired);
  REQUIRE(s != nullptr);
  INFO("site " << s->file << ":" << s->line);
  CHECK(ends_with(s->file, "sites_test.cpp"));
  CHECK(s->line == line);
}

TEST_CASE("a direct call keeps its source_location (no code site)") {
  Lock mu("direct");
  unsigned line = 0;
  trace::Trace t = record([&] {
    line = __LINE__ + 1;
    mu.acquire();
    mu.release();
  });
  const trace::Site* s = site_of(t, mu.id(), rt::Ev::Acquired);
  REQUIRE(s != nullptr);
  for (const auto& c : t.code_sites) CHECK(&t.sites[static_cast<std::size_t>(c.site)] != s);
  CHECK(s->column > 0);
  CHECK(ends_with(s->file, "sites_test.cpp"));
  CHECK(s->line == line);
}

TEST_CASE("site_from_pc: a location that names the code address and its object") {
  const void* pc = __builtin_return_address(0);
  std::source_location a = rt::site_from_pc(pc);
  std::source_location b = rt::site_from_pc(pc);
  const rt::PcSiteInfo* info = rt::pc_site_info(a);
  REQUIRE(info != nullptr);
  CHECK(info->pc == pc);
  CHECK(std::string(info->module).find('/') != std::string::npos);
  CHECK(std::string(a.file_name()).find("+0x") != std::string::npos);
  CHECK(a.line() == 0);
  CHECK(std::string(a.file_name()) == b.file_name());  // interned: one record per address
  CHECK(rt::pc_site_info(std::source_location::current()) == nullptr);
  CHECK(rt::site_from_pc(nullptr).file_name()[0] == '\0');
  CHECK(rt::is_system_header("/usr/include/c++/12/bits/std_mutex.h"));
  CHECK_FALSE(rt::is_system_header("/home/me/app/main.cpp"));
}

TEST_CASE("symbolize_sites: an address in a stripped system library keeps its label") {
  // libstdc++ is stripped: addr2line could only name the nearest exported symbol before an
  // address, often another function. Such a site stays "libstdc++.so.6+0x...", with no name.
  void* fn = ::dlsym(RTLD_DEFAULT, "_ZNSt18condition_variable10notify_oneEv");
  REQUIRE(fn != nullptr);
  Dl_info info{};
  REQUIRE(::dladdr(fn, &info) != 0);
  std::string module = info.dli_fname;
  INFO("module " << module);
  REQUIRE(module.find("libstdc++.so") != std::string::npos);
  auto offset = static_cast<std::uint64_t>(static_cast<char*>(fn) -
                                            static_cast<char*>(info.dli_fbase)) + 4;
  trace::Trace t;
  std::string label = "libstdc++.so.6+0x" + std::to_string(offset);
  t.sites.push_back({label, 0, 0, ""});
  t.code_sites.push_back({0, module, offset});
  trace::symbolize_sites(t);
  CHECK(t.sites[0].file == label);
  CHECK(t.sites[0].line == 0);
  CHECK(t.sites[0].function.empty());
}

// A function of this test program at `fn`: its module and offset (as a code site records them).
namespace {
std::pair<std::string, std::uint64_t> code_address(void* fn) {
  Dl_info info{};
  REQUIRE(::dladdr(fn, &info) != 0);
  return {info.dli_fname, static_cast<std::uint64_t>(static_cast<char*>(fn) -
                                                     static_cast<char*>(info.dli_fbase)) + 4};
}
}  // namespace

extern "C" __attribute__((noinline, used)) int weft_sites_test_probe(int x) { return x * 7 + 1; }

TEST_CASE("symbolize_sites: a stripped program's functions are not named by its nearest export") {
  // A stripped executable keeps only dynamic symbols: addr2line names every address by the
  // nearest exported one before it, another function. Such a site keeps its label, unnamed.
  auto [module, offset] = code_address(reinterpret_cast<void*>(&weft_sites_test_probe));
  char dir[] = "/tmp/weft-strip-XXXXXX";
  REQUIRE(::mkdtemp(dir) != nullptr);
  std::string stripped = std::string(dir) + "/prog";
  std::string cmd = "objcopy --strip-all '" + module + "' '" + stripped + "'";
  REQUIRE(std::system(cmd.c_str()) == 0);
  trace::Trace t;
  std::string label = "prog+0x" + std::to_string(offset);
  t.sites.push_back({label, 0, 0, ""});
  t.code_sites.push_back({0, stripped, offset});
  trace::symbolize_sites(t);
  CHECK(t.sites[0].function.empty());
  CHECK(trace::symbolize_code_functions({{stripped, offset}})[0].empty());
  // The unstripped program names it.
  CHECK(trace::symbolize_code_functions({{module, offset}})[0] == "weft_sites_test_probe");
  std::filesystem::remove_all(dir);
}
