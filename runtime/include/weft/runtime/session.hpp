// weft/runtime/session.hpp: a process's recording, from start-up to exit.
//
// One Session per process image, started before any other constructor of the program runs
// (session.cpp), so that objects created by static initialisers are recorded too. It owns the
// start-up policy: from the configuration (config.hpp) it decides whether this image records and
// into which file (the root image writes WEFT_TRACE itself, every other image of the run a part
// file next to it, docs/trace-format.md), builds the recorder, wraps it in the detectors and
// installs the result as the active sink; it keeps fork() safe for both and writes the trace's
// end at exit.
//
// Layering (runtime/CMakeLists.txt): the recording interface (event.hpp, config.hpp) <- the
// recorder, the trace reader <- the detectors <- the session. Nothing below the session knows
// the environment or the process's start-up and exit.
#pragma once

#include "weft/runtime/config.hpp"
#include "weft/runtime/event.hpp"

namespace weft::rt {

class Recorder;

class Session {
 public:
  // Starts this image's recording from config(), once; later calls do nothing. Prints one line
  // on stderr when recording was asked for and cannot start (the program then runs unrecorded).
  static void start() noexcept;

  // The process is ending with exit status `status` (the interposer's exit(), _exit() and
  // _Exit()): the status goes into this image's segment header, so that a process `weft run` did
  // not start itself (a fork child) still reports how it ended. `immediate`: _exit() or _Exit(),
  // after which no atexit handler runs, so the trace's end is written here as at exit. Nothing in
  // a vfork() child (it shares its parent's memory, and its segment). Async-signal-safe.
  static void exiting(int status, bool immediate) noexcept;

 private:
  Session(Recorder* recorder, Sink* sink) noexcept : recorder_(recorder), sink_(sink) {}

  static void before_fork() noexcept;
  static void after_fork_parent() noexcept;
  static void after_fork_child() noexcept;
  static void at_exit() noexcept;

  Recorder* recorder_;
  Sink* sink_;  // the installed sink: the detectors in front of the recorder, or the recorder
};

}  // namespace weft::rt
