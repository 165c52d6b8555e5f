// weft/errors.hpp: the exceptions of the primitives, named after Python's.
//
// Each is thrown exactly where CPython raises the exception of the same name (see
// docs/primitives.md). All derive from weft::Error, itself a std::runtime_error,
// so `catch (const weft::Error&)` catches every one of them.
#pragma once

#include <stdexcept>
#include <string>

namespace weft {

// The base of every weft exception.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Misuse of a primitive: releasing an unlocked Lock, an RLock released by a thread that does
// not own it, Condition wait/notify without the lock, starting a Thread twice, joining a thread
// that was never started or joining oneself, submit() after shutdown().
class RuntimeError : public Error {
 public:
  using Error::Error;
};

// A bad argument: a timeout with a non-blocking call, a negative timeout other than -1 for
// acquire(), Semaphore(value < 0), release(n < 1), a BoundedSemaphore released too often,
// Barrier(parties < 1), Queue::task_done() called too often, ThreadPoolExecutor(max_workers < 0).
class ValueError : public Error {
 public:
  using Error::Error;
};

// Barrier::wait() on a barrier that is broken (abort(), a timed-out party, a throwing action) or
// reset() while waiting.
class BrokenBarrierError : public RuntimeError {
 public:
  using RuntimeError::RuntimeError;
};

// Future::result()/exception() and as_completed() ran out of time.
class TimeoutError : public Error {
 public:
  using Error::Error;
};

// Future::result()/exception() of a cancelled future.
class CancelledError : public Error {
 public:
  using Error::Error;
};

// Queue::put() on a full queue (non-blocking, or the timeout passed).
class Full : public Error {
 public:
  Full() : Error("queue.Full") {}
  using Error::Error;
};

// Queue::get() on an empty queue (non-blocking, or the timeout passed).
class Empty : public Error {
 public:
  Empty() : Error("queue.Empty") {}
  using Error::Error;
};

}  // namespace weft
