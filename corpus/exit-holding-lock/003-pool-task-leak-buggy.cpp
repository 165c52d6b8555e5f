// exit-holding-lock, weft flavour, in a pool: a ThreadPoolExecutor task acquires a cache Lock
// and gives up on a missing key.
// Bug: the give-up path returns without release(): the pool's worker thread keeps the Lock,
// and ends holding it when the pool shuts down.
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
  cache_lock.acquire();
  auto it = cache.find(key);
  if (it == cache.end()) return -1;
  int v = it->second;
  cache_lock.release();
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
