// The callees, and the other lock order.
#include "shared.h"

std::mutex g_b;

void flush_log() { std::lock_guard<std::mutex> g(g_log_mu); }

void Store::compact() { std::lock_guard<std::mutex> g(mu_); }

void take_b() { std::lock_guard<std::mutex> g(g_b); }

void b_then_a() {
  std::lock_guard<std::mutex> g(g_b);
  std::lock_guard<std::mutex> g2(g_a);
}

void Journal::record() { std::lock_guard<std::mutex> g(jmu_); }

void Journal::audit() {
  std::lock_guard<std::mutex> g(jmu_);
  owner_->touch();
}
