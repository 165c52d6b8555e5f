// ThreadSanitizer's report stream as weft findings, for the runtime that keeps its report hook to
// itself: clang's static runtime, linked into the executable, binds its call of
// __tsan_on_report inside the executable, and exports neither the hook nor the
// __tsan_get_report_* accessors. It does export __sanitizer_set_report_fd: TSan then writes what
// it would print on stderr to an in-memory file (memfd), which drain_report_stream() reads on.
// Each complete report ("==================" lines around it) is copied to stderr, as TSan would
// have printed it, and parsed into a finding; anything else TSan printed is copied unchanged.
#include <dlfcn.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "../src/detectors/internal.hpp"
#include "frames.hpp"
#include "weft/runtime/detectors.hpp"
#include "weft/runtime/event.hpp"
#include "weft/runtime/tsan.hpp"

namespace weft::rt::tsan {

namespace {

constexpr std::string_view kRule = "==================";

// Report titles as TSan prints them, and the ids its report accessors use (map_kind's input).
struct Title {
  std::string_view text, id;
};
constexpr Title kTitles[] = {
    {"data race on vptr", "data-race-vptr"},
    {"data race", "data-race"},
    {"heap-use-after-free (virtual call vs free)", "heap-use-after-free-vptr"},
    {"heap-use-after-free", "heap-use-after-free"},
    {"race on external object", "external-race"},
    {"thread leak", "thread-leak"},
    {"destroy of a locked mutex", "locked-mutex-destroy"},
    {"double lock of a mutex", "mutex-double-lock"},
    {"use of an invalid mutex", "mutex-invalid-access"},
    {"unlock of an unlocked mutex", "mutex-bad-unlock"},
    {"read lock of a write locked mutex", "mutex-bad-read-lock"},
    {"read unlock of a write locked mutex", "mutex-bad-read-unlock"},
    {"signal-unsafe call inside of a signal", "signal-unsafe-call"},
    {"signal handler spoils errno", "errno-in-signal-handler"},
    {"lock-order-inversion", "lock-order-inversion"},
    {"mutex held in the wrong context", "mutex-held-wrong-context"},
};

std::string_view trim_left(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  return s;
}

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

// "    #0 bump_unlocked() /src/race.cpp:8:24 (race+0xe7c1e) (BuildId: ...)": function, file,
// line and module. The location is the last word before the module; `<null>` when unknown.
bool parse_frame(std::string_view line, Frame& f) {
  line = trim_left(line);
  if (!starts_with(line, "#")) return false;
  auto sp = line.find(' ');
  if (sp == std::string_view::npos) return false;
  std::string_view rest = line.substr(sp + 1);
  if (auto build = rest.find(" (BuildId:"); build != std::string_view::npos) rest = rest.substr(0, build);
  auto open = rest.rfind(" (");
  if (open == std::string_view::npos || rest.back() != ')') return false;
  std::string_view module = rest.substr(open + 2, rest.size() - open - 3);
  if (auto plus = module.rfind("+0x"); plus != std::string_view::npos) module = module.substr(0, plus);
  rest = rest.substr(0, open);
  auto loc_at = rest.rfind(' ');
  std::string_view loc = loc_at == std::string_view::npos ? rest : rest.substr(loc_at + 1);
  std::string_view function = loc_at == std::string_view::npos ? std::string_view() : rest.substr(0, loc_at);
  f = Frame{};
  f.module = std::string(module);
  f.function = std::string(function);
  if (loc != "<null>") {
    // file:line or file:line:column
    auto c1 = loc.rfind(':');
    if (c1 != std::string_view::npos) {
      auto c0 = loc.rfind(':', c1 - 1);
      std::string_view a = loc.substr(c1 + 1);
      if (c0 != std::string_view::npos &&
          loc.substr(c0 + 1, c1 - c0 - 1).find_first_not_of("0123456789") == std::string_view::npos) {
        f.line = static_cast<unsigned>(std::strtoul(std::string(loc.substr(c0 + 1, c1 - c0 - 1)).c_str(), nullptr, 10));
        f.file = std::string(loc.substr(0, c0));
      } else if (a.find_first_not_of("0123456789") == std::string_view::npos) {
        f.line = static_cast<unsigned>(std::strtoul(std::string(a).c_str(), nullptr, 10));
        f.file = std::string(loc.substr(0, c1));
      }
    }
  }
  return true;
}

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> out;
  while (!text.empty()) {
    auto nl = text.find('\n');
    out.push_back(text.substr(0, nl));
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return out;
}

// "by thread T2" / "by main thread" at the end of an access header: TSan's thread number, -1
// for the main thread.
int tsan_thread(std::string_view header) {
  if (header.find("by main thread") != std::string_view::npos) return -1;
  auto t = header.find("by thread T");
  if (t == std::string_view::npos) return -2;
  return std::atoi(std::string(header.substr(t + 11)).c_str());
}

}  // namespace

bool parse_text_report(std::string_view text, TextReport& out,
                       std::uint32_t (*thread_index)(int tid)) {
  std::vector<std::string_view> lines = split_lines(text);
  std::size_t i = 0;
  while (i < lines.size() && !starts_with(lines[i], "WARNING: ThreadSanitizer: ")) ++i;
  if (i == lines.size()) return false;
  std::string_view title = lines[i].substr(std::strlen("WARNING: ThreadSanitizer: "));
  if (auto pid = title.find(" (pid="); pid != std::string_view::npos) title = title.substr(0, pid);
  std::string id(title);
  for (const Title& t : kTitles)
    if (starts_with(title, t.text)) {
      id = std::string(t.id);
      break;
    }
  out = TextReport{};
  FindingRecord& f = out.finding;
  f.kind = map_kind(id);
  std::string msg = "ThreadSanitizer: " + id;
  // TSan's thread numbers to kernel tids, from the "Thread T2 (tid=1234, ...)" paragraphs.
  std::vector<std::pair<int, int>> tids{{-1, static_cast<int>(::getpid())}};
  for (std::string_view l : lines) {
    l = trim_left(l);
    if (!starts_with(l, "Thread T")) continue;
    int n = std::atoi(std::string(l.substr(8)).c_str());
    auto t = l.find("(tid=");
    if (t != std::string_view::npos) tids.emplace_back(n, std::atoi(std::string(l.substr(t + 5)).c_str()));
  }
  auto tid_of = [&](int n) {
    for (auto [k, v] : tids)
      if (k == n) return v;
    return 0;
  };
  // The recorded thread of each kernel tid, looked up once.
  std::vector<std::pair<int, std::uint32_t>> indexes;
  indexes.reserve(tids.size());
  for (auto [k, v] : tids) indexes.emplace_back(v, thread_index != nullptr ? thread_index(v) : 0);
  auto index_of = [&](int tid) -> std::uint32_t {
    for (auto [t, index] : indexes)
      if (t == tid) return index;
    return 0;
  };
  // Each access ("Write of size 4 at 0x... by thread T2:") with its stack; for reports without
  // accesses, the first stack under the title.
  bool any_access = false;
  for (std::size_t k = i + 1; k < lines.size(); ++k) {
    std::string_view head = trim_left(lines[k]);
    bool previous = starts_with(head, "Previous ");
    std::string_view h = previous ? head.substr(9) : head;
    bool atomic = starts_with(h, "atomic ") || starts_with(h, "Atomic ");
    if (atomic) h = h.substr(7);
    bool write = starts_with(h, "Write of size ") || starts_with(h, "write of size ");
    bool read = starts_with(h, "Read of size ") || starts_with(h, "read of size ");
    if (!write && !read) continue;
    any_access = true;
    int size = std::atoi(std::string(h.substr(h.find("of size ") + 8)).c_str());
    auto at = h.find(" at ");
    std::string addr = at == std::string_view::npos ? "?" : std::string(h.substr(at + 4, h.find(' ', at + 4) - at - 4));
    int thread = tsan_thread(head);
    std::uint32_t index = 0;
    if (int tid = tid_of(thread); tid != 0) {
      out.tids.push_back(tid);
      index = index_of(tid);
    }
    Access a{.previous = previous, .atomic = atomic, .write = write, .size = size,
             .address = addr, .thread = thread_name(thread), .thread_index = index, .stack = {}};
    for (std::size_t j = k + 1; j < lines.size(); ++j) {
      Frame fr;
      if (!parse_frame(lines[j], fr)) break;
      a.stack.push_back(std::move(fr));
    }
    add_access(f, msg, a);
  }
  if (!any_access) {
    std::vector<Frame> frames;  // every stack under the title, in order
    for (std::size_t k = i + 1; k < lines.size(); ++k)
      if (Frame fr; parse_frame(lines[k], fr)) frames.push_back(std::move(fr));
    add_first_own_frame(f, msg, frames);
    for (std::string_view l : lines) {
      l = trim_left(l);
      if (starts_with(l, "Thread T") && out.tids.empty())
        if (int tid = tid_of(std::atoi(std::string(l.substr(8)).c_str())); tid != 0) {
          out.tids.push_back(tid);
          if (std::uint32_t index = index_of(tid); index != 0)
            f.threads.push_back(index);
        }
    }
  }
  // The report's mutexes, wherever it names one with its address: "Mutex M0 (0x7b0c000000a8)
  // created at:", "Cycle in lock order graph: M0 (0x...) => M1 (0x...) => M0".
  std::vector<const void*> mutexes;
  for (std::string_view l : lines) {
    for (auto open = l.find(" (0x"); open != std::string_view::npos; open = l.find(" (0x", open + 1)) {
      auto m = l.substr(0, open).rfind('M');
      if (m == std::string_view::npos || (m > 0 && l[m - 1] != ' ') || m + 1 == open ||
          l.substr(m + 1, open - m - 1).find_first_not_of("0123456789") != std::string_view::npos)
        continue;
      auto addr = std::strtoull(std::string(l.substr(open + 2, 20)).c_str(), nullptr, 16);
      mutexes.push_back(reinterpret_cast<const void*>(static_cast<std::uintptr_t>(addr)));
    }
  }
  add_mutexes(f, msg, mutexes);
  f.message = std::move(msg);
  return true;
}

namespace {

detectors::internal::SpinLock g_stream_mu;
int g_fd = -1;
off_t g_read = 0;
std::string* g_pending = nullptr;  // read, not yet copied or parsed (leaked on purpose: used at exit)

void write_all(int fd, std::string_view s) {
  while (!s.empty()) {
    ssize_t n = ::write(fd, s.data(), s.size());
    if (n <= 0) return;
    s.remove_prefix(static_cast<std::size_t>(n));
  }
}

std::uint32_t recorded_thread(int tid) { return detectors::thread_index_for_tid(active_sink(), tid); }

void emit(const TextReport& r) {
  Sink* sink = active_sink();
  if (sink == nullptr) return;
  FindingRecord f = r.finding;
  if (f.threads.empty()) f.threads = {current_thread_index()};
  sink->on_finding(f);
}

void on_death() { drain_report_stream(); }

}  // namespace

void start_report_stream() noexcept {
  using SetFd = void (*)(void*);
  using SetDeath = void (*)(void (*)());
  auto set_fd = reinterpret_cast<SetFd>(::dlsym(RTLD_DEFAULT, "__sanitizer_set_report_fd"));
  auto set_death = reinterpret_cast<SetDeath>(::dlsym(RTLD_DEFAULT, "__sanitizer_set_death_callback"));
  if (set_fd == nullptr || g_fd >= 0) return;
  ignore_begin();
  try {
    g_pending = new std::string();
    int fd = ::memfd_create("weft-tsan-reports", MFD_CLOEXEC);
    if (fd >= 0) {
      g_fd = fd;
      set_fd(reinterpret_cast<void*>(static_cast<std::intptr_t>(fd)));
      if (set_death != nullptr) set_death(on_death);
    }
  } catch (...) {
  }
  ignore_end();
}

void drain_report_stream() noexcept {
  if (g_fd < 0) return;
  ignore_begin();
  try {
    detectors::internal::SpinGuard g(g_stream_mu);
    char buf[65536];
    for (;;) {
      ssize_t n = ::pread(g_fd, buf, sizeof buf, g_read);
      if (n <= 0) break;
      g_read += n;
      g_pending->append(buf, static_cast<std::size_t>(n));
    }
    // Copy and parse up to the end of the last complete report; text outside reports (TSan's
    // "reported N warnings") is copied as it comes.
    std::string& p = *g_pending;
    std::size_t done = 0;
    for (;;) {
      std::size_t begin = p.find(kRule, done);
      if (begin == std::string::npos) {
        std::size_t nl = p.rfind('\n');
        if (nl != std::string::npos && nl + 1 > done) {
          write_all(2, std::string_view(p).substr(done, nl + 1 - done));
          done = nl + 1;
        }
        break;
      }
      if (begin > done) {
        write_all(2, std::string_view(p).substr(done, begin - done));
        done = begin;
      }
      std::size_t end = p.find(kRule, begin + kRule.size());
      if (end == std::string::npos) break;  // the report is still being written
      std::size_t after = p.find('\n', end);
      if (after == std::string::npos) break;
      ++after;
      std::string_view report = std::string_view(p).substr(begin, after - begin);
      write_all(2, report);
      TextReport r;
      if (parse_text_report(report, r, recorded_thread)) emit(r);
      done = after;
    }
    p.erase(0, done);
  } catch (...) {
  }
  ignore_end();
}

}  // namespace weft::rt::tsan
