// unowned-release, std flavour: main marks a job busy by locking a mutex, a worker finishes the
// job and unlocks it, main then locks it again to wait for the job.
// Bug: the worker unlocks a std::mutex owned by main. Only the owner may unlock a mutex
// (undefined behaviour; glibc's default mutex lets it pass). Main's second lock() also re-locks
// a mutex it still owns, a self-deadlock unless another thread breaks the rules.
// Shape: a mutex used as a signal between threads, a recurring misuse in ported code.
#include <chrono>
#include <cstdio>
#include <mutex>
#include <semaphore>
#include <thread>

#include "corpus_deadline.h"

using namespace std::chrono_literals;

std::mutex busy;
int job_result = 0;

int main() {
  corpus_deadline_ms(1000);
  busy.lock();
  std::thread worker([] {
    std::this_thread::sleep_for(10ms);
    job_result = 99;
    busy.unlock();
  });
  busy.lock();  // wait for the job
  std::printf("job result %d\n", job_result);
  busy.unlock();
  worker.join();
  return 0;
}
