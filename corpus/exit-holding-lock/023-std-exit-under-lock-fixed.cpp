// exit-holding-lock, std flavour: a shutdown command handler holds the state mutex while it
// validates the command.
// Fixed: the handler decides inside the lock, and exits after releasing it.
// Shape: exit() while locked (destructors skipped).
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <thread>

#include "corpus_deadline.h"

static std::mutex state_mu;
static int state = 0;

static void handle(int command) {
  bool fatal = false;
  {
    std::lock_guard g(state_mu);
    if (command < 0)
      fatal = true;
    else
      state += command;
  }
  if (fatal) {
    std::puts("fatal command: exiting");
    std::exit(0);
  }
}

int main() {
  corpus_deadline_ms(2000);
  std::thread([] {}).join();
  handle(1);
  handle(-1);
  return 0;
}
