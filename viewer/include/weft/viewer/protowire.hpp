// weft/viewer/protowire.hpp: a small writer of the protobuf wire format, enough to emit
// Perfetto's trace format (viewer/emit/perfetto.cpp) without depending on libprotobuf.
//
// The wire format (https://protobuf.dev/programming-guides/encoding/): a message is a sequence
// of fields, each a tag = (field_number << 3 | wire_type) written as a varint, then the value:
//   wire type 0 VARINT: unsigned LEB128, 7 bits per byte, low group first, high bit = "more";
//   wire type 1 I64:    8 bytes little-endian (fixed64, double);
//   wire type 2 LEN:    a varint byte count, then the bytes (strings, bytes, nested messages);
//   wire type 5 I32:    4 bytes little-endian.
// Negative int32/int64 values are varints of their 64-bit two's complement (10 bytes).
//
//   weft::viewer::pb::Writer w;
//   w.varint(1, 150);                     // 08 96 01
//   auto m = w.open(3);                   // a nested message, its length written by close()
//   w.string(2, "testing");
//   w.close(m);
//   std::string_view bytes = w.view();
//
// Nested messages: open() writes the tag and remembers where the body starts; close() writes the
// body's length in front of it, moving the body by the length's size (1 byte below 128 bytes,
// 2 below 16 KiB), so no length has to be known in advance and no padding is emitted.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace weft::viewer::pb {

enum class WireType : std::uint8_t { Varint = 0, I64 = 1, Len = 2, I32 = 5 };

// Bytes a varint of `v` takes (1..10).
constexpr std::size_t varint_size(std::uint64_t v) {
  std::size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

// Appends `v` as an unsigned LEB128 varint.
inline void put_varint(std::string& out, std::uint64_t v) {
  char buf[10];
  std::size_t n = 0;
  while (v >= 0x80) {
    buf[n++] = static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  buf[n++] = static_cast<char>(v);
  out.append(buf, n);
}

constexpr std::uint64_t tag(std::uint32_t field, WireType type) {
  return (static_cast<std::uint64_t>(field) << 3) | static_cast<std::uint8_t>(type);
}

class Writer {
 public:
  // Where a nested message's body starts; returned by open(), passed to close().
  struct Mark {
    std::size_t body = 0;
  };

  void varint(std::uint32_t field, std::uint64_t v) {
    put_varint(buf_, tag(field, WireType::Varint));
    put_varint(buf_, v);
  }
  // int32/int64 fields: negative values take 10 bytes (two's complement), as the spec says.
  void int64(std::uint32_t field, std::int64_t v) { varint(field, static_cast<std::uint64_t>(v)); }
  void boolean(std::uint32_t field, bool v) { varint(field, v ? 1 : 0); }
  void fixed64(std::uint32_t field, std::uint64_t v) {
    put_varint(buf_, tag(field, WireType::I64));
    char b[8];
    for (int i = 0; i < 8; ++i) b[i] = static_cast<char>((v >> (8 * i)) & 0xff);
    buf_.append(b, 8);
  }
  void fixed32(std::uint32_t field, std::uint32_t v) {
    put_varint(buf_, tag(field, WireType::I32));
    char b[4];
    for (int i = 0; i < 4; ++i) b[i] = static_cast<char>((v >> (8 * i)) & 0xff);
    buf_.append(b, 4);
  }
  // string and bytes fields (the caller makes strings valid UTF-8).
  void bytes(std::uint32_t field, std::string_view s) {
    put_varint(buf_, tag(field, WireType::Len));
    put_varint(buf_, s.size());
    buf_.append(s.data(), s.size());
  }
  void string(std::uint32_t field, std::string_view s) { bytes(field, s); }

  Mark open(std::uint32_t field) {
    put_varint(buf_, tag(field, WireType::Len));
    return Mark{buf_.size()};
  }
  void close(Mark m) {
    const std::size_t len = buf_.size() - m.body;
    char lb[10];
    std::size_t n = 0;
    for (std::uint64_t v = len;; v >>= 7) {
      if (v < 0x80) {
        lb[n++] = static_cast<char>(v);
        break;
      }
      lb[n++] = static_cast<char>((v & 0x7f) | 0x80);
    }
    buf_.insert(m.body, lb, n);
  }

  std::string_view view() const { return buf_; }
  std::size_t size() const { return buf_.size(); }
  void clear() { buf_.clear(); }
  std::string& buffer() { return buf_; }

 private:
  std::string buf_;
};

// Replaces what is not valid UTF-8 (bytes of a name cut mid-character, stray bytes) with U+FFFD,
// so that string fields stay valid for every protobuf reader. Valid input is returned unchanged.
std::string valid_utf8(std::string_view s);

}  // namespace weft::viewer::pb
