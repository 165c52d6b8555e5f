// The terminal timeline: one row per thread, one column per time slice, the dominant state of the
// slice drawn with a block character (blocked > waiting > holding > running), then the findings.
//
//   weft timeline: 3 threads, 18 events, 2.40 ms (1 column = 30.0 us)
//                 0                                                  2.40 ms
//   main        |──────░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░───|
//   worker-1    |   ███████████▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓|
#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <map>
#include <vector>

#include "weft/viewer/writers.hpp"

namespace weft::viewer {
namespace {

// Display columns of a UTF-8 string (East Asian wide characters count 2).
int display_width(std::string_view s) {
  int w = 0;
  for (std::size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    std::uint32_t cp = c;
    int len = 1;
    if (c >= 0xf0 && i + 3 < s.size()) {
      len = 4;
      cp = ((c & 7u) << 18) | ((s[i + 1] & 0x3fu) << 12) | ((s[i + 2] & 0x3fu) << 6) |
           (s[i + 3] & 0x3fu);
    } else if (c >= 0xe0 && i + 2 < s.size()) {
      len = 3;
      cp = ((c & 15u) << 12) | ((s[i + 1] & 0x3fu) << 6) | (s[i + 2] & 0x3fu);
    } else if (c >= 0xc0 && i + 1 < s.size()) {
      len = 2;
      cp = ((c & 31u) << 6) | (s[i + 1] & 0x3fu);
    }
    bool wide = (cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0xa4cf) ||
                (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) ||
                (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) ||
                (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x1f300 && cp <= 0x1faff) ||
                (cp >= 0x20000 && cp <= 0x3fffd);
    w += wide ? 2 : 1;
    i += static_cast<std::size_t>(len);
  }
  return w;
}

// Cuts a UTF-8 string to at most `cols` display columns (never inside a character).
std::string fit(std::string_view s, int cols) {
  std::string out;
  int w = 0;
  for (std::size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    std::size_t len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
    len = std::min(len, s.size() - i);
    std::string_view ch = s.substr(i, len);
    int cw = display_width(ch);
    if (w + cw > cols) break;
    // Control characters would corrupt the terminal: show them as '?'.
    out += (len == 1 && (c < 0x20 || c == 0x7f)) ? std::string("?") : std::string(ch);
    w += cw;
    i += len;
  }
  out.append(static_cast<std::size_t>(cols - w), ' ');
  return out;
}

std::string duration(std::uint64_t ns) {
  char buf[32];
  if (ns < 1000)
    std::snprintf(buf, sizeof buf, "%" PRIu64 " ns", ns);
  else if (ns < 1000000)
    std::snprintf(buf, sizeof buf, "%.1f us", ns / 1e3);
  else if (ns < 1000000000)
    std::snprintf(buf, sizeof buf, "%.2f ms", ns / 1e6);
  else
    std::snprintf(buf, sizeof buf, "%.3f s", ns / 1e9);
  return buf;
}

// The page's Locks panel in text (web/layout/derive.js lockStats, same definitions): per lock
// acquired or blocked on, acquisitions (as `weft report` counts them), holds entered after
// blocking, times a thread blocked on it (`weft report`'s "cont"), time blocked (total, longest)
// and held (longest, total), open intervals up to the end of the time axis. The top 20 by time
// blocked.
class LockTable {
 public:
  void acquired(rt::ObjId obj) {
    if (obj != 0) rows_[obj].acq++;
  }
  void interval(const Interval& iv) {
    if (iv.obj == 0 || (iv.state != State::Blocked && iv.state != State::Holding)) return;
    Row& r = rows_[iv.obj];
    const std::uint64_t dur = iv.t1 - iv.t0;
    if (iv.state == State::Blocked) {
      r.blocks++;
      r.blocked += dur;
      r.max_wait = std::max(r.max_wait, dur);
    } else {
      if (iv.contended) r.contended++;
      r.held += dur;
      r.max_hold = std::max(r.max_hold, dur);
    }
  }
  void write(const Labels& labels, std::ostream& out) {
    if (rows_.empty()) return;
    std::vector<Row> list;
    for (auto& [id, r] : rows_) {
      r.obj = id;
      list.push_back(r);
    }
    std::stable_sort(list.begin(), list.end(), [](const Row& a, const Row& b) {
      if (a.blocked != b.blocked) return a.blocked > b.blocked;
      if (a.held != b.held) return a.held > b.held;
      return a.acq > b.acq;
    });
    constexpr std::size_t kShown = 20;
    int name_cols = 4;
    for (std::size_t i = 0; i < list.size() && i < kShown; ++i)
      name_cols = std::max(name_cols, display_width(labels.object(list[i].obj)));
    name_cols = std::min(name_cols, 32);
    char buf[160];
    out << "locks, by time threads spent blocked on them:\n";
    std::snprintf(buf, sizeof buf, " %8s %6s %6s %10s %10s %10s %10s\n", "acq", "cont", "blocks",
                  "blocked", "max wait", "max hold", "held");
    out << "  " << fit("lock", name_cols) << buf;
    for (std::size_t i = 0; i < list.size() && i < kShown; ++i) {
      const Row& r = list[i];
      std::snprintf(buf, sizeof buf, " %8" PRIu64 " %6" PRIu64 " %6" PRIu64 " %10s %10s %10s %10s\n",
                    r.acq, r.contended, r.blocks, duration(r.blocked).c_str(),
                    duration(r.max_wait).c_str(), duration(r.max_hold).c_str(),
                    duration(r.held).c_str());
      out << "  " << fit(labels.object(r.obj), name_cols) << buf;
    }
    if (list.size() > kShown)
      out << "  (" << list.size() - kShown << " more; the page's Locks panel lists them all)\n";
  }

 private:
  struct Row {
    rt::ObjId obj = 0;
    std::uint64_t acq = 0, contended = 0, blocks = 0, blocked = 0, max_wait = 0, held = 0,
                  max_hold = 0;
  };
  std::map<rt::ObjId, Row> rows_;
};

}  // namespace

void write_text(const trace::Trace& t, std::ostream& out, const TextOptions& opts) {
  write_text(t, events_of(t), out, opts);
}

void write_text(const trace::Trace& t, const EventPass& events, std::ostream& out,
                const TextOptions& opts) {
  // Two passes over the events, neither keeping them: the time axis, then the rows.
  std::uint64_t t_min = 0, t_max = 0;
  std::uint32_t max_thread = 0;
  bool any = false;
  const std::uint64_t n_events = events([&](const trace::Event& e) {
    if (!any) t_min = t_max = e.ts_ns;
    any = true;
    t_min = std::min(t_min, e.ts_ns);
    t_max = std::max(t_max, e.ts_ns);
    max_thread = std::max(max_thread, e.thread);
  });
  if (any) t_max = extended_end(t, t_min, t_max);
  const Labels labels(t);
  const std::size_t nt = std::max<std::size_t>(t.threads.size(), any ? max_thread + 1 : 0);

  // A weft::aio task lane is shown right under the thread running its loop, indented.
  auto is_task = [&](std::uint32_t th) {
    return th < t.threads.size() && t.threads[th].is_task() && t.threads[th].parent < nt;
  };
  auto row_label = [&](std::uint32_t th) {
    return is_task(th) ? "  \u21b3 " + labels.thread(th) + " (task)" : labels.thread(th);
  };
  std::vector<std::uint32_t> order;
  for (std::uint32_t th = 0; th < nt; ++th) {
    if (is_task(th)) continue;
    order.push_back(th);
    for (std::uint32_t c = 0; c < nt; ++c)
      if (is_task(c) && t.threads[c].parent == th) order.push_back(c);
  }
  int name_cols = 8;
  for (std::uint32_t th = 0; th < nt; ++th)
    name_cols = std::max(name_cols, display_width(row_label(th)));
  const int width = std::max(opts.width, 40);
  name_cols = std::min(name_cols, width / 4);
  const int cols = std::max(10, width - name_cols - 3);
  const std::uint64_t span = std::max<std::uint64_t>(t_max - t_min, 1);
  const double per_col = static_cast<double>(span) / cols;

  out << "weft timeline: " << nt << " threads, " << n_events << " events, "
      << duration(t_max - t_min) << " (1 column = " << duration(static_cast<std::uint64_t>(per_col))
      << ")\n";
  if (t.dropped) out << "note: the recorder dropped " << t.dropped << " events\n";
  if (t.truncated) out << "note: the trace is truncated; it shows what was recorded before the cut\n";
  if (t.overwritten)
    out << "note: flight recorder: " << t.overwritten
        << " older events were overwritten; every thread's events are complete from "
        << duration(t.window_start_ns > t_min ? t.window_start_ns - t_min : 0) << "\n";

  // Rank per column: 0 nothing, 1 running, 2 holding, 3 waiting, 4 blocked.
  const char* glyph_u[] = {" ", "\u2500", "\u2588", "\u2591", "\u2593"};
  const char* glyph_a[] = {" ", "-", "#", ".", "X"};
  const char** glyph = opts.unicode ? glyph_u : glyph_a;
  auto col_of = [&](std::uint64_t ts) {
    return std::clamp(static_cast<int>((ts - t_min) / per_col), 0, cols - 1);
  };
  std::vector<std::vector<std::uint8_t>> rows(nt, std::vector<std::uint8_t>(cols, 0));
  std::vector<Interval> open;  // at the end of the trace
  LockTable locks;
  Deriver dv(t);
  dv.on_interval = [&](const Interval& iv) {
    std::uint8_t rank = iv.state == State::Blocked   ? 4
                        : iv.state == State::Waiting ? 3
                        : iv.state == State::Holding ? 2
                                                     : 1;
    if (iv.thread < rows.size())
      for (int c = col_of(iv.t0); c <= col_of(iv.t1); ++c)
        rows[iv.thread][c] = std::max(rows[iv.thread][c], rank);
    locks.interval(iv);
    if (iv.open) open.push_back(iv);
  };
  dv.on_run = [&](const Interval& r) {  // a task lane runs only in these stretches
    if (r.thread < rows.size())
      for (int c = col_of(r.t0); c <= col_of(r.t1); ++c)
        rows[r.thread][c] = std::max<std::uint8_t>(rows[r.thread][c], 1);
  };
  events([&](const trace::Event& e) {
    if (e.kind == rt::Ev::Acquired) locks.acquired(e.obj);
    dv.add(e);
  });
  if (any) dv.finish(t_max);
  for (std::uint32_t th = 0; th < nt && th < dv.thread_begin.size(); ++th) {
    if (dv.thread_begin[th] == UINT64_MAX || dv.task_lane[th]) continue;
    for (int c = col_of(dv.thread_begin[th]); c <= col_of(dv.thread_end[th]); ++c)
      rows[th][c] = std::max<std::uint8_t>(rows[th][c], 1);
  }
  std::stable_sort(open.begin(), open.end(),
                   [](const Interval& a, const Interval& b) { return a.t0 < b.t0; });

  std::string end_label = duration(t_max - t_min);
  out << std::string(static_cast<std::size_t>(name_cols + 2), ' ') << "0"
      << std::string(static_cast<std::size_t>(std::max(1, cols - 1 - static_cast<int>(end_label.size()))), ' ')
      << end_label << "\n";
  for (std::uint32_t th : order) {
    out << fit(row_label(th), name_cols) << " |";
    for (int c = 0; c < cols; ++c) out << glyph[rows[th][c]];
    out << "|\n";
  }
  out << "legend: " << glyph[1] << " running  " << glyph[2] << " holding a lock  " << glyph[3]
      << " waiting (condition, event, join, sleep, a suspended task, ...)  " << glyph[4] << " blocked acquiring a lock\n";

  // Where each thread is stuck at the end (open intervals): the story of a deadlock.
  for (const auto& iv : open) {
    if (iv.state == State::Holding) continue;
    out << "at the end, " << labels.thread(iv.thread) << " is "
        << (iv.state == State::Blocked ? "blocked acquiring " : "waiting on ")
        << labels.object_with_kind(iv.obj);
    for (const auto& h : open)
      if (h.state == State::Holding && h.obj == iv.obj && h.thread != iv.thread)
        out << ", held by " << labels.thread(h.thread);
    out << "\n";
  }

  locks.write(labels, out);

  out << "findings: " << t.findings.size() << "\n";
  for (const auto& f : t.findings) {
    out << "  [" << f.kind << "] at " << duration(f.time_ns - std::min(f.time_ns, t_min)) << ": "
        << f.message;
    if (f.count > 1) out << " (x" << f.count << ")";
    out << "\n";
    if (!f.threads.empty()) {
      out << "    threads:";
      for (std::size_t i = 0; i < f.threads.size(); ++i)
        out << (i ? ", " : " ") << labels.thread(f.threads[i]);
      out << "\n";
    }
    if (!f.objects.empty()) {
      out << "    objects:";
      for (std::size_t i = 0; i < f.objects.size(); ++i)
        out << (i ? ", " : " ") << labels.object_with_kind(f.objects[i]);
      out << "\n";
    }
    for (auto s : f.sites) {
      if (s < 0 || static_cast<std::size_t>(s) >= t.sites.size()) continue;
      const auto& site = t.sites[static_cast<std::size_t>(s)];
      out << "    at " << site.file << ":" << site.line;
      if (!site.function.empty()) out << " (" << site.function << ")";
      out << "\n";
    }
  }
}

}  // namespace weft::viewer
