// weft/runtime/memory_sink.hpp: a Sink that keeps every event in memory, for tests.
//
//   weft::rt::MemorySink sink;            // installs itself; uninstalls in the destructor
//   weft::Lock l; l.acquire(); l.release();
//   auto evs = sink.events_for(l_id);    // [Acquired, Release]
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "weft/runtime/event.hpp"

namespace weft::rt {

class MemorySink final : public Sink {
 public:
  struct Record {
    Ev kind;
    ObjId obj;
    std::uint64_t arg;
    std::uint32_t thread;  // current_thread_index() of the emitting thread
    std::string file;
    std::uint32_t line;
  };
  struct ObjectRecord {
    ObjId id;
    ObjKind kind;
    std::string name;
    std::string file;
    std::uint32_t line;
  };

  MemorySink() { previous_ = set_sink(this); }
  ~MemorySink() override { set_sink(previous_); }
  MemorySink(const MemorySink&) = delete;
  MemorySink& operator=(const MemorySink&) = delete;

  void on_object(ObjId id, ObjKind kind, std::string_view name,
                 const std::source_location& where) noexcept override {
    std::lock_guard g(mu_);
    objects_.push_back({id, kind, std::string(name), where.file_name(), where.line()});
  }
  void on_event(Ev kind, ObjId obj, std::uint64_t arg,
                const std::source_location& where) noexcept override {
    std::uint32_t t = current_thread_index();
    std::lock_guard g(mu_);
    events_.push_back({kind, obj, arg, t, where.file_name(), where.line()});
  }
  void on_thread_name(std::string_view name) noexcept override {
    std::uint32_t t = current_thread_index();
    std::lock_guard g(mu_);
    thread_names_.emplace_back(t, std::string(name));
  }

  std::vector<Record> events() const {
    std::lock_guard g(mu_);
    return events_;
  }
  std::vector<Record> events_for(ObjId obj) const {
    std::lock_guard g(mu_);
    std::vector<Record> out;
    for (const auto& r : events_)
      if (r.obj == obj) out.push_back(r);
    return out;
  }
  std::vector<Ev> kinds_for(ObjId obj) const {
    std::vector<Ev> out;
    for (const auto& r : events_for(obj)) out.push_back(r.kind);
    return out;
  }
  std::vector<ObjectRecord> objects() const {
    std::lock_guard g(mu_);
    return objects_;
  }
  std::vector<std::pair<std::uint32_t, std::string>> thread_names() const {
    std::lock_guard g(mu_);
    return thread_names_;
  }
  void clear() {
    std::lock_guard g(mu_);
    events_.clear();
    objects_.clear();
    thread_names_.clear();
  }

 private:
  mutable std::mutex mu_;
  std::vector<Record> events_;
  std::vector<ObjectRecord> objects_;
  std::vector<std::pair<std::uint32_t, std::string>> thread_names_;
  Sink* previous_ = nullptr;
};

}  // namespace weft::rt
