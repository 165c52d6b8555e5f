// The page's embedded trace: a small columnar binary encoding (LEB128 varints, interned strings),
// raw-deflate compressed (zlib), then base64. Layout in viewer/README.md; decoded by
// web/model/decode.js.
#include <zlib.h>

#include <algorithm>
#include <numeric>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <unordered_map>

#include "weft/viewer/writers.hpp"

namespace weft::viewer {
namespace {

// Payload versions (kPayloadVersion, writers.hpp): 2 = version 1 + the source snippets at the
// end; 3 = + the flight recorder's two fields; 4 = the derived intervals, arrows and re-entrant
// acquisitions in place of the events (the page reads all four; it derives 1-3 itself); 5 = 4 +
// each thread's parent and task (weft::aio task lanes), whose derived lives are their running
// stretches.

class Writer {
 public:
  void u8(std::uint8_t v) { buf_.push_back(static_cast<char>(v)); }
  void var(std::uint64_t v) {
    while (v >= 0x80) {
      u8(static_cast<std::uint8_t>(v | 0x80));
      v >>= 7;
    }
    u8(static_cast<std::uint8_t>(v));
  }
  void zig(std::int64_t v) {  // zigzag: small negative and positive numbers stay small
    var((static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63));
  }
  void bytes(std::string_view s) { buf_.append(s); }
  std::string& buf() { return buf_; }

 private:
  std::string buf_;
};

class Strings {
 public:
  std::uint32_t ref(const std::string& s) {
    auto [it, fresh] = index_.try_emplace(s, static_cast<std::uint32_t>(list_.size()));
    if (fresh) list_.push_back(s);
    return it->second;
  }
  const std::vector<std::string>& list() const { return list_; }

 private:
  std::unordered_map<std::string, std::uint32_t> index_;
  std::vector<std::string> list_;
};

// One raw deflate stream over the concatenation of `parts`, without concatenating them.
std::string deflate_raw(const std::vector<std::string_view>& parts) {
  z_stream zs{};
  if (deflateInit2(&zs, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    throw std::runtime_error("zlib: deflateInit2 failed");
  std::size_t total = 0;
  for (auto p : parts) total += p.size();
  std::string out(deflateBound(&zs, static_cast<uLong>(total)), '\0');
  int rc = Z_OK;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(parts[i].data()));
    zs.avail_in = static_cast<uInt>(parts[i].size());
    const int flush = i + 1 == parts.size() ? Z_FINISH : Z_NO_FLUSH;
    do {  // zlib's own loop: call again while it filled the output
      if (zs.total_out == out.size()) out.resize(out.size() * 2 + 4096);
      zs.next_out = reinterpret_cast<Bytef*>(out.data() + zs.total_out);
      zs.avail_out = static_cast<uInt>(out.size() - zs.total_out);
      rc = deflate(&zs, flush);
      if (rc == Z_STREAM_ERROR) break;
    } while (zs.avail_out == 0);
  }
  out.resize(zs.total_out);
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) throw std::runtime_error("zlib: deflate did not finish");
  return out;
}

// Payload version 4: the page's derivation (web/layout/derive.js, deriveEvents) done here, one
// event at a time, into the columns the page fills its typed arrays from: the same intervals in
// the same order (as they close, then what is still open at the end, then each thread's life),
// the same arrows and the same `by`, so the page's model is the one it would have derived
// (tests/viewer/js/derive_agree.js compares them on recordings). Objects and threads are the
// payload's indexes (object -1 = none). Keep in step with derive.js.
class PageDeriver {
 public:
  static constexpr std::uint8_t kRunning = 1, kBlocked = 2, kWaiting = 3, kHolding = 4;
  // flags: 1 open, 2 a hold entered after blocking, 4 a hold during which another thread was
  // blocked on its object (the page's contendedHold, derive.js contention())
  static constexpr std::uint8_t kOpen = 1, kContended = 2, kOthersBlocked = 4;
  static constexpr std::uint8_t kUnblock = 0, kNotify = 1, kSet = 2, kStart = 3, kJoin = 4;
  static constexpr std::uint8_t kNoKind = 255;

  PageDeriver(const trace::Trace& t, const std::vector<trace::Object>& objects,
              const std::unordered_map<rt::ObjId, std::uint32_t>& obj_index)
      : objects_(objects), obj_index_(obj_index) {
    for (std::size_t i = 0; i < t.threads.size(); ++i)
      if (t.threads[i].object != 0) thread_of_object_[t.threads[i].object] = static_cast<std::int32_t>(i);
  }

  // e: the event; th its thread, o its object's index (-1 none), site its site ref (0 none).
  void add(const trace::Event& e, std::uint32_t th, std::int32_t o, std::uint64_t site) {
    grow_threads(th + 1);
    grow_objects(o + 2);
    const std::uint64_t ts = e.ts_ns;
    if (n_ == 0) t_min_ = ts;
    t_last_ = ts;
    ++n_;
    Thread& T = threads_[th];
    if (!T.ended) {
      if (!T.has_begin || ts < T.begin) T.begin = ts;
      if (!T.has_begin || ts > T.end) T.end = ts;
      T.has_begin = true;
    }
    const Open here{ts, o, static_cast<std::uint8_t>(e.kind), site, true};
    const std::size_t slot = static_cast<std::size_t>(o + 1);
    switch (e.kind) {
      case rt::Ev::Create: created_[slot] = {ts, th, true}; break;
      case rt::Ev::AcquireBegin: T.blocked = here; break;
      case rt::Ev::AcquireFailed:
        if (T.blocked.valid && T.blocked.obj == o) {
          interval(T.blocked, ts, kBlocked, th, 0, -1);
          T.blocked.valid = false;
        }
        break;
      case rt::Ev::Acquired: {
        bool contended = false;
        if (T.blocked.valid && T.blocked.obj == o) {
          const Mark r = last_release_[slot];
          const bool unblocked = r.valid && r.thread != th && r.t >= T.blocked.t;
          interval(T.blocked, ts, kBlocked, th, 0, unblocked ? static_cast<std::int64_t>(r.thread) : -1);
          T.blocked.valid = false;
          contended = true;
          if (unblocked) arrow(r.t, ts, r.thread, th, o, kUnblock);
        }
        const std::size_t k = find_hold(T, o);
        if (k == kNone) {
          T.holds.push_back({here, 1, contended});
        } else {
          T.holds[k].depth++;
          reacq_ts_.zig(static_cast<std::int64_t>(ts - reacq_prev_));
          reacq_prev_ = ts;
          reacq_obj_.var(static_cast<std::uint64_t>(o + 1));
          ++nreacq_;
        }
        break;
      }
      case rt::Ev::Release: {
        last_release_[slot] = {ts, th, true};
        const std::size_t k = find_hold(T, o);
        if (k == kNone) break;  // unowned release: nothing to close
        Hold& h = T.holds[k];
        const bool counted = o >= 0 && rt::is_reentrant(objects_[static_cast<std::size_t>(o)].kind);
        if (counted && e.arg > 0) {
          h.depth = e.arg;
          break;
        }
        if (--h.depth > 0 && !counted) break;
        interval(h.at, ts, kHolding, th, h.contended ? kContended : 0, -1);
        T.holds.erase(T.holds.begin() + static_cast<std::ptrdiff_t>(k));
        break;
      }
      case rt::Ev::WaitBegin: T.waiting = here; break;
      case rt::Ev::WaitEnd:
        if (T.waiting.valid && T.waiting.obj == o) {
          interval(T.waiting, ts, kWaiting, th, 0, -1);
          T.waiting.valid = false;
          const Mark s = last_signal_[slot];
          if (static_cast<std::uint32_t>(e.arg) == static_cast<std::uint32_t>(rt::WaitResult::Notified) &&
              s.valid && s.thread != th && s.t >= T.waiting.t) {
            const auto kind = o >= 0 ? objects_[static_cast<std::size_t>(o)].kind : rt::ObjKind::Unknown;
            const bool is_event = kind == rt::ObjKind::Event || kind == rt::ObjKind::AioEvent;
            arrow(s.t, ts, s.thread, th, o, is_event ? kSet : kNotify);
          }
        }
        break;
      case rt::Ev::Notify:
      case rt::Ev::Set: last_signal_[slot] = {ts, th, true}; break;
      case rt::Ev::JoinBegin: T.joining = here; break;
      case rt::Ev::JoinEnd: {
        if (T.joining.valid && T.joining.obj == o) {
          interval(T.joining, ts, kWaiting, th, 0, -1);
          T.joining.valid = false;
        }
        const Mark en = thread_ended_[slot];
        if (static_cast<std::uint32_t>(e.arg) == 0 && en.valid) arrow(en.t, ts, en.thread, th, o, kJoin);
        break;
      }
      case rt::Ev::ThreadStart: {
        const Mark c = created_[slot];
        if (c.valid && c.thread != th) {
          arrow(c.t, ts, c.thread, th, o, kStart);
        } else if (auto p = thread_of_object_.find(e.arg); e.arg != 0 && p != thread_of_object_.end()) {
          arrow(ts, ts, static_cast<std::uint32_t>(p->second), th, o, kStart);
        }
        break;
      }
      case rt::Ev::ThreadEnd:
        thread_ended_[slot] = {ts, th, true};
        T.end = ts;
        T.ended = true;
        break;
      // Task lanes (weft::aio): derive.js's rules (running from each resume to the next suspend
      // or the end; suspended, a waiting interval of kind task-suspend, in between unless a
      // wait, acquisition or join is open).
      case rt::Ev::TaskResume:
        if (T.ended) break;
        T.task = true;
        T.task_obj = o;
        if (T.suspended.valid) {
          interval(T.suspended, ts, kWaiting, th, 0, -1);
          T.suspended.valid = false;
        }
        if (!T.running) {
          T.running = true;
          T.run_t0 = ts;
        }
        break;
      case rt::Ev::TaskSuspend:
        if (!T.task || T.ended) break;
        if (T.running) {
          T.runs.push_back({T.run_t0, ts});
          T.running = false;
        }
        if (!T.blocked.valid && !T.waiting.valid && !T.joining.valid && !T.suspended.valid) {
          auto a = e.arg != 0 ? obj_index_.find(e.arg) : obj_index_.end();
          T.suspended = {ts, a == obj_index_.end() ? -1 : static_cast<std::int32_t>(a->second),
                         static_cast<std::uint8_t>(e.kind), site, true};
        }
        break;
      case rt::Ev::TaskEnd:
        if (!T.task || T.task_obj != o || T.ended) break;
        if (T.running) {
          T.runs.push_back({T.run_t0, ts});
          T.running = false;
        }
        if (T.suspended.valid) {
          interval(T.suspended, ts, kWaiting, th, 0, -1);
          T.suspended.valid = false;
        }
        T.end = ts;
        T.ended = true;
        break;
      default: break;
    }
  }

  // Closes what is still open and writes the section: v:t_min v:t_max-t_min v:nintervals
  // v:life_start v:narrows v:nreacq, then the columns (viewer/README.md).
  void finish(const trace::Trace& t, std::size_t nthreads, Writer& out) {
    grow_threads(nthreads);
    const std::uint64_t t_max = n_ ? extended_end(t, t_min_, t_last_) : 0;
    std::unordered_map<std::int32_t, std::uint32_t> holder_at_end;  // object -> a holder then
    for (std::uint32_t th = 0; th < threads_.size(); ++th)
      for (const Hold& h : threads_[th].holds)
        if (!threads_[th].ended) holder_at_end[h.at.obj] = th;
    for (std::uint32_t th = 0; th < threads_.size(); ++th) {
      Thread& T = threads_[th];
      if (!T.has_begin) continue;
      if (!T.ended) T.end = t_max;
      for (const Open* open : {&T.blocked, &T.waiting, &T.joining, &T.suspended}) {
        if (!open->valid) continue;
        const bool blocked = open->kind == static_cast<std::uint8_t>(rt::Ev::AcquireBegin);
        std::int64_t by = -1;
        if (blocked) {
          auto it = holder_at_end.find(open->obj);
          if (it != holder_at_end.end()) by = it->second;
        }
        interval(*open, T.end, blocked ? kBlocked : kWaiting, th, kOpen, by);
      }
      if (T.running) T.runs.push_back({T.run_t0, T.end});
    }
    for (std::uint32_t th = 0; th < threads_.size(); ++th) {
      const Thread& T = threads_[th];
      for (const Hold& h : T.holds)
        interval(h.at, T.ended ? T.end : t_max, kHolding, th,
                 static_cast<std::uint8_t>(kOpen | (h.contended ? kContended : 0)), -1);
    }
    const std::uint64_t life_start = nintervals_;
    for (std::uint32_t th = 0; th < threads_.size(); ++th) {
      const Thread& T = threads_[th];
      if (T.task) {  // a task lane's life: its running stretches
        for (const Span& r : T.runs) interval({r.t0, -1, kNoKind, 0, true}, r.t1, kRunning, th, 0, -1);
      } else if (T.has_begin) {
        interval({T.begin, -1, kNoKind, 0, true}, T.end, kRunning, th, 0, -1);
      }
    }
    mark_contention();
    out.var(t_min_);
    out.var(t_max - t_min_);
    out.var(nintervals_);
    out.var(life_start);
    out.var(narrows_);
    out.var(nreacq_);
    for (Writer* w : {&i_t1_, &i_dur_, &i_type_, &i_thread_, &i_obj_, &i_flags_, &i_by_, &i_site_,
                      &i_kind_, &a_t1_, &a_dur_, &a_from_, &a_to_, &a_obj_, &a_kind_, &reacq_ts_,
                      &reacq_obj_}) {
      out.bytes(w->buf());
      std::string().swap(w->buf());
    }
  }

 private:
  struct Open {
    std::uint64_t t = 0;
    std::int32_t obj = -1;
    std::uint8_t kind = kNoKind;  // the event that began it
    std::uint64_t site = 0;       // its site ref
    bool valid = false;
  };
  struct Hold {
    Open at;  // the acquisition
    std::uint64_t depth = 0;
    bool contended = false;
  };
  struct Mark {
    std::uint64_t t = 0;
    std::uint32_t thread = 0;
    bool valid = false;
  };
  struct Span {
    std::uint64_t t0, t1;
  };
  struct Thread {
    std::uint64_t begin = 0, end = 0;
    bool has_begin = false, ended = false;
    Open blocked, waiting, joining;
    std::vector<Hold> holds;  // innermost last
    // a task lane (weft::aio): its task, its open suspension and running stretch, its stretches
    bool task = false, running = false;
    std::int32_t task_obj = -1;
    Open suspended;
    std::uint64_t run_t0 = 0;
    std::vector<Span> runs;
  };
  struct HoldSpan {
    std::uint64_t t0, t1;
    std::uint32_t index;  // of the interval
  };
  // Per object until the end: its holds, varint-coded (zigzag start delta, duration, interval
  // index delta: ~5 bytes a hold instead of 24, the bulk of the page writer's memory at 10M
  // events), and its blocked acquisitions.
  struct PerObject {
    Writer holds;
    std::uint64_t prev_t0 = 0;
    std::uint32_t prev_index = 0;
    std::vector<Span> blocked;
    void add_hold(std::uint64_t t0, std::uint64_t t1, std::uint32_t index) {
      holds.zig(static_cast<std::int64_t>(t0 - prev_t0));
      holds.var(t1 - t0);
      holds.var(index - prev_index);
      prev_t0 = t0;
      prev_index = index;
    }
  };
  // Reads PerObject::holds back, in the order they were added.
  class HoldReader {
   public:
    explicit HoldReader(const std::string& b) : b_(b) {}
    bool next(HoldSpan& h) {
      if (pos_ >= b_.size()) return false;
      std::uint64_t z = var();
      t0_ += static_cast<std::uint64_t>(static_cast<std::int64_t>(z >> 1) ^ -static_cast<std::int64_t>(z & 1));
      h.t0 = t0_;
      h.t1 = t0_ + var();
      index_ += static_cast<std::uint32_t>(var());
      h.index = index_;
      return true;
    }

   private:
    std::uint64_t var() {
      std::uint64_t v = 0;
      for (int shift = 0; pos_ < b_.size(); shift += 7) {
        auto c = static_cast<std::uint8_t>(b_[pos_++]);
        v |= static_cast<std::uint64_t>(c & 0x7f) << shift;
        if (!(c & 0x80)) break;
      }
      return v;
    }
    const std::string& b_;
    std::size_t pos_ = 0;
    std::uint64_t t0_ = 0;
    std::uint32_t index_ = 0;
  };
  static constexpr std::size_t kNone = SIZE_MAX;

  static std::size_t find_hold(const Thread& T, std::int32_t o) {
    for (std::size_t k = T.holds.size(); k-- > 0;)
      if (T.holds[k].at.obj == o) return k;
    return kNone;
  }
  void grow_threads(std::size_t n) {
    if (threads_.size() < n) threads_.resize(n);
  }
  void grow_objects(std::size_t n) {
    if (created_.size() >= n) return;
    for (auto* v : {&created_, &last_release_, &last_signal_, &thread_ended_}) v->resize(n);
  }
  // Holds during which another thread was blocked on the same object: derive.js contention()'s
  // answer (a hold [h0, h1] is contended when a blocked acquisition [b0, b1] of its object has
  // h0 < b1 and b0 < h1), in the flags' bit 4. Per object, the blocked acquisitions sorted by
  // start with the running maximum of their ends: those starting before h1 are a prefix, and
  // one of them ends after h0 when the prefix's maximum does. O(n log n) whether or not the
  // holds overlap (a semaphore's, or a recording's threads whose clocks disagree slightly: a
  // pairwise check took minutes at 10M events). The holds (varint-coded, ~5 bytes each) and
  // blocked acquisitions (16 bytes each) of each object are kept until the end for it.
  void mark_contention() {
    std::string& flags = i_flags_.buf();
    for (std::size_t s = 1; s < per_object_.size(); ++s) {
      auto& bs = per_object_[s].blocked;
      if (bs.empty()) continue;
      std::sort(bs.begin(), bs.end(), [](const Span& x, const Span& y) { return x.t0 < y.t0; });
      std::vector<std::uint64_t> max_end(bs.size());
      std::uint64_t m = 0;
      for (std::size_t k = 0; k < bs.size(); ++k) max_end[k] = m = std::max(m, bs[k].t1);
      HoldReader holds(per_object_[s].holds.buf());
      for (HoldSpan h; holds.next(h);) {
        // blocked acquisitions starting before the hold ends
        const auto n = std::partition_point(bs.begin(), bs.end(), [&](const Span& b) { return b.t0 < h.t1; }) - bs.begin();
        if (n > 0 && max_end[static_cast<std::size_t>(n - 1)] > h.t0)
          flags[h.index] = static_cast<char>(flags[h.index] | kOthersBlocked);
      }
    }
    std::vector<PerObject>().swap(per_object_);
  }

  void interval(const Open& o, std::uint64_t t1, std::uint8_t type, std::uint32_t th,
                std::uint8_t flags, std::int64_t by) {
    t1 = std::max(t1, o.t);
    if (o.obj >= 0 && (type == kHolding || type == kBlocked)) {
      const auto slot = static_cast<std::size_t>(o.obj + 1);
      if (per_object_.size() <= slot) per_object_.resize(slot + 1);
      if (type == kHolding)
        per_object_[slot].add_hold(o.t, t1, static_cast<std::uint32_t>(nintervals_));
      else
        per_object_[slot].blocked.push_back({o.t, t1});
    }
    i_t1_.zig(static_cast<std::int64_t>(t1 - i_prev_));
    i_prev_ = t1;
    i_dur_.var(t1 - o.t);
    i_type_.u8(type);
    i_thread_.var(th);
    i_obj_.var(static_cast<std::uint64_t>(o.obj + 1));
    i_flags_.u8(flags);
    i_by_.var(static_cast<std::uint64_t>(by + 1));
    i_site_.var(o.site);
    i_kind_.u8(o.kind);
    ++nintervals_;
  }
  void arrow(std::uint64_t t0, std::uint64_t t1, std::uint32_t from, std::uint32_t to,
             std::int32_t o, std::uint8_t kind) {
    a_t1_.zig(static_cast<std::int64_t>(t1 - a_prev_));
    a_prev_ = t1;
    a_dur_.zig(static_cast<std::int64_t>(t1 - t0));
    a_from_.var(from);
    a_to_.var(to);
    a_obj_.var(static_cast<std::uint64_t>(o + 1));
    a_kind_.u8(kind);
    ++narrows_;
  }

  const std::vector<trace::Object>& objects_;
  const std::unordered_map<rt::ObjId, std::uint32_t>& obj_index_;
  std::unordered_map<rt::ObjId, std::int32_t> thread_of_object_;
  std::vector<Thread> threads_;
  std::vector<Mark> created_, last_release_, last_signal_, thread_ended_;  // by object index + 1
  std::vector<PerObject> per_object_;                                      // by object index + 1
  std::uint64_t n_ = 0, t_min_ = 0, t_last_ = 0;
  std::uint64_t nintervals_ = 0, narrows_ = 0, nreacq_ = 0;
  std::uint64_t i_prev_ = 0, a_prev_ = 0, reacq_prev_ = 0;
  Writer i_t1_, i_dur_, i_type_, i_thread_, i_obj_, i_flags_, i_by_, i_site_, i_kind_;
  Writer a_t1_, a_dur_, a_from_, a_to_, a_obj_, a_kind_;
  Writer reacq_ts_, reacq_obj_;
};

std::string base64(const std::string& in) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  std::size_t i = 0;
  auto byte = [&](std::size_t k) { return static_cast<std::uint8_t>(in[k]); };
  for (; i + 2 < in.size(); i += 3) {
    std::uint32_t v = (byte(i) << 16) | (byte(i + 1) << 8) | byte(i + 2);
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (i < in.size()) {
    std::uint32_t v = byte(i) << 16;
    if (i + 1 < in.size()) v |= byte(i + 1) << 8;
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < in.size() ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

}  // namespace

std::string encode_payload(const trace::Trace& t, const std::vector<SourceSnippet>& snippets,
                           int version) {
  // Events in time order (the reader promises it; a hand-made Trace may not keep it).
  if (std::is_sorted(t.events.begin(), t.events.end(),
                     [](const trace::Event& a, const trace::Event& b) { return a.ts_ns < b.ts_ns; }))
    return encode_payload(t, events_of(t), snippets, version);
  std::vector<trace::Event> sorted = t.events;
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const trace::Event& a, const trace::Event& b) { return a.ts_ns < b.ts_ns; });
  return encode_payload(t,
                        [&sorted](const std::function<void(const trace::Event&)>& visit) {
                          for (const auto& e : sorted) visit(e);
                          return static_cast<std::uint64_t>(sorted.size());
                        },
                        snippets, version);
}

std::string encode_payload(const trace::Trace& t, const EventPass& events,
                           const std::vector<SourceSnippet>& snippets, int version) {
  if (version < 3 || version > 5) throw std::invalid_argument("payload version 3, 4 or 5");
  Strings strings;
  // Objects: the trace's, then any id that events or findings mention but the trace never
  // declared (shown as "object #id").
  std::vector<trace::Object> objects = t.objects;
  std::unordered_map<rt::ObjId, std::uint32_t> obj_index;
  for (std::uint32_t i = 0; i < objects.size(); ++i) obj_index.emplace(objects[i].id, i);
  auto objref = [&](rt::ObjId id) -> std::uint64_t {
    if (id == 0) return 0;
    auto [it, fresh] = obj_index.try_emplace(id, static_cast<std::uint32_t>(objects.size()));
    if (fresh) {
      trace::Object o;
      o.id = id;
      objects.push_back(o);
    }
    return it->second + 1;
  };
  std::vector<trace::Thread> threads = t.threads;
  auto threadref = [&](std::uint32_t th) {
    while (threads.size() <= th) {
      trace::Thread x;
      x.index = static_cast<std::uint32_t>(threads.size());
      threads.push_back(x);
    }
    return th;
  };
  auto siteref = [&](std::int32_t s) -> std::uint64_t {
    return s >= 0 && static_cast<std::size_t>(s) < t.sites.size() ? std::uint64_t(s) + 1 : 0;
  };

  // The event columns (version 3) or the derived ones (version 4), written first so that
  // objref/threadref see every id; one pass, each column into its own buffer (events come in
  // time order).
  Writer times, thread_col, kinds, objs, args, sites;
  std::uint64_t prev = 0;
  std::optional<PageDeriver> deriver;
  if (version >= 4) deriver.emplace(t, objects, obj_index);
  const std::uint64_t n = events([&](const trace::Event& e) {
    if (deriver) {
      const std::uint32_t th = threadref(e.thread);
      const auto o = static_cast<std::int32_t>(objref(e.obj)) - 1;
      if (rt::arg_is_object(e.kind)) objref(e.arg);  // the object table as version 3 has it
      deriver->add(e, th, o, siteref(e.site));
      return;
    }
    times.var(e.ts_ns - std::min(prev, e.ts_ns));
    prev = e.ts_ns;
    thread_col.var(threadref(e.thread));
    kinds.u8(static_cast<std::uint8_t>(e.kind));
    objs.var(objref(e.obj));
    // Args that are object ids (runtime/vocabulary.json, "arg": "object") go as object refs.
    if (rt::arg_is_object(e.kind))
      args.var(objref(e.arg));
    else
      args.var(e.arg);
    sites.var(siteref(e.site));
  });

  Writer fw;  // findings
  fw.var(t.findings.size());
  for (const auto& f : t.findings) {
    fw.var(strings.ref(f.kind));
    fw.var(strings.ref(f.message));
    fw.var(f.time_ns);
    fw.var(f.count);
    fw.var(f.threads.size());
    for (auto th : f.threads) fw.var(threadref(th));
    fw.var(f.objects.size());
    for (auto o : f.objects) fw.var(objref(o));
    fw.var(f.sites.size());
    for (auto s : f.sites) fw.var(siteref(s));
  }
  fw.var(t.warnings.size());
  for (const auto& w : t.warnings) fw.var(strings.ref(w));
  fw.var(snippets.size());  // version 2
  for (const auto& sn : snippets) {
    fw.var(strings.ref(sn.file));
    fw.var(sn.first_line);
    fw.var(sn.lines.size());
    for (const auto& line : sn.lines) fw.var(strings.ref(line));
  }
  fw.var(t.overwritten);  // version 3: flight-recorder mode
  fw.var(t.window_start_ns);

  Writer head;  // processes, threads, objects, sites (refer to strings)
  head.var(t.processes.size());
  for (const auto& p : t.processes) {
    head.var(p.pid);
    head.var(p.parent_pid);
    head.var(strings.ref(p.command));
  }
  // Thread objects may be unknown ids too: resolve them before writing the objects.
  std::vector<std::uint64_t> thread_obj(threads.size()), task_obj(threads.size());
  for (std::size_t i = 0; i < threads.size(); ++i) {
    thread_obj[i] = objref(threads[i].object);
    task_obj[i] = objref(threads[i].task);
  }
  head.var(threads.size());
  for (std::size_t i = 0; i < threads.size(); ++i) {
    head.var(threads[i].pid);
    head.var(threads[i].os_tid);
    // An unnamed thread with a known start routine goes by the trace layer's label ("thread
    // 5370 (worker)"), which the page shows as it is; the page's own rules cover the rest.
    const auto& th = threads[i];
    head.var(strings.ref(th.name.empty() && !th.routine.empty()
                             ? trace::thread_label(th.name, th.os_tid, th.pid, th.index, th.routine)
                             : th.name));
    head.var(thread_obj[i]);
    if (version >= 5) {  // a task lane's parent (its loop's thread) + 1 and task object ref
      head.var(th.parent == trace::Thread::kNoParent ? 0 : std::uint64_t(th.parent) + 1);
      head.var(task_obj[i]);
    }
  }
  head.var(objects.size());
  for (const auto& o : objects) {
    head.var(o.id);
    head.u8(static_cast<std::uint8_t>(o.kind));
    head.var(strings.ref(o.name));
    head.var(siteref(o.site));
    head.var(o.pid);
  }
  head.var(t.sites.size());
  for (const auto& s : t.sites) {
    head.var(strings.ref(s.file));
    head.var(s.line);
    head.var(s.column);
    head.var(strings.ref(s.function));
  }

  Writer all;  // everything before the events
  all.bytes("WEFT");
  all.u8(static_cast<std::uint8_t>(version));
  all.var(t.format_version);
  all.var(t.dropped);
  all.u8(t.truncated ? 1 : 0);
  all.var(strings.list().size());
  for (const auto& s : strings.list()) {
    all.var(s.size());
    all.bytes(s);
  }
  all.bytes(head.buf());
  all.var(n);
  if (deriver) deriver->finish(t, threads.size(), times);  // the derived section, in `times`
  std::string z = deflate_raw({all.buf(), times.buf(), thread_col.buf(), kinds.buf(), objs.buf(),
                               args.buf(), sites.buf(), fw.buf()});
  for (Writer* w : {&times, &thread_col, &kinds, &objs, &args, &sites})
    std::string().swap(w->buf());  // given back before the base64 copy is made
  return base64(z);
}

}  // namespace weft::viewer
