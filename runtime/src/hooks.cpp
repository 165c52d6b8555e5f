// The recording switch: the active sink, object ids and thread indexes.
#include <atomic>
#include <string_view>

#include "weft/runtime/event.hpp"

namespace weft::rt {

namespace detail {
std::atomic<Sink*> g_sink{nullptr};
}  // namespace detail

namespace {
std::atomic<ObjId> g_next_object{1};
std::atomic<std::uint32_t> g_next_thread{1};
thread_local std::uint32_t t_thread_index = 0;
}  // namespace

Sink* set_sink(Sink* sink) noexcept {
  return detail::g_sink.exchange(sink, std::memory_order_acq_rel);
}

ObjId new_object(ObjKind kind, std::string_view name, const std::source_location& where) noexcept {
  ObjId id = reserve_object_id();
  announce_object(id, kind, name, where);
  return id;
}

ObjId reserve_object_id() noexcept { return g_next_object.fetch_add(1, std::memory_order_relaxed); }

void announce_object(ObjId id, ObjKind kind, std::string_view name,
                     const std::source_location& where) noexcept {
  if (Sink* s = active_sink()) [[unlikely]] {
    s->on_object(id, kind, name, where);
  }
}

void destroy_object(ObjId id) noexcept {
  if (Sink* s = active_sink()) [[unlikely]] {
    s->on_destroy(id);
  }
}

void name_current_thread(std::string_view name) noexcept {
  if (Sink* s = active_sink()) [[unlikely]] {
    s->on_thread_name(name);
  }
}

std::uint32_t current_thread_index() noexcept {
  if (t_thread_index == 0) [[unlikely]] {
    t_thread_index = g_next_thread.fetch_add(1, std::memory_order_relaxed);
  }
  return t_thread_index;
}

}  // namespace weft::rt
