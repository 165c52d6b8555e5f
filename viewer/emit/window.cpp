// A time window of a trace's events (`weft view --from/--to`): the events inside it, preceded by
// what was already going on when it opens, so that the window draws as the whole trace would
// between those times. See window() in weft/viewer/writers.hpp.
#include <algorithm>
#include <map>
#include <memory>
#include <vector>

#include "weft/viewer/writers.hpp"

namespace weft::viewer {

namespace {

// What one thread was doing, as far as the window's start needs it.
struct Begun {
  trace::Event event;  // the AcquireBegin / WaitBegin / JoinBegin
  bool active = false;
};
struct ThreadState {
  Begun blocked, waiting, joining;
  std::map<rt::ObjId, std::pair<trace::Event, std::uint32_t>> held;  // first Acquired, depth
};

}  // namespace

EventPass window(const trace::Trace& t, EventPass events, std::uint64_t from, std::uint64_t to) {
  std::map<rt::ObjId, rt::ObjKind> kinds;
  for (const auto& o : t.objects) kinds[o.id] = o.kind;
  return [events = std::move(events), from, to, kinds = std::move(kinds)](
             const std::function<void(const trace::Event&)>& visit) -> std::uint64_t {
    std::vector<ThreadState> threads;
    bool opened = false;
    std::uint64_t n = 0;
    auto emit = [&](const trace::Event& e) {
      visit(e);
      ++n;
    };
    // At the window's start: each lock still held, then each blocked, waiting or joining
    // thread, as events at `from`.
    auto open = [&] {
      opened = true;
      for (const auto& th : threads) {
        for (const auto& [obj, held] : th.held) {
          trace::Event e = held.first;
          e.ts_ns = from;
          auto k = kinds.find(obj);
          if (k != kinds.end() && rt::is_reentrant(k->second)) e.arg = held.second;
          emit(e);
        }
        for (const Begun* b : {&th.blocked, &th.waiting, &th.joining}) {
          if (!b->active) continue;
          trace::Event e = b->event;
          e.ts_ns = from;
          emit(e);
        }
      }
    };
    events([&](const trace::Event& e) {
      if (e.ts_ns >= from) {
        if (!opened) open();
        if (e.ts_ns <= to) emit(e);
        return;
      }
      if (e.thread >= threads.size()) threads.resize(static_cast<std::size_t>(e.thread) + 1);
      ThreadState& th = threads[e.thread];
      switch (e.kind) {
        case rt::Ev::AcquireBegin:
          th.blocked = {e, true};
          break;
        // (Each ends what it matches, as Deriver::add does.)
        case rt::Ev::AcquireFailed:
          if (th.blocked.event.obj == e.obj) th.blocked.active = false;
          break;
        case rt::Ev::Acquired: {
          if (th.blocked.event.obj == e.obj) th.blocked.active = false;
          auto [it, fresh] = th.held.try_emplace(e.obj, e, 0);
          it->second.second++;
          break;
        }
        case rt::Ev::Release: {
          auto it = th.held.find(e.obj);
          if (it == th.held.end()) break;
          auto k = kinds.find(e.obj);
          bool counted = k != kinds.end() && rt::is_reentrant(k->second);
          std::uint32_t left = counted ? static_cast<std::uint32_t>(e.arg) : it->second.second - 1;
          if (left == 0)
            th.held.erase(it);
          else
            it->second.second = left;
          break;
        }
        case rt::Ev::WaitBegin:
          th.waiting = {e, true};
          break;
        case rt::Ev::WaitEnd:
          if (th.waiting.event.obj == e.obj) th.waiting.active = false;
          break;
        case rt::Ev::JoinBegin:
          th.joining = {e, true};
          break;
        case rt::Ev::JoinEnd:
          if (th.joining.event.obj == e.obj) th.joining.active = false;
          break;
        default:
          break;
      }
    });
    if (!opened) open();  // the window starts after the last event: what was still going on
    return n;
  };
}

}  // namespace weft::viewer
