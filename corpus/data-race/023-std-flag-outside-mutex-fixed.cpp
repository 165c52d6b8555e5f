// data-race, std flavour: a background flusher thread moves queued log lines to the output
// until main asks it to stop; main sets the `stop` flag under the mutex.
// Fix: the flusher holds the mutex when it tests `stop` too (it lets go only to sleep), so
// every access to the flag is under the same lock.
// Shape: a stop/done flag guarded on the writer's side only, common in the shutdown code of
// background threads.
#include <chrono>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "corpus_deadline.h"

using namespace std::chrono_literals;

std::mutex mu;
std::vector<std::string> pending;  // guarded by mu
bool stop = false;                 // guarded by mu
long flushed = 0;                  // the flusher's own

void flusher() {
  std::unique_lock<std::mutex> lk(mu);
  while (!stop) {
    flushed += static_cast<long>(pending.size());
    pending.clear();
    lk.unlock();
    std::this_thread::sleep_for(1ms);
    lk.lock();
  }
  flushed += static_cast<long>(pending.size());  // the lines queued before stop
  pending.clear();
}

int main() {
  corpus_deadline_ms(1000);
  std::thread t(flusher);
  for (int i = 0; i < 20; ++i) {
    {
      std::lock_guard<std::mutex> lk(mu);
      pending.push_back("line " + std::to_string(i));
    }
    std::this_thread::sleep_for(1ms);
  }
  {
    std::lock_guard<std::mutex> lk(mu);
    stop = true;
  }
  t.join();
  std::printf("flushed %ld lines\n", flushed);
  return 0;
}
