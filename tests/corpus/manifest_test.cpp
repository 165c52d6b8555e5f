// The corpus manifest (corpus/manifest.json) is the ground truth weft's checks and detectors are
// scored against, and tools outside the repository read it: these cases hold it to its stable
// format and to the files it describes.
#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

const fs::path kRoot = WEFT_SOURCE_DIR;

const std::set<std::string> kFlavors = {"weft", "std", "pthread"};

// What a labelled line must contain, per check (looked for in the code before any `//`).
const std::map<std::string, std::regex> kLineCall = {
    {"wait-not-in-loop", std::regex(R"(wait)")},
    {"event-as-condition", std::regex(R"(wait|clear)")},
    {"lock-reentry", std::regex(R"(lock|acquire)")},
    {"lock-order-inversion", std::regex(R"(lock|acquire)")},
    {"wait-without-lock", std::regex(R"(wait)")},
    {"notify-without-lock", std::regex(R"(notify|_signal|_broadcast)")},
    // Coroutine kinds (issue 18): the blocking call, the suspension, the dropped call.
    {"blocking-in-coroutine", std::regex(R"(sleep|lock|acquire|wait|get|join|result|put)")},
    {"lock-across-suspend", std::regex(R"(co_await|co_yield)")},
    {"discarded-awaitable", std::regex(R"(\w\()")},
};

// A kind can exist in a flavour unless that flavour has no such primitive: plain C pthreads
// has no Event type, so event-as-condition has no pthread programs. The lifetime and contract
// kinds are about the pthread calls themselves: weft's primitives are C++ objects whose
// lifetimes the language manages, and std:: types reach those calls only in part
// (std::condition_variable's destructor calls pthread_cond_destroy, std::mutex's and
// std::shared_mutex's call nothing), so only the pthread flavour must have three pairs. The
// coroutine kinds have no C programs.
bool applicable(const std::string& kind, const std::string& flavor) {
  if (kind == "destroy-in-use" || kind == "use-after-destroy" || kind == "api-misuse")
    return flavor == "pthread";
  // Coroutines are C++20: no pthread (C) programs; weft's are weft::aio tasks.
  if (kind == "blocking-in-coroutine" || kind == "lock-across-suspend" || kind == "discarded-awaitable")
    return flavor != "pthread";
  return !(kind == "event-as-condition" && flavor == "pthread");
}

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> read_lines(const fs::path& p) {
  std::vector<std::string> lines;
  std::ifstream in(p);
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  return lines;
}

// The bug kinds of docs/design.md (runtime/vocabulary.json), or only those `weft lint` can see.
std::set<std::string> bug_kinds(bool lint_only) {
  const json v = json::parse(read_text(kRoot / "runtime/vocabulary.json"));
  std::set<std::string> out;
  for (const json& k : v.at("bug_kinds"))
    if (!lint_only || k.at("found_by") != "run") out.insert(k.at("id").get<std::string>());
  return out;
}
const std::set<std::string> kKinds = bug_kinds(false);
const std::set<std::string> kStaticKinds = bug_kinds(true);

const json& manifest() {
  static const json m = json::parse(read_text(kRoot / "corpus/manifest.json"));
  return m;
}

std::string kind_dir(const std::string& path) {  // corpus/<kind>/<file> -> <kind>
  auto a = path.find('/'), b = path.find('/', a + 1);
  return path.substr(a + 1, b - a - 1);
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(),
                                                suffix) == 0;
}

}  // namespace

TEST_CASE("manifest has the stable format") {
  const json& m = manifest();
  REQUIRE(m.is_object());
  CHECK(m.at("version") == 1);
  REQUIRE(m.at("programs").is_array());
  REQUIRE(m["programs"].size() >= 60);
  const std::set<std::string> keys = {"path",    "flavor", "pair",        "static",
                                      "dynamic", "chaos",  "expect_exit", "origin"};
  for (const json& p : m["programs"]) {
    INFO(p.dump());
    std::set<std::string> have;
    for (auto it = p.begin(); it != p.end(); ++it) have.insert(it.key());
    CHECK(have == keys);
    CHECK(p["path"].is_string());
    CHECK(kFlavors.count(p["flavor"].get<std::string>()) == 1);
    CHECK((p["pair"].is_null() || p["pair"].is_string()));
    CHECK(p["chaos"].is_boolean());
    CHECK(p["expect_exit"].is_number_integer());
    CHECK(p["origin"].is_string());
    CHECK_FALSE(p["origin"].get<std::string>().empty());
    REQUIRE(p["static"].is_array());
    for (const json& s : p["static"]) {
      CHECK(kStaticKinds.count(s.at("check").get<std::string>()) == 1);
      CHECK(s.at("line").is_number_integer());
    }
    REQUIRE(p["dynamic"].is_array());
    for (const json& d : p["dynamic"]) CHECK(kKinds.count(d.get<std::string>()) == 1);
  }
}

TEST_CASE("every path and pair exists, and pairs point at each other") {
  std::map<std::string, json> by_path;
  for (const json& p : manifest()["programs"]) {
    const std::string path = p["path"];
    INFO(path);
    CHECK(by_path.count(path) == 0);  // no duplicate entries
    by_path[path] = p;
    CHECK(fs::is_regular_file(kRoot / path));
    CHECK(path.rfind("corpus/", 0) == 0);
    const bool is_c = ends_with(path, ".c");
    CHECK(is_c == (p["flavor"] == "pthread"));
    if (!is_c) CHECK(ends_with(path, ".cpp"));
  }
  for (const auto& [path, p] : by_path) {
    INFO(path);
    const bool buggy = ends_with(fs::path(path).stem().string(), "-buggy");
    const bool fixed = ends_with(fs::path(path).stem().string(), "-fixed");
    if (p["pair"].is_null()) {
      CHECK_FALSE(buggy);
      CHECK_FALSE(fixed);
      CHECK(p["static"].empty());
      CHECK(p["dynamic"].empty());
      continue;
    }
    const std::string pair = p["pair"];
    REQUIRE(by_path.count(pair) == 1);
    CHECK(by_path[pair]["pair"] == path);
    CHECK(by_path[pair]["flavor"] == p["flavor"]);
    REQUIRE((buggy || fixed));
    std::string expected = path;
    expected.replace(expected.rfind(buggy ? "-buggy" : "-fixed"), 6, buggy ? "-fixed" : "-buggy");
    CHECK(pair == expected);
    if (fixed) {
      CHECK(p["static"].empty());
      CHECK(p["dynamic"].empty());
      CHECK(p["chaos"] == false);
    } else {
      // A buggy program is labelled with the kind its folder names (statically or dynamically).
      const std::string kind = kind_dir(path);
      REQUIRE(kKinds.count(kind) == 1);
      bool named = std::count(p["dynamic"].begin(), p["dynamic"].end(), kind) > 0;
      for (const json& s : p["static"]) named = named || s["check"] == kind;
      CHECK(named);
    }
  }
}

TEST_CASE("every labelled line holds the call it names") {
  for (const json& p : manifest()["programs"]) {
    const auto lines = read_lines(kRoot / p["path"].get<std::string>());
    for (const json& s : p["static"]) {
      const std::string check = s["check"];
      const int line = s["line"];
      INFO(p["path"].get<std::string>() << ":" << line << " [" << check << "]");
      REQUIRE(line >= 1);
      REQUIRE(line <= static_cast<int>(lines.size()));
      std::string code = lines[line - 1];
      code = code.substr(0, code.find("//"));
      INFO("line: " << lines[line - 1]);
      CHECK(std::regex_search(code, kLineCall.at(check)));
    }
  }
}

TEST_CASE("every program in corpus/ has a manifest entry and says what it is") {
  std::set<std::string> listed;
  for (const json& p : manifest()["programs"]) listed.insert(p["path"].get<std::string>());
  int files = 0;
  for (const auto& e : fs::recursive_directory_iterator(kRoot / "corpus")) {
    const std::string ext = e.path().extension().string();
    if (!e.is_regular_file() || (ext != ".cpp" && ext != ".c")) continue;
    const std::string rel = fs::relative(e.path(), kRoot).generic_string();
    if (rel.rfind("corpus/include/", 0) == 0) continue;
    ++files;
    INFO(rel);
    CHECK(listed.count(rel) == 1);
    const std::string text = read_text(e.path());
    CHECK((text.rfind("//", 0) == 0 || text.rfind("/*", 0) == 0));  // header comment first
    // The flavour is what the program includes.
    const bool uses_weft = text.find("#include <weft/") != std::string::npos;
    const bool is_weft = std::any_of(manifest()["programs"].begin(),
                                     manifest()["programs"].end(), [&](const json& p) {
                                       return p["path"] == rel && p["flavor"] == "weft";
                                     });
    CHECK(uses_weft == is_weft);
  }
  CHECK(files == static_cast<int>(listed.size()));
}

TEST_CASE("every bug kind has at least three pairs in every flavour where it can exist") {
  std::map<std::pair<std::string, std::string>, int> pairs;  // (kind, flavor) -> buggy count
  std::set<std::string> present;
  for (const json& p : manifest()["programs"]) {
    present.insert(p["flavor"].get<std::string>());
    const std::string path = p["path"];
    if (p["pair"].is_null() || !ends_with(fs::path(path).stem().string(), "-buggy")) continue;
    ++pairs[{kind_dir(path), p["flavor"]}];
  }
  // A flavour's programs arrive together (the weft ones need weft::primitives): until the first
  // program of a flavour lands, that flavour is not required.
  for (const std::string& kind : kKinds)
    for (const std::string& flavor : kFlavors) {
      if (!applicable(kind, flavor) || present.count(flavor) == 0) continue;
      INFO(kind << " / " << flavor);
      CHECK(pairs[{kind, flavor}] >= 3);
    }
}

TEST_CASE("labels are consistent with the kinds' static/dynamic columns") {
  for (const json& p : manifest()["programs"]) {
    INFO(p["path"].get<std::string>());
    // chaos marks a bug only --chaos shows; it needs something for `weft run` to find. On an
    // unpaired clean program it asks for a chaos run that must stay silent (a stress test).
    if (p["chaos"] == true && !p["pair"].is_null()) CHECK_FALSE(p["dynamic"].empty());
    if (p["chaos"] == true && p["pair"].is_null()) CHECK(p["static"].empty());
    // A program that deadlocks ends by its deadline with exit 86 (corpus/include/corpus_deadline.h),
    // or, a weft::aio one, by corpus_aio_run() (corpus_aio.h), which arms the deadline too.
    if (p["expect_exit"] == 86) {
      const std::string text = read_text(kRoot / p["path"].get<std::string>());
      CHECK((text.find("corpus_deadline_ms(") != std::string::npos ||
             text.find("corpus_aio_run(") != std::string::npos));
    }
  }
}
