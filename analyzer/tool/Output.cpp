// What happens to findings after the analysis: NOLINT suppression, fix-its applied in place or
// exported, and the three output formats (text like clang, JSON per the CLI contract, SARIF 2.1.0).
// No Clang here: only files and strings.
#include <algorithm>
#include <cctype>
#include <cstring>
#include <cstdio>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "Lint.h"
#include "Module.h"

#ifndef WEFT_DOCS_DIR
#define WEFT_DOCS_DIR ""
#endif
// The version of `project(weft VERSION ...)` in the top-level CMakeLists.txt, its only source.
#ifndef WEFT_VERSION
#error "WEFT_VERSION is defined by the top-level CMakeLists.txt from project(weft VERSION ...)"
#endif

namespace weft::analyzer {
namespace {

using nlohmann::json;

// Lines of source files, read once per run.
class SourceCache {
 public:
  const std::vector<std::string>& lines(const std::string& file) {
    std::lock_guard<std::mutex> lock(m_);
    auto it = cache_.find(file);
    if (it != cache_.end()) return it->second;
    std::vector<std::string> v;
    std::ifstream in(file, std::ios::binary);
    std::string line;
    while (std::getline(in, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      v.push_back(line);
    }
    return cache_.emplace(file, std::move(v)).first->second;
  }
  std::string line(const std::string& file, unsigned n) {
    const auto& v = lines(file);
    return n >= 1 && n <= v.size() ? v[n - 1] : std::string();
  }

 private:
  std::mutex m_;
  std::map<std::string, std::vector<std::string>> cache_;
};

SourceCache& sources() {
  static SourceCache c;
  return c;
}

// ---- NOLINT --------------------------------------------------------------------------------

struct Marker {
  enum Kind { kSame, kNextLine, kBegin, kEnd } kind;
  std::string ids;  // comma-separated globs; empty = every check
};

// Finds the NOLINT markers in a comment on `line`: `NOLINT`, `NOLINTNEXTLINE`, `NOLINTBEGIN`,
// `NOLINTEND`, each optionally followed by `(id,glob*,...)` and `: reason`.
std::vector<Marker> markersIn(const std::string& line) {
  std::vector<Marker> out;
  size_t comment = std::min(line.find("//"), line.find("/*"));
  if (comment == std::string::npos) return out;
  for (size_t pos = line.find("NOLINT", comment); pos != std::string::npos;
       pos = line.find("NOLINT", pos + 6)) {
    size_t p = pos + 6;
    Marker m{Marker::kSame, {}};
    auto rest = [&](const char* w) { return line.compare(p, std::strlen(w), w) == 0; };
    if (rest("NEXTLINE")) {
      m.kind = Marker::kNextLine;
      p += 8;
    } else if (rest("BEGIN")) {
      m.kind = Marker::kBegin;
      p += 5;
    } else if (rest("END")) {
      m.kind = Marker::kEnd;
      p += 3;
    }
    if (p < line.size() && (std::isalnum(static_cast<unsigned char>(line[p])) || line[p] == '_'))
      continue;  // NOLINTFOO is not a marker
    if (p < line.size() && line[p] == '(') {
      size_t close = line.find(')', p);
      if (close == std::string::npos) continue;
      m.ids = line.substr(p + 1, close - p - 1);
      m.ids.erase(std::remove_if(m.ids.begin(), m.ids.end(), ::isspace), m.ids.end());
    }
    out.push_back(m);
  }
  return out;
}

bool markerCovers(const std::string& ids, const std::string& check) {
  return ids.empty() || ids == "*" || checkEnabled(ids, check);
}

struct FileSuppressions {
  std::vector<std::pair<unsigned, Marker>> lineMarkers;                      // line, marker
  std::vector<std::tuple<unsigned, unsigned, std::string>> regions;          // begin, end, ids
};

FileSuppressions scan(const std::string& file) {
  FileSuppressions s;
  const auto& lines = sources().lines(file);
  std::vector<std::pair<unsigned, std::string>> open;
  for (unsigned i = 0; i < lines.size(); ++i) {
    if (lines[i].find("NOLINT") == std::string::npos) continue;
    for (const Marker& m : markersIn(lines[i])) {
      unsigned n = i + 1;
      if (m.kind == Marker::kBegin) {
        open.emplace_back(n, m.ids);
      } else if (m.kind == Marker::kEnd) {
        auto it = std::find_if(open.rbegin(), open.rend(),
                               [&](const auto& o) { return o.second == m.ids; });
        if (it == open.rend()) {
          std::fprintf(stderr, "weft lint: warning: %s:%u: NOLINTEND without a NOLINTBEGIN\n",
                       file.c_str(), n);
          continue;
        }
        s.regions.emplace_back(it->first, n, it->second);
        open.erase(std::next(it).base());
      } else {
        s.lineMarkers.emplace_back(n, m);
      }
    }
  }
  for (auto& [begin, ids] : open) {
    std::fprintf(stderr,
                 "weft lint: warning: %s:%u: NOLINTBEGIN without a NOLINTEND (covers the rest of "
                 "the file)\n",
                 file.c_str(), begin);
    s.regions.emplace_back(begin, ~0u, ids);
  }
  return s;
}

std::string uriEncode(const std::string& path) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : path) {
    if (std::isalnum(c) || c == '/' || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::string fnv1a(const std::string& s) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

std::string trim(std::string s) {
  s.erase(0, s.find_first_not_of(" \t"));
  s.erase(s.find_last_not_of(" \t") + 1);
  return s;
}

}  // namespace

std::string displayPath(const std::string& file, const std::string& cwd) {
  if (!cwd.empty() && file.size() > cwd.size() && file.compare(0, cwd.size(), cwd) == 0 &&
      file[cwd.size()] == '/')
    return file.substr(cwd.size() + 1);
  return file;
}

std::vector<Finding> applyNolint(std::vector<Finding> findings) {
  std::map<std::string, FileSuppressions> byFile;
  std::vector<Finding> kept;
  for (Finding& f : findings) {
    auto it = byFile.find(f.where.file);
    if (it == byFile.end()) it = byFile.emplace(f.where.file, scan(f.where.file)).first;
    const FileSuppressions& s = it->second;
    bool suppressed = false;
    for (auto& [line, m] : s.lineMarkers) {
      if ((m.kind == Marker::kSame && line == f.where.line) ||
          (m.kind == Marker::kNextLine && line + 1 == f.where.line))
        suppressed |= markerCovers(m.ids, f.check);
    }
    for (auto& [begin, end, ids] : s.regions)
      if (begin <= f.where.line && f.where.line <= end) suppressed |= markerCovers(ids, f.check);
    if (!suppressed) kept.push_back(std::move(f));
  }
  return kept;
}

int applyFixes(const std::vector<Finding>& findings) {
  // Accept each finding's edits as a unit unless one overlaps an edit already accepted.
  std::map<std::string, std::vector<Edit>> byFile;
  int applied = 0;
  for (const Finding& f : findings) {
    if (f.fixes.empty()) continue;
    bool clash = false;
    std::vector<const Edit*> fresh;
    for (const Edit& e : f.fixes) {
      bool duplicate = false;
      for (const Edit& o : byFile[e.file]) {
        if (o.offset == e.offset && o.length == e.length && o.text == e.text) duplicate = true;
        else if (e.offset < o.offset + o.length && o.offset < e.offset + e.length) clash = true;
        else if (e.length == 0 && o.length == 0 && e.offset == o.offset) clash = true;
      }
      if (!duplicate) fresh.push_back(&e);
    }
    if (clash) continue;
    for (const Edit* e : fresh) byFile[e->file].push_back(*e);
    ++applied;
  }
  for (auto& [file, edits] : byFile) {
    if (edits.empty()) continue;
    std::ifstream in(file, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    std::string text = ss.str();
    std::sort(edits.begin(), edits.end(),
              [](const Edit& a, const Edit& b) { return a.offset > b.offset; });
    bool ok = true;
    for (const Edit& e : edits) {
      if (e.offset + e.length > text.size()) {
        ok = false;
        break;
      }
      text.replace(e.offset, e.length, e.text);
    }
    if (!ok) {
      std::fprintf(stderr, "weft lint: %s changed while it was analysed; no fix applied to it\n",
                   file.c_str());
      continue;
    }
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out) std::fprintf(stderr, "weft lint: cannot write fixes to %s\n", file.c_str());
  }
  return applied;
}

void writeText(const std::vector<Finding>& findings, const std::string& cwd, bool color) {
  const char* bold = color ? "\033[1m" : "";
  const char* magenta = color ? "\033[1;35m" : "";
  const char* black = color ? "\033[1;30m" : "";
  const char* green = color ? "\033[1;32m" : "";
  const char* reset = color ? "\033[0m" : "";
  auto snippet = [&](const SourcePoint& p) {
    std::string src = sources().line(p.file, p.line);
    if (src.empty()) return;
    std::string caret;
    for (unsigned i = 0; i + 1 < p.column && i < src.size(); ++i) caret += src[i] == '\t' ? '\t' : ' ';
    std::printf("%s\n%s%s^%s\n", src.c_str(), green, caret.c_str(), reset);
  };
  for (const Finding& f : findings) {
    std::printf("%s%s:%u:%u: %swarning: %s%s [%s]%s\n", bold,
                displayPath(f.where.file, cwd).c_str(), f.where.line, f.where.column, magenta,
                bold, f.message.c_str(), f.check.c_str(), reset);
    snippet(f.where);
    for (const Note& n : f.notes) {
      std::printf("%s%s:%u:%u: %snote: %s%s%s\n", bold, displayPath(n.where.file, cwd).c_str(),
                  n.where.line, n.where.column, black, reset, n.message.c_str(), reset);
      snippet(n.where);
    }
  }
  std::fflush(stdout);
}

static json editJson(const Edit& e, const std::string& cwd) {
  return {{"file", displayPath(e.file, cwd)},
          {"offset", e.offset},
          {"length", e.length},
          {"replacement", e.text},
          {"line", e.begin.line},
          {"column", e.begin.column},
          {"end_line", e.end.line},
          {"end_column", e.end.column}};
}

void writeJson(const std::vector<Finding>& findings, const std::string& cwd) {
  json out = {{"version", 1}, {"findings", json::array()}};
  for (const Finding& f : findings) {
    json notes = json::array();
    for (const Note& n : f.notes)
      notes.push_back({{"file", displayPath(n.where.file, cwd)},
                       {"line", n.where.line},
                       {"column", n.where.column},
                       {"message", n.message}});
    json fixes = json::array();
    for (const Edit& e : f.fixes) fixes.push_back(editJson(e, cwd));
    out["findings"].push_back({{"check", f.check},
                               {"severity", "warning"},
                               {"file", displayPath(f.where.file, cwd)},
                               {"line", f.where.line},
                               {"column", f.where.column},
                               {"message", f.message},
                               {"notes", notes},
                               {"fixes", fixes}});
  }
  std::printf("%s\n", out.dump(2).c_str());
  std::fflush(stdout);
}

std::string sarifDocument(const std::vector<Finding>& findings, const std::string& cwd) {
  const std::string base = "SRCROOT";
  auto artifact = [&](const std::string& file) {
    std::string rel = displayPath(file, cwd);
    if (rel != file) return json{{"uri", uriEncode(rel)}, {"uriBaseId", base}};
    return json{{"uri", "file://" + uriEncode(file)}};
  };
  auto physical = [&](const SourcePoint& p) {
    json region = {{"startLine", std::max(1u, p.line)}, {"startColumn", std::max(1u, p.column)}};
    std::string src = sources().line(p.file, p.line);
    if (!src.empty()) region["snippet"] = {{"text", src}};
    return json{{"artifactLocation", artifact(p.file)}, {"region", region}};
  };

  json rules = json::array();
  std::map<std::string, size_t> ruleIndex;
  for (const CheckInfo& c : registeredChecks()) {
    ruleIndex[c.id] = rules.size();
    std::string doc = "docs/checks/" + c.id + ".md";
    json rule = {{"id", c.id},
                 {"name", c.id},
                 {"shortDescription", {{"text", c.summary}}},
                 {"fullDescription", {{"text", c.summary}}},
                 {"help",
                  {{"text", c.summary + " What it is, why it is a bug and the fix: " + doc},
                   {"markdown", c.summary + " What it is, why it is a bug and the fix: [" + doc +
                                    "](" + doc + ")"}}},
                 {"defaultConfiguration", {{"level", "warning"}}},
                 {"properties", {{"tags", {"concurrency"}}, {"docs", doc}}}};
    std::string docsDir = WEFT_DOCS_DIR;
    if (!docsDir.empty()) rule["helpUri"] = "file://" + uriEncode(docsDir + "/" + c.id + ".md");
    rules.push_back(rule);
  }

  json results = json::array();
  std::map<std::string, int> seen;  // fingerprint base -> occurrences so far
  for (const Finding& f : findings) {
    json r = {{"ruleId", f.check},
              {"level", "warning"},
              {"message", {{"text", f.message}}},
              {"locations", json::array({{{"physicalLocation", physical(f.where)}}})}};
    if (ruleIndex.count(f.check)) r["ruleIndex"] = ruleIndex[f.check];
    // Stable across unrelated edits: no line numbers, only what the finding is about.
    std::string fp = f.check + '\0' + displayPath(f.where.file, cwd) + '\0' +
                     trim(sources().line(f.where.file, f.where.line)) + '\0' + f.message;
    int n = seen[fp]++;
    r["partialFingerprints"] = {{"weftFindingHash/v1", fnv1a(fp + '\0' + std::to_string(n))}};
    if (!f.notes.empty()) {
      json related = json::array();
      json steps = json::array();
      int id = 1;
      for (const Note& n : f.notes) {
        related.push_back({{"id", id++},
                           {"physicalLocation", physical(n.where)},
                           {"message", {{"text", n.message}}}});
        if (n.step)
          steps.push_back({{"location",
                            {{"physicalLocation", physical(n.where)},
                             {"message", {{"text", n.message}}}}}});
      }
      r["relatedLocations"] = related;
      if (!steps.empty()) {
        steps.push_back({{"location",
                          {{"physicalLocation", physical(f.where)},
                           {"message", {{"text", f.message}}}}}});
        r["codeFlows"] = json::array({{{"threadFlows", json::array({{{"locations", steps}}})}}});
      }
    }
    if (!f.fixes.empty()) {
      std::map<std::string, json> perFile;
      for (const Edit& e : f.fixes) {
        json rep = {{"deletedRegion",
                     {{"startLine", e.begin.line},
                      {"startColumn", e.begin.column},
                      {"endLine", e.end.line},
                      {"endColumn", e.end.column}}},
                    {"insertedContent", {{"text", e.text}}}};
        perFile[e.file].push_back(rep);
      }
      json changes = json::array();
      for (auto& [file, reps] : perFile)
        changes.push_back({{"artifactLocation", artifact(file)}, {"replacements", reps}});
      r["fixes"] = json::array(
          {{{"description", {{"text", "apply the suggested fix"}}}, {"artifactChanges", changes}}});
    }
    results.push_back(r);
  }
  json out = {
      {"$schema", "https://json.schemastore.org/sarif-2.1.0.json"},
      {"version", "2.1.0"},
      {"runs",
       json::array({{{"tool",
                      {{"driver",
                        {{"name", "weft"},
                         {"version", WEFT_VERSION},
                         {"semanticVersion", WEFT_VERSION},
                         {"rules", rules}}}}},
                     {"originalUriBaseIds", {{base, {{"uri", "file://" + uriEncode(cwd) + "/"}}}}},
                     {"columnKind", "utf16CodeUnits"},
                     {"results", results}}})}};
  return out.dump(2) + "\n";
}

void writeSarif(const std::vector<Finding>& findings, const std::string& cwd) {
  std::string doc = sarifDocument(findings, cwd);
  std::fwrite(doc.data(), 1, doc.size(), stdout);
  std::fflush(stdout);
}

bool writeSarifFile(const std::vector<Finding>& findings, const std::string& cwd,
                    const std::string& path) {
  std::string doc = sarifDocument(findings, cwd);
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file.write(doc.data(), static_cast<std::streamsize>(doc.size()));
  file.close();
  return static_cast<bool>(file);
}

static std::string yamlQuote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\', out += c;
    else if (c == '\n') out += "\\n";
    else if (c == '\t') out += "\\t";
    else out += c;
  }
  return out + "\"";
}

bool writeExportFixes(const std::vector<Finding>& findings, const std::string& path) {
  std::ostringstream out;
  bool any = false;
  for (const Finding& f : findings) {
    if (f.fixes.empty()) continue;
    any = true;
    out << "  - DiagnosticName:  " << f.check << "\n"
        << "    DiagnosticMessage:\n"
        << "      Message:         " << yamlQuote(f.message) << "\n"
        << "      FilePath:        " << yamlQuote(f.where.file) << "\n"
        << "      FileOffset:      " << f.fixes.front().offset << "\n"
        << "      Replacements:\n";
    for (const Edit& e : f.fixes)
      out << "        - FilePath:        " << yamlQuote(e.file) << "\n"
          << "          Offset:          " << e.offset << "\n"
          << "          Length:          " << e.length << "\n"
          << "          ReplacementText: " << yamlQuote(e.text) << "\n";
    out << "    Level:           Warning\n";
  }
  std::ofstream file(path);
  file << "---\nMainSourceFile: ''\nDiagnostics:" << (any ? "\n" : " []\n") << out.str()
       << "...\n";
  return static_cast<bool>(file);
}

}  // namespace weft::analyzer
