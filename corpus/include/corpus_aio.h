// corpus_aio.h: main() of the weft::aio corpus programs. corpus_aio_run(coro) arms the deadline
// and runs the program's main coroutine on an event loop. A task deadlock ends the loop with
// DeadlockError (weft::aio's run() throws where CPython's asyncio hangs): its message is printed
// and the result is CORPUS_DEADLOCK_EXIT, the status of a thread program ended by its deadline.
#ifndef WEFT_CORPUS_AIO_H
#define WEFT_CORPUS_AIO_H

#include <cstdio>
#include <utility>
#include <weft/asyncio.hpp>

#include "corpus_deadline.h"

inline int corpus_aio_run(weft::aio::Coro<> main_coro) {
  corpus_deadline_ms(2000);
  try {
    weft::aio::run(std::move(main_coro));
  } catch (const weft::aio::DeadlockError& e) {
    std::printf("%s\n", e.what());
    return CORPUS_DEADLOCK_EXIT;
  }
  return 0;
}

#endif
