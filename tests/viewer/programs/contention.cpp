// A small std:: program for the viewer's end-to-end tests, recorded through weft run's
// LD_PRELOAD interposer: two workers contend on one mutex, a consumer waits on a condition
// variable until main notifies it, main joins everyone. It always terminates.
#include <pthread.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

int main() {
  std::mutex shared;
  std::mutex queue_lock;
  std::condition_variable not_empty;
  int items = 0;
  bool consumer_waiting = false;  // guarded by queue_lock
  long counter = 0;

  auto worker = [&](const char* name) {
    pthread_setname_np(pthread_self(), name);
    for (int i = 0; i < 20; ++i) {
      std::lock_guard<std::mutex> g(shared);
      ++counter;
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  };
  std::thread consumer([&] {
    pthread_setname_np(pthread_self(), "consumer");
    std::unique_lock<std::mutex> lk(queue_lock);
    consumer_waiting = true;  // still holding queue_lock until wait() releases it
    while (items == 0) not_empty.wait(lk);
    --items;
  });
  std::thread w1(worker, "worker-1");
  std::thread w2(worker, "worker-2");
  // Once main sees the flag under the lock, the consumer is inside wait(): the notify below
  // always wakes it (so the trace always has a notify -> wake-up arrow).
  for (;;) {
    std::lock_guard<std::mutex> g(queue_lock);
    if (consumer_waiting) {
      ++items;
      break;
    }
  }
  not_empty.notify_one();
  w1.join();
  w2.join();
  consumer.join();
  return counter == 40 ? 0 : 1;
}
