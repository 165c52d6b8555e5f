// weft/threading.hpp: everything in one include.
//
// Python's threading, concurrent.futures and queue vocabulary in C++20, every operation recorded
// by weft's runtime when a trace is being taken (`weft run`). See docs/primitives.md for the
// Python -> C++ table and docs/primitives.md for the contract.
#pragma once

#include "weft/barrier.hpp"
#include "weft/condition.hpp"
#include "weft/errors.hpp"
#include "weft/event.hpp"
#include "weft/executor.hpp"
#include "weft/lock.hpp"
#include "weft/queue.hpp"
#include "weft/rlock.hpp"
#include "weft/semaphore.hpp"
#include "weft/thread.hpp"
