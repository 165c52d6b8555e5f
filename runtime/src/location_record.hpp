// What a std::source_location is in libstdc++: one pointer to a {file, function, line, column}
// record that lives as long as the program (static for source_location::current(), leaked for
// the code sites of pc_site.cpp and the TSan bridge). The recorder keys its site cache by that
// pointer; pc_site.cpp builds locations that point at its own records.
#pragma once

#include <cstring>
#include <source_location>

namespace weft::rt {

#if defined(__GLIBCXX__)
inline constexpr bool kLocationIsPointer = sizeof(std::source_location) == sizeof(const void*);
#else
inline constexpr bool kLocationIsPointer = false;
#endif

// The record `loc` points at (nullptr for a default-constructed location, or when locations are
// not pointers in this standard library).
inline const void* location_record(const std::source_location& loc) noexcept {
  const void* p = nullptr;
  if constexpr (kLocationIsPointer) std::memcpy(&p, static_cast<const void*>(&loc), sizeof p);
  return p;
}

// A location pointing at `record`, which must be laid out like libstdc++'s __impl and outlive
// every use (a default-constructed location when locations are not pointers).
inline std::source_location location_at(const void* record) noexcept {
  std::source_location loc{};
  if constexpr (kLocationIsPointer) std::memcpy(static_cast<void*>(&loc), &record, sizeof record);
  return loc;
}

}  // namespace weft::rt
