// Cases for event-as-condition: Events used where a Condition (state + lock + predicate) is
// needed.
#include <atomic>
#include <mutex>

// A stand-in with the shape of weft::Event (primitives/include/weft/event.hpp).
namespace weft {
class Event {
 public:
  bool is_set() const { return flag_; }
  void set() { flag_ = true; }
  void clear() { flag_ = false; }
  bool wait(double timeout = -1) { return flag_ || timeout < 0; }

 private:
  bool flag_ = false;
};
}  // namespace weft

weft::Event data_ready;
bool has_data = false;
int data = 0;
void consume(int);

// ---- positives ---------------------------------------------------------------------------

// The consumer loop of the tutorial's "Event as a condition" mistake.
void consumer_loop() {
  for (;;) {
    data_ready.wait();
    data_ready.clear();
    // CHECK-MESSAGES: :[[@LINE-1]]:5: warning: 'clear' right after 'wait' on 'data_ready' loses a set() that arrives between the two; use a Condition with its lock and a predicate [event-as-condition]
    // CHECK-NOTES: :[[@LINE-3]]:5: note: 'data_ready' was waited on here
    consume(data);
  }
}

// Check-then-wait on other shared state, on an event that is reset elsewhere.
void check_then_wait() {
  if (!has_data) data_ready.wait();
  // CHECK-MESSAGES: :[[@LINE-1]]:18: warning: 'data_ready' is waited on after checking 'has_data' without a lock: the check and the wait are not atomic; use a Condition with its lock and a predicate [event-as-condition]
  consume(data);
}

class Pipe {
 public:
  void take() {
    while (items_ == 0) wake_.wait(false);
    // CHECK-MESSAGES: :[[@LINE-1]]:25: warning: 'wake_' is waited on after checking 'items_' without a lock: the check and the wait are not atomic; use a Condition with its lock and a predicate [event-as-condition]
    --items_;
    wake_.store(false);
  }
  void flag_consumer() {
    seen_.wait(false);
    seen_.clear();
    // CHECK-MESSAGES: :[[@LINE-1]]:5: warning: 'clear' right after 'wait' on 'seen_' loses a set() that arrives between the two; use a Condition with its lock and a predicate [event-as-condition]
  }
  void atomic_consumer() {
    wake_.wait(false);
    wake_.store(false);
    // CHECK-MESSAGES: :[[@LINE-1]]:5: warning: 'store' right after 'wait' on 'wake_' loses a set() that arrives between the two; use a Condition with its lock and a predicate [event-as-condition]
  }

 private:
  int items_ = 0;
  std::atomic<bool> wake_{false};
  std::atomic_flag seen_;
};

// ---- negatives ---------------------------------------------------------------------------

// A one-shot stop signal re-checked through the event itself: the tutorial's worker loop.
weft::Event stop_event;
void worker() {
  while (!stop_event.is_set()) {
    consume(1);
    stop_event.wait(0.1);
  }
}

// A one-shot start signal, never cleared: once set it stays set, so the unlocked check is
// harmless.
weft::Event started;
bool configured = false;
void wait_started() {
  if (!configured) started.wait();
}

// The check is made under a lock.
std::mutex mu;
void locked_check() {
  std::unique_lock<std::mutex> lk(mu);
  if (!has_data) data_ready.wait();
}

// The atomic's own wait loop: re-checks the same atomic.
std::atomic<bool> go{false};
void own_loop() {
  while (!go.load()) go.wait(false);
  go = false;
}

// A local copy of the state is not shared.
void local_state() {
  bool local = has_data;
  if (!local) data_ready.wait(1.0);
}
