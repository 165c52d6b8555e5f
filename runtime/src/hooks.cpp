// The recording switch: the active sink, object ids and thread indexes; and the table through
// which an interposer loaded into a program linked with weft records into the program's runtime.
#include <dlfcn.h>

#include <atomic>
#include <string_view>

#include "weft/runtime/event.hpp"
#include "weft/runtime/host.hpp"

namespace weft::rt {

namespace detail {
std::atomic<Sink*> g_sink{nullptr};
constinit thread_local unsigned t_quiet = 0;
}  // namespace detail

namespace {
std::atomic<ObjId> g_next_object{1};
std::atomic<std::uint32_t> g_next_thread{1};
thread_local std::uint32_t t_thread_index = 0;

ObjId own_reserve_object_id() noexcept {
  return g_next_object.fetch_add(1, std::memory_order_relaxed);
}

std::uint32_t own_thread_index() noexcept {
  if (t_thread_index == 0) [[unlikely]] {
    t_thread_index = g_next_thread.fetch_add(1, std::memory_order_relaxed);
  }
  return t_thread_index;
}
}  // namespace

#ifndef WEFT_PRELOAD_BUILD

namespace {
unsigned* own_quiet_counter() noexcept { return &detail::t_quiet; }
Sink* own_current_sink() noexcept { return active_sink(); }
}  // namespace

}  // namespace weft::rt

// Exported from the executable (runtime's CMakeLists.txt: --export-dynamic-symbol), where the
// interposer finds it with dlsym. Not const: the interposer sets on_sink.
extern "C" {
extern __attribute__((visibility("default"))) weft::rt::HostTable weft_rt_host;
__attribute__((used)) weft::rt::HostTable weft_rt_host = {
    weft::rt::kHostAbi,
    weft::rt::own_reserve_object_id,
    weft::rt::own_thread_index,
    weft::rt::own_quiet_counter,
    {nullptr},
    weft::rt::own_current_sink,
    {nullptr},
};
}

namespace weft::rt {

Sink* set_sink(Sink* sink) noexcept {
  Sink* old = detail::g_sink.exchange(sink, std::memory_order_acq_rel);
  if (auto adopt = weft_rt_host.on_sink.load(std::memory_order_acquire)) [[unlikely]]
    adopt(sink);
  return old;
}

void set_host_exit_hook(void (*hook)(int, bool) noexcept) noexcept {
  weft_rt_host.process_exiting.store(hook, std::memory_order_release);
}

ObjId reserve_object_id() noexcept { return own_reserve_object_id(); }

std::uint32_t current_thread_index() noexcept { return own_thread_index(); }

#else  // the interposer's copy: the program's runtime, when there is one, decides

namespace {
struct Found {
  const HostTable* table = nullptr;  // of this build's ABI
  bool present = false;              // any table, perhaps another build's
};
Found find_host() noexcept {
  auto* h = static_cast<const HostTable*>(::dlsym(RTLD_DEFAULT, "weft_rt_host"));
  return {h != nullptr && h->abi == kHostAbi ? h : nullptr, h != nullptr};
}
const Found& found() noexcept {
  static const Found f = find_host();
  return f;
}
}  // namespace

const HostTable* host() noexcept { return found().table; }
bool host_present() noexcept { return found().present; }

Sink* set_sink(Sink* sink) noexcept {
  return detail::g_sink.exchange(sink, std::memory_order_acq_rel);
}

void set_host_exit_hook(void (*)(int, bool) noexcept) noexcept {}

ObjId reserve_object_id() noexcept {
  if (const HostTable* h = host()) [[unlikely]]
    return h->reserve_object_id();
  return own_reserve_object_id();
}

std::uint32_t current_thread_index() noexcept {
  if (const HostTable* h = host()) [[unlikely]]
    return h->thread_index();
  return own_thread_index();
}

#endif

ObjId new_object(ObjKind kind, std::string_view name, const std::source_location& where) noexcept {
  ObjId id = reserve_object_id();
  announce_object(id, kind, name, where);
  return id;
}

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

}  // namespace weft::rt
