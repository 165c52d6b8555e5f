// A deadlock to look at in `weft view` (docs/viewer.md's screenshots): N philosophers (weft
// Threads named in Chinese, as in the tutorial) each take their left fork, wait until all hold
// one (a Barrier), then take their right fork: every philosopher waits for the fork its
// neighbour holds, an N-thread wait-for cycle. N is argv[1] (default 5; 3 gives the small
// 3-thread cycle). The process ends after 1 s with exit 86 (it cannot finish by itself).
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <string>
#include <weft/threading.hpp>

namespace {
void on_deadline(int) { _exit(86); }
}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGALRM, on_deadline);
  alarm(1);
  const int n = argc > 1 ? std::atoi(argv[1]) : 5;
  if (n < 2 || n > 20) {
    std::fprintf(stderr, "philosophers: N must be 2..20\n");
    return 2;
  }
  std::deque<weft::Lock> forks;
  for (int i = 0; i < n; ++i) forks.emplace_back("fork-" + std::to_string(i));
  weft::Barrier seated(n, {}, -1, "all seated");
  std::deque<weft::Thread> ps;
  for (int i = 0; i < n; ++i) {
    ps.emplace_back(
        [&, i] {
          // acquire()/release() (not std::lock_guard) so the recorded sites are these lines.
          forks[i].acquire();
          seated.wait();
          forks[(i + 1) % n].acquire();
          std::printf("philosopher %d eats\n", i);
          forks[(i + 1) % n].release();
          forks[i].release();
        },
        "哲学家-" + std::to_string(i));
    ps.back().start();
  }
  for (auto& p : ps) p.join();
  return 0;
}
