// Shared by the fuzz targets: the libFuzzer entry point, and a check that aborts (so that libFuzzer, or the
// replay main under a sanitizer, reports the input) when a property the library promises does not hold.
#pragma once

#include <bouncekit/classifier.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace bouncekit::fuzz {

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) noexcept {
  return size ? std::string_view(reinterpret_cast<const char*>(data), size) : std::string_view();
}

[[noreturn]] inline void fail(const char* what, const char* file, int line) noexcept {
  std::fprintf(stderr, "%s:%d: fuzz property violated: %s\n", file, line, what);
  std::abort();
}

// Limits small enough that every limit's overflow path runs on fuzzer-sized inputs.
inline bouncekit::limits tight_limits() {
  bouncekit::limits l;
  l.max_message_bytes = 16u << 10;
  l.max_header_line_bytes = 512;
  l.max_mime_depth = 3;
  l.max_parts = 8;
  l.max_recipients = 3;
  l.max_decoded_bytes = 2048;
  return l;
}

}  // namespace bouncekit::fuzz

// Always on (unlike assert): the fuzz targets are built in Release too.
#define BOUNCEKIT_FUZZ_CHECK(cond) ((cond) ? static_cast<void>(0) : ::bouncekit::fuzz::fail(#cond, __FILE__, __LINE__))
