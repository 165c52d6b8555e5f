// ThreadSanitizer interop: TSan's reports become weft findings.
//
// A program built with -fsanitize=thread and linked with weft::runtime gets every TSan report
// (data races, and TSan's other kinds) written into the trace as a finding, with both access
// stacks, next to the lock history on the timeline. TSan calls the weak hook __tsan_on_report()
// after printing a report; we read the report through the __tsan_get_report_* accessors that
// libtsan exports (see <sanitizer/tsan_interface.h> in compiler-rt) and symbolize frames with
// __sanitizer_symbolize_pc().
//
// Those functions are declared weak here, so the same object links into programs built without
// TSan: there nobody calls the hook and nothing happens. TSan kinds map onto weft ids where one
// exists (data-race, lock-order-inversion, lock-reentry for mutex-double-lock, unowned-release
// for mutex-bad-unlock, ...); the others become api-misuse, with TSan's name kept in the message.
#include <dlfcn.h>
#include <sys/auxv.h>

#include <bit>
#include <cstdio>
#include <cstring>
#include <deque>
#include <source_location>
#include <string>
#include <vector>

#include "../src/detectors/internal.hpp"
#include "weft/runtime/event.hpp"
#include "weft/runtime/tsan.hpp"
#include "frames.hpp"

extern "C" {
__attribute__((weak)) void* __tsan_get_current_report();
__attribute__((weak)) int __tsan_get_report_data(void* report, const char** description,
                                                 int* count, int* stack_count, int* mop_count,
                                                 int* loc_count, int* mutex_count,
                                                 int* thread_count, int* unique_tid_count,
                                                 void** sleep_trace, unsigned long trace_size);
__attribute__((weak)) int __tsan_get_report_mop(void* report, unsigned long idx, int* tid,
                                                void** addr, int* size, int* write, int* atomic,
                                                void** trace, unsigned long trace_size);
__attribute__((weak)) int __tsan_get_report_thread(void* report, unsigned long idx, int* tid,
                                                   unsigned long* os_id, int* running,
                                                   const char** name, int* parent_tid,
                                                   void** trace, unsigned long trace_size);
__attribute__((weak)) int __tsan_get_report_mutex(void* report, unsigned long idx,
                                                  unsigned long* mutex_id, void** addr,
                                                  int* destroyed, void** trace,
                                                  unsigned long trace_size);
__attribute__((weak)) int __tsan_get_report_stack(void* report, unsigned long idx, void** trace,
                                                  unsigned long trace_size);
__attribute__((weak)) void __sanitizer_symbolize_pc(void* pc, const char* fmt, char* out_buf,
                                                    unsigned long out_buf_size);
// The hook TSan calls after it printed a report (a weak no-op in libtsan).
__attribute__((visibility("default"), used)) void __tsan_on_report(void* report);
}

namespace weft::rt::tsan {

bool g_present = false;
bool g_ahead = false;
ObjId (*g_object_at)(const void* addr) noexcept = nullptr;
void (*g_ignore_begin)() = nullptr;
void (*g_ignore_end)() = nullptr;

namespace {
void (*g_annotate_begin)(const char*, int) = nullptr;
void (*g_annotate_end)(const char*, int) = nullptr;
void annotate_begin() { g_annotate_begin(__FILE__, __LINE__); }
void annotate_end() { g_annotate_end(__FILE__, __LINE__); }
}  // namespace

bool detect() noexcept {
  void* init = ::dlsym(RTLD_DEFAULT, "__tsan_init");
  if (init == nullptr) return false;
  g_ignore_begin = reinterpret_cast<void (*)()>(::dlsym(RTLD_DEFAULT, "__tsan_ignore_thread_begin"));
  g_ignore_end = reinterpret_cast<void (*)()>(::dlsym(RTLD_DEFAULT, "__tsan_ignore_thread_end"));
  if (g_ignore_begin == nullptr || g_ignore_end == nullptr) {
    g_annotate_begin = reinterpret_cast<void (*)(const char*, int)>(
        ::dlsym(RTLD_DEFAULT, "AnnotateIgnoreReadsBegin"));
    g_annotate_end = reinterpret_cast<void (*)(const char*, int)>(
        ::dlsym(RTLD_DEFAULT, "AnnotateIgnoreReadsEnd"));
    if (g_annotate_begin == nullptr || g_annotate_end == nullptr) return false;
    g_ignore_begin = annotate_begin;
    g_ignore_end = annotate_end;
  }
  // The runtime in the executable itself: its interceptors come first.
  Dl_info tsan{}, exe{};
  auto* phdr = reinterpret_cast<const void*>(::getauxval(AT_PHDR));
  g_ahead = ::dladdr(init, &tsan) != 0 && phdr != nullptr && ::dladdr(phdr, &exe) != 0 &&
            tsan.dli_fbase == exe.dli_fbase;
  g_present = true;
  return true;
}

namespace {

// A site made from a symbolized frame. std::source_location has no public constructor, so we
// build libstdc++'s representation (one pointer to {file, function, line, column}) ourselves.
// The records are interned and live until exit, like the static ones the compiler emits.
struct SiteImpl {
  const char* file;
  const char* function;
  unsigned line;
  unsigned column;
};

// A spin lock on atomics: never an interposed or instrumented primitive.
detectors::internal::SpinLock g_sites_mu;
// Leaked on purpose, never destroyed: reports are still turned into findings at exit (the
// recorder's atexit handler drains TSan's report stream), possibly after this library's static
// destructors ran; a destroyed deque written then corrupts the heap.
std::deque<std::string>& g_strings = *new std::deque<std::string>;
std::deque<SiteImpl>& g_sites = *new std::deque<SiteImpl>;

}  // namespace

std::source_location make_site(std::string_view file, unsigned line, std::string_view function) {
#if defined(__GLIBCXX__)
  static_assert(sizeof(std::source_location) == sizeof(const SiteImpl*));
  detectors::internal::SpinGuard g(g_sites_mu);
  for (const auto& s : g_sites)
    if (s.line == line && file == s.file && function == s.function)
      return std::bit_cast<std::source_location>(&s);
  const char* f = g_strings.emplace_back(file).c_str();
  const char* fn = g_strings.emplace_back(function).c_str();
  const SiteImpl* impl = &g_sites.emplace_back(SiteImpl{f, fn, line, 0});
  return std::bit_cast<std::source_location>(impl);
#else
  (void)file;
  (void)line;
  (void)function;
  return {};
#endif
}

std::string map_kind(std::string_view tsan_description) {
  if (tsan_description == "data-race" || tsan_description == "data-race-vptr" ||
      tsan_description == "external-race")
    return std::string(bug_kind::kDataRace);
  if (tsan_description == "lock-order-inversion") return std::string(bug_kind::kLockOrderInversion);
  if (tsan_description == "mutex-double-lock") return std::string(bug_kind::kLockReentry);
  if (tsan_description == "mutex-bad-unlock" || tsan_description == "mutex-bad-read-unlock")
    return std::string(bug_kind::kUnownedRelease);
  // The rest onto the weft kind that says the same of a lock or an object (TSan's own name stays
  // at the head of the message), so that every finding has its kind's page in docs/checks/.
  if (tsan_description == "locked-mutex-destroy") return std::string(bug_kind::kDestroyInUse);
  if (tsan_description == "mutex-invalid-access" || tsan_description == "heap-use-after-free" ||
      tsan_description == "heap-use-after-free-vptr")
    return std::string(bug_kind::kUseAfterDestroy);
  // thread-leak, mutex-bad-read-lock, signal-unsafe-call, errno-in-signal-handler,
  // mutex-held-wrong-context, and any kind a later TSan adds: a misuse of the threading API.
  return std::string(bug_kind::kApiMisuse);
}

namespace {

// The frames of one code address, innermost first: __sanitizer_symbolize_pc writes one string
// per inlined frame, each ended by a NUL, and an empty string after the last. (A system header's
// inline function, e.g. std::string::size(), is often the innermost; the program's own line is
// one of the frames after it at the same address.)
void symbolize(void* pc, std::vector<Frame>& out) {
  if (__sanitizer_symbolize_pc == nullptr || pc == nullptr) {
    out.emplace_back();
    return;
  }
  char buf[4096] = {};
  __sanitizer_symbolize_pc(pc, "%s|%l|%m|%f", buf, sizeof buf - 1);
  std::size_t before = out.size();
  for (const char* p = buf; *p != '\0' && p < buf + sizeof buf; p += std::strlen(p) + 1) {
    std::string s(p);
    auto a = s.find('|');
    auto b = a == std::string::npos ? a : s.find('|', a + 1);
    auto c = b == std::string::npos ? b : s.find('|', b + 1);
    if (c == std::string::npos) continue;
    Frame f;
    f.file = s.substr(0, a);
    f.line = static_cast<unsigned>(std::strtoul(s.c_str() + a + 1, nullptr, 10));
    f.module = s.substr(b + 1, c - b - 1);
    f.function = s.substr(c + 1);
    if (f.file.empty() || f.file == "<null>") f.file.clear();
    out.push_back(std::move(f));
  }
  if (out.size() == before) out.emplace_back();
}

}  // namespace

void on_report(void* report) noexcept {
  Sink* sink = active_sink();
  if (sink == nullptr || report == nullptr || __tsan_get_report_data == nullptr) return;
  try {
    const char* description = nullptr;
    int count = 0, stack_count = 0, mop_count = 0, loc_count = 0, mutex_count = 0,
        thread_count = 0, unique_tid_count = 0;
    void* sleep_trace[1] = {};
    if (!__tsan_get_report_data(report, &description, &count, &stack_count, &mop_count,
                                &loc_count, &mutex_count, &thread_count, &unique_tid_count,
                                sleep_trace, 1))
      return;
    std::string desc = description ? description : "unknown";
    FindingRecord f;
    f.kind = map_kind(desc);
    std::string msg = "ThreadSanitizer: " + desc;
    // TSan's thread numbers to the recorded threads, through the kernel tids its report keeps.
    std::vector<std::pair<int, std::uint32_t>> threads;
    for (int i = 0; i < thread_count && __tsan_get_report_thread; ++i) {
      int tid = 0, running = 0, parent = 0;
      unsigned long os_id = 0;
      const char* name = nullptr;
      void* trace[1] = {};
      if (__tsan_get_report_thread(report, static_cast<unsigned long>(i), &tid, &os_id, &running,
                                   &name, &parent, trace, 1))
        threads.emplace_back(tid, detectors::thread_index_for_tid(sink, static_cast<int>(os_id)));
    }
    auto index_of = [&](int tid) -> std::uint32_t {
      for (auto [t, index] : threads)
        if (t == tid) return index;
      return 0;
    };
    constexpr unsigned long kDepth = 16;
    auto frames = [](void* const* trace) {
      std::vector<Frame> out;
      for (unsigned long k = 0; k < kDepth && trace[k]; ++k) symbolize(trace[k], out);
      return out;
    };
    for (int i = 0; i < mop_count && __tsan_get_report_mop; ++i) {
      int tid = 0, size = 0, write = 0, atomic = 0;
      void* addr = nullptr;
      void* trace[kDepth] = {};
      if (!__tsan_get_report_mop(report, static_cast<unsigned long>(i), &tid, &addr, &size, &write,
                                 &atomic, trace, kDepth))
        continue;
      char address[32];
      std::snprintf(address, sizeof address, "%p", addr);
      add_access(f, msg,
                 Access{.previous = i > 0, .atomic = atomic != 0, .write = write != 0, .size = size,
                        .address = address, .thread = thread_name(tid == 0 ? -1 : tid),
                        .thread_index = index_of(tid), .stack = frames(trace)});
    }
    for (int i = 0; mop_count == 0 && __tsan_get_report_stack && i < stack_count; ++i) {
      void* trace[kDepth] = {};
      if (__tsan_get_report_stack(report, static_cast<unsigned long>(i), trace, kDepth))
        add_first_own_frame(f, msg, frames(trace));
    }
    std::vector<const void*> mutexes;
    for (int i = 0; i < mutex_count && __tsan_get_report_mutex; ++i) {
      unsigned long id = 0;
      void* addr = nullptr;
      int destroyed = 0;
      void* trace[1] = {};
      if (__tsan_get_report_mutex(report, static_cast<unsigned long>(i), &id, &addr, &destroyed,
                                  trace, 1))
        mutexes.push_back(addr);
    }
    add_mutexes(f, msg, mutexes);
    // A report without accesses (or whose threads are not recorded) is the reporting thread's.
    if (f.threads.empty()) f.threads = {current_thread_index()};
    f.message = std::move(msg);
    sink->on_finding(f);
  } catch (...) {
    // Never throw into ThreadSanitizer.
  }
}

}  // namespace weft::rt::tsan

// The LD_PRELOAD interposer exports its own (runtime/preload/src/init.cpp): this library's symbols
// are local to it there.
#ifndef WEFT_PRELOAD_BUILD
extern "C" void __tsan_on_report(void* report) { weft::rt::tsan::on_report(report); }
#endif
