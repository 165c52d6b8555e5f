// realistic_baseline.hpp: native lock figures measured the way real programs run.
//
// glibc drops the `lock` prefix from pthread_mutex_lock/unlock (and so std::mutex) while a
// process has never started a second thread (its single-threaded fast path,
// __libc_single_threaded). A native lock+unlock pair measured before any thread exists is that
// fast path, about 3x cheaper than what any program with locks worth recording runs. Every
// benchmark here calls leave_single_threaded_mode() before its first native figure.
#pragma once

#include <thread>

namespace weft::bench {

// Starts and joins one thread: from then on glibc's locks use atomic instructions.
inline void leave_single_threaded_mode() { std::thread([] {}).join(); }

}  // namespace weft::bench
