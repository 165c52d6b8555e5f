// weft/runtime/recorder.hpp: the Sink that writes a trace file.
//
// Normally nothing calls this: when the environment variable WEFT_TRACE names a file, the
// session (weft/runtime/session.hpp) creates a Recorder at start-up, wraps it in the online
// detectors and installs it (`weft run` sets WEFT_TRACE). Tests and embedders may create one
// directly:
//
//   weft::rt::Recorder rec({.path = "/tmp/app.trace"});
//   weft::rt::Sink* prev = weft::rt::set_sink(&rec);
//   ...                                   // record
//   weft::rt::set_sink(prev);
//   rec.close();                          // marks the segment as exited normally
//
// Recording is lock-free per thread: each thread owns a block of the file mapping (MAP_SHARED)
// and commits every record with one release store, so a process killed at any instant leaves
// every committed record in the page cache, readable by weft::trace::read_trace().
//
// Overflow policy: the block area of one process is limited (WEFT_TRACE_LIMIT_MB, default
// 1024 MiB). When it is full, or the file cannot grow (disk full), further events are dropped
// and counted in the segment header; `weft report` and `weft run` show the count. In
// flight-recorder mode (RecorderOptions::ring_bytes / ring_ns) the oldest events are overwritten
// instead, and counted per thread.
//
// At most one Recorder should be active in a process at a time (per-thread state is shared).
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include "weft/runtime/event.hpp"

namespace weft::rt {

struct RecorderOptions {
  std::string path;                       // the file to create (truncated if it exists)
  std::uint64_t limit_bytes = 1ull << 30;  // block area limit; beyond it events are dropped
  std::uint32_t block_bytes = 32u << 10;  // per-thread block size (payload)
  bool monotonic_clock = false;           // force CLOCK_MONOTONIC instead of the TSC
  // Read the clock for every event (the default). false (env WEFT_EXACT_TIMES=0): an Acquired
  // that did not block reads no clock and is written undated (record 0x44); the reader dates it
  // at the later of its thread's previous event and the lock's previous release
  // (docs/trace-format.md). That saves one clock reading per uncontended acquisition but makes
  // its hold time an upper bound, early by whatever untraced work the thread did before it: in
  // `xz -T2` it turned 2.4 ms of real hold time into 13 s. Contended acquisitions stay exact.
  bool exact_times = true;
  // Flight-recorder mode (`weft run --keep-last`): keep only the most recent events. With
  // ring_bytes, the event blocks of all threads together stop growing at that size; with ring_ns,
  // a block whose last event is older than that is reused before the area grows (both: whichever
  // comes first). Either way the oldest full block is reused when a thread needs one, and when
  // the area reaches limit_bytes, so events are overwritten, never dropped. Objects, sites,
  // thread names and findings go to blocks that are never reused; each reuse writes how many
  // events of which thread it overwrote (docs/trace-format.md, "Flight-recorder mode").
  std::uint64_t ring_bytes = 0;
  std::uint64_t ring_ns = 0;
};

class Recorder final : public Sink {
 public:
  // Creates `options.path` and maps its header. Throws std::system_error when the file cannot
  // be created or mapped.
  explicit Recorder(RecorderOptions options);
  // Closes (see close()) and unmaps. Only when no thread can still be inside one of its calls.
  ~Recorder() override;
  Recorder(const Recorder&) = delete;
  Recorder& operator=(const Recorder&) = delete;

  void on_object(ObjId id, ObjKind kind, std::string_view name,
                 const std::source_location& where) noexcept override;
  void on_destroy(ObjId id) noexcept override;
  void on_event(Ev kind, ObjId obj, std::uint64_t arg,
                const std::source_location& where) noexcept override;
  void on_thread_name(std::string_view name) noexcept override;
  // Written like an event; a fatal finding is also synced to the file before returning.
  void on_finding(const FindingRecord& finding) noexcept override;

  // Writes the end clock anchor and marks the segment as exited normally. Threads may keep
  // recording after it (late events are kept). Idempotent.
  void close() noexcept;
  // The process ends with exit status `status` (its low 8 bits, as its parent sees it): noted in
  // the segment header unless a status is there already. False, having done nothing, when the
  // segment is not the calling process's (a vfork() child runs in its parent's memory) or is
  // unmapped. Async-signal-safe.
  bool note_exit_status(int status) noexcept;

  // Around fork(), from pthread_atfork handlers: before_fork() takes the recorder's own locks
  // so that the child gets them free; the parent lets go in after_fork_parent(). In the child
  // (only the calling thread exists), after_fork_child() lets go and starts a new segment in
  // `path`, leaving the parent's file alone.
  void before_fork() noexcept;
  void after_fork_parent() noexcept;
  void after_fork_child(const std::string& path) noexcept;

  std::uint64_t dropped() const noexcept;
  std::uint64_t overwritten() const noexcept;  // flight-recorder mode: events overwritten
  const std::string& path() const noexcept { return path_; }

  struct Impl;
  // What the detectors' fast path reads to write a lock's record itself (runtime/src/
  // recorder_hot.hpp): stable for the recorder's lifetime.
  struct Hot;
  const Hot& hot() const noexcept;

 private:
  void write_event(Ev kind, ObjId obj, std::uint64_t arg,
                   const std::source_location& where) noexcept;

  std::string path_;
  Impl* impl_;
};

}  // namespace weft::rt
