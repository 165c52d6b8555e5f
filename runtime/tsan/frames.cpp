// How a finding says a ThreadSanitizer report's accesses and frames (frames.hpp).
#include "frames.hpp"

#include <algorithm>
#include <cstdio>

#include "weft/runtime/labels.hpp"
#include "weft/runtime/tsan.hpp"

namespace weft::rt::tsan {

namespace {
std::string frame_text(const Frame& f) {
  return f.function + " " + f.file + ":" + std::to_string(f.line);
}
}  // namespace

std::string thread_name(int n) {
  if (n == -1) return "main";
  char name[16];
  std::snprintf(name, sizeof name, "T%d", n);
  return name;
}

void add_access(FindingRecord& f, std::string& message, const Access& a) {
  char head[200];
  std::snprintf(head, sizeof head, "%s%s%s of %d bytes at %s by ", a.previous ? "; previous " : "; ",
                a.atomic ? "atomic " : "", a.write ? "write" : "read", a.size, a.address.c_str());
  message += head;
  if (a.thread_index != 0) {
    message += trace::thread_ref(a.thread_index);
    message += " (TSan's ";
    message += a.thread == "main" ? "main thread" : a.thread;
    message += ')';
    if (std::find(f.threads.begin(), f.threads.end(), a.thread_index) == f.threads.end())
      f.threads.push_back(a.thread_index);
  } else {
    message += "TSan thread ";
    message += a.thread;
  }
  std::string stack, last;
  int shown = 0;
  for (const Frame& fr : a.stack) {
    if (shown == 6) break;
    if (is_runtime_frame(fr)) continue;
    std::string text = frame_text(fr);
    if (text == last) continue;  // inlined copies of one line
    if (shown == 0) f.sites.push_back(make_site(fr.file, fr.line, fr.function));
    if (!stack.empty()) stack += " < ";
    stack += text;
    last = std::move(text);
    ++shown;
  }
  if (!stack.empty()) message += ": " + stack;
}

void add_mutexes(FindingRecord& f, std::string& message, const std::vector<const void*>& addresses) {
  if (g_object_at == nullptr) return;
  std::string refs;
  for (const void* addr : addresses) {
    ObjId id = g_object_at(addr);
    if (id == 0 || std::find(f.objects.begin(), f.objects.end(), id) != f.objects.end()) continue;
    f.objects.push_back(id);
    refs += refs.empty() ? "; mutexes: " : ", ";
    refs += trace::object_ref(id);
  }
  message += refs;
}

bool add_first_own_frame(FindingRecord& f, std::string& message, const std::vector<Frame>& stack) {
  for (const Frame& fr : stack) {
    if (is_runtime_frame(fr)) continue;
    f.sites.push_back(make_site(fr.file, fr.line, fr.function));
    message += "; at " + frame_text(fr);
    return true;
  }
  return false;
}

}  // namespace weft::rt::tsan
