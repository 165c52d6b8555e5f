// Part files of a recording (part_files.hpp).
#include "part_files.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace weft::rt::parts {

void split(const std::string& path, std::string& dir, std::string& base) {
  // (assign(1, c), not = ".": GCC 12's -Wrestrict misfires on a literal assigned here)
  auto slash = path.rfind('/');
  if (slash == std::string::npos) {
    dir.assign(1, '.');
    base = path;
  } else {
    if (slash == 0)
      dir.assign(1, '/');
    else
      dir = path.substr(0, slash);
    base = path.substr(slash + 1);
  }
}

bool is_part_of(std::string_view base, std::string_view name) {
  if (name.size() <= base.size() + 1 || name.substr(0, base.size()) != base ||
      name[base.size()] != '.')
    return false;
  std::string_view rest = name.substr(base.size() + 1);
  constexpr std::string_view kSuffix = ".part";
  if (rest.size() < kSuffix.size() || rest.substr(rest.size() - kSuffix.size()) != kSuffix)
    return false;
  rest.remove_suffix(kSuffix.size());
  auto dot = rest.find('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 == rest.size()) return false;
  auto digits = [](std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  return digits(rest.substr(0, dot)) && digits(rest.substr(dot + 1));
}

namespace {
std::string name_for(const std::string& trace, long pid, int k) {
  std::string p = trace;  // appended piece by piece: GCC 12's -Wrestrict misfires on a + chain
  p += '.';
  p += std::to_string(pid);
  p += '.';
  p += std::to_string(k);
  p += ".part";
  return p;
}

// Calls use(full path) for each part file of `trace`.
template <class Use>
void for_each(const std::string& trace, Use&& use) {
  std::string dir, base;
  split(trace, dir, base);
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return;
  while (dirent* e = ::readdir(d)) {
    if (!is_part_of(base, e->d_name)) continue;
    std::string p = dir;
    p += '/';
    p += e->d_name;
    use(std::move(p));
  }
  ::closedir(d);
}
}  // namespace

std::string create(const std::string& trace, long pid) {
  for (int k = 0; k < 1000; ++k) {
    std::string p = name_for(trace, pid, k);
    int fd = ::open(p.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd >= 0) {
      ::close(fd);
      return p;
    }
    if (errno != EEXIST) break;
  }
  return name_for(trace, pid, 0);
}

std::vector<std::string> list(const std::string& trace) {
  std::vector<std::string> out;
  for_each(trace, [&](std::string p) { out.push_back(std::move(p)); });
  std::sort(out.begin(), out.end());
  return out;
}

void remove_all(const std::string& trace) {
  for_each(trace, [](const std::string& p) { ::unlink(p.c_str()); });
}

}  // namespace weft::rt::parts
