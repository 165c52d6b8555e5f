// How a finding says a ThreadSanitizer report's accesses and frames (frames.hpp).
#include "frames.hpp"

#include <cstdio>

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
  std::snprintf(head, sizeof head, "%s%s%s of %d bytes at %s by TSan thread %s",
                a.previous ? "; previous " : "; ", a.atomic ? "atomic " : "",
                a.write ? "write" : "read", a.size, a.address.c_str(), a.thread.c_str());
  message += head;
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
