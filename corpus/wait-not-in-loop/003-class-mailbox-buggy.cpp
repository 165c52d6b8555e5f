// wait-not-in-loop, weft flavour, in a class: Mailbox carries three letters from a postman
// thread to main.
// Bug: take() waits under `if (letters_.empty())`; a wake-up with no letter makes it read an
// empty deque (at() throws).
// Shape: a monitor class with an if-wait, common in teaching code.
#include <chrono>
#include <cstdio>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <weft/threading.hpp>

#include "corpus_deadline.h"

class Mailbox {
 public:
  void post(std::string letter) {
    std::lock_guard<weft::Condition> with(cond_);
    letters_.push_back(std::move(letter));
    cond_.notify();
  }
  std::string take() {
    std::lock_guard<weft::Condition> with(cond_);
    if (letters_.empty()) cond_.wait();
    std::string letter = letters_.at(0);
    letters_.pop_front();
    return letter;
  }

 private:
  weft::Condition cond_{"mailbox"};
  std::deque<std::string> letters_;
};

int main() {
  corpus_deadline_ms(2000);
  Mailbox box;
  weft::Thread postman(
      [&box] {
        for (const char* l : {"bill", "postcard", "parcel note"}) {
          std::this_thread::sleep_for(std::chrono::milliseconds(10));
          box.post(l);
        }
      },
      "postman");
  postman.start();
  for (int i = 0; i < 3; ++i) std::printf("took %s\n", box.take().c_str());
  postman.join();
  return 0;
}
