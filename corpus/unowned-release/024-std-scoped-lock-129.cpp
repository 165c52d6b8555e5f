// Correct program (false-positive stress), std flavour: std::scoped_lock over 129 std::mutexes
// (std::lock's try-and-back-off algorithm), in two threads. No finding is expected.
#include <array>
#include <cstdio>
#include <mutex>
#include <thread>
#include <tuple>
#include <utility>

#include "corpus_deadline.h"

static std::array<std::mutex, 129> mus;
static long counter = 0;

template <std::size_t... I>
void lock_all(std::index_sequence<I...>) {
  std::scoped_lock all(mus[I]...);
  ++counter;
}

int main() {
  corpus_deadline_ms(5000);
  std::thread a([] { for (int i = 0; i < 20; ++i) lock_all(std::make_index_sequence<129>{}); });
  std::thread b([] { for (int i = 0; i < 20; ++i) lock_all(std::make_index_sequence<129>{}); });
  a.join();
  b.join();
  std::printf("%ld\n", counter);
  return 0;
}
