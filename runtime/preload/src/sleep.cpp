// sleep.cpp: nanosleep, clock_nanosleep, usleep and sleep (std::this_thread::sleep_for and
// sleep_until reach nanosleep or clock_nanosleep), recorded as a wait on the process's one
// Sleep object (weft/runtime/event.hpp):
//
//   WaitBegin(sleep, 0)  ...  WaitEnd(sleep, Timeout: it slept the whole time
//                                          | Failed: a signal cut it short, or an error)
//
// A sleep of zero length (a yield) is not recorded. No detector reads sleeps but
// blocking-in-coroutine (a task that sleeps blocks its event loop); readers show them as waits.
#include <errno.h>
#include <time.h>
#include <unistd.h>

#include "real.hpp"
#include "state.hpp"

#define WEFT_EXPORT extern "C" __attribute__((visibility("default")))

namespace weft::preload {
namespace {

const real::Api& libc() noexcept { return real::get(); }

// The Sleep object, made and reported to the sink by the first sleep recorded (a function-local
// static: the others wait for it in the C++ runtime's guard, a futex, no pthread call). Call
// while busy.
ObjId sleep_object() noexcept {
  static const ObjId id = rt::new_object(ObjKind::Sleep, "sleep", {});
  return id;
}

bool zero(const timespec* t) noexcept { return t != nullptr && t->tv_sec == 0 && t->tv_nsec == 0; }

// One recorded sleep: `sleep()` makes the real call and says whether it slept the whole time.
template <class Sleep>
void record_sleep(Sink* s, const void* pc, Sleep&& sleep) {
  ObjId id;
  std::source_location site;
  {
    Call c(*s, pc);
    id = sleep_object();
    site = t_site;
    c.wait_begin(id, 0);
  }
  bool whole = sleep();
  if (Sink* s2 = rt::active_sink()) {
    KeepErrno keep;
    Busy b;
    rt::protocol::wait_end(*s2, id, whole ? rt::WaitResult::Timeout : rt::WaitResult::Failed, site);
  }
}

// One interposed sleep: `real()` makes the call, `whole(result)` says it slept the whole time.
// Not recorded when not recording or when `skip` (a sleep of zero length).
template <class R, class Real, class Whole>
R interposed_sleep(const void* pc, bool skip, Real&& real, Whole&& whole) {
  Sink* s = recording();
  if (s == nullptr || skip) return real();
  R r{};
  record_sleep(s, pc, [&] {
    r = real();
    return whole(r);
  });
  return r;
}

}  // namespace
}  // namespace weft::preload

using namespace weft::preload;

WEFT_EXPORT int nanosleep(const timespec* req, timespec* rem) {
  WEFT_TSAN_FRAME;
  return interposed_sleep<int>(
      __builtin_return_address(0), zero(req), [&] { return libc().nanosleep(req, rem); },
      [](int r) { return r == 0; });
}

WEFT_EXPORT int clock_nanosleep(clockid_t clock, int flags, const timespec* req, timespec* rem) {
  WEFT_TSAN_FRAME;
  return interposed_sleep<int>(
      __builtin_return_address(0), zero(req) && !(flags & TIMER_ABSTIME),
      [&] { return libc().clock_nanosleep(clock, flags, req, rem); },
      [](int r) { return r == 0; });
}

WEFT_EXPORT int usleep(useconds_t us) {
  WEFT_TSAN_FRAME;
  return interposed_sleep<int>(
      __builtin_return_address(0), us == 0, [&] { return libc().usleep(us); },
      [](int r) { return r == 0; });
}

WEFT_EXPORT unsigned sleep(unsigned seconds) {
  WEFT_TSAN_FRAME;
  return interposed_sleep<unsigned>(
      __builtin_return_address(0), seconds == 0, [&] { return libc().sleep(seconds); },
      [](unsigned left) { return left == 0; });
}
