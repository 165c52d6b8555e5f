// Uses the installed headers and libraries: a Lock-protected counter, a Condition, a Queue and
// a pool, with a UTF-8 thread name. Prints "weft install ok 4000 子线程-0" on success.
#include <weft/threading.hpp>

#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

int main() {
  weft::Lock lock("counter");
  long counter = 0;
  std::vector<std::unique_ptr<weft::Thread>> threads;
  for (int i = 0; i < 4; ++i) {
    threads.push_back(std::make_unique<weft::Thread>(
        [&] {
          for (int k = 0; k < 1000; ++k) {
            std::lock_guard g(lock);
            ++counter;
          }
        },
        "子线程-" + std::to_string(i)));
    threads.back()->start();
  }
  std::string first = threads[0]->name();
  for (auto& t : threads) t->join();

  weft::Queue<int> q(2);
  weft::ThreadPoolExecutor pool(2);
  auto f = pool.submit([&] { return q.get() + q.get(); });
  q.put(1);
  q.put(2);
  if (f.result() != 3) return 1;
  std::printf("weft install ok %ld %s\n", counter, first.c_str());
  return counter == 4000 ? 0 : 1;
}
