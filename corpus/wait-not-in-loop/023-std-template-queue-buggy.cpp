// wait-not-in-loop, std flavour, in a template: BlockingQueue<T> carries three strings from a
// producer thread to main.
// Bug: pop() waits under `if (items_.empty())`: a spurious wake-up makes it read an empty
// deque.
// Shape: a generic blocking queue whose pop() tests once, a shape often found in
// teaching code and small libraries.
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

#include "corpus_deadline.h"

using namespace std::chrono_literals;

template <class T>
class BlockingQueue {
 public:
  void push(T value) {
    std::lock_guard<std::mutex> lk(mu_);
    items_.push_back(std::move(value));
    cv_.notify_one();
  }
  T pop() {
    std::unique_lock<std::mutex> lk(mu_);
    if (items_.empty()) cv_.wait(lk);
    T value = std::move(items_.front());
    items_.pop_front();
    return value;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<T> items_;
};

int main() {
  corpus_deadline_ms(1000);
  BlockingQueue<std::string> q;
  std::thread producer([&q] {
    for (const char* word : {"alpha", "beta", "gamma"}) {
      std::this_thread::sleep_for(15ms);
      q.push(word);
    }
  });
  for (int i = 0; i < 3; ++i) std::printf("got %s\n", q.pop().c_str());
  producer.join();
  return 0;
}
