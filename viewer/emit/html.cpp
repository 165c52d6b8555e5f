// The self-contained HTML page: web/index.html with the styles, the scripts and the encoded trace
// substituted for its {{...}} markers. The page's Content-Security-Policy (in index.html) forbids
// every network request; the trace travels as base64 text inside a non-executed <script> block.
#include <string_view>

#include "weft/viewer/writers.hpp"

namespace weft::viewer {
namespace assets {
extern const char kPageTemplate[];
extern const unsigned long kPageTemplate_size;
extern const char kPageCss[];
extern const unsigned long kPageCss_size;
extern const char kPageJs[];
extern const unsigned long kPageJs_size;
}  // namespace assets

namespace {

std::string escape_html(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

void write_page(const std::string& payload, std::ostream& out, const std::string& title);

}  // namespace

void write_html(const trace::Trace& t, std::ostream& out, const std::string& title,
                const std::vector<SourceSnippet>& snippets) {
  write_page(encode_payload(t, snippets), out, title);
}

void write_html(const trace::Trace& t, const EventPass& events, std::ostream& out,
                const std::string& title, const std::vector<SourceSnippet>& snippets) {
  write_page(encode_payload(t, events, snippets), out, title);
}

namespace {
void write_page(const std::string& payload, std::ostream& out, const std::string& title) {
  const std::string_view page(assets::kPageTemplate, assets::kPageTemplate_size);
  const std::string shown_title = escape_html(title.empty() ? "weft timeline" : title);
  std::size_t pos = 0;
  while (pos < page.size()) {
    std::size_t open = page.find("{{", pos);
    if (open == std::string_view::npos) {
      out << page.substr(pos);
      break;
    }
    std::size_t close = page.find("}}", open);
    if (close == std::string_view::npos) {
      out << page.substr(pos);
      break;
    }
    out << page.substr(pos, open - pos);
    std::string_view key = page.substr(open + 2, close - open - 2);
    if (key == "TITLE") {
      out << shown_title;
    } else if (key == "CSS") {
      out.write(assets::kPageCss, static_cast<std::streamsize>(assets::kPageCss_size));
    } else if (key == "JS") {
      out.write(assets::kPageJs, static_cast<std::streamsize>(assets::kPageJs_size));
    } else if (key == "PAYLOAD") {
      out << payload;
    } else {
      out << page.substr(open, close + 2 - open);  // not a marker of ours: keep it
    }
    pos = close + 2;
  }
}

}  // namespace

}  // namespace weft::viewer
