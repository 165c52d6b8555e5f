// The callers: each finding needs b.cpp's facts.
#include "shared.h"

std::mutex g_log_mu;
std::mutex g_a;

void write_entry() {
  std::lock_guard<std::mutex> g(g_log_mu);
  flush_log();  // lock-reentry in flush_log (b.cpp), which locks g_log_mu again
}

void Store::put() {
  std::lock_guard<std::mutex> g(mu_);
  compact();  // lock-reentry in Store::compact (b.cpp), which locks this->mu_ again
}

void Store::put_other(Store& other) {
  std::lock_guard<std::mutex> g(mu_);
  other.compact();  // another object's mutex: fine
}

void a_then_b() {
  std::lock_guard<std::mutex> g(g_a);
  take_b();  // lock-order-inversion with b_then_a (b.cpp)
}

void Owner::post() {
  std::lock_guard<std::mutex> g(mu_);
  journal_->record();  // lock-order-inversion with Journal::audit (b.cpp) -> Owner::touch
}

void Owner::touch() { std::lock_guard<std::mutex> g(mu_); }
