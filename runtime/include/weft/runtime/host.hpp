// weft/runtime/host.hpp: one runtime per process. A program linked with weft::runtime exports
// its recording interface as `weft_rt_host` (runtime/src/hooks.cpp); the LD_PRELOAD interposer,
// when `weft run` loads it into such a program, finds the table and records the program's
// pthread calls and sleeps into the program's own sink, with the program's object ids and thread
// indexes, instead of starting a second recording (runtime/README.md, "One runtime per process").
#pragma once

#include <atomic>
#include <cstdint>

#include "weft/runtime/event.hpp"

namespace weft::rt {

// Changes whenever the table's layout, the Sink interface or the vocabulary's numbers change:
// an interposer from another weft build then leaves the program to record itself.
inline constexpr std::uint64_t kHostLayout = 2;  // 2: process_exiting (2026-12-07)
inline constexpr std::uint64_t kHostAbi = (kHostLayout << 32) | WEFT_VOCAB_DIGEST;

struct HostTable {
  std::uint64_t abi;  // kHostAbi of the program's build
  ObjId (*reserve_object_id)() noexcept;
  std::uint32_t (*thread_index)() noexcept;
  unsigned* (*quiet_counter)() noexcept;  // the calling thread's Quiet counter (event.hpp)
  // Set by the interposer when it adopts the table: the program's set_sink() calls it with every
  // sink it installs or removes.
  std::atomic<void (*)(Sink*) noexcept> on_sink;
  Sink* (*current_sink)() noexcept;  // the program's active sink now
  // Set by the program's Session when it starts recording (Session::exiting): the interposer's
  // exit(), _exit() and _Exit() hand it the process's exit status. nullptr while not recording.
  std::atomic<void (*)(int status, bool immediate) noexcept> process_exiting;
};

// The program's side: what its table's process_exiting calls (Session::start). Does nothing in
// the interposer's copy of the runtime, which has no table of its own.
void set_host_exit_hook(void (*hook)(int status, bool immediate) noexcept) noexcept;

// The interposer's side (defined in its copy of the runtime only): the program's table when the process has one of this build's ABI
// (looked up once, at the interposer's start-up), else nullptr.
const HostTable* host() noexcept;
// The process has a program runtime's table, of this build's ABI or not. With one of another
// build the interposer stays off (the program records itself; two recordings would clash).
bool host_present() noexcept;

}  // namespace weft::rt
