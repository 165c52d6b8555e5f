// exit-holding-lock, weft flavour, in a pool: a ThreadPoolExecutor task acquires a cache Lock
// and gives up on a missing key.
// Fix: `with lock` (a lock_guard) in the task.
// Shape: a lock leaked by a task, outliving it in the pool's worker.
#include <cstdio>
#include <map>
#include <mutex>
#include <string>
#include <weft/threading.hpp>

#include "corpus_deadline.h"

weft::Lock cache_lock("cache");
std::map<std::string, int> cache = {{"a", 1}};

int lookup(const std::string& key) {
  std::lock_guard<weft::Lock> with(cache_lock);
  auto it = cache.find(key);
  if (it == cache.end()) return -1;
  int v = it->second;
  return v;
}

int main() {
  corpus_deadline_ms(1000);
  {
    weft::ThreadPoolExecutor pool(1, "pool");
    std::printf("b -> %d\n", pool.submit(lookup, std::string("b")).result());
  }
  return 0;
}
