// lock-order-inversion, std flavour, through calls: a cache and a log each have a mutex; a
// cache update writes a log line, and the log's flush records its size in the cache.
// Fix: flush() copies what it needs under log_mu, releases it, then calls note_flush().
// Shape: an inversion only visible across calls, as in logger/cache deadlock reports.
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>

#include "corpus_deadline.h"

std::mutex cache_mu, log_mu;
int cache_entries = 0, flushes_seen = 0;
std::string log_buffer;

void log_line(const std::string& s) {
  std::lock_guard<std::mutex> lk(log_mu);
  log_buffer += s + "\n";
}

void put(const std::string& key) {
  std::lock_guard<std::mutex> lk(cache_mu);
  ++cache_entries;
  log_line("put " + key);
}

void note_flush() {
  std::lock_guard<std::mutex> lk(cache_mu);
  ++flushes_seen;
}

void flush() {
  {
    std::lock_guard<std::mutex> lk(log_mu);
    std::fputs(log_buffer.c_str(), stdout);
    log_buffer.clear();
  }
  note_flush();
}

int main() {
  corpus_deadline_ms(1000);
  std::thread writer([] { put("a"); });
  writer.join();
  std::thread flusher(flush);
  flusher.join();
  std::printf("entries %d flushes %d\n", cache_entries, flushes_seen);
  return 0;
}
