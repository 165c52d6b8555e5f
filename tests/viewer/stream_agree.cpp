// stream_agree TRACE...: each trace's text timeline, Chrome JSON and page, written from its events
// streamed out of the file (trace::EventReader, what `weft view` does) and from the whole trace
// read into memory (trace::read_trace), must agree: the text and the page (with its source
// snippets) byte for byte, the JSON as the same
// set of events (the streamed writer emits intervals as they end, so the order and the
// numbering of hold and flow ids differ). Exit 0 when all agree, 1 with the first difference.
#include <algorithm>
#include <cstdio>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "weft/runtime/trace_reader.hpp"
#include "weft/viewer/writers.hpp"

namespace {

std::vector<std::string> json_events(const std::string& json) {
  static const std::regex ids("\"(bind_)?id\":\"0xf?[0-9]+\"");
  std::vector<std::string> lines;
  std::istringstream in(json);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == ',') line.pop_back();
    lines.push_back(std::regex_replace(line, ids, "\"id\":_"));
  }
  std::sort(lines.begin(), lines.end());
  return lines;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace weft;
  if (argc < 2) {
    std::fprintf(stderr, "usage: stream_agree TRACE...\n");
    return 2;
  }
  int bad = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string path = argv[i];
    trace::Trace whole = trace::read_trace(path);
    trace::EventReader reader(path);
    viewer::EventPass streamed = [&reader](const std::function<void(const trace::Event&)>& v) {
      return reader.for_each(v);
    };
    std::ostringstream text_whole, text_streamed, json_whole, json_streamed;
    viewer::write_text(whole, text_whole, {.width = 120});
    viewer::write_text(reader.trace(), streamed, text_streamed, {.width = 120});
    viewer::write_chrome_json(whole, json_whole);
    viewer::write_chrome_json(reader.trace(), streamed, json_streamed);
    std::ostringstream page_whole, page_streamed;
    viewer::write_html(whole, page_whole, "t", viewer::read_source_snippets(whole));
    viewer::write_html(reader.trace(), streamed, page_streamed, "t",
                       viewer::read_source_snippets(reader.trace(), streamed));
    if (page_whole.str() != page_streamed.str()) {
      std::fprintf(stderr, "%s: the streamed page differs (%zu bytes read, %zu streamed)\n",
                   path.c_str(), page_whole.str().size(), page_streamed.str().size());
      ++bad;
    }
    if (text_whole.str() != text_streamed.str()) {
      std::fprintf(stderr, "%s: the streamed text timeline differs:\n--- read\n%s--- streamed\n%s",
                   path.c_str(), text_whole.str().c_str(), text_streamed.str().c_str());
      ++bad;
    }
    auto a = json_events(json_whole.str()), b = json_events(json_streamed.str());
    if (a != b) {
      std::fprintf(stderr, "%s: the streamed Chrome JSON differs (%zu events read, %zu streamed)\n",
                   path.c_str(), a.size(), b.size());
      ++bad;
    }
    if (whole.events.size() < 10) {
      std::fprintf(stderr, "%s: only %zu events: not a test of anything\n", path.c_str(),
                   whole.events.size());
      ++bad;
    }
    std::printf("%s: %zu events, %zu JSON events: %s\n", path.c_str(), whole.events.size(),
                a.size(), bad ? "differ" : "agree");
  }
  return bad ? 1 : 0;
}
