// Cross-TU cases for lock-reentry and lock-order-inversion: declarations shared by a.cpp, b.cpp.
#pragma once
#include <mutex>

extern std::mutex g_log_mu;
extern std::mutex g_a;
extern std::mutex g_b;
void flush_log();
void take_b();

class Store {
 public:
  void put();
  void compact();
  void put_other(Store& other);

 private:
  std::mutex mu_;
};

// Two classes calling into each other, each order spread over a call chain across the files.
class Journal;
class Owner {
 public:
  void post();   // a.cpp: holds mu_, calls journal_->record()
  void touch();  // a.cpp: takes mu_
  Journal* journal_ = nullptr;

 private:
  std::mutex mu_;
};
class Journal {
 public:
  void record();  // b.cpp: takes jmu_
  void audit();   // b.cpp: holds jmu_, calls owner_->touch()
  Owner* owner_ = nullptr;

 private:
  std::mutex jmu_;
};
