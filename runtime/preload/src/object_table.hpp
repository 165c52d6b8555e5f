// object_table.hpp: the interposer's map from an object's address to what weft knows about it.
//
// Keys are addresses of pthread objects (aligned, never 0 or 1) or `pthread_t | 1` for threads.
// Values are 64-bit (an ObjId, or a pointer to per-thread / per-barrier state).
//
//   ObjectTable t;  t.init(1 << 20);
//   std::uint64_t id = t.find(key);                      // lock-free, 0 when absent
//   id = t.insert_if_absent(key, fresh_id, &inserted);  // the id already stored, if any
//   std::uint64_t old = t.erase(key);                    // 0 when absent
//
// Design: one open-addressing table with linear probing, reserved once with mmap (pages are
// only touched as slots fill). Readers never lock: a slot's value is written before its key is
// published (release), readers load the key (acquire) then the value. Writers (first use,
// init, destroy) serialise on a spin lock that never calls pthread (so it cannot recurse into
// the interposer) and is taken around fork() so a child never inherits it held. Erased slots
// become tombstones that later inserts reuse. When the table is full, inserts fail (value 0):
// the object is simply not recorded, the program is unaffected.
#pragma once

#include <sched.h>
#include <sys/mman.h>

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace weft::preload {

class ObjectTable {
 public:
  static constexpr std::uintptr_t kEmpty = 0;
  static constexpr std::uintptr_t kTombstone = 1;

  // Reserves `capacity` slots (a power of two). Returns false when the memory is not available;
  // every later call then behaves as if the table were full.
  bool init(std::size_t capacity) noexcept {
    void* p = mmap(nullptr, capacity * sizeof(Slot), PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) return false;
    slots_ = static_cast<Slot*>(p);
    mask_ = capacity - 1;
    limit_ = capacity - capacity / 4;
    return true;
  }

  // The value stored for `key`, or 0. Never blocks.
  std::uint64_t find(std::uintptr_t key) const noexcept {
    if (slots_ == nullptr) [[unlikely]]
      return 0;
    std::size_t first = hash(key);
    if (slots_[first].key.load(std::memory_order_acquire) == key) [[likely]]
      return slots_[first].value.load(std::memory_order_relaxed);
    return find_probing(key, first);
  }

 private:
  [[gnu::noinline]] std::uint64_t find_probing(std::uintptr_t key, std::size_t first) const noexcept {
    for (std::size_t i = first, n = 0; n <= mask_; i = (i + 1) & mask_, ++n) {
      std::uintptr_t k = slots_[i].key.load(std::memory_order_acquire);
      if (k == key) return slots_[i].value.load(std::memory_order_relaxed);
      if (k == kEmpty) return 0;
    }
    return 0;
  }

 public:
  // Stores `value` for `key` unless the key is present. Returns the value now stored for `key`
  // (the earlier one when present: then `*inserted` is false), or 0 when the table is full.
  // Callers build `value` before calling, so that nothing else (the sink) ever runs under the
  // writer lock: a fork handler of the recorder takes its own locks before ours.
  std::uint64_t insert_if_absent(std::uintptr_t key, std::uint64_t value,
                                 bool* inserted) noexcept {
    *inserted = false;
    if (slots_ == nullptr || value == 0) return 0;
    Guard g(*this);
    std::size_t free_slot = npos;
    std::size_t i = hash(key);
    for (std::size_t n = 0; n <= mask_; i = (i + 1) & mask_, ++n) {
      std::uintptr_t k = slots_[i].key.load(std::memory_order_relaxed);
      if (k == key) return slots_[i].value.load(std::memory_order_relaxed);
      if (k == kTombstone && free_slot == npos) free_slot = i;
      if (k == kEmpty) {
        if (free_slot == npos) free_slot = i;
        break;
      }
    }
    if (free_slot == npos) return 0;
    bool fresh = slots_[free_slot].key.load(std::memory_order_relaxed) == kEmpty;
    if (fresh && used_ >= limit_) return 0;
    slots_[free_slot].value.store(value, std::memory_order_relaxed);
    slots_[free_slot].key.store(key, std::memory_order_release);
    if (fresh) used_.store(used_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    *inserted = true;
    return value;
  }

  // True when no new key can be stored (a racy hint: inserts check again under the lock).
  bool full() const noexcept {
    return slots_ == nullptr || used_.load(std::memory_order_relaxed) >= limit_;
  }

  // Stores `value` for `key`, replacing any previous value, which it returns (0 if none, or if
  // the table is full and nothing was stored).
  std::uint64_t replace(std::uintptr_t key, std::uint64_t value) noexcept {
    if (slots_ == nullptr) return 0;
    std::uint64_t old = 0;
    bool found = false;
    {
      Guard g(*this);
      std::size_t i = hash(key);
      for (std::size_t n = 0; n <= mask_; i = (i + 1) & mask_, ++n) {
        std::uintptr_t k = slots_[i].key.load(std::memory_order_relaxed);
        if (k == key) {
          old = slots_[i].value.exchange(value, std::memory_order_acq_rel);
          found = true;
          break;
        }
        if (k == kEmpty) break;
      }
    }
    if (!found) {
      bool inserted;
      insert_if_absent(key, value, &inserted);
    }
    return old;
  }

  // Stores `value` for `key` only if its value is `expected` now. Returns whether it did.
  bool update(std::uintptr_t key, std::uint64_t expected, std::uint64_t value) noexcept {
    if (slots_ == nullptr) return false;
    Guard g(*this);
    std::size_t i = hash(key);
    for (std::size_t n = 0; n <= mask_; i = (i + 1) & mask_, ++n) {
      std::uintptr_t k = slots_[i].key.load(std::memory_order_relaxed);
      if (k == key) {
        if (slots_[i].value.load(std::memory_order_relaxed) != expected) return false;
        slots_[i].value.store(value, std::memory_order_release);
        return true;
      }
      if (k == kEmpty) return false;
    }
    return false;
  }

  // Removes `key` (only if its value is `expected`, when expected != 0) and returns the value it
  // had, or 0 when nothing was removed.
  std::uint64_t erase(std::uintptr_t key, std::uint64_t expected = 0) noexcept {
    if (slots_ == nullptr) return 0;
    Guard g(*this);
    std::size_t i = hash(key);
    for (std::size_t n = 0; n <= mask_; i = (i + 1) & mask_, ++n) {
      std::uintptr_t k = slots_[i].key.load(std::memory_order_relaxed);
      if (k == key) {
        std::uint64_t v = slots_[i].value.load(std::memory_order_relaxed);
        if (expected != 0 && v != expected) return 0;
        slots_[i].key.store(kTombstone, std::memory_order_release);
        return v;
      }
      if (k == kEmpty) return 0;
    }
    return 0;
  }

  // Fork protection: lock() before fork(), unlock() in both parent and child afterwards.
  void lock() noexcept {
    while (busy_.exchange(true, std::memory_order_acquire)) sched_yield();
  }
  void unlock() noexcept { busy_.store(false, std::memory_order_release); }

 private:
  struct Slot {
    std::atomic<std::uintptr_t> key;
    std::atomic<std::uint64_t> value;
  };
  struct Guard {
    explicit Guard(ObjectTable& t) : t(t) { t.lock(); }
    ~Guard() { t.unlock(); }
    ObjectTable& t;
  };
  static constexpr std::size_t npos = ~std::size_t{0};

  std::size_t hash(std::uintptr_t key) const noexcept {
    return static_cast<std::size_t>(((key >> 3) * 0x9E3779B97F4A7C15ull) >> 20) & mask_;
  }

  Slot* slots_ = nullptr;
  std::size_t mask_ = 0;
  std::size_t limit_ = 0;
  std::atomic<std::size_t> used_{0};  // slots ever filled (tombstones included); written under busy_
  std::atomic<bool> busy_{false};
};

}  // namespace weft::preload
