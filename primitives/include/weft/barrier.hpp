// weft/barrier.hpp: weft::Barrier, Python's threading.Barrier.
//
//   weft::Barrier round{3, [] { std::puts("all arrived"); }, -1, "round"};
//   // in each of 3 threads:
//   int i = round.wait();   // 0, 1, 2 in arrival order; the action runs once, in one thread
//
// A rendezvous for a fixed number of threads, reusable round after round. States (CPython's):
//
//   state      meaning                               next
//   ---------  ------------------------------------  -----------------------------------------
//   filling    threads arrive and wait               last arrival: run action -> draining
//   draining   the round passed; waiters leave       last one out -> filling
//   resetting  reset() while threads were waiting    waiters get BrokenBarrierError; last out
//                                                    -> filling
//   broken     abort(), a timeout, a throwing action every wait() throws until reset()
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <source_location>
#include <string_view>

#include "weft/detail/sync.hpp"
#include "weft/errors.hpp"
#include "weft/runtime/event.hpp"

namespace weft {

class Barrier {
 public:
  // A barrier for `parties` threads. `action`, if set, is run by one of the threads when the
  // last one arrives, before any is released. `timeout` (seconds, negative: none) is the
  // default for wait(). Throws ValueError if `parties` < 1.
  explicit Barrier(int parties, std::function<void()> action = {}, double timeout = -1,
                   std::string_view name = {},
                   std::source_location where = std::source_location::current());
  ~Barrier();
  Barrier(const Barrier&) = delete;
  Barrier& operator=(const Barrier&) = delete;

  // Barrier::wait()
  //
  // Blocks until `parties()` threads have called wait(), then returns this thread's arrival
  // index (0 .. parties()-1). Without an argument the barrier's default timeout applies; an
  // explicit `timeout` (seconds, negative: none) overrides it.
  //
  // Throws BrokenBarrierError if the barrier is or becomes broken while waiting (abort(),
  // reset(), another party timing out, the action throwing) or if this wait times out (which
  // breaks the barrier for everyone). If the action throws, its exception propagates from the
  // wait() of the thread that ran it and the barrier is broken.
  //
  // Memory ordering: whatever a party did before wait() is visible to every party after
  // wait() returns.
  int wait(std::source_location where = std::source_location::current());
  int wait(double timeout, std::source_location where = std::source_location::current());

  // Returns the barrier to its initial (filling) state; threads waiting on it get
  // BrokenBarrierError. Never blocks.
  void reset(std::source_location where = std::source_location::current());
  // Breaks the barrier: waiting and future wait() calls throw BrokenBarrierError until
  // reset(). Never blocks.
  void abort(std::source_location where = std::source_location::current());

  int parties() const { return parties_; }
  // Threads currently waiting in the filling state.
  int n_waiting() const;
  bool broken() const;
  rt::ObjId id() const noexcept { return id_; }

 private:
  enum State { kFilling = 0, kDraining = 1, kResetting = -1, kBroken = -2 };
  int wait_impl(double timeout, const std::source_location& where);
  void break_locked(std::uint64_t reason, const std::source_location& where);

  mutable ::weft::detail::QuietMutex mu_;
  ::weft::detail::QuietCondVar cv_;
  const int parties_;
  std::function<void()> action_;
  const double timeout_;
  int state_ = kFilling;
  int count_ = 0;
  std::uint64_t generation_ = 0;
  rt::ObjId id_;
};

}  // namespace weft
