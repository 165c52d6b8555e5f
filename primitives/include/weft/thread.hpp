// weft/thread.hpp: weft::Thread and the threading module functions.
//
//   weft::Thread t([] { work(); }, "子线程-0");
//   t.start();
//   t.join();
//   weft::current_thread().name();   // "MainThread" on the main thread
//
// A thread of control with a name, started explicitly. The object must outlive the thread it
// runs unless the thread is a daemon: destroying a started, unjoined Thread joins it when it is
// not a daemon and detaches it when it is.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <source_location>
#include <string>
#include <vector>

#include "weft/errors.hpp"
#include "weft/runtime/event.hpp"

namespace weft {

class Thread {
 public:
  // A thread that will run `target` once started. An empty `name` becomes "Thread-N" (N counts
  // from 1 in creation order). `name` is UTF-8 and reaches the trace as is.
  explicit Thread(std::function<void()> target, std::string name = {}, bool daemon = false,
                  std::source_location where = std::source_location::current());
  // Joins the thread if it was started, has not been joined and is not a daemon; detaches a
  // daemon thread.
  ~Thread();
  Thread(const Thread&) = delete;
  Thread& operator=(const Thread&) = delete;

  // Thread::start()
  //
  // Starts running the target in a new thread; returns once the new thread is running (so
  // ident() and is_alive() are set). An exception escaping the target is printed to stderr
  // ("Exception in thread NAME:" and its what()) and ends only that thread.
  //
  // Throws RuntimeError if called twice.
  //
  // Memory ordering: everything before start() is visible to the target.
  void start(std::source_location where = std::source_location::current());

  // Thread::join()
  //
  // Blocks until the thread ends, or for at most `timeout` seconds when `timeout` >= 0
  // (negative: no limit). Check is_alive() afterwards to tell whether it timed out.
  //
  // Throws RuntimeError if the thread was not started, if a thread joins itself, or for the
  // placeholder objects of threads weft did not start.
  //
  // Memory ordering: everything the thread did is visible after a join() that saw it end.
  void join(double timeout = -1, std::source_location where = std::source_location::current());

  // True from start() until the target returns (always true for the main thread and the
  // placeholders of threads weft did not start).
  bool is_alive() const;
  const std::string& name() const { return name_; }
  // get_ident() of the thread; 0 before start().
  std::uint64_t ident() const;
  bool daemon() const { return daemon_; }
  rt::ObjId id() const noexcept { return id_; }

  struct State;  // internal

 private:
  enum class Kind { User, Main, Dummy };
  Thread(Kind kind, std::string name);
  friend Thread& current_thread();
  friend Thread& main_thread();

  std::shared_ptr<State> st_;
  std::function<void()> target_;
  std::string name_;
  bool daemon_;
  Kind kind_ = Kind::User;
  rt::ObjId id_;
};

// The Thread object of the calling thread: the user's own object for a thread weft started,
// main_thread() on the main thread, and a registered placeholder ("Dummy-N") for any other
// thread (listed by enumerate() until that thread ends).
Thread& current_thread();
// The Thread object of the main thread (named "MainThread").
Thread& main_thread();
// Every alive Thread: the main thread, started threads that have not ended, and foreign
// threads that have called current_thread(). The pointers stay valid while those threads run.
std::vector<Thread*> enumerate();
// enumerate().size().
int active_count();
// A non-zero integer naming the calling thread (pthread_self()); it may be reused after the
// thread ends.
std::uint64_t get_ident();

}  // namespace weft
