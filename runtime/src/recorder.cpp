// The recorder: per-thread blocks in a MAP_SHARED file mapping (format: trace_format.hpp).
//
// Hot path (on_event): intern the call site through a small per-thread cache, read the clock,
// varint-encode the record straight into the thread's block, publish it with one release store
// of the block's `used` field. No lock, no system call, no allocation. A lock (a spin lock, so
// that the LD_PRELOAD interposer never sees it) is taken only to allocate a new block (once per
// block_bytes of records) and to intern a call site the first time the process sees it.
#include "weft/runtime/recorder.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <string>
#include <system_error>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "clock.hpp"
#include "location_record.hpp"
#include "recorder_hot.hpp"
#include "spin_lock.hpp"
#include "weft/runtime/trace_format.hpp"

namespace weft::rt {

namespace fmt = weft::trace::format;

namespace {

struct SiteKey {
  const char* file;
  const char* function;
  std::uint32_t line;
  std::uint32_t column;
  bool operator==(const SiteKey&) const = default;
};
struct SiteKeyHash {
  std::size_t operator()(const SiteKey& k) const noexcept {
    std::size_t h = reinterpret_cast<std::uintptr_t>(k.file);
    h = h * 31 + reinterpret_cast<std::uintptr_t>(k.function);
    h = h * 31 + k.line;
    return h * 31 + k.column;
  }
};

}  // namespace

constinit thread_local RecorderThread t_recorder{};

namespace {

std::atomic<std::uint32_t> g_epoch{0};

std::uint64_t os_tid() noexcept { return static_cast<std::uint64_t>(::syscall(SYS_gettid)); }

std::size_t put_str(std::uint8_t* p, std::string_view s) noexcept {
  if (s.size() > fmt::kMaxString) s = s.substr(0, fmt::kMaxString);
  std::size_t n = fmt::put_varint(p, s.size());
  std::memcpy(p + n, s.data(), s.size());
  return n + s.size();
}
std::size_t str_bound(std::string_view s) noexcept {
  return fmt::kMaxVarint + std::min<std::size_t>(s.size(), fmt::kMaxString);
}

std::string read_command_line() {
  std::string out;
  int fd = ::open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return out;
  char buf[fmt::kMaxCommand];
  ssize_t n = ::read(fd, buf, sizeof buf);
  ::close(fd);
  if (n <= 0) return out;
  out.assign(buf, static_cast<std::size_t>(n));
  while (!out.empty() && out.back() == '\0') out.pop_back();
  std::replace(out.begin(), out.end(), '\0', ' ');
  return out;
}

}  // namespace

// The block size of a thread after its ThreadEnd (its last events, if any).
constexpr std::uint32_t kLateBlockBytes = 1024;
// The least payload worth keeping as a free block when an ended thread's block is followed by
// another's.
constexpr std::uint32_t kMinFreeBytes = 4096;
// Flight-recorder mode: the payload of a keep block (larger when one record needs more).
constexpr std::uint32_t kKeepBlockBytes = 2048;

// The event records of a ring block's payload (flight-recorder mode: ring blocks hold events
// only, types 1..63 and kAcquiredUndated, after a kTaskLane record when the block started
// inside a weft::aio task; anything else ends the count).
std::uint64_t count_events(const std::uint8_t* p, std::uint32_t n) noexcept {
  std::uint64_t events = 0;
  std::uint32_t i = 0;
  while (i < n) {
    std::uint8_t type = p[i++];
    int fields = type >= 1 && type < fmt::kObject ? 4
                 : type == fmt::kAcquiredUndated  ? 3
                 : type == fmt::kTaskLane         ? 1
                                                  : 0;
    if (fields == 0) break;
    for (int f = 0; f < fields && i < n; ++f) {
      while (i < n && (p[i] & 0x80)) ++i;
      ++i;
    }
    events += type != fmt::kTaskLane;
  }
  return events;
}

struct Recorder::Impl : Recorder::Hot {
  int fd = -1;
  std::uint8_t* base = nullptr;  // the mapping: header + limit bytes of block area
  std::size_t map_bytes = 0;
  std::uint64_t file_bytes = 0;  // current file size (guarded by alloc_mu)
  std::uint64_t limit = 0;
  std::uint32_t block_bytes = 0;
  std::uintptr_t page_bytes = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
  std::atomic<bool> full{false};
  std::atomic<bool> closed{false};
  SpinLock alloc_mu;
  SpinLock intern_mu;
  std::unordered_map<SiteKey, std::uint32_t, SiteKeyHash> sites;  // guarded by intern_mu
  std::uint32_t next_site = 1;                                     // guarded by intern_mu
  std::unordered_set<std::string> modules;  // module records written (guarded by intern_mu)
  // Unused rests of ended threads' blocks, set up as free blocks (thread 0, nothing used) that
  // the next new_block() takes before growing the segment (guarded by alloc_mu). Most recent
  // last. A full table leaves further rests unused, as before.
  static constexpr int kFreeBlocks = 256;
  fmt::BlockHeader* free_blocks[kFreeBlocks] = {};
  int n_free = 0;
  // Flight-recorder mode (all guarded by alloc_mu). Event blocks a thread has left, oldest
  // first: the next to be reused. Metadata records go to keep blocks, which are never reused.
  bool ring = false;
  std::uint64_t ring_bytes_asked = 0, ring_ns_asked = 0;
  std::uint64_t ring_budget = 0;  // bytes of event blocks (headers included) before reuse
  std::uint64_t ring_ticks = 0;   // a block whose last event is older than this is reused first
  std::uint64_t ring_used = 0;    // bytes of event blocks allocated
  struct RingBlock {
    fmt::BlockHeader* block;
    std::uint64_t last_tick;  // of its last record
  };
  std::deque<RingBlock> ring_fifo;
  // A ring block taken for reuse: whose it was and what it held.
  struct Taken {
    fmt::BlockHeader* block = nullptr;
    std::uint32_t thread = 0;
    std::uint64_t os_tid = 0;
    std::uint64_t events = 0, last_tick = 0;
  };

  void drop() noexcept {
    std::atomic_ref<std::uint64_t>(header->dropped).fetch_add(1, std::memory_order_relaxed);
  }

  // Maps a fresh file at `path` and writes the segment header. Throws std::system_error.
  void open(const std::string& path, const RecorderOptions& o) {
    fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) throw std::system_error(errno, std::generic_category(), "cannot create " + path);
    limit = std::max<std::uint64_t>(o.limit_bytes, 1u << 20);
    block_bytes = std::clamp<std::uint32_t>(o.block_bytes, 16u << 10, fmt::kMaxBlockBytes);
    ring_bytes_asked = o.ring_bytes;
    ring_ns_asked = o.ring_ns;
    ring = o.ring_bytes != 0 || o.ring_ns != 0;
    // Event blocks may take 7/8 of the area: the rest stays for keep blocks (objects, sites,
    // names, findings), which must never be lost to the ring.
    ring_budget = limit / 8 * 7;
    if (o.ring_bytes != 0) {
      ring_budget = std::min(ring_budget, o.ring_bytes);
      // Reuse goes a block at a time, and each running thread holds one: a small window gets
      // smaller blocks (at least 32 of them, down to 16 KiB) so that it is not mostly current
      // blocks.
      block_bytes = std::clamp<std::uint32_t>(
          static_cast<std::uint32_t>(std::min<std::uint64_t>(block_bytes, ring_budget / 32)) & ~7u,
          16u << 10, block_bytes);
    }
    ring_used = 0;
    ring_fifo.clear();
    map_bytes = fmt::kSegmentHeaderBytes + limit;
    if (::ftruncate(fd, fmt::kSegmentHeaderBytes) != 0) {
      int e = errno;
      ::close(fd);
      throw std::system_error(e, std::generic_category(), "cannot size " + path);
    }
    file_bytes = fmt::kSegmentHeaderBytes;
    void* m = ::mmap(nullptr, map_bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (m == MAP_FAILED) {
      int e = errno;
      ::close(fd);
      throw std::system_error(e, std::generic_category(), "cannot map " + path);
    }
    base = static_cast<std::uint8_t*>(m);
    header = reinterpret_cast<fmt::SegmentHeader*>(base);
    tsc = !o.monotonic_clock && clock::tsc_usable();
    exact = o.exact_times;
    epoch = g_epoch.fetch_add(1, std::memory_order_relaxed) + 1;
    full.store(false);
    closed.store(false);
    sites.clear();
    next_site = 1;
    n_free = 0;  // free blocks of a file opened before (a fork's parent's) are not this file's

    fmt::SegmentHeader& h = *header;
    std::memset(&h, 0, sizeof h);
    std::memcpy(h.magic, fmt::kMagic, sizeof h.magic);
    h.version = fmt::kVersion;
    h.header_bytes = fmt::kSegmentHeaderBytes;
    h.pid = static_cast<std::uint32_t>(::getpid());
    h.ppid = static_cast<std::uint32_t>(::getppid());
    h.clock = tsc ? fmt::kClockTsc : fmt::kClockMonotonic;
    h.block_bytes = block_bytes;
    h.ns_per_tick = tsc ? clock::tsc_ns_per_tick() : 1.0;
    h.tick0 = tick();
    h.mono0_ns = clock::mono_ns();
    h.wall0_ns = clock::wall_ns();
    h.limit_bytes = limit;
    h.ring_bytes = ring_bytes_asked;
    h.ring_ns = ring_ns_asked;
    ring_ticks = o.ring_ns == 0 ? 0
                                : static_cast<std::uint64_t>(static_cast<double>(o.ring_ns) /
                                                             h.ns_per_tick) + 1;
    std::string cmd = read_command_line();
    h.command_bytes = static_cast<std::uint32_t>(std::min<std::size_t>(cmd.size(), fmt::kMaxCommand));
    std::memcpy(h.command, cmd.data(), h.command_bytes);
  }

  void unmap() noexcept {
    if (base) ::munmap(base, map_bytes);
    if (fd >= 0) ::close(fd);
    base = nullptr;
    header = nullptr;
    epoch = 0;  // try_write's common case then declines every thread (recorder_hot.hpp)
    fd = -1;
  }

  // Gives `t` a fresh block whose first record is relative to `tick`. False when full.
  bool new_block(RecorderThread& t, std::uint64_t tick) noexcept {
    fmt::BlockHeader* left = t.block;
    if (left != nullptr) release_pages(left, fmt::kBlockHeaderBytes + t.capacity);
    SpinGuard g(alloc_mu);
    if (ring) {
      if (left != nullptr) retire(left, t.capacity, t.last_tick);
      return new_ring_block(t, tick);
    }
    if (n_free > 0 && !t.ended) {  // an ended thread's rest: a block owned by nobody yet
      // Its used stays 0 until the first record is committed: free or owned, never half-set.
      fmt::BlockHeader* fb = free_blocks[--n_free];
      set_owner(t, fb, tick);
      use(t, fb, fb->capacity, tick);
      return true;
    }
    // After its ThreadEnd a thread gets small blocks: a late event must not cost a whole one.
    const std::uint32_t capacity = t.ended ? kLateBlockBytes : block_bytes;
    fmt::BlockHeader* b = grow(t, capacity, tick);
    if (b == nullptr) return false;
    use(t, b, capacity, tick);
    return true;
  }

  // A new block of `capacity` at the end of the area, owned by `t` from `tick` (alloc_mu held);
  // nullptr when the area is full or the file cannot grow.
  fmt::BlockHeader* grow(RecorderThread& t, std::uint32_t capacity, std::uint64_t tick) noexcept {
    if (full.load(std::memory_order_relaxed)) return nullptr;
    std::atomic_ref<std::uint64_t> blocks(header->blocks_bytes);
    std::uint64_t off = blocks.load(std::memory_order_relaxed);
    std::uint64_t need = fmt::kBlockHeaderBytes + capacity;
    if (off + need > limit) {
      full.store(true, std::memory_order_relaxed);
      return nullptr;
    }
    std::uint64_t end = fmt::kSegmentHeaderBytes + off + need;
    if (end > file_bytes) {
      std::uint64_t grow = std::max<std::uint64_t>(1u << 20, file_bytes / 8);
      std::uint64_t target = std::min<std::uint64_t>(std::max(end, file_bytes + grow),
                                                     fmt::kSegmentHeaderBytes + limit);
      // fallocate reserves the disk space now, so a full disk means dropped events rather than
      // SIGBUS on a later store into the mapping. Not every file system has it.
      int rc = ::posix_fallocate(fd, static_cast<off_t>(file_bytes),
                                 static_cast<off_t>(target - file_bytes));
      if (rc == EOPNOTSUPP || rc == EINVAL) rc = ::ftruncate(fd, static_cast<off_t>(target)) ? errno : 0;
      if (rc != 0) {
        full.store(true, std::memory_order_relaxed);
        return nullptr;
      }
      file_bytes = target;
    }
    auto* b = reinterpret_cast<fmt::BlockHeader*>(base + fmt::kSegmentHeaderBytes + off);
    b->capacity = capacity;
    b->used = 0;
    set_owner(t, b, tick);
    std::atomic_ref<std::uint32_t>(b->magic).store(fmt::kBlockMagic, std::memory_order_release);
    blocks.store(off + need, std::memory_order_release);
    return b;
  }

  // Flight-recorder mode (alloc_mu held). A thread left the event block `b`: it joins the ring,
  // to be reused once it is the oldest. Late blocks (smaller) stay: at most one per ended thread.
  void retire(fmt::BlockHeader* b, std::uint32_t capacity, std::uint64_t last_tick) noexcept {
    if (capacity != block_bytes) return;
    try {
      ring_fifo.push_back({b, last_tick});
    } catch (...) {  // bad_alloc: this block keeps its events for good
    }
  }

  // Flight-recorder mode (alloc_mu held): an event block for `t`. The oldest block of the ring is
  // reused when the event blocks have reached their budget, when it is older than the window,
  // or when the area cannot grow; otherwise the area grows.
  bool new_ring_block(RecorderThread& t, std::uint64_t tick) noexcept {
    const std::uint32_t capacity = t.ended ? kLateBlockBytes : block_bytes;
    const std::uint64_t need = fmt::kBlockHeaderBytes + capacity;
    bool reuse_first = !t.ended && !ring_fifo.empty() &&
                       (ring_used + need > ring_budget ||
                        (ring_ticks != 0 && tick - ring_fifo.front().last_tick > ring_ticks &&
                         tick > ring_fifo.front().last_tick));
    Taken k;
    if (!(reuse_first && take_oldest(k))) {
      if (fmt::BlockHeader* b = grow(t, capacity, tick)) {
        ring_used += need;
        use(t, b, capacity, tick);
        return true;
      }
      if (!take_oldest(k)) return false;
    }
    set_owner(t, k.block, tick);
    use(t, k.block, k.block->capacity, tick);
    note_overwritten(t, k, tick);
    return true;
  }

  // Takes the oldest block out of the ring and empties it (alloc_mu held): its events are
  // counted as overwritten in the segment header first, then `used` drops to 0, so a reader
  // sees the block either with its old records or with none. False when the ring is empty.
  bool take_oldest(Taken& k) noexcept {
    if (ring_fifo.empty()) return false;
    RingBlock rb = ring_fifo.front();
    ring_fifo.pop_front();
    fmt::BlockHeader* b = rb.block;
    std::uint32_t used = std::atomic_ref<std::uint32_t>(b->used).load(std::memory_order_relaxed);
    k.block = b;
    k.thread = b->thread;
    k.os_tid = b->os_tid;
    k.events = count_events(reinterpret_cast<std::uint8_t*>(b) + fmt::kBlockHeaderBytes,
                            std::min(used, b->capacity));
    k.last_tick = rb.last_tick;
    std::atomic_ref<std::uint64_t>(header->overwritten).fetch_add(k.events, std::memory_order_relaxed);
    std::atomic_ref<std::uint32_t>(b->used).store(0, std::memory_order_release);
    return true;
  }

  // Writes what `k` overwrote to t's keep block (alloc_mu held): record kOverwritten.
  void note_overwritten(RecorderThread& t, const Taken& k, std::uint64_t tick) noexcept {
    if (k.events == 0) return;
    std::uint8_t* p = keep_room(t, 1 + 5 * fmt::kMaxVarint, tick);
    if (p == nullptr) return;  // the header's count still has them
    std::uint8_t* q = p;
    *q++ = fmt::kOverwritten;
    q += fmt::put_varint(q, delta(t.keep, tick));
    q += fmt::put_varint(q, k.thread);
    q += fmt::put_varint(q, k.events);
    q += fmt::put_varint(q, tick > k.last_tick ? tick - k.last_tick : 0);
    q += fmt::put_varint(q, k.os_tid);
    commit(t.keep, static_cast<std::size_t>(q - p));
  }

  // Room for `n` bytes in t's keep block (alloc_mu held): a new keep block when needed, grown
  // from the area or, when it is full, taken from the ring (which then has one block less).
  std::uint8_t* keep_room(RecorderThread& t, std::size_t n, std::uint64_t tick) noexcept {
    if (t.keep.block != nullptr && t.keep.capacity - t.keep.used >= n) [[likely]]
      return t.keep.data + t.keep.used;
    if (t.keep.block != nullptr)
      release_pages(t.keep.block, fmt::kBlockHeaderBytes + t.keep.capacity);
    auto capacity = static_cast<std::uint32_t>(std::max<std::size_t>(kKeepBlockBytes, (n + 7) & ~std::size_t{7}));
    fmt::BlockHeader* b = grow(t, capacity, tick);
    Taken k;
    if (b == nullptr) {
      if (ring_fifo.empty() || ring_fifo.front().block->capacity < n || !take_oldest(k)) return nullptr;
      b = k.block;
      capacity = b->capacity;
      ring_used -= fmt::kBlockHeaderBytes + capacity;
      set_owner(t, b, tick);
    }
    t.keep.block = b;
    t.keep.data = reinterpret_cast<std::uint8_t*>(b) + fmt::kBlockHeaderBytes;
    t.keep.used = 0;
    t.keep.capacity = capacity;
    t.keep.last_tick = tick;
    if (k.block != nullptr) note_overwritten(t, k, tick);  // fits: the block is empty
    return t.keep.capacity - t.keep.used >= n ? t.keep.data + t.keep.used : nullptr;
  }

  // Room for a metadata record of at most `n` bytes (objects, sites, names, findings): in t's
  // event block, or in flight-recorder mode its keep block. Calls fill(cursor, p), which writes
  // the record at p (its dt relative to cursor.last_tick) and returns its size; false when there
  // was no room (the caller counts it as dropped).
  template <class Fill>
  bool write_meta(RecorderThread& t, std::size_t n, std::uint64_t tick, Fill&& fill) noexcept {
    if (!ring) {
      std::uint8_t* p = reserve(t, n, tick);
      if (p == nullptr) return false;
      commit(t, fill(t, p));
      return true;
    }
    std::uint8_t* p;
    {
      SpinGuard g(alloc_mu);
      p = keep_room(t, n, tick);
    }
    if (p == nullptr) return false;
    commit(t.keep, fill(t.keep, p));
    return true;
  }

  // The time a record without a time of its own (a site) starts a new block at.
  std::uint64_t chain_tick(const RecorderThread& t) const noexcept {
    if (ring) return t.keep.block ? t.keep.last_tick : tick();
    return t.block ? t.last_tick : tick();
  }

  // A full block is never written again: its records are in the file's page cache (the mapping
  // is shared), so the pages wholly inside it leave this process's resident memory. Without
  // this a recorded server's resident memory grew by the trace's size (~5 bytes an event: 2 GB
  // for memcached under load for 5 minutes). The data stays: a later read of the page, or the
  // file after a crash, finds it. One madvise per block (32 KiB, thousands of events).
  void release_pages(const void* block, std::size_t bytes) noexcept {
    auto lo = reinterpret_cast<std::uintptr_t>(block);
    auto hi = lo + bytes;
    lo = (lo + page_bytes - 1) & ~(page_bytes - 1);
    hi &= ~(page_bytes - 1);
    if (hi > lo) ::madvise(reinterpret_cast<void*>(lo), hi - lo, MADV_DONTNEED);
  }

  // The owner fields of a block header (all but magic, capacity and used), the thread index
  // last: a free block being claimed reads as free (thread 0) until the rest is in place.
  void set_owner(RecorderThread& t, fmt::BlockHeader* b, std::uint64_t tick) noexcept {
    b->os_tid = t.os_tid;
    b->base_tick = tick;
    b->anchor_tick = this->tick();
    b->anchor_mono_ns = clock::mono_ns();
    std::atomic_ref<std::uint32_t>(b->thread).store(current_thread_index(),
                                                    std::memory_order_release);
  }

  void use(RecorderThread& t, fmt::BlockHeader* b, std::uint32_t capacity,
           std::uint64_t tick) noexcept {
    t.block = b;
    t.data = reinterpret_cast<std::uint8_t*>(b) + fmt::kBlockHeaderBytes;
    t.used = 0;
    t.capacity = capacity;
    t.last_tick = tick;
    if (t.task != 0) {  // inside a task: this block's records are the task's (a reader starts
      t.data[0] = fmt::kTaskLane;  // each block in its thread's own lane)
      commit(t, 1 + fmt::put_varint(t.data + 1, t.task));
    }
  }


  // The thread ends. If its block is the last of the segment, the unused rest goes back: the
  // next block starts right after its last record, so a program that starts thousands of
  // short-lived threads does not leave a mostly empty block (and its file space) per thread.
  // blocks_bytes shrinks first, then the capacity: a reader that sees only the first (a crash
  // in between) finds a last block whose capacity runs past the events, which it accepts.
  void give_back_tail(RecorderThread& t) noexcept {
    t.ended = true;
    if (t.block == nullptr) return;
    SpinGuard g(alloc_mu);
    if (ring) {  // the whole block joins the ring: it is reused once it is the oldest
      retire(t.block, t.capacity, t.last_tick);
      t.block = nullptr;
      t.data = nullptr;
      t.used = t.capacity = 0;
      return;
    }
    std::atomic_ref<std::uint64_t> blocks(header->blocks_bytes);
    auto off = static_cast<std::uint64_t>(reinterpret_cast<std::uint8_t*>(t.block) - base) -
               fmt::kSegmentHeaderBytes;
    std::uint32_t keep = (t.used + 7u) & ~7u;  // the next block header stays 8-byte aligned
    if (off + fmt::kBlockHeaderBytes + t.capacity != blocks.load(std::memory_order_relaxed)) {
      // Another block follows: the rest becomes a free block of its own, for the next thread
      // that needs one. Its header is complete before this block's capacity shrinks to uncover
      // it (until then it is unused payload of this block).
      std::uint32_t rest = t.capacity - keep;
      if (rest < fmt::kBlockHeaderBytes + kMinFreeBytes || n_free == kFreeBlocks) return;
      auto* fb = reinterpret_cast<fmt::BlockHeader*>(t.data + keep);
      std::memset(static_cast<void*>(fb), 0, sizeof *fb);
      fb->capacity = rest - fmt::kBlockHeaderBytes;
      std::atomic_ref<std::uint32_t>(fb->magic).store(fmt::kBlockMagic, std::memory_order_release);
      std::atomic_ref<std::uint32_t>(t.block->capacity).store(keep, std::memory_order_release);
      free_blocks[n_free++] = fb;
    } else {
      blocks.store(off + fmt::kBlockHeaderBytes + keep, std::memory_order_release);
      std::atomic_ref<std::uint32_t>(t.block->capacity).store(keep, std::memory_order_release);
    }
    t.block = nullptr;  // a later event of this thread (a TLS destructor's) takes a new block
    t.data = nullptr;
    t.used = t.capacity = 0;
  }

  // Room for `n` bytes in t's block (a new block if needed); nullptr when full (dropped).
  std::uint8_t* reserve(RecorderThread& t, std::size_t n, std::uint64_t tick) noexcept {
    if (t.block == nullptr || t.capacity - t.used < n) [[unlikely]] {
      if (!new_block(t, tick)) return nullptr;
    }
    return t.data + t.used;
  }

  // The time delta of a record at `tick` in the block `c` (a RecorderThread, or its `keep`).
  template <class Cursor>
  static std::uint64_t delta(Cursor& t, std::uint64_t tick) noexcept {
    if (tick < t.last_tick) return 0;  // a clock step backwards: keep the order, clamp
    std::uint64_t d = tick - t.last_tick;
    t.last_tick = tick;
    return d;
  }

  template <class Cursor>
  static void commit(Cursor& t, std::size_t n) noexcept {
    t.used += static_cast<std::uint32_t>(n);
    std::atomic_ref<std::uint32_t>(t.block->used).store(t.used, std::memory_order_release);
  }

  void attach(RecorderThread& t) noexcept {
    t.epoch = epoch;
    t.block = nullptr;
    t.data = nullptr;
    t.used = t.capacity = 0;
    t.last_tick = 0;
    t.begun = 0;
    t.task = 0;
    t.ended = false;
    t.keep.block = nullptr;
    t.keep.data = nullptr;
    t.keep.used = t.keep.capacity = 0;
    t.keep.last_tick = 0;
    if (t.os_tid == 0) t.os_tid = os_tid();
    std::memset(t.cache, 0, sizeof t.cache);
  }

  std::uint32_t intern(RecorderThread& t, const std::source_location& w) noexcept {
    if constexpr (kLocationIsPointer) {
      const void* key = location_record(w);
      if (key == nullptr) return 0;  // a default-constructed location: no site
      SiteCacheEntry& e = t.slot_of(key);
      if (e.key == key) [[likely]]
        return e.id;
      std::uint32_t id = intern_contents(t, w);
      if (id != 0) e = {key, nullptr, nullptr, 0, 0, id};
      return id;
    }
    return intern_contents(t, w);
  }

  std::uint32_t intern_contents(RecorderThread& t, const std::source_location& w) noexcept {
    const char* file = w.file_name();
    std::uint32_t line = w.line();
    if (line == 0 && (file == nullptr || *file == '\0')) return 0;
    const char* function = w.function_name();
    std::uint32_t column = w.column();
    if constexpr (kLocationIsPointer) {  // intern() caches by pointer
      return intern_slow(t, {file, function, line, column}, pc_site_info(w));
    } else {
      std::size_t slot =
          (reinterpret_cast<std::uintptr_t>(file) >> 4 ^ line * 2654435761u ^ column) % kSiteCache;
      SiteCacheEntry& e = t.cache[slot];
      if (e.file == file && e.line == line && e.column == column && e.function == function &&
          e.id != 0) [[likely]] {
        return e.id;
      }
      std::uint32_t id = intern_slow(t, {file, function, line, column}, pc_site_info(w));
      if (id != 0) e = {nullptr, file, function, line, column, id};
      return id;
    }
  }

  // `pc`: the site is a code address (site_from_pc): written as a code-site record.
  std::uint32_t intern_slow(RecorderThread& t, const SiteKey& k, const PcSiteInfo* pc) noexcept {
    SpinGuard g(intern_mu);
    try {
      auto it = sites.find(k);
      if (it != sites.end()) return it->second;
      std::string_view file = k.file ? k.file : "";
      std::string_view function = k.function ? k.function : "";
      std::string_view module = pc && pc->module ? pc->module : "";
      // A module seen for the first time: its load bias first (objects in its data are named
      // from its symbols when the trace is read).
      bool new_module = pc != nullptr && !module.empty() && !modules.count(std::string(module));
      std::size_t bound = 1 + 3 * fmt::kMaxVarint + str_bound(file) + str_bound(function) +
                          str_bound(module) +
                          (new_module ? 1 + fmt::kMaxVarint + str_bound(module) : 0);
      std::uint32_t id = next_site;
      bool written = write_meta(t, bound, chain_tick(t), [&](auto&, std::uint8_t* p) {
      std::uint8_t* q = p;
      if (new_module) {
        *q++ = fmt::kModule;
        q += fmt::put_varint(q, reinterpret_cast<std::uintptr_t>(pc->pc) - pc->offset);
        q += put_str(q, module);
        modules.emplace(module);
      }
      if (pc != nullptr) {
        *q++ = fmt::kCodeSite;
        q += fmt::put_varint(q, id);
        q += fmt::put_varint(q, pc->offset);
        q += put_str(q, module);
        q += put_str(q, function);
      } else {
        *q++ = fmt::kSite;
        q += fmt::put_varint(q, id);
        q += fmt::put_varint(q, k.line);
        q += fmt::put_varint(q, k.column);
        q += put_str(q, file);
        q += put_str(q, function);
      }
      return static_cast<std::size_t>(q - p);
      });
      if (!written) return 0;  // not defined, so never referenced
      ++next_site;
      sites.emplace(k, id);
      return id;
    } catch (...) {  // bad_alloc: leave the site unknown
      return 0;
    }
  }
};

namespace {
// Enters a recorder call on this thread; false (and the event is counted as dropped) when the
// thread is already inside one (a signal handler interrupted the recorder).
struct Entry {
  Entry(Recorder::Impl* impl, RecorderThread& t) : t_(t) {
    ok_ = !t.busy && impl->header != nullptr;
    if (!ok_) {
      if (impl->header) impl->drop();
      return;
    }
    t.busy = true;
    if (t.epoch != impl->epoch) [[unlikely]] impl->attach(t);
  }
  ~Entry() {
    if (ok_) t_.busy = false;
  }
  RecorderThread& t_;
  bool ok_;
};
}  // namespace

Recorder::Recorder(RecorderOptions options) : path_(options.path), impl_(new Impl) {
  try {
    impl_->open(path_, options);
  } catch (...) {
    delete impl_;
    throw;
  }
}

Recorder::~Recorder() {
  close();
  impl_->unmap();
  delete impl_;
}

void Recorder::on_event(Ev kind, ObjId obj, std::uint64_t arg,
                        const std::source_location& where) noexcept {
  write_event(kind, obj, arg, where);
  if (kind == Ev::ThreadEnd) [[unlikely]] {
    RecorderThread& t = t_recorder;
    Entry entry(impl_, t);
    if (entry.ok_) impl_->give_back_tail(t);
  }
}

void Recorder::write_event(Ev kind, ObjId obj, std::uint64_t arg,
                           const std::source_location& where) noexcept {
  if (impl_->try_write(kind, obj, arg, where)) [[likely]]
    return;
  RecorderThread& t = t_recorder;
  Entry entry(impl_, t);
  if (!entry.ok_) return;
  std::uint32_t site = impl_->intern(t, where);
  ObjId begun = t.begun;
  t.begun = kind == Ev::AcquireBegin ? obj : 0;
  if (kind == Ev::Acquired && begun != obj && t.block != nullptr && !impl_->exact) {
    // An acquisition that did not block: no clock reading (the reader dates it from its
    // neighbours, see kAcquiredUndated). Halves the clock reads of an uncontended lock+unlock.
    std::uint8_t* p = impl_->reserve(t, fmt::kMaxEventBytes, t.last_tick);
    if (p == nullptr) [[unlikely]] {
      impl_->drop();
      return;
    }
    p[0] = fmt::kAcquiredUndated;
    if ((obj | arg | site) < 0x80) [[likely]] {
      p[1] = static_cast<std::uint8_t>(obj);
      p[2] = static_cast<std::uint8_t>(arg);
      p[3] = static_cast<std::uint8_t>(site);
      impl_->commit(t, 4);
      return;
    }
    std::uint8_t* q = p + 1;
    q += fmt::put_varint(q, obj);
    q += fmt::put_varint(q, arg);
    q += fmt::put_varint(q, site);
    impl_->commit(t, static_cast<std::size_t>(q - p));
    return;
  }
  std::uint64_t tick = impl_->tick();
  // The task lane changes with the event (a dropped one too: the thread did move).
  if (kind == Ev::TaskResume) [[unlikely]]
    t.task = obj;
  std::uint8_t* p = impl_->reserve(t, fmt::kMaxEventBytes, tick);
  if ((kind == Ev::TaskSuspend || kind == Ev::TaskEnd) && obj == t.task) [[unlikely]]
    t.task = 0;
  if (p == nullptr) [[unlikely]] {
    impl_->drop();
    return;
  }
  std::uint64_t dt = impl_->delta(t, tick);
  std::uint8_t* q = p;
  *q++ = static_cast<std::uint8_t>(kind);
  q += fmt::put_varint(q, dt);
  q += fmt::put_varint(q, obj);
  q += fmt::put_varint(q, arg);
  q += fmt::put_varint(q, site);
  impl_->commit(t, static_cast<std::size_t>(q - p));
}

void Recorder::on_destroy(ObjId id) noexcept { on_event(Ev::Destroy, id, 0, std::source_location{}); }

void Recorder::on_object(ObjId id, ObjKind kind, std::string_view name,
                         const std::source_location& where) noexcept {
  RecorderThread& t = t_recorder;
  Entry entry(impl_, t);
  if (!entry.ok_) return;
  std::uint32_t site = impl_->intern(t, where);
  std::uint64_t tick = impl_->tick();
  bool written = impl_->write_meta(t, 1 + 4 * fmt::kMaxVarint + 1 + str_bound(name), tick,
                                   [&](auto& c, std::uint8_t* p) {
    std::uint8_t* q = p;
    *q++ = fmt::kObject;
    q += fmt::put_varint(q, Impl::delta(c, tick));
    q += fmt::put_varint(q, id);
    *q++ = static_cast<std::uint8_t>(kind);
    q += fmt::put_varint(q, site);
    q += put_str(q, name);
    return static_cast<std::size_t>(q - p);
  });
  if (!written) impl_->drop();
}

void Recorder::on_thread_name(std::string_view name) noexcept {
  RecorderThread& t = t_recorder;
  Entry entry(impl_, t);
  if (!entry.ok_) return;
  std::uint64_t tick = impl_->tick();
  bool written = impl_->write_meta(t, 1 + fmt::kMaxVarint + str_bound(name), tick,
                                   [&](auto& c, std::uint8_t* p) {
    std::uint8_t* q = p;
    *q++ = fmt::kThreadName;
    q += fmt::put_varint(q, Impl::delta(c, tick));
    q += put_str(q, name);
    return static_cast<std::size_t>(q - p);
  });
  if (!written) impl_->drop();
}

void Recorder::on_finding(const FindingRecord& f) noexcept {
  RecorderThread& t = t_recorder;
  Entry entry(impl_, t);
  if (!entry.ok_) return;
  constexpr std::size_t kMaxItems = 64;  // keeps a finding record well inside one block
  std::uint32_t sites[kMaxItems];
  std::size_t nsites = std::min(f.sites.size(), kMaxItems);
  for (std::size_t i = 0; i < nsites; ++i) sites[i] = impl_->intern(t, f.sites[i]);
  std::size_t nthreads = std::min(f.threads.size(), kMaxItems);
  std::size_t nobjects = std::min(f.objects.size(), kMaxItems);
  std::size_t bound = 2 + fmt::kMaxVarint + str_bound(f.kind) + str_bound(f.message) +
                      3 * fmt::kMaxVarint * (1 + kMaxItems);
  std::uint64_t tick = impl_->tick();
  const std::uint8_t* record_end = nullptr;
  const void* block = nullptr;
  bool written = impl_->write_meta(t, bound, tick, [&](auto& c, std::uint8_t* p) {
  std::uint8_t* q = p;
  *q++ = fmt::kFinding;
  q += fmt::put_varint(q, Impl::delta(c, tick));
  *q++ = f.fatal ? 1 : 0;
  q += put_str(q, f.kind);
  q += put_str(q, f.message);
  q += fmt::put_varint(q, nthreads);
  for (std::size_t i = 0; i < nthreads; ++i) q += fmt::put_varint(q, f.threads[i]);
  q += fmt::put_varint(q, nobjects);
  for (std::size_t i = 0; i < nobjects; ++i) q += fmt::put_varint(q, f.objects[i]);
  q += fmt::put_varint(q, nsites);
  for (std::size_t i = 0; i < nsites; ++i) q += fmt::put_varint(q, sites[i]);
  record_end = q;
  block = c.block;
  return static_cast<std::size_t>(q - p);
  });
  if (!written) {
    impl_->drop();
    return;
  }
  if (f.fatal) {
    // The process is about to be stopped: push the record (and the header) to the file now.
    // The page cache already survives the process; this also survives the machine.
    long page = ::sysconf(_SC_PAGESIZE);
    auto begin = reinterpret_cast<std::uintptr_t>(block) & ~static_cast<std::uintptr_t>(page - 1);
    auto end = reinterpret_cast<std::uintptr_t>(record_end);
    ::msync(reinterpret_cast<void*>(begin), end - begin, MS_SYNC);
    ::msync(impl_->base, fmt::kSegmentHeaderBytes, MS_SYNC);
  }
}

void Recorder::close() noexcept {
  if (!impl_->header || impl_->closed.exchange(true)) return;
  fmt::SegmentHeader& h = *impl_->header;
  h.end_tick = impl_->tick();
  h.end_mono_ns = clock::mono_ns();
  std::atomic_ref<std::uint32_t>(h.state).store(fmt::kExited, std::memory_order_release);
}

bool Recorder::note_exit_status(int status) noexcept {
  fmt::SegmentHeader* h = impl_->header;
  if (h == nullptr || h->pid != static_cast<std::uint32_t>(::getpid())) return false;
  if (h->exit_kind == fmt::kExitUnknown) {
    h->exit_value = status & 0xff;
    std::atomic_ref<std::uint32_t>(h->exit_kind).store(fmt::kExitCode, std::memory_order_release);
  }
  return true;
}

void Recorder::before_fork() noexcept {
  impl_->intern_mu.lock();
  impl_->alloc_mu.lock();
}

void Recorder::after_fork_parent() noexcept {
  impl_->alloc_mu.unlock();
  impl_->intern_mu.unlock();
}

void Recorder::after_fork_child(const std::string& path) noexcept {
  // The child owns fresh copies of the locks (before_fork held them across fork).
  impl_->alloc_mu.unlock();
  impl_->intern_mu.unlock();
  Impl* old = impl_;
  RecorderOptions o;
  o.path = path;
  o.limit_bytes = old->limit;
  o.block_bytes = old->block_bytes;
  o.monotonic_clock = !old->tsc;
  o.exact_times = old->exact;
  o.ring_bytes = old->ring_bytes_asked;
  o.ring_ns = old->ring_ns_asked;
  old->unmap();  // the parent's segment; epoch 0 until open() succeeds
  path_ = path;
  t_recorder.os_tid = 0;  // the forking thread's copy names the parent's thread
  try {
    old->open(path, o);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "weft: not recording process %d: %s\n", static_cast<int>(::getpid()),
                 e.what());
  }
}

const Recorder::Hot& Recorder::hot() const noexcept { return *impl_; }

std::uint64_t Recorder::overwritten() const noexcept {
  if (!impl_->header) return 0;
  return std::atomic_ref<std::uint64_t>(impl_->header->overwritten).load(std::memory_order_relaxed);
}

std::uint64_t Recorder::dropped() const noexcept {
  if (!impl_->header) return 0;
  return std::atomic_ref<std::uint64_t>(impl_->header->dropped).load(std::memory_order_relaxed);
}

}  // namespace weft::rt
