// lock-order-inversion: two (or more) locks taken in orders that form a cycle.
//
// An incremental lock-order graph, in the style of lockdep's cached chains: when a thread that
// holds A takes B, the edge A -> B is added. The calling thread first consults its own small
// cache of edges it has already contributed (no lock, no allocation), so the global graph is
// touched only for an edge this thread has not seen yet. A new edge A -> B closes a cycle iff
// A is reachable from B; the cycle is reported once (keyed by its set of locks), with the
// acquisition sites of every edge.
//
// Gate locks: each edge keeps the intersection of the other locks held every time it was seen.
// If all edges of a cycle were always taken under one common lock, the orders can never
// interleave and nothing is reported. The per-thread cache remembers the gates of its last
// sighting of each edge (a signature), so the graph is only touched for a new gate context.
#include <algorithm>
#include <functional>

#include <new>

#include "internal.hpp"

namespace weft::rt::detectors::internal {

namespace {

std::size_t edge_hash(ObjId a, ObjId b) {
  std::uint64_t h = a * 0x9E3779B97F4A7C15ull ^ (b + 0x632BE59BD9B4E019ull + (a << 6));
  return static_cast<std::size_t>(h ^ (h >> 29)) % ThreadRec::kEdgeCache;
}

// Finds a path `from` ->* `to` in the graph (depth-first); fills `path` with its nodes.
bool find_path(Detector& d, ObjId from, ObjId to, std::vector<ObjId>& path,
               std::set<ObjId>& visited) {
  path.push_back(from);
  if (from == to) return true;
  if (visited.insert(from).second) {
    auto it = d.graph.find(from);
    if (it != d.graph.end()) {
      for (const auto& [next, edge] : it->second) {
        if (find_path(d, next, to, path, visited)) return true;
      }
    }
  }
  path.pop_back();
  return false;
}

std::uint64_t gate_mix(ObjId id) {
  std::uint64_t z = id * 0xBF58476D1CE4E5B9ull;
  return z ^ (z >> 31);
}

}  // namespace

void lock_order_on_acquired(Detector& d, ThreadRec& t, ObjId to, bool to_shared,
                            const std::source_location& where) {
  // The most recent kOrderWindow held locks (all of them, normally).
  int end = t.held.size();
  if (end == 0) return;
  int first = end > kOrderWindow ? end - kOrderWindow : 0;
  int n = end - first;
  // Which held entries are still ours, and a signature of the whole held set.
  bool valid[kOrderWindow];
  std::uint64_t all_sig = 0;
  for (int i = 0; i < n; ++i) {
    const HeldEntry& h = t.held[first + i];
    valid[i] = h.obj != to && find_held(d, t, h.obj) == &h;
    if (valid[i]) all_sig ^= gate_mix(h.obj);
  }
  for (int i = 0; i < n; ++i) {
    if (!valid[i]) continue;
    const HeldEntry& h = t.held[first + i];
    std::size_t slot = edge_hash(h.obj, to);
    // The gates of this sighting: every other held lock. Seen by this thread with the same
    // gates before: nothing new for the graph.
    std::uint64_t sig = all_sig ^ gate_mix(h.obj);
    if (h.shared) sig ^= 0x5bd1e9955bd1e995ull;  // the modes are part of what was seen
    if (to_shared) sig ^= 0x1b8735931b873593ull;
    if (t.seen_edges) {
      const auto& seen = t.seen_edges[slot];
      if (seen.from == h.obj && seen.to == to && seen.gates == sig) continue;
    }

    // Slow path: a new edge for this thread. Gates are the other valid held locks.
    std::vector<ObjId> gates;
    for (int j = 0; j < n; ++j)
      if (j != i && valid[j]) gates.push_back(t.held[first + j].obj);
    std::sort(gates.begin(), gates.end());

    FindingRecord finding;
    {
      SpinGuard g(d.graph_mu);
      auto& out = d.graph[h.obj];
      auto it = out.find(to);
      // Re-check for cycles when the edge is new or lost a gate (it may no longer be protected).
      bool changed = it == out.end();
      if (changed) {
        it = out.emplace(to, Edge{t.index, h.site, where, gates, !h.shared, !to_shared}).first;
      } else {
        // An rwlock end taken exclusively on any sighting can conflict from then on.
        if ((!h.shared && !it->second.from_exclusive) || (!to_shared && !it->second.to_exclusive)) {
          changed = true;
          it->second.from_exclusive |= !h.shared;
          it->second.to_exclusive |= !to_shared;
        }
        std::vector<ObjId> both;
        std::set_intersection(it->second.gates.begin(), it->second.gates.end(), gates.begin(),
                              gates.end(), std::back_inserter(both));
        if (both != it->second.gates) {
          changed = true;
          it->second = Edge{t.index, h.site, where, std::move(both), it->second.from_exclusive,
                            it->second.to_exclusive};
        }
      }
      if (changed) {
        // Does `to` already reach `h.obj`? Then h.obj -> to closes a cycle.
        std::vector<ObjId> path;
        std::set<ObjId> visited;
        if (find_path(d, to, h.obj, path, visited)) {
          // Cycle: h.obj -> path[0]=to -> ... -> path.back()=h.obj.
          std::vector<ObjId> nodes(path.begin(), path.end() - 1);  // to ... (without h.obj)
          nodes.insert(nodes.begin(), h.obj);                       // h.obj, to, ..., last
          std::vector<ObjId> key = nodes;
          std::sort(key.begin(), key.end());
          // Common gate over all edges of the cycle?
          std::vector<ObjId> common;
          bool first = true;
          std::vector<const Edge*> edges;
          for (std::size_t k = 0; k < nodes.size(); ++k) {
            ObjId a = nodes[k], b = nodes[(k + 1) % nodes.size()];
            const Edge& e = d.graph[a].at(b);
            edges.push_back(&e);
            if (first) {
              common = e.gates;
              first = false;
            } else {
              std::vector<ObjId> c;
              std::set_intersection(common.begin(), common.end(), e.gates.begin(), e.gates.end(),
                                    std::back_inserter(c));
              common = std::move(c);
            }
          }
          // Mode-aware (rwlocks): at every lock of the cycle, the side that holds it and the side
          // that asks for it must conflict. Two read locks do not (glibc's default rwlock lets
          // a reader in while another reads), so a cycle that needs one can never close.
          bool conflicts = true;
          for (std::size_t k = 0; k < nodes.size(); ++k) {
            const Edge& in = *edges[(k + nodes.size() - 1) % nodes.size()];  // asks for nodes[k]
            const Edge& out_edge = *edges[k];                                  // holds nodes[k]
            if (!in.to_exclusive && !out_edge.from_exclusive) conflicts = false;
          }
          if (conflicts && common.empty() && d.reported_cycles.insert(key).second) {
            finding.kind = bug_kind::kLockOrderInversion;
            std::string msg = "locks taken in a cyclic order (a potential deadlock):";
            for (std::size_t k = 0; k < nodes.size(); ++k) {
              ObjId a = nodes[k], b = nodes[(k + 1) % nodes.size()];
              const Edge& e = *edges[k];
              msg += (k ? "; " : " ") + d.describe(b) + " taken" + at(e.to_site) +
                     " while holding " + d.describe(a) + taken_at(e.from_site) + " in " + d.thread_name(e.thread);
              finding.sites.push_back(e.from_site);
              finding.sites.push_back(e.to_site);
              if (std::find(finding.threads.begin(), finding.threads.end(), e.thread) ==
                  finding.threads.end())
                finding.threads.push_back(e.thread);
            }
            finding.message = std::move(msg);
            finding.objects = nodes;
          }
        }
      }
    }
    // Cached with its gate signature: a later sighting under the same gates cannot shrink the
    // edge's gate intersection.
    if (!t.seen_edges)  // out of memory: the next sighting takes the slow path again
      t.seen_edges.reset(new (std::nothrow) ThreadRec::SeenEdge[ThreadRec::kEdgeCache]{});
    if (t.seen_edges) t.seen_edges[slot] = {h.obj, to, sig};
    if (!finding.kind.empty()) d.report(std::move(finding));
  }
}

}  // namespace weft::rt::detectors::internal
