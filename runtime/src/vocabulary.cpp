// The vocabulary's names: event kinds, object kinds, wait results, acquire-fail reasons, misuse
// codes and the bug kinds they are reported as, all from runtime/vocabulary.json (through the
// generated vocabulary.inc). Apart from the recording switch (hooks.cpp) so that readers of
// traces (the fuzzer of the trace reader) can name things without starting a recorder.
#include <string_view>

#include "weft/runtime/event.hpp"

namespace weft::rt {

#define WEFT_X_NAME(Enum, Name, id) \
  case Enum::Name:                  \
    return id;

std::string_view to_string(Ev kind) noexcept {
  switch (kind) {
#define WEFT_X(Name, value, id, arg) WEFT_X_NAME(Ev, Name, id)
    WEFT_VOCAB_EVENTS(WEFT_X)
#undef WEFT_X
    case Ev::kCount: break;
  }
  return "unknown";
}

std::string_view to_string(ObjKind kind) noexcept {
  switch (kind) {
#define WEFT_X(Name, value, id, reentrant) WEFT_X_NAME(ObjKind, Name, id)
    WEFT_VOCAB_OBJECT_KINDS(WEFT_X)
#undef WEFT_X
    case ObjKind::kCount: break;
  }
  return "unknown";
}

std::string_view to_string(WaitResult result) noexcept {
  switch (result) {
#define WEFT_X(Name, value, id) WEFT_X_NAME(WaitResult, Name, id)
    WEFT_VOCAB_WAIT_RESULTS(WEFT_X)
#undef WEFT_X
  }
  return "unknown";
}

std::string_view to_string(AcquireFail reason) noexcept {
  switch (reason) {
#define WEFT_X(Name, value, id) WEFT_X_NAME(AcquireFail, Name, id)
    WEFT_VOCAB_ACQUIRE_FAILS(WEFT_X)
#undef WEFT_X
  }
  return "unknown";
}

std::string_view misuse_kind(MisuseCode code) noexcept {
  switch (code) {
#define WEFT_X(Name, value, kind, message) WEFT_X_NAME(MisuseCode, Name, kind)
    WEFT_VOCAB_MISUSE_CODES(WEFT_X)
#undef WEFT_X
    case MisuseCode::kCount: break;
  }
  return bug_kind::kApiMisuse;
}

std::string_view to_string(MisuseCode code) noexcept {
  switch (code) {
#define WEFT_X(Name, value, kind, message) WEFT_X_NAME(MisuseCode, Name, message)
    WEFT_VOCAB_MISUSE_CODES(WEFT_X)
#undef WEFT_X
    case MisuseCode::kCount: break;
  }
  return "misuse";
}

#undef WEFT_X_NAME

}  // namespace weft::rt
