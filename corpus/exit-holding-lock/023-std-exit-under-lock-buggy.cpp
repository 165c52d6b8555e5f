// exit-holding-lock, std flavour: a shutdown command handler holds the state mutex while it
// validates the command.
// Bug: on a fatal command it calls std::exit() inside the lock_guard's scope: destructors of
// the scope do not run, and the process exits with the mutex held.
// Shape: exit() while locked (destructors skipped).
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <thread>

#include "corpus_deadline.h"

static std::mutex state_mu;
static int state = 0;

static void handle(int command) {
  std::lock_guard g(state_mu);
  if (command < 0) {
    std::puts("fatal command: exiting");
    std::exit(0);
  }
  state += command;
}

int main() {
  corpus_deadline_ms(2000);
  std::thread([] {}).join();
  handle(1);
  handle(-1);
  return 0;
}
