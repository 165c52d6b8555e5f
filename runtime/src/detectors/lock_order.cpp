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
// interleave and nothing is reported. (Once an edge is seen with no gate at all it is cached and
// never looked at again.)
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

}  // namespace

void lock_order_on_acquired(Detector& d, ThreadRec& t, ObjId to, const std::source_location& where) {
  int n = t.n_held < ThreadRec::kMaxHeld ? t.n_held : ThreadRec::kMaxHeld;
  if (n == 0) return;
  for (int i = 0; i < n; ++i) {
    const HeldEntry& h = t.held[i];
    if (h.obj == to) continue;
    if (find_held(d, t, h.obj) != &h) continue;  // released by another thread since
    std::size_t slot = edge_hash(h.obj, to);
    if (t.seen_edges[slot].first == h.obj && t.seen_edges[slot].second == to) continue;

    // Slow path: a new edge for this thread. Gates are the other valid held locks.
    std::vector<ObjId> gates;
    for (int j = 0; j < n; ++j)
      if (j != i && t.held[j].obj != to && find_held(d, t, t.held[j].obj) == &t.held[j])
        gates.push_back(t.held[j].obj);
    std::sort(gates.begin(), gates.end());

    FindingRecord finding;
    bool cache_it = false;
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
      cache_it = it->second.gates.empty();
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
    if (cache_it) t.seen_edges[slot] = {h.obj, to};
    if (!finding.kind.empty()) d.report(std::move(finding));
  }
}

}  // namespace weft::rt::detectors::internal
