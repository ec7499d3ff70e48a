// One RAII wrapper over XXH3-128. Every field is hashed with a tag and a
// length, so ("-I", "-O2") and ("-I-O2") can never collide.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace cxximport {

class Hasher {
 public:
  Hasher();
  ~Hasher();
  Hasher(const Hasher&) = delete;
  Hasher& operator=(const Hasher&) = delete;

  // Tagged field: tag, length and bytes.
  Hasher& field(std::string_view tag, std::string_view value);
  Hasher& field(std::string_view tag, std::int64_t value);
  // Raw bytes with no framing: the whole-content hashes below (hash_bytes,
  // hash_fd), never a key field, whose framing field() guarantees.
  Hasher& raw(const void* data, std::size_t size);

  std::string hex() const;  // 32 lowercase hex digits

 private:
  void* state_;  // XXH3_state_t, opaque here so xxhash.h stays out of headers
};

// XXH3-128 of a byte string, hex.
std::string hash_bytes(std::string_view data);
// XXH3-128 of an open file's remaining content, hex; false on a read error.
bool hash_fd(int fd, std::string* hex, std::string* err);
// XXH3-128 of a file's content, hex; false when it cannot be read.
bool hash_file(const std::string& path, std::string* hex, std::string* err);

}  // namespace cxximport
