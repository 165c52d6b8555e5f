// ElementOrder: lock orders between elements of one array or container of locks (forks[i],
// list[i].mu), which LockModel's per-object keys cannot name. Part of lock-order-inversion.
//
// Two shapes, both within one translation unit:
//   - wrap-around: elements locked nested in index order i, then (i + 1) % N (Dijkstra's dining
//     philosophers): the last element is taken before the first, which closes a cycle;
//   - opposite directions: one path locks a[i] then a[i + 1], another a[i] then a[i - 1] (a
//     list walked hand over hand forwards and backwards).
// An element is "held" at an acquisition when a guard over an element of the same container is
// alive in an enclosing block, when an earlier statement locked one and did not unlock it, or,
// inside a loop body, when a later statement of the body unlocks one it did not lock
// (hand-over-hand). Indices are compared when both are the same variable plus a constant
// (through locals initialised once and never assigned), or both are constants; std::min/std::max
// of the same two operands are ordered by construction.
#pragma once

#include <string>
#include <vector>

namespace clang {
class ASTContext;
class Stmt;
}  // namespace clang

namespace weft::analyzer::locks {

struct ElementFinding {
  const clang::Stmt* acquire;  // the acquisition reported
  const clang::Stmt* other;    // for opposite directions: the first acquisition of the other one
  std::string message, note;
};

std::vector<ElementFinding> findElementOrderInversions(clang::ASTContext& ctx);

}  // namespace weft::analyzer::locks
