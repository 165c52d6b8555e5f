// weft report: summarise a recorded trace — threads, objects, lock statistics, findings.
//
//   $ weft run -o app.trace -- ./app
//   $ weft report app.trace
//   trace app.trace: 1204 events, 3 threads, 4 objects, 12.408 ms, 0 dropped, 1 finding
//   ...
//   lock statistics (sorted by contention)
//     object          kind       acq   cont   wait total   wait max  hold total   hold max
//     #3 balance      lock       400     37     1.204 ms  210.1 us    2.811 ms    40.2 us
//   findings
//     lock-order-inversion: locks 'a' and 'b' taken in opposite orders (2x)
//       at main.cpp:14, main.cpp:22
//   $ weft report app.trace --format=json | jq .summary
//
// Exit: 0 no findings, 1 findings, 2 unreadable or corrupted trace / bad usage.
#include <algorithm>
#include <vector>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "weft/runtime/labels.hpp"
#include "weft/runtime/trace_reader.hpp"
#include "weft/runtime/trace_stats.hpp"

namespace {

using weft::trace::Trace;

void print_help() {
  std::printf(
      "usage: weft report TRACE [--format=text|json]\n\n"
      "Summarises a trace recorded by 'weft run': processes, threads, objects, per-object lock\n"
      "statistics (acquisitions, contentions, wait and hold times, like Linux lock_stat; the\n"
      "text form is sorted by contention) and the findings of the online detectors.\n\n"
      "  --format=text   readable summary (default)\n"
      "  --format=json   {\"version\":1,\"summary\":{...},\"threads\":[...],\"objects\":[...],\n"
      "                   \"stats\":[...],\"findings\":[...]} for scripts\n\n"
      "example:\n"
      "  weft run -o app.trace -- ./app\n"
      "  weft report app.trace --format=json | jq '.findings[].kind'\n\n"
      "exit: 0 no findings, 1 findings, 2 unreadable or corrupted trace.\n");
}

std::string duration(std::uint64_t ns) {
  char buf[64];
  if (ns < 1000)
    std::snprintf(buf, sizeof buf, "%llu ns", static_cast<unsigned long long>(ns));
  else if (ns < 1000000)
    std::snprintf(buf, sizeof buf, "%.1f us", static_cast<double>(ns) / 1e3);
  else if (ns < 1000000000)
    std::snprintf(buf, sizeof buf, "%.3f ms", static_cast<double>(ns) / 1e6);
  else
    std::snprintf(buf, sizeof buf, "%.3f s", static_cast<double>(ns) / 1e9);
  return buf;
}

// `s` padded with spaces to `width` terminal columns (UTF-8 aware; CJK counts two columns).
std::string pad(const std::string& s, std::size_t width) {
  std::size_t cols = 0;
  for (std::size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    std::size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
    cols += len >= 3 ? 2 : 1;
    i += len;
  }
  return cols >= width ? s : s + std::string(width - cols, ' ');
}

nlohmann::json site_json(const Trace& t, std::int32_t site) {
  if (site < 0 || static_cast<std::size_t>(site) >= t.sites.size()) return nullptr;
  const auto& s = t.sites[static_cast<std::size_t>(site)];
  return {{"file", s.file}, {"line", s.line}, {"column", s.column}, {"function", s.function}};
}

std::string site_text(const Trace& t, std::int32_t site) {
  if (site < 0 || static_cast<std::size_t>(site) >= t.sites.size()) return "?";
  const auto& s = t.sites[static_cast<std::size_t>(site)];
  // A code site with no line (a binary without debug information): "function (file)".
  if (s.line == 0) return s.function.empty() ? s.file : s.function + " (" + s.file + ")";
  return s.file + ":" + std::to_string(s.line);
}

}  // namespace

// Shared with `weft run`: prints findings of a trace as lines on `out`.
void weft_cli_print_findings(const Trace& t, std::FILE* out) {
  const weft::trace::Labels labels(t);
  for (const auto& f : t.findings) {
    std::fprintf(out, "  %s: %s", f.kind.c_str(), f.message.c_str());
    if (f.count > 1) std::fprintf(out, " (%ux)", f.count);
    std::fprintf(out, " at %s\n", duration(f.time_ns).c_str());
    std::string at;
    for (auto s : f.sites) {
      if (s < 0 || static_cast<std::size_t>(s) >= t.sites.size()) continue;  // unknown site
      at += at.empty() ? " " : ", ";
      at += site_text(t, s);
    }
    if (!at.empty()) std::fprintf(out, "    at%s\n", at.c_str());
    if (!f.threads.empty()) {
      std::fprintf(out, "    threads");
      for (std::size_t i = 0; i < f.threads.size(); ++i)
        std::fprintf(out, "%s %s", i ? "," : "", labels.thread(f.threads[i]).c_str());
      std::fprintf(out, "\n");
    }
  }
}

namespace {

// What the pass over the events adds to the trace read without them.
struct EventSummary {
  std::uint64_t events = 0;
  std::uint64_t first_ns = 0, last_ns = 0;
  std::uint64_t duration_ns() const { return events == 0 ? 0 : last_ns - first_ns; }
};

nlohmann::json to_json(const Trace& t, const EventSummary& sum,
                       const std::vector<weft::trace::ObjectStats>& stats) {
  using nlohmann::json;
  json j;
  j["version"] = 1;
  j["summary"] = {{"events", sum.events},     {"threads", t.threads.size()},
                  {"duration_ns", sum.duration_ns()}, {"dropped", t.dropped},
                  {"objects", t.objects.size()},   {"findings", t.findings.size()},
                  {"processes", t.processes.size()}, {"truncated", t.truncated}};
  bool ring = std::any_of(t.processes.begin(), t.processes.end(), [](const auto& p) {
    return p.keep_last_bytes != 0 || p.keep_last_ns != 0;
  });
  if (ring) {
    // Flight-recorder mode (`weft run --keep-last`): what the window was and what it cost.
    j["summary"]["overwritten"] = t.overwritten;
    j["flight_recorder"] = {{"keep_last_bytes", t.processes.front().keep_last_bytes},
                            {"keep_last_ns", t.processes.front().keep_last_ns},
                            {"overwritten", t.overwritten},
                            {"window_start_ns", t.window_start_ns}};
  }
  j["processes"] = json::array();
  for (const auto& p : t.processes) {
    json pj = {{"pid", p.pid},         {"parent_pid", p.parent_pid},
               {"command", p.command}, {"start_ns", p.start_ns},
               {"exited", p.exited},   {"dropped", p.dropped}};
    if (p.exit_code >= 0) pj["exit_code"] = p.exit_code;
    if (p.term_signal > 0) pj["signal"] = p.term_signal;
    if (ring) pj["overwritten"] = p.overwritten;
    j["processes"].push_back(pj);
  }
  // "label": how every output names the thread or object (weft/runtime/labels.hpp).
  const weft::trace::Labels labels(t);
  j["threads"] = json::array();
  for (const auto& th : t.threads) {
    j["threads"].push_back({{"id", th.index}, {"name", th.name}, {"label", labels.thread(th.index)},
                            {"pid", th.pid}, {"tid", th.os_tid}, {"object", th.object}});
    if (ring) j["threads"].back()["overwritten"] = th.overwritten;
  }
  j["objects"] = json::array();
  for (const auto& o : t.objects)
    j["objects"].push_back({{"id", o.id},
                            {"kind", std::string(weft::rt::to_string(o.kind))},
                            {"name", o.name},
                            {"label", labels.object(o.id)},
                            // the address it was named by, when its name is now a variable's
                            {"address", o.address},
                            {"site", site_json(t, o.site)},
                            {"pid", o.pid}});
  j["stats"] = json::array();
  for (const auto& s : stats) {
    const auto* o = t.object(s.object);
    j["stats"].push_back(
        {{"object", s.object},
         {"name", o ? o->name : std::string()},
         {"kind", std::string(weft::rt::to_string(o ? o->kind : weft::rt::ObjKind::Unknown))},
         {"acquisitions", s.acquisitions},
         {"contentions", s.contentions},
         {"failed", s.failed},
         {"wait_total_ns", s.wait_total_ns},
         {"wait_max_ns", s.wait_max_ns},
         {"hold_total_ns", s.hold_total_ns},
         {"hold_max_ns", s.hold_max_ns},
         {"waits", s.waits},
         {"timeouts", s.timeouts},
         {"notifies", s.notifies}});
  }
  j["findings"] = json::array();
  for (const auto& f : t.findings) {
    json sites = json::array();
    for (auto s : f.sites) {
      json sj = site_json(t, s);
      if (sj.is_null()) sj = {{"file", ""}, {"line", 0}};
      sites.push_back(sj);
    }
    j["findings"].push_back({{"kind", f.kind},
                             {"message", f.message},
                             // the message with references: {thread:N} is threads[].id N,
                             // {object:N} objects[].id N
                             {"template", f.message_template},
                             {"threads", f.threads},
                             {"objects", f.objects},
                             {"sites", sites},
                             {"time_ns", f.time_ns},
                             {"count", f.count}});
  }
  j["warnings"] = t.warnings;
  return j;
}

void print_text(const std::string& path, const Trace& t, const EventSummary& sum,
                const std::vector<weft::trace::ObjectStats>& stats) {
  std::printf("trace %s: %llu events, %zu threads, %zu objects, %s, %llu dropped, %zu finding%s\n",
              path.c_str(), static_cast<unsigned long long>(sum.events), t.threads.size(),
              t.objects.size(), duration(sum.duration_ns()).c_str(),
              static_cast<unsigned long long>(t.dropped),
              t.findings.size(), t.findings.size() == 1 ? "" : "s");
  std::printf("\nprocesses\n");
  for (const auto& p : t.processes) {
    std::printf("  pid %u%s%s  %s", p.pid, p.parent_pid ? " (parent " : "",
                p.parent_pid ? (std::to_string(p.parent_pid) + ")").c_str() : "",
                p.command.c_str());
    if (p.term_signal > 0)
      std::printf("  [killed by signal %d]", p.term_signal);
    else if (p.exit_code >= 0)
      std::printf("  [exit %d]", p.exit_code);
    else if (!p.exited)
      std::printf("  [did not exit normally]");
    std::printf("\n");
  }
  const weft::trace::Labels labels(t);
  const weft::trace::Process* ring = nullptr;
  for (const auto& p : t.processes)
    if (p.keep_last_bytes != 0 || p.keep_last_ns != 0) ring = &p;
  if (ring != nullptr) {
    std::uint64_t kb = ring->keep_last_bytes >> 10;
    std::string window = ring->keep_last_ns   ? duration(ring->keep_last_ns)
                         : kb % 1024 == 0 ? std::to_string(kb >> 10) + " MiB"
                                          : std::to_string(kb) + " KiB";
    std::printf("\nflight recorder (--keep-last=%s)\n", window.c_str());
    if (t.overwritten == 0) {
      std::printf("  nothing was overwritten: the trace holds the whole run\n");
    } else {
      std::uint64_t end = sum.events ? sum.last_ns : t.window_start_ns;
      std::printf("  %llu older events were overwritten; every thread's events are complete from %s "
                  "(the last %s)\n",
                  static_cast<unsigned long long>(t.overwritten), duration(t.window_start_ns).c_str(),
                  duration(end > t.window_start_ns ? end - t.window_start_ns : 0).c_str());
    }
  }
  std::printf("\nthreads\n");
  for (const auto& th : t.threads) {
    std::printf("  #%-3u %s pid %u tid %llu", th.index, pad(labels.thread(th.index), 20).c_str(),
                th.pid, static_cast<unsigned long long>(th.os_tid));
    if (th.overwritten != 0)
      std::printf("  (%llu events overwritten)", static_cast<unsigned long long>(th.overwritten));
    std::printf("\n");
  }
  if (!stats.empty()) {
    std::printf("\nlock statistics (sorted by contention)\n");
    // The object column fits the longest label, from 24 to 60 characters (longer ones overflow).
    std::vector<std::string> names;
    int width = 24;
    for (const auto& s : stats) {
      names.push_back(labels.object_short(s.object));
      width = std::max(width, std::min(60, static_cast<int>(names.back().size())));
    }
    std::printf("  %-*s %-16s %8s %6s %6s %11s %10s %11s %10s %6s\n", width, "object", "kind", "acq",
                "cont", "fail", "wait total", "wait max", "hold total", "hold max", "waits");
    for (std::size_t i = 0; i < stats.size(); ++i) {
      const auto& s = stats[i];
      const auto* o = t.object(s.object);
      std::printf("  %-*s %-16s %8llu %6llu %6llu %11s %10s %11s %10s %6llu\n", width,
                  names[i].c_str(),
                  std::string(weft::rt::to_string(o ? o->kind : weft::rt::ObjKind::Unknown)).c_str(),
                  static_cast<unsigned long long>(s.acquisitions),
                  static_cast<unsigned long long>(s.contentions),
                  static_cast<unsigned long long>(s.failed), duration(s.wait_total_ns).c_str(),
                  duration(s.wait_max_ns).c_str(), duration(s.hold_total_ns).c_str(),
                  duration(s.hold_max_ns).c_str(), static_cast<unsigned long long>(s.waits));
    }
  }
  if (!t.findings.empty()) {
    std::printf("\nfindings\n");
    std::fflush(stdout);
    weft_cli_print_findings(t, stdout);
  }
  for (const auto& w : t.warnings) std::printf("\nwarning: %s\n", w.c_str());
}

}  // namespace

int weft::cli::report_main(int argc, char** argv) {
  std::string path;
  std::string format = "text";
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--help" || a == "-h") {
      print_help();
      return 0;
    } else if (a.starts_with("--format=")) {
      format = std::string(a.substr(9));
      if (format != "text" && format != "json")
        return usage_error("report", ("unknown format '" + format + "' (use text or json)").c_str());
    } else if (a == "--format") {
      if (i + 1 >= argc) return usage_error("report", "--format needs a value: text or json");
      format = argv[++i];
      if (format != "text" && format != "json")
        return usage_error("report", ("unknown format '" + format + "' (use text or json)").c_str());
    } else if (a.size() > 1 && a[0] == '-') {
      return usage_error("report", ("unknown option '" + std::string(a) + "'").c_str());
    } else if (path.empty()) {
      path = std::string(a);
    } else {
      return usage_error("report", "give one trace file");
    }
  }
  if (path.empty()) return usage_error("report", "missing TRACE (e.g. weft report weft.trace)");
  // The trace without its events, then one pass over them: memory grows with the objects and
  // threads, not with the events (weft::trace::EventReader).
  std::vector<weft::trace::ObjectStats> stats;
  EventSummary sum;
  std::optional<weft::trace::EventReader> reader;
  try {
    reader.emplace(path);
    weft::trace::symbolize_sites(reader->trace());  // code sites (interposed calls) to file:line
    weft::trace::StatsBuilder builder(reader->trace());
    bool first = true;
    sum.events = reader->for_each([&](const weft::trace::Event& e) {
      if (first) sum.first_ns = e.ts_ns;
      first = false;
      sum.last_ns = e.ts_ns;
      builder.add(e);
    });
    stats = builder.finish();
  } catch (const weft::trace::TraceError& e) {
    std::fprintf(stderr, "weft report: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "weft report: %s: %s\n", path.c_str(), e.what());
    return 2;
  }
  const Trace& t = reader->trace();
  if (format == "json") {
    std::printf("%s\n", to_json(t, sum, stats)
                            .dump(2, ' ', false, nlohmann::json::error_handler_t::replace)
                            .c_str());
    for (const auto& w : t.warnings) std::fprintf(stderr, "weft report: warning: %s\n", w.c_str());
  } else {
    print_text(path, t, sum, stats);
  }
  return t.findings.empty() ? 0 : 1;
}
