// lock-order-inversion, std flavour: settings and a listener registry, each a std::shared_mutex.
// Bug: update() holds the settings exclusively and then the registry; subscribe() holds the
// registry exclusively and then reads the settings. Run together they can deadlock; here they
// run one after the other.
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
  std::unique_lock r(registry_mu);
  std::shared_lock s(settings_mu);
  listeners += setting;
}

int main() {
  corpus_deadline_ms(2000);
  std::thread(update).join();
  std::thread(subscribe).join();
  std::printf("%d %d\n", setting, listeners);
  return 0;
}
