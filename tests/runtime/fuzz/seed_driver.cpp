// Runs every file given on the command line (or in the given directories) through the fuzz
// target once: the fallback when libFuzzer is not available, and a regression test of the seeds.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

int main(int argc, char** argv) {
  int files = 0;
  auto run = [&](const std::filesystem::path& p) {
    std::ifstream f(p, std::ios::binary);
    std::vector<std::uint8_t> bytes{std::istreambuf_iterator<char>(f), {}};
    LLVMFuzzerTestOneInput(bytes.data(), bytes.size());
    // Every prefix too: truncation is the commonest damage.
    for (std::size_t cut = 0; cut < bytes.size(); cut += 1 + bytes.size() / 64)
      LLVMFuzzerTestOneInput(bytes.data(), cut);
    ++files;
  };
  for (int i = 1; i < argc; ++i) {
    std::filesystem::path p = argv[i];
    if (std::filesystem::is_directory(p)) {
      for (const auto& e : std::filesystem::directory_iterator(p)) run(e.path());
    } else {
      run(p);
    }
  }
  std::printf("%d inputs read without a crash\n", files);
  return files > 0 ? 0 : 1;
}
