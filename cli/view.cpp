// weft view: render a recorded trace as an HTML timeline, Chrome Trace Event JSON, Perfetto's
// protobuf trace format or text.
//
//   $ weft run -o app.trace -- ./app
//   $ weft view app.trace -o timeline.html        # open in any browser, works offline
//   wrote timeline.html (3 threads, 1840 events, 1 finding)
//   $ weft view app.trace --format=chrome-json -o app.json   # open in https://ui.perfetto.dev
//   $ weft view app.trace --format=perfetto -o app.perfetto-trace   # ui.perfetto.dev, compact
//   $ weft view app.trace --format=text           # terminal timeline + findings, for CI logs
//
// Exit codes: 0 written, 2 usage or input error (one-line reason on stderr).
#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <optional>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "commands.hpp"
#include "weft/runtime/trace_reader.hpp"
#include "weft/viewer/writers.hpp"

namespace {

constexpr const char* kHelp =
    "usage: weft view TRACE [-o OUT] [--format=html|chrome-json|perfetto|text] [--width=N]\n"
    "                 [--title=T] [--compress=deflate|none] [--no-source] [--from=T] [--to=T]\n"
    "\n"
    "Renders a trace recorded by `weft run`.\n"
    "  --format=html         (default) one self-contained page: lanes per thread (running,\n"
    "                        blocked, waiting, holding), arrows (who unblocked or woke whom),\n"
    "                        findings with their cycle and source sites. No network; opens\n"
    "                        from file://. OUT defaults to TRACE with the extension .html.\n"
    "  --format=chrome-json  Chrome Trace Event Format for https://ui.perfetto.dev or\n"
    "                        chrome://tracing. OUT defaults to standard output.\n"
    "  --format=perfetto     Perfetto's own protobuf trace format for https://ui.perfetto.dev\n"
    "                        (Open trace file): a track per thread with its blocked and waiting\n"
    "                        slices, a 'locks held' track below it, flows from each release to\n"
    "                        the acquisition it unblocked and from notify/set to the wake-up, a\n"
    "                        counter of blocked threads per contended lock, findings as instants\n"
    "                        on a 'findings' track. Names interned, times delta-encoded, packets\n"
    "                        deflated (--compress=none: plain packets). OUT defaults to TRACE\n"
    "                        with the extension .perfetto-trace.\n"
    "  --format=text         a timeline for terminals and CI logs, one row per thread, then the\n"
    "                        findings. OUT defaults to standard output.\n"
    "  -o OUT                output file ('-' = standard output)\n"
    "  --width=N             text width in columns (default: the terminal's, or 100)\n"
    "  --title=T             the page's title (default: the trace's file name)\n"
    "  --compress=deflate|none  perfetto only: deflate the packets (default) or not\n"
    "  --from=T, --to=T      only the events between T and T (trace time since the first\n"
    "                        process started: 1.5s, 250ms, 40us, 100ns; a bare number is\n"
    "                        seconds), with what was held, blocked or waiting at --from drawn\n"
    "                        from there. `weft report` prints the trace's duration. A page of\n"
    "                        over 40M events (~150 MB, more than a browser tab copes with) is\n"
    "                        refused without them.\n"
    "  --no-source           html only: embed no source code. By default the page carries the\n"
    "                        lines around each site of the findings and events (2 before, 2\n"
    "                        after, 512 KiB at most), read from the files if they exist, and\n"
    "                        shows them when a finding or a bar is selected.\n"
    "\n"
    "example:\n"
    "  weft run -o app.trace -- ./app && weft view app.trace -o timeline.html\n"
    "  weft view app.trace --format=perfetto -o app.perfetto-trace\n";

// "1.5s", "250ms", "40us", "100ns" or a bare number of seconds, as nanoseconds; false if not.
bool parse_time(const std::string& v, std::uint64_t& ns) {
  char* end = nullptr;
  double x = std::strtod(v.c_str(), &end);
  if (end == v.c_str() || !(x >= 0) || x > 1e12) return false;
  std::string unit(end);
  double scale = unit.empty() || unit == "s" ? 1e9 : unit == "ms" ? 1e6 : unit == "us" ? 1e3
               : unit == "ns" ? 1.0 : -1.0;
  if (scale < 0) return false;
  ns = static_cast<std::uint64_t>(x * scale);
  return true;
}

// Past this many events a page is refused without --from/--to: at ~3.7 bytes per event it is
// ~150 MB, and the browser holds ~100 bytes per event once it is decoded.
constexpr std::uint64_t kPageEventLimit = 40000000;

int terminal_width() {
  if (const char* c = std::getenv("COLUMNS")) {
    int w = std::atoi(c);
    if (w > 0) return w;
  }
  winsize ws{};
  if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
    return ws.ws_col;
  return 100;
}

}  // namespace

int weft::cli::view_main(int argc, char** argv) {
  std::string trace_path, out_path, format = "html", title, compress;
  int width = 0;
  bool have_out = false, source = true, windowed = false;
  std::uint64_t from = 0, to = UINT64_MAX;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    auto value = [&](std::string_view flag, std::string& into) -> int {
      if (a.size() > flag.size() && a.substr(0, flag.size()) == flag && a[flag.size()] == '=') {
        into = std::string(a.substr(flag.size() + 1));
        return 1;
      }
      if (a == flag) {
        if (i + 1 >= argc) return -1;
        into = argv[++i];
        return 1;
      }
      return 0;
    };
    std::string v;
    if (a == "-h" || a == "--help") {
      std::fputs(kHelp, stdout);
      return 0;
    }
    if (a == "--no-source") {
      source = false;
    } else if (int r = value("-o", v); r != 0) {
      if (r < 0) return usage_error("view", "-o needs a file name");
      out_path = v;
      have_out = true;
    } else if (int r2 = value("--format", v); r2 != 0) {
      if (r2 < 0) return usage_error("view", "--format needs html, chrome-json, perfetto or text");
      format = v;
    } else if (int r5 = value("--compress", v); r5 != 0) {
      if (r5 < 0) return usage_error("view", "--compress needs deflate or none");
      compress = v;
    } else if (int r3 = value("--width", v); r3 != 0) {
      width = r3 < 0 ? 0 : std::atoi(v.c_str());
      if (width < 20)
        return usage_error("view", "--width needs a number of columns of at least 20");
    } else if (int r6 = value("--from", v); r6 != 0) {
      if (r6 < 0 || !parse_time(v, from))
        return usage_error("view", "--from needs a time such as 1.5s, 250ms, 40us or 100ns");
      windowed = true;
    } else if (int r7 = value("--to", v); r7 != 0) {
      if (r7 < 0 || !parse_time(v, to))
        return usage_error("view", "--to needs a time such as 1.5s, 250ms, 40us or 100ns");
      windowed = true;
    } else if (int r4 = value("--title", v); r4 != 0) {
      if (r4 < 0) return usage_error("view", "--title needs a text");
      title = v;
    } else if (a.size() > 1 && a[0] == '-') {
      std::string reason = "unknown option '" + std::string(a) + "'";
      return usage_error("view", reason.c_str());
    } else if (trace_path.empty()) {
      trace_path = std::string(a);
    } else {
      return usage_error("view", "give one trace file (extra argument)");
    }
  }
  if (format != "html" && format != "chrome-json" && format != "perfetto" && format != "text") {
    std::string reason =
        "unknown format '" + format + "' (use html, chrome-json, perfetto or text)";
    return usage_error("view", reason.c_str());
  }
  if (!compress.empty() && compress != "deflate" && compress != "none") {
    std::string reason = "unknown --compress '" + compress + "' (use deflate or none)";
    return usage_error("view", reason.c_str());
  }
  if (!compress.empty() && format != "perfetto")
    return usage_error("view", "--compress applies to --format=perfetto only");
  if (trace_path.empty()) return usage_error("view", "missing TRACE (a file written by weft run)");
  if (windowed && from > to) return usage_error("view", "--from is after --to");
  if ((format == "html" || format == "perfetto") && !have_out) {
    // Files, not the terminal: a page, or a binary trace.
    std::string base = trace_path;
    auto slash = base.find_last_of('/');
    auto dot = base.find_last_of('.');
    if (dot != std::string::npos && (slash == std::string::npos || dot > slash)) base.resize(dot);
    out_path = base + (format == "html" ? ".html" : ".perfetto-trace");
  }

  // Every rendering streams the events from the file (trace::EventReader): memory holds what is
  // open (text, Chrome JSON), the page's compact columns, or the Perfetto export's intervals,
  // not the events.
  std::optional<trace::EventReader> reader;
  try {
    reader.emplace(trace_path);
    trace::symbolize_sites(reader->trace());  // code sites (interposed calls) to file:line
  } catch (const trace::TraceError& e) {
    std::fprintf(stderr, "weft view: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "weft view: cannot read %s: %s\n", trace_path.c_str(), e.what());
    return 2;
  }
  const trace::Trace& t = reader->trace();
  viewer::EventPass events = [&reader](const std::function<void(const trace::Event&)>& visit) {
    return reader->for_each(visit);
  };
  if (windowed) events = viewer::window(t, std::move(events), from, to);
  if (format == "html" && !windowed && t.event_count > kPageEventLimit) {
    std::fprintf(stderr,
                 "weft view: %s holds %llu events: a page of them would be ~%llu MB, more than a "
                 "browser tab opens; draw a window of it with --from/--to (see its duration with "
                 "'weft report %s'), or use --format=text or --format=perfetto\n",
                 trace_path.c_str(), static_cast<unsigned long long>(t.event_count),
                 static_cast<unsigned long long>(t.event_count * 37 / 10 / 1000000),
                 trace_path.c_str());
    return 2;
  }
  for (const auto& w : t.warnings) std::fprintf(stderr, "weft view: warning: %s\n", w.c_str());

  std::ofstream file;
  std::ostream* out = &std::cout;
  if (!out_path.empty() && out_path != "-") {
    file.open(out_path, std::ios::binary | std::ios::trunc);
    if (!file) {
      std::string reason = "cannot write '" + out_path + "' (check the directory exists)";
      return usage_error("view", reason.c_str());
    }
    out = &file;
  }
  if (title.empty()) {
    auto slash = trace_path.find_last_of('/');
    title = "weft \xe2\x80\x94 " + (slash == std::string::npos ? trace_path : trace_path.substr(slash + 1));
  }
  try {
    if (format == "html") {
      viewer::write_html(
          t, events, *out, title,
          source ? viewer::read_source_snippets(t, events) : std::vector<viewer::SourceSnippet>{});
    } else if (format == "chrome-json") {
      viewer::write_chrome_json(t, events, *out);
    } else if (format == "perfetto") {
      viewer::PerfettoOptions o;
      o.compress = compress != "none";
      viewer::write_perfetto(t, events, *out, o);
    } else {
      viewer::TextOptions o;
      o.width = width > 0 ? width : terminal_width();
      viewer::write_text(t, events, *out, o);
    }
  } catch (const trace::TraceError& e) {  // the file changed while its events were streamed
    std::fprintf(stderr, "weft view: %s\n", e.what());
    return 2;
  }
  out->flush();
  if (!*out) {
    std::fprintf(stderr, "weft view: writing %s failed (disk full?)\n",
                 out_path.empty() || out_path == "-" ? "standard output" : out_path.c_str());
    return 2;
  }
  if (out == &file) {
    std::fprintf(stderr, "wrote %s (%zu threads, %s%llu events, %zu finding%s)\n", out_path.c_str(),
                 t.threads.size(), windowed ? "a window of " : "",
                 static_cast<unsigned long long>(t.event_count), t.findings.size(),
                 t.findings.size() == 1 ? "" : "s");
  }
  return 0;
}
