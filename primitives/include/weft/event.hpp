// weft/event.hpp: weft::Event, Python's threading.Event.
//
//   weft::Event ready{"ready"};
//   // worker:  load(); ready.set();
//   // main:    if (!ready.wait(5.0)) fail("worker did not start");
//
// A flag that threads wait for. set() wakes every waiter; clear() lowers it again.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <source_location>
#include <string_view>

#include "weft/detail/sync.hpp"
#include "weft/errors.hpp"
#include "weft/runtime/event.hpp"

namespace weft {

class Event {
 public:
  // An event whose flag starts lowered.
  explicit Event(std::string_view name = {},
                 std::source_location where = std::source_location::current());
  ~Event();
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;

  // True if the flag is raised.
  bool is_set() const;

  // Raises the flag and wakes every thread blocked in wait(). Never blocks.
  // Memory ordering: release (pairs with a wait() that returns true).
  void set(std::source_location where = std::source_location::current());

  // Lowers the flag. Threads that were woken by an earlier set() still return true.
  void clear(std::source_location where = std::source_location::current());

  // Event::wait()
  //
  // Returns true at once if the flag is raised; otherwise blocks until set() is called or
  // `timeout` seconds pass (negative: no limit). Returns true iff the flag was seen raised
  // (i.e. false only on timeout).
  //
  // Memory ordering: acquire, when it returns true.
  bool wait(double timeout = -1, std::source_location where = std::source_location::current());

  rt::ObjId id() const noexcept { return id_; }

 private:
  mutable ::weft::detail::QuietMutex mu_;
  ::weft::detail::QuietCondVar cv_;
  bool flag_ = false;
  std::uint64_t generation_ = 0;  // bumped by each set()
  std::uint32_t waiters_ = 0;
  rt::ObjId id_;
};

}  // namespace weft
