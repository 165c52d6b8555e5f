// Chrome Trace Event Format for Perfetto UI and chrome://tracing. Streamed, one event per line:
//   - "M" process_name / thread_name / thread_sort_index metadata;
//   - "X" complete slices for blocked-acquiring and waiting intervals (never overlap on a thread);
//   - "b"/"e" async slices for lock holds (hand-over-hand holds would break B/E nesting);
//   - arrows as zero-length "X" slices joined by flow v2 (bind_id + flow_out on the source,
//     flow_in on the target);
//   - findings as global instant events ("i", "s":"g") carrying message, threads, objects, sites;
//   - in a flight-recorder trace, one more global instant at the window start (weft.flight_recorder).
// Timestamps are microseconds with nanosecond decimals.
#include <cinttypes>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "weft/viewer/writers.hpp"

namespace weft::viewer {
namespace {

std::string quote(const std::string& s) {
  return nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string us(std::uint64_t ns) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%" PRIu64 ".%03" PRIu64, ns / 1000, ns % 1000);
  return buf;
}

}  // namespace

void write_chrome_json(const trace::Trace& t, std::ostream& out) {
  write_chrome_json(t, events_of(t), out);
}

// One pass over the events: each interval and arrow is written as soon as the Deriver knows it
// (the format does not ask for any order), those still open at the end last.
void write_chrome_json(const trace::Trace& t, const EventPass& events, std::ostream& out) {
  const Labels labels(t);
  auto obj_label = [&](rt::ObjId id) { return labels.object(id); };
  auto pid_of = [&](std::uint32_t th) -> std::uint32_t {
    return th < t.threads.size() && t.threads[th].pid != 0 ? t.threads[th].pid : 1;
  };
  auto site_args = [&](std::int32_t s) -> std::string {
    if (s < 0 || static_cast<std::size_t>(s) >= t.sites.size()) return "";
    const auto& site = t.sites[static_cast<std::size_t>(s)];
    return ",\"site\":" + quote(site.file + ":" + std::to_string(site.line)) +
           (site.function.empty() ? "" : ",\"function\":" + quote(site.function));
  };

  bool first = true;
  auto emit = [&](const std::string& ev) {
    out << (first ? "\n" : ",\n") << ev;
    first = false;
  };
  out << "{\"displayTimeUnit\":\"ns\",\"otherData\":{\"generator\":\"weft view\"},\"traceEvents\":[";

  for (const auto& p : t.processes) {
    emit("{\"ph\":\"M\",\"name\":\"process_name\",\"pid\":" + std::to_string(p.pid ? p.pid : 1) +
         ",\"tid\":0,\"args\":{\"name\":" +
         quote(p.command.empty() ? "pid " + std::to_string(p.pid) : p.command) + "}}");
  }
  // A weft::aio task lane: a track of its own (tid = its index, as every lane's), named as a
  // task and sorted right after the thread running its loop.
  const auto nthreads = static_cast<std::uint32_t>(t.threads.size());
  auto is_task = [&](std::uint32_t th) {
    return th < nthreads && t.threads[th].is_task() && t.threads[th].parent < nthreads;
  };
  std::vector<std::uint32_t> sort_index(nthreads);
  {
    std::uint32_t k = 0;
    for (std::uint32_t th = 0; th < nthreads; ++th) {
      if (is_task(th)) continue;
      sort_index[th] = k++;
      for (std::uint32_t c = 0; c < nthreads; ++c)
        if (is_task(c) && t.threads[c].parent == th) sort_index[c] = k++;
    }
  }
  auto thread_meta = [&](std::uint32_t th) {
    std::string name = labels.thread(th);
    if (is_task(th)) name += " (task on " + labels.thread(t.threads[th].parent) + ")";
    std::string ids = "\"pid\":" + std::to_string(pid_of(th)) + ",\"tid\":" + std::to_string(th);
    emit("{\"ph\":\"M\",\"name\":\"thread_name\"," + ids + ",\"args\":{\"name\":" + quote(name) + "}}");
    emit("{\"ph\":\"M\",\"name\":\"thread_sort_index\"," + ids + ",\"args\":{\"sort_index\":" +
         std::to_string(th < nthreads ? sort_index[th] : th) + "}}");
  };
  for (std::uint32_t th = 0; th < nthreads; ++th) thread_meta(th);

  std::uint64_t hold_id = 0;
  auto emit_interval = [&](const Interval& iv, const std::string& held_by) {
    std::string ids =
        "\"pid\":" + std::to_string(pid_of(iv.thread)) + ",\"tid\":" + std::to_string(iv.thread);
    std::string args = "\"args\":{\"object\":" +
                       quote(iv.obj == 0 ? std::string("none") : obj_label(iv.obj)) + site_args(iv.site) +
                       (iv.open ? ",\"unfinished\":true" : "") + held_by + "}";
    switch (iv.state) {
      case State::Blocked:
      case State::Waiting: {
        bool blocked = iv.state == State::Blocked;
        emit("{\"ph\":\"X\",\"cat\":\"" + std::string(blocked ? "weft.blocked" : "weft.wait") +
             "\",\"name\":" +
             quote(iv.obj == 0 ? std::string(kTimerSuspension)
                               : (blocked ? "blocked on " : "wait ") + obj_label(iv.obj)) +
             "," + ids + ",\"ts\":" + us(iv.t0) + ",\"dur\":" + us(iv.t1 - iv.t0) + "," + args +
             "}");
        break;
      }
      case State::Holding: {
        std::string common = "\"cat\":\"weft.lock\",\"name\":" + quote("hold " + obj_label(iv.obj)) +
                             ",\"id\":\"0x" + std::to_string(++hold_id) + "\"," + ids;
        emit("{\"ph\":\"b\"," + common + ",\"ts\":" + us(iv.t0) + "," + args + "}");
        emit("{\"ph\":\"e\"," + common + ",\"ts\":" + us(iv.t1) + "}");
        break;
      }
      case State::Running:
        break;
    }
  };
  std::uint64_t flow = 0;
  auto emit_arrow = [&](const Arrow& a) {
    static const char* kSource[] = {"release", "notify", "set", "start", "end"};
    static const char* kTarget[] = {"acquired", "woken", "woken", "started", "joined"};
    std::string bind = "\"bind_id\":\"0xf" + std::to_string(++flow) + "\"";
    std::string label = obj_label(a.obj);
    label.insert(0, 1, ' ');
    emit("{\"ph\":\"X\",\"cat\":\"weft.flow\",\"name\":" + quote(kSource[a.kind] + label) +
         ",\"pid\":" + std::to_string(pid_of(a.from_thread)) + ",\"tid\":" +
         std::to_string(a.from_thread) + ",\"ts\":" + us(a.t0) + ",\"dur\":0," + bind +
         ",\"flow_out\":true}");
    emit("{\"ph\":\"X\",\"cat\":\"weft.flow\",\"name\":" + quote(kTarget[a.kind] + label) +
         ",\"pid\":" + std::to_string(pid_of(a.to_thread)) + ",\"tid\":" +
         std::to_string(a.to_thread) + ",\"ts\":" + us(a.t1) + ",\"dur\":0," + bind +
         ",\"flow_in\":true}");
  };

  std::vector<Interval> open;  // written after the others: a blocked one names the holders
  Deriver dv(t);
  dv.on_interval = [&](const Interval& iv) {
    if (iv.open)
      open.push_back(iv);
    else
      emit_interval(iv, "");
  };
  dv.on_arrow = emit_arrow;
  bool any = false;
  events([&](const trace::Event& e) {
    any = true;
    dv.add(e);
  });
  if (any) dv.finish(extended_end(t, dv.t_min, dv.t_max));
  for (auto th = static_cast<std::uint32_t>(t.threads.size()); th < dv.thread_begin.size(); ++th)
    thread_meta(th);  // threads only the events name

  // Who holds each object at the end (open holds): a slice still blocked then says by whom.
  std::stable_sort(open.begin(), open.end(),
                   [](const Interval& a, const Interval& b) { return a.t0 < b.t0; });
  std::map<rt::ObjId, std::string> held_at_end;
  for (const auto& iv : open) {
    if (iv.state != State::Holding) continue;
    std::string& who = held_at_end[iv.obj];
    who += (who.empty() ? "" : ", ") + labels.thread(iv.thread);
  }
  for (const auto& iv : open) {
    std::string held_by;
    if (iv.state == State::Blocked) {
      auto h = held_at_end.find(iv.obj);
      if (h != held_at_end.end()) held_by = ",\"held_by\":" + quote(h->second);
    }
    emit_interval(iv, held_by);
  }

  for (const auto& f : t.findings) {
    nlohmann::json args;
    args["message"] = f.message;
    args["count"] = f.count;
    auto& th = args["threads"] = nlohmann::json::array();
    for (auto x : f.threads) th.push_back(labels.thread(x));
    auto& ob = args["objects"] = nlohmann::json::array();
    for (auto o : f.objects) ob.push_back(obj_label(o));
    auto& si = args["sites"] = nlohmann::json::array();
    for (auto s : f.sites) {
      if (s < 0 || static_cast<std::size_t>(s) >= t.sites.size()) continue;
      const auto& site = t.sites[static_cast<std::size_t>(s)];
      si.push_back(site.file + ":" + std::to_string(site.line) +
                   (site.function.empty() ? "" : " (" + site.function + ")"));
    }
    std::uint32_t th0 = f.threads.empty() ? 0 : f.threads.front();
    emit("{\"ph\":\"i\",\"s\":\"g\",\"cat\":\"weft.finding\",\"name\":" + quote(f.kind) +
         ",\"pid\":" + std::to_string(pid_of(th0)) + ",\"tid\":" + std::to_string(th0) +
         ",\"ts\":" + us(f.time_ns) + ",\"args\":" +
         args.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "}");
  }
  // A flight-recorder trace: where every thread's events become complete (a global instant).
  if (t.overwritten != 0) {
    std::string e = "{\"ph\":\"i\",\"s\":\"g\",\"cat\":\"weft.flight_recorder\",";
    e += "\"name\":\"window start: older events overwritten\",\"pid\":";
    e += std::to_string(pid_of(0));
    e += ",\"tid\":0,\"ts\":";
    e += us(t.window_start_ns);
    e += ",\"args\":{\"overwritten\":";
    e += std::to_string(t.overwritten);
    e += "}}";
    emit(e);
  }
  out << "\n]}\n";
}

}  // namespace weft::viewer
