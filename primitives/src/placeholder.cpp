// Replaced by the primitives implementation (issue 2).
namespace weft {
int primitives_placeholder() { return 0; }
}  // namespace weft
