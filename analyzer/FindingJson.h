// Findings as JSON, for checks that prepare a finding in one translation unit and report it in
// the merge phase, once another TU's summary has shown it to be one (wait-not-in-loop's calls of
// wait wrappers defined elsewhere). Paths stay absolute, as in Finding.
#pragma once

#include <nlohmann/json.hpp>

#include "Finding.h"

namespace weft::analyzer {

inline nlohmann::json pointToJson(const SourcePoint& p) { return {p.file, p.line, p.column}; }

inline SourcePoint pointFromJson(const nlohmann::json& j) {
  return {j.at(0).get<std::string>(), j.at(1).get<unsigned>(), j.at(2).get<unsigned>()};
}

inline nlohmann::json findingToJson(const Finding& f) {
  nlohmann::json notes = nlohmann::json::array(), fixes = nlohmann::json::array();
  for (const Note& n : f.notes)
    notes.push_back({{"where", pointToJson(n.where)}, {"message", n.message}, {"step", n.step}});
  for (const Edit& e : f.fixes)
    fixes.push_back({{"file", e.file},
                     {"offset", e.offset},
                     {"length", e.length},
                     {"text", e.text},
                     {"begin", pointToJson(e.begin)},
                     {"end", pointToJson(e.end)}});
  return {{"check", f.check},
          {"where", pointToJson(f.where)},
          {"message", f.message},
          {"notes", notes},
          {"fixes", fixes}};
}

// Throws nlohmann::json::exception on a malformed object.
inline Finding findingFromJson(const nlohmann::json& j) {
  Finding f;
  f.check = j.at("check").get<std::string>();
  f.where = pointFromJson(j.at("where"));
  f.message = j.at("message").get<std::string>();
  for (const auto& n : j.at("notes"))
    f.notes.push_back({pointFromJson(n.at("where")), n.at("message").get<std::string>(),
                       n.at("step").get<bool>()});
  for (const auto& e : j.at("fixes"))
    f.fixes.push_back({e.at("file").get<std::string>(), e.at("offset").get<unsigned>(),
                       e.at("length").get<unsigned>(), e.at("text").get<std::string>(),
                       pointFromJson(e.at("begin")), pointFromJson(e.at("end"))});
  return f;
}

}  // namespace weft::analyzer
