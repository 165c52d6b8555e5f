// unowned-release, std flavour: main marks a job busy by locking a mutex, a worker finishes the
// job and unlocks it, main then locks it again to wait for the job.
// Fix: a std::binary_semaphore is the right tool: any thread may release it.
// Shape: a mutex used as a signal between threads, a recurring misuse in ported code.
#include <chrono>
#include <cstdio>
#include <mutex>
#include <semaphore>
#include <thread>

#include "corpus_deadline.h"

using namespace std::chrono_literals;

std::binary_semaphore busy{1};
int job_result = 0;

int main() {
  corpus_deadline_ms(1000);
  busy.acquire();
  std::thread worker([] {
    std::this_thread::sleep_for(10ms);
    job_result = 99;
    busy.release();
  });
  busy.acquire();  // wait for the job
  std::printf("job result %d\n", job_result);
  busy.release();
  worker.join();
  return 0;
}
