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

void lock_order_on_acquired(Detector& d, ThreadRec& t, ObjId to, const std::source_location& where) {
  int n = t.n_held < ThreadRec::kMaxHeld ? t.n_held : ThreadRec::kMaxHeld;
  if (n == 0) return;
  // Which held entries are still ours, and a signature of the whole held set.
  bool valid[ThreadRec::kMaxHeld];
  std::uint64_t all_sig = 0;
  for (int i = 0; i < n; ++i) {
    valid[i] = t.held[i].obj != to && find_held(d, t, t.held[i].obj) == &t.held[i];
    if (valid[i]) all_sig ^= gate_mix(t.held[i].obj);
  }
  for (int i = 0; i < n; ++i) {
    if (!valid[i]) continue;
    const HeldEntry& h = t.held[i];
    std::size_t slot = edge_hash(h.obj, to);
    // The gates of this sighting: every other held lock. Seen by this thread with the same
    // gates before: nothing new for the graph.
    std::uint64_t sig = all_sig ^ gate_mix(h.obj);
    const auto& seen = t.seen_edges[slot];
    if (seen.from == h.obj && seen.to == to && seen.gates == sig) continue;

    // Slow path: a new edge for this thread. Gates are the other valid held locks.
    std::vector<ObjId> gates;
    for (int j = 0; j < n; ++j)
      if (j != i && valid[j]) gates.push_back(t.held[j].obj);
    std::sort(gates.begin(), gates.end());

    FindingRecord finding;
    {
      SpinGuard g(d.graph_mu);
      auto& out = d.graph[h.obj];
      auto it = out.find(to);
      // Re-check for cycles when the edge is new or lost a gate (it may no longer be protected).
      bool changed = it == out.end();
      if (changed) {
        it = out.emplace(to, Edge{t.index, h.site, where, gates}).first;
      } else {
        std::vector<ObjId> both;
        std::set_intersection(it->second.gates.begin(), it->second.gates.end(), gates.begin(),
                              gates.end(), std::back_inserter(both));
        if (both != it->second.gates) {
          changed = true;
          it->second = Edge{t.index, h.site, where, std::move(both)};
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
          if (common.empty() && d.reported_cycles.insert(key).second) {
            finding.kind = "lock-order-inversion";
            std::string msg = "locks taken in a cyclic order (a potential deadlock):";
            for (std::size_t k = 0; k < nodes.size(); ++k) {
              ObjId a = nodes[k], b = nodes[(k + 1) % nodes.size()];
              const Edge& e = *edges[k];
              msg += (k ? "; " : " ") + d.describe(b) + " taken" + at(e.to_site) +
                     " while holding " + d.describe(a) + taken_at(e.from_site) + " in thread " + std::to_string(e.thread);
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
    t.seen_edges[slot] = {h.obj, to, sig};
    if (!finding.kind.empty()) d.report(std::move(finding));
  }
}

}  // namespace weft::rt::detectors::internal
