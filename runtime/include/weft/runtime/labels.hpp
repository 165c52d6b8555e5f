// labels.hpp: how threads and objects are named, everywhere weft shows them.
//
// A finding's message is a template: the detectors write references, not names, and whoever
// shows the finding turns them into labels with the rules below. `weft run`'s live message, the
// report (text and JSON), the page, the terminal timeline and the Perfetto export therefore name
// a thread or a lock the same way.
//
//   std::string m = "lock-reentry: " + thread_ref(3) + " takes " + object_ref(17) + " again";
//   trace::Labels labels(trace);                   // a read trace: its threads and objects
//   std::string text = labels.message(finding);    // "... main takes mutex 'balance_mu' again"
//
// References: "{thread:N}" (a thread index: the runtime's current_thread_index() in what the
// detectors write, the trace's Thread::index once read) and "{object:N}" (an object id, remapped
// the same way). Anything else in a template is text, shown as it is.
//
// Rules (one function each, used by the trace layer and by the live detectors alike):
//   thread: its name; else "main" for its process's main thread (tid == pid); else
//           "thread <tid>", with its start routine when known ("thread 5370 (worker_main)", as
//           ThreadSanitizer names threads by where they were created); else "thread #<index>".
//   object: "<kind> '<name>'"; one known only by its address (a heap or stack lock the
//           interposer saw) also says where the program first used it: "mutex '0x7f3a2c000b70'
//           (first used at bank.cpp:41)"; an unnamed thread object is "thread <label of that thread>" (never
//           "thread thread 12"); else "<kind> #<id>". object_short() drops the kind of a named
//           object (lane titles, where the kind is shown apart).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "weft/runtime/event.hpp"

namespace weft::trace {

struct Trace;
struct Object;
struct Finding;

// References for message templates.
std::string thread_ref(std::uint32_t index);
std::string object_ref(rt::ObjId id);

// The rules, for any source of names.
std::string thread_label(std::string_view name, std::uint64_t tid, std::uint32_t pid,
                         std::uint32_t index, std::string_view routine = {});
// A demangled function as a start routine: "worker" for "worker(void*)", "Pool::run" for
// "Pool::run() const".
std::string routine_name(std::string_view function);
std::string object_label(rt::ObjKind kind, std::string_view name, rt::ObjId id,
                         std::string_view first_use = {});
// True for a name that is an address ("0x55d8118c10e0"): how the interposer names objects.
bool is_address_name(std::string_view name);
// An unnamed thread object, named after its thread's label.
std::string thread_object_label(const std::string& thread);

// Replaces every reference in `tmpl` by thread(N) or object(N).
template <class ThreadFn, class ObjectFn>
std::string render(std::string_view tmpl, ThreadFn&& thread, ObjectFn&& object) {
  std::string out;
  out.reserve(tmpl.size() + 32);
  std::size_t i = 0;
  while (i < tmpl.size()) {
    std::size_t open = tmpl.find('{', i);
    if (open == std::string_view::npos) break;
    out.append(tmpl, i, open - i);
    std::string_view rest = tmpl.substr(open + 1);
    bool is_thread = rest.starts_with("thread:"), is_object = rest.starts_with("object:");
    std::size_t digits = open + 1 + (is_thread || is_object ? 7 : 0), end = digits;
    std::uint64_t n = 0;
    while (end < tmpl.size() && tmpl[end] >= '0' && tmpl[end] <= '9' && end - digits < 19)
      n = n * 10 + static_cast<std::uint64_t>(tmpl[end++] - '0');
    if ((is_thread || is_object) && end > digits && end < tmpl.size() && tmpl[end] == '}') {
      if (is_thread)
        out += thread(static_cast<std::uint32_t>(n));
      else
        out += object(static_cast<rt::ObjId>(n));
      i = end + 1;
    } else {
      out += '{';
      i = open + 1;
    }
  }
  if (i < tmpl.size()) out.append(tmpl, i, std::string_view::npos);
  return out;
}

// Rewrites the references of `tmpl` (a reader remapping a segment's thread indexes and object
// ids to the trace's).
template <class ThreadMap, class ObjectMap>
std::string remap_refs(std::string_view tmpl, ThreadMap&& thread, ObjectMap&& object) {
  return render(
      tmpl, [&](std::uint32_t t) { return thread_ref(thread(t)); },
      [&](rt::ObjId o) { return object_ref(object(o)); });
}

// The labels of a read trace.
class Labels {
 public:
  explicit Labels(const Trace& t);
  std::string thread(std::uint32_t index) const;
  std::string object(rt::ObjId id) const;        // "mutex 'm'", "thread worker-1", "mutex #7"
  std::string object_short(rt::ObjId id) const;  // "m", "thread worker-1", "mutex #7"
  std::string message(const Finding& f) const;  // the finding's template, rendered
  std::string render(std::string_view tmpl) const;

 private:
  const Trace& t_;
  std::unordered_map<rt::ObjId, std::uint32_t> objects_;           // id -> index in t.objects
  std::unordered_map<rt::ObjId, std::uint32_t> thread_of_object_;  // thread object -> thread
  // Names that objects of several processes share (a fork child's copies of its parent's
  // objects): such an object's label says which process's it is, "m (pid 4321)".
  std::unordered_set<std::string_view> shared_names_;
  std::string process_suffix(const Object& o) const;
};

}  // namespace weft::trace
