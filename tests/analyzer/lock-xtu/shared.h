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
