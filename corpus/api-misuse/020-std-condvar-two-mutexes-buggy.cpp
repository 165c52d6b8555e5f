// api-misuse, std flavour: two job lists with their own std::mutex share one
// std::condition_variable "work available".
// Bug: workers of the two lists wait on the shared condition variable at the same time through
// unique_locks of different mutexes: undefined behaviour for std::condition_variable (it must
// be used with one mutex at a time; glibc's pthread_cond_wait is what it calls).
// Shape: a condition variable shared between two locks to save one object.
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>

#include "corpus_deadline.h"

struct JobList {
  std::mutex mu;
  int jobs = 0;
};
static JobList lists[2];
static std::condition_variable work_available;
static std::condition_variable* cv_for[2] = {&work_available, &work_available};

int main() {
  corpus_deadline_ms(2000);
  std::thread workers[2];
  for (int i = 0; i < 2; ++i) {
    workers[i] = std::thread([i] {
      std::unique_lock lk(lists[i].mu);
      cv_for[i]->wait_for(lk, std::chrono::milliseconds(300), [i] { return lists[i].jobs > 0; });
      std::printf("list %d: %d jobs\n", i, lists[i].jobs);
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  for (int i = 0; i < 2; ++i) {
    {
      std::lock_guard g(lists[i].mu);
      lists[i].jobs++;
    }
    cv_for[i]->notify_all();
  }
  for (auto& w : workers) w.join();
  return 0;
}
