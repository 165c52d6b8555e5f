// lock-order-inversion, std flavour: settings and a listener registry, each a std::shared_mutex.
// Fixed: subscribe() takes the settings first, like update().
// Shape: ABBA over std::shared_mutex (pthread rwlocks in libstdc++).
#include <cstdio>
#include <mutex>
#include <shared_mutex>
#include <thread>

#include "corpus_deadline.h"

static std::shared_mutex settings_mu, registry_mu;
static int setting = 1, listeners = 0;

static void update() {
  std::unique_lock s(settings_mu);
  std::unique_lock r(registry_mu);
  ++setting;
}

static void subscribe() {
  std::shared_lock s(settings_mu);
  std::unique_lock r(registry_mu);
  listeners += setting;
}

int main() {
  corpus_deadline_ms(2000);
  std::thread(update).join();
  std::thread(subscribe).join();
  std::printf("%d %d\n", setting, listeners);
  return 0;
}
