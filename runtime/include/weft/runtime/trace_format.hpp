// weft/runtime/trace_format.hpp: the on-disk layout of a weft trace (see docs/trace-format.md).
//
// A trace file is a sequence of *segments*, one per recorded process image. A segment is a
// 4096-byte header followed by *blocks*. Each block belongs to one thread and holds a stream of
// variable-length records (events, object and site definitions, thread names, findings).
//
//   file     := segment+
//   segment  := SegmentHeader (kSegmentHeaderBytes) block*
//   block    := BlockHeader (kBlockHeaderBytes) payload[capacity]   // records in payload[0, used)
//
// All integers are little-endian. Records start with one type byte:
//   1..63   an event, type = weft::rt::Ev value:
//           varint dt (clock ticks since the previous record of the block, or since
//           base_tick for the first), varint obj, varint arg, varint site (0 = unknown)
//   0x40    object:  varint dt, varint id, u8 kind, varint site, str name     (also a Create)
//   0x41    site:    varint id, varint line, varint column, str file, str function
//   0x42    thread name: varint dt, str name
//   0x43    finding: varint dt, u8 flags (1 = fatal), str kind, str message,
//                    varint n, n x varint thread index, varint n, n x varint object id,
//                    varint n, n x varint site
//   0x44    acquired, undated: varint obj, varint arg, varint site   (added in format 1, see
//           docs/trace-format.md) an Acquired event with no clock reading of its own, written
//           for an acquisition that did not block; readers date it at the later of the previous
//           record of its thread and the previous Release of the same object (before the
//           thread's next dated event).
//   0x45    code site: varint id, varint offset, str module, str function   (added in format 1)
//           a site known by a code address (a return address into the caller): `offset` inside
//           the ELF object `module` (absolute path), `function` its dladdr symbol or "".
//           Readers show "function in module+0xoffset" until symbolized to file:line.
//   0x46    module: varint bias, str module   (added in format 1, 2026-12-05)
//           the load bias of the ELF object `module` (an address in it minus the bias is the
//           address in the file, as nm and addr2line count), written before its first code
//           site; readers name objects that live in its data by their symbols.
//   0x47    overwritten: varint dt, varint thread, varint events, varint age, varint os_tid
//           (2026-12-06) flight-recorder mode: a block of thread `thread` (an index of this
//           segment; `os_tid` its gettid()) that held `events` events was reused; its last
//           event was `age` ticks before this record's time. Written to the reusing thread's
//           keep block (never reused).
//   str := varint length (<= kMaxString) then the bytes (UTF-8).
//
// This header is shared by the recorder (writer) and the reader; nothing here allocates.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace weft::trace::format {

inline constexpr char kMagic[8] = {'W', 'E', 'F', 'T', 'T', 'R', 'C', '\0'};
inline constexpr std::uint32_t kVersion = 1;
inline constexpr std::uint32_t kSegmentHeaderBytes = 4096;
inline constexpr std::uint32_t kBlockMagic = 0x4b4c4257;  // "WBLK"
inline constexpr std::uint32_t kBlockHeaderBytes = 48;
inline constexpr std::uint32_t kMaxString = 4096;        // longer names are cut by the writer
inline constexpr std::uint32_t kMaxListItems = 1024;     // finding thread/object/site lists
inline constexpr std::uint32_t kMaxBlockBytes = 64u << 20;
inline constexpr std::uint32_t kMaxCommand = 3072;

enum RecordType : std::uint8_t {
  kObject = 0x40,
  kSite = 0x41,
  kThreadName = 0x42,
  kFinding = 0x43,
  kAcquiredUndated = 0x44,
  kCodeSite = 0x45,
  kModule = 0x46,
  kOverwritten = 0x47,  // flight-recorder mode: a thread's block was reused (since 2026-12-06)
  kTaskLane = 0x48,     // a block's records belong to a weft::aio task's lane (since 2026-12-06)
};

enum Clock : std::uint32_t { kClockTsc = 0, kClockMonotonic = 1 };

enum SegmentState : std::uint32_t {
  kLive = 0,    // being written, or the process died without exiting normally
  kExited = 1,  // the process reached exit() / returned from main
};

enum ExitKind : std::uint32_t {
  kExitUnknown = 0,
  kExitCode = 1,    // exit_value = the exit status
  kExitSignal = 2,  // exit_value = the signal that killed it
};

// Segment header: the first kSegmentHeaderBytes of each segment. Fields marked (atomic) are
// updated with atomic operations while the process runs.
struct SegmentHeader {
  char magic[8];                // kMagic
  std::uint32_t version;        // kVersion
  std::uint32_t header_bytes;   // kSegmentHeaderBytes
  std::uint64_t blocks_bytes;   // (atomic) bytes of block area allocated after the header
  std::uint64_t dropped;        // (atomic) events not recorded (capacity exhausted)
  std::uint32_t pid;
  std::uint32_t ppid;
  std::uint32_t clock;          // Clock
  std::uint32_t block_bytes;    // capacity of the blocks this process allocates
  std::uint64_t tick0;          // start anchor: a clock reading...
  std::uint64_t mono0_ns;       // ...and CLOCK_MONOTONIC at the same moment
  double ns_per_tick;           // calibrated at start (1.0 for kClockMonotonic)
  std::uint64_t wall0_ns;       // CLOCK_REALTIME at start (ns since the Unix epoch)
  std::uint64_t end_tick;       // end anchor (written at exit; 0 if the process died)
  std::uint64_t end_mono_ns;
  std::uint32_t state;          // (atomic) SegmentState
  std::uint32_t command_bytes;  // length of `command` (argv joined by spaces)
  std::uint64_t limit_bytes;    // block area capacity; events beyond it are dropped
  std::uint32_t exit_kind;      // ExitKind, written by `weft run` after the process ended
  std::int32_t exit_value;      // exit code or signal number
  std::uint32_t packed;         // 1: blocks are packed (capacity == used) and blocks_bytes exact
  std::uint32_t reserved;
  char command[kMaxCommand];
  // Flight-recorder mode (`weft run --keep-last`, added 2026-12-06 within version 1; 0 in every
  // other trace, and in traces written before): the oldest blocks of events are reused, so the
  // trace keeps the most recent window.
  std::uint64_t ring_bytes;   // the window asked for as a size of event blocks (0: none)
  std::uint64_t ring_ns;      // ... or as a duration (0: none)
  std::uint64_t overwritten;  // (atomic) events overwritten, all threads
};
static_assert(sizeof(SegmentHeader) <= kSegmentHeaderBytes);
static_assert(offsetof(SegmentHeader, blocks_bytes) == 16);
static_assert(offsetof(SegmentHeader, limit_bytes) == 104);
static_assert(offsetof(SegmentHeader, command) == 128);
static_assert(offsetof(SegmentHeader, ring_bytes) == 3200);

struct BlockHeader {
  std::uint32_t magic;        // kBlockMagic, stored last when the block is set up
  std::uint32_t capacity;     // payload bytes
  std::uint32_t used;         // (atomic) committed payload bytes
  std::uint32_t thread;       // current_thread_index() of the owning thread
  std::uint64_t os_tid;       // gettid()
  std::uint64_t base_tick;    // the first record's dt is relative to this
  std::uint64_t anchor_tick;  // a clock reading when the block was allocated...
  std::uint64_t anchor_mono_ns;  // ...and CLOCK_MONOTONIC at the same moment
};
static_assert(sizeof(BlockHeader) == kBlockHeaderBytes);

// Varint (LEB128, unsigned). Writes at most 10 bytes; returns the byte count.
inline std::size_t put_varint(std::uint8_t* p, std::uint64_t v) noexcept {
  std::size_t n = 0;
  while (v >= 0x80) {
    p[n++] = static_cast<std::uint8_t>(v) | 0x80;
    v >>= 7;
  }
  p[n++] = static_cast<std::uint8_t>(v);
  return n;
}

inline constexpr std::size_t kMaxVarint = 10;
// Largest event record: type + 4 varints.
inline constexpr std::size_t kMaxEventBytes = 1 + 4 * kMaxVarint;

}  // namespace weft::trace::format
