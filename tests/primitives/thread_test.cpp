// Thread and the module functions, after CPython's Lib/test/test_threading.py.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>
#include <fcntl.h>
#include <string>
#include <thread>
#include <unistd.h>

#include "helpers.hpp"
#include "weft/threading.hpp"

using namespace weft_test;

TEST_CASE("Thread: runs its target once started, join waits", "[thread]") {
  int ran = 0;
  weft::Thread t([&] { ++ran; });
  CHECK_FALSE(t.is_alive());
  CHECK(t.ident() == 0);
  t.start();
  t.join();
  CHECK(ran == 1);
  CHECK_FALSE(t.is_alive());
  CHECK(t.ident() != 0);
}

TEST_CASE("Thread: default names are Thread-N in creation order", "[thread]") {
  weft::Thread a([] {});
  weft::Thread b([] {});
  REQUIRE(a.name().rfind("Thread-", 0) == 0);
  REQUIRE(b.name().rfind("Thread-", 0) == 0);
  int na = std::stoi(a.name().substr(7));
  int nb = std::stoi(b.name().substr(7));
  CHECK(nb == na + 1);
  weft::Thread c([] {}, "worker");
  CHECK(c.name() == "worker");
  weft::Thread u([] {}, "子线程-0");
  CHECK(u.name() == "子线程-0");
}

TEST_CASE("Thread: start twice raises RuntimeError", "[thread]") {
  weft::Thread t([] {});
  t.start();
  CHECK_THROWS_AS(t.start(), weft::RuntimeError);
  t.join();
  CHECK_THROWS_AS(t.start(), weft::RuntimeError);
}

TEST_CASE("Thread: join before start and join of self raise RuntimeError", "[thread]") {
  weft::Thread t([] {});
  CHECK_THROWS_AS(t.join(), weft::RuntimeError);
  bool threw = false;
  weft::Thread* self = nullptr;
  weft::Thread s([&] {
    try {
      self->join();
    } catch (const weft::RuntimeError&) {
      threw = true;
    }
  });
  self = &s;
  s.start();
  s.join();
  CHECK(threw);
  CHECK_THROWS_AS(weft::main_thread().join(), weft::RuntimeError);  // we are the main thread
}

TEST_CASE("Thread: join with timeout returns while the thread is alive", "[thread]") {
  weft::Event stop;
  weft::Thread t([&] { stop.wait(); });
  t.start();
  auto t0 = Clock::now();
  t.join(0.1);
  CHECK_TIMEOUT(seconds_since(t0), 0.1);
  CHECK(t.is_alive());
  stop.set();
  t.join(5);
  CHECK_FALSE(t.is_alive());
}

TEST_CASE("Thread: current_thread inside a target is the user's object", "[thread]") {
  weft::Thread* seen = nullptr;
  std::uint64_t ident = 0;
  weft::Thread t([&] {
    seen = &weft::current_thread();
    ident = weft::get_ident();
  });
  t.start();
  t.join();
  CHECK(seen == &t);
  CHECK(ident == t.ident());
  CHECK(weft::get_ident() != t.ident());
}

TEST_CASE("Thread: main_thread and current_thread on the main thread", "[thread]") {
  weft::Thread& m = weft::main_thread();
  CHECK(&weft::current_thread() == &m);
  CHECK(m.name() == "MainThread");
  CHECK(m.ident() == weft::get_ident());
  CHECK(m.is_alive());
  weft::Thread* from_other = nullptr;
  std::thread([&] { from_other = &weft::main_thread(); }).join();
  CHECK(from_other == &m);
}

TEST_CASE("Thread: enumerate and active_count list alive threads", "[thread]") {
  int before = weft::active_count();
  auto list = weft::enumerate();
  CHECK(std::find(list.begin(), list.end(), &weft::main_thread()) != list.end());
  weft::Event stop;
  weft::Thread t([&] { stop.wait(); }, "enumerated");
  t.start();
  list = weft::enumerate();
  CHECK(std::find(list.begin(), list.end(), &t) != list.end());
  CHECK(weft::active_count() == before + 1);
  stop.set();
  t.join();
  list = weft::enumerate();
  CHECK(std::find(list.begin(), list.end(), &t) == list.end());
  CHECK(weft::active_count() == before);
}

TEST_CASE("Thread: foreign threads get a registered dummy until they end", "[thread]") {
  int before = weft::active_count();
  weft::Thread* dummy = nullptr;
  int during = 0;
  bool dummy_join_threw = false;
  std::string name;
  std::thread([&] {
    dummy = &weft::current_thread();
    CHECK(&weft::current_thread() == dummy);  // the same object on every call
    name = dummy->name();
    during = weft::active_count();
    try {
      dummy->join();
    } catch (const weft::RuntimeError&) {
      dummy_join_threw = true;
    }
  }).join();
  CHECK(name.rfind("Dummy-", 0) == 0);
  CHECK(during == before + 1);
  CHECK(dummy_join_threw);
  CHECK(weft::active_count() == before);
}

TEST_CASE("Thread: an escaping exception is printed and does not terminate", "[thread]") {
  // Capture stderr into a pipe while the thread runs.
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  fflush(stderr);
  int saved = dup(2);
  dup2(fds[1], 2);
  weft::Thread t([] { throw std::runtime_error("boom from the target"); }, "thrower");
  t.start();
  t.join();
  fflush(stderr);
  dup2(saved, 2);
  close(saved);
  close(fds[1]);
  std::string out;
  char buf[512];
  ssize_t n;
  while ((n = read(fds[0], buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
  close(fds[0]);
  CHECK(out.find("Exception in thread thrower") != std::string::npos);
  CHECK(out.find("boom from the target") != std::string::npos);
  CHECK_FALSE(t.is_alive());
}

TEST_CASE("Thread: destroying an unjoined non-daemon thread joins it", "[thread]") {
  std::atomic<bool> done{false};
  {
    weft::Thread t([&] {
      sleep_s(0.05);
      done = true;
    });
    t.start();
  }
  CHECK(done.load());
}

TEST_CASE("Thread: destroying an unjoined daemon thread detaches it", "[thread]") {
  auto release = std::make_shared<weft::Event>();
  auto finished = std::make_shared<weft::Event>();
  {
    weft::Thread t([release, finished] {
      release->wait();
      finished->set();
    }, "daemon", true);
    CHECK(t.daemon());
    t.start();
  }  // returns at once although the thread is blocked
  CHECK_FALSE(finished->is_set());
  release->set();
  CHECK(finished->wait(5));
}

TEST_CASE("Thread: everything before start is visible in the target, and back after join",
          "[thread]") {
  std::vector<int> data(100, 1);
  long sum = 0;
  weft::Thread t([&] {
    for (int v : data) sum += v;
    data.assign(100, 2);
  });
  t.start();
  t.join();
  CHECK(sum == 100);
  CHECK(data[50] == 2);
}
