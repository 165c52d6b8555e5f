// Source snippets for the page: the lines around each site, read from the program's files when
// `weft view` runs (the page itself never reads anything). See read_source_snippets().
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string_view>
#include <system_error>
#include <unordered_map>

#include "weft/viewer/writers.hpp"

namespace weft::viewer {
namespace {

constexpr std::uintmax_t kMaxFileBytes = 16u << 20;

// A file's lines, read once; empty when the file cannot be used.
struct SourceFile {
  bool ok = false;
  std::vector<std::string> lines;
};

SourceFile load(const std::string& path) {
  SourceFile f;
  std::error_code ec;
  // Only regular files: a site naming a FIFO or a device must not block or flood weft view.
  if (path.empty() || !std::filesystem::is_regular_file(path, ec) || ec) return f;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec || size > kMaxFileBytes) return f;
  std::ifstream in(path, std::ios::binary);
  if (!in) return f;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    f.lines.push_back(std::move(line));
  }
  if (in.bad()) return SourceFile{};
  // A NUL byte says binary, not source.
  for (const auto& l : f.lines)
    if (l.find('\0') != std::string::npos) return SourceFile{};
  f.ok = true;
  return f;
}

// Cuts a line to at most `max` bytes without splitting a UTF-8 character.
std::string cut(const std::string& line, std::size_t max) {
  if (line.size() <= max) return line;
  std::size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(line[n]) & 0xc0) == 0x80) --n;
  return line.substr(0, n) + "\xe2\x80\xa6";
}

}  // namespace

std::vector<SourceSnippet> read_source_snippets(const trace::Trace& t, const SourceOptions& opts) {
  return read_source_snippets(t, events_of(t), opts);
}

std::vector<SourceSnippet> read_source_snippets(const trace::Trace& t, const EventPass& events,
                                                const SourceOptions& opts) {
  // The sites in order of priority: the findings', the events' (first use first), the objects'.
  std::vector<std::int32_t> order;
  std::vector<bool> seen(t.sites.size(), false);
  auto want = [&](std::int32_t s) {
    if (s < 0 || static_cast<std::size_t>(s) >= t.sites.size() || seen[static_cast<std::size_t>(s)])
      return;
    seen[static_cast<std::size_t>(s)] = true;
    order.push_back(s);
  };
  for (const auto& f : t.findings)
    for (auto s : f.sites) want(s);
  events([&](const trace::Event& e) { want(e.site); });
  for (const auto& o : t.objects) want(o.site);

  std::unordered_map<std::string, SourceFile> files;
  std::map<std::string, std::set<std::uint32_t>> kept;  // file -> line numbers embedded
  std::size_t bytes = 0;
  for (auto s : order) {
    const auto& site = t.sites[static_cast<std::size_t>(s)];
    if (site.line == 0) continue;
    auto it = files.find(site.file);
    if (it == files.end()) it = files.emplace(site.file, load(site.file)).first;
    const SourceFile& f = it->second;
    if (!f.ok || site.line > f.lines.size()) continue;
    const std::uint32_t lo = site.line > opts.context ? site.line - opts.context : 1;
    const std::uint32_t hi =
        static_cast<std::uint32_t>(std::min<std::size_t>(f.lines.size(), site.line + opts.context));
    auto& lines = kept[site.file];
    std::size_t more = 0;
    for (std::uint32_t n = lo; n <= hi; ++n)
      if (!lines.count(n)) more += std::min(f.lines[n - 1].size(), opts.max_line_bytes) + 1;
    if (bytes + more > opts.max_bytes) continue;  // a smaller one further on may still fit
    bytes += more;
    for (std::uint32_t n = lo; n <= hi; ++n) lines.insert(n);
  }

  std::vector<SourceSnippet> out;
  for (const auto& [file, lines] : kept) {
    const SourceFile& f = files[file];
    SourceSnippet* cur = nullptr;
    std::uint32_t prev = 0;
    for (auto n : lines) {
      if (!cur || n != prev + 1) {
        out.push_back(SourceSnippet{file, n, {}});
        cur = &out.back();
      }
      cur->lines.push_back(cut(f.lines[n - 1], opts.max_line_bytes));
      prev = n;
    }
  }
  return out;
}

}  // namespace weft::viewer
