// SHA-256 (FIPS 180-4), incremental, for message identities. Not constant-time: nothing secret goes in.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace bouncekit::detail {

class sha256 {
 public:
  sha256() noexcept;
  void update(std::string_view bytes) noexcept;
  // Lower-case hex of the digest; the object is spent afterwards.
  std::string hex_digest() noexcept;

 private:
  void block(const unsigned char* p) noexcept;
  std::array<std::uint32_t, 8> h_;
  std::array<unsigned char, 64> buffer_{};
  std::size_t buffered_ = 0;
  std::uint64_t length_ = 0;
};

}  // namespace bouncekit::detail
